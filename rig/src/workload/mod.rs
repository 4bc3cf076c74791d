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
mod generator;
mod list_append;
mod nemesis;
mod timeline;

pub use bank::BankShape;
pub use client::{is_certain_abort, is_expected_failure, ErrorCount};
pub use generator::{Generator, Shape, MAX_OPS};
pub use nemesis::{Nemesis, NemesisEvent, NemesisLog, COMMAND_TIMEOUT};
pub use timeline::{timeline, Outcomes, Timeline, Window};

use crate::config::ConnectionConfig;
use crate::coordinator::Coordinator;
use crate::error::StateError;
use crate::flavor::ServerInfo;
use crate::history::{BankHistory, BankOp, BankValue, History, Key, Mop, Op, OpType};
use crate::isolation::Level;
use crate::report::RunReport;
use crate::session::{quote_identifier, Session};
use client::{ClientLog, Record, Shared, Txns};
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

/// Whether every endpoint's final read saw the same state.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Convergence {
    /// The endpoints read, in order (`host:port`).
    pub nodes: Vec<String>,
    /// Where they disagree, one sentence per key (or account), at most
    /// [`DIFFERENCES_SHOWN`]; empty when they all agree.
    pub differences: Vec<String>,
    /// How many keys (or accounts) differ in all.
    pub differing: usize,
    /// How many rounds of final reads were taken: a node that has just
    /// rejoined may lag behind for a moment, so the reads are taken again
    /// (each second, for up to [`CONVERGENCE_WAIT`]) until all agree.
    pub rounds: usize,
}

/// How long the final reads are repeated while the nodes disagree.
pub const CONVERGENCE_WAIT: Duration = Duration::from_secs(30);

/// How many differences a [`Convergence`] spells out.
pub const DIFFERENCES_SHOWN: usize = 10;

impl Convergence {
    /// Compares each endpoint's final state, a map from key (or account)
    /// to what it holds; `what` names the keys in sentences (`key`).
    pub fn of<X: PartialEq + std::fmt::Debug>(
        reads: &[(String, &BTreeMap<i64, X>)],
        what: &str,
    ) -> Convergence {
        let mut keys: BTreeSet<i64> = BTreeSet::new();
        for (_, state) in reads {
            keys.extend(state.keys());
        }
        let mut differences = Vec::new();
        let mut differing = 0;
        for key in keys {
            let seen: Vec<Option<&X>> = reads.iter().map(|(_, s)| s.get(&key)).collect();
            if seen.windows(2).all(|w| w[0] == w[1]) {
                continue;
            }
            differing += 1;
            if differences.len() < DIFFERENCES_SHOWN {
                let each: Vec<String> = reads
                    .iter()
                    .zip(&seen)
                    .map(|((node, _), v)| match v {
                        Some(v) => format!("{node} has {v:?}"),
                        None => format!("{node} has nothing"),
                    })
                    .collect();
                differences.push(format!("{what} {key}: {}", each.join(", ")));
            }
        }
        Convergence {
            nodes: reads.iter().map(|(n, _)| n.clone()).collect(),
            differences,
            differing,
            rounds: 1,
        }
    }

