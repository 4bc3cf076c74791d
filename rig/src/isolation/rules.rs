//! The rules that decide, from what each session read, wrote and was told
//! by the server, whether a catalogue test's anomaly happened. A rule
//! reads only the evidence, never the level or the server, and must accept
//! every way the server may prevent the anomaly (blocking, either deadlock
//! victim, a refused write). The unit tests feed each rule the outcomes
//! Hermitage publishes for MySQL, PostgreSQL and TiDB, both ways.

use crate::isolation::evidence::Evidence;

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

type Rows = [(i64, i64)];

/// Rows as Hermitage writes them: `[1 => 10, 2 => 20]`.
fn shown(rows: Option<&Rows>) -> String {
    match rows {
        None => "nothing (no successful read)".into(),
        Some(rows) => {
            let cells: Vec<String> = rows.iter().map(|(id, v)| format!("{id} => {v}")).collect();
            format!("[{}]", cells.join(", "))
        }
    }
}

/// Every successful read of a session, in order.
fn all_reads(e: &Evidence, session: usize) -> String {
    let reads: Vec<String> = e
        .reads(session)
        .into_iter()
        .map(|r| shown(Some(r)))
        .collect();
    if reads.is_empty() {
        "nothing".into()
    } else {
        reads.join(", then ")
    }
}

fn has(rows: &Rows, id: i64, value: i64) -> bool {
    rows.contains(&(id, value))
}

/// Write cycle: the final state mixes T1's and T2's writes.
pub fn g0(e: &Evidence) -> Verdict {
    let last = e.last_read(1).unwrap_or_default();
    let mixed = (has(last, 1, 11) && has(last, 2, 22)) || (has(last, 1, 12) && has(last, 2, 21));
    verdict(mixed, format!("final state {}", shown(e.last_read(1))))
}

/// Whether T2 read T1's 1 => 101, which T1 then undid (`what` it became).
fn read_101(e: &Evidence, what: &str) -> Verdict {
    let saw = e.saw(2, 1, 101);
    let why = if saw {
        format!("T2 read 1 => 101, {what}")
    } else {
        "T2 never read 101".to_string()
    };
    verdict(saw, why)
}

/// Aborted read: T2 sees a value T1 rolled back.
pub fn g1a(e: &Evidence) -> Verdict {
    read_101(e, "which T1 rolled back")
}

/// Intermediate read: T2 sees T1's value before T1's final write.
pub fn g1b(e: &Evidence) -> Verdict {
    read_101(e, "an intermediate value of T1")
}

/// Circular information flow: each sees the other's uncommitted write.
pub fn g1c(e: &Evidence) -> Verdict {
    let (a, b) = (e.saw(1, 2, 22), e.saw(2, 1, 11));
    verdict(
        a && b,
        format!("T1 read T2's 2 => 22: {a}; T2 read T1's 1 => 11: {b}"),
    )
}

/// Observed transaction vanishes: one read of T3 holds T2's write of one
/// row beside T1's write of the other, which T2 also overwrites.
pub fn otv(e: &Evidence) -> Verdict {
    let vanished = e.reads(3).iter().any(|rows| {
        (has(rows, 1, 12) && has(rows, 2, 19)) || (has(rows, 1, 11) && has(rows, 2, 18))
    });
    verdict(vanished, format!("T3 read {}", all_reads(e, 3)))
}

/// Predicate-many-preceders: T1's second predicate read sees T2's insert,
/// which its first read of the same table predates.
pub fn pmp(e: &Evidence) -> Verdict {
    let saw = e.last_read(1).is_some_and(|rows| has(rows, 3, 30));
    verdict(saw, format!("T1 read {}", all_reads(e, 1)))
}

/// Predicate-many-preceders on a write predicate. T1 adds 10 to every row;
/// T2 reads `value = 20`, deletes `value = 20`, reads everything. The two
/// serial orders leave T2 a consistent view: before T1 it reads 2 => 20,
/// deletes row 2 and then sees only 1 => 10; after T1 it reads 1 => 20,
/// deletes row 1 and then sees only 2 => 30. Anything else, with both
/// committed, mixes the two (Hermitage's MySQL REPEATABLE READ: 2 => 20,
/// then 2 => 20 again after the delete removed row 1).
pub fn pmp_write(e: &Evidence) -> Verdict {
    let first = e.first_read(2);
    let last = e.last_read(2);
    let before_t1 = first.is_some_and(|r| has(r, 2, 20));
    let after_t1 = first.is_some_and(|r| has(r, 1, 20) || has(r, 2, 30));
    let serial_t2_first = last == Some(&[(1, 10)][..]);
    let serial_t1_first = last == Some(&[(2, 30)][..]);
    let consistent = match (before_t1, after_t1) {
        (true, false) => serial_t2_first,
        (false, true) => serial_t1_first,
        (false, false) => serial_t1_first || serial_t2_first,
        (true, true) => false,
    };
    let anomaly = !consistent && e.committed(1) && e.committed(2);
    verdict(
        anomaly,
        format!(
            "T2 read {} before its delete and {} after it; T1 committed {}, T2 committed {}",
            shown(first),
            shown(last),
            e.committed(1),
            e.committed(2)
        ),
    )
}

