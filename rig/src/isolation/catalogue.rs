//! The anomaly catalogue of Hermitage (ept/hermitage), one script per test
//! over sessions T1..T3 on a table `test (id int primary key, value int)`
//! holding (1, 10) and (2, 20), each with the rule that decides from the
//! evidence whether the anomaly happened. Scripts follow Hermitage's MySQL
//! text; where a statement may block, the script collects it where
//! Hermitage's comments say it unblocks.

use crate::isolation::evidence::Evidence;
use crate::isolation::script::Script;

/// A decision and the evidence it rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the anomaly happened.
    pub anomaly: bool,
    /// Which reads and writes decided it.
    pub why: String,
}

fn verdict(anomaly: bool, why: impl Into<String>) -> Verdict {
    Verdict {
        anomaly,
        why: why.into(),
    }
}

/// One test of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct TestCase {
    /// Its id, e.g. `g1a`.
    pub id: &'static str,
    /// What it checks.
    pub title: &'static str,
    /// Builds the script.
    pub script: fn(&Script),
    /// Decides the outcome.
    pub rule: fn(&Evidence) -> Verdict,
}

const ALL: &str = "select id, value from {t} order by id";

fn g0(s: &Script) {
    let (t1, t2) = s.two();
    let (t1, t2) = (t1.begin(), t2.begin());
    let t1 = t1.exec("update {t} set value = 11 where id = 1").done();
    let t2 = t2.exec("update {t} set value = 12 where id = 1");
    let t1 = t1.exec("update {t} set value = 21 where id = 2").done();
    let t1 = t1.commit();
    let t2 = t2
        .done()
        .exec("update {t} set value = 22 where id = 2")
        .done();
    let _ = t2.commit();
    let _ = t1.exec(ALL).done();
}

/// Write cycle: the final state mixes T1's and T2's writes.
fn g0_rule(e: &Evidence) -> Verdict {
    let last = e.reads(1).last().map(|r| r.to_vec()).unwrap_or_default();
    let mixed = last == [(1, 11), (2, 22)] || last == [(1, 12), (2, 21)];
    verdict(mixed, format!("final state {last:?}"))
}

fn g1a(s: &Script) {
    let (t1, t2) = s.two();
    let (t1, t2) = (t1.begin(), t2.begin());
    let t1 = t1.exec("update {t} set value = 101 where id = 1").done();
    let t2 = t2.exec(ALL);
    let _ = t1.rollback();
    let t2 = t2.done().exec(ALL).done();
    let _ = t2.commit();
}

/// Aborted read: T2 sees a value T1 rolled back.
fn g1a_rule(e: &Evidence) -> Verdict {
    let saw = e.saw(2, 1, 101);
    verdict(
        saw,
        if saw {
            "T2 read 1 => 101, which T1 rolled back"
        } else {
            "T2 never read 101"
        },
    )
}

fn g1b(s: &Script) {
    let (t1, t2) = s.two();
    let (t1, t2) = (t1.begin(), t2.begin());
    let t1 = t1.exec("update {t} set value = 101 where id = 1").done();
    let t2 = t2.exec(ALL);
    let t1 = t1.exec("update {t} set value = 11 where id = 1").done();
    let _ = t1.commit();
    let t2 = t2.done().exec(ALL).done();
    let _ = t2.commit();
}

/// Intermediate read: T2 sees T1's value before T1's final write.
fn g1b_rule(e: &Evidence) -> Verdict {
    let saw = e.saw(2, 1, 101);
    verdict(
        saw,
        if saw {
            "T2 read 1 => 101, an intermediate value of T1"
        } else {
            "T2 never read 101"
        },
    )
}

fn g1c(s: &Script) {
    let (t1, t2) = s.two();
    let (t1, t2) = (t1.begin(), t2.begin());
    let t1 = t1.exec("update {t} set value = 11 where id = 1").done();
    let t2 = t2.exec("update {t} set value = 22 where id = 2").done();
    let t1 = t1.exec("select id, value from {t} where id = 2");
    let t2 = t2.exec("select id, value from {t} where id = 1");
    let _ = t1.done().commit();
    let _ = t2.done().commit();
}

/// Circular information flow: each sees the other's uncommitted write.
fn g1c_rule(e: &Evidence) -> Verdict {
    let (a, b) = (e.saw(1, 2, 22), e.saw(2, 1, 11));
    verdict(
        a && b,
        format!("T1 read T2's 2 => 22: {a}; T2 read T1's 1 => 11: {b}"),
    )
}

