//! The isolation suite against the real server. The expectations below are
//! written out from Hermitage's published MySQL/InnoDB table and MariaDB's
//! documentation of `innodb_snapshot_isolation`, not taken from the tool.

use std::time::Duration;
use test_rig::isolation::{self, Detection, Level, Options, Outcome};
use test_rig::prelude::*;
use tokio_util::sync::CancellationToken;

#[path = "../testing/server.rs"]
mod test_server;
use test_server::{server, table_exists};

const A: Option<Outcome> = Some(Outcome::Anomaly);
const P: Option<Outcome> = Some(Outcome::Prevented);
/// The sources leave the outcome open (Hermitage's "—" without a script
/// run at that level): the cell must only run without error.
const X: Option<Outcome> = None;

/// MariaDB 10.11 with `innodb_snapshot_isolation=OFF` is InnoDB: columns
/// RU, RC, RR, SERIALIZABLE from Hermitage's mysql.md scripts and its
/// summary table. Two cells are derived, not read off:
/// - pmp-write at RU: Hermitage's G1a/G1b scripts show that RU reads see
///   uncommitted writes, so T2's first read sees T1's 1 => 20, its delete
///   removes row 1 and it then reads 2 => 30: the serial order T1, T2.
/// - g2-two-edges below SERIALIZABLE: plain reads take no locks there and
///   no two transactions write one row, so nothing blocks or fails; T1
///   reads before T2 writes, T3 after T2 commits, and all three commit.
const MARIADB_OFF: &[(&str, [Option<Outcome>; 4])] = &[
    ("g0", [P, P, P, P]),
    ("g1a", [A, P, P, P]),
    ("g1b", [A, P, P, P]),
    ("g1c", [A, P, P, P]),
    ("otv", [A, P, P, P]),
    ("pmp", [X, A, P, P]),
    ("pmp-write", [P, A, A, P]),
    ("p4", [X, X, A, P]),
    ("g-single", [X, A, P, P]),
    ("g-single-dependencies", [X, X, P, P]),
    ("g-single-write-1", [X, X, A, P]),
    ("g-single-write-2", [X, X, X, P]),
    ("g2-item", [X, X, A, P]),
    ("g2", [X, X, A, P]),
    ("g2-two-edges", [A, A, A, P]),
];

/// With `innodb_snapshot_isolation=ON` (MariaDB's documentation: at
/// REPEATABLE READ a locking read, UPDATE or DELETE of a row whose latest
/// version the read view does not see fails with 1020 and rolls back):
/// the scripts where a transaction writes a row another one changed after
/// its first read are refused; the write-skew scripts write only rows that
/// nobody else changed, so they go through as without it, Fekete et al.'s
/// example included (snapshot isolation allows it).
const MARIADB_ON_RR: &[(&str, Option<Outcome>)] = &[
    ("pmp-write", P),
    ("p4", P),
    ("g-single-write-1", P),
    ("g-single-write-2", P),
    ("g2-item", A),
    ("g2", A),
    ("g2-two-edges", A),
];

async fn is_mariadb() -> bool {
    let mut s = Session::connect(&server()).await.unwrap();
    s.server_info().await.unwrap().flavor == Flavor::MariaDB
}

#[tokio::test]
async fn full_matrix_matches_the_published_outcomes() {
    assert!(is_mariadb().await, "these expectations are for MariaDB");
    let started = std::time::Instant::now();
    let report = isolation::run_matrix(&server(), &Options::default(), &Default::default())
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(report.results.len(), 60);
    for (test, row) in MARIADB_OFF {
        for (level, expected) in Level::ALL.into_iter().zip(row) {
            let cell = report
                .results
                .iter()
                .find(|c| c.test == *test && c.level == level)
                .unwrap_or_else(|| panic!("no cell {test} {level:?}"));
            assert_ne!(cell.outcome, Outcome::Error, "{test}: {}", cell.why);
            let Some(expected) = expected else { continue };
            assert_eq!(
                cell.outcome,
                *expected,
                "{test} at {}: {}\n{}",
                level.as_str(),
                cell.why,
                cell.evidence.describe().join("\n")
            );
        }
    }
    // Its speed is measured in BENCHMARKS.md, not asserted here: a loaded
    // CI machine made a 5 s bound fail a correct run. But the lock waits
    // must be read from the server's lock views: a wait the views miss is
    // assumed only after 2 s (the runner's LONGEST_UNSEEN_WAIT), so a run
    // that finds them by time takes at least 2 s per blocked statement
    // (about 3 s in all against well over a minute).
    assert!(report.deviations().is_empty());
    let blocked = report
        .results
        .iter()
        .flat_map(|c| &c.evidence.steps)
        .filter(|s| s.blocked)
        .count();
    assert!(blocked >= 10, "{blocked} blocked statements");
    assert!(
        took < Duration::from_secs(2 * blocked as u64),
        "{took:?}: as slow as finding each of {blocked} lock waits by time"
    );
}

