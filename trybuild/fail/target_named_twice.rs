// `Done` is listed twice among the targets of one step.
#[test_rig::workflow]
mod flow {
    use test_rig::prelude::*;

    #[initial]
    pub struct Start;
    #[terminal]
    pub struct Done;

    #[step(Start -> Done | Done)]
    async fn finish(_cx: &mut StateContext) -> Result<Finish, StateError> {
        Ok(Finish::Done)
    }
}

fn main() {}
