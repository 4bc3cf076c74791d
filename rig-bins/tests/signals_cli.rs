//! Ctrl-C (SIGINT) and SIGTERM while a tool is still connecting, to a
//! listener that accepts connections and never answers: every tool stops
//! at once with exit 130, rather than waiting out its connect timeout and
//! exiting 3.

mod common;
use common::*;

use std::process::Stdio;
use std::time::{Duration, Instant};

/// Starts `args` against a silent listener with a 30 s connect timeout,
/// sends SIG`signal` after half a second and gives the exit code and how
/// long the tool took to stop after the signal.
fn stopped_while_connecting(path: &str, args: &[&str], signal: &str) -> (Option<i32>, Duration) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let mut child = tool(path)
        .args(["-h", "127.0.0.1", "-P", &port, "--connect-timeout", "30s"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the tool starts");
    std::thread::sleep(Duration::from_millis(500));
    send_signal(&child, signal);
    let sent = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            drop(listener);
            return (status.code(), sent.elapsed());
        }
        if sent.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("{path} ignored SIG{signal} while connecting");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn assert_stops(path: &str, args: &[&str]) {
    for signal in ["INT", "TERM"] {
        let (code, took) = stopped_while_connecting(path, args, signal);
        assert_eq!(code, Some(130), "{path} {args:?} on SIG{signal}");
        // The connect timeout is 30 s: this bounds a wait for it, not speed.
        assert!(took < Duration::from_secs(5), "{path}: {took:?}");
    }
}

#[test]
fn basic_stops_while_connecting() {
    assert_stops(env!("CARGO_BIN_EXE_basic"), &[]);
}

#[test]
fn simple_multi_connection_stops_while_connecting() {
    assert_stops(env!("CARGO_BIN_EXE_simple_multi_connection"), &["-n", "2"]);
}

#[test]
fn isolation_stops_while_connecting() {
    assert_stops(env!("CARGO_BIN_EXE_isolation"), &[]);
}

#[test]
fn job_monitor_stops_while_connecting() {
    assert_stops(
        env!("CARGO_BIN_EXE_job_monitor"),
        &["--source", "processlist"],
    );
}

#[cfg(feature = "python")]
#[test]
fn python_demo_stops_while_connecting() {
    let plugin = format!("{}/../examples/plugins/demo.py", env!("CARGO_MANIFEST_DIR"));
    assert_stops(env!("CARGO_BIN_EXE_python_demo"), &["--plugin", &plugin]);
}