#[tokio::test]
async fn snapshot_isolation_on_prevents_the_write_anomalies_at_repeatable_read() {
    let options = Options {
        levels: vec![Level::RepeatableRead],
        snapshot_isolation: Some(true),
        ..Options::default()
    };
    let report = isolation::run_matrix(&server(), &options, &Default::default())
        .await
        .unwrap();
    for (test, expected) in MARIADB_ON_RR {
        let cell = report.results.iter().find(|c| c.test == *test).unwrap();
        assert_eq!(Some(cell.outcome), *expected, "{test}: {}", cell.why);
    }
    assert!(report.deviations().is_empty(), "{:?}", report.deviations());
    let p4 = report.results.iter().find(|c| c.test == "p4").unwrap();
    assert!(
        p4.evidence.steps.iter().any(|s| s.error_code == Some(1020)),
        "p4 failed with 1020"
    );
}

#[tokio::test]
async fn a_forced_deadlock_is_classified_not_reported_as_a_failure() {
    let options = Options {
        tests: vec![isolation::catalogue::find("g2-item").unwrap()],
        levels: vec![Level::Serializable],
        ..Options::default()
    };
    let report = isolation::run_matrix(&server(), &options, &Default::default())
        .await
        .unwrap();
    let cell = &report.results[0];
    assert_eq!(cell.outcome, Outcome::Prevented);
    let deadlocked: Vec<_> = cell
        .evidence
        .steps
        .iter()
        .filter(|s| s.error_code == Some(1213))
        .collect();
    assert_eq!(
        deadlocked.len(),
        1,
        "{}",
        cell.evidence.describe().join("\n")
    );
    // Either transaction may be the victim; the victim's COMMIT is skipped.
    let victim = deadlocked[0].session;
    assert!(cell
        .evidence
        .steps
        .iter()
        .any(|s| s.session == victim && s.skipped));
}

#[tokio::test]
async fn timeout_detection_agrees_with_lock_views() {
    let subset = ["g0", "p4", "g-single", "otv"];
    let options = Options {
        tests: subset
            .iter()
            .map(|t| isolation::catalogue::find(t).unwrap())
            .collect(),
        detection: Detection::Timeout(Duration::from_millis(150)),
        ..Options::default()
    };
    let report = isolation::run_matrix(&server(), &options, &Default::default())
        .await
        .unwrap();
    for cell in &report.results {
        let (_, row) = MARIADB_OFF.iter().find(|(t, _)| *t == cell.test).unwrap();
        let i = Level::ALL.iter().position(|l| *l == cell.level).unwrap();
        assert_ne!(cell.outcome, Outcome::Error, "{}: {}", cell.test, cell.why);
        let Some(expected) = row[i] else { continue };
        assert_eq!(
            cell.outcome,
            expected,
            "{} at {}",
            cell.test,
            cell.level.as_str()
        );
    }
    // And on which statements blocked: every one the lock views see
    // waiting is found by time too, and the statements that answer at once
    // are not taken for blocked (a loaded machine may slow one past
    // 150 ms now and then, hence a bound rather than equality).
    let views = isolation::run_matrix(
        &server(),
        &Options {
            detection: Detection::LockViews,
            ..options
        },
        &Default::default(),
    )
    .await
    .unwrap();
    let blocked = |cells: &[isolation::CellResult]| -> Vec<(String, usize)> {
        cells
            .iter()
            .flat_map(|c| {
                let name = format!("{} {}", c.test, c.level.as_str());
                c.evidence
                    .steps
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.blocked)
                    .map(move |(i, _)| (name.clone(), i))
            })
            .collect()
    };
    let (by_time, by_views) = (blocked(&report.results), blocked(&views.results));
    assert!(by_views.len() >= 4, "{by_views:?}");
    for step in &by_views {
        assert!(
            by_time.contains(step),
            "{step:?} blocked, not found by time"
        );
    }
    let statements = report
        .results
        .iter()
        .flat_map(|c| &c.evidence.steps)
        .filter(|s| s.kind == isolation::StepKind::Exec && !s.skipped)
        .count();
    assert!(
        by_time.len() < statements / 2,
        "{} of {statements} statements taken for blocked: {by_time:?}",
        by_time.len()
    );
}

