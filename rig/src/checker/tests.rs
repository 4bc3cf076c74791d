//! Hand-built histories, one that shows each anomaly and one that does
//! not. Each follows the anomaly's definition (Adya, Liskov & O'Neil,
//! "Generalized Isolation Level Definitions", ICDE 2000; Elle's paper for
//! the list-append ones) rather than anything the checker printed.

use super::*;
use crate::history::{Mop, Op, OpType};
use std::time::Duration;

/// Builds histories: `"a 1 5"` appends 5 to key 1, `"r 1 5,6"` reads key
/// 1 as [5, 6], `"r 1 -"` reads it empty; micro-operations split by `;`.
struct Builder {
    history: History,
    clock: u64,
}

fn mops(text: &str, completed: bool) -> Vec<Mop> {
    text.split(';')
        .map(|m| {
            let parts: Vec<&str> = m.split_whitespace().collect();
            let key: i64 = parts[1].parse().unwrap();
            match parts[0] {
                "a" => Mop::Append {
                    key,
                    element: parts[2].parse().unwrap(),
                },
                _ => Mop::Read {
                    key,
                    list: completed.then(|| {
                        if parts[2] == "-" {
                            vec![]
                        } else {
                            parts[2].split(',').map(|e| e.parse().unwrap()).collect()
                        }
                    }),
                },
            }
        })
        .collect()
}

impl Builder {
    fn new() -> Self {
        Builder {
            history: History::default(),
            clock: 0,
        }
    }

    fn op(&mut self, process: u64, kind: OpType, text: &str) -> &mut Self {
        self.clock += 10;
        self.history.push(Op {
            index: 0,
            process,
            kind,
            f: "txn".into(),
            value: mops(text, kind == OpType::Ok),
            time: Some(self.clock),
            error: None,
            node: None,
        });
        self
    }

    fn invoke(&mut self, process: u64, text: &str) -> &mut Self {
        self.op(process, OpType::Invoke, text)
    }

    fn end(&mut self, process: u64, kind: OpType, text: &str) -> &mut Self {
        self.op(process, kind, text)
    }

    /// A transaction that runs alone: invoked, then completed.
    fn txn(&mut self, process: u64, kind: OpType, text: &str) -> &mut Self {
        self.invoke(process, text).end(process, kind, text)
    }

    fn ok(&mut self, process: u64, text: &str) -> &mut Self {
        self.txn(process, OpType::Ok, text)
    }

    fn check(&self, model: Model) -> CheckReport {
        check(&self.history, &CheckOptions::for_model(model))
    }
}

fn kinds(report: &CheckReport) -> Vec<AnomalyKind> {
    report.anomaly_types.clone()
}

use AnomalyKind::*;

/// Runs transactions on separate processes, all invoked before any
/// completes, so that no real-time or process order joins them.
fn concurrent(txns: &[(&str, OpType)]) -> Builder {
    let mut b = Builder::new();
    for (p, (text, _)) in txns.iter().enumerate() {
        b.invoke(p as u64, text);
    }
    for (p, (text, kind)) in txns.iter().enumerate() {
        b.end(p as u64, *kind, text);
    }
    b
}

fn ok(text: &str) -> (&str, OpType) {
    (text, OpType::Ok)
}

#[test]
fn g0_write_cycle_is_found_and_a_consistent_order_is_not() {
    // T1 and T2 both append to keys 1 and 2; key 1 shows T1 then T2, key
    // 2 shows T2 then T1: each overwrote the other (Adya's G0).
    let mut b = concurrent(&[ok("a 1 1; a 2 1"), ok("a 1 2; a 2 2")]);
    b.ok(9, "r 1 1,2; r 2 2,1");
    let r = b.check(Model::ReadUncommitted);
    assert_eq!(kinds(&r), [G0]);
    assert_eq!(r.verdict, Verdict::Invalid);
    let w = &r.anomalies[&G0].witnesses[0];
    assert_eq!(w.transactions.len(), 2);
    let ops: Vec<&str> = w.transactions.iter().map(|t| t.ops.as_str()).collect();
    assert!(ops.contains(&"append 1 to 1; append 1 to 2"), "{ops:?}");
    assert!(
        w.explanation
            .iter()
            .any(|l| l.contains("(key 2's versions: [2, 1])")),
        "{:?}",
        w.explanation
    );
    assert!(w.mermaid.as_ref().unwrap().contains("-->|ww|"), "{w:?}");

    let mut b = concurrent(&[ok("a 1 1; a 2 1"), ok("a 1 2; a 2 2")]);
    b.ok(9, "r 1 1,2; r 2 1,2");
    let r = b.check(Model::StrictSerializable);
    assert_eq!(kinds(&r), []);
    assert_eq!(r.verdict, Verdict::Valid);
}

