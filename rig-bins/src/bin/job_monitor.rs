//! `job_monitor`: follow import and DDL jobs, or long-running statements.

use test_rig_bins::job_monitor::{run, JobMonitorArgs};

fn main() -> std::process::ExitCode {
    test_rig_bins::tool_main::run_tool::<JobMonitorArgs, _, _>("job_monitor", run)
}
