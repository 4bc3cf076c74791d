// Calling `parse_config` again after `connect`: steps only move forward.
use test_rig::common_states::Conn;
use test_rig::prelude::*;

async fn back(cx: StateContext) -> Result<(), StepFailed> {
    Conn::start(cx).parse_config().await?.connect().await?.parse_config().await?;
    Ok(())
}

fn main() {}
