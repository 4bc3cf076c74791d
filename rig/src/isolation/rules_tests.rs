//! Each rule both ways, on evidence written out from what Hermitage's
//! published scripts say each statement returned (mysql.md, postgres.md,
//! tidb.md), plus the serial outcomes a rule must not call anomalies.

use super::*;
use crate::isolation::evidence::{StepKind, StepRecord};

#[derive(Default)]
struct Ev(Evidence);

fn ev() -> Ev {
    Ev::default()
}

impl Ev {
    fn push(
        mut self,
        session: usize,
        kind: StepKind,
        sql: &str,
        f: impl FnOnce(&mut StepRecord),
    ) -> Self {
        let mut r = StepRecord::new(session, kind, sql.into());
        f(&mut r);
        self.0.steps.push(r);
        self
    }
    fn read(self, s: usize, rows: &[(i64, i64)]) -> Self {
        self.push(s, StepKind::Exec, "select * from test", |r| {
            r.rows = Some(rows.to_vec())
        })
    }
    fn write(self, s: usize, affected: u64) -> Self {
        self.push(s, StepKind::Exec, "update test", |r| {
            r.affected = Some(affected)
        })
    }
    fn fail(self, s: usize, code: u16) -> Self {
        self.push(s, StepKind::Exec, "update test", |r| {
            r.error_code = Some(code);
            r.error = Some("refused".into());
        })
    }
    fn cancelled(self, s: usize) -> Self {
        self.push(s, StepKind::Exec, "update test", |r| {
            r.blocked = true;
            r.cancelled = true;
            r.error_code = Some(1317);
        })
    }
    fn commit(self, s: usize) -> Self {
        self.push(s, StepKind::Commit, "COMMIT", |_| {})
    }
    /// COMMIT of a transaction the server aborted: sent as ROLLBACK.
    fn aborted(self, s: usize) -> Self {
        self.push(s, StepKind::Commit, "COMMIT", |r| r.skipped = true)
    }
    fn rollback(self, s: usize) -> Self {
        self.push(s, StepKind::Rollback, "ROLLBACK", |_| {})
    }
    fn judge(&self, rule: fn(&Evidence) -> Verdict) -> bool {
        rule(&self.0).anomaly
    }
}

#[test]
fn g0_mixed_final_state_only() {
    // mysql.md RU: T1 reads 1 => 12, 2 => 21 after its commit; final 12, 22.
    let mysql = ev()
        .write(1, 1)
        .write(2, 1)
        .write(1, 1)
        .commit(1)
        .read(1, &[(1, 12), (2, 21)])
        .write(2, 1)
        .commit(2)
        .read(1, &[(1, 12), (2, 22)]);
    assert!(!mysql.judge(g0));
    let mixed = ev().commit(1).commit(2).read(1, &[(1, 11), (2, 22)]);
    assert!(mixed.judge(g0));
    let mixed_other_way = ev().commit(1).commit(2).read(1, &[(1, 12), (2, 21)]);
    assert!(mixed_other_way.judge(g0));
    assert!(!ev().read(1, &[(1, 11), (2, 21)]).judge(g0));
}

#[test]
fn g1a_and_g1b_dirty_value_seen_or_not() {
    // mysql.md RU G1a: T2 shows 1 => 101, then 10 again.
    let ru = ev()
        .write(1, 1)
        .read(2, &[(1, 101), (2, 20)])
        .rollback(1)
        .read(2, &[(1, 10), (2, 20)])
        .commit(2);
    assert!(ru.judge(g1a));
    // mysql.md / postgres.md RC: still 1 => 10.
    let rc = ev()
        .write(1, 1)
        .read(2, &[(1, 10), (2, 20)])
        .rollback(1)
        .read(2, &[(1, 10), (2, 20)])
        .commit(2);
    assert!(!rc.judge(g1a));
    // G1b, RU: 101, then 11; RC: 10, then 11.
    let ru = ev()
        .read(2, &[(1, 101), (2, 20)])
        .read(2, &[(1, 11), (2, 20)]);
    assert!(ru.judge(g1b));
    let rc = ev()
        .read(2, &[(1, 10), (2, 20)])
        .read(2, &[(1, 11), (2, 20)]);
    assert!(!rc.judge(g1b));
}

