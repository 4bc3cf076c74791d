//! Every tool with its stdout and stderr closed before it writes (what
//! `tool | head` and `tool 2>&1 | head` come to), with the most logging
//! there is: it must end with its usual exit code, never panic (101) or
//! hang, and still clean up what it made on the server.

mod common;
use common::*;

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Starts `path` with `args`, closes both of its outputs at once and waits
/// (at most 60 s) for its exit code.
fn run_closed(path: &str, args: &[&str]) -> (Option<i32>, u32) {
    let mut child: Child = tool(path)
        .args(["--url", &server_url()])
        .args(args)
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the tool starts");
    let pid = child.id();
    drop(child.stdout.take());
    drop(child.stderr.take());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), pid);
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("{path} hung with its outputs closed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn basic_ends_normally_with_its_outputs_closed() {
    assert_eq!(run_closed(env!("CARGO_BIN_EXE_basic"), &[]).0, Some(0));
    assert_eq!(
        run_closed(env!("CARGO_BIN_EXE_basic"), &["--format", "json"]).0,
        Some(0)
    );
}

#[test]
fn simple_multi_connection_ends_normally_with_its_outputs_closed() {
    let (code, _) = run_closed(
        env!("CARGO_BIN_EXE_simple_multi_connection"),
        &["-n", "3", "--iterations", "20"],
    );
    assert_eq!(code, Some(0));
}

#[test]
fn isolation_ends_normally_with_its_outputs_closed() {
    let (code, _) = run_closed(
        env!("CARGO_BIN_EXE_isolation"),
        &["--tests", "g0,p4", "--levels", "read-committed"],
    );
    assert_eq!(code, Some(0));
}

#[test]
fn job_monitor_ends_normally_with_its_outputs_closed() {
    let (code, _) = run_closed(
        env!("CARGO_BIN_EXE_job_monitor"),
        &["--duration", "500ms", "--interval", "100ms"],
    );
    assert_eq!(code, Some(0));
}

#[cfg(feature = "python")]
#[tokio::test]
async fn python_demo_ends_normally_and_drops_its_tables_with_its_outputs_closed() {
    use mysql_async::prelude::Queryable;
    let plugin = format!("{}/../examples/plugins/demo.py", env!("CARGO_MANIFEST_DIR"));
    let (code, pid) = run_closed(
        env!("CARGO_BIN_EXE_python_demo"),
        &["--plugin", &plugin, "-n", "2"],
    );
    assert_eq!(code, Some(0));
    // The demo's tables are named after the tool's process.
    let left: Vec<String> = admin()
        .await
        .query(format!("SHOW TABLES LIKE 'rig\\_py\\_demo\\_{pid}\\_%'"))
        .await
        .unwrap();
    assert_eq!(left, Vec::<String>::new());
}
