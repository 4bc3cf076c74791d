//! Auto-detection recognises a MySQL-protocol server by its greeting, and
//! rejects a closed port or a listener that says nothing.

use std::net::TcpListener;
use std::time::{Duration, Instant};
use test_rig::ConnectionConfig;
use test_rig_bins::target::speaks_mysql;

#[tokio::test]
async fn the_test_server_is_recognised() {
    let s = ConnectionConfig::for_tests().unwrap();
    assert!(speaks_mysql(&s.host, s.port, Duration::from_secs(2)).await);
}

#[tokio::test]
async fn a_closed_port_is_not_a_server() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    assert!(!speaks_mysql("127.0.0.1", port, Duration::from_secs(2)).await);
}

#[tokio::test]
async fn a_silent_listener_is_not_a_server_and_costs_only_the_limit() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let started = Instant::now();
    assert!(!speaks_mysql("127.0.0.1", port, Duration::from_millis(200)).await);
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(listener);
}