#[test]
fn g1c_needs_both_directions() {
    let ru = ev()
        .read(1, &[(2, 22)])
        .read(2, &[(1, 11)])
        .commit(1)
        .commit(2);
    assert!(ru.judge(g1c));
    let rc = ev()
        .read(1, &[(2, 20)])
        .read(2, &[(1, 10)])
        .commit(1)
        .commit(2);
    assert!(!rc.judge(g1c));
    assert!(!ev().read(1, &[(2, 22)]).read(2, &[(1, 10)]).judge(g1c));
    assert!(!ev().read(1, &[(2, 20)]).read(2, &[(1, 11)]).judge(g1c));
}

#[test]
fn otv_is_a_read_that_mixes_t2_with_what_t2_overwrites() {
    // mysql.md RU: T3 shows 1 => 12, 2 => 19, then 1 => 12, 2 => 18.
    let ru = ev()
        .read(3, &[(1, 12), (2, 19)])
        .read(3, &[(1, 12), (2, 18)]);
    assert!(ru.judge(otv));
    // mysql.md / tidb.md RC: 11, 19 twice (and 12, 18 after T2's commit).
    let rc = ev()
        .read(3, &[(1, 11), (2, 19)])
        .read(3, &[(1, 11), (2, 19)])
        .read(3, &[(1, 12), (2, 18)]);
    assert!(!rc.judge(otv));
    assert!(ev().read(3, &[(1, 11), (2, 18)]).judge(otv));
}

#[test]
fn pmp_second_read_sees_the_insert_or_not() {
    let rc = ev()
        .read(1, &[])
        .write(2, 1)
        .commit(2)
        .read(1, &[(3, 30)])
        .commit(1);
    assert!(rc.judge(pmp));
    let rr = ev()
        .read(1, &[])
        .write(2, 1)
        .commit(2)
        .read(1, &[])
        .commit(1);
    assert!(!rr.judge(pmp));
}

#[test]
fn pmp_write_anomaly_when_t2_mixes_before_and_after_t1() {
    // mysql.md / tidb.md RR: 2 => 20, delete, then 2 => 20 again.
    let rr = ev()
        .write(1, 2)
        .read(2, &[(2, 20)])
        .write(2, 1)
        .commit(1)
        .read(2, &[(2, 20)])
        .commit(2);
    assert!(rr.judge(pmp_write));
    // mysql.md / tidb.md RC: 1 => 10, 2 => 20, delete, then 2 => 30.
    let rc = ev()
        .write(1, 2)
        .read(2, &[(1, 10), (2, 20)])
        .write(2, 1)
        .commit(1)
        .read(2, &[(2, 30)])
        .commit(2);
    assert!(rc.judge(pmp_write));
    // Serial orders are consistent.
    let t1_first = ev()
        .write(1, 2)
        .commit(1)
        .read(2, &[(1, 20)])
        .write(2, 1)
        .read(2, &[(2, 30)])
        .commit(2);
    assert!(!t1_first.judge(pmp_write));
    let t2_first = ev()
        .read(2, &[(2, 20)])
        .write(2, 1)
        .read(2, &[(1, 10)])
        .commit(2)
        .write(1, 1)
        .commit(1);
    assert!(!t2_first.judge(pmp_write));
    // MariaDB, innodb_snapshot_isolation=ON: the delete fails with 1020.
    let refused = ev()
        .write(1, 2)
        .read(2, &[(2, 20)])
        .fail(2, 1020)
        .commit(1)
        .aborted(2);
    assert!(!refused.judge(pmp_write));
    // A T1 that rolled back leaves nothing to be inconsistent with.
    let t1_rolled_back = ev()
        .write(1, 2)
        .read(2, &[(2, 20)])
        .rollback(1)
        .write(2, 1)
        .read(2, &[(2, 20)])
        .commit(2);
    assert!(!t1_rolled_back.judge(pmp_write));
}

