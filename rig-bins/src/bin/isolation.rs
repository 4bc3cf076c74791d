//! `isolation`: Hermitage's anomaly tests over real concurrent sessions.

use test_rig_bins::isolation::{run, IsolationArgs};

fn main() -> std::process::ExitCode {
    test_rig_bins::tool_main::run_tool::<IsolationArgs, _, _>("isolation", run)
}
