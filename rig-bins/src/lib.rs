//! The command-line tools of test-rig: shared option parsing, exit codes and
//! output helpers, and each tool's runner. The binaries in `src/bin` only
//! parse their arguments and call into here.

#![warn(missing_docs, unreachable_pub)]

/// `println!` for a stdout that may be closed early (`| head`): a failed
/// write is ignored rather than a panic, so the run still reaches its
/// cleanups and its exit code.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// `print!` (no newline) on the same terms as [`out!`].
macro_rules! out_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// `eprintln!` on the same terms as [`out!`], for stderr.
macro_rules! err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

pub mod basic;
pub mod cli;
pub mod config_file;
pub mod consistency;
pub mod execute;
pub mod exit_code;
pub mod fan_out;
pub mod html;
pub mod isolation;
pub mod job_monitor;
pub mod logging;
pub mod option_file;
pub mod progress;
#[cfg(feature = "python")]
pub mod python_demo;
pub mod report_output;
pub mod run_page;
pub mod signals;
pub mod simple_multi_connection;
pub mod state_diagram;
pub mod target;
pub mod tool_main;
