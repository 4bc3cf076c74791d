//! End-to-end checks that need a real TiDB. Run them with
//! `TEST_RIG_URL=mysql://root@127.0.0.1:4000/test cargo test --test tidb -- --ignored`
//! (e.g. against `tiup playground`).

use test_rig::common_states;
use test_rig::prelude::*;

#[tokio::test]
#[ignore = "needs TiDB: set TEST_RIG_URL to a TiDB server and pass --ignored"]
async fn common_workflow_identifies_tidb_and_its_build() {
    let config = ConnectionConfig::for_tests().unwrap();
    let mut cx = common_states::WORKFLOW
        .run(StateContext::new("tidb", config))
        .await
        .expect("common workflow passes on TiDB");
    let info = cx.server().unwrap().clone();
    assert_eq!(info.flavor, Flavor::TiDB, "{}", info.version_string);
    let build = info.tidb.as_ref().expect("tidb_version() parsed");
    let release = build
        .release_version
        .as_deref()
        .expect("Release Version present");
    assert!(
        release.contains(&info.version.to_string()),
        "{release} vs {}",
        info.version
    );
    assert!(build.store.is_some());
    let level: Option<String> = cx
        .session()
        .unwrap()
        .query_first(&format!("SELECT @@{}", info.isolation_variable()))
        .await
        .unwrap();
    assert!(level.is_some());
}

/// The cancel path on TiDB: the id KILL names is the session's own
/// `CONNECTION_ID()` (64 bits on v6.1 to v7.2, where the handshake carries
/// only the low 32 and `KILL TIDB QUERY` with those warns and stops
/// nothing), and a statement abandoned by a dropped future is stopped.
#[tokio::test]
#[ignore = "needs TiDB: set TEST_RIG_URL to a TiDB server and pass --ignored"]
async fn a_dropped_statement_is_stopped_with_the_sessions_own_id() {
    use std::time::{Duration, Instant};
    let config = ConnectionConfig::for_tests().unwrap();
    let mut victim = Session::connect(&config).await.unwrap();
    let info = victim.server_info().await.unwrap();
    assert_eq!(info.flavor, Flavor::TiDB);
    let own: Option<u64> = victim.query_first("SELECT CONNECTION_ID()").await.unwrap();
    assert_eq!(victim.connection_id(), own, "KILL names CONNECTION_ID()");
    let marker = format!("rig_tidb_stop_{}", std::process::id());
    let sql = format!("SELECT SLEEP(30) AS {marker}");
    let task = tokio::spawn(async move { victim.execute(&sql).await });
    let mut control = Session::connect(&config).await.unwrap();
    let running = format!(
        "SELECT ID FROM information_schema.CLUSTER_PROCESSLIST WHERE INFO LIKE '%{marker}%' AND INFO NOT LIKE '%PROCESSLIST%'"
    );
    let started = Instant::now();
    while control.query::<u64>(&running).await.unwrap().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10), "never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    task.abort();
    let _ = task.await;
    assert!(test_rig::session::settle_abandoned(Duration::from_secs(5)).await);
    assert_eq!(
        control.query::<u64>(&running).await.unwrap(),
        Vec::<u64>::new()
    );
}
