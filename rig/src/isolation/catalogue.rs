//! The anomaly catalogue of Hermitage (ept/hermitage): one script per test
//! over sessions T1..T3 on a table `test (id int primary key, value int)`
//! holding (1, 10) and (2, 20), written statement for statement after the
//! Hermitage script that `hermitage/<id>.txt` transcribes (file, section
//! and script named there). A unit test below compares every script with
//! its transcription, so a drift fails the build's tests. Where automation
//! needs a different order, the transcription says so under `[as run]`,
//! with the reason, and `--explain` shows it. The rules that judge each
//! run live in `rules.rs`.

use crate::isolation::rules;
use crate::isolation::script::{Script, ScriptStep};
use crate::isolation::transcript::Transcript;

use crate::isolation::evidence::Evidence;
pub use crate::isolation::rules::Verdict;

/// One test of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct TestCase {
    /// Its id, e.g. `g1a`.
    pub id: &'static str,
    /// What it checks.
    pub title: &'static str,
    /// Records the script's steps.
    pub script: fn() -> Vec<ScriptStep>,
    /// Decides the outcome.
    pub rule: fn(&Evidence) -> Verdict,
    /// The Hermitage script this test follows, as transcribed (see
    /// [`Transcript`]).
    pub transcript: &'static str,
}

impl TestCase {
    /// The parsed transcription of the Hermitage script.
    pub fn hermitage(&self) -> Transcript {
        Transcript::parse(self.transcript)
    }
}

const ALL: &str = "select * from {t}";

fn g0() -> Vec<ScriptStep> {
    Script::two(|t1, t2| {
        let (t1, t2) = (t1.begin(), t2.begin());
        let t1 = t1.exec("update {t} set value = 11 where id = 1");
        let t2 = t2.exec("update {t} set value = 12 where id = 1");
        let t1 = t1.done().exec("update {t} set value = 21 where id = 2");
        let t1 = t1.done().commit().exec(ALL);
        let t2 = t2.done().exec("update {t} set value = 22 where id = 2");
        let _ = t2.done().commit();
        let _ = t1.done().exec(ALL).done();
    })
}

fn g1a() -> Vec<ScriptStep> {
    Script::two(|t1, t2| {
        let (t1, t2) = (t1.begin(), t2.begin());
        let t1 = t1.exec("update {t} set value = 101 where id = 1");
        let t2 = t2.exec(ALL);
        let _ = t1.done().rollback();
        let t2 = t2.done().exec(ALL);
        let _ = t2.done().commit();
    })
}

fn g1b() -> Vec<ScriptStep> {
    Script::two(|t1, t2| {
        let (t1, t2) = (t1.begin(), t2.begin());
        let t1 = t1.exec("update {t} set value = 101 where id = 1");
        let t2 = t2.exec(ALL);
        let t1 = t1.done().exec("update {t} set value = 11 where id = 1");
        let _ = t1.done().commit();
        let t2 = t2.done().exec(ALL);
        let _ = t2.done().commit();
    })
}

fn g1c() -> Vec<ScriptStep> {
    Script::two(|t1, t2| {
        let (t1, t2) = (t1.begin(), t2.begin());
        let t1 = t1.exec("update {t} set value = 11 where id = 1");
        let t2 = t2.exec("update {t} set value = 22 where id = 2");
        let t1 = t1.done().exec("select * from {t} where id = 2");
        let t2 = t2.done().exec("select * from {t} where id = 1");
        let _ = t1.done().commit();
        let _ = t2.done().commit();
    })
}

fn otv() -> Vec<ScriptStep> {
    Script::three(|t1, t2, t3| {
        let (t1, t2, t3) = (t1.begin(), t2.begin(), t3.begin());
        let t1 = t1.exec("update {t} set value = 11 where id = 1");
        let t1 = t1.done().exec("update {t} set value = 19 where id = 2");
        let t2 = t2.exec("update {t} set value = 12 where id = 1");
        let _ = t1.done().commit();
        let t3 = t3.exec(ALL);
        let t2 = t2.done().exec("update {t} set value = 18 where id = 2");
        let t3 = t3.done().exec(ALL);
        let _ = t2.done().commit();
        let _ = t3.done().commit();
    })
}

