//! `python_demo`: a Python plugin's steps after the common states, on one or
//! many connections (feature `python`).

use std::process::ExitCode;
use test_rig_bins::python_tool::{run, PythonArgs};

fn main() -> ExitCode {
    test_rig_bins::logging::init();
    let args = test_rig_bins::cli::parse_args::<PythonArgs>("python_demo");
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("python_demo: error: cannot start the async runtime: {e}");
            return ExitCode::from(test_rig_bins::exit_code::FAILED);
        }
    };
    let code = runtime.block_on(async {
        test_rig_bins::signals::listen();
        let code = run(args).await;
        test_rig_bins::exit_code::finish(code).await;
        code
    });
    // A Python step still running after a cancel (e.g. in time.sleep) cannot
    // be interrupted; the report is out, so do not wait for it.
    runtime.shutdown_background();
    ExitCode::from(code)
}
