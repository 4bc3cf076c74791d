//! The runner under faults, against the real server: a session killed
//! between cells, a control connection killed before the table is dropped.

use super::*;
use crate::config::ConnectionConfig;
use crate::isolation::catalogue;

fn config() -> ConnectionConfig {
    ConnectionConfig::for_tests().expect("TEST_RIG_URL must be a valid URL")
}

async fn admin() -> Session {
    Session::connect(&config())
        .await
        .expect("the test server answers")
}

async fn open(table: &str) -> Runner {
    open_and_sweep(table).await.0
}

/// A runner, and how many tables of crashed runs it dropped on opening.
async fn open_and_sweep(table: &str) -> (Runner, usize) {
    let mut s = admin().await;
    let server = s.server_info().await.unwrap();
    let c = config();
    let placement = [c.clone(), c.clone(), c.clone()];
    Runner::open(&c, placement, &server, table.into(), Detection::LockViews)
        .await
        .unwrap()
}

/// One cell's evidence, or its error.
async fn cell(
    runner: &mut Runner,
    steps: &[ScriptStep],
    level: Level,
) -> Result<Evidence, StateError> {
    let mut evidence = Evidence::default();
    runner
        .run(steps, level, &mut evidence)
        .await
        .map(|()| evidence)
}

async fn exists(table: &str) -> bool {
    let found: Vec<String> = admin()
        .await
        .query(&format!("SHOW TABLES LIKE '{table}'"))
        .await
        .unwrap();
    !found.is_empty()
}

#[tokio::test]
async fn a_session_killed_between_cells_is_reopened_for_the_next() {
    let table = format!("{TABLE_PREFIX}900_{}", std::process::id());
    let mut runner = open(&table).await;
    let g1c = catalogue::find("g1c").unwrap();
    let steps = (g1c.script)();
    cell(&mut runner, &steps, Level::ReadCommitted)
        .await
        .unwrap();
    let victim = runner.ids[1];
    admin()
        .await
        .execute(&format!("KILL CONNECTION {victim}"))
        .await
        .unwrap();
    let evidence = cell(&mut runner, &steps, Level::ReadUncommitted)
        .await
        .unwrap();
    assert_ne!(runner.ids[1], victim, "T2 was reopened");
    assert!((g1c.rule)(&evidence).anomaly, "{:?}", evidence.describe());
    // The level is set on the reopened session, and its settings are kept.
    let again = cell(&mut runner, &steps, Level::ReadCommitted)
        .await
        .unwrap();
    assert!(!(g1c.rule)(&again).anomaly, "{:?}", again.describe());
    runner.close().await.unwrap();
    assert!(!exists(&table).await);
}

#[tokio::test]
async fn a_lost_control_connection_still_drops_the_table() {
    let table = format!("{TABLE_PREFIX}901_{}", std::process::id());
    let runner = open(&table).await;
    assert!(exists(&table).await);
    let control = runner.control.connection_id().unwrap();
    admin()
        .await
        .execute(&format!("KILL CONNECTION {control}"))
        .await
        .unwrap();
    runner.close().await.unwrap();
    assert!(!exists(&table).await, "{table} left behind");
}

#[tokio::test]
async fn tables_of_crashed_runs_are_swept_and_live_ones_kept() {
    let pid = std::process::id();
    let (orphan, live) = (
        format!("{TABLE_PREFIX}902_{pid}"),
        format!("{TABLE_PREFIX}903_{pid}"),
    );
    let mut holder = admin().await;
    let got: Option<i64> = holder
        .query_first(&format!("SELECT GET_LOCK('{live}', 0)"))
        .await
        .unwrap();
    assert_eq!(got, Some(1));
    for t in [&orphan, &live] {
        holder
            .execute(&format!("CREATE TABLE IF NOT EXISTS {t} (id INT)"))
            .await
            .unwrap();
    }
    let unrelated = format!("{TABLE_PREFIX}x_{pid}");
    holder
        .execute(&format!("CREATE TABLE IF NOT EXISTS {unrelated} (id INT)"))
        .await
        .unwrap();
    // Counted for the warning the tool prints (other tests' crashed runs
    // may add to it).
    let (runner, swept) = open_and_sweep(&format!("{TABLE_PREFIX}904_{pid}")).await;
    assert!(swept >= 1, "the crashed run's table is counted");
    let (orphan_left, live_left, unrelated_left) = (
        exists(&orphan).await,
        exists(&live).await,
        exists(&unrelated).await,
    );
    runner.close().await.unwrap();
    for t in [&live, &unrelated] {
        holder
            .execute(&format!("DROP TABLE IF EXISTS {t}"))
            .await
            .unwrap();
    }
    assert!(!orphan_left, "the crashed run's table was dropped");
    assert!(live_left, "a table whose run holds its lock is kept");
    assert!(unrelated_left, "a table not named as ours is left alone");
}

