//! The isolation suite on a real TiDB. Run with
//! `TEST_RIG_URL=mysql://root@127.0.0.1:4000/test cargo test --test tidb_isolation -- --ignored`.

use test_rig::isolation::{self, Level, Options, Outcome, TxnMode};
use test_rig::prelude::*;

#[tokio::test]
#[ignore = "needs TiDB: set TEST_RIG_URL to a TiDB server and pass --ignored"]
async fn optimistic_repeatable_read_is_snapshot_isolation_and_serializable_is_refused() {
    let config = ConnectionConfig::for_tests().unwrap();
    let options = Options {
        levels: vec![Level::RepeatableRead, Level::Serializable],
        txn_mode: Some(TxnMode::Optimistic),
        ..Options::default()
    };
    let report = isolation::run_matrix(&config, &options, &Default::default())
        .await
        .unwrap();
    assert_eq!(report.server.flavor, Flavor::TiDB);
    for cell in &report.results {
        match cell.level {
            // Snapshot isolation: write skew (G2) happens, everything else is prevented.
            Level::RepeatableRead => {
                let expected = if matches!(cell.test, "g2-item" | "g2") {
                    Outcome::Anomaly
                } else {
                    Outcome::Prevented
                };
                assert_eq!(cell.outcome, expected, "{}: {}", cell.test, cell.why);
            }
            // Without tidb_skip_isolation_level_check, TiDB refuses SERIALIZABLE (8048).
            _ => assert_eq!(
                cell.outcome,
                Outcome::NotSupported,
                "{}: {}",
                cell.test,
                cell.why
            ),
        }
    }
}

/// Pessimistic mode, TiDB's default: a write on a row another transaction
/// has locked waits for it. That wait must be seen as one (from
/// DATA_LOCK_WAITS; `CLUSTER_TIDB_TRX` marks every locking statement
/// `LockWaiting`, waiting or not) and the run must not wait out TiDB's
/// lock-wait timeout. Hermitage's `tidb.md` (TiDB 7.5.0, pessimistic, the
/// default there): "TiDB "repeatable read" does not prevent Lost Update
/// (P4)", where T2's `update test set value = 11 where id = 1` BLOCKS until
/// T1 commits, and T1's own update, on a free row, does not.
#[tokio::test]
#[ignore = "needs TiDB: set TEST_RIG_URL to a TiDB server and pass --ignored"]
async fn pessimistic_lock_waits_are_seen_only_where_a_statement_waits() {
    let config = ConnectionConfig::for_tests().unwrap();
    let options = Options {
        tests: vec![isolation::catalogue::find("p4").unwrap()],
        levels: vec![Level::RepeatableRead],
        txn_mode: Some(TxnMode::Pessimistic),
        ..Options::default()
    };
    let started = std::time::Instant::now();
    let report = isolation::run_matrix(&config, &options, &Default::default())
        .await
        .unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let cell = &report.results[0];
    assert_eq!(cell.outcome, Outcome::Anomaly, "{}", cell.why);
    let updates: Vec<_> = cell
        .evidence
        .steps
        .iter()
        .filter(|s| s.sql.to_ascii_lowercase().starts_with("update"))
        .collect();
    assert_eq!(updates.len(), 2, "{cell:?}");
    assert!(
        !updates[0].blocked,
        "T1's update took a free lock: {cell:?}"
    );
    assert!(updates[1].blocked, "T2's update waited for T1's: {cell:?}");
}
