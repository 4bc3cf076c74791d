//! `python_demo`: a Python plugin's steps after the common states, on one or
//! many connections (feature `python`).

use clap::Parser;
use std::process::ExitCode;
use test_rig_bins::python_tool::{run, PythonArgs};

#[tokio::main]
async fn main() -> ExitCode {
    test_rig_bins::logging::init();
    ExitCode::from(run(PythonArgs::parse()).await)
}