fn pmp() -> Vec<ScriptStep> {
    Script::two(|t1, t2| {
        let (t1, t2) = (t1.begin(), t2.begin());
        let t1 = t1.exec("select * from {t} where value = 30");
        let t2 = t2.exec("insert into {t} (id, value) values(3, 30)");
        let _ = t2.done().commit();
        let t1 = t1.done().exec("select * from {t} where value % 3 = 0");
        let _ = t1.done().commit();
    })
}

fn pmp_write() -> Vec<ScriptStep> {
    Script::two(|t1, t2| {
        let (t1, t2) = (t1.begin(), t2.begin());
        let t1 = t1.exec("update {t} set value = value + 10");
        let t2 = t2.exec("select * from {t} where value = 20");
        let t2 = t2.done().exec("delete from {t} where value = 20");
        let _ = t1.done().commit();
        let t2 = t2.done().exec(ALL);
        let _ = t2.done().commit();
    })
}

fn p4() -> Vec<ScriptStep> {
    Script::two(|t1, t2| {
        let (t1, t2) = (t1.begin(), t2.begin());
        let t1 = t1.exec("select * from {t} where id = 1");
        let t2 = t2.exec("select * from {t} where id = 1");
        let t1 = t1.done().exec("update {t} set value = 11 where id = 1");
        let t2 = t2.done().exec("update {t} set value = 11 where id = 1");
        let _ = t1.done().commit();
        let _ = t2.done().commit();
    })
}

fn g_single() -> Vec<ScriptStep> {
    Script::two(|t1, t2| {
        let (t1, t2) = (t1.begin(), t2.begin());
        let t1 = t1.exec("select * from {t} where id = 1");
        let t2 = t2.exec("select * from {t} where id = 1");
        let t2 = t2.done().exec("select * from {t} where id = 2");
        let t2 = t2.done().exec("update {t} set value = 12 where id = 1");
        let t2 = t2.done().exec("update {t} set value = 18 where id = 2");
        let _ = t2.done().commit();
        let t1 = t1.done().exec("select * from {t} where id = 2");
        let _ = t1.done().commit();
    })
}

fn g_single_dependencies() -> Vec<ScriptStep> {
    Script::two(|t1, t2| {
        let (t1, t2) = (t1.begin(), t2.begin());
        let t1 = t1.exec("select * from {t} where value % 5 = 0");
        let t2 = t2.exec("update {t} set value = 12 where value = 10");
        let _ = t2.done().commit();
        let t1 = t1.done().exec("select * from {t} where value % 3 = 0");
        let _ = t1.done().commit();
    })
}

fn g_single_write_1() -> Vec<ScriptStep> {
    Script::two(|t1, t2| {
        let (t1, t2) = (t1.begin(), t2.begin());
        let t1 = t1.exec("select * from {t} where id = 1");
        let t2 = t2.exec(ALL);
        let t2 = t2.done().exec("update {t} set value = 12 where id = 1");
        let t2 = t2.done().exec("update {t} set value = 18 where id = 2");
        let _ = t2.done().commit();
        let t1 = t1.done().exec("delete from {t} where value = 20");
        let t1 = t1.done().exec("select * from {t} where id = 2");
        let _ = t1.done().commit();
    })
}

