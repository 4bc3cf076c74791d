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
    runner.run(&steps, Level::ReadCommitted).await.unwrap();
    let victim = runner.ids[1];
    admin()
        .await
        .execute(&format!("KILL CONNECTION {victim}"))
        .await
        .unwrap();
    let evidence = runner.run(&steps, Level::ReadUncommitted).await.unwrap();
    assert_ne!(runner.ids[1], victim, "T2 was reopened");
    assert!((g1c.rule)(&evidence).anomaly, "{:?}", evidence.describe());
    // The level is set on the reopened session, and its settings are kept.
    let again = runner.run(&steps, Level::ReadCommitted).await.unwrap();
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
    let evidence = runner.run(&steps, Level::ReadCommitted).await;
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
