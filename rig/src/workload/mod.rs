//! Randomized transactional workloads over many real sessions, recorded
//! as a [`History`] for [`checker`](crate::checker): one coordinator
//! participant per client, each with its own session (never a pooled
//! connection), each transaction at the chosen isolation level and never
//! retried. After the workload, a final read of every key gives the
//! lost-append check its evidence.

mod generator;
mod list_append;

pub use generator::{Generator, Shape, MAX_OPS};
pub use list_append::{is_connection_lost, is_expected_failure};

use crate::config::ConnectionConfig;
use crate::coordinator::Coordinator;
use crate::error::StateError;
use crate::flavor::ServerInfo;
use crate::history::{History, Key, Mop, Op, OpType};
use crate::isolation::Level;
use crate::report::RunReport;
use crate::session::{quote_identifier, Session};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Clients, each with its own session.
    pub connections: u32,
    /// Transactions in all, shared out among the clients.
    pub txns: u64,
    /// The isolation level of every transaction.
    pub level: Level,
    /// The generators' seed.
    pub seed: u64,
    /// The shape of the transactions.
    pub shape: Shape,
    /// The table the workload uses (created afresh, dropped at the end).
    pub table: String,
    /// Leaves the table in place after the run.
    pub keep_table: bool,
}

impl Options {
    /// How many transactions client `client` runs: an even share, the
    /// first ones taking one more when the total does not divide.
    pub fn share(&self, client: u32) -> u64 {
        let n = u64::from(self.connections.max(1));
        self.txns / n + u64::from(u64::from(client) < self.txns % n)
    }
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
#[derive(Debug, Default)]
pub(crate) struct ClientLog {
    pub(crate) ops: Vec<Op>,
    pub(crate) errors: BTreeMap<String, ErrorCount>,
}

impl ClientLog {
    pub(crate) fn count(&mut self, error: &StateError) {
        let label = error_label(error);
        self.errors
            .entry(label)
            .or_insert_with(|| ErrorCount {
                count: 0,
                example: error.to_string(),
            })
            .count += 1;
    }
}

/// `1213`, or `connection` for an error the server did not give.
fn error_label(error: &StateError) -> String {
    error
        .server_code()
        .map_or_else(|| "connection".to_string(), |c| c.to_string())
}

/// A finished workload.
#[derive(Debug)]
pub struct WorkloadRun {
    /// Everything the clients did, and the final read.
    pub history: History,
    /// The coordinator's report on the clients.
    pub report: RunReport,
    /// How long the clients ran.
    pub elapsed: Duration,
    /// Errors that ended transactions, by server code.
    pub errors: BTreeMap<String, ErrorCount>,
    /// Whether the run was cancelled before its end.
    pub cancelled: bool,
    /// The server, as it described itself.
    pub server: ServerInfo,
}

async fn create_table(config: &ConnectionConfig, table: &str) -> Result<ServerInfo, StateError> {
    let mut session = Session::connect(config).await?;
    let server = session.server_info().await?;
    session
        .execute(&format!("DROP TABLE IF EXISTS {table}"))
        .await?;
    session
        .execute(&format!(
            "CREATE TABLE {table} (k BIGINT NOT NULL PRIMARY KEY, v TEXT NOT NULL)"
        ))
        .await?;
    session.close().await?;
    Ok(server)
}

/// Reads every key the history appended to, in one transaction after all
/// others ended, and records it as the last process's.
async fn final_read(
    config: &ConnectionConfig,
    options: &Options,
    history: &mut Vec<Op>,
    start: Instant,
) -> Result<(), StateError> {
    let keys: BTreeSet<Key> = history
        .iter()
        .flat_map(|op| op.value.iter())
        .filter(|m| matches!(m, Mop::Append { .. }))
        .map(Mop::key)
        .collect();
    let process = history
        .iter()
        .map(|op| op.process)
        .max()
        .map_or(0, |p| p + 1);
    let mut session = Session::connect(config).await?;
    list_append::set_level(&mut session, options).await?;
    let invoke_time = start.elapsed().as_nanos() as u64;
    session.execute("START TRANSACTION").await?;
    let rows: Vec<(i64, String)> = session
        .query(&format!("SELECT k, v FROM {}", options.table))
        .await?;
    session.execute("COMMIT").await?;
    let complete_time = start.elapsed().as_nanos() as u64;
    let mut found: BTreeMap<Key, Vec<i64>> = BTreeMap::new();
    for (k, v) in rows {
        found.insert(k, list_append::parse_list(&v)?);
    }
    let reads = |filled: bool| -> Vec<Mop> {
        keys.iter()
            .map(|k| Mop::Read {
                key: *k,
                list: filled.then(|| found.get(k).cloned().unwrap_or_default()),
            })
            .collect()
    };
    for (kind, time, filled) in [
        (OpType::Invoke, invoke_time, false),
        (OpType::Ok, complete_time, true),
    ] {
        history.push(Op {
            index: 0,
            process,
            kind,
            f: "txn".into(),
            value: reads(filled),
            time: Some(time),
            error: None,
        });
    }
    session.close().await
}

/// [`final_read`], tried again (up to three times) when its connection
/// is lost: the lost-append check needs its evidence, and a read that
/// never committed changed nothing.
async fn final_read_retried(
    config: &ConnectionConfig,
    options: &Options,
    history: &mut Vec<Op>,
    start: Instant,
) -> Result<(), StateError> {
    let mut attempt = 1;
    loop {
        match final_read(config, options, history, start).await {
            Err(e) if attempt < 3 && list_append::is_connection_lost(&e) => attempt += 1,
            other => return other,
        }
    }
}

/// Runs the list-append workload against `config`: creates the table,
/// runs the clients on a coordinator, reads every key at the end, drops
/// the table, and returns the history. `progress` counts finished
/// transactions as they finish. Cancelling `cancel` stops every client
/// after its current transaction (recorded as unknown).
pub async fn run_list_append(
    config: &ConnectionConfig,
    options: &Options,
    cancel: &CancellationToken,
    progress: Arc<AtomicU64>,
) -> Result<WorkloadRun, StateError> {
    let mut options = options.clone();
    options.table = quote_identifier(&options.table);
    // Cancellable from the first connect: a server that accepts and never
    // answers would otherwise hold a Ctrl-C for the whole connect timeout.
    let server = tokio::select! {
        created = create_table(config, &options.table) => created?,
        _ = cancel.cancelled() => return Err(StateError::Cancelled),
    };
    let logs: Arc<Mutex<Vec<ClientLog>>> = Arc::default();
    let mut coordinator = Coordinator::new();
    let start = Instant::now();
    for client in 0..options.connections {
        let (options, logs, progress) = (options.clone(), logs.clone(), progress.clone());
        coordinator.add_scenario(
            &format!("client-{}", client + 1),
            config.clone(),
            move |cx| async move {
                let mut cx =
                    crate::workflow::Workflow::run(&crate::common_states::WORKFLOW, cx).await?;
                let mut log = ClientLog::default();
                let result =
                    list_append::run_client(&mut cx, client, &options, &mut log, start, &progress)
                        .await;
                logs.lock().unwrap_or_else(|p| p.into_inner()).push(log);
                Ok(result?)
            },
        )?;
    }
    let token = coordinator.cancel_token();
    let forward = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            cancel.cancelled().await;
            token.cancel();
        })
    };
    let report = coordinator.run().await;
    forward.abort();
    let elapsed = start.elapsed();
    let mut ops = Vec::new();
    let mut errors: BTreeMap<String, ErrorCount> = BTreeMap::new();
    for log in std::mem::take(&mut *logs.lock().unwrap_or_else(|p| p.into_inner())) {
        ops.extend(log.ops);
        for (label, count) in log.errors {
            let entry = errors.entry(label).or_insert(ErrorCount {
                count: 0,
                example: count.example,
            });
            entry.count += count.count;
        }
    }
    ops.sort_by_key(|op| op.time);
    let cancelled = report.cancelled;
    let read = if cancelled {
        Ok(())
    } else {
        final_read_retried(config, &options, &mut ops, start).await
    };
    if !options.keep_table {
        // Bounded, so that a server gone silent cannot hold the exit.
        let drop_table = async {
            let mut session = Session::connect(config).await?;
            session
                .execute(&format!("DROP TABLE IF EXISTS {}", options.table))
                .await
        };
        let _ = tokio::time::timeout(Duration::from_secs(10), drop_table).await;
    }
    read?;
    let mut history = History::default();
    for op in ops {
        history.push(op);
    }
    Ok(WorkloadRun {
        history,
        report,
        elapsed,
        errors,
        cancelled,
        server,
    })
}
