//! The `isolation` binary's sweep of the tables crashed runs left behind,
//! alone in its test binary: another run of the tool at the same time (the
//! other isolation tests run in parallel) would sweep the table this test
//! leaves for its own run.

mod common;
use common::*;

use mysql_async::prelude::Queryable;
use std::process::Output;

fn isolation() -> Output {
    tool(env!("CARGO_BIN_EXE_isolation"))
        .args(["--url", &server_url()])
        .args([
            "--tests",
            "g1a",
            "--levels",
            "read-committed",
            "--format",
            "json",
        ])
        .output()
        .expect("isolation runs")
}

fn warnings(out: &Output) -> Vec<String> {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    json(out)["warnings"]
        .as_array()
        .expect("a warnings array")
        .iter()
        .map(|w| w.as_str().unwrap_or_default().to_string())
        .collect()
}

/// A run's table whose run is gone (no run holds its lock) is dropped by
/// the next run, which says so once; the run after that has nothing to
/// say on MariaDB (no table left, no TiDB setting to warn of).
#[tokio::test]
async fn a_table_a_crashed_run_left_is_dropped_and_said_once() {
    let stale = format!("rig_hermitage_{}_1", std::process::id());
    let mut admin = admin().await;
    admin
        .query_drop(format!(
            "CREATE TABLE IF NOT EXISTS {stale} (id INT PRIMARY KEY, value INT)"
        ))
        .await
        .unwrap();
    let first = warnings(&isolation());
    let left: Vec<String> = admin
        .query(format!("SHOW TABLES LIKE '{stale}'"))
        .await
        .unwrap();
    assert!(left.is_empty(), "{stale} was not dropped");
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(
        first[0].starts_with("dropped ")
            && first[0].contains("table(s) that earlier runs left behind"),
        "{first:?}"
    );
    let second = warnings(&isolation());
    assert!(second.is_empty(), "{second:?}");
}
