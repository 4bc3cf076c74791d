//! Randomized transactional workloads over many real sessions, recorded
//! as histories for [`checker`](crate::checker): one coordinator
//! participant per client, each with its own session (never a pooled
//! connection), spread round-robin over the endpoints (a cluster's
//! nodes), each transaction at the chosen isolation level and never
//! retried; a [`Nemesis`] may inject faults meanwhile. After the
//! workload, a final read on every endpoint gives the checks their
//! evidence (every key for list-append, every balance for the bank), and
//! the endpoints' final states are compared.

mod bank;
mod client;
mod clients;
mod final_reads;
mod generator;
mod list_append;
mod nemesis;
mod table;
mod timeline;

pub use bank::BankShape;
pub use client::{is_certain_abort, is_expected_failure, ErrorCount};
pub use final_reads::{Convergence, CONVERGENCE_WAIT, DIFFERENCES_SHOWN};
pub use generator::{Generator, Shape, MAX_OPS};
pub use nemesis::{EventKind, Nemesis, NemesisEvent, NemesisLog, COMMAND_TIMEOUT};
pub use timeline::{timeline, Outcomes, Timeline, Window};

use crate::config::ConnectionConfig;
use crate::error::StateError;
use crate::flavor::ServerInfo;
use crate::history::{BankHistory, BankOp, BankValue, History, Key, Mop, Op, OpType};
use crate::isolation::Level;
use crate::report::RunReport;
use crate::session::Session;
use crate::workflow::BoxFuture;
use client::{Record, Txns};
use final_reads::FinalRead;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Clients, each with its own session.
    pub connections: u32,
    /// Transactions in all, shared out among the clients (unless
    /// `duration` is given).
    pub txns: u64,
    /// Runs each client for this long instead of for its share of `txns`
    /// (a transaction under way at the end is finished first).
    pub duration: Option<Duration>,
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
    /// Faults to inject while the clients run.
    pub nemesis: Nemesis,
    /// How long a client keeps trying to reconnect to a server that is
    /// down before it gives up (and fails).
    pub reconnect_for: Duration,
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
    /// The server, as it described itself (the first endpoint).
    pub server: ServerInfo,
    /// What the nemesis did.
    pub nemesis: NemesisLog,
    /// How the endpoints' final reads compare.
    pub convergence: Convergence,
}

/// The node name operations carry: only when there are several.
fn node_name(endpoints: &[ConnectionConfig], address: &str) -> Option<String> {
    (endpoints.len() > 1).then(|| address.to_string())
}

/// A final read of everything in the table named by the second argument.
type ReadAll<X> =
    for<'s> fn(&'s mut Session, String) -> BoxFuture<'s, Result<BTreeMap<i64, X>, StateError>>;

/// What a workload brings to the run every workload shares.
struct Plan<F, X> {
    /// The statements that create (and fill) the table, its name quoted.
    fill: Vec<String>,
    /// The rows every endpoint must see before the clients begin.
    rows: u64,
    /// What the final state is keyed by, for the comparison's sentences.
    what: &'static str,
    /// Each client's transactions.
    txns: F,
    /// The final read of everything.
    read: ReadAll<X>,
}

/// A shared run, before its records become a workload's history.
struct Driven<V, X> {
    records: Vec<Record<V>>,
    /// Every round of final reads (none when cancelled).
    rounds: Vec<Vec<FinalRead<BTreeMap<i64, X>>>>,
    run: WorkloadRun<()>,
}

impl WorkloadRun<()> {
    /// The finished workload with `history`.
    fn with<H>(self, history: H) -> WorkloadRun<H> {
        WorkloadRun {
            history,
            report: self.report,
            elapsed: self.elapsed,
            errors: self.errors,
            cancelled: self.cancelled,
            server: self.server,
            nemesis: self.nemesis,
            convergence: self.convergence,
        }
    }
}

/// The run every workload shares: creates the table on the first
/// endpoint and waits until every endpoint sees it, runs the clients on a
/// coordinator (with the nemesis), takes the final reads on every
/// endpoint unless cancelled, and drops the table.
async fn drive<T, F, X>(
    endpoints: &[ConnectionConfig],
    options: &Options,
    cancel: &CancellationToken,
    progress: Arc<AtomicU64>,
    plan: Plan<F, X>,
) -> Result<Driven<T::Value, X>, StateError>
where
    T: Txns + 'static,
    T::Value: 'static,
    F: Fn(u32, &Options) -> T + Send + Sync + Clone + 'static,
    X: PartialEq + std::fmt::Debug,
{
    let Some(first) = endpoints.first() else {
        return Err(StateError::Step(
            "no endpoint to run the workload on".into(),
        ));
    };
    let table_name = &options.table;
    let server = table::setup(first, table_name, &plan.fill, cancel).await?;
    table::wait_visible(endpoints, table_name, plan.rows, cancel).await?;
    let clients = clients::run_clients(endpoints, options, cancel, progress, plan.txns).await?;
    let cancelled = cancel.is_cancelled();
    let read = if cancelled {
        Ok((Vec::new(), Convergence::default()))
    } else {
        let read = plan.read;
        final_reads::converged_reads(endpoints, options.level, clients.start, plan.what, |s| {
            read(s, table_name.clone())
        })
        .await
    };
    table::drop_table(first, options).await;
    let (rounds, convergence) = read?;
    Ok(Driven {
        records: clients.records,
        rounds,
        run: WorkloadRun {
            history: (),
            report: clients.report,
            elapsed: clients.elapsed,
            errors: clients.errors,
            cancelled,
            server,
            nemesis: clients.nemesis,
            convergence,
        },
    })
}

