//! Checks a bank history: transfers only move money between accounts, so
//! every committed read of all balances must add up to the total the run
//! started with, and (as transfers refuse to overdraw) none may be
//! negative. As Jepsen's bank checker does.

use super::findings::{Anomaly, Findings, TxnSummary};
use super::model::{AnomalyKind, Model};
use super::report::{finish, CheckReport, GraphStats, Parts, TxnCounts};
use crate::history::{BankHistory, BankOp, BankValue, OpType};
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

fn balances_text(balances: &BTreeMap<i64, i64>) -> String {
    let pairs: Vec<String> = balances.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("{{{}}}", pairs.join(", "))
}

/// The anomaly `kind` shown by `op`'s read of `balances`.
fn witness(kind: AnomalyKind, op: &BankOp, balances: &BTreeMap<i64, i64>, why: String) -> Anomaly {
    Anomaly {
        kind,
        transactions: vec![TxnSummary {
            name: super::txns::transaction_name(op.index),
            process: op.process,
            outcome: op.kind,
            ops: format!("read {}", balances_text(balances)),
            node: op.node.clone(),
        }],
        explanation: vec![why],
        mermaid: None,
    }
}

/// Checks `history` against `model`, every read against `total`.
pub fn check_bank(history: &BankHistory, total: i64, model: Model) -> CheckReport {
    let started = Instant::now();
    let mut counts = TxnCounts::default();
    let mut open: HashMap<u64, usize> = HashMap::new();
    let mut findings = Findings::default();
    for op in &history.ops {
        if op.kind == OpType::Invoke {
            open.insert(op.process, 0);
            continue;
        }
        if open.remove(&op.process).is_some() {
            counts.add(op.kind);
        }
        let (OpType::Ok, BankValue::Read(Some(balances))) = (op.kind, &op.value) else {
            continue;
        };
        let sum: i64 = balances.values().sum();
        if sum != total {
            let why = format!(
                "T{} read balances that add up to {sum}, not {total}: transfers only move money, so some of one was missed or lost",
                op.index
            );
            findings.add(AnomalyKind::WrongTotal, || {
                witness(AnomalyKind::WrongTotal, op, balances, why)
            });
        }
        if let Some((account, balance)) = balances.iter().find(|(_, b)| **b < 0) {
            let why = format!(
                "T{} read account {account} at {balance}: a transfer refuses to overdraw, so two debits must have missed each other",
                op.index
            );
            findings.add(AnomalyKind::NegativeBalance, || {
                witness(AnomalyKind::NegativeBalance, op, balances, why)
            });
        }
    }
    counts.info += open.len();
    finish(
        counts,
        Parts {
            txns: &[],
            findings,
            model,
            incomplete: Vec::new(),
            notes: Vec::new(),
            graph: GraphStats::default(),
            elapsed: started.elapsed(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::Verdict;

    fn history(reads: &[&[(i64, i64)]]) -> BankHistory {
        let mut h = BankHistory::default();
        for (p, balances) in reads.iter().enumerate() {
            let op = |kind, value| BankOp {
                index: 0,
                process: p as u64,
                kind,
                value,
                time: None,
                error: None,
                node: None,
            };
            h.push(op(OpType::Invoke, BankValue::Read(None)));
            h.push(op(
                OpType::Ok,
                BankValue::Read(Some(balances.iter().copied().collect())),
            ));
        }
        h
    }

    #[test]
    fn reads_that_keep_the_total_pass_and_others_are_named() {
        let good = history(&[&[(0, 50), (1, 50)], &[(0, 45), (1, 55)]]);
        let r = check_bank(&good, 100, Model::Serializable);
        assert_eq!(r.verdict, Verdict::Valid);
        assert_eq!(r.transactions.ok, 2);

        let bad = history(&[&[(0, 50), (1, 50)], &[(0, 45), (1, 50)]]);
        let r = check_bank(&bad, 100, Model::SnapshotIsolation);
        assert_eq!(r.anomaly_types, [AnomalyKind::WrongTotal]);
        assert_eq!(r.verdict, Verdict::Invalid);
        let w = &r.anomalies[&AnomalyKind::WrongTotal].witnesses[0];
        assert_eq!(w.transactions[0].ops, "read {0: 45, 1: 50}");
        assert!(w.explanation[0].contains("add up to 95, not 100"), "{w:?}");
        // Read committed allows what makes it (read skew, lost update).
        assert_eq!(
            check_bank(&bad, 100, Model::ReadCommitted).verdict,
            Verdict::Valid
        );
    }

    #[test]
    fn a_negative_balance_is_found_even_when_the_total_holds() {
        let h = history(&[&[(0, -5), (1, 105)]]);
        let r = check_bank(&h, 100, Model::RepeatableRead);
        assert_eq!(r.anomaly_types, [AnomalyKind::NegativeBalance]);
        assert_eq!(r.verdict, Verdict::Invalid);
    }

    #[test]
    fn outcomes_are_counted_and_an_unfinished_transfer_is_unknown() {
        let mut h = history(&[&[(0, 100)]]);
        let t = BankValue::Transfer {
            from: 0,
            to: 1,
            amount: 5,
        };
        for kind in [OpType::Invoke, OpType::Fail, OpType::Invoke] {
            h.push(BankOp {
                index: 0,
                process: 7,
                kind,
                value: t.clone(),
                time: None,
                error: None,
                node: None,
            });
        }
        let r = check_bank(&h, 100, Model::Serializable);
        assert_eq!(
            r.transactions,
            TxnCounts {
                ok: 1,
                fail: 1,
                info: 1
            }
        );
    }
}
