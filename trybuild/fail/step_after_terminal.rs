// A handle in the terminal state `Completed` has no step left.
use test_rig::common_states::{Completed, Conn};
use test_rig::prelude::*;

async fn again(done: Conn<Completed>) -> Result<(), StepFailed> {
    done.get_version().await?;
    Ok(())
}

fn main() {}
