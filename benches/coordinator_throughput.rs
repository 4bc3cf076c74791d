//! Throughput against the real server: 100 participants x 200 steps of
//! `SELECT 1` through the coordinator (each step a transition of a
//! workflow, reported to the dispatcher), against the same work done by
//! plain mysql_async tasks in the same process. Rounds alternate between
//! the two so that both see the same server and machine. Only the query
//! phase is timed: every connection is open first (100 connects at once hit
//! the server's listen backlog and TCP's 1 s SYN retry, which would swamp
//! what is measured), then the clock runs until the last one has finished.
//!
//! `cargo bench --bench coordinator_throughput [-- ROUNDS]` (default 7);
//! the server comes from `TEST_RIG_URL` (default the local MariaDB).
//! `-- ROUNDS coordinator` or `-- ROUNDS plain` runs one side only, for a
//! profiler or `strace -c` to see that side alone (no ratio then).

mod common;

use mysql_async::prelude::Queryable;
use std::time::{Duration, Instant};
use test_rig::coordinator::SharedEvent;
use test_rig::prelude::*;

const PARTICIPANTS: usize = 100;
const STEPS: u64 = 200;

struct Done(u64);

#[test_rig::workflow]
mod select_loop {
    use super::{Done, STEPS};
    use test_rig::prelude::*;

    #[initial]
    pub struct Start;
    pub struct Connected;
    pub struct Querying;
    #[terminal]
    pub struct Finished;

    #[step(Start -> Connected)]
    async fn connect(cx: &mut StateContext) -> Result<(), StateError> {
        let session = Session::connect_server(cx.config()).await?;
        cx.set_session(session);
        Ok(())
    }

    /// The clock starts when every participant is connected.
    #[step(Connected -> Querying)]
    async fn all_connected(cx: &mut StateContext) -> Result<(), StateError> {
        cx.barrier("connected", std::time::Duration::from_secs(60))
            .await
    }

    /// One `SELECT 1` per transition.
    #[step(Querying -> Querying | Finished)]
    async fn select_one(cx: &mut StateContext) -> Result<SelectOne, StateError> {
        let one: Option<i64> = cx.session()?.query_first("SELECT 1").await?;
        if one != Some(1) {
            return Err(StateError::step("SELECT 1 did not return 1"));
        }
        let n = match cx.get_mut::<Done>() {
            Some(done) => {
                done.0 += 1;
                done.0
            }
            None => {
                cx.insert(Done(1));
                1
            }
        };
        Ok(if n >= STEPS {
            SelectOne::Finished
        } else {
            SelectOne::Querying
        })
    }
}

async fn through_coordinator(config: &ConnectionConfig) -> Duration {
    let mut coordinator = Coordinator::new();
    for i in 0..PARTICIPANTS {
        coordinator
            .add_workflow(&format!("p{i}"), config.clone(), &select_loop::WORKFLOW)
            .unwrap();
    }
    let report = coordinator.run().await;
    assert!(report.passed(), "{}", report.to_human());
    // Counted, not kept: a report keeps each participant's last 100.
    let transitions: u64 = report.participants.iter().map(|p| p.steps_run).sum();
    assert_eq!(transitions, PARTICIPANTS as u64 * (STEPS + 2));
    let released = report
        .events
        .iter()
        .find(|e| matches!(e.event, SharedEvent::BarrierReleased { .. }))
        .expect("the barrier released")
        .at;
    let last_finished = report
        .events
        .iter()
        .filter(|e| matches!(e.event, SharedEvent::Finished { .. }))
        .map(|e| e.at)
        .max()
        .expect("participants finished");
    last_finished - released
}

async fn plain_tasks(config: &ConnectionConfig) -> Duration {
    let opts = mysql_async::OptsBuilder::default()
        .ip_or_hostname(config.host.clone())
        .tcp_port(config.port)
        .user(Some(config.user.clone()))
        .pass(config.password.as_ref().map(|p| p.expose().to_string()))
        .prefer_socket(false);
    let connected = std::sync::Arc::new(tokio::sync::Barrier::new(PARTICIPANTS + 1));
    let tasks: Vec<_> = (0..PARTICIPANTS)
        .map(|_| {
            let opts = opts.clone();
            let connected = connected.clone();
            tokio::spawn(async move {
                let mut conn = mysql_async::Conn::new(opts).await.unwrap();
                connected.wait().await;
                for _ in 0..STEPS {
                    let one: Option<i64> = conn.query_first("SELECT 1").await.unwrap();
                    assert_eq!(one, Some(1));
                }
                conn.disconnect().await.unwrap();
            })
        })
        .collect();
    connected.wait().await;
    let started = Instant::now();
    for t in tasks {
        t.await.unwrap();
    }
    started.elapsed()
}

