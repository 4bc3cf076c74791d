//! The tools against the local 3-node MariaDB Galera cluster
//! (`scripts/dev-cluster start`, which `.ci/run` and `scripts/test` run):
//! sessions spread over nodes, session-init, stale reads found with
//! MariaDB's default `wsrep_sync_wait = 0` and gone with 1, a node killed
//! and restarted during a run, and the final states compared across
//! nodes. A cluster that is not running fails these tests.
//!
//! They share one cluster and one of them kills a node: they run one at a
//! time.

mod common;
use common::*;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Mutex;

static CLUSTER: Mutex<()> = Mutex::new(());

const NODES: [u16; 3] = [3311, 3312, 3313];

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    let guard = CLUSTER.lock().unwrap_or_else(|p| p.into_inner());
    for port in NODES {
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
            "no cluster node on 127.0.0.1:{port}: start the cluster with scripts/dev-cluster start"
        );
    }
    guard
}

fn urls() -> Vec<String> {
    NODES
        .iter()
        .flat_map(|p| {
            [
                "--url".to_string(),
                format!("mysql://root@127.0.0.1:{p}/test"),
            ]
        })
        .collect()
}

fn dev_cluster() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/dev-cluster")
}

fn history(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rig-cluster-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A consistency run on the cluster. Each cycle search may take 60 s
/// instead of the default 1 s of wall-clock time: a debug build on a CI
/// machine busy with three nodes could exceed 1 s in a large component,
/// and a search given up leaves the verdict unknown (exit 1). These tests
/// are about the cluster, not about that budget.
fn consistency(name: &str, extra: &[&str]) -> Output {
    common::tool(env!("CARGO_BIN_EXE_consistency"))
        .arg("run")
        .args(urls())
        .args(["--format", "json", "--connections", "12"])
        .args(["--cycle-search-timeout", "60s"])
        .args([
            "--table",
            &format!("rig_cluster_{name}_{}", std::process::id()),
        ])
        .arg("--history")
        .arg(history(&format!("{name}.jsonl")))
        .args(extra)
        .output()
        .unwrap()
}

/// The verdict of a read-committed run on the cluster. Galera allows lost
/// updates between nodes even without faults (Jepsen, "MariaDB Galera
/// Cluster 12.1.2", 2026-03-15: "Even without faults, MariaDB Galera
/// Cluster allows P4 (Lost Update)"); a CI run here once lost two first
/// appends to keys being created on two nodes at once. When that happens
/// the tool must say so (exit 1, a witness naming the writer, its node and
/// when it was acknowledged); nothing else that read committed forbids
/// (Adya's PL-2: G0, G1) may appear.
fn holds_read_committed_but_for_lost_updates(out: &Output, doc: &serde_json::Value) {
    let lost = count(doc, "lost-append");
    assert_eq!(
        out.status.code(),
        Some(if lost > 0 { 1 } else { 0 }),
        "{}",
        what_decided_the_exit(out, doc)
    );
    for kind in [
        "G0",
        "G1a",
        "G1b",
        "G1c",
        "dirty-update",
        "duplicate-elements",
        "incompatible-order",
    ] {
        assert_eq!(count(doc, kind), 0, "{kind}: {}", doc["check"]);
    }
    for witness in doc["check"]["anomalies"]["lost-append"]["witnesses"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let text = witness["explanation"][0].as_str().unwrap();
        assert!(
            text.contains(", acknowledged at ") && text.contains("no read ever held"),
            "{text}"
        );
        let node = witness["transactions"][0]["node"].as_str().unwrap();
        assert!(node.starts_with("127.0.0.1:331"), "{node}");
    }
}

/// The parts of a run's document that decide its exit code, short enough
/// to survive a CI log's truncation (the whole check report does not).
fn what_decided_the_exit(out: &Output, doc: &serde_json::Value) -> String {
    let check = &doc["check"];
    let found: Vec<&String> = check["anomalies"]
        .as_object()
        .map(|a| a.keys().collect())
        .unwrap_or_default();
    format!(
        "verdict {}; violated {}; incomplete {}; anomalies {found:?}; clients passed {}; \
         nodes differing {}; nemesis failure {}; stderr: {}",
        check["verdict"],
        check["violated"],
        check["incomplete"],
        doc["clients_passed"],
        doc["final_states"]["differing"],
        doc["nemesis"]["failure"],
        stderr(out)
    )
}

/// `isolation --format json` run on node 1, with each of `sessions`
/// (`T2=3312`: a session and the port of its node) placed on that node.
fn isolation_on_cluster(sessions: &[&str], tests: &str, levels: &str) -> Output {
    let mut cmd = common::tool(env!("CARGO_BIN_EXE_isolation"));
    cmd.args(["--url", "mysql://root@127.0.0.1:3311/test"]);
    for placed in sessions {
        let (session, port) = placed.split_once('=').unwrap();
        cmd.arg("--session-url")
            .arg(format!("{session}=mysql://root@127.0.0.1:{port}/test"));
    }
    cmd.args(["--tests", tests, "--levels", levels, "--format", "json"])
        .output()
        .unwrap()
}

fn count(doc: &serde_json::Value, kind: &str) -> u64 {
    doc["check"]["anomalies"][kind]["count"]
        .as_u64()
        .unwrap_or(0)
}

#[test]
fn participants_are_spread_round_robin_and_each_report_names_its_node() {
    let _cluster = one_at_a_time();
    let out = common::tool(env!("CARGO_BIN_EXE_simple_multi_connection"))
        .args(urls())
        .args(["--connections", "6", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    let targets: Vec<&str> = doc["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["target"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..6)
        .map(|i| format!("mysql://root@127.0.0.1:{}/test", NODES[i % 3]))
        .collect();
    assert_eq!(targets, expected);
}

#[test]
fn a_failing_session_init_statement_is_a_usage_error_that_names_it() {
    let _cluster = one_at_a_time();
    let out = consistency(
        "bad_init",
        &[
            "--txns",
            "10",
            "--session-init",
            "SET SESSION no_such_variable = 1",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let doc = json(&out);
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("SET SESSION no_such_variable = 1") && message.contains("1193"),
        "{message}"
    );
}

/// MariaDB documents `wsrep_sync_wait` as the statements that trigger a
/// causality check, before which the node applies every outstanding
/// write-set it received up to that statement: 0 (the default) none, 1
/// reads (SELECT, SHOW, BEGIN/START TRANSACTION)
/// (mariadb.com/docs/server/ref/mdb/system-variables/wsrep_sync_wait). So
/// with 0 a read on one node can miss a commit another node has already
/// acknowledged, and with 1 it cannot.
#[test]
fn stale_reads_are_found_across_nodes_by_default_and_gone_with_wsrep_sync_wait() {
    let _cluster = one_at_a_time();
    let run = |name: &str, init: &[&str]| {
        let mut args = vec![
            "--txns",
            "3000",
            "--seed",
            "7",
            "--expect",
            "strict-serializable",
        ];
        args.extend_from_slice(init);
        let out = consistency(name, &args);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
        json(&out)
    };
    let default = run("stale_default", &[]);
    let stale = count(&default, "stale-read");
    assert!(stale > 0, "no stale read found: {}", default["check"]);
    let witness = &default["check"]["anomalies"]["stale-read"]["witnesses"][0];
    let sentence = witness["explanation"][0].as_str().unwrap();
    assert!(
        sentence.contains(" began at ") && sentence.contains("had acknowledged at"),
        "{sentence}"
    );
    // Writer and reader on different nodes, each named.
    let nodes: Vec<&str> = witness["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["node"].as_str().unwrap())
        .collect();
    assert_eq!(nodes.len(), 2);
    assert_ne!(nodes[0], nodes[1], "{witness}");

    let synced = run(
        "stale_sync_wait",
        &["--session-init", "SET SESSION wsrep_sync_wait = 1"],
    );
    assert_eq!(count(&synced, "stale-read"), 0, "{}", synced["check"]);
    assert_eq!(
        count(&synced, "G-single-realtime"),
        0,
        "{}",
        synced["check"]
    );
    assert!(synced["final_states"]["differences"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn a_node_killed_and_restarted_mid_run_is_survived_and_the_nodes_converge() {
    let _cluster = one_at_a_time();
    let script = dev_cluster();
    let fault = format!("{} kill 2", script.display());
    let heal = format!("{} restart 2", script.display());
    let out = consistency(
        "kill_restart",
        &[
            "--txns",
            "6000",
            "--seed",
            "11",
            "--isolation",
            "read-committed",
            "--session-init",
            "SET SESSION wsrep_sync_wait = 1",
            "--fault",
            &fault,
            "--heal",
            &heal,
            "--fault-every",
            "2s",
        ],
    );
    let doc = json(&out);
    holds_read_committed_but_for_lost_updates(&out, &doc);
    let events: Vec<(&str, bool)> = doc["nemesis"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["error"].is_null()))
        .collect();
    assert!(events.len() >= 2, "{events:?}");
    assert_eq!(events[0], ("fault", true));
    assert_eq!(events[1], ("heal", true));
    // Every node read at the end, and all hold the same lists.
    let states = &doc["final_states"];
    assert_eq!(states["nodes"].as_array().unwrap().len(), 3);
    assert_eq!(states["differing"], 0, "{states}");
    // The clients on node 2 reconnected and committed after a restart.
    let windows = doc["timeline"]["windows"].as_array().unwrap();
    let after_heal = windows.iter().filter(|w| {
        w["after"].as_str().unwrap().starts_with("heal")
            && w["per_node"]["127.0.0.1:3312"]["ok"].as_u64().unwrap_or(0) > 0
    });
    assert!(after_heal.count() > 0, "{windows:?}");
    let status = Command::new(&script).arg("status").output().unwrap();
    let status = String::from_utf8_lossy(&status.stdout);
    assert_eq!(
        status.matches("Synced (cluster size 3)").count(),
        3,
        "{status}"
    );
}

#[test]
fn a_fault_command_that_fails_ends_the_run_with_its_error() {
    let _cluster = one_at_a_time();
    let out = consistency(
        "bad_fault",
        &[
            "--txns",
            "100000",
            "--fault",
            "echo no such node >&2; exit 3",
            "--fault-every",
            "300ms",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let failure = doc["nemesis"]["failure"].as_str().unwrap();
    assert!(
        failure.contains("exit 3") && failure.contains("no such node"),
        "{failure}"
    );
    assert!(stderr(&out).contains("fault command"), "{}", stderr(&out));
    // Ended early, not after 100 000 transactions.
    assert!(doc["elapsed"].as_f64().unwrap() < 30.0);
}

#[test]
fn killed_connections_end_their_transactions_and_the_clients_reconnect_and_finish() {
    let _cluster = one_at_a_time();
    let out = consistency(
        "kill_connections",
        &[
            "--txns",
            "3000",
            "--seed",
            "5",
            "--isolation",
            "read-committed",
            "--nemesis",
            "kill-connections",
            "--fault-every",
            "100ms",
        ],
    );
    let doc = json(&out);
    holds_read_committed_but_for_lost_updates(&out, &doc);
    let kills = doc["timeline"]["kills"].as_u64().unwrap();
    assert!(kills >= 5, "{kills} kills");
    let lost = doc["errors"]["connection"]["count"].as_u64().unwrap_or(0);
    assert!(
        lost > 0,
        "no transaction saw its connection killed: {}",
        doc["errors"]
    );
    assert!(doc["clients_passed"].as_bool().unwrap());
    // Every client ran its whole share: 3000 transactions ended, besides
    // the final reads (one per node per round).
    let t = &doc["check"]["transactions"];
    let ended: u64 = ["ok", "fail", "info"]
        .iter()
        .map(|k| t[k].as_u64().unwrap())
        .sum();
    let states = &doc["final_states"];
    let reads =
        states["nodes"].as_array().unwrap().len() as u64 * states["rounds"].as_u64().unwrap();
    assert_eq!(ended - reads, 3000, "{t}");
}

#[test]
fn tools_that_run_against_one_server_refuse_several_urls_instead_of_ignoring_them() {
    for (tool, path) in [
        ("basic", env!("CARGO_BIN_EXE_basic")),
        ("job_monitor", env!("CARGO_BIN_EXE_job_monitor")),
    ] {
        let out = common::tool(path)
            .args(urls())
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{tool}: {}", stderr(&out));
        let message = json(&out)["error"]["message"].as_str().unwrap().to_string();
        assert!(
            message.contains("--url is given 3 times"),
            "{tool}: {message}"
        );
    }
}

/// Galera certifies a transaction's write set at COMMIT, after it ran on
/// its own node: of two conflicting transactions on different nodes, the
/// one certified second is aborted there, with a deadlock error
/// (mariadb.com/docs/galera-cluster/galera-architecture/certification-based-replication;
/// MariaDB's own test galera/r/galera_wsrep_log_conficts.result: two nodes
/// update one row, the second COMMIT fails with ER_LOCK_DEADLOCK). So
/// Hermitage's lost update (P4) at REPEATABLE READ, an anomaly on one
/// MariaDB node, is prevented across two, by an error at T2's COMMIT and
/// no lock wait.
#[test]
fn isolation_across_two_nodes_shows_a_certification_failure_at_commit_instead_of_a_lock_wait() {
    let _cluster = one_at_a_time();
    let out = isolation_on_cluster(&["T2=3312"], "p4", "repeatable-read");
    let doc = json(&out);
    assert_eq!(
        doc["sessions"],
        serde_json::json!(["127.0.0.1:3311", "127.0.0.1:3312", "127.0.0.1:3311"])
    );
    let cell = &doc["results"][0];
    assert_eq!(cell["observed"], "prevented", "{cell}");
    let steps = cell["steps"].as_array().unwrap();
    let commit = steps
        .iter()
        .find(|s| s["session"] == 2 && s["sql"] == "COMMIT")
        .unwrap();
    assert_eq!(commit["error_code"], 1213, "{commit}");
    assert_eq!(commit["cross_node_conflict"], true, "{commit}");
    assert!(steps.iter().all(|s| s["blocked"] == false), "{steps:?}");
    // The single-node profile expects the anomaly: a deviation, exit 1.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    // A session-url that names no session is refused.
    let bad = common::tool(env!("CARGO_BIN_EXE_isolation"))
        .args(["--url", "mysql://root@127.0.0.1:3311/test"])
        .args(["--session-url", "T4=mysql://root@127.0.0.1:3312/test"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(
        stderr(&bad).contains("expected T1, T2 or T3"),
        "{}",
        stderr(&bad)
    );
}

/// Two sessions on one node that is not the run's own: their lock waits
/// are read from that node's lock views and a blocked statement is let go
/// by that node's COMMIT, as on a single server (Hermitage, MySQL InnoDB:
/// G0 at read committed, T2's write "BLOCKS" until T1 commits; P4 at
/// serializable, T1's update "BLOCKS" and T2's is refused by a deadlock).
/// That deadlock is on one node, so it is not reported as a conflict with
/// another node although a third session is placed on one.
#[test]
fn two_sessions_on_one_other_node_wait_for_each_other_as_on_one_server() {
    let _cluster = one_at_a_time();
    let started = std::time::Instant::now();
    let out = isolation_on_cluster(
        &["T1=3312", "T2=3312"],
        "g0,p4",
        "read-committed,serializable",
    );
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        doc["sessions"],
        serde_json::json!(["127.0.0.1:3312", "127.0.0.1:3312", "127.0.0.1:3311"])
    );
    let cell = |test: &str, level: &str| {
        doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["test"] == test && c["level"] == level)
            .unwrap_or_else(|| panic!("no {test} {level} cell: {doc}"))
            .clone()
    };
    let steps = |cell: &serde_json::Value| cell["steps"].as_array().unwrap().clone();

    let g0 = cell("g0", "read-committed");
    assert_eq!(g0["observed"], "prevented", "{g0}");
    let g0_steps = steps(&g0);
    let waited: Vec<&serde_json::Value> =
        g0_steps.iter().filter(|s| s["blocked"] == true).collect();
    assert_eq!(waited.len(), 1, "{g0_steps:?}");
    let (blocked, resumed) = (waited[0], waited[0]["resumed_after"].as_u64().unwrap());
    assert_eq!(blocked["session"], 2, "{blocked}");
    assert_eq!(blocked["affected"], 1, "{blocked}");
    assert_eq!(blocked["cancelled"], false, "{blocked}");
    let release = &g0_steps[resumed as usize];
    assert_eq!(
        (release["session"].as_u64(), release["sql"].as_str()),
        (Some(1), Some("COMMIT"))
    );

    let p4 = cell("p4", "serializable");
    assert_eq!(p4["observed"], "prevented", "{p4}");
    let p4_steps = steps(&p4);
    let refused: Vec<&serde_json::Value> = p4_steps
        .iter()
        .filter(|s| s["error_code"] == 1213)
        .collect();
    assert_eq!(refused.len(), 1, "{p4_steps:?}");
    assert_eq!(refused[0]["session"], 2, "{}", refused[0]);
    assert!(
        refused[0].get("cross_node_conflict").is_none(),
        "{}",
        refused[0]
    );
    assert!(
        p4_steps.iter().any(|s| s["blocked"] == true),
        "{p4_steps:?}"
    );

    // The waits were seen in node 2's lock views. A wait the views miss is
    // assumed after 2 s (the runner's LONGEST_UNSEEN_WAIT), at each step
    // for as long as the statement waits: at least 2 s per blocked
    // statement, where reading the right node's views takes milliseconds.
    let blocked = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["steps"].as_array().unwrap())
        .filter(|s| s["blocked"] == true)
        .count();
    assert!(blocked >= 3, "{blocked} blocked statements");
    let floor = std::time::Duration::from_secs(2 * blocked as u64);
    assert!(
        started.elapsed() < floor,
        "{:?}: as slow as finding each of {blocked} waits by time",
        started.elapsed()
    );
}

/// A node that lags behind (its applier paused by FLUSH TABLES WITH READ
/// LOCK, which desyncs a Galera node until UNLOCK TABLES) does not hold
/// the run's table or the cell's rows when they are written on the first
/// node: the run waits for them before T2 begins there, and T2 reads them
/// as on one server (Hermitage, MySQL InnoDB: G1a at read committed, T2
/// reads 10 and 20 before and after T1's abort).
#[test]
fn a_lagging_node_is_waited_for_until_it_holds_the_cells_rows() {
    let _cluster = one_at_a_time();
    let mut lag = Command::new("mariadb")
        .args(["-h127.0.0.1", "-P3312", "-uroot"])
        .args([
            "-e",
            "FLUSH TABLES WITH READ LOCK; SELECT SLEEP(1.5); UNLOCK TABLES",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let desynced = std::time::Instant::now();
    while node_state(3312) != "Donor/Desynced" {
        assert!(desynced.elapsed().as_secs() < 10, "node 2 never desynced");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = isolation_on_cluster(&["T2=3312"], "g1a", "read-committed");
    assert!(lag.wait().unwrap().success());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    let cell = &doc["results"][0];
    assert_eq!(cell["observed"], "prevented", "{cell}");
    let reads: Vec<&serde_json::Value> = cell["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["session"] == 2 && s["rows"].is_array())
        .collect();
    assert_eq!(reads.len(), 2, "{cell}");
    for read in reads {
        assert_eq!(
            read["rows"],
            serde_json::json!([[1, 10], [2, 20]]),
            "{read}"
        );
    }
}

/// A node's `wsrep_local_state_comment` (Synced, Donor/Desynced, …).
fn node_state(port: u16) -> String {
    let out = Command::new("mariadb")
        .args(["-h127.0.0.1", &format!("-P{port}"), "-uroot", "-N", "-B"])
        .args(["-e", "SHOW STATUS LIKE 'wsrep_local_state_comment'"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split('\t')
        .nth(1)
        .unwrap_or_default()
        .trim()
        .to_string()
}