#[test]
fn p4_both_read_both_commit() {
    // mysql.md / tidb.md RR.
    let rr = ev()
        .read(1, &[(1, 10)])
        .read(2, &[(1, 10)])
        .write(1, 1)
        .write(2, 0)
        .commit(1)
        .commit(2);
    assert!(rr.judge(p4));
    // mysql.md SERIALIZABLE: T2 deadlocks and rolls back.
    let ser = ev()
        .read(1, &[(1, 10)])
        .read(2, &[(1, 10)])
        .write(1, 1)
        .fail(2, 1213)
        .commit(1)
        .aborted(2);
    assert!(!ser.judge(p4));
    // postgres.md RR: T2's update fails after T1's commit.
    let pg = ev()
        .read(1, &[(1, 10)])
        .read(2, &[(1, 10)])
        .write(1, 1)
        .commit(1)
        .fail(2, 1020)
        .aborted(2);
    assert!(!pg.judge(p4));
    // T2 read T1's value: no lost update.
    let after = ev()
        .read(1, &[(1, 10)])
        .write(1, 1)
        .commit(1)
        .read(2, &[(1, 11)])
        .write(2, 0)
        .commit(2);
    assert!(!after.judge(p4));
}

#[test]
fn g_single_read_skew() {
    let rc = ev()
        .read(1, &[(1, 10)])
        .commit(2)
        .read(1, &[(2, 18)])
        .commit(1);
    assert!(rc.judge(g_single));
    let rr = ev()
        .read(1, &[(1, 10)])
        .commit(2)
        .read(1, &[(2, 20)])
        .commit(1);
    assert!(!rr.judge(g_single));
    let serial = ev().commit(2).read(1, &[(1, 12)]).read(1, &[(2, 18)]);
    assert!(!serial.judge(g_single));
}

#[test]
fn g_single_dependencies_sees_row_one_change() {
    let rr = ev()
        .read(1, &[(1, 10), (2, 20)])
        .write(2, 1)
        .commit(2)
        .read(1, &[])
        .commit(1);
    assert!(!rr.judge(g_single_dependencies));
    let rc = ev()
        .read(1, &[(1, 10), (2, 20)])
        .write(2, 1)
        .commit(2)
        .read(1, &[(1, 12)])
        .commit(1);
    assert!(rc.judge(g_single_dependencies));
}

#[test]
fn g_single_write_needs_an_empty_delete_and_two_commits() {
    // mysql.md / tidb.md RR: the delete deletes nothing, T1 commits.
    let rr = ev()
        .read(1, &[(1, 10)])
        .read(2, &[(1, 10), (2, 20)])
        .write(2, 1)
        .write(2, 1)
        .commit(2)
        .write(1, 0)
        .read(1, &[(2, 20)])
        .commit(1);
    assert!(rr.judge(g_single_write));
    // mysql.md SERIALIZABLE: T1's delete deadlocks.
    let ser = ev()
        .read(1, &[(1, 10)])
        .read(2, &[(1, 10), (2, 20)])
        .write(2, 1)
        .fail(1, 1213)
        .write(2, 1)
        .commit(2)
        .aborted(1);
    assert!(!ser.judge(g_single_write));
    // postgres.md RR: the delete fails with a serialization error.
    let pg = ev().read(1, &[(1, 10)]).commit(2).fail(1, 1020).aborted(1);
    assert!(!pg.judge(g_single_write));
    // A delete that found T1's row 2 at 20 is consistent (T1 before T2).
    let found = ev().read(1, &[(1, 10)]).write(1, 1).commit(1).commit(2);
    assert!(!found.judge(g_single_write));
    // T2 rolled back: nothing to skew against.
    let t2_failed = ev()
        .read(1, &[(1, 10)])
        .fail(2, 1213)
        .aborted(2)
        .write(1, 0)
        .commit(1);
    assert!(!t2_failed.judge(g_single_write));
}

#[test]
fn g2_item_write_skew() {
    let both = [(1, 10), (2, 20)];
    let rr = ev()
        .read(1, &both)
        .read(2, &both)
        .write(1, 1)
        .write(2, 1)
        .commit(1)
        .commit(2);
    assert!(rr.judge(g2_item));
    let ser = ev()
        .read(1, &both)
        .read(2, &both)
        .write(1, 1)
        .fail(2, 1213)
        .commit(1)
        .aborted(2);
    assert!(!ser.judge(g2_item));
    let serial = ev()
        .read(1, &both)
        .write(1, 1)
        .commit(1)
        .read(2, &[(1, 11), (2, 20)])
        .write(2, 1)
        .commit(2);
    assert!(!serial.judge(g2_item));
}

