//! `--ssl-mode preferred` (the default) against a server without TLS probes
//! for TLS once per run, not once per session: each probe is a connection
//! the server counts, and twenty sessions probing each would need twice the
//! connections the capacity check allowed for. A file of its own, so that no
//! other test of this binary adds probes while the counter is read.

mod common;
use common::*;

use mysql_async::prelude::Queryable;

async fn aborted_before_auth(c: &mut mysql_async::Conn) -> u64 {
    let row: Option<(String, u64)> = c
        .query_first("SHOW GLOBAL STATUS LIKE 'Aborted_connects_preauth'")
        .await
        .unwrap();
    row.expect("MariaDB reports Aborted_connects_preauth").1
}

#[tokio::test]
async fn twenty_sessions_probe_for_tls_once() {
    let mut c = admin().await;
    let have_ssl: Option<String> = c.query_first("SELECT @@have_ssl").await.unwrap();
    assert_ne!(
        have_ssl.as_deref(),
        Some("YES"),
        "this test needs the test server without TLS"
    );
    let before = aborted_before_auth(&mut c).await;
    let out = tool(env!("CARGO_BIN_EXE_simple_multi_connection"))
        .args(["--url", &server_url(), "-n", "20"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let probes = aborted_before_auth(&mut c).await - before;
    // One probe (the capacity check's), plus slack for other processes using
    // the server meanwhile; one per session would be 21.
    assert!(
        probes <= 5,
        "{probes} connections gave up before authenticating"
    );
}
