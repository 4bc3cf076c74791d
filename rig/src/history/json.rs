//! Operations as JSON values: the one converter every reader ends in (EDN
//! is turned into JSON values first) and the writer of JSON operations.

use super::{Element, Mop, Op, OpType};
use serde_json::{json, Value};
use std::io::Write;

fn mop_value(mop: &Mop) -> Value {
    match mop {
        Mop::Append { key, element } => json!(["append", key, element]),
        Mop::Read { key, list } => json!(["r", key, list]),
    }
}

/// The fields an operation has only sometimes, whatever its workload.
pub(super) struct Optional<'o> {
    pub(super) time: Option<u64>,
    pub(super) error: Option<&'o str>,
    pub(super) node: Option<&'o str>,
}

/// Writes one operation as a JSON object (no newline): the fields every
/// operation has, then those of `optional` that are there.
pub(super) fn write_object(
    index: u64,
    process: u64,
    kind: OpType,
    (f, value): (&str, Value),
    optional: &Optional,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let mut object = json!({
        "index": index,
        "process": process,
        "type": kind.as_str(),
        "f": f,
        "value": value,
    });
    if let Some(time) = optional.time {
        object["time"] = json!(time);
    }
    if let Some(error) = optional.error {
        object["error"] = json!(error);
    }
    if let Some(node) = optional.node {
        object["node"] = json!(node);
    }
    serde_json::to_writer(&mut *out, &object).map_err(std::io::Error::from)
}

/// Writes `op` as one JSON object (no newline).
pub(super) fn write_op(op: &Op, out: &mut impl Write) -> std::io::Result<()> {
    let value = Value::Array(op.value.iter().map(mop_value).collect());
    write_object(
        op.index,
        op.process,
        op.kind,
        (&op.f, value),
        &op.optional(),
        out,
    )
}

fn integer(value: &Value, what: &str) -> Result<i64, String> {
    value
        .as_i64()
        .ok_or_else(|| format!("{what} must be an integer, not {value}"))
}

fn mop_from_value(value: &Value) -> Result<Mop, String> {
    let parts = value
        .as_array()
        .filter(|p| p.len() == 3)
        .ok_or_else(|| format!("a micro-operation must be [f, key, value], not {value}"))?;
    let key = integer(&parts[1], "a key")?;
    match parts[0].as_str() {
        Some("append") => Ok(Mop::Append {
            key,
            element: integer(&parts[2], "an appended element")?,
        }),
        Some("r") => {
            let list = match &parts[2] {
                Value::Null => None,
                Value::Array(items) => Some(
                    items
                        .iter()
                        .map(|e| integer(e, "a read element"))
                        .collect::<Result<Vec<Element>, _>>()?,
                ),
                other => {
                    return Err(format!(
                        "a read's value must be a list or null, not {other}"
                    ))
                }
            };
            Ok(Mop::Read { key, list })
        }
        _ => Err(format!(
            "a micro-operation is [\"append\", key, element] or [\"r\", key, list], not {value}"
        )),
    }
}

/// What every operation has, whatever its workload.
pub(super) struct Header<'v> {
    pub(super) object: &'v serde_json::Map<String, Value>,
    pub(super) index: u64,
    pub(super) process: u64,
    pub(super) kind: OpType,
    pub(super) time: Option<u64>,
    pub(super) error: Option<String>,
    pub(super) node: Option<String>,
}

/// The common fields of the operation `value` describes, `None` for an
/// operation that is not a client's (Jepsen's nemesis, whose process is
/// not a number). `position` is its index when it gives none.
pub(super) fn header(value: &Value, position: u64) -> Result<Option<Header<'_>>, String> {
    let object = value
        .as_object()
        .ok_or_else(|| format!("expected an operation (an object), found {value}"))?;
    let process = match object.get("process") {
        Some(p) if p.is_u64() => p.as_u64().unwrap_or_default(),
        Some(Value::String(_)) | Some(Value::Null) => return Ok(None),
        Some(other) => return Err(format!("`process` must be a number, not {other}")),
        None => return Err("the operation has no `process`".into()),
    };
    let kind = object
        .get("type")
        .and_then(Value::as_str)
        .and_then(OpType::parse)
        .ok_or_else(|| "`type` must be \"invoke\", \"ok\", \"fail\" or \"info\"".to_string())?;
    let index = match object.get("index") {
        Some(i) => i
            .as_u64()
            .ok_or_else(|| format!("`index` must be a non-negative integer, not {i}"))?,
        None => position,
    };
    let time = match object.get("time") {
        Some(t) if t.is_u64() => t.as_u64(),
        // Elle's own test histories use -1 for "no time".
        Some(t) if t.is_i64() => None,
        None | Some(Value::Null) => None,
        Some(other) => return Err(format!("`time` must be an integer, not {other}")),
    };
    let error = object.get("error").and_then(|e| match e {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    });
    let node = match object.get("node") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        // Jepsen names nodes by string; anything else is kept as written.
        Some(other) => Some(other.to_string()),
    };
    Ok(Some(Header {
        object,
        index,
        process,
        kind,
        time,
        error,
        node,
    }))
}

/// The list-append operation `value` describes, `None` for an operation
/// that is not a client's, or why it is not one of a list-append history.
pub(super) fn op_from_value(value: &Value, position: u64) -> Result<Option<Op>, String> {
    let Some(h) = header(value, position)? else {
        return Ok(None);
    };
    let f = match h.object.get("f") {
        None | Some(Value::Null) => "txn".to_string(),
        Some(Value::String(f)) if f == "txn" => f.clone(),
        Some(other) => {
            return Err(format!(
                "`f` is {other}: only list-append transactions (\"txn\") can be checked"
            ))
        }
    };
    let value = match h.object.get("value") {
        Some(Value::Array(mops)) => mops
            .iter()
            .map(mop_from_value)
            .collect::<Result<Vec<_>, _>>()?,
        Some(Value::Null) | None => Vec::new(),
        Some(other) => {
            return Err(format!(
                "`value` must be a list of micro-operations, not {other}"
            ))
        }
    };
    Ok(Some(Op {
        index: h.index,
        process: h.process,
        kind: h.kind,
        f,
        value,
        time: h.time,
        error: h.error,
        node: h.node,
    }))
}
