// A step may return an alias of `Result<(), StateError>`: the macro leaves
// a type it cannot read as a `Result` to the compiler instead of refusing it.
type StepResult = Result<(), test_rig::prelude::StateError>;

#[test_rig::workflow]
mod flow {
    use super::StepResult;
    use test_rig::prelude::*;

    #[initial]
    pub struct Start;
    #[terminal]
    pub struct Done;

    #[step(Start -> Done)]
    async fn finish(_cx: &mut StateContext) -> StepResult {
        Ok(())
    }
}

fn main() {
    let _ = &flow::WORKFLOW;
}
