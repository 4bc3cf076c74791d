//! Why each edge of a cycle holds, in a sentence a person can check
//! against the history, and the cycle drawn as a Mermaid flowchart.

use super::cycles::Cycle;
use super::findings::{read_text, Anomaly, TxnSummary};
use super::graph::{edge_name, PROCESS, REALTIME, RW, WR, WW};
use super::model::AnomalyKind;
use super::observe::{external_reads, millis, Observations};
use super::txns::Txn;
use crate::history::Mop;

fn appended_by<'h>(txn: &Txn<'h>) -> impl Iterator<Item = (i64, i64)> + 'h {
    txn.mops.iter().filter_map(|m| match m {
        Mop::Append { key, element } => Some((*key, *element)),
        _ => None,
    })
}

fn ww(a: usize, b: usize, txns: &[Txn], o: &Observations) -> String {
    let (ta, tb) = (&txns[a].name(), &txns[b].name());
    for (key, element) in appended_by(&txns[a]) {
        let Some(&at) = o.position.get(&(key, element)) else {
            continue;
        };
        let Some(order) = o.order.get(&key) else {
            continue;
        };
        if let Some(next) = order.get(at + 1) {
            if o.writer.get(&(key, *next)) == Some(&b) {
                return format!(
                    "{tb} appended {next} to key {key} right after {ta}'s {element} (key {key}'s versions: {}), so {ta} < {tb}",
                    around(order, at)
                );
            }
        }
    }
    format!("{tb} overwrote a version {ta} wrote, so {ta} < {tb}")
}

fn wr(a: usize, b: usize, txns: &[Txn], o: &Observations) -> String {
    let (ta, tb) = (&txns[a].name(), &txns[b].name());
    for (key, list) in external_reads(&txns[b]) {
        if let Some(last) = list.last() {
            if o.writer.get(&(key, *last)) == Some(&a) {
                return format!(
                    "{tb} read {ta}'s append of {last} to key {key} ({}), so {ta} < {tb}",
                    read_text(key, list)
                );
            }
        }
    }
    format!("{tb} read a version {ta} wrote, so {ta} < {tb}")
}

fn rw(a: usize, b: usize, txns: &[Txn], o: &Observations) -> String {
    let (ta, tb) = (&txns[a].name(), &txns[b].name());
    for (key, list) in external_reads(&txns[a]) {
        let next = o.order.get(&key).and_then(|order| order.get(list.len()));
        if let Some(next) = next {
            if o.writer.get(&(key, *next)) == Some(&b) {
                return format!(
                    "{ta} read {}, which misses {tb}'s append of {next} that comes next, so {ta} < {tb}",
                    read_text(key, list)
                );
            }
        }
    }
    format!("{ta} read a version that {tb} overwrote, so {ta} < {tb}")
}

/// `[…, 4, 5, 6, …]`: the versions at `at` and `at + 1` with one on each
/// side, so that a long order still shows the pair that matters.
fn around(order: &[i64], at: usize) -> String {
    let from = at.saturating_sub(1);
    let to = (at + 3).min(order.len());
    let items: Vec<String> = order[from..to].iter().map(i64::to_string).collect();
    format!(
        "[{}{}{}]",
        if from > 0 { "…, " } else { "" },
        items.join(", "),
        if to < order.len() { ", …" } else { "" }
    )
}

/// The sentence that justifies the edge `a -> b` of type `bit`.
pub(crate) fn edge(a: usize, b: usize, bit: u8, txns: &[Txn], o: &Observations) -> String {
    let (ta, tb) = (&txns[a], &txns[b]);
    match bit {
        WW => ww(a, b, txns, o),
        WR => wr(a, b, txns, o),
        RW => rw(a, b, txns, o),
        PROCESS => format!(
            "{} and {} ran on process {}, {} first, so {} < {}",
            ta.name(),
            tb.name(),
            ta.process,
            ta.name(),
            ta.name(),
            tb.name()
        ),
        _ => format!(
            "{} was acknowledged at {}, before {} began at {}, so {} < {}",
            ta.name(),
            ta.complete_time.map_or("?".into(), millis),
            tb.name(),
            tb.invoke_time.map_or("?".into(), millis),
            ta.name(),
            tb.name()
        ),
    }
}

/// The cycle as a Mermaid flowchart, each edge labelled with its type.
pub(crate) fn mermaid(cycle: &Cycle, txns: &[Txn]) -> String {
    let mut text = String::from("flowchart LR\n");
    for &(a, b, bit) in cycle {
        text.push_str(&format!(
            "  {} -->|{}| {}\n",
            txns[a].name(),
            edge_name(bit),
            txns[b].name()
        ));
    }
    text
}

/// The anomaly a cycle makes.
pub(crate) fn cycle_anomaly(
    kind: AnomalyKind,
    cycle: &Cycle,
    txns: &[Txn],
    o: &Observations,
) -> Anomaly {
    let mut explanation: Vec<String> = cycle
        .iter()
        .map(|&(a, b, bit)| edge(a, b, bit, txns, o))
        .collect();
    let first = txns[cycle[0].0].name();
    explanation.push(format!(
        "so {first} < {first}: a cycle, which no order of the transactions allows"
    ));
    Anomaly {
        kind,
        transactions: cycle
            .iter()
            .map(|&(a, _, _)| TxnSummary::of(&txns[a]))
            .collect(),
        explanation,
        mermaid: Some(mermaid(cycle, txns)),
    }
}

/// Whether the cycle uses a real-time edge (else only process ones).
pub(crate) fn uses_realtime(cycle: &Cycle) -> bool {
    cycle.iter().any(|&(_, _, bit)| bit == REALTIME)
}