fn otv(s: &Script) {
    let (t1, t2, t3) = s.three();
    let (t1, t2, t3) = (t1.begin(), t2.begin(), t3.begin());
    let t1 = t1.exec("update {t} set value = 11 where id = 1").done();
    let t1 = t1.exec("update {t} set value = 19 where id = 2").done();
    let t2 = t2.exec("update {t} set value = 12 where id = 1");
    let _ = t1.commit();
    let t3 = t3.exec(ALL);
    let t2 = t2
        .done()
        .exec("update {t} set value = 18 where id = 2")
        .done();
    let t3 = t3.done().exec(ALL);
    let _ = t2.commit();
    let _ = t3.done().commit();
}

/// Observed transaction vanishes: T3 sees T2's uncommitted writes.
fn otv_rule(e: &Evidence) -> Verdict {
    let dirty = e.saw(3, 1, 12) || e.saw(3, 2, 18);
    verdict(dirty, format!("T3 read {:?}", e.reads(3)))
}

fn pmp(s: &Script) {
    let (t1, t2) = s.two();
    let (t1, t2) = (t1.begin(), t2.begin());
    let t1 = t1.exec("select id, value from {t} where value = 30").done();
    let t2 = t2.exec("insert into {t} (id, value) values (3, 30)").done();
    let _ = t2.commit();
    let t1 = t1
        .exec("select id, value from {t} where value % 3 = 0")
        .done();
    let _ = t1.commit();
}

/// Predicate-many-preceders: T1's second predicate read sees T2's insert.
fn pmp_rule(e: &Evidence) -> Verdict {
    let saw = e.saw(1, 3, 30);
    verdict(saw, format!("T1 read {:?}", e.reads(1)))
}

fn pmp_write(s: &Script) {
    let (t1, t2) = s.two();
    let (t1, t2) = (t1.begin(), t2.begin());
    let t1 = t1.exec("update {t} set value = value + 10").done();
    let t2 = t2.exec("delete from {t} where value = 20");
    let _ = t1.commit();
    let t2 = t2
        .done()
        .exec("select id, value from {t} where value = 20")
        .done();
    let _ = t2.commit();
}

/// T2's delete of `value = 20` missed the row T1 made 20, which T2 then reads.
fn pmp_write_rule(e: &Evidence) -> Verdict {
    let survived = e
        .reads(2)
        .iter()
        .any(|rows| rows.iter().any(|(_, v)| *v == 20));
    verdict(
        survived,
        format!("after deleting value = 20, T2 read {:?}", e.reads(2)),
    )
}

fn p4(s: &Script) {
    let (t1, t2) = s.two();
    let (t1, t2) = (t1.begin(), t2.begin());
    let t1 = t1.exec("select id, value from {t} where id = 1").done();
    let t2 = t2.exec("select id, value from {t} where id = 1").done();
    let t1 = t1.exec("update {t} set value = 11 where id = 1");
    let t2 = t2.exec("update {t} set value = 11 where id = 1");
    let _ = t1.done().commit();
    let _ = t2.done().commit();
}

fn both_committed(e: &Evidence, what: &str) -> Verdict {
    let (a, b) = (e.committed(1), e.committed(2));
    verdict(
        a && b,
        format!("{what}: T1 committed {a}, T2 committed {b}"),
    )
}

/// Lost update: both read, both write the same row, both commit.
fn p4_rule(e: &Evidence) -> Verdict {
    both_committed(e, "both read row 1 then wrote it")
}

fn g_single(s: &Script) {
    let (t1, t2) = s.two();
    let (t1, t2) = (t1.begin(), t2.begin());
    let t1 = t1.exec("select id, value from {t} where id = 1").done();
    let t2 = t2.exec("select id, value from {t} where id = 1").done();
    let t2 = t2.exec("select id, value from {t} where id = 2").done();
    let t2 = t2.exec("update {t} set value = 12 where id = 1").done();
    let t2 = t2.exec("update {t} set value = 18 where id = 2").done();
    let _ = t2.commit();
    let t1 = t1.exec("select id, value from {t} where id = 2").done();
    let _ = t1.commit();
}

/// Read skew: T1 sees row 1 before T2 and row 2 after T2.
fn g_single_rule(e: &Evidence) -> Verdict {
    let skew = e.saw(1, 1, 10) && e.saw(1, 2, 18);
    verdict(skew, format!("T1 read {:?}", e.reads(1)))
}

