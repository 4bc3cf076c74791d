//! `simple_multi_connection`: the common workflow on many connections at once.

use clap::Parser;
use test_rig_bins::multi::{run, MultiArgs};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    test_rig_bins::logging::init();
    test_rig_bins::signals::listen();
    test_rig_bins::exit_code::finish(run(MultiArgs::parse()).await).await
}
