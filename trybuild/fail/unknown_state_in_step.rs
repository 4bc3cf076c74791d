// A step names a state the workflow does not declare (a typo).
#[test_rig::workflow]
mod flow {
    use test_rig::prelude::*;

    #[initial]
    pub struct Start;
    #[terminal]
    pub struct Connected;

    #[step(Start -> Conected)]
    async fn connect(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }
}

fn main() {}
