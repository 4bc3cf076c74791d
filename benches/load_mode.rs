//! The load mode's throughput against a plain mysql_async loop, both
//! running `SELECT 1` (text protocol, result read and dropped) as fast as
//! the local server answers, at 16 and at 100 connections. Each round runs
//! both for the same time, alternating which goes first; only the time
//! after every connection is open counts. The load mode's figure is what
//! its report says (queries over its measured time), the loop's is queries
//! over the same kind of span.
//!
//! `cargo bench --bench load_mode [-- ROUNDS]` (default 3 rounds of 5 s
//! each per side and size); the server comes from `TEST_RIG_URL`.

mod common;

use mysql_async::prelude::Queryable;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use test_rig::load::{run_load, LoadOptions, LoadStatement, LoadStop};
use test_rig::ConnectionConfig;

const SPAN: Duration = Duration::from_secs(5);

async fn load_mode(config: &ConnectionConfig, connections: usize) -> f64 {
    let list = (1..=connections)
        .map(|i| (format!("conn-{i}"), config.clone()))
        .collect();
    let options = LoadOptions {
        statements: vec![LoadStatement::parse("SELECT 1", 1).unwrap()],
        stop: LoadStop::After(SPAN),
        rate: None,
        report_interval: None,
        keep_transitions: Some(100),
    };
    let report = run_load(list, options, Default::default(), |_| {})
        .await
        .unwrap();
    assert!(report.passed(), "{}", report.run.to_human());
    report.qps
}

async fn plain_loop(config: &ConnectionConfig, connections: usize) -> f64 {
    let opts = mysql_async::OptsBuilder::default()
        .ip_or_hostname(config.host.clone())
        .tcp_port(config.port)
        .user(Some(config.user.clone()))
        .pass(config.password.as_ref().map(|p| p.expose().to_string()))
        .db_name(config.database.clone())
        .prefer_socket(false);
    let ready = Arc::new(tokio::sync::Barrier::new(connections + 1));
    let start = Arc::new(std::sync::OnceLock::<Instant>::new());
    let queries = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let (opts, ready, start, queries) =
                (opts.clone(), ready.clone(), start.clone(), queries.clone());
            tokio::spawn(async move {
                let mut conn = mysql_async::Conn::new(opts).await.unwrap();
                ready.wait().await;
                let deadline = *start.get_or_init(Instant::now) + SPAN;
                let mut done = 0;
                while Instant::now() < deadline {
                    conn.query_drop("SELECT 1").await.unwrap();
                    done += 1;
                }
                queries.fetch_add(done, Ordering::Relaxed);
                let ended = Instant::now();
                conn.disconnect().await.unwrap();
                ended
            })
        })
        .collect();
    ready.wait().await;
    let mut last = Instant::now();
    for t in tasks {
        last = last.max(t.await.unwrap());
    }
    let began = *start.get().expect("the loop started");
    queries.load(Ordering::Relaxed) as f64 / (last - began).as_secs_f64()
}

#[tokio::main]
async fn main() {
    let rounds = common::number_arg(3);
    let mut config = ConnectionConfig::for_tests().expect("TEST_RIG_URL");
    // The plain loop does not try TLS first; neither should the load.
    config.tls.mode = test_rig::SslMode::Disabled;
    for connections in [16, 100] {
        let (mut load, mut plain, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        let (mut load_cpu, mut plain_cpu) = (0.0, 0.0);
        for round in 0..rounds {
            // Client CPU per query: what the load mode adds to the loop,
            // steadier than throughput on a machine whose server shares it.
            let timed_load = async {
                let cpu = common::cpu_time();
                let qps = load_mode(&config, connections).await;
                (
                    qps,
                    (common::cpu_time() - cpu).as_secs_f64() * 1e6 / (qps * SPAN.as_secs_f64()),
                )
            };
            let timed_plain = async {
                let cpu = common::cpu_time();
                let qps = plain_loop(&config, connections).await;
                (
                    qps,
                    (common::cpu_time() - cpu).as_secs_f64() * 1e6 / (qps * SPAN.as_secs_f64()),
                )
            };
            let ((l, l_cpu), (p, p_cpu)) = if round % 2 == 0 {
                let l = timed_load.await;
                (l, timed_plain.await)
            } else {
                let p = timed_plain.await;
                (timed_load.await, p)
            };
            load_cpu += l_cpu;
            plain_cpu += p_cpu;
            println!(
                "{connections:>3} connections, round {round}: load mode {l:>8.0} q/s ({l_cpu:.1} us CPU/query), plain mysql_async {p:>8.0} q/s ({p_cpu:.1} us), ratio {:.1}%",
                100.0 * l / p
            );
            load.push(l);
            plain.push(p);
            ratios.push(l / p);
        }
        println!(
            "{connections:>3} connections, median of {rounds}: load mode {:.0} q/s, plain mysql_async {:.0} q/s, median ratio {:.1}%",
            common::median(load),
            common::median(plain),
            100.0 * common::median(ratios)
        );
        println!(
            "{connections:>3} connections, client CPU per query (connecting included): load mode {:.2} us, plain {:.2} us",
            load_cpu / rounds as f64,
            plain_cpu / rounds as f64
        );
    }
}
