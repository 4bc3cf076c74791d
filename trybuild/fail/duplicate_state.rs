// The same state declared twice: once here, once imported.
#[test_rig::workflow]
mod flow {
    use test_rig::prelude::*;

    #[initial]
    pub struct Start;
    #[terminal]
    pub struct Completed;
    #[state]
    pub use test_rig::common_states::Completed;

    #[step(Start -> Completed)]
    async fn finish(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }
}

fn main() {}
