//! `basic`: connect, test, verify the database and report the server version.

use test_rig_bins::basic::{run, BasicArgs};

fn main() -> std::process::ExitCode {
    test_rig_bins::tool_main::run_tool::<BasicArgs, _, _>("basic", run)
}
