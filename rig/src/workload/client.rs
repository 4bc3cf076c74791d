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
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// The endpoint client `client` (from 0) is on: round-robin over `endpoints`.
pub(super) fn endpoint_of(client: usize, endpoints: usize) -> usize {
    client % endpoints.max(1)
}

/// How one transaction ended.
pub(crate) enum Ended<V> {
    /// Committed, with what it read.
    Committed(V),
    /// Certainly not committed, and why. `left_open`: its ROLLBACK failed
    /// too, so the transaction is still open on the session, which must be
    /// dropped (the server rolls back when it goes), never reused: the
    /// next START TRANSACTION would commit its writes (an implicit commit).
    Failed {
        /// Why.
        error: StateError,
        /// Whether the transaction may still be open.
        left_open: bool,
    },
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
    pub(crate) node: Option<String>,
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
    /// The server its session is on, written into each record.
    node: Option<String>,
}

impl<V> ClientLog<V> {
    /// An empty log of a client whose session is on `node`.
    pub(crate) fn on(node: Option<String>) -> Self {
        ClientLog {
            ops: Vec::new(),
            errors: BTreeMap::new(),
            node,
        }
    }

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
            node: self.node.clone(),
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
/// on after: an abort (see [`is_certain_abort`]), or a cluster node that
/// cannot serve for now (Galera's 1047, "WSREP has not yet prepared node
/// for application use", while it is outside the primary component).
pub fn is_expected_failure(error: &StateError) -> bool {
    is_certain_abort(error) || error.server_code() == Some(1047)
}

/// Whether an error says the transaction was rolled back: a deadlock
/// (also Galera's certification failure), a lock wait timeout, a write
/// conflict (TiDB 8002, 8005, 8022, 8028, 9007; MariaDB 1020 "record has
/// changed since last read"). At COMMIT, only these make a transaction
/// certainly failed.
pub fn is_certain_abort(error: &StateError) -> bool {
    matches!(
        error.server_code(),
        Some(1213 | 1205 | 1020 | 8002 | 8005 | 8022 | 8028 | 9007)
    )
}

/// Runs `value`'s statements between `START TRANSACTION` and `COMMIT`,
/// never retried (a retry would hide what the server did), and says how
/// it ended: an error before COMMIT rolls back (nothing committed); at
/// COMMIT, a deadlock or write conflict (a Galera certification failure,
/// TiDB's write conflict) is the server refusing it, and anything else (a
/// lost connection, a node leaving its cluster's primary component)
/// leaves the outcome unknown.
pub(crate) async fn transaction<T: Txns>(
    txns: &T,
    session: &mut Session,
    value: &T::Value,
) -> Ended<T::Value> {
    if let Err(e) = session.execute("START TRANSACTION").await {
        return Ended::Failed {
            error: e,
            left_open: false,
        };
    }
    match txns.body(session, value).await {
        Ok(done) => match session.execute("COMMIT").await {
            Ok(_) => Ended::Committed(done),
            Err(e) if is_certain_abort(&e) => Ended::Failed {
                error: e,
                left_open: false,
            },
            Err(e) => Ended::Unknown(e),
        },
        Err(e) => {
            // Seen on Galera: a node leaving the primary component refuses
            // a statement and then the ROLLBACK (1047).
            let left_open = session.is_open() && session.execute("ROLLBACK").await.is_err();
            Ended::Failed {
                error: e,
                left_open,
            }
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

/// What every client of one run shares.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    /// When the run began: operations' times count from it.
    pub(crate) start: Instant,
    /// Finished transactions, for a progress display.
    pub(crate) progress: Arc<AtomicU64>,
    /// Each client's current connection id, for the nemesis to kill.
    pub(crate) sessions: Arc<Mutex<Vec<Option<u64>>>>,
    /// How long a client keeps trying to reconnect to a server that is
    /// down (a crashed node waiting for its restart) before it gives up.
    pub(crate) reconnect_for: Duration,
}

impl Shared {
    fn register(&self, client: u32, session: &Session) {
        if let Some(slot) = self
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(client as usize)
        {
            *slot = session.connection_id();
        }
    }
}

/// Whether a new session may succeed later: the server is down or
/// restarting, or (a cluster's node) not yet back in its cluster.
pub(crate) fn worth_retrying(error: &StateError) -> bool {
    error.is_connection_lost() || error.is_unreachable() || is_expected_failure(error)
}

/// A new session for the client, at the run's level, tried again every
/// 200 ms while the server is down, for up to `shared.reconnect_for`.
/// `Cancelled` when the run is cancelled meanwhile.
async fn reconnect(
    cx: &mut StateContext,
    client: u32,
    options: &Options,
    shared: &Shared,
    cancel: &CancellationToken,
) -> Result<(), StateError> {
    let deadline = Instant::now() + shared.reconnect_for;
    loop {
        let attempt = async {
            let session = cx.reconnect().await?;
            set_level(session, options.level).await?;
            shared.register(client, session);
            Ok::<_, StateError>(())
        };
        let tried = tokio::select! {
            tried = attempt => tried,
            _ = cancel.cancelled() => return Err(StateError::Cancelled),
        };
        match tried {
            Err(e) if worth_retrying(&e) && Instant::now() < deadline => {}
            other => return other,
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            _ = cancel.cancelled() => return Err(StateError::Cancelled),
        }
    }
}

/// Runs client `client`'s share of the transactions on the context's
/// session, recording each in `log`. A client whose transaction ended
/// unknown continues as a new process (Jepsen's rule: a process is
/// single-threaded, and the unknown one may still be running). A lost
/// connection is reopened (see [`reconnect`]). Ends early on
/// cancellation, or on an error the workload does not expect (returned,
/// after its transaction is recorded).
pub(crate) async fn run_client<T: Txns>(
    cx: &mut StateContext,
    client: u32,
    options: &Options,
    txns: &mut T,
    log: &mut ClientLog<T::Value>,
    shared: &Shared,
) -> Result<(), StateError> {
    let cancel = cx.cancellation().cloned().unwrap_or_default();
    let start = shared.start;
    let mut process = u64::from(client);
    set_level(cx.session()?, options.level).await?;
    shared.register(client, cx.session()?);
    let share = options.share(client);
    let mut ran = 0;
    loop {
        let done = match options.duration {
            Some(duration) => start.elapsed() >= duration,
            None => ran >= share,
        };
        if done || cancel.is_cancelled() {
            break;
        }
        ran += 1;
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
        shared.progress.fetch_add(1, Ordering::Relaxed);
        let lost = match ended {
            Ended::Committed(done) => {
                log.record(start, process, OpType::Ok, done, None);
                false
            }
            Ended::Failed {
                error: e,
                left_open,
            } => {
                log.record(start, process, OpType::Fail, value, Some(e.to_string()));
                log.count(&e);
                let lost = left_open || !cx.session()?.is_open() || e.is_connection_lost();
                if !lost && !is_expected_failure(&e) && !txns.refused(&e) {
                    return Err(e);
                }
                if e.server_code() == Some(1047) {
                    // A node outside its cluster refuses at once: pace the
                    // retries rather than spend the share in a burst.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                lost
            }
            Ended::Unknown(e) => {
                log.record(start, process, OpType::Info, value, Some(e.to_string()));
                log.count(&e);
                process += u64::from(options.connections);
                true
            }
        };
        if lost {
            match reconnect(cx, client, options, shared, &cancel).await {
                Err(StateError::Cancelled) => break,
                other => other?,
            }
        }
    }
    Ok(())
}