#[test]
fn g1a_a_read_of_an_aborted_append_and_not_of_a_committed_one() {
    let mut b = Builder::new();
    b.txn(0, OpType::Fail, "a 1 1").ok(1, "r 1 1");
    let r = b.check(Model::ReadCommitted);
    assert_eq!(kinds(&r), [G1a]);
    assert!(Model::ReadUncommitted.forbids(G0) && !Model::ReadUncommitted.forbids(G1a));
    assert_eq!(r.satisfied, [Model::ReadUncommitted]);

    let mut b = Builder::new();
    b.txn(0, OpType::Fail, "a 1 1").ok(1, "r 1 -");
    assert_eq!(kinds(&b.check(Model::ReadCommitted)), []);
}

#[test]
fn g1b_a_read_of_an_intermediate_state_and_not_of_the_final_one() {
    let mut b = Builder::new();
    b.ok(0, "a 1 1; a 1 2").ok(1, "r 1 1").ok(2, "r 1 1,2");
    // T1 began after T0 was acknowledged: its read is stale as well.
    assert_eq!(kinds(&b.check(Model::ReadCommitted)), [G1b, StaleRead]);

    let mut b = Builder::new();
    b.ok(0, "a 1 1; a 1 2").ok(1, "r 1 1,2");
    assert_eq!(kinds(&b.check(Model::ReadCommitted)), []);
}

#[test]
fn g1c_circular_information_flow_and_its_absence() {
    // T1 read T2's append and T2 read T1's: each saw the other's effects.
    let b = concurrent(&[ok("a 1 1; r 2 2"), ok("a 2 2; r 1 1")]);
    let r = b.check(Model::ReadCommitted);
    assert_eq!(kinds(&r), [G1c]);
    let w = &r.anomalies[&G1c].witnesses[0];
    assert!(
        w.explanation
            .iter()
            .any(|l| l.contains("read") && l.contains("append of")),
        "{w:?}"
    );

    let b = concurrent(&[ok("a 1 1; r 2 -"), ok("a 2 2; r 1 1")]);
    assert_eq!(kinds(&b.check(Model::Serializable)), []);
}

#[test]
fn g_single_read_skew_and_a_consistent_snapshot() {
    // T1 appends to keys 1 and 2; T2 appends to key 1 after T1 (ww) but
    // read key 2 before T1's append (rw): one anti-dependency in a cycle.
    let mut b = concurrent(&[ok("a 1 1; a 2 1"), ok("a 1 2; r 2 -")]);
    b.ok(9, "r 1 1,2; r 2 1");
    let r = b.check(Model::SnapshotIsolation);
    assert_eq!(kinds(&r), [GSingle]);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert_eq!(
        r.satisfied,
        [Model::ReadUncommitted, Model::ReadCommitted],
        "G-single is forbidden from repeatable read and snapshot isolation up"
    );
    let w = &r.anomalies[&GSingle].witnesses[0];
    assert!(w.explanation.iter().any(|l| l.contains("misses")), "{w:?}");

    let mut b = concurrent(&[ok("a 1 1; a 2 1"), ok("a 1 2; r 2 1")]);
    b.ok(9, "r 1 1,2; r 2 1");
    assert_eq!(kinds(&b.check(Model::Serializable)), []);
}

