// No state is marked #[initial]: the workflow has nowhere to start.
#[test_rig::workflow]
mod flow {
    use test_rig::prelude::*;

    pub struct Start;
    #[terminal]
    pub struct Done;

    #[step(Start -> Done)]
    async fn finish(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }
}

fn main() {}
