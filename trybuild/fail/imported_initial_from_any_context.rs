// A workflow whose initial state is imported starts only from the handle of
// the workflow that declares it, in that state: a bare context (new, or
// taken out of a failed step) has not been through that workflow.
use test_rig::prelude::*;

#[test_rig::workflow]
pub mod orders {
    use test_rig::prelude::*;

    #[initial]
    pub use test_rig::common_states::Completed as Ready;
    #[terminal]
    pub struct Done;

    #[step(Ready -> Done)]
    async fn finish(_cx: &mut StateContext) -> Result<(), StateError> {
        Ok(())
    }
}

fn main() {
    let cx = StateContext::new("t", ConnectionConfig::default());
    let _ = orders::Conn::start(cx);
}
