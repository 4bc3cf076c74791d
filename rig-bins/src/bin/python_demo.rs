//! `python_demo`: a Python plugin's steps after the common states, on one or
//! many connections (feature `python`).

use test_rig_bins::python_demo::{run, PythonArgs};

fn main() -> std::process::ExitCode {
    test_rig_bins::tool_main::run_tool::<PythonArgs, _, _>("python_demo", run)
}
