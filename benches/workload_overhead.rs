//! What recording a history costs the workload: the list-append workload
//! of `consistency run` (16 clients through the coordinator, every
//! transaction recorded as an invocation and a completion) against the
//! same generated transactions, with the same statements, run by 16 plain
//! mysql_async tasks that record nothing. Rounds alternate between the two
//! so that both see the same server and machine; both are timed from their
//! first connect to their last transaction.
//!
//! `cargo bench --bench workload_overhead [-- ROUNDS]` (default 5); the
//! server comes from `TEST_RIG_URL` (default the local MariaDB).

mod common;

use mysql_async::prelude::Queryable;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};
use test_rig::history::Mop;
use test_rig::isolation::Level;
use test_rig::workload::{self, Generator, Shape};

const CLIENTS: u32 = 16;
const TXNS: u64 = 8_000;
const SEED: u64 = 7;
const LEVEL: Level = Level::RepeatableRead;

fn options(table: &str) -> workload::Options {
    workload::Options {
        connections: CLIENTS,
        txns: TXNS,
        duration: None,
        level: LEVEL,
        seed: SEED,
        shape: Shape::default(),
        bank: workload::BankShape::default(),
        table: table.into(),
        keep_table: false,
        nemesis: workload::Nemesis::None,
        reconnect_for: std::time::Duration::from_secs(10),
    }
}

async fn recorded(config: &test_rig::ConnectionConfig) -> f64 {
    let cancel = tokio_util::sync::CancellationToken::new();
    let run = workload::run_list_append(
        std::slice::from_ref(config),
        &options("rig_bench_recorded"),
        &cancel,
        Arc::new(AtomicU64::new(0)),
    )
    .await
    .expect("the recorded workload runs");
    assert!(run.report.passed(), "a client failed");
    TXNS as f64 / run.elapsed.as_secs_f64()
}

/// One transaction, as the workload runs it, with nothing recorded.
async fn plain_txn(conn: &mut mysql_async::Conn, mops: &[Mop]) -> Result<(), mysql_async::Error> {
    conn.query_drop("START TRANSACTION").await?;
    for mop in mops {
        match mop {
            Mop::Append { key, element } => {
                let e = element.to_string();
                conn.exec_drop(
                    "INSERT INTO rig_bench_plain (k, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = CONCAT(v, ',', ?)",
                    (*key, e.clone(), e),
                )
                .await?
            }
            Mop::Read { key, .. } => {
                let _: Option<String> = conn
                    .exec_first("SELECT v FROM rig_bench_plain WHERE k = ?", (*key,))
                    .await?;
            }
        }
    }
    conn.query_drop("COMMIT").await
}

async fn plain(config: &test_rig::ConnectionConfig) -> f64 {
    let opts = common_opts(config);
    let mut setup = mysql_async::Conn::new(opts.clone()).await.expect("connect");
    setup
        .query_drop("DROP TABLE IF EXISTS rig_bench_plain")
        .await
        .unwrap();
    setup
        .query_drop("CREATE TABLE rig_bench_plain (k BIGINT NOT NULL PRIMARY KEY, v TEXT NOT NULL)")
        .await
        .unwrap();
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let opts = opts.clone();
            let share = options("").share(client);
            tokio::spawn(async move {
                let mut conn = mysql_async::Conn::new(opts).await.expect("connect");
                conn.query_drop(format!(
                    "SET SESSION TRANSACTION ISOLATION LEVEL {}",
                    LEVEL.sql()
                ))
                .await
                .unwrap();
                let mut generator = Generator::new(SEED, client, CLIENTS, Shape::default());
                for _ in 0..share {
                    let mops = generator.next_txn();
                    if plain_txn(&mut conn, &mops).await.is_err() {
                        let _ = conn.query_drop("ROLLBACK").await;
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed();
    setup
        .query_drop("DROP TABLE rig_bench_plain")
        .await
        .unwrap();
    TXNS as f64 / elapsed.as_secs_f64()
}

fn common_opts(config: &test_rig::ConnectionConfig) -> mysql_async::Opts {
    mysql_async::OptsBuilder::default()
        .ip_or_hostname(config.host.clone())
        .tcp_port(config.port)
        .user(Some(config.user.clone()))
        .pass(config.password.as_ref().map(|p| p.expose().to_string()))
        .db_name(config.database.clone())
        .prefer_socket(false)
        .into()
}

fn main() {
    let rounds = common::number_arg(5);
    let config = test_rig::ConnectionConfig::for_tests().expect("TEST_RIG_URL");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (mut with, mut without) = (Vec::new(), Vec::new());
    runtime.block_on(async {
        for round in 0..rounds {
            let w = recorded(&config).await;
            let p = plain(&config).await;
            println!("round {round}: recorded {w:.0} txn/s, plain {p:.0} txn/s");
            with.push(w);
            without.push(p);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let (w, p) = (common::median(with), common::median(without));
    println!(
        "median over {rounds} rounds: recorded {w:.0} txn/s, plain mysql_async {p:.0} txn/s: {:.1}%",
        100.0 * w / p
    );
}
