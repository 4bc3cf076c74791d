//! Histories of the bank workload, in the shape Jepsen's bank test and
//! `elle-cli --model bank` use: `{"f": "transfer", "value": {"from": 1,
//! "to": 2, "amount": 5}}` and `{"f": "read", "value": {"0": 100, ...}}`
//! (account to balance; `null` until the read completes).

use super::json::Optional;
use super::read::{file_text, ops_from, values_of, Paired};
use super::{Format, HistoryError, OpType};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// What a bank operation does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BankValue {
    /// Moves `amount` from account `from` to account `to`.
    Transfer {
        /// The account debited.
        from: i64,
        /// The account credited.
        to: i64,
        /// How much.
        amount: i64,
    },
    /// Reads every balance; `None` until it completes.
    Read(Option<BTreeMap<i64, i64>>),
}

/// One operation of a bank history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankOp {
    /// Its position in the history.
    pub index: u64,
    /// The client that ran it.
    pub process: u64,
    /// Invocation or completion.
    pub kind: OpType,
    /// What it does or saw.
    pub value: BankValue,
    /// Monotonic nanoseconds since the run began, when recorded.
    pub time: Option<u64>,
    /// Why it failed or is unknown.
    pub error: Option<String>,
    /// The server (a cluster's node) its session was on, when recorded.
    pub node: Option<String>,
}

/// A bank history.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BankHistory {
    /// The operations, by index.
    pub ops: Vec<BankOp>,
}

impl Paired for BankOp {
    fn key(&self) -> (u64, OpType, u64) {
        (self.process, self.kind, self.index)
    }
    fn completes(&self, invoke: &BankOp) -> bool {
        match (&invoke.value, &self.value) {
            (BankValue::Transfer { .. }, BankValue::Transfer { .. }) => self.value == invoke.value,
            (BankValue::Read(_), BankValue::Read(_)) => true,
            _ => false,
        }
    }
}

fn value_json(value: &BankValue) -> (&'static str, Value) {
    match value {
        BankValue::Transfer { from, to, amount } => (
            "transfer",
            json!({"from": from, "to": to, "amount": amount}),
        ),
        BankValue::Read(None) => ("read", Value::Null),
        BankValue::Read(Some(balances)) => {
            let map: serde_json::Map<String, Value> = balances
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect();
            ("read", Value::Object(map))
        }
    }
}

fn edn_value(value: &BankValue) -> String {
    match value {
        BankValue::Transfer { from, to, amount } => {
            format!("{{:from {from}, :to {to}, :amount {amount}}}")
        }
        BankValue::Read(None) => "nil".into(),
        BankValue::Read(Some(balances)) => {
            let pairs: Vec<String> = balances.iter().map(|(k, v)| format!("{k} {v}")).collect();
            format!("{{{}}}", pairs.join(", "))
        }
    }
}

impl BankOp {
    fn optional(&self) -> Optional<'_> {
        Optional {
            time: self.time,
            error: self.error.as_deref(),
            node: self.node.as_deref(),
        }
    }

    pub(super) fn outline(&self) -> super::Outline<'_> {
        super::Outline {
            process: self.process,
            kind: self.kind,
            time: self.time,
            node: self.node.as_deref(),
        }
    }
}

fn write_op(op: &BankOp, format: Format, out: &mut impl Write) -> std::io::Result<()> {
    let (f, value) = value_json(&op.value);
    let optional = op.optional();
    if format == Format::Edn {
        super::edn::write_head(op.index, op.process, op.kind, f, out)?;
        write!(out, "{}", edn_value(&op.value))?;
        return super::edn::write_tail(&optional, out);
    }
    super::json::write_object(op.index, op.process, op.kind, (f, value), &optional, out)
}

impl BankHistory {
    /// Appends `op`, giving it the next index.
    pub fn push(&mut self, mut op: BankOp) {
        op.index = self.ops.len() as u64;
        self.ops.push(op);
    }

    /// Writes the history in `format`.
    pub fn write(&self, format: Format, mut out: impl Write) -> std::io::Result<()> {
        let array = format == Format::JsonArray;
        if array {
            out.write_all(b"[")?;
        }
        for (i, op) in self.ops.iter().enumerate() {
            write_op(op, format, &mut out)?;
            let last = i + 1 == self.ops.len();
            match (array, last) {
                (true, false) => out.write_all(b",\n")?,
                (true, true) => out.write_all(b"]\n")?,
                (false, _) => out.write_all(b"\n")?,
            }
        }
        Ok(())
    }
}

fn integer(value: Option<&Value>, what: &str) -> Result<i64, String> {
    value
        .and_then(Value::as_i64)
        .ok_or_else(|| format!("a transfer needs an integer `{what}`"))
}

