// `Orphan` has a way out, but no step leads to it from the initial state.
#[test_rig::workflow]
mod flow {
    use test_rig::prelude::*;

    #[initial]
    pub struct Start;
    pub struct Orphan;
    #[terminal]
    pub struct Done;

    #[step(Start -> Done)]
    async fn finish(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }

    #[step(Orphan -> Done)]
    async fn adopt(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }
}

fn main() {}