#[test]
fn g2_predicate_write_skew() {
    let rr = ev()
        .read(1, &[])
        .read(2, &[])
        .write(1, 1)
        .write(2, 1)
        .commit(1)
        .commit(2)
        .read(1, &[(3, 30), (4, 42)]);
    assert!(rr.judge(g2));
    let ser = ev()
        .read(1, &[])
        .read(2, &[])
        .write(1, 1)
        .fail(2, 1213)
        .commit(1)
        .aborted(2);
    assert!(!ser.judge(g2));
    let serial = ev()
        .read(1, &[])
        .write(1, 1)
        .commit(1)
        .read(2, &[(3, 30)])
        .write(2, 1)
        .commit(2);
    assert!(!serial.judge(g2));
}

#[test]
fn g2_two_edges_needs_t3_between_and_three_commits() {
    let si = ev()
        .read(1, &[(1, 10), (2, 20)])
        .write(2, 1)
        .commit(2)
        .read(3, &[(1, 10), (2, 25)])
        .commit(3)
        .write(1, 1)
        .commit(1);
    assert!(si.judge(g2_two_edges));
    // postgres.md SERIALIZABLE: T1's update fails.
    let pg = ev()
        .read(1, &[(1, 10), (2, 20)])
        .write(2, 1)
        .commit(2)
        .read(3, &[(1, 10), (2, 25)])
        .commit(3)
        .fail(1, 1020)
        .aborted(1);
    assert!(!pg.judge(g2_two_edges));
    // InnoDB SERIALIZABLE: T2 waits for T1's shared lock and is cancelled.
    let innodb = ev()
        .read(1, &[(1, 10), (2, 20)])
        .cancelled(2)
        .aborted(2)
        .read(3, &[(1, 10), (2, 20)])
        .commit(3)
        .write(1, 1)
        .commit(1);
    assert!(!innodb.judge(g2_two_edges));
    // T3 read T1's write of row 1: no T3 -rw-> T1 edge, so no cycle.
    let t1_seen = ev()
        .read(1, &[(1, 10), (2, 20)])
        .write(2, 1)
        .commit(2)
        .read(3, &[(1, 0), (2, 25)])
        .commit(3)
        .write(1, 1)
        .commit(1);
    assert!(!t1_seen.judge(g2_two_edges));
}

/// What a verdict says it saw, in Hermitage's notation, as the report and
/// `--explain` show it: every read of the session, in order.
#[test]
fn the_why_lists_the_reads_in_hermitage_s_notation() {
    let e = ev()
        .read(1, &[(1, 10), (2, 20)])
        .write(2, 1)
        .commit(2)
        .read(1, &[(1, 10), (2, 20), (3, 30)])
        .commit(1);
    assert_eq!(
        pmp(&e.0).why,
        "T1 read [1 => 10, 2 => 20], then [1 => 10, 2 => 20, 3 => 30]"
    );
    assert_eq!(pmp(&ev().0).why, "T1 read nothing");
    assert_eq!(g0(&ev().0).why, "final state nothing (no successful read)");
}

/// The edges of the pmp-write rule: a first read that already shows T1's
/// work (either of its two traces) commits T2 to the T1-first outcome, and
/// a first read that shows neither order accepts either serial outcome.
#[test]
fn pmp_write_judges_the_first_read_by_either_trace_of_t1() {
    for first in [&[(1, 20)][..], &[(2, 30)][..]] {
        let mixed = ev()
            .write(1, 2)
            .commit(1)
            .read(2, first)
            .write(2, 1)
            .read(2, &[(1, 10)])
            .commit(2);
        assert!(mixed.judge(pmp_write), "{first:?} then [1 => 10]");
    }
    for last in [&[(1, 10)][..], &[(2, 30)][..]] {
        let neither = ev()
            .write(1, 2)
            .commit(1)
            .read(2, &[])
            .write(2, 0)
            .read(2, last)
            .commit(2);
        assert!(!neither.judge(pmp_write), "[] then {last:?}");
    }
}