    /// Whether every endpoint read the same.
    pub fn agrees(&self) -> bool {
        self.differing == 0
    }
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

/// Waits until every endpoint sees the table with `rows` rows: on a
/// cluster, DDL and the fill reach the other nodes a moment later, and a
/// client there must not begin before them. Gives up after 30 s.
async fn wait_visible(
    endpoints: &[ConnectionConfig],
    table: &str,
    rows: u64,
    cancel: &CancellationToken,
) -> Result<(), StateError> {
    if endpoints.len() < 2 {
        return Ok(());
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    for endpoint in endpoints {
        let mut session = Session::connect(endpoint).await?;
        loop {
            let count: Result<Option<u64>, StateError> = session
                .query_first(&format!("SELECT COUNT(*) FROM {table}"))
                .await;
            match count {
                Ok(Some(n)) if n == rows => break,
                Ok(_) | Err(StateError::Server { code: 1146, .. }) if Instant::now() < deadline => {}
                Ok(n) => {
                    return Err(StateError::Step(format!(
                        "{} still sees {} rows in {table} 30 s after they were written on {}, not {rows}",
                        endpoint.address(),
                        n.unwrap_or(0),
                        endpoints[0].address()
                    )))
                }
                Err(e) => return Err(e),
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(50)) => {}
                _ = cancel.cancelled() => return Err(StateError::Cancelled),
            }
        }
        let _ = session.close().await;
    }
    Ok(())
}

/// What the clients recorded, merged in time order.
struct Clients<V> {
    report: RunReport,
    elapsed: Duration,
    records: Vec<Record<V>>,
    errors: BTreeMap<String, ErrorCount>,
    start: Instant,
    nemesis: NemesisLog,
}

/// Runs `options.connections` clients on a coordinator, client `i` on
/// endpoint `i mod n`, each with the transactions `txns` makes for it,
/// until done or cancelled, with the nemesis at work meanwhile (and
/// healed before this returns).
async fn run_clients<T, F>(
    endpoints: &[ConnectionConfig],
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
    let shared = Shared {
        start: Instant::now(),
        progress,
        sessions: Arc::new(Mutex::new(vec![None; options.connections as usize])),
        reconnect_for: options.reconnect_for,
    };
    let start = shared.start;
    for (client, endpoint) in (0..options.connections).zip(endpoints.iter().cycle()) {
        let (options, logs, shared, txns) =
            (options.clone(), logs.clone(), shared.clone(), txns.clone());
        let node = (endpoints.len() > 1).then(|| endpoint.address());
        coordinator.add_scenario(
            &format!("client-{}", client + 1),
            endpoint.clone(),
            move |cx| async move {
                let mut cx =
                    crate::workflow::Workflow::run(&crate::common_states::WORKFLOW, cx).await?;
                let mut log = ClientLog::on(node);
                let mut own = txns(client, &options);
                let result =
                    client::run_client(&mut cx, client, &options, &mut own, &mut log, &shared)
                        .await;
                logs.lock().unwrap_or_else(|p| p.into_inner()).push(log);
                Ok(result?)
            },
        )?;
    }
    let token = coordinator.cancel_token();
    // The nemesis ends the clients' run when a fault fails, as a cancel does.
    let abort = CancellationToken::new();
    let forward = {
        let (cancel, abort, token) = (cancel.clone(), abort.clone(), token.clone());
        tokio::spawn(async move {
            tokio::select! {
                _ = cancel.cancelled() => {}
                _ = abort.cancelled() => {}
            }
            token.cancel();
        })
    };
    let clients_done = CancellationToken::new();
    let nemesis = tokio::spawn(nemesis::run(
        options.nemesis.clone(),
        endpoints.to_vec(),
        shared.clone(),
        options.seed,
        clients_done.clone(),
        abort,
    ));
    let report = coordinator.run().await;
    forward.abort();
    clients_done.cancel();
    let nemesis = nemesis.await.unwrap_or_default();
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
        nemesis,
    })
}

/// Runs one read-only transaction after all others ended, on a session
/// of its own, tried again (every half second, for up to a minute) while
/// the server is down or not back in its cluster: the checks need its
/// evidence, and a read that never committed changed nothing. Gives the
/// read and its invocation and completion times.
async fn final_read<V>(
    config: &ConnectionConfig,
    level: Level,
    start: Instant,
    read: impl for<'s> Fn(&'s mut Session) -> crate::workflow::BoxFuture<'s, Result<V, StateError>>,
) -> Result<(V, u64, u64), StateError> {
    let deadline = Instant::now() + Duration::from_secs(60);
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
            Err(e) if client::worth_retrying(&e) && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            other => return other,
        }
    }
}

/// The final read on every endpoint, in order, each with its node.
async fn final_reads<V>(
    endpoints: &[ConnectionConfig],
    level: Level,
    start: Instant,
    read: impl for<'s> Fn(&'s mut Session) -> crate::workflow::BoxFuture<'s, Result<V, StateError>>,
) -> Result<Vec<FinalRead<V>>, StateError> {
    let mut reads = Vec::new();
    for endpoint in endpoints {
        let (value, invoked, completed) = final_read(endpoint, level, start, &read).await?;
        reads.push((endpoint.address(), value, invoked, completed));
    }
    Ok(reads)
}