fn g_single_dependencies(s: &Script) {
    let (t1, t2) = s.two();
    let (t1, t2) = (t1.begin(), t2.begin());
    let t1 = t1
        .exec("select id, value from {t} where value % 5 = 0")
        .done();
    let t2 = t2.exec("update {t} set value = 12 where value = 10").done();
    let _ = t2.commit();
    let t1 = t1
        .exec("select id, value from {t} where value % 3 = 0")
        .done();
    let _ = t1.commit();
}

/// T1's second predicate read sees T2's update that its first read predates.
fn g_single_dependencies_rule(e: &Evidence) -> Verdict {
    let saw = e.saw(1, 1, 12);
    verdict(saw, format!("T1 read {:?}", e.reads(1)))
}

fn g_single_write_1(s: &Script) {
    let (t1, t2) = s.two();
    let (t1, t2) = (t1.begin(), t2.begin());
    let t1 = t1.exec("select id, value from {t} where id = 1").done();
    let t2 = t2.exec(ALL).done();
    let t2 = t2.exec("update {t} set value = 12 where id = 1").done();
    let t2 = t2.exec("update {t} set value = 18 where id = 2").done();
    let _ = t2.commit();
    let t1 = t1.exec("delete from {t} where value = 20").done();
    let t1 = t1.exec("select id, value from {t} where id = 2").done();
    let _ = t1.commit();
}

/// T1 read row 1 before T2 but its delete ran against T2's row 2 (found nothing).
fn g_single_write_rule(e: &Evidence) -> Verdict {
    let delete = e.writes(1).into_iter().next();
    let missed = delete.is_some_and(|d| d.affected == Some(0));
    let anomaly = missed && e.saw(1, 1, 10) && e.committed(1) && e.committed(2);
    verdict(
        anomaly,
        format!(
            "T1 read {:?}; its delete of value = 20 changed {:?} row(s); T1 committed {}, T2 committed {}",
            e.reads(1),
            delete.and_then(|d| d.affected),
            e.committed(1),
            e.committed(2)
        ),
    )
}

fn g_single_write_2(s: &Script) {
    let (t1, t2) = s.two();
    let (t1, t2) = (t1.begin(), t2.begin());
    let t1 = t1.exec("select id, value from {t} where id = 1").done();
    let t2 = t2.exec(ALL).done();
    let t2 = t2.exec("update {t} set value = 12 where id = 1");
    let t1 = t1.exec("delete from {t} where value = 20");
    let t2 = t2
        .done()
        .exec("update {t} set value = 18 where id = 2")
        .done();
    let _ = t2.commit();
    let _ = t1.done().commit();
}

fn g2_item(s: &Script) {
    let (t1, t2) = s.two();
    let (t1, t2) = (t1.begin(), t2.begin());
    let t1 = t1
        .exec("select id, value from {t} where id in (1, 2)")
        .done();
    let t2 = t2
        .exec("select id, value from {t} where id in (1, 2)")
        .done();
    let t1 = t1.exec("update {t} set value = 11 where id = 1");
    let t2 = t2.exec("update {t} set value = 21 where id = 2");
    let _ = t1.done().commit();
    let _ = t2.done().commit();
}

/// Write skew: each read both rows, wrote a different one, both committed.
fn g2_item_rule(e: &Evidence) -> Verdict {
    both_committed(e, "each read both rows and wrote one")
}

fn g2(s: &Script) {
    let (t1, t2) = s.two();
    let (t1, t2) = (t1.begin(), t2.begin());
    let t1 = t1
        .exec("select id, value from {t} where value % 3 = 0")
        .done();
    let t2 = t2
        .exec("select id, value from {t} where value % 3 = 0")
        .done();
    let t1 = t1.exec("insert into {t} (id, value) values (3, 30)");
    let t2 = t2.exec("insert into {t} (id, value) values (4, 42)");
    let _ = t1.done().commit();
    let _ = t2.done().commit();
}

/// Anti-dependency cycle on a predicate: each inserted what the other's read missed.
fn g2_rule(e: &Evidence) -> Verdict {
    both_committed(e, "each read `value % 3 = 0` and inserted a matching row")
}

fn g2_two_edges(s: &Script) {
    let (t1, t2, t3) = s.three();
    let (t1, t2, t3) = (t1.begin(), t2.begin(), t3.begin());
    let t1 = t1.exec(ALL).done();
    let t2 = t2.exec("update {t} set value = value + 5 where id = 2");
    let _ = t2.done().commit();
    let t3 = t3.exec(ALL).done();
    let t3 = t3.exec("update {t} set value = 0 where id = 1");
    let _ = t3.done().commit();
    let t1 = t1.exec("update {t} set value = 0 where id = 2");
    let _ = t1.done().commit();
}

