//! `simple_multi_connection`: the common workflow on many connections at once.

use clap::Parser;
use std::process::ExitCode;
use test_rig_bins::multi::{run, MultiArgs};

#[tokio::main]
async fn main() -> ExitCode {
    test_rig_bins::logging::init();
    ExitCode::from(run(MultiArgs::parse()).await)
}