/// Hermitage's SERIALIZABLE script, adapted: T2 commits before T1 ends,
/// and T1 ends with COMMIT (sent as ROLLBACK when the server aborted it).
/// Below SERIALIZABLE, T1's delete waits for T2's lock; in Hermitage's
/// order T1's next step would come while it waits, and the runner would
/// have to cancel it (`hermitage/g-single-write-2.txt` gives the reason).
fn g_single_write_2() -> Vec<ScriptStep> {
    Script::two(|t1, t2| {
        let (t1, t2) = (t1.begin(), t2.begin());
        let t1 = t1.exec("select * from {t} where id = 1");
        let t2 = t2.exec(ALL);
        let t2 = t2.done().exec("update {t} set value = 12 where id = 1");
        let t1 = t1.done().exec("delete from {t} where value = 20");
        let t2 = t2.done().exec("update {t} set value = 18 where id = 2");
        let _ = t2.done().commit();
        let _ = t1.done().commit();
    })
}

fn g2_item() -> Vec<ScriptStep> {
    Script::two(|t1, t2| {
        let (t1, t2) = (t1.begin(), t2.begin());
        let t1 = t1.exec("select * from {t} where id in (1,2)");
        let t2 = t2.exec("select * from {t} where id in (1,2)");
        let t1 = t1.done().exec("update {t} set value = 11 where id = 1");
        let t2 = t2.done().exec("update {t} set value = 21 where id = 2");
        let _ = t1.done().commit();
        let _ = t2.done().commit();
    })
}

fn g2() -> Vec<ScriptStep> {
    Script::two(|t1, t2| {
        let (t1, t2) = (t1.begin(), t2.begin());
        let t1 = t1.exec("select * from {t} where value % 3 = 0");
        let t2 = t2.exec("select * from {t} where value % 3 = 0");
        let t1 = t1.done().exec("insert into {t} (id, value) values(3, 30)");
        let t2 = t2.done().exec("insert into {t} (id, value) values(4, 42)");
        let t1 = t1.done().commit();
        let _ = t2.done().commit();
        let _ = t1.exec("select * from {t} where value % 3 = 0").done();
    })
}

/// Fekete et al.'s read-only anomaly as postgres.md gives it, adapted
/// only at the end: T1 commits where PostgreSQL's script aborts it after
/// its serialization error (`hermitage/g2-two-edges.txt`).
fn g2_two_edges() -> Vec<ScriptStep> {
    Script::three(|t1, t2, t3| {
        let t1 = t1.begin().exec(ALL);
        let t2 = t2
            .begin()
            .exec("update {t} set value = value + 5 where id = 2");
        let _ = t2.done().commit();
        let t3 = t3.begin().exec(ALL);
        let _ = t3.done().commit();
        let t1 = t1.done().exec("update {t} set value = 0 where id = 1");
        let _ = t1.done().commit();
    })
}

macro_rules! case {
    ($id:literal, $title:literal, $script:ident, $rule:path) => {
        TestCase {
            id: $id,
            title: $title,
            script: $script,
            rule: $rule,
            transcript: include_str!(concat!("hermitage/", $id, ".txt")),
        }
    };
}

/// The catalogue, in Hermitage's order.
pub const CATALOGUE: &[TestCase] = &[
    case!("g0", "write cycles", g0, rules::g0),
    case!("g1a", "aborted reads", g1a, rules::g1a),
    case!("g1b", "intermediate reads", g1b, rules::g1b),
    case!("g1c", "circular information flow", g1c, rules::g1c),
    case!("otv", "observed transaction vanishes", otv, rules::otv),
    case!("pmp", "predicate-many-preceders", pmp, rules::pmp),
    case!(
        "pmp-write",
        "predicate-many-preceders, with writes",
        pmp_write,
        rules::pmp_write
    ),
    case!("p4", "lost update", p4, rules::p4),
    case!(
        "g-single",
        "single anti-dependency cycle (read skew)",
        g_single,
        rules::g_single
    ),
    case!(
        "g-single-dependencies",
        "read skew on predicate dependencies",
        g_single_dependencies,
        rules::g_single_dependencies
    ),
    case!(
        "g-single-write-1",
        "read skew on a write predicate",
        g_single_write_1,
        rules::g_single_write
    ),
    case!(
        "g-single-write-2",
        "read skew on a write predicate, SERIALIZABLE's order",
        g_single_write_2,
        rules::g_single_write
    ),
    case!(
        "g2-item",
        "item anti-dependency cycles (write skew)",
        g2_item,
        rules::g2_item
    ),
    case!("g2", "anti-dependency cycles on a predicate", g2, rules::g2),
    case!(
        "g2-two-edges",
        "anti-dependency cycle with two edges (Fekete et al.'s read-only anomaly)",
        g2_two_edges,
        rules::g2_two_edges
    ),
];

