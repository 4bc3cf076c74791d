//! Every tool's command line on any arguments (the input split at NUL
//! bytes): clap's parse, then what each tool checks before connecting
//! (the target from `--url` or the flags, the isolation tests and levels).
//! Errors are fine; a panic is not. Nothing connects: a command line that
//! names no target, or asks for a password prompt, stops after parsing.

#![no_main]

use clap::Parser;
use libfuzzer_sys::fuzz_target;
use test_rig_bins::basic::BasicArgs;
use test_rig_bins::cli::ConnectionArgs;
use test_rig_bins::isolation::{options, IsolationArgs};
use test_rig_bins::job_monitor::JobMonitorArgs;
use test_rig_bins::simple_multi_connection::MultiArgs;

fn resolve(conn: &ConnectionArgs) {
    let names_target = !conn.url.is_empty()
        || conn.host.is_some()
        || conn.port.is_some()
        || conn.user.is_some()
        || conn.database.is_some();
    if !names_target || conn.password == Some(None) {
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let _ = runtime.block_on(conn.resolve());
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let args: Vec<&str> = std::iter::once("tool").chain(text.split('\0')).collect();
    if let Ok(a) = BasicArgs::try_parse_from(&args) {
        resolve(&a.conn);
    }
    if let Ok(a) = MultiArgs::try_parse_from(&args) {
        resolve(&a.conn);
    }
    if let Ok(a) = JobMonitorArgs::try_parse_from(&args) {
        resolve(&a.conn);
    }
    if let Ok(a) = IsolationArgs::try_parse_from(&args) {
        let _ = options(&a);
        resolve(&a.conn);
    }
});