#[test]
fn g_nonadjacent_two_separate_anti_dependencies() {
    // T1 -rw-> T2 -wr-> T3 -rw-> T4 -wr-> T1 on keys 1, 2, 3.
    let mut b = concurrent(&[
        ok("r 1 -; r 3 3"),
        ok("a 1 1"),
        ok("r 1 1; r 2 -"),
        ok("a 2 2; a 3 3"),
    ]);
    b.ok(9, "r 1 1; r 2 2; r 3 3");
    let r = b.check(Model::SnapshotIsolation);
    assert_eq!(kinds(&r), [GNonadjacent]);
    assert_eq!(r.verdict, Verdict::Invalid);
    // The whole cycle is the witness: four transactions, four edges, each
    // explained, and the conclusion.
    let w = &r.anomalies[&GNonadjacent].witnesses[0];
    assert_eq!(w.transactions.len(), 4, "{w:?}");
    assert_eq!(w.explanation.len(), 5, "{w:?}");
    let diagram = w.mermaid.as_ref().unwrap();
    assert_eq!(diagram.matches("-->|rw|").count(), 2, "{diagram}");
    assert_eq!(diagram.matches("-->|wr|").count(), 2, "{diagram}");

    // T1 no longer sees T4's append: the cycle is broken.
    let mut b = concurrent(&[
        ok("r 1 -; r 3 -"),
        ok("a 1 1"),
        ok("r 1 1; r 2 -"),
        ok("a 2 2; a 3 3"),
    ]);
    b.ok(9, "r 1 1; r 2 2; r 3 3");
    assert_eq!(kinds(&b.check(Model::Serializable)), []);
}

#[test]
fn g2_item_write_skew_is_allowed_by_snapshot_isolation_only() {
    // Each read both keys empty and appended to one: two adjacent rw edges.
    let mut b = concurrent(&[ok("r 1 -; r 2 -; a 1 1"), ok("r 1 -; r 2 -; a 2 2")]);
    b.ok(9, "r 1 1; r 2 2");
    let r = b.check(Model::SnapshotIsolation);
    assert_eq!(kinds(&r), [G2Item]);
    assert_eq!(
        r.verdict,
        Verdict::Valid,
        "snapshot isolation allows write skew"
    );
    assert_eq!(b.check(Model::Serializable).verdict, Verdict::Invalid);
    assert_eq!(b.check(Model::RepeatableRead).verdict, Verdict::Invalid);

    // The second saw the first's append: ordered, no skew.
    let mut b = concurrent(&[ok("r 1 -; r 2 -; a 1 1"), ok("r 1 1; r 2 -; a 2 2")]);
    b.ok(9, "r 1 1; r 2 2");
    assert_eq!(kinds(&b.check(Model::Serializable)), []);
}

#[test]
fn a_process_that_misses_its_own_earlier_write_is_g_single_process() {
    let mut b = Builder::new();
    b.ok(0, "a 1 1").ok(0, "r 1 -");
    b.ok(1, "r 1 1");
    // Real time joins them as well; without it only process order does.
    let mut options = CheckOptions::for_model(Model::StrictSerializable);
    options.real_time = false;
    let r = check(&b.history, &options);
    assert_eq!(kinds(&r), [GSingleProcess]);
    assert_eq!(r.verdict, Verdict::Invalid);
    assert!(r.satisfied.contains(&Model::Serializable));

    let mut b = Builder::new();
    b.ok(0, "a 1 1").ok(0, "r 1 1");
    assert_eq!(kinds(&b.check(Model::StrictSerializable)), []);
}

