//! Reading a history from text in any of the three formats, with errors
//! that name the line, and the structural checks every history must pass
//! (each completion follows its process's invocation) before it is checked.

use super::{edn, json, History, Op, OpType};
use std::collections::HashMap;
use std::path::Path;

/// Why a text is not a history: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", line.map_or(String::new(), |l| format!("line {l}: ")))]
pub struct HistoryError {
    /// The line (from 1), when the problem is on one.
    pub line: Option<usize>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl HistoryError {
    fn at(line: usize, message: impl Into<String>) -> Self {
        HistoryError {
            line: Some(line),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    JsonLines,
    JsonArray,
    EdnLines,
    EdnVector,
}

fn first_chars(text: &str, n: usize) -> Vec<char> {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != ',')
        .take(n)
        .collect()
}

fn shape_of(text: &str, edn_hint: bool) -> Result<Shape, HistoryError> {
    let start = first_chars(text, 3);
    Ok(match start.as_slice() {
        [] => {
            return Err(HistoryError {
                line: None,
                message: "the file is empty: a history has at least one operation".into(),
            })
        }
        ['[', '{', '"', ..] => Shape::JsonArray,
        ['[', ..] => Shape::EdnVector,
        ['{', '"', ..] => Shape::JsonLines,
        ['{', ..] if edn_hint || start.get(1) == Some(&':') => Shape::EdnLines,
        ['#', ..] if starts_with_tagged_map(text) => Shape::EdnLines,
        _ => {
            return Err(HistoryError::at(
                1,
                "not a history: expected JSON operations ({\"type\": ...} per line, or an array of them) or EDN maps ({:type ...})",
            ))
        }
    })
}

/// Whether `text` begins with an EDN tagged map, as Jepsen writes its
/// operation records (`#jepsen.history.Op{:type ...}`): a tag, a symbol
/// that starts with a letter, right before the brace.
fn starts_with_tagged_map(text: &str) -> bool {
    let Some(rest) = text.trim_start().strip_prefix('#') else {
        return false;
    };
    let tag_end = rest.find(|c: char| !(c.is_alphanumeric() || "._-/".contains(c)));
    tag_end.is_some_and(|end| {
        rest[end..].starts_with('{') && rest.chars().next().is_some_and(char::is_alphabetic)
    })
}

/// The operations of `text`, each with the line it starts on.
fn values(text: &str, shape: Shape) -> Result<Vec<(usize, serde_json::Value)>, HistoryError> {
    match shape {
        Shape::JsonLines | Shape::EdnLines => text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, line)| {
                let value = if shape == Shape::JsonLines {
                    serde_json::from_str(line).map_err(|e| truncated_or(e.to_string(), line))
                } else {
                    edn_format::parse_str(line)
                        .map_err(|e| truncated_or(format!("{e:?}"), line))
                        .and_then(|v| edn::to_json(&v))
                };
                value
                    .map(|v| (i + 1, v))
                    .map_err(|m| HistoryError::at(i + 1, m))
            })
            .collect(),
        Shape::JsonArray => {
            let all: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|e| {
                HistoryError::at(e.line(), format!("not a JSON array of operations: {e}"))
            })?;
            let lines = array_element_lines(text);
            Ok(all
                .into_iter()
                .enumerate()
                .map(|(i, v)| (lines.get(i).copied().unwrap_or(1), v))
                .collect())
        }
        Shape::EdnVector => {
            let all = edn_format::parse_str(text)
                .map_err(|e| HistoryError::at(1, format!("not an EDN vector of operations: {e:?}")))
                .and_then(|v| edn::to_json(&v).map_err(|m| HistoryError::at(1, m)))?;
            match all {
                serde_json::Value::Array(items) => Ok(items.into_iter().map(|v| (1, v)).collect()),
                _ => Err(HistoryError::at(1, "not an EDN vector of operations")),
            }
        }
    }
}

/// A parse error, said plainly when the line just stops (a file cut short).
fn truncated_or(message: String, line: &str) -> String {
    let trimmed = line.trim_end();
    if !trimmed.ends_with('}') {
        format!("the operation is cut short (the file may be truncated): {message}")
    } else {
        message
    }
}

/// The line each top-level object of a JSON array starts on, for errors.
fn array_element_lines(text: &str) -> Vec<usize> {
    let mut lines = Vec::new();
    let (mut depth, mut line, mut in_string, mut escaped) = (0usize, 1usize, false, false);
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        }
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => {
                if c == '{' && depth == 1 {
                    lines.push(line);
                }
                depth += 1;
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    lines
}

