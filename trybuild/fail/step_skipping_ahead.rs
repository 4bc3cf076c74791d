// Calling `connect` before `parse_config`: the handle is still in ParsingConfig.
use test_rig::common_states::Conn;
use test_rig::prelude::*;

async fn skip(cx: StateContext) -> Result<(), StepFailed> {
    Conn::start(cx).connect().await?;
    Ok(())
}

fn main() {}