#[test]
fn a_stale_read_after_an_acknowledged_write_is_g_single_realtime() {
    // Process 1 begins after process 0's append was acknowledged, yet
    // reads the key empty.
    let mut b = Builder::new();
    b.ok(0, "a 1 1").ok(1, "r 1 -").ok(2, "r 1 1");
    let r = b.check(Model::StrictSerializable);
    assert_eq!(kinds(&r), [GSingleRealtime, StaleRead]);
    let w = &r.anomalies[&GSingleRealtime].witnesses[0];
    assert!(
        w.explanation.iter().any(|l| l.contains("acknowledged at")),
        "{w:?}"
    );
    // The stale read itself: who read what and when, whose write it
    // missed and when that was acknowledged.
    let stale = &r.anomalies[&StaleRead];
    assert_eq!(stale.count, 1);
    let names: Vec<&str> = stale.witnesses[0]
        .transactions
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(names, ["T1", "T3"]);
    let text = &stale.witnesses[0].explanation[0];
    assert!(
        text.starts_with("T3 began at ")
            && text
                .contains("read key 1 = [], without 1, which T1 appended and had acknowledged at"),
        "{text}"
    );
    assert_eq!(b.check(Model::Serializable).verdict, Verdict::Valid);
    assert!(!Model::Serializable.forbids(StaleRead));
    assert!(Model::StrictSerializable.forbids(StaleRead));

    // Concurrent with the append, the same read is not stale.
    let mut b = concurrent(&[ok("a 1 1"), ok("r 1 -")]);
    b.ok(2, "r 1 1");
    assert_eq!(kinds(&b.check(Model::StrictSerializable)), []);
}

#[test]
fn every_stale_read_is_counted_and_one_that_saw_the_latest_acknowledged_write_is_not() {
    // Two appends acknowledged in turn; then three reads: one missing
    // both, one missing the second, one with both.
    let mut b = Builder::new();
    b.ok(0, "a 1 1").ok(0, "a 1 2");
    b.ok(1, "r 1 -").ok(2, "r 1 1").ok(3, "r 1 1,2");
    let r = b.check(Model::StrictSerializable);
    assert_eq!(r.anomalies[&StaleRead].count, 2);
    // Without real-time order, none is looked for.
    let mut options = CheckOptions::for_model(Model::StrictSerializable);
    options.real_time = false;
    assert!(!kinds(&check(&b.history, &options)).contains(&StaleRead));
}

#[test]
fn a_read_missing_a_version_acknowledged_before_a_later_acknowledged_earlier_one_is_stale() {
    // Key 1's order is [1, 2], but 2 was acknowledged first (t=30) and 1
    // later (t=40). A read begun after both that holds [1] misses 2.
    let mut b = Builder::new();
    b.invoke(0, "a 1 1").invoke(1, "a 1 2");
    b.end(1, OpType::Ok, "a 1 2").end(0, OpType::Ok, "a 1 1");
    b.ok(2, "r 1 1").ok(3, "r 1 1,2");
    let r = b.check(Model::StrictSerializable);
    assert_eq!(r.anomalies[&StaleRead].count, 1, "{:?}", kinds(&r));
    let text = &r.anomalies[&StaleRead].witnesses[0].explanation[0];
    assert!(text.contains("without 2"), "{text}");
}

#[test]
fn incompatible_orders_and_compatible_ones() {
    let mut b = concurrent(&[ok("a 1 1"), ok("a 1 2"), ok("a 1 3")]);
    b.ok(7, "r 1 1,2").ok(8, "r 1 1,3");
    let r = b.check(Model::ReadCommitted);
    assert!(kinds(&r).contains(&IncompatibleOrder));
    // Where the two reads part: after their common first element, one has
    // 2 (or 3) where the other has 3 (or 2).
    let why = r.anomalies[&IncompatibleOrder].witnesses[0]
        .explanation
        .join(" ");
    assert!(
        why.contains("both begin with the same 1 elements, then one has "),
        "{why}"
    );
    assert!(
        why.contains("has 3 where the other has 2") || why.contains("has 2 where the other has 3"),
        "{why}"
    );
    // One read a prefix of the other's, then nothing where the other goes on.
    let mut b = concurrent(&[ok("a 1 1"), ok("a 1 2")]);
    b.ok(7, "r 1 2").ok(8, "r 1 1,2");
    let r = b.check(Model::ReadCommitted);
    let why = r.anomalies[&IncompatibleOrder].witnesses[0]
        .explanation
        .join(" ");
    assert!(why.contains("the same 0 elements"), "{why}");

    let b = concurrent(&[ok("a 1 1"), ok("a 1 2"), ok("r 1 1"), ok("r 1 1,2")]);
    assert_eq!(kinds(&b.check(Model::StrictSerializable)), []);
}

