//! A statement the session gives up on does not outlive it on the server:
//! a statement timeout, and a statement whose future is dropped (a step
//! timeout, Ctrl-C), both stop it with `KILL CONNECTION` from a fresh connection.

#[path = "../testing/processlist.rs"]
mod processlist;
use std::time::Duration;
use test_rig::prelude::*;

#[path = "../testing/server.rs"]
mod test_server;
use test_server::server;

/// Ids of connections whose current statement holds `marker`.
async fn running(marker: &str) -> Vec<u64> {
    let mut control = Session::connect(&server()).await.unwrap();
    control
        .query(&processlist::statements_holding(marker))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_statement_timeout_stops_the_statement_on_the_server() {
    let marker = format!("rig_timeout_{}", std::process::id());
    let mut config = server();
    config.statement_timeout = Some(Duration::from_millis(300));
    let mut s = Session::connect(&config).await.unwrap();
    let e = s
        .execute(&format!("SELECT SLEEP(20) AS {marker}"))
        .await
        .unwrap_err();
    assert!(matches!(e, StateError::StatementTimeout { .. }), "{e}");
    // Stopped before the error came back, not eventually.
    assert_eq!(running(&marker).await, Vec::<u64>::new());
}

#[tokio::test]
async fn a_dropped_statement_is_stopped_on_the_server() {
    let marker = format!("rig_dropped_{}", std::process::id());
    // BENCHMARK, not SLEEP: the server ends a SLEEP when its client goes
    // away, but runs a computation (or an ALTER) to its end.
    let sql = format!("SELECT BENCHMARK(2000000000, MD5('x')) AS {marker}");
    let task = tokio::spawn(async move {
        let mut s = Session::connect(&server()).await.unwrap();
        s.execute(&sql).await
    });
    // Until the statement runs, then drop it mid-flight, as a step timeout does.
    let started = processlist::poll(
        Duration::from_secs(10),
        || running(&marker),
        |ids| !ids.is_empty(),
    )
    .await;
    assert!(!started.is_empty(), "never started");
    task.abort();
    let _ = task.await;
    let left = processlist::poll(
        Duration::from_secs(5),
        || running(&marker),
        <[u64]>::is_empty,
    )
    .await;
    assert!(left.is_empty(), "still running: {left:?}");
}
