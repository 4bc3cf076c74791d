// The per-step marker traits are sealed: declaring that a terminal state
// may take a step does not make the step callable there.
#[test_rig::workflow]
pub mod flow {
    use test_rig::prelude::*;

    #[initial]
    pub struct Start;
    #[terminal]
    pub struct Done;

    #[step(Start -> Done)]
    async fn finish(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }
}

impl flow::CanFinish for flow::Done {}

fn main() {}
