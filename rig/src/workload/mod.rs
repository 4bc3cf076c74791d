//! Randomized transactional workloads over many real sessions, recorded
//! as histories for [`checker`](crate::checker): one coordinator
//! participant per client, each with its own session (never a pooled
//! connection), each transaction at the chosen isolation level and never
//! retried. After the workload, a final read gives the checks their
//! evidence (every key for list-append, every balance for the bank).

mod bank;
mod client;
mod generator;
mod list_append;

pub use bank::BankShape;
pub use client::{is_expected_failure, ErrorCount};
pub use generator::{Generator, Shape, MAX_OPS};

use crate::config::ConnectionConfig;
use crate::coordinator::Coordinator;
use crate::error::StateError;
use crate::flavor::ServerInfo;
use crate::history::{BankHistory, BankOp, BankValue, History, Key, Mop, Op, OpType};
use crate::isolation::Level;
use crate::report::RunReport;
use crate::session::{quote_identifier, Session};
use client::{ClientLog, Record, Txns};
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
    /// The shape of list-append transactions.
    pub shape: Shape,
    /// The shape of the bank.
    pub bank: BankShape,
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

/// A finished workload.
#[derive(Debug)]
pub struct WorkloadRun<H = History> {
    /// Everything the clients did, and the final read.
    pub history: H,
    /// The coordinator's report on the clients.
    pub report: RunReport,
    /// How long the clients ran.
    pub elapsed: Duration,
    /// What ended transactions: server codes, `refused` (the workload
    /// declined, as the bank's insufficient funds) and `connection`.
    pub errors: BTreeMap<String, ErrorCount>,
    /// Whether the run was cancelled before its end.
    pub cancelled: bool,
    /// The server, as it described itself.
    pub server: ServerInfo,
}

/// Drops and creates the workload's table (and fills it), and tells who
/// the server is.
async fn create_table(
    config: &ConnectionConfig,
    table: &str,
    fill: &[String],
) -> Result<ServerInfo, StateError> {
    let mut session = Session::connect(config).await?;
    let server = session.server_info().await?;
    session
        .execute(&format!("DROP TABLE IF EXISTS {table}"))
        .await?;
    for sql in fill {
        session.execute(sql).await?;
    }
    session.close().await?;
    Ok(server)
}

/// What the clients recorded, merged in time order.
struct Clients<V> {
    report: RunReport,
    elapsed: Duration,
    records: Vec<Record<V>>,
    errors: BTreeMap<String, ErrorCount>,
    start: Instant,
}

