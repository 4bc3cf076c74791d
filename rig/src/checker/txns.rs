//! Transactions from operations: each invocation paired with its
//! process's next completion. An invocation that never completes counts as
//! `info` (its outcome is unknown).

use crate::history::{History, Mop, OpType};
use rustc_hash::FxHashMap as HashMap;

/// How reports and witnesses name a transaction: `T` and the index of the
/// history operation that ended it (its invocation's, when it never ended).
pub fn transaction_name(index: impl std::fmt::Display) -> String {
    format!("T{index}")
}

/// One transaction of the history, as the checker sees it.
#[derive(Debug, Clone)]
pub(crate) struct Txn<'h> {
    pub(crate) process: u64,
    /// `Ok`, `Fail` or `Info`.
    pub(crate) kind: OpType,
    pub(crate) invoke_index: u64,
    pub(crate) complete_index: Option<u64>,
    pub(crate) invoke_time: Option<u64>,
    pub(crate) complete_time: Option<u64>,
    /// What was done: the completion's micro-operations for `ok` (reads
    /// filled in), the invocation's for the others.
    pub(crate) mops: &'h [Mop],
    /// The server its session was on, when recorded.
    pub(crate) node: Option<&'h str>,
}

impl Txn<'_> {
    /// How reports name it: `T` and the index of the operation that ended
    /// it (its invocation's, when it never ended).
    pub(crate) fn name(&self) -> String {
        transaction_name(self.complete_index.unwrap_or(self.invoke_index))
    }

    /// Whether it may have taken effect: committed, or unknown.
    pub(crate) fn may_have_committed(&self) -> bool {
        self.kind != OpType::Fail
    }
}

/// The history's transactions, in invocation order.
pub(crate) fn pair(history: &History) -> Vec<Txn<'_>> {
    let mut txns: Vec<Txn> = Vec::new();
    let mut open: HashMap<u64, usize> = HashMap::default();
    for op in &history.ops {
        if op.kind == OpType::Invoke {
            open.insert(op.process, txns.len());
            txns.push(Txn {
                process: op.process,
                kind: OpType::Info,
                invoke_index: op.index,
                complete_index: None,
                invoke_time: op.time,
                complete_time: None,
                mops: &op.value,
                node: op.node.as_deref(),
            });
            continue;
        }
        // A completion with no invocation is refused when a file is read;
        // a history built in code that has one is checked without it.
        let Some(at) = open.remove(&op.process) else {
            continue;
        };
        let txn = &mut txns[at];
        txn.kind = op.kind;
        txn.complete_index = Some(op.index);
        if op.kind == OpType::Ok {
            txn.complete_time = op.time;
            txn.mops = &op.value;
        }
    }
    txns
}