#[test]
fn a_committed_append_after_an_aborted_one_is_a_dirty_update() {
    let mut b = concurrent(&[("a 1 1", OpType::Fail), ok("a 1 2")]);
    b.ok(9, "r 1 1,2");
    let found = kinds(&b.check(Model::ReadCommitted));
    assert!(
        found.contains(&DirtyUpdate) && found.contains(&G1a),
        "{found:?}"
    );

    let mut b = concurrent(&[("a 1 1", OpType::Fail), ok("a 1 2")]);
    b.ok(9, "r 1 2");
    assert_eq!(kinds(&b.check(Model::ReadCommitted)), []);
}

#[test]
fn duplicate_elements_are_found() {
    let mut b = Builder::new();
    b.ok(0, "a 1 1").ok(1, "r 1 1,1");
    assert_eq!(kinds(&b.check(Model::ReadUncommitted)), [DuplicateElements]);
    assert_eq!(b.check(Model::ReadUncommitted).verdict, Verdict::Invalid);
}

#[test]
fn internal_inconsistency_and_future_reads() {
    // Does not see its own append.
    let mut b = Builder::new();
    b.ok(0, "a 1 1; r 1 -").ok(1, "r 1 1");
    assert_eq!(kinds(&b.check(Model::Serializable)), [Internal]);
    // Reads change between two reads with nothing of its own between.
    let mut b = Builder::new();
    b.ok(2, "a 1 1").ok(0, "r 1 -; r 1 1");
    assert!(kinds(&b.check(Model::Serializable)).contains(&Internal));
    // Sees an element it appends only afterwards.
    let mut b = Builder::new();
    b.ok(0, "r 1 1; a 1 1");
    assert!(kinds(&b.check(Model::Serializable)).contains(&Internal));
    // Sees exactly its own appends after what it read.
    let mut b = Builder::new();
    b.ok(2, "a 1 1")
        .ok(0, "r 1 1; a 1 2; r 1 1,2; a 1 3; r 1 1,2,3");
    assert_eq!(kinds(&b.check(Model::Serializable)), []);
    // Snapshot isolation forbids it, repeatable read (per Elle) does not.
    assert!(Model::SnapshotIsolation.forbids(Internal));
    assert!(!Model::RepeatableRead.forbids(Internal));
}

#[test]
fn an_acknowledged_append_no_later_read_holds_is_lost() {
    let mut b = Builder::new();
    b.ok(0, "a 1 1").ok(1, "r 1 -");
    let r = b.check(Model::ReadUncommitted);
    assert!(kinds(&r).contains(&LostAppend), "{:?}", kinds(&r));
    assert_eq!(r.verdict, Verdict::Invalid);

    // A read that began before the acknowledgement is no evidence.
    let b = concurrent(&[ok("a 1 1"), ok("r 1 -")]);
    assert_eq!(kinds(&b.check(Model::ReadUncommitted)), []);
    // Nor is an append that a later read holds.
    let mut b = Builder::new();
    b.ok(0, "a 1 1").ok(1, "r 1 1");
    assert_eq!(kinds(&b.check(Model::StrictSerializable)), []);
}

#[test]
fn an_unknown_outcome_adds_edges_only_once_its_write_is_seen() {
    // T1's outcome is unknown and nobody saw its append: a read that
    // misses it proves nothing (it may never have committed).
    let mut b = Builder::new();
    b.txn(0, OpType::Info, "a 1 1").ok(1, "r 1 -");
    assert_eq!(kinds(&b.check(Model::StrictSerializable)), []);
    assert_eq!(b.check(Model::StrictSerializable).transactions.info, 1);

    // Once a read shows it, it committed, and its edges count: here a G1c
    // with the unknown transaction on the cycle.
    let mut b = concurrent(&[("a 1 1; r 2 -", OpType::Info), ok("a 2 2; r 1 1")]);
    b.ok(9, "r 2 2");
    // T1's read is unknown, so only T1 -wr-> T2 is known: no cycle.
    assert_eq!(kinds(&b.check(Model::Serializable)), []);
    let b = concurrent(&[("a 1 1; a 2 1", OpType::Info), ok("a 2 2; r 1 1")]);
    let mut b2 = b;
    b2.ok(9, "r 2 2,1");
    // Key 2 shows T2 then T1 (ww T2 -> T1), key 1 read by T2 (wr T1 -> T2).
    assert_eq!(kinds(&b2.check(Model::ReadCommitted)), [G1c]);
}