/// Runs `options.connections` clients on a coordinator, each with the
/// transactions `txns` makes for it, until done or cancelled.
async fn run_clients<T, F>(
    config: &ConnectionConfig,
    options: &Options,
    cancel: &CancellationToken,
    progress: Arc<AtomicU64>,
    txns: F,
) -> Result<Clients<T::Value>, StateError>
where
    T: Txns + 'static,
    T::Value: 'static,
    F: Fn(u32, &Options) -> T + Send + Sync + Clone + 'static,
{
    let logs: Arc<Mutex<Vec<ClientLog<T::Value>>>> = Arc::default();
    let mut coordinator = Coordinator::new();
    let start = Instant::now();
    for client in 0..options.connections {
        let (options, logs, progress, txns) = (
            options.clone(),
            logs.clone(),
            progress.clone(),
            txns.clone(),
        );
        coordinator.add_scenario(
            &format!("client-{}", client + 1),
            config.clone(),
            move |cx| async move {
                let mut cx =
                    crate::workflow::Workflow::run(&crate::common_states::WORKFLOW, cx).await?;
                let mut log = ClientLog::default();
                let mut own = txns(client, &options);
                let result = client::run_client(
                    &mut cx, client, &options, &mut own, &mut log, start, &progress,
                )
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
    let mut records = Vec::new();
    let mut errors: BTreeMap<String, ErrorCount> = BTreeMap::new();
    for log in std::mem::take(&mut *logs.lock().unwrap_or_else(|p| p.into_inner())) {
        records.extend(log.ops);
        for (label, count) in log.errors {
            let entry = errors.entry(label).or_insert(ErrorCount {
                count: 0,
                example: count.example,
            });
            entry.count += count.count;
        }
    }
    records.sort_by_key(|r| r.time);
    Ok(Clients {
        report,
        elapsed,
        records,
        errors,
        start,
    })
}

/// Runs one read-only transaction after all others ended, on a session
/// of its own, tried again (up to three times) when its connection is
/// lost: the checks need its evidence, and a read that never committed
/// changed nothing. Gives the read and its invocation and completion times.
async fn final_read<V>(
    config: &ConnectionConfig,
    level: Level,
    start: Instant,
    read: impl for<'s> Fn(&'s mut Session) -> crate::workflow::BoxFuture<'s, Result<V, StateError>>,
) -> Result<(V, u64, u64), StateError> {
    let mut attempt = 1;
    loop {
        let once = async {
            let mut session = Session::connect(config).await?;
            client::set_level(&mut session, level).await?;
            let invoked = start.elapsed().as_nanos() as u64;
            session.execute("START TRANSACTION").await?;
            let value = read(&mut session).await?;
            session.execute("COMMIT").await?;
            let completed = start.elapsed().as_nanos() as u64;
            let _ = session.close().await;
            Ok::<_, StateError>((value, invoked, completed))
        };
        match once.await {
            Err(e) if attempt < 3 && e.is_connection_lost() => attempt += 1,
            other => return other,
        }
    }
}

/// Drops the table unless asked to keep it; bounded, so that a server
/// gone silent cannot hold the exit.
async fn drop_table(config: &ConnectionConfig, options: &Options) {
    if options.keep_table {
        return;
    }
    let drop_it = async {
        let mut session = Session::connect(config).await?;
        session
            .execute(&format!("DROP TABLE IF EXISTS {}", options.table))
            .await
    };
    let _ = tokio::time::timeout(Duration::from_secs(10), drop_it).await;
}

/// The created table's server, or a cancellation while creating it: a
/// server that accepts and never answers would otherwise hold a Ctrl-C
/// for the whole connect timeout.
async fn setup(
    config: &ConnectionConfig,
    table: &str,
    fill: &[String],
    cancel: &CancellationToken,
) -> Result<ServerInfo, StateError> {
    tokio::select! {
        created = create_table(config, table, fill) => created,
        _ = cancel.cancelled() => Err(StateError::Cancelled),
    }
}

fn quoted(options: &Options) -> Options {
    let mut options = options.clone();
    options.table = quote_identifier(&options.table);
    options
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
) -> Result<WorkloadRun<History>, StateError> {
    let options = quoted(options);
    let table = options.table.clone();
    let fill = [format!(
        "CREATE TABLE {table} (k BIGINT NOT NULL PRIMARY KEY, v TEXT NOT NULL)"
    )];
    let server = setup(config, &table, &fill, cancel).await?;
    let clients = run_clients(config, &options, cancel, progress, |client, o: &Options| {
        list_append::ListAppendTxns {
            generator: Generator::new(o.seed, client, o.connections, o.shape.clone()),
            table: o.table.clone(),
        }
    })
    .await?;
    let mut ops: Vec<Op> = clients
        .records
        .into_iter()
        .map(list_append::op_of)
        .collect();
    let cancelled = clients.report.cancelled;
    let read = if cancelled {
        Ok(())
    } else {
        let keys: BTreeSet<Key> = ops
            .iter()
            .flat_map(|op| op.value.iter())
            .filter(|m| matches!(m, Mop::Append { .. }))
            .map(Mop::key)
            .collect();
        let read = final_read(config, options.level, clients.start, |s| {
            Box::pin(list_append::read_keys(s, table.clone()))
        })
        .await;
        read.map(|(found, invoked, completed)| {
            list_append::push_final_read(&mut ops, &keys, &found, invoked, completed)
        })
    };
    drop_table(config, &options).await;
    read?;
    let mut history = History::default();
    for op in ops {
        history.push(op);
    }
    Ok(WorkloadRun {
        history,
        report: clients.report,
        elapsed: clients.elapsed,
        errors: clients.errors,
        cancelled,
        server,
    })
}

/// Runs the bank workload against `config`: creates the accounts, runs
/// the clients' transfers and reads, reads every balance at the end,
/// drops the table, and returns the history; as
/// [`run_list_append`] otherwise.
pub async fn run_bank(
    config: &ConnectionConfig,
    options: &Options,
    cancel: &CancellationToken,
    progress: Arc<AtomicU64>,
) -> Result<WorkloadRun<BankHistory>, StateError> {
    let options = quoted(options);
    let table = options.table.clone();
    let accounts: Vec<String> = (0..options.bank.accounts)
        .map(|a| format!("({a}, {})", options.bank.balance))
        .collect();
    let fill = [
        format!("CREATE TABLE {table} (id BIGINT NOT NULL PRIMARY KEY, balance BIGINT NOT NULL)"),
        format!(
            "INSERT INTO {table} (id, balance) VALUES {}",
            accounts.join(", ")
        ),
    ];
    let server = setup(config, &table, &fill, cancel).await?;
    let clients = run_clients(config, &options, cancel, progress, |client, o: &Options| {
        bank::BankTxns::new(o.seed, client, o.bank.clone(), o.table.clone())
    })
    .await?;
    let mut history = BankHistory::default();
    let last_process = clients.records.iter().map(|r| r.process).max();
    for r in clients.records {
        history.push(BankOp {
            index: 0,
            process: r.process,
            kind: r.kind,
            value: r.value,
            time: Some(r.time),
            error: r.error,
        });
    }
    let cancelled = clients.report.cancelled;
    let read = if cancelled {
        Ok(())
    } else {
        final_read(config, options.level, clients.start, |s| {
            Box::pin(bank::read_all(s, table.clone()))
        })
        .await
        .map(|(balances, invoked, completed)| {
            let process = last_process.map_or(0, |p| p + 1);
            for (kind, value, time) in [
                (OpType::Invoke, BankValue::Read(None), invoked),
                (OpType::Ok, BankValue::Read(Some(balances)), completed),
            ] {
                history.push(BankOp {
                    index: 0,
                    process,
                    kind,
                    value,
                    time: Some(time),
                    error: None,
                });
            }
        })
    };
    drop_table(config, &options).await;
    read?;
    Ok(WorkloadRun {
        history,
        report: clients.report,
        elapsed: clients.elapsed,
        errors: clients.errors,
        cancelled,
        server,
    })
}
