// Each mistake in a step's or cleanup's signature is reported on its own
// token, with the signature it must have; a tuple struct is explained as
// not a state; a negative retry count is called a count.
#[test_rig::workflow]
pub mod flow {
    use test_rig::prelude::*;

    #[initial]
    pub struct A;
    pub struct B;
    pub struct C;
    pub struct D;
    pub struct Counted(u32);
    #[terminal]
    pub struct E;

    #[step(A -> B, retry = -1)]
    async fn wrong_return(_cx: &mut StateContext) -> Result<u32, StateError> {
        Ok(1)
    }

    #[step(B -> C)]
    async fn wrong_context(_cx: &mut String) -> Result<(), StateError> {
        Ok(())
    }

    #[step(C -> D)]
    async unsafe fn not_safe(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }

    #[step(D -> E | Counted)]
    async fn tuple_target(_cx: &mut StateContext) -> Result<TupleTarget, StateError> {
        Ok(TupleTarget::E)
    }

    #[cleanup]
    async fn tidy(_cx: &mut StateContext) -> u32 {
        0
    }
}

fn main() {}