#[test]
fn an_invocation_that_never_completes_counts_as_unknown() {
    let mut b = Builder::new();
    b.invoke(0, "a 1 1").ok(1, "r 1 1");
    let r = b.check(Model::Serializable);
    assert_eq!(r.transactions.info, 1);
    assert_eq!(r.verdict, Verdict::Valid);
}

#[test]
fn models_form_the_published_hierarchy() {
    // Each stronger model forbids at least what the weaker ones forbid
    // (Elle's model graph: serializable implies repeatable read and
    // snapshot isolation, both imply read committed).
    let implies = [
        (Model::ReadCommitted, Model::ReadUncommitted),
        (Model::RepeatableRead, Model::ReadCommitted),
        (Model::SnapshotIsolation, Model::ReadCommitted),
        (Model::Serializable, Model::RepeatableRead),
        (Model::Serializable, Model::SnapshotIsolation),
        (Model::StrictSerializable, Model::Serializable),
    ];
    for (strong, weak) in implies {
        for kind in AnomalyKind::ALL {
            assert!(
                !weak.forbids(kind) || strong.forbids(kind),
                "{weak} forbids {kind} but {strong} does not"
            );
        }
    }
    // And the distinctions the sources draw.
    assert!(Model::RepeatableRead.forbids(G2Item) && !Model::SnapshotIsolation.forbids(G2Item));
    assert!(Model::SnapshotIsolation.forbids(GNonadjacent));
    assert!(!Model::Serializable.forbids(GSingleRealtime));
    assert!(Model::StrictSerializable.forbids(GSingleRealtime));
    assert!(!Model::ReadCommitted.forbids(GSingle));
    for kind in AnomalyKind::ALL {
        assert_eq!(
            kind.is_session_or_realtime(),
            kind.name().ends_with("-process") || kind.name().ends_with("-realtime")
        );
    }
}

#[test]
fn without_real_time_a_stale_read_is_not_reported_and_without_times_it_is_said() {
    let mut b = Builder::new();
    b.ok(0, "a 1 1").ok(1, "r 1 -").ok(2, "r 1 1");
    let mut options = CheckOptions::for_model(Model::StrictSerializable);
    options.real_time = false;
    let r = check(&b.history, &options);
    assert_eq!(kinds(&r), []);
    assert!(r.notes.is_empty(), "{:?}", r.notes);

    // The same history with no times: real-time order cannot be checked,
    // and the report says so instead of passing silently.
    let mut untimed = b.history.clone();
    for op in &mut untimed.ops {
        op.time = None;
    }
    let r = check(
        &untimed,
        &CheckOptions::for_model(Model::StrictSerializable),
    );
    assert_eq!(kinds(&r), []);
    assert_eq!(
        r.notes,
        ["the history has no times for some operations: real-time order was not checked"]
    );
    // Times everywhere: no such note.
    let r = check(
        &b.history,
        &CheckOptions::for_model(Model::StrictSerializable),
    );
    assert!(r.notes.is_empty(), "{:?}", r.notes);
}

#[test]
fn a_search_given_up_leaves_the_verdict_unknown_never_valid() {
    let mut b = concurrent(&[ok("a 1 1; a 2 1"), ok("a 1 2; r 2 -")]);
    b.ok(9, "r 1 1,2; r 2 1");
    let mut options = CheckOptions::for_model(Model::Serializable);
    options.cycle_search_timeout = Duration::ZERO;
    let r = check(&b.history, &options);
    assert_eq!(kinds(&r), [], "nothing found in no time");
    assert_eq!(r.verdict, Verdict::Unknown);
    assert_eq!(
        r.incomplete[0],
        "the search for G0 cycles in a component of 2 transactions stopped after 0ns"
    );
    // Every kind whose search was given up is named.
    assert!(
        r.incomplete
            .iter()
            .any(|m| m.contains("for G-single cycles")),
        "{:?}",
        r.incomplete
    );
}

