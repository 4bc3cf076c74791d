//! `job_monitor`: follow import and DDL jobs, or long-running statements.

use clap::Parser;
use std::process::ExitCode;
use test_rig_bins::job_monitor_tool::{run, JobMonitorArgs};

#[tokio::main]
async fn main() -> ExitCode {
    test_rig_bins::logging::init();
    ExitCode::from(run(JobMonitorArgs::parse()).await)
}
