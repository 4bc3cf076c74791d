//! One client of a workload: runs its share of transactions one by one on
//! its own session, records each invocation and how it ended, reconnects
//! when its connection is lost, and stops on cancellation or an error the
//! workload does not expect. Shared by every workload; what a transaction
//! is comes from [`Txns`].

use super::Options;
use crate::context::StateContext;
use crate::error::StateError;
use crate::history::OpType;
use crate::isolation::Level;
use crate::session::Session;
use crate::workflow::BoxFuture;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// How one transaction ended.
pub(crate) enum Ended<V> {
    /// Committed, with what it read.
    Committed(V),
    /// Certainly not committed, and why.
    Failed(StateError),
    /// Maybe committed: the connection was lost during COMMIT.
    Unknown(StateError),
}

/// A workload's transactions, as one client runs them.
pub(crate) trait Txns: Send + Sync {
    /// What an operation of the history holds.
    type Value: Clone + Send + Sync;
    /// The next transaction to invoke.
    fn next(&mut self) -> Self::Value;
    /// Whether the workload itself refused the transaction with `error`
    /// (the bank's insufficient funds): recorded as failed, and the client
    /// goes on.
    fn refused(&self, _error: &StateError) -> bool {
        false
    }
    /// Its statements, run inside the transaction; gives what it read.
    fn body<'a>(
        &'a self,
        session: &'a mut Session,
        value: &'a Self::Value,
    ) -> BoxFuture<'a, Result<Self::Value, StateError>>;
}

/// One recorded operation, before it is numbered into a history.
#[derive(Debug, Clone)]
pub(crate) struct Record<V> {
    pub(crate) process: u64,
    pub(crate) kind: OpType,
    pub(crate) value: V,
    pub(crate) time: u64,
    pub(crate) error: Option<String>,
}

/// How often one kind of error ended a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorCount {
    /// How many transactions it ended.
    pub count: u64,
    /// The first message seen.
    pub example: String,
}

/// What one client recorded.
#[derive(Debug)]
pub(crate) struct ClientLog<V> {
    pub(crate) ops: Vec<Record<V>>,
    pub(crate) errors: BTreeMap<String, ErrorCount>,
}

impl<V> Default for ClientLog<V> {
    fn default() -> Self {
        ClientLog {
            ops: Vec::new(),
            errors: BTreeMap::new(),
        }
    }
}

impl<V> ClientLog<V> {
    fn record(
        &mut self,
        start: Instant,
        process: u64,
        kind: OpType,
        value: V,
        error: Option<String>,
    ) {
        self.ops.push(Record {
            process,
            kind,
            value,
            time: start.elapsed().as_nanos() as u64,
            error,
        });
    }

    fn count(&mut self, error: &StateError) {
        let label = match (error.server_code(), error) {
            (Some(code), _) => code.to_string(),
            (None, StateError::Step(_)) => "refused".to_string(),
            (None, _) => "connection".to_string(),
        };
        self.errors
            .entry(label)
            .or_insert_with(|| ErrorCount {
                count: 0,
                example: error.to_string(),
            })
            .count += 1;
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

/// Runs `value`'s statements between `START TRANSACTION` and `COMMIT`,
/// never retried (a retry would hide what the server did), and says how
/// it ended: an error before COMMIT rolls back (nothing committed), a
/// connection lost during COMMIT leaves the outcome unknown, any other
/// COMMIT error is the server refusing it.
pub(crate) async fn transaction<T: Txns>(
    txns: &T,
    session: &mut Session,
    value: &T::Value,
) -> Ended<T::Value> {
    if let Err(e) = session.execute("START TRANSACTION").await {
        return Ended::Failed(e);
    }
    match txns.body(session, value).await {
        Ok(done) => match session.execute("COMMIT").await {
            Ok(_) => Ended::Committed(done),
            Err(e) if e.is_connection_lost() => Ended::Unknown(e),
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

/// Sets the session's isolation level for every transaction after it.
pub(crate) async fn set_level(session: &mut Session, level: Level) -> Result<(), StateError> {
    session
        .execute(&format!(
            "SET SESSION TRANSACTION ISOLATION LEVEL {}",
            level.sql()
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
pub(crate) async fn run_client<T: Txns>(
    cx: &mut StateContext,
    client: u32,
    options: &Options,
    txns: &mut T,
    log: &mut ClientLog<T::Value>,
    start: Instant,
    progress: &AtomicU64,
) -> Result<(), StateError> {
    let cancel = cx.cancellation().cloned().unwrap_or_default();
    let mut process = u64::from(client);
    set_level(cx.session()?, options.level).await?;
    for _ in 0..options.share(client) {
        if cancel.is_cancelled() {
            break;
        }
        let value = txns.next();
        log.record(start, process, OpType::Invoke, value.clone(), None);
        let session = cx.session()?;
        let ended = tokio::select! {
            ended = transaction(&*txns, session, &value) => ended,
            _ = cancel.cancelled() => {
                log.record(start, process, OpType::Info, value, Some("cancelled".into()));
                break;
            }
        };
        progress.fetch_add(1, Ordering::Relaxed);
        match ended {
            Ended::Committed(done) => log.record(start, process, OpType::Ok, done, None),
            Ended::Failed(e) => {
                log.record(start, process, OpType::Fail, value, Some(e.to_string()));
                log.count(&e);
                if !cx.session()?.is_open() || e.is_connection_lost() {
                    set_level(cx.reconnect().await?, options.level).await?;
                } else if !is_expected_failure(&e) && !txns.refused(&e) {
                    return Err(e);
                }
            }
            Ended::Unknown(e) => {
                log.record(start, process, OpType::Info, value, Some(e.to_string()));
                log.count(&e);
                process += u64::from(options.connections);
                set_level(cx.reconnect().await?, options.level).await?;
            }
        }
    }
    Ok(())
}
