// `Stuck` is reached but is not terminal and has no step out.
#[test_rig::workflow]
mod flow {
    use test_rig::prelude::*;

    #[initial]
    pub struct Start;
    pub struct Stuck;
    #[terminal]
    pub struct Done;

    #[step(Start -> Stuck | Done)]
    async fn choose(_cx: &mut StateContext) -> Result<Choose, StateError> {
        Ok(Choose::Done)
    }
}

fn main() {}