/// The bank operation `value` describes (`None` for a nemesis's).
fn op_from_value(value: &Value, position: u64) -> Result<Option<BankOp>, String> {
    let Some(h) = super::json::header(value, position)? else {
        return Ok(None);
    };
    let raw = h.object.get("value").unwrap_or(&Value::Null);
    let value = match h.object.get("f").and_then(Value::as_str) {
        Some("transfer") => BankValue::Transfer {
            from: integer(raw.get("from"), "from")?,
            to: integer(raw.get("to"), "to")?,
            amount: integer(raw.get("amount"), "amount")?,
        },
        Some("read") => BankValue::Read(match raw {
            Value::Null => None,
            Value::Object(map) => Some(
                map.iter()
                    .map(|(k, v)| {
                        let account = k
                            .parse::<i64>()
                            .map_err(|_| format!("account `{k}` is not an integer"))?;
                        let balance = v.as_i64().ok_or_else(|| {
                            format!("the balance of account {k} is not an integer")
                        })?;
                        Ok((account, balance))
                    })
                    .collect::<Result<_, String>>()?,
            ),
            other => return Err(format!("a read's value must be a map or null, not {other}")),
        }),
        _ => return Err("a bank operation's `f` is \"transfer\" or \"read\"".into()),
    };
    Ok(Some(BankOp {
        index: h.index,
        process: h.process,
        kind: h.kind,
        value,
        time: h.time,
        error: h.error,
        node: h.node,
    }))
}

/// The workload a history's operations are from, by their first client
/// operation's `f`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// `txn` (or no `f`): list-append transactions.
    ListAppend,
    /// `transfer` or `read`: the bank.
    Bank,
}

/// A history of either workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyHistory {
    /// List-append.
    ListAppend(super::History),
    /// Bank.
    Bank(BankHistory),
}

fn workload_of(values: &[(usize, Value)]) -> Workload {
    let f = values
        .iter()
        .filter(|(_, v)| v.get("process").is_some_and(Value::is_u64))
        .find_map(|(_, v)| v.get("f").and_then(Value::as_str));
    match f {
        Some("transfer") | Some("read") => Workload::Bank,
        _ => Workload::ListAppend,
    }
}

/// Reads a history of either workload from `text`.
pub fn read_any_str(text: &str, edn_hint: bool) -> Result<AnyHistory, HistoryError> {
    let values = values_of(text, edn_hint)?;
    Ok(match workload_of(&values) {
        Workload::ListAppend => AnyHistory::ListAppend(super::History {
            ops: ops_from(values, super::json::op_from_value)?,
        }),
        Workload::Bank => AnyHistory::Bank(BankHistory {
            ops: ops_from(values, op_from_value)?,
        }),
    })
}

/// Reads a history of either workload from the file at `path`.
pub fn read_any_file(path: &Path) -> Result<AnyHistory, HistoryError> {
    let edn = path.extension().is_some_and(|e| e == "edn");
    read_any_str(&file_text(path)?, edn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> BankHistory {
        let mut h = BankHistory::default();
        let op = |process, kind, value| BankOp {
            index: 0,
            process,
            kind,
            value,
            time: Some(5),
            error: None,
            node: None,
        };
        let transfer = BankValue::Transfer {
            from: 1,
            to: 2,
            amount: 5,
        };
        h.push(op(0, OpType::Invoke, transfer.clone()));
        h.push(op(1, OpType::Invoke, BankValue::Read(None)));
        h.push(op(0, OpType::Ok, transfer));
        h.push(op(
            1,
            OpType::Ok,
            BankValue::Read(Some(BTreeMap::from([(1, 95), (2, 105)]))),
        ));
        h
    }

    #[test]
    fn bank_histories_read_back_in_every_format_and_are_told_apart() {
        let h = sample();
        for (format, edn) in [
            (Format::JsonLines, false),
            (Format::JsonArray, false),
            (Format::Edn, true),
        ] {
            let mut out = Vec::new();
            h.write(format, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            assert_eq!(
                read_any_str(&text, edn).unwrap(),
                AnyHistory::Bank(h.clone()),
                "{format:?}:\n{text}"
            );
        }
        let mut out = Vec::new();
        h.write(Format::JsonLines, &mut out).unwrap();
        let first = String::from_utf8(out).unwrap();
        assert!(first.starts_with(
            r#"{"f":"transfer","index":0,"process":0,"time":5,"type":"invoke","value":{"amount":5,"from":1,"to":2}}"#
        ), "{first}");
        let list_append = r#"{"process":0,"type":"invoke","value":[["append",1,1]]}"#;
        assert!(matches!(
            read_any_str(list_append, false).unwrap(),
            AnyHistory::ListAppend(_)
        ));
    }

    #[test]
    fn a_transfer_that_completes_as_another_is_refused() {
        let text = r#"{"process":0,"type":"invoke","f":"transfer","value":{"from":1,"to":2,"amount":5}}
{"process":0,"type":"ok","f":"transfer","value":{"from":1,"to":2,"amount":6}}"#;
        let e = read_any_str(text, false).unwrap_err().to_string();
        assert!(
            e.starts_with("line 2: the completion's micro-operations differ"),
            "{e}"
        );
        let text = r#"{"process":0,"type":"invoke","f":"transfer","value":{"from":1,"amount":5}}"#;
        let e = read_any_str(text, false).unwrap_err().to_string();
        assert_eq!(e, "line 1: a transfer needs an integer `to`");
    }
}
