// A typed handle's context cannot be swapped for another one: `context_mut`
// gives the session and the step data, not the context itself.
use test_rig::prelude::*;

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

fn main() {
    let mut handle = flow::Conn::start(StateContext::new("a", ConnectionConfig::default()));
    let _old = std::mem::replace(
        handle.context_mut(),
        StateContext::new("b", ConnectionConfig::default()),
    );
}