fn both_committed(e: &Evidence, read_first: bool, what: &str) -> Verdict {
    let (a, b) = (e.committed(1), e.committed(2));
    verdict(
        read_first && a && b,
        format!("{what}: {read_first}; T1 committed {a}, T2 committed {b}"),
    )
}

/// Lost update: both read row 1 as 10, both wrote it, both committed.
pub fn p4(e: &Evidence) -> Verdict {
    let read = e.saw(1, 1, 10) && e.saw(2, 1, 10);
    both_committed(e, read, "both read 1 => 10 before writing it")
}

/// Read skew: T1 sees row 1 before T2 and row 2 after T2.
pub fn g_single(e: &Evidence) -> Verdict {
    let skew = e.saw(1, 1, 10) && e.saw(1, 2, 18);
    verdict(skew, format!("T1 read {}", all_reads(e, 1)))
}

/// Read skew on predicates: T1 read row 1 as 10, then T2's 12.
pub fn g_single_dependencies(e: &Evidence) -> Verdict {
    let skew = e.saw(1, 1, 10) && e.saw(1, 1, 12);
    verdict(skew, format!("T1 read {}", all_reads(e, 1)))
}

/// Read skew on a write predicate: T1 read row 1 before T2, yet its delete
/// of `value = 20` ran against T2's row 2 and found nothing; both committed.
pub fn g_single_write(e: &Evidence) -> Verdict {
    let delete = e.writes(1).into_iter().next();
    let missed = delete.is_some_and(|d| d.affected == Some(0));
    let anomaly = missed && e.saw(1, 1, 10) && e.committed(1) && e.committed(2);
    verdict(
        anomaly,
        format!(
            "T1 read {}; its delete of value = 20 changed {} row(s); T1 committed {}, T2 committed {}",
            all_reads(e, 1),
            delete
                .and_then(|d| d.affected)
                .map_or("no".to_string(), |n| n.to_string()),
            e.committed(1),
            e.committed(2)
        ),
    )
}

/// Write skew: each read both rows as they were, wrote one, both committed.
pub fn g2_item(e: &Evidence) -> Verdict {
    let untouched = |s| {
        e.first_read(s)
            .is_some_and(|r| has(r, 1, 10) && has(r, 2, 20))
    };
    both_committed(
        e,
        untouched(1) && untouched(2),
        "each read 1 => 10, 2 => 20 before writing",
    )
}

/// Anti-dependency cycle on a predicate: each read `value % 3 = 0` without
/// the other's row, inserted a matching row, and both committed.
pub fn g2(e: &Evidence) -> Verdict {
    let blind = |s| {
        e.first_read(s)
            .is_some_and(|r| !has(r, 3, 30) && !has(r, 4, 42))
    };
    both_committed(
        e,
        blind(1) && blind(2),
        "each read value % 3 = 0 without the other's insert",
    )
}

/// Fekete et al.'s read-only anomaly: T1 read 2 => 20 (before T2), T3 read
/// T2's 2 => 25 with 1 => 10 (before T1's write), and all three committed:
/// T1 -rw-> T2 -wr-> T3 -rw-> T1.
pub fn g2_two_edges(e: &Evidence) -> Verdict {
    let t1_before_t2 = e.first_read(1).is_some_and(|r| has(r, 2, 20));
    let t3_between = e
        .first_read(3)
        .is_some_and(|r| has(r, 2, 25) && has(r, 1, 10));
    let (a, b, c) = (e.committed(1), e.committed(2), e.committed(3));
    verdict(
        t1_before_t2 && t3_between && a && b && c,
        format!(
            "T1 read {}, T3 read {}; T1 committed {a}, T2 committed {b}, T3 committed {c}",
            shown(e.first_read(1)),
            shown(e.first_read(3))
        ),
    )
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