#[test]
fn the_graph_counts_only_transactions_that_may_have_committed() {
    let mut b = Builder::new();
    b.ok(0, "a 1 1")
        .txn(1, OpType::Fail, "a 1 2")
        .txn(2, OpType::Info, "a 1 3")
        .ok(3, "r 1 1");
    let r = b.check(Model::Serializable);
    assert_eq!(r.graph.transactions, 3);
    assert_eq!(
        r.transactions,
        TxnCounts {
            ok: 2,
            fail: 1,
            info: 1
        }
    );
    // T1 -wr-> T4, and process/real-time order: no cycle.
    assert_eq!(r.graph.cyclic_components, 0);
    assert!(r.graph.edges >= 1);
}

#[test]
fn the_human_report_and_junit_name_the_anomaly_its_witness_and_the_verdict() {
    let mut b = concurrent(&[ok("a 1 1; a 2 1"), ok("a 1 2; a 2 2")]);
    b.ok(9, "r 1 1,2; r 2 2,1");
    let r = b.check(Model::ReadUncommitted);
    let text = r.to_human();
    for part in [
        "transactions: 3 ok, 0 failed, 0 unknown\n",
        "G0: 1 found (forbidden by read-uncommitted)\n",
        "  witness 1:\n",
        "append 1 to 1; append 1 to 2",
        "\nsatisfies: none\nviolates: read-uncommitted, read-committed",
    ] {
        assert!(text.contains(part), "{part:?} in\n{text}");
    }
    assert!(
        text.ends_with("verdict for read-uncommitted: INVALID\n"),
        "{text}"
    );
    let xml = r.to_junit("consistency", "check");
    assert!(xml.contains("<failure") && xml.contains("G0"), "{xml}");

    let mut b = concurrent(&[ok("a 1 1")]);
    b.ok(9, "r 1 1");
    let text = b.check(Model::StrictSerializable).to_human();
    assert!(text.contains("anomalies: none\n"), "{text}");
    assert!(text.contains("\nviolates: none\n"), "{text}");
    assert!(
        text.ends_with("verdict for strict-serializable: valid\n"),
        "{text}"
    );
}

#[test]
fn witnesses_past_the_shown_few_are_counted_not_listed() {
    let shown = crate::checker::WITNESSES_PER_KIND;
    let report_with = |reads: usize| {
        let mut b = Builder::new();
        b.txn(0, OpType::Fail, "a 1 1");
        for p in 1..=reads {
            b.ok(p as u64, "r 1 1");
        }
        b.check(Model::ReadCommitted)
    };
    let r = report_with(shown + 2);
    assert_eq!(r.anomalies[&G1a].count, shown + 2);
    assert_eq!(r.anomalies[&G1a].witnesses.len(), shown);
    assert!(
        r.to_human().contains("  (2 more not shown)\n"),
        "{}",
        r.to_human()
    );
    let r = report_with(shown);
    assert_eq!(r.anomalies[&G1a].count, shown);
    assert!(!r.to_human().contains("more not shown"), "{}", r.to_human());
}

#[test]
fn a_later_read_of_a_key_is_judged_as_internal_not_as_an_intermediate_read() {
    // T0 appends 1 then 2. T1 reads the final state [1, 2], then [1]: its
    // second read disagrees with its first, an internal anomaly. Only a
    // transaction's first contact with a key shows another's state (an
    // external read), so the [1] is not also a read of T0's intermediate
    // state.
    let b = concurrent(&[ok("a 1 1; a 1 2"), ok("r 1 1,2; r 1 1")]);
    assert_eq!(kinds(&b.check(Model::ReadCommitted)), [Internal]);
}