/// Runs `rounds` rounds of one side alone and prints its rate.
async fn one_side(config: &ConnectionConfig, rounds: usize, coordinator: bool) {
    let queries = (PARTICIPANTS as u64 * STEPS) as f64;
    let cpu = common::cpu_time();
    let mut rates = Vec::new();
    for _ in 0..rounds {
        let elapsed = if coordinator {
            through_coordinator(config).await
        } else {
            plain_tasks(config).await
        };
        rates.push(queries / elapsed.as_secs_f64());
    }
    let cpu = (common::cpu_time() - cpu).as_secs_f64() * 1e6 / (queries * rounds as f64);
    let side = if coordinator { "coordinator" } else { "plain" };
    println!(
        "{side} only, {rounds} rounds: median {:.0} q/s, client CPU per query {cpu:.1} us",
        common::median(rates)
    );
}

#[tokio::main]
async fn main() {
    let rounds = common::number_arg(7);
    let mut config = ConnectionConfig::for_tests().expect("TEST_RIG_URL");
    // The plain tasks do not try TLS first; neither should the coordinator.
    config.tls.mode = test_rig::SslMode::Disabled;
    let only = std::env::args()
        .skip(1)
        .find(|a| a == "coordinator" || a == "plain");
    if let Some(side) = only {
        return one_side(&config, rounds, side == "coordinator").await;
    }
    let queries = (PARTICIPANTS as u64 * STEPS) as f64;
    // Warm up the server and the allocator once each.
    through_coordinator(&config).await;
    plain_tasks(&config).await;
    let (mut coord, mut plain, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut cpu_ratios = Vec::new();
    let (mut coord_cpu, mut plain_cpu) = (Duration::ZERO, Duration::ZERO);
    for round in 0..rounds {
        // Alternate which goes first, so neither always follows the other.
        let timed_coordinator = async {
            let cpu = common::cpu_time();
            let elapsed = through_coordinator(&config).await;
            (elapsed, common::cpu_time() - cpu)
        };
        let timed_plain = async {
            let cpu = common::cpu_time();
            let elapsed = plain_tasks(&config).await;
            (elapsed, common::cpu_time() - cpu)
        };
        let ((c, c_cpu), (p, p_cpu)) = if round % 2 == 0 {
            let c = timed_coordinator.await;
            (c, timed_plain.await)
        } else {
            let p = timed_plain.await;
            (timed_coordinator.await, p)
        };
        coord_cpu += c_cpu;
        plain_cpu += p_cpu;
        let (cq, pq) = (queries / c.as_secs_f64(), queries / p.as_secs_f64());
        coord.push(cq);
        plain.push(pq);
        ratios.push(cq / pq);
        let cpu_ratio = c_cpu.as_secs_f64() / p_cpu.as_secs_f64();
        cpu_ratios.push(cpu_ratio);
        println!("round {round:>2}: coordinator {cq:>8.0} q/s ({c:.2?}), plain {pq:>8.0} q/s ({p:.2?}), ratio {:.1}%, CPU {:+.1}%", 100.0 * cq / pq, 100.0 * (cpu_ratio - 1.0));
    }
    println!(
        "median over {rounds} rounds: coordinator {:.0} q/s, plain mysql_async {:.0} q/s; median of per-round ratios {:.1}%",
        common::median(coord),
        common::median(plain),
        100.0 * common::median(ratios)
    );
    let per_query = |cpu: Duration| cpu.as_secs_f64() * 1e6 / (queries * rounds as f64);
    println!(
        "client CPU per query (connects and teardown included): coordinator {:.1} us, plain {:.1} us ({:+.1}%); median of per-round CPU ratios {:+.1}%",
        per_query(coord_cpu),
        per_query(plain_cpu),
        100.0 * (coord_cpu.as_secs_f64() / plain_cpu.as_secs_f64() - 1.0),
        100.0 * (common::median(cpu_ratios) - 1.0)
    );
}
