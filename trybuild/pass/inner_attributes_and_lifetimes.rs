// Inner attributes and inner doc comments in the workflow module, a step
// with an explicit lifetime, and a terminal handle left unused under
// `#![deny(warnings)]`, all compile.
#![deny(warnings)]
use test_rig::prelude::*;

#[test_rig::workflow]
pub mod orders {
    //! Orders: one step, then done.
    #![allow(clippy::needless_lifetimes)]
    use test_rig::prelude::*;

    #[initial]
    pub struct Start;
    #[terminal]
    pub struct Done;

    #[step(Start -> Done)]
    async fn finish<'a>(_cx: &'a mut StateContext) -> Result<(), StateError> {
        Ok(())
    }
}

async fn run() -> Result<(), StepFailed> {
    let cx = StateContext::new("t", ConnectionConfig::default());
    orders::Conn::start(cx).finish().await?;
    Ok(())
}

#[tokio::main]
async fn main() {
    run().await.unwrap();
}
