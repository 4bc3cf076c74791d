// Seven mistakes in one workflow, all reported in one compile: a bad
// duration, an unknown key, no terminal state, a step that is not async, a
// misspelt state, an unreachable state and a wrong return type.
#[test_rig::workflow]
pub mod orders {
    use test_rig::prelude::*;

    #[initial]
    pub struct Start;
    pub struct Loaded;
    pub struct Checked;
    pub struct Orphan;

    #[step(Start -> Loaded, timeout = "10 parsecs", retries = 3)]
    fn load(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }

    #[step(Loaded -> Checkd)]
    async fn check(_cx: &mut StateContext) -> Result<u32, StateError> {
        Ok(1)
    }
}

fn main() {}