/// The test with this id.
pub fn find(id: &str) -> Option<&'static TestCase> {
    CATALOGUE.iter().find(|t| t.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isolation::script::Op;
    use crate::isolation::transcript::{normalize, Line};

    /// The script as (session, statement) lines, as a transcription has them.
    fn as_lines(steps: &[ScriptStep]) -> Vec<(usize, String)> {
        steps
            .iter()
            .filter_map(|s| {
                let text = match &s.op {
                    Op::Begin => "begin".to_string(),
                    Op::Exec(sql) => normalize(&sql.replace("{t}", "test")),
                    Op::Collect => return None,
                    Op::Commit => "commit".to_string(),
                    Op::Rollback => "rollback".to_string(),
                };
                Some((s.session, text))
            })
            .collect()
    }

    fn same(script: &[(usize, String)], transcript: &[Line]) -> Result<(), String> {
        let n = script.len().max(transcript.len());
        for i in 0..n {
            let (ours, theirs) = (script.get(i), transcript.get(i));
            let agree = match (ours, theirs) {
                (Some((s, text)), Some(line)) => {
                    line.session.is_none_or(|t| t == *s) && *text == line.statement
                }
                _ => false,
            };
            if !agree {
                return Err(format!(
                    "line {}: the script has {:?}, the transcription {:?}",
                    i + 1,
                    ours,
                    theirs.map(|l| (l.session, &l.statement))
                ));
            }
        }
        Ok(())
    }

    #[test]
    fn every_script_is_hermitages_or_its_named_adaptation() {
        for case in CATALOGUE {
            let t = case.hermitage();
            assert!(!t.hermitage.is_empty(), "{}: empty transcription", case.id);
            assert!(
                t.source.iter().any(|l| l.contains("ept/hermitage")),
                "{}: the transcription names no source",
                case.id
            );
            let script = as_lines(&(case.script)());
            match &t.as_run {
                None => {
                    assert!(
                        t.adaptation.is_empty(),
                        "{}: a reason without [as run]",
                        case.id
                    );
                    if let Err(e) = same(&script, &t.hermitage) {
                        panic!("{} drifted from Hermitage: {e}", case.id);
                    }
                }
                Some(as_run) => {
                    assert!(
                        !t.adaptation.is_empty(),
                        "{}: adapted without a reason",
                        case.id
                    );
                    if let Err(e) = same(&script, as_run) {
                        panic!("{} differs from its [as run] script: {e}", case.id);
                    }
                    t.check_adaptation()
                        .unwrap_or_else(|e| panic!("{}: {e}", case.id));
                }
            }
        }
    }

    /// Hermitage's reader waits for a blocked statement until it returns:
    /// a script collects a result only when its session has something else
    /// to do, so no statement is cancelled that a later step of another
    /// session would have released.
    #[test]
    fn every_result_is_collected_as_late_as_the_session_allows() {
        for case in CATALOGUE {
            let steps = (case.script)();
            for (i, step) in steps.iter().enumerate() {
                if step.op != Op::Collect {
                    continue;
                }
                if let Some(next) = steps.get(i + 1) {
                    assert_eq!(
                        next.session, step.session,
                        "{}: T{} collects at step {i}, before another session's step",
                        case.id, step.session
                    );
                }
            }
        }
    }

    #[test]
    fn every_script_collects_what_it_issues_and_ends_its_transactions() {
        for case in CATALOGUE {
            let steps = (case.script)();
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
    fn ids_are_unique_and_in_hermitages_order() {
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
