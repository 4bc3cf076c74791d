//! `consistency`: randomized transactions over many sessions, checked for
//! isolation anomalies by dependency-graph inference (Elle's method).

use test_rig_bins::consistency::{run, ConsistencyArgs};

fn main() -> std::process::ExitCode {
    test_rig_bins::tool_main::run_tool::<ConsistencyArgs, _, _>("consistency", run)
}