#[test]
fn a_long_read_holding_an_element_twice_is_found() {
    // Over 32 elements, with 7 read twice.
    let appends: Vec<String> = (1..=40).map(|e| format!("a 1 {e}")).collect();
    let mut read: Vec<String> = (1..=40).map(|e| e.to_string()).collect();
    read.insert(20, "7".into());
    let mut b = Builder::new();
    b.ok(0, &appends.join("; "))
        .ok(1, &format!("r 1 {}", read.join(",")));
    assert_eq!(kinds(&b.check(Model::ReadUncommitted)), [DuplicateElements]);
    // The same read without the repeat is clean.
    read.remove(20);
    let mut b = Builder::new();
    b.ok(0, &appends.join("; "))
        .ok(1, &format!("r 1 {}", read.join(",")));
    assert_eq!(kinds(&b.check(Model::StrictSerializable)), []);
}

#[test]
fn of_two_equally_long_conflicting_reads_the_first_gives_the_order() {
    // T5 and T7 read the same two elements in opposite orders. The key's
    // order is the first longest read, T5's, so T7's is the one that
    // does not fit it.
    let mut b = concurrent(&[ok("a 1 1"), ok("a 1 2")]);
    b.ok(2, "r 1 1,2").ok(3, "r 1 2,1");
    let r = b.check(Model::ReadCommitted);
    let why = r.anomalies[&IncompatibleOrder].witnesses[0]
        .explanation
        .join(" ");
    assert!(
        why.starts_with("T7 read key 1 = [2, 1] and T5 read key 1 = [1, 2]"),
        "{why}"
    );
}

#[test]
fn a_lost_append_is_shown_by_the_latest_read_and_says_when_in_milliseconds() {
    // A read before the acknowledgement, the append (acknowledged at
    // 3 ms), and a read that began at 5 ms and still misses it. The early
    // read comes first in the history; the late one is the evidence.
    let mut b = Builder::new();
    b.clock = 999_990;
    b.ok(0, "r 1 -");
    b.clock = 1_999_990;
    b.invoke(1, "a 1 1");
    b.clock = 2_999_990;
    b.end(1, OpType::Ok, "a 1 1");
    b.clock = 4_999_990;
    b.ok(2, "r 1 -");
    let r = b.check(Model::ReadUncommitted);
    assert!(kinds(&r).contains(&LostAppend), "{:?}", kinds(&r));
    let why = r.anomalies[&LostAppend].witnesses[0].explanation.join(" ");
    assert!(
        why.contains("acknowledged at 3.000 ms") && why.contains("began at 5.000 ms"),
        "{why}"
    );
}

#[test]
fn a_read_that_began_at_the_instant_of_the_acknowledgement_is_not_stale() {
    // Real-time order needs one transaction to end strictly before the
    // other begins: an append acknowledged at 30 ns and a read invoked at
    // 30 ns are concurrent, so the read may miss it.
    let mut b = Builder::new();
    b.invoke(0, "a 1 1");
    b.clock = 20;
    b.end(0, OpType::Ok, "a 1 1");
    b.clock = 20;
    b.invoke(1, "r 1 -").end(1, OpType::Ok, "r 1 -");
    b.ok(2, "r 1 1");
    assert_eq!(b.history.ops[1].time, b.history.ops[2].time);
    assert_eq!(kinds(&b.check(Model::StrictSerializable)), []);
}

#[test]
fn a_stale_read_names_the_node_of_each_session() {
    let mut b = Builder::new();
    b.ok(0, "a 1 1").ok(1, "r 1 -").ok(2, "r 1 1");
    let nodes = ["n1", "n1", "n3", "n3", "n2", "n2"];
    for (op, node) in b.history.ops.iter_mut().zip(nodes) {
        op.node = Some(node.into());
    }
    let r = b.check(Model::StrictSerializable);
    let text = &r.anomalies[&StaleRead].witnesses[0].explanation[0];
    assert!(
        text.starts_with("T3 (on n3) began at ") && text.contains("which T1 (on n1) appended"),
        "{text}"
    );
}
