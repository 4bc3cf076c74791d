//! The command-line tools of test-rig: shared option parsing, exit codes and
//! output helpers, and each tool's runner. The binaries in `src/bin` only
//! parse their arguments and call into here.

#![warn(missing_docs, unreachable_pub)]

pub mod basic;
pub mod cli;
pub mod config_file;
pub mod exit_code;
pub mod fan_out;
pub mod isolation_tool;
pub mod job_monitor_tool;
pub mod logging;
pub mod multi;
pub mod progress;
#[cfg(feature = "python")]
pub mod python_tool;
pub mod report_output;
pub mod target;