/// A lock wait the server gives up (1205, here after 1 s while T1 sleeps
/// holding the row) is one of the ways a server keeps an anomaly from
/// happening: it is recorded on the blocked statement and the cell is still
/// judged, not turned into an error.
#[tokio::test]
async fn a_lock_wait_timeout_is_recorded_and_the_cell_still_judged() {
    use crate::isolation::script::Script;
    let table = format!("{TABLE_PREFIX}905_{}", std::process::id());
    let mut runner = open(&table).await;
    runner
        .on_each_session("SET SESSION innodb_lock_wait_timeout = 1")
        .await
        .unwrap();
    let steps = Script::two(|t1, t2| {
        let t1 = t1.begin();
        let t2 = t2.begin();
        let t1 = t1.exec("update {t} set value = 11 where id = 1").done();
        let waiting = t2.exec("update {t} set value = 12 where id = 1");
        let t1 = t1.exec("do sleep(1.5)").done();
        let t2 = waiting.done();
        let _ = t1.commit();
        let _ = t2.commit();
    });
    let evidence = cell(&mut runner, &steps, Level::ReadCommitted).await;
    runner.close().await.unwrap();
    let evidence = evidence.unwrap();
    let timed_out: Vec<&StepRecord> = evidence
        .steps
        .iter()
        .filter(|s| s.error_code == Some(1205))
        .collect();
    assert_eq!(timed_out.len(), 1, "{:?}", evidence.describe());
    assert_eq!(timed_out[0].session, 2);
    assert!(timed_out[0].blocked && !timed_out[0].cancelled);
}

/// A cell that fails partway keeps what it recorded: the steps that ran,
/// what they saw, and the failed statement with the server's error (what
/// `--explain` and the HTML page show of an error cell).
#[tokio::test]
async fn a_failed_cell_keeps_the_steps_that_ran_and_the_error() {
    use crate::isolation::script::Script;
    let table = format!("{TABLE_PREFIX}906_{}", std::process::id());
    let mut runner = open(&table).await;
    let steps = Script::two(|t1, t2| {
        let t1 = t1.begin();
        let t1 = t1.exec("select * from {t} where id = 1").done();
        let t2 = t2.begin();
        let t2 = t2
            .exec("update {t} set no_such_column = 1 where id = 2")
            .done();
        let _ = t1.commit();
        let _ = t2.commit();
    });
    let mut evidence = Evidence::default();
    let result = runner
        .run(&steps, Level::ReadCommitted, &mut evidence)
        .await;
    runner.close().await.unwrap();
    let error = result.expect_err("an unknown column fails the cell");
    let message = error.to_string();
    assert!(
        message.contains("1054") && message.contains("T2"),
        "{message}"
    );
    let seen: Vec<(usize, StepKind)> = evidence.steps.iter().map(|s| (s.session, s.kind)).collect();
    assert_eq!(
        seen,
        [
            (1, StepKind::Begin),
            (1, StepKind::Exec),
            (2, StepKind::Begin),
            (2, StepKind::Exec)
        ],
        "{:?}",
        evidence.describe()
    );
    assert_eq!(evidence.steps[1].rows.as_deref(), Some(&[(1, 10)][..]));
    let failed = &evidence.steps[3];
    assert_eq!(failed.error_code, Some(1054), "{:?}", evidence.describe());
    assert!(failed.sql.contains("no_such_column"), "{}", failed.sql);
}

mod cross_node {
    use super::super::{lost_to_another_node, Loss};
    use crate::isolation::evidence::{StepKind, StepRecord};

    fn exec(session: usize, blocked: bool) -> StepRecord {
        let mut r = StepRecord::new(session, StepKind::Exec, "update test set value = 11".into());
        r.blocked = blocked;
        r
    }

