//! Property tests: histories from in-memory stores whose isolation is
//! known by construction. A serializable store (each transaction runs
//! atomically between its invocation and completion, so it is even strict
//! serializable) must never show an anomaly; a snapshot-isolation store
//! (snapshot at invocation, first committer wins) must show only what
//! snapshot isolation allows. Aborts and unknown outcomes are mixed in, so
//! the sound handling of `info` is exercised too.

use super::simulate::{simulate, Store};
use super::*;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_serializable_store_never_shows_an_anomaly(
        seed in any::<u64>(), processes in 1u32..6, txns in 1usize..40
    ) {
        let history = simulate(Store::Serializable, seed, processes, txns, 3);
        let report = check(&history, &CheckOptions::for_model(Model::StrictSerializable));
        prop_assert!(report.anomaly_types.is_empty(), "{}", report.to_human());
        prop_assert_eq!(report.verdict, Verdict::Valid);
    }

    #[test]
    fn a_snapshot_isolation_store_shows_only_what_snapshot_isolation_allows(
        seed in any::<u64>(), processes in 2u32..6, txns in 1usize..40
    ) {
        let history = simulate(Store::SnapshotIsolation, seed, processes, txns, 3);
        let report = check(&history, &CheckOptions::for_model(Model::SnapshotIsolation));
        prop_assert_eq!(report.verdict, Verdict::Valid, "{}", report.to_human());
    }
}

#[test]
fn the_snapshot_isolation_store_does_show_write_skew_now_and_then() {
    // Not vacuous: over many runs, the SI store produces G2-item, which
    // the checker finds and serializability forbids.
    let skewed = (0..300)
        .filter(|seed| {
            let history = simulate(Store::SnapshotIsolation, *seed, 4, 30, 3);
            let report = check(&history, &CheckOptions::for_model(Model::Serializable));
            report.anomaly_types.contains(&AnomalyKind::G2Item)
        })
        .count();
    assert!(skewed > 0, "no write skew in 300 snapshot-isolation runs");
}
