// A step consumes its handle: the old handle cannot be used again.
use test_rig::common_states::Conn;
use test_rig::prelude::*;

async fn twice(cx: StateContext) -> Result<(), StepFailed> {
    let start = Conn::start(cx);
    let _connecting = start.parse_config().await?;
    let _again = start.parse_config().await?;
    Ok(())
}

fn main() {}
