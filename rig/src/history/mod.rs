//! `rig::history`: the record of a transactional run, operation by
//! operation, as Jepsen and Elle record it: each transaction is invoked by
//! a process and completes as `ok` (committed), `fail` (certainly not
//! committed) or `info` (outcome unknown).
//!
//! Histories are written as JSON lines (one operation per line), as a JSON
//! array (what `elle-cli` reads) or as EDN (Jepsen's `history.edn`), and any
//! of the three is read back ([`read_file`], [`read_str`]).

pub mod bank;
mod edn;
mod json;
mod read;
mod spans;

pub use bank::{read_any_file, read_any_str, AnyHistory, BankHistory, BankOp, BankValue, Workload};
pub use read::{read_file, read_str, HistoryError};
pub use spans::{spans, Span};

use std::io::Write;

/// What an operation records: the start of a transaction or how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OpType {
    /// The client sent the transaction.
    Invoke,
    /// It committed.
    Ok,
    /// It certainly did not commit: rolled back, or refused before COMMIT.
    Fail,
    /// Its outcome is unknown (the connection was lost during COMMIT, say).
    Info,
}

impl OpType {
    /// The name used in histories: `invoke`, `ok`, `fail`, `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            OpType::Invoke => "invoke",
            OpType::Ok => "ok",
            OpType::Fail => "fail",
            OpType::Info => "info",
        }
    }

    fn parse(name: &str) -> Option<OpType> {
        Some(match name {
            "invoke" => OpType::Invoke,
            "ok" => OpType::Ok,
            "fail" => OpType::Fail,
            "info" => OpType::Info,
            _ => return None,
        })
    }
}

/// A key of the list-append workload.
pub type Key = i64;
/// An element appended to a key's list.
pub type Element = i64;

/// One micro-operation of a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Mop {
    /// `["append", key, element]`: appends `element` to `key`'s list.
    Append {
        /// The key.
        key: Key,
        /// The element appended.
        element: Element,
    },
    /// `["r", key, list]`: reads `key`'s list; `None` until the read
    /// completes (and in an invocation).
    Read {
        /// The key.
        key: Key,
        /// The list read, when known.
        list: Option<Vec<Element>>,
    },
}

impl Mop {
    /// The key this micro-operation touches.
    pub fn key(&self) -> Key {
        match self {
            Mop::Append { key, .. } | Mop::Read { key, .. } => *key,
        }
    }
}

impl std::fmt::Display for Mop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mop::Append { key, element } => write!(f, "append {element} to {key}"),
            Mop::Read { key, list: None } => write!(f, "read {key}"),
            Mop::Read {
                key,
                list: Some(list),
            } => write!(f, "read {key} = {}", list_text(list)),
        }
    }
}

/// `[1, 2, 3]`: how lists appear in explanations.
pub fn list_text(list: &[Element]) -> String {
    let items: Vec<String> = list.iter().map(|e| e.to_string()).collect();
    format!("[{}]", items.join(", "))
}

/// One operation of a history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    /// Its position in the history (0, 1, 2, ...).
    pub index: u64,
    /// The single-threaded client that ran it. A client whose transaction
    /// ended `info` continues as a new process, as in Jepsen.
    pub process: u64,
    /// Invocation or completion.
    pub kind: OpType,
    /// The function: `txn` for list-append transactions.
    pub f: String,
    /// The micro-operations.
    pub value: Vec<Mop>,
    /// Monotonic nanoseconds since the run began, when recorded.
    pub time: Option<u64>,
    /// Why it failed or is unknown, when it did not end `ok`.
    pub error: Option<String>,
    /// The server (a cluster's node) its session was on, when recorded.
    pub node: Option<String>,
}

impl Op {
    pub(in crate::history) fn optional(&self) -> json::Optional<'_> {
        json::Optional {
            time: self.time,
            error: self.error.as_deref(),
            node: self.node.as_deref(),
        }
    }

    fn outline(&self) -> Outline<'_> {
        Outline {
            process: self.process,
            kind: self.kind,
            time: self.time,
            node: self.node.as_deref(),
        }
    }
}

/// A whole history, in the order things happened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// The operations, by index.
    pub ops: Vec<Op>,
}

/// What every history can do, whatever its workload.
pub trait Recorded {
    /// Writes it in `format`.
    fn write_as(&self, format: Format, out: &mut dyn Write) -> std::io::Result<()>;
    /// Each operation's type, time and node, in order.
    fn outline(&self) -> Vec<Outline<'_>>;
}

/// What every operation has, whatever its workload: enough to count and
/// place it in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outline<'h> {
    /// The process that ran it.
    pub process: u64,
    /// Invocation or completion.
    pub kind: OpType,
    /// When, if recorded.
    pub time: Option<u64>,
    /// Where, if recorded.
    pub node: Option<&'h str>,
}

impl Recorded for History {
    fn write_as(&self, format: Format, out: &mut dyn Write) -> std::io::Result<()> {
        self.write(format, out)
    }
    fn outline(&self) -> Vec<Outline<'_>> {
        self.ops.iter().map(Op::outline).collect()
    }
}

impl Recorded for BankHistory {
    fn write_as(&self, format: Format, out: &mut dyn Write) -> std::io::Result<()> {
        self.write(format, out)
    }
    fn outline(&self) -> Vec<Outline<'_>> {
        self.ops.iter().map(BankOp::outline).collect()
    }
}

/// The file formats a history is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line (test-rig's default).
    JsonLines,
    /// One JSON array of objects, one per line (what `elle-cli` reads).
    JsonArray,
    /// One EDN map per line (Jepsen's `history.edn`).
    Edn,
}

impl History {
    /// Appends `op`, giving it the next index.
    pub fn push(&mut self, mut op: Op) {
        op.index = self.ops.len() as u64;
        self.ops.push(op);
    }

    /// Writes the history in `format`.
    pub fn write(&self, format: Format, mut out: impl Write) -> std::io::Result<()> {
        let last = self.ops.len().saturating_sub(1);
        if format == Format::JsonArray {
            out.write_all(b"[")?;
        }
        for (i, op) in self.ops.iter().enumerate() {
            match format {
                Format::Edn => edn::write_op(op, &mut out)?,
                Format::JsonLines | Format::JsonArray => json::write_op(op, &mut out)?,
            }
            if format == Format::JsonArray && i != last {
                out.write_all(b",")?;
            }
            if !(format == Format::JsonArray && i == last) {
                out.write_all(b"\n")?;
            }
        }
        if format == Format::JsonArray {
            out.write_all(b"]\n")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
