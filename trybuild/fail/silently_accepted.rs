// What used to be accepted in silence: a key given twice, two #[step]s on
// one function, a function both #[step] and #[cleanup], and a type that is
// no workflow's state imported as the initial state.
#[test_rig::workflow]
pub mod twice {
    use test_rig::prelude::*;

    #[initial]
    pub struct A;
    pub struct B;
    pub struct C;
    #[terminal]
    pub struct D;

    #[step(A -> B, timeout = "1s", timeout = "1m")]
    async fn first(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }

    #[step(B -> C)]
    #[step(A -> C)]
    async fn second(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }

    #[cleanup]
    #[step(C -> D)]
    async fn tidy(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }
}

#[test_rig::workflow]
pub mod not_a_state {
    use test_rig::prelude::*;

    #[initial]
    pub use std::string::String as Start;
    #[terminal]
    pub struct Done;

    #[step(Start -> Done)]
    async fn finish(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }
}

fn main() {}
