//! The list-append workload on real sessions: one row per key, an append
//! an upsert that concatenates the element (as Jepsen's MySQL tests do), a
//! read a point select. Each client runs its generated transactions one by
//! one on its own session and records what it invoked and how each ended.

use super::generator::Generator;
use super::{ClientLog, Options};
use crate::context::StateContext;
use crate::error::StateError;
use crate::history::{Element, Mop, Op, OpType};
use crate::session::Session;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// How one transaction ended.
pub(crate) enum Ended {
    /// Committed, with the values read.
    Committed(Vec<Mop>),
    /// Certainly not committed, and why.
    Failed(StateError),
    /// Maybe committed: the connection was lost during COMMIT.
    Unknown(StateError),
}

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

/// Runs one transaction; never retried (a retry would hide what the
/// server did).
pub(crate) async fn transact(session: &mut Session, table: &str, mops: &[Mop]) -> Ended {
    if let Err(e) = session.execute("START TRANSACTION").await {
        return Ended::Failed(e);
    }
    match run_mops(session, table, mops).await {
        Ok(done) => match session.execute("COMMIT").await {
            Ok(_) => Ended::Committed(done),
            // The connection went during COMMIT: it may have committed.
            Err(e) if is_connection_lost(&e) => Ended::Unknown(e),
            // The server answered: it did not commit.
            Err(e) => Ended::Failed(e),
        },
        Err(e) => {
            if session.is_open() {
                // Ends what the error left open; a failure here changes
                // nothing, since nothing was committed.
                let _ = session.execute("ROLLBACK").await;
            }
            Ended::Failed(e)
        }
    }
}

/// Whether an error means the session's connection is gone: the driver
/// lost it (no server answer), or the server says it is ending it
/// (MariaDB's 1927 "connection was killed", 1053 server shutdown, MySQL's
/// 4031 disconnected for inactivity). The client reconnects and goes on.
pub fn is_connection_lost(error: &StateError) -> bool {
    match error.server_code() {
        Some(code) => matches!(code, 1927 | 1053 | 4031),
        None => matches!(error, StateError::Driver(_)),
    }
}

/// Whether an error is one the workload expects now and then, and goes
/// on after: a deadlock, a lock wait timeout, a write conflict (TiDB
/// 8002, 8022, 9007; MariaDB 1020 "record has changed since last read").
pub fn is_expected_failure(error: &StateError) -> bool {
    matches!(
        error.server_code(),
        Some(1213 | 1205 | 1020 | 8002 | 8005 | 8022 | 8028 | 9007)
    )
}

fn nanos(start: Instant) -> u64 {
    start.elapsed().as_nanos() as u64
}

fn op(process: u64, kind: OpType, value: Vec<Mop>, start: Instant, error: Option<String>) -> Op {
    Op {
        index: 0,
        process,
        kind,
        f: "txn".into(),
        value,
        time: Some(nanos(start)),
        error,
    }
}

/// Sets the session's isolation level for every transaction after it.
pub(crate) async fn set_level(session: &mut Session, options: &Options) -> Result<(), StateError> {
    session
        .execute(&format!(
            "SET SESSION TRANSACTION ISOLATION LEVEL {}",
            options.level.sql()
        ))
        .await
        .map(drop)
}

/// Runs client `client`'s share of the transactions on the context's
/// session, recording each in `log`. A client whose transaction ended
/// unknown continues as a new process (Jepsen's rule: a process is
/// single-threaded, and the unknown one may still be running). Ends early
/// on cancellation, or on an error the workload does not expect (returned,
/// after its transaction is recorded).
pub(crate) async fn run_client(
    cx: &mut StateContext,
    client: u32,
    options: &Options,
    log: &mut ClientLog,
    start: Instant,
    progress: &AtomicU64,
) -> Result<(), StateError> {
    let cancel = cx.cancellation().cloned().unwrap_or_default();
    let mut generator = Generator::new(
        options.seed,
        client,
        options.connections,
        options.shape.clone(),
    );
    let mut process = u64::from(client);
    set_level(cx.session()?, options).await?;
    for _ in 0..options.share(client) {
        if cancel.is_cancelled() {
            break;
        }
        let mops = generator.next_txn();
        log.ops
            .push(op(process, OpType::Invoke, mops.clone(), start, None));
        let session = cx.session()?;
        let ended = tokio::select! {
            ended = transact(session, &options.table, &mops) => ended,
            _ = cancel.cancelled() => {
                log.ops.push(op(process, OpType::Info, mops, start, Some("cancelled".into())));
                break;
            }
        };
        progress.fetch_add(1, Ordering::Relaxed);
        match ended {
            Ended::Committed(done) => log.ops.push(op(process, OpType::Ok, done, start, None)),
            Ended::Failed(e) => {
                log.ops
                    .push(op(process, OpType::Fail, mops, start, Some(e.to_string())));
                log.count(&e);
                if !cx.session()?.is_open() || is_connection_lost(&e) {
                    set_level(cx.reconnect().await?, options).await?;
                } else if !is_expected_failure(&e) {
                    return Err(e);
                }
            }
            Ended::Unknown(e) => {
                log.ops
                    .push(op(process, OpType::Info, mops, start, Some(e.to_string())));
                log.count(&e);
                process += u64::from(options.connections);
                set_level(cx.reconnect().await?, options).await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_error(code: u16) -> StateError {
        StateError::from_driver(mysql_async::Error::Server(mysql_async::ServerError {
            code,
            message: "m".into(),
            state: "HY000".into(),
        }))
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
    fn a_killed_or_dropped_connection_is_lost_and_a_refusal_is_not() {
        for code in [1927, 1053, 4031] {
            assert!(is_connection_lost(&server_error(code)), "{code}");
        }
        assert!(!is_connection_lost(&server_error(1213)));
        let io = mysql_async::Error::Io(mysql_async::IoError::Io(std::io::Error::from(
            std::io::ErrorKind::UnexpectedEof,
        )));
        assert!(is_connection_lost(&StateError::from_driver(io)));
        assert!(!is_connection_lost(&StateError::Cancelled));
    }

    #[test]
    fn stored_lists_parse_back_and_garbage_is_named() {
        assert_eq!(parse_list("").unwrap(), Vec::<Element>::new());
        assert_eq!(parse_list("5,17,3").unwrap(), vec![5, 17, 3]);
        let e = parse_list("5,x").unwrap_err().to_string();
        assert!(e.contains("`5,x`"), "{e}");
    }
}