/// The two tests that had drifted from Hermitage, at every level, with
/// `innodb_snapshot_isolation` OFF and ON. Expectations as derived above.
#[tokio::test]
async fn pmp_write_and_two_edges_at_every_level_with_both_settings() {
    let expected_on = |test: &str, level: Level, off: Option<Outcome>| {
        if level != Level::RepeatableRead {
            return off; // the setting acts at REPEATABLE READ only
        }
        MARIADB_ON_RR.iter().find(|(t, _)| *t == test).unwrap().1
    };
    for on in [false, true] {
        let options = Options {
            tests: ["pmp-write", "g2-two-edges"]
                .iter()
                .map(|t| isolation::catalogue::find(t).unwrap())
                .collect(),
            snapshot_isolation: Some(on),
            ..Options::default()
        };
        let report = isolation::run_matrix(&server(), &options, &Default::default())
            .await
            .unwrap();
        assert_eq!(report.results.len(), 8);
        for cell in &report.results {
            let (_, row) = MARIADB_OFF.iter().find(|(t, _)| *t == cell.test).unwrap();
            let off = row[Level::ALL.iter().position(|l| *l == cell.level).unwrap()];
            let want = if on {
                expected_on(cell.test, cell.level, off)
            } else {
                off
            };
            assert_eq!(
                Some(cell.outcome),
                want,
                "{} at {} with innodb_snapshot_isolation={on}: {}\n{}",
                cell.test,
                cell.level.as_str(),
                cell.why,
                cell.evidence.describe().join("\n")
            );
        }
        assert!(report.deviations().is_empty(), "{:?}", report.deviations());
    }
}

#[tokio::test]
async fn two_runs_at_once_do_not_interfere_and_leave_no_tables() {
    let options = Options {
        levels: vec![Level::RepeatableRead, Level::Serializable],
        ..Options::default()
    };
    let (cancel, config) = (CancellationToken::new(), server());
    let (a, b) = tokio::join!(
        isolation::run_matrix(&config, &options, &cancel),
        isolation::run_matrix(&config, &options, &cancel)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_ne!(a.table, b.table);
    for report in [a, b] {
        assert!(report.deviations().is_empty(), "{:?}", report.deviations());
        assert!(
            !table_exists(&report.table).await,
            "{} left behind",
            report.table
        );
    }
}

#[tokio::test]
async fn a_cancelled_run_still_drops_its_table() {
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        trigger.cancel();
    });
    let options = Options {
        repeat: 50,
        ..Options::default()
    };
    let report = isolation::run_matrix(&server(), &options, &cancel)
        .await
        .unwrap();
    assert!(report.cancelled);
    assert!(report.results.len() < 60);
    assert!(
        !table_exists(&report.table).await,
        "{} left behind",
        report.table
    );
}

/// Hermitage's G0 at READ COMMITTED: T2's first update waits for T1's lock
/// and goes on when T1 commits. The evidence says when it resumed: after
/// T1's COMMIT, the step that released the lock.
#[tokio::test]
async fn a_blocked_statement_records_the_step_it_resumed_after() {
    let options = Options {
        tests: vec![isolation::catalogue::find("g0").unwrap()],
        levels: vec![Level::ReadCommitted],
        ..Options::default()
    };
    let report = isolation::run_matrix(&server(), &options, &Default::default())
        .await
        .unwrap();
    let steps = &report.results[0].evidence.steps;
    let log = report.results[0].evidence.describe().join("\n");
    let blocked: Vec<usize> = (0..steps.len()).filter(|i| steps[*i].blocked).collect();
    assert_eq!(blocked.len(), 1, "{log}");
    let waited = &steps[blocked[0]];
    assert_eq!(waited.session, 2, "{log}");
    let resumed = waited.resumed_after.expect("the blocked update resumed");
    assert!(resumed > blocked[0], "{log}");
    assert_eq!(
        (steps[resumed].session, steps[resumed].sql.as_str()),
        (1, "COMMIT"),
        "{log}"
    );
    // Statements that never waited finished before the next step went out.
    for (i, s) in steps.iter().enumerate() {
        if i != blocked[0] {
            assert_eq!(s.resumed_after, None, "step {i}: {log}");
        }
    }
}
