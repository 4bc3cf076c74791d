//! What the checker found, kind by kind: a count and the first few
//! witnesses of each (a history with thousands of the same anomaly needs a
//! handful explained, not all of them).

use super::model::AnomalyKind;
use super::txns::Txn;
use crate::history::{list_text, Mop, OpType};
use serde::Serialize;
use std::collections::BTreeMap;

/// A transaction with more micro-operations (a final read of every key)
/// is summarized by counts instead.
const MOPS_SHOWN: usize = 6;

/// Lists longer than this are shortened in explanations.
const ELEMENTS_SHOWN: usize = 12;

/// How many witnesses of each kind a report keeps.
pub const WITNESSES_PER_KIND: usize = 5;

/// A transaction named in a witness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TxnSummary {
    /// `T` and the index of the operation that ended it.
    pub name: String,
    /// Its process.
    pub process: u64,
    /// `ok`, `fail` or `info`; `type` in JSON, as a history's operations
    /// say it, and as `outcome` is only ever how a run ended.
    #[serde(rename = "type")]
    pub outcome: OpType,
    /// What it did, e.g. `append 5 to 3; read 4 = [1, 2]`.
    pub ops: String,
    /// The server (a cluster's node) its session was on, when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
}

impl TxnSummary {
    pub(crate) fn of(txn: &Txn) -> Self {
        let ops = if txn.mops.len() <= MOPS_SHOWN {
            let ops: Vec<String> = txn.mops.iter().map(mop_text).collect();
            ops.join("; ")
        } else {
            let reads = txn
                .mops
                .iter()
                .filter(|m| matches!(m, Mop::Read { .. }))
                .count();
            format!(
                "{reads} reads and {} appends (the explanation quotes those that matter)",
                txn.mops.len() - reads
            )
        };
        TxnSummary {
            name: txn.name(),
            process: txn.process,
            outcome: txn.kind,
            ops,
            node: txn.node.map(str::to_string),
        }
    }
}

/// One anomaly, with what proves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anomaly {
    /// Its kind.
    pub kind: AnomalyKind,
    /// The transactions involved, in the order the explanation uses them.
    pub transactions: Vec<TxnSummary>,
    /// Why it is one, a sentence per step: for a cycle, one per edge
    /// ("T2 read T1's append of 5 to key 3, so T1 < T2").
    pub explanation: Vec<String>,
    /// A cycle drawn as a Mermaid flowchart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mermaid: Option<String>,
}

/// All anomalies of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindFindings {
    /// How many were found (cycles: one per strongly connected component).
    pub count: usize,
    /// The first [`WITNESSES_PER_KIND`] of them, explained.
    pub witnesses: Vec<Anomaly>,
}

/// Everything found, by kind.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub(crate) by_kind: BTreeMap<AnomalyKind, KindFindings>,
}

impl Findings {
    /// Counts one anomaly of `kind`, explaining it with `witness` while
    /// fewer than [`WITNESSES_PER_KIND`] of its kind are explained.
    pub(crate) fn add(&mut self, kind: AnomalyKind, witness: impl FnOnce() -> Anomaly) {
        let entry = self.by_kind.entry(kind).or_insert(KindFindings {
            count: 0,
            witnesses: Vec::new(),
        });
        entry.count += 1;
        if entry.witnesses.len() < WITNESSES_PER_KIND {
            entry.witnesses.push(witness());
        }
    }
}

/// An anomaly that is not a cycle: `txns` and what they did.
pub(crate) fn plain(kind: AnomalyKind, txns: &[&Txn], explanation: String) -> Anomaly {
    Anomaly {
        kind,
        transactions: txns.iter().map(|t| TxnSummary::of(t)).collect(),
        explanation: vec![explanation],
        mermaid: None,
    }
}

/// `[1, 2, 3]`, or `[1, 2, 3, … 40 more …, 98, 99]` for a long list.
pub(crate) fn short_list(list: &[i64]) -> String {
    if list.len() <= ELEMENTS_SHOWN {
        return list_text(list);
    }
    let head = &list[..3];
    let tail = &list[list.len() - 3..];
    let text = |part: &[i64]| {
        part.iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "[{}, … {} more …, {}]",
        text(head),
        list.len() - 6,
        text(tail)
    )
}

/// `append 5 to 3`, `read 4 = [1, 2]`, long lists shortened.
fn mop_text(mop: &Mop) -> String {
    match mop {
        Mop::Read {
            key,
            list: Some(list),
        } => format!("read {key} = {}", short_list(list)),
        other => other.to_string(),
    }
}

/// `key 3 = [1, 2]`.
pub(crate) fn read_text(key: i64, list: &[i64]) -> String {
    format!("key {key} = {}", short_list(list))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_shows_its_first_three_its_last_three_and_how_many_between() {
        let list: Vec<i64> = (1..=100).collect();
        assert_eq!(short_list(&list), "[1, 2, 3, … 94 more …, 98, 99, 100]");
        let twelve: Vec<i64> = (1..=12).collect();
        assert_eq!(short_list(&twelve), list_text(&twelve));
        let thirteen: Vec<i64> = (1..=13).collect();
        assert_eq!(short_list(&thirteen), "[1, 2, 3, … 7 more …, 11, 12, 13]");
    }
}
