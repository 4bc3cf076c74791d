//! The checker's report: counts, anomalies with their witnesses, the
//! models the history satisfies, the verdict, and how it reads as text.

use super::findings::{Findings, KindFindings};
use super::model::{AnomalyKind, Model};
use super::txns::Txn;
use crate::history::OpType;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Whether the history satisfies the expected model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No anomaly the model forbids.
    Valid,
    /// At least one anomaly the model forbids.
    Invalid,
    /// None found, but a search for a forbidden kind was given up.
    Unknown,
}

/// How the transactions ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TxnCounts {
    /// Committed.
    pub ok: usize,
    /// Certainly not committed.
    pub fail: usize,
    /// Outcome unknown.
    pub info: usize,
}

/// The size of the dependency graph.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GraphStats {
    /// Transactions that may have committed (its nodes).
    pub transactions: usize,
    /// Distinct ordered pairs with an edge.
    pub edges: usize,
    /// Strongly connected components with a cycle.
    pub cyclic_components: usize,
    /// The largest of them, in transactions.
    pub largest_component: usize,
}

/// What a check found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// The model the history was checked against.
    pub model: Model,
    /// Whether it satisfies it.
    pub verdict: Verdict,
    /// How the transactions ended.
    pub transactions: TxnCounts,
    /// The kinds found, in report order.
    pub anomaly_types: Vec<AnomalyKind>,
    /// Each kind found: its count and first witnesses.
    pub anomalies: BTreeMap<AnomalyKind, KindFindings>,
    /// The models the history still satisfies, weakest first.
    pub satisfied: Vec<Model>,
    /// The models it violates.
    pub violated: Vec<Model>,
    /// Searches given up, which leave the verdict open for some models.
    pub incomplete: Vec<String>,
    /// What could not be checked, and why.
    pub notes: Vec<String>,
    /// The dependency graph's size.
    pub graph: GraphStats,
    /// How long the check took.
    #[serde(serialize_with = "seconds")]
    pub elapsed: Duration,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

pub(super) struct Parts<'a> {
    pub(super) txns: &'a [Txn<'a>],
    pub(super) findings: Findings,
    pub(super) model: Model,
    pub(super) incomplete: Vec<(AnomalyKind, String)>,
    pub(super) notes: Vec<String>,
    pub(super) graph: GraphStats,
    pub(super) elapsed: Duration,
}

impl TxnCounts {
    /// Counts one transaction that ended as `kind` (an invocation that
    /// never ended counts as unknown).
    pub(super) fn add(&mut self, kind: OpType) {
        match kind {
            OpType::Ok => self.ok += 1,
            OpType::Fail => self.fail += 1,
            _ => self.info += 1,
        }
    }
}

pub(super) fn build(parts: Parts<'_>) -> CheckReport {
    let mut counts = TxnCounts::default();
    for t in parts.txns {
        counts.add(t.kind);
    }
    finish(counts, parts)
}

/// The report of `parts`, with the transactions already counted.
pub(super) fn finish(counts: TxnCounts, parts: Parts<'_>) -> CheckReport {
    let found: Vec<AnomalyKind> = parts.findings.by_kind.keys().copied().collect();
    let violates = |m: Model| found.iter().any(|k| m.forbids(*k));
    let (violated, satisfied): (Vec<Model>, Vec<Model>) =
        Model::ALL.into_iter().partition(|m| violates(*m));
    let open = parts
        .incomplete
        .iter()
        .any(|(kind, _)| parts.model.forbids(*kind));
    let verdict = if violates(parts.model) {
        Verdict::Invalid
    } else if open {
        Verdict::Unknown
    } else {
        Verdict::Valid
    };
    CheckReport {
        model: parts.model,
        verdict,
        transactions: counts,
        anomaly_types: found,
        anomalies: parts.findings.by_kind,
        satisfied,
        violated,
        incomplete: parts.incomplete.into_iter().map(|(_, m)| m).collect(),
        notes: parts.notes,
        graph: parts.graph,
        elapsed: parts.elapsed,
    }
}

fn names(models: &[Model]) -> String {
    if models.is_empty() {
        return "none".into();
    }
    models
        .iter()
        .map(|m| m.name())
        .collect::<Vec<_>>()
        .join(", ")
}

impl CheckReport {
    /// The report as text: the verdict, each anomaly kind with its
    /// witnesses explained, and the models satisfied.
    pub fn to_human(&self) -> String {
        let mut out = String::new();
        let t = &self.transactions;
        out.push_str(&format!(
            "transactions: {} ok, {} failed, {} unknown\n",
            t.ok, t.fail, t.info
        ));
        if self.anomalies.is_empty() {
            out.push_str("anomalies: none\n");
        }
        for (kind, found) in &self.anomalies {
            let forbidden = if self.model.forbids(*kind) {
                format!(" (forbidden by {})", self.model)
            } else {
                String::new()
            };
            out.push_str(&format!("\n{kind}: {} found{forbidden}\n", found.count));
            for (i, w) in found.witnesses.iter().enumerate() {
                out.push_str(&format!("  witness {}:\n", i + 1));
                for txn in &w.transactions {
                    let node = txn
                        .node
                        .as_ref()
                        .map_or(String::new(), |n| format!(", on {n}"));
                    out.push_str(&format!(
                        "    {} (process {}, {}{node}): {}\n",
                        txn.name,
                        txn.process,
                        txn.outcome.as_str(),
                        txn.ops
                    ));
                }
                for line in &w.explanation {
                    out.push_str(&format!("    - {line}\n"));
                }
                if let Some(diagram) = &w.mermaid {
                    out.push_str("    mermaid:\n");
                    for line in diagram.lines() {
                        out.push_str(&format!("      {line}\n"));
                    }
                }
            }
            if found.count > found.witnesses.len() {
                out.push_str(&format!(
                    "  ({} more not shown)\n",
                    found.count - found.witnesses.len()
                ));
            }
        }
        for note in self.notes.iter().chain(&self.incomplete) {
            out.push_str(&format!("note: {note}\n"));
        }
        out.push_str(&format!(
            "\nsatisfies: {}\nviolates: {}\n",
            names(&self.satisfied),
            names(&self.violated)
        ));
        let verdict = match self.verdict {
            Verdict::Valid => "valid",
            Verdict::Invalid => "INVALID",
            Verdict::Unknown => "unknown (a search was given up; see the notes)",
        };
        out.push_str(&format!("verdict for {}: {verdict}\n", self.model));
        out
    }
}

impl CheckReport {
    /// The verdict as JUnit XML: one test case, `name`, that fails with
    /// the forbidden anomalies (or errs when the verdict is unknown).
    pub fn to_junit(&self, suite: &str, name: &str) -> String {
        use crate::junit;
        let forbidden: Vec<&str> = self
            .anomaly_types
            .iter()
            .filter(|k| self.model.forbids(**k))
            .map(|k| k.name())
            .collect();
        let status = match self.verdict {
            Verdict::Invalid => junit::failure(
                &format!("violates {}: {}", self.model, forbidden.join(", ")),
                &self.to_human(),
            ),
            Verdict::Unknown => junit::error(
                "the check could not finish; the verdict is unknown",
                &self.incomplete.join("\n"),
            ),
            Verdict::Valid => junit::passed(),
        };
        // The check runs as the report is written.
        let mut doc = junit::suite_ended_now(suite, self.elapsed);
        doc.add_test_case(junit::case(
            &junit::classname(&[suite]),
            name,
            Some(self.elapsed),
            status,
        ));
        junit::document(doc)
    }
}