/// Rounds of final reads on every endpoint, taken again each second while
/// the nodes disagree, for up to [`CONVERGENCE_WAIT`]: every round (each
/// read is evidence for the checks) and how the last one compares.
async fn converged_reads<X: PartialEq + std::fmt::Debug>(
    endpoints: &[ConnectionConfig],
    level: Level,
    start: Instant,
    what: &str,
    read: impl for<'s> Fn(
        &'s mut Session,
    ) -> crate::workflow::BoxFuture<'s, Result<BTreeMap<i64, X>, StateError>>,
) -> Result<(Vec<Vec<FinalRead<BTreeMap<i64, X>>>>, Convergence), StateError> {
    let deadline = Instant::now() + CONVERGENCE_WAIT;
    let mut rounds = Vec::new();
    loop {
        let round = final_reads(endpoints, level, start, &read).await?;
        let states: Vec<(String, &BTreeMap<i64, X>)> =
            round.iter().map(|(n, v, _, _)| (n.clone(), v)).collect();
        let mut convergence = Convergence::of(&states, what);
        rounds.push(round);
        convergence.rounds = rounds.len();
        if convergence.agrees() || Instant::now() >= deadline {
            return Ok((rounds, convergence));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// One endpoint's final read: its node, what it read, when it began and ended.
type FinalRead<V> = (String, V, u64, u64);

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

/// The node name operations carry: only when there are several.
fn node_name(endpoints: &[ConnectionConfig], address: &str) -> Option<String> {
    (endpoints.len() > 1).then(|| address.to_string())
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
    let Some(first) = endpoints.first() else {
        return Err(StateError::Step(
            "no endpoint to run the workload on".into(),
        ));
    };
    let options = quoted(options);
    let table = options.table.clone();
    let fill = [format!(
        "CREATE TABLE {table} (k BIGINT NOT NULL PRIMARY KEY, v TEXT NOT NULL)"
    )];
    let server = setup(first, &table, &fill, cancel).await?;
    wait_visible(endpoints, &table, 0, cancel).await?;
    let clients = run_clients(
        endpoints,
        &options,
        cancel,
        progress,
        |client, o: &Options| list_append::ListAppendTxns {
            generator: Generator::new(o.seed, client, o.connections, o.shape.clone()),
            table: o.table.clone(),
        },
    )
    .await?;
    let mut ops: Vec<Op> = clients
        .records
        .into_iter()
        .map(list_append::op_of)
        .collect();
    let cancelled = cancel.is_cancelled();
    let mut convergence = Convergence::default();
    let read = if cancelled {
        Ok(())
    } else {
        let keys: BTreeSet<Key> = ops
            .iter()
            .flat_map(|op| op.value.iter())
            .filter(|m| matches!(m, Mop::Append { .. }))
            .map(Mop::key)
            .collect();
        let rounds = converged_reads(endpoints, options.level, clients.start, "key", |s| {
            Box::pin(list_append::read_keys(s, table.clone()))
        })
        .await;
        rounds.map(|(rounds, agreed)| {
            for (node, found, invoked, completed) in rounds.iter().flatten() {
                let node = node_name(endpoints, node);
                list_append::push_final_read(&mut ops, &keys, found, *invoked, *completed, node);
            }
            convergence = agreed;
        })
    };
    drop_table(first, &options).await;
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
        nemesis: clients.nemesis,
        convergence,
    })
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
    let Some(first) = endpoints.first() else {
        return Err(StateError::Step(
            "no endpoint to run the workload on".into(),
        ));
    };
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
    let server = setup(first, &table, &fill, cancel).await?;
    wait_visible(endpoints, &table, u64::from(options.bank.accounts), cancel).await?;
    let clients = run_clients(
        endpoints,
        &options,
        cancel,
        progress,
        |client, o: &Options| bank::BankTxns::new(o.seed, client, o.bank.clone(), o.table.clone()),
    )
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
            node: r.node,
        });
    }
    let cancelled = cancel.is_cancelled();
    let mut convergence = Convergence::default();
    let read = if cancelled {
        Ok(())
    } else {
        converged_reads(endpoints, options.level, clients.start, "account", |s| {
            Box::pin(bank::read_all(s, table.clone()))
        })
        .await
        .map(|(rounds, agreed)| {
            let first = last_process.map_or(0, |p| p + 1);
            for (process, (node, balances, invoked, completed)) in
                (first..).zip(rounds.iter().flatten())
            {
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
            convergence = agreed;
        })
    };
    drop_table(first, &options).await;
    read?;
    Ok(WorkloadRun {
        history,
        report: clients.report,
        elapsed: clients.elapsed,
        errors: clients.errors,
        cancelled,
        server,
        nemesis: clients.nemesis,
        convergence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_that_agree_converge_and_each_difference_names_every_nodes_value() {
        let state = |pairs: &[(i64, &[i64])]| -> BTreeMap<i64, Vec<i64>> {
            pairs.iter().map(|(k, v)| (*k, v.to_vec())).collect()
        };
        let (a, b) = (state(&[(1, &[1, 2])]), state(&[(1, &[1, 2])]));
        let same = [("a".to_string(), &a), ("b".to_string(), &b)];
        let c = Convergence::of(&same, "key");
        assert!(c.agrees());
        assert_eq!(c.nodes, ["a", "b"]);

        let (a, b, c) = (
            state(&[(1, &[1, 2]), (2, &[5])]),
            state(&[(1, &[1]), (2, &[5])]),
            state(&[(2, &[5])]),
        );
        let apart = [
            ("a".to_string(), &a),
            ("b".to_string(), &b),
            ("c".to_string(), &c),
        ];
        let c = Convergence::of(&apart, "key");
        assert!(!c.agrees());
        assert_eq!(c.differing, 1);
        assert_eq!(
            c.differences,
            ["key 1: a has [1, 2], b has [1], c has nothing"]
        );
    }
}
