// Two states are marked #[initial].
#[test_rig::workflow]
mod flow {
    use test_rig::prelude::*;

    #[initial]
    pub struct Start;
    #[initial]
    pub struct AlsoStart;
    #[terminal]
    pub struct Done;

    #[step(Start -> Done)]
    async fn finish(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }

    #[step(AlsoStart -> Done)]
    async fn finish_too(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }
}

fn main() {}
