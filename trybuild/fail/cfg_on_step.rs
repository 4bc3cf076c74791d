// #[cfg] on a step or a state is refused with one clear error: the macro
// reads the workflow before cfg removes anything.
#[test_rig::workflow]
pub mod flow {
    use test_rig::prelude::*;

    #[initial]
    pub struct A;
    #[terminal]
    pub struct B;

    #[step(A -> B)]
    async fn on_linux(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }

    #[cfg(any())]
    #[step(A -> B)]
    async fn never(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }
}

fn main() {}
