//! `isolation`: Hermitage's anomaly tests over real concurrent sessions.

use clap::Parser;
use std::process::ExitCode;
use test_rig_bins::isolation_tool::{run, IsolationArgs};

#[tokio::main]
async fn main() -> ExitCode {
    test_rig_bins::logging::init();
    ExitCode::from(run(IsolationArgs::parse()).await)
}
