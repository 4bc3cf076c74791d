// `#[terminal]` takes nothing, or `failure`; `#[initial]` takes nothing.
#[test_rig::workflow]
mod checks {
    use test_rig::prelude::*;

    #[initial(first)]
    pub struct Start;
    #[terminal(fail)]
    pub struct Missing;
    #[terminal(failure = true)]
    pub struct Lost;
    #[terminal(failure)]
    pub struct Gone;

    #[step(Start -> Missing | Lost | Gone)]
    async fn look(_cx: &mut StateContext) -> Result<Look, StateError> {
        Ok(Look::Gone)
    }
}

fn main() {}
