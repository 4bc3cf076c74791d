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