    fn answered(mut r: StepRecord, resumed_after: Option<usize>) -> StepRecord {
        r.affected = Some(1);
        r.resumed_after = resumed_after;
        r
    }

    /// T1 and T2 on node 0, T3 on node 1 and taking part.
    const SPLIT: [usize; 3] = [0, 0, 1];
    const ONE_NODE: [usize; 3] = [0, 0, 0];

    /// Galera's certification failure: refused with no wait, a session on
    /// another node in the cell, nobody on its own node waiting.
    #[test]
    fn an_abort_without_a_wait_while_another_node_takes_part_is_a_conflict_between_nodes() {
        let steps = [exec(3, false), exec(2, false)];
        assert!(lost_to_another_node(
            &SPLIT,
            Loss::of_statement(1, false, Some(1213)),
            &steps
        ));
        assert!(lost_to_another_node(
            &SPLIT,
            Loss::at_commit(1, Some(1213)),
            &steps
        ));
        // Not an abort, not that error, or the statement had waited.
        assert!(!lost_to_another_node(
            &SPLIT,
            Loss::of_statement(1, false, Some(1205)),
            &steps
        ));
        assert!(!lost_to_another_node(
            &SPLIT,
            Loss::of_statement(1, false, None),
            &steps
        ));
        assert!(!lost_to_another_node(
            &SPLIT,
            Loss::of_statement(1, true, Some(1213)),
            &steps
        ));
    }

    /// Every session that took part on its node: a deadlock there.
    #[test]
    fn with_every_session_on_its_node_an_abort_is_that_node_s_own() {
        let steps = [exec(1, true), exec(2, false)];
        assert!(!lost_to_another_node(
            &ONE_NODE,
            Loss::of_statement(1, false, Some(1213)),
            &steps
        ));
        assert!(!lost_to_another_node(
            &ONE_NODE,
            Loss::at_commit(1, Some(1213)),
            &steps
        ));
        // T3 placed elsewhere but not in the cell changes nothing.
        assert!(!lost_to_another_node(
            &SPLIT,
            Loss::of_statement(1, false, Some(1213)),
            &steps
        ));
    }

    /// A deadlock on T2's node with T3 elsewhere in the cell: the other side
    /// of the cycle (T1, same node) is waiting, or stopped waiting at the
    /// last step. Only a COMMIT is then still taken for a conflict between
    /// nodes, since one node never makes a COMMIT a deadlock's victim.
    #[test]
    fn a_neighbour_waiting_on_the_same_node_makes_it_a_deadlock_there() {
        let waiting = [exec(3, false), exec(1, true), exec(2, false)];
        let refused = Loss::of_statement(1, false, Some(1213));
        assert!(!lost_to_another_node(&SPLIT, refused, &waiting));
        assert!(lost_to_another_node(
            &SPLIT,
            Loss::at_commit(1, Some(1213)),
            &waiting
        ));
        let just_resumed = [
            exec(3, false),
            answered(exec(1, true), Some(2)),
            exec(2, false),
        ];
        assert!(!lost_to_another_node(&SPLIT, refused, &just_resumed));
        // One that resumed earlier, one cancelled, or one never blocked
        // is not waiting now; nor is one on another node, or T2 itself.
        let resumed_before = [
            exec(3, false),
            answered(exec(1, true), Some(2)),
            exec(3, false),
            exec(2, false),
        ];
        assert!(lost_to_another_node(&SPLIT, refused, &resumed_before));
        let mut cancelled = exec(1, true);
        cancelled.cancelled = true;
        assert!(lost_to_another_node(
            &SPLIT,
            refused,
            &[exec(3, false), cancelled, exec(2, false)]
        ));
        let ran = answered(exec(1, false), None);
        assert!(lost_to_another_node(
            &SPLIT,
            refused,
            &[exec(3, false), ran, exec(2, false)]
        ));
        let elsewhere = [exec(1, false), exec(3, true), exec(2, false)];
        assert!(lost_to_another_node(&SPLIT, refused, &elsewhere));
        let itself = [exec(3, false), exec(2, true), exec(2, false)];
        assert!(lost_to_another_node(&SPLIT, refused, &itself));
    }
}
