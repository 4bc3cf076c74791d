//! The list-append workload on real sessions: one row per key, an append
//! an upsert that concatenates the element (as Jepsen's MySQL tests do), a
//! read a point select. Each client runs its generated transactions one by
//! one on its own session and records what it invoked and how each ended.

use super::client::{Record, Txns};
use super::generator::Generator;
use crate::error::StateError;
use crate::history::{Element, Key, Mop, Op, OpType};
use crate::session::Session;
use crate::workflow::BoxFuture;
use std::collections::{BTreeMap, BTreeSet};

/// `1,2,3` as stored, back into elements.
pub(crate) fn parse_list(text: &str) -> Result<Vec<Element>, StateError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|e| {
            e.parse().map_err(|_| {
                StateError::step(format!(
                    "a list-append row holds `{text}`, not a comma-separated list of integers"
                ))
            })
        })
        .collect()
}

async fn run_mops(
    session: &mut Session,
    table: &str,
    mops: &[Mop],
) -> Result<Vec<Mop>, StateError> {
    let mut done = Vec::with_capacity(mops.len());
    for mop in mops {
        match mop {
            Mop::Append { key, element } => {
                let element = element.to_string();
                session
                    .execute_with(
                        &format!(
                            "INSERT INTO {table} (k, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = CONCAT(v, ',', ?)"
                        ),
                        (*key, element.clone(), element),
                    )
                    .await?;
                done.push(mop.clone());
            }
            Mop::Read { key, .. } => {
                let rows: Vec<String> = session
                    .exec(&format!("SELECT v FROM {table} WHERE k = ?"), (*key,))
                    .await?;
                let list = match rows.first() {
                    Some(text) => parse_list(text)?,
                    None => Vec::new(),
                };
                done.push(Mop::Read {
                    key: *key,
                    list: Some(list),
                });
            }
        }
    }
    Ok(done)
}

/// The list-append workload's transactions for one client.
pub(crate) struct ListAppendTxns {
    pub(crate) generator: Generator,
    pub(crate) table: String,
}

impl Txns for ListAppendTxns {
    type Value = Vec<Mop>;

    fn next(&mut self) -> Vec<Mop> {
        self.generator.next_txn()
    }

    fn body<'a>(
        &'a self,
        session: &'a mut Session,
        mops: &'a Vec<Mop>,
    ) -> BoxFuture<'a, Result<Vec<Mop>, StateError>> {
        Box::pin(run_mops(session, &self.table, mops))
    }
}

/// A recorded transaction as a history operation.
pub(crate) fn op_of(record: Record<Vec<Mop>>) -> Op {
    Op {
        index: 0,
        process: record.process,
        kind: record.kind,
        f: "txn".into(),
        value: record.value,
        time: Some(record.time),
        error: record.error,
        node: record.node,
    }
}

/// Every key's list, read in the current transaction.
pub(crate) async fn read_keys(
    session: &mut Session,
    table: String,
) -> Result<BTreeMap<Key, Vec<Element>>, StateError> {
    let rows: Vec<(i64, String)> = session.query(&format!("SELECT k, v FROM {table}")).await?;
    rows.into_iter()
        .map(|(k, v)| Ok((k, parse_list(&v)?)))
        .collect()
}

/// Records the final read of `keys` (those `found` and those never
/// written, read empty) as the last process's transaction.
pub(crate) fn push_final_read(
    ops: &mut Vec<Op>,
    keys: &BTreeSet<Key>,
    found: &BTreeMap<Key, Vec<Element>>,
    invoked: u64,
    completed: u64,
    node: Option<String>,
) {
    let process = ops.iter().map(|op| op.process).max().map_or(0, |p| p + 1);
    let reads = |filled: bool| -> Vec<Mop> {
        keys.iter()
            .map(|k| Mop::Read {
                key: *k,
                list: filled.then(|| found.get(k).cloned().unwrap_or_default()),
            })
            .collect()
    };
    for (kind, time, filled) in [
        (OpType::Invoke, invoked, false),
        (OpType::Ok, completed, true),
    ] {
        ops.push(op_of(Record {
            process,
            kind,
            value: reads(filled),
            time,
            error: None,
            node: node.clone(),
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::client::{is_certain_abort, is_expected_failure};

    fn server_error(code: u16) -> StateError {
        crate::error::server_answer(code, "m")
    }

    #[test]
    fn the_errors_a_workload_goes_on_after_are_the_issues_list() {
        // Deadlock, lock wait timeout, MariaDB's "record has changed since
        // last read", TiDB's write conflicts (8002, 8022, 9007) and its other
        // transient codes; a missing table or a syntax error stops a client.
        for code in [1213, 1205, 1020, 8002, 8005, 8022, 8028, 9007] {
            assert!(is_expected_failure(&server_error(code)), "{code}");
        }
        for code in [1146, 1064, 1045] {
            assert!(!is_expected_failure(&server_error(code)), "{code}");
        }
        assert!(!is_expected_failure(&StateError::Cancelled));
    }

    #[test]
    fn at_commit_only_an_abort_is_a_failure_and_a_node_leaving_its_cluster_is_unknown() {
        // Galera reports a certification failure as a deadlock (1213); a
        // node outside the primary component answers 1047, which a client
        // goes on after but which says nothing of a COMMIT's outcome.
        assert!(is_certain_abort(&server_error(1213)));
        assert!(is_expected_failure(&server_error(1047)));
        assert!(!is_certain_abort(&server_error(1047)));
        assert!(!is_certain_abort(&server_error(1927)));
    }

    #[test]
    fn a_killed_or_dropped_connection_is_lost_and_a_refusal_is_not() {
        for code in [1927, 1053, 4031] {
            assert!(server_error(code).is_connection_lost(), "{code}");
        }
        assert!(!server_error(1213).is_connection_lost());
        let io = mysql_async::Error::Io(mysql_async::IoError::Io(std::io::Error::from(
            std::io::ErrorKind::UnexpectedEof,
        )));
        assert!(StateError::from_driver(io).is_connection_lost());
        assert!(!StateError::Cancelled.is_connection_lost());
    }

    #[test]
    fn stored_lists_parse_back_and_garbage_is_named() {
        assert_eq!(parse_list("").unwrap(), Vec::<Element>::new());
        assert_eq!(parse_list("5,17,3").unwrap(), vec![5, 17, 3]);
        let e = parse_list("5,x").unwrap_err().to_string();
        assert!(e.contains("`5,x`"), "{e}");
    }
}
