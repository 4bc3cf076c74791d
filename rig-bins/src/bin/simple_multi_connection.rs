//! `simple_multi_connection`: the common workflow on many connections at once.

use test_rig_bins::simple_multi_connection::{run, MultiArgs};

fn main() -> std::process::ExitCode {
    test_rig_bins::tool_main::run_tool::<MultiArgs, _, _>("simple_multi_connection", run)
}
