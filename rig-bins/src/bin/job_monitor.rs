//! `job_monitor`: follow import and DDL jobs, or long-running statements.

use test_rig_bins::job_monitor_tool::{run, JobMonitorArgs};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    test_rig_bins::logging::init();
    test_rig_bins::signals::listen();
    test_rig_bins::exit_code::finish(
        run(test_rig_bins::cli::parse_args::<JobMonitorArgs>(
            "job_monitor",
        ))
        .await,
    )
    .await
}
