//! What every tool's `main` does, in one place: logging, the command line,
//! the runtime, the signal listener, the run, and waiting for abandoned
//! statements to be stopped before the exit code is returned.

use std::future::Future;
use std::process::ExitCode;

/// Runs the tool `tool`: parses its arguments as `A` (see
/// [`cli::parse_args`](crate::cli::parse_args)), runs `run` on a fresh
/// runtime that SIGINT and SIGTERM interrupt, and gives its exit code. The
/// runtime is shut down without waiting for what is still running once
/// the report is out (a Python step stuck in `time.sleep`, say).
pub fn run_tool<A, F, Fut>(tool: &str, run: F) -> ExitCode
where
    A: clap::Parser,
    F: FnOnce(A) -> Fut,
    Fut: Future<Output = u8>,
{
    crate::logging::init();
    let args = crate::cli::parse_args::<A>(tool);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            err!("{tool}: error: cannot start the async runtime: {e}");
            return ExitCode::from(crate::exit_code::FAILED);
        }
    };
    let code = runtime.block_on(async {
        crate::signals::listen();
        let code = run(args).await;
        // Exiting before every statement the run abandoned (a timeout,
        // Ctrl-C) is stopped on the server would leave it running there.
        test_rig::session::settle_abandoned(std::time::Duration::from_secs(4)).await;
        code
    });
    runtime.shutdown_background();
    ExitCode::from(code)
}