/// An operation as the structural checks see it, whatever its workload.
pub(super) trait Paired {
    /// Its process, type and index.
    fn key(&self) -> (u64, OpType, u64);
    fn process(&self) -> u64 {
        self.key().0
    }
    fn kind(&self) -> OpType {
        self.key().1
    }
    fn index(&self) -> u64 {
        self.key().2
    }
    /// Whether this completion carries what `invoke` announced (a failed
    /// or unknown completion may leave its value out).
    fn completes(&self, invoke: &Self) -> bool;
}

impl Paired for Op {
    fn key(&self) -> (u64, OpType, u64) {
        (self.process, self.kind, self.index)
    }
    fn completes(&self, invoke: &Op) -> bool {
        let same_shape = invoke.value.len() == self.value.len()
            && invoke.value.iter().zip(&self.value).all(|(a, b)| {
                std::mem::discriminant(a) == std::mem::discriminant(b) && a.key() == b.key()
            });
        same_shape || (self.kind != OpType::Ok && self.value.is_empty())
    }
}

/// Each process alternates invocation and completion, and a completion
/// carries what its invocation announced.
fn validate<T: Paired>(ops: &[(usize, T)]) -> Result<(), HistoryError> {
    let mut open: HashMap<u64, &T> = HashMap::new();
    for (line, op) in ops {
        match (op.kind(), open.get(&op.process())) {
            (OpType::Invoke, Some(pending)) => {
                return Err(HistoryError::at(
                    *line,
                    format!(
                        "process {} invokes a transaction while its transaction at index {} has not completed",
                        op.process(),
                        pending.index()
                    ),
                ))
            }
            (OpType::Invoke, None) => {
                open.insert(op.process(), op);
            }
            (_, None) => {
                return Err(HistoryError::at(
                    *line,
                    format!(
                        "process {} completes a transaction it never invoked",
                        op.process()
                    ),
                ))
            }
            (_, Some(invoke)) => {
                if !op.completes(invoke) {
                    return Err(HistoryError::at(
                        *line,
                        format!(
                            "the completion's micro-operations differ from those its invocation (index {}) announced",
                            invoke.index()
                        ),
                    ));
                }
                open.remove(&op.process());
            }
        }
    }
    Ok(())
}

/// The JSON value of each operation in `text`, with the line it starts on.
pub(super) fn values_of(
    text: &str,
    edn_hint: bool,
) -> Result<Vec<(usize, serde_json::Value)>, HistoryError> {
    values(text, shape_of(text, edn_hint)?)
}

/// The client operations `convert` makes of `values`, checked for
/// structure (see [`validate`]).
pub(super) fn ops_from<T: Paired>(
    values: Vec<(usize, serde_json::Value)>,
    convert: impl Fn(&serde_json::Value, u64) -> Result<Option<T>, String>,
) -> Result<Vec<T>, HistoryError> {
    let mut ops = Vec::new();
    for (position, (line, value)) in values.into_iter().enumerate() {
        if let Some(op) = convert(&value, position as u64).map_err(|m| HistoryError::at(line, m))? {
            ops.push((line, op));
        }
    }
    if ops.is_empty() {
        return Err(HistoryError {
            line: None,
            message: "no client operations: not a history".into(),
        });
    }
    validate(&ops)?;
    Ok(ops.into_iter().map(|(_, op)| op).collect())
}

/// Reads the list-append history in `text`, in whichever format it is
/// written; `edn_hint` says the file name ends in `.edn`.
pub fn read_str(text: &str, edn_hint: bool) -> Result<History, HistoryError> {
    let ops = ops_from(values_of(text, edn_hint)?, json::op_from_value)?;
    Ok(History { ops })
}

/// A file's text, or why it cannot be read.
pub(super) fn file_text(path: &Path) -> Result<String, HistoryError> {
    std::fs::read_to_string(path).map_err(|e| HistoryError {
        line: None,
        message: match e.kind() {
            std::io::ErrorKind::InvalidData => "it is not UTF-8 text".to_string(),
            _ => format!("cannot read it: {e}"),
        },
    })
}

/// Reads the list-append history in the file at `path`.
pub fn read_file(path: &Path) -> Result<History, HistoryError> {
    let edn = path.extension().is_some_and(|e| e == "edn");
    read_str(&file_text(path)?, edn)
}