/// Runs the list-append workload against `endpoints` (one server, or a
/// cluster's nodes): creates the table on the first, runs the clients on
/// a coordinator, reads every key on every endpoint at the end, drops the
/// table, and returns the history. `progress` counts finished
/// transactions as they finish. Cancelling `cancel` stops every client
/// after its current transaction (recorded as unknown).
pub async fn run_list_append(
    endpoints: &[ConnectionConfig],
    options: &Options,
    cancel: &CancellationToken,
    progress: Arc<AtomicU64>,
) -> Result<WorkloadRun<History>, StateError> {
    let options = table::quoted(options);
    let table = options.table.clone();
    let plan = Plan {
        fill: vec![format!(
            "CREATE TABLE {table} (k BIGINT NOT NULL PRIMARY KEY, v TEXT NOT NULL)"
        )],
        rows: 0,
        what: "key",
        txns: |client, o: &Options| list_append::ListAppendTxns {
            generator: Generator::new(o.seed, client, o.connections, o.shape.clone()),
            table: o.table.clone(),
        },
        read: |s, table| Box::pin(list_append::read_keys(s, table)),
    };
    let Driven {
        records,
        rounds,
        run,
    } = drive(endpoints, &options, cancel, progress, plan).await?;
    let mut ops: Vec<Op> = records.into_iter().map(list_append::op_of).collect();
    let keys: BTreeSet<Key> = ops
        .iter()
        .flat_map(|op| op.value.iter())
        .filter(|m| matches!(m, Mop::Append { .. }))
        .map(Mop::key)
        .collect();
    for (node, found, invoked, completed) in rounds.iter().flatten() {
        let node = node_name(endpoints, node);
        list_append::push_final_read(&mut ops, &keys, found, *invoked, *completed, node);
    }
    let mut history = History::default();
    for op in ops {
        history.push(op);
    }
    Ok(run.with(history))
}

/// Runs the bank workload against `endpoints`: creates the accounts, runs
/// the clients' transfers and reads, reads every balance on every
/// endpoint at the end, drops the table, and returns the history; as
/// [`run_list_append`] otherwise.
pub async fn run_bank(
    endpoints: &[ConnectionConfig],
    options: &Options,
    cancel: &CancellationToken,
    progress: Arc<AtomicU64>,
) -> Result<WorkloadRun<BankHistory>, StateError> {
    let options = table::quoted(options);
    let table = options.table.clone();
    let accounts: Vec<String> = (0..options.bank.accounts)
        .map(|a| format!("({a}, {})", options.bank.balance))
        .collect();
    let plan = Plan {
        fill: vec![
            format!(
                "CREATE TABLE {table} (id BIGINT NOT NULL PRIMARY KEY, balance BIGINT NOT NULL)"
            ),
            format!(
                "INSERT INTO {table} (id, balance) VALUES {}",
                accounts.join(", ")
            ),
        ],
        rows: u64::from(options.bank.accounts),
        what: "account",
        txns: |client, o: &Options| {
            bank::BankTxns::new(o.seed, client, o.bank.clone(), o.table.clone())
        },
        read: |s, table| Box::pin(bank::read_all(s, table)),
    };
    let Driven {
        records,
        rounds,
        run,
    } = drive(endpoints, &options, cancel, progress, plan).await?;
    let mut history = BankHistory::default();
    let last_process = records.iter().map(|r| r.process).max();
    for r in records {
        history.push(BankOp {
            index: 0,
            process: r.process,
            kind: r.kind,
            value: r.value,
            time: Some(r.time),
            error: r.error,
            node: r.node,
        });
    }
    let first = last_process.map_or(0, |p| p + 1);
    for (process, (node, balances, invoked, completed)) in (first..).zip(rounds.iter().flatten()) {
        for (kind, value, time) in [
            (OpType::Invoke, BankValue::Read(None), *invoked),
            (
                OpType::Ok,
                BankValue::Read(Some(balances.clone())),
                *completed,
            ),
        ] {
            history.push(BankOp {
                index: 0,
                process,
                kind,
                value,
                time: Some(time),
                error: None,
                node: node_name(endpoints, node),
            });
        }
    }
    Ok(run.with(history))
}
