// A branching step returns an outcome enum: it must be matched before going on.
use test_rig::common_states::Conn;
use test_rig::prelude::*;

async fn unmatched(cx: StateContext) -> Result<(), StepFailed> {
    let testing = Conn::start(cx).parse_config().await?.connect().await?;
    testing.test_connection().await?.get_version().await?;
    Ok(())
}

fn main() {}
