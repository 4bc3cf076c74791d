//! Jepsen's `history.edn`: one EDN map per operation (`{:index 0, :type
//! :invoke, :process 0, :f :txn, :value [[:append 3 1] [:r 4 nil]]}`).
//! Read by turning each EDN value into the JSON value it stands for;
//! written by hand, since the shape is fixed and small.

use super::json::Optional;
use super::{Mop, Op, OpType};
use edn_format::Value as Edn;
use serde_json::Value;
use std::io::Write;

/// The JSON value an EDN value stands for: keywords become their names,
/// maps keyed by keywords become objects, record tags are dropped.
pub(super) fn to_json(value: &Edn) -> Result<Value, String> {
    Ok(match value {
        Edn::Nil => Value::Null,
        Edn::Boolean(b) => Value::Bool(*b),
        Edn::Integer(i) => Value::from(*i),
        Edn::String(s) => Value::String(s.clone()),
        Edn::Keyword(k) => Value::String(k.name().to_string()),
        Edn::Symbol(s) => Value::String(s.to_string()),
        Edn::Character(c) => Value::String(c.to_string()),
        Edn::Float(f) => {
            serde_json::Number::from_f64(f.into_inner()).map_or(Value::Null, Value::Number)
        }
        Edn::List(items) | Edn::Vector(items) => {
            Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Edn::Set(items) => Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?),
        Edn::Map(map) => {
            let mut object = serde_json::Map::new();
            for (k, v) in map {
                let name = match k {
                    Edn::Keyword(k) => k.name().to_string(),
                    Edn::String(s) => s.clone(),
                    other => other.to_string(),
                };
                object.insert(name, to_json(v)?);
            }
            Value::Object(object)
        }
        // `#jepsen.history.Op{...}`: a record literal; its map is the op.
        Edn::TaggedElement(_, inner) => to_json(inner)?,
        other => Value::String(other.to_string()),
    })
}

fn write_mop(mop: &Mop, out: &mut impl Write) -> std::io::Result<()> {
    match mop {
        Mop::Append { key, element } => write!(out, "[:append {key} {element}]"),
        Mop::Read { key, list: None } => write!(out, "[:r {key} nil]"),
        Mop::Read {
            key,
            list: Some(list),
        } => {
            write!(out, "[:r {key} [")?;
            for (i, e) in list.iter().enumerate() {
                if i > 0 {
                    out.write_all(b" ")?;
                }
                write!(out, "{e}")?;
            }
            out.write_all(b"]]")
        }
    }
}

/// Writes the start of an operation's EDN map, up to its `:value`.
pub(super) fn write_head(
    index: u64,
    process: u64,
    kind: OpType,
    f: &str,
    out: &mut impl Write,
) -> std::io::Result<()> {
    write!(
        out,
        "{{:index {index}, :process {process}, :type :{}, :f :{f}, :value ",
        kind.as_str()
    )
}

/// Writes the fields of `optional` that are there, and ends the map.
pub(super) fn write_tail(optional: &Optional, out: &mut impl Write) -> std::io::Result<()> {
    if let Some(time) = optional.time {
        write!(out, ", :time {time}")?;
    }
    // A JSON string's escapes are ones EDN reads too.
    for (name, text) in [("error", optional.error), ("node", optional.node)] {
        if let Some(text) = text {
            let quoted = serde_json::to_string(text).map_err(std::io::Error::from)?;
            write!(out, ", :{name} {quoted}")?;
        }
    }
    out.write_all(b"}")
}

/// Writes `op` as one EDN map (no newline).
pub(super) fn write_op(op: &Op, out: &mut impl Write) -> std::io::Result<()> {
    write_head(op.index, op.process, op.kind, &op.f, out)?;
    out.write_all(b"[")?;
    for (i, mop) in op.value.iter().enumerate() {
        if i > 0 {
            out.write_all(b" ")?;
        }
        write_mop(mop, out)?;
    }
    out.write_all(b"]")?;
    write_tail(&op.optional(), out)
}