/// T1 read before T2, T3 read after T2 and wrote what T1 read; all three committed.
fn g2_two_edges_rule(e: &Evidence) -> Verdict {
    let (a, b, c) = (e.committed(1), e.committed(2), e.committed(3));
    verdict(
        a && b && c,
        format!(
            "T1 committed {a}, T2 committed {b}, T3 committed {c}; T3 read {:?}",
            e.reads(3)
        ),
    )
}

/// The catalogue, in Hermitage's order.
pub const CATALOGUE: &[TestCase] = &[
    TestCase {
        id: "g0",
        title: "write cycles",
        script: g0,
        rule: g0_rule,
    },
    TestCase {
        id: "g1a",
        title: "aborted reads",
        script: g1a,
        rule: g1a_rule,
    },
    TestCase {
        id: "g1b",
        title: "intermediate reads",
        script: g1b,
        rule: g1b_rule,
    },
    TestCase {
        id: "g1c",
        title: "circular information flow",
        script: g1c,
        rule: g1c_rule,
    },
    TestCase {
        id: "otv",
        title: "observed transaction vanishes",
        script: otv,
        rule: otv_rule,
    },
    TestCase {
        id: "pmp",
        title: "predicate-many-preceders",
        script: pmp,
        rule: pmp_rule,
    },
    TestCase {
        id: "pmp-write",
        title: "predicate-many-preceders, with writes",
        script: pmp_write,
        rule: pmp_write_rule,
    },
    TestCase {
        id: "p4",
        title: "lost update",
        script: p4,
        rule: p4_rule,
    },
    TestCase {
        id: "g-single",
        title: "single anti-dependency cycle (read skew)",
        script: g_single,
        rule: g_single_rule,
    },
    TestCase {
        id: "g-single-dependencies",
        title: "read skew on predicate dependencies",
        script: g_single_dependencies,
        rule: g_single_dependencies_rule,
    },
    TestCase {
        id: "g-single-write-1",
        title: "read skew with a write (1)",
        script: g_single_write_1,
        rule: g_single_write_rule,
    },
    TestCase {
        id: "g-single-write-2",
        title: "read skew with a write (2)",
        script: g_single_write_2,
        rule: g_single_write_rule,
    },
    TestCase {
        id: "g2-item",
        title: "item anti-dependency cycles (write skew)",
        script: g2_item,
        rule: g2_item_rule,
    },
    TestCase {
        id: "g2",
        title: "anti-dependency cycles on a predicate",
        script: g2,
        rule: g2_rule,
    },
    TestCase {
        id: "g2-two-edges",
        title: "anti-dependency cycle with two edges",
        script: g2_two_edges,
        rule: g2_two_edges_rule,
    },
];

/// The test with this id.
pub fn find(id: &str) -> Option<&'static TestCase> {
    CATALOGUE.iter().find(|t| t.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isolation::script::Op;

    #[test]
    fn every_script_collects_what_it_issues_and_ends_its_transactions() {
        for case in CATALOGUE {
            let script = Script::new();
            (case.script)(&script);
            let steps = script.steps();
            for session in 1..=3 {
                let mine: Vec<&Op> = steps
                    .iter()
                    .filter(|s| s.session == session)
                    .map(|s| &s.op)
                    .collect();
                let execs = mine.iter().filter(|o| matches!(o, Op::Exec(_))).count();
                let collects = mine.iter().filter(|o| matches!(o, Op::Collect)).count();
                assert_eq!(execs, collects, "{} T{session}", case.id);
                let begins = mine.iter().filter(|o| matches!(o, Op::Begin)).count();
                let ends = mine
                    .iter()
                    .filter(|o| matches!(o, Op::Commit | Op::Rollback))
                    .count();
                assert_eq!(begins, ends, "{} T{session}", case.id);
            }
        }
    }

    #[test]
    fn ids_are_unique_and_as_the_issue_names_them() {
        let ids: Vec<&str> = CATALOGUE.iter().map(|t| t.id).collect();
        assert_eq!(
            ids,
            [
                "g0",
                "g1a",
                "g1b",
                "g1c",
                "otv",
                "pmp",
                "pmp-write",
                "p4",
                "g-single",
                "g-single-dependencies",
                "g-single-write-1",
                "g-single-write-2",
                "g2-item",
                "g2",
                "g2-two-edges"
            ]
        );
    }
}
