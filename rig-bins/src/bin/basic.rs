//! `basic`: connect, test, verify the database and report the server version.

use clap::Parser;
use std::process::ExitCode;
use test_rig_bins::basic::{run, BasicArgs};

#[tokio::main]
async fn main() -> ExitCode {
    test_rig_bins::logging::init();
    ExitCode::from(run(BasicArgs::parse()).await)
}
