//! `simple_multi_connection`'s load mode against the real server: counts
//! that add up, placeholders bound (never pasted), failed passes rolled
//! back and counted by class, the rate, report intervals, Ctrl-C, bad input.

mod common;
use common::*;

use mysql_async::prelude::Queryable;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn tool() -> Command {
    let mut cmd = common::tool(env!("CARGO_BIN_EXE_simple_multi_connection"));
    cmd.args(["--url", &server_url()]);
    cmd
}

fn run(args: &[&str]) -> Output {
    tool()
        .args(args)
        .output()
        .expect("simple_multi_connection runs")
}

/// A fresh table `rig_load_<tag>_<pid>` made by `columns`; gives its name.
async fn table(tag: &str, columns: &str) -> String {
    let name = format!("rig_load_{tag}_{}", std::process::id());
    let mut c = admin().await;
    c.query_drop(format!("DROP TABLE IF EXISTS {name}"))
        .await
        .unwrap();
    c.query_drop(format!("CREATE TABLE {name} ({columns})"))
        .await
        .unwrap();
    name
}

async fn drop_table(name: &str) {
    admin()
        .await
        .query_drop(format!("DROP TABLE {name}"))
        .await
        .unwrap();
}

#[test]
fn every_pass_of_every_connection_is_counted() {
    let out = run(&[
        "-n",
        "3",
        "--sql",
        "SELECT 1",
        "--iterations",
        "50",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["connections"], 3);
    assert_eq!(doc["transactions"], 150);
    assert_eq!(doc["queries"], 150);
    assert_eq!(doc["errors"], 0);
    assert_eq!(doc["run"]["summary"]["passed"], 3);
    let l = &doc["latency"];
    let at = |k: &str| l[k].as_f64().unwrap();
    assert!(at("p50_ms") > 0.0, "{l}");
    assert!(
        at("p50_ms") <= at("p95_ms") && at("p95_ms") <= at("p99_ms"),
        "{l}"
    );
    assert!(at("p99_ms") <= at("max_ms") * 1.001, "{l}");
    let tps = doc["tps"].as_f64().unwrap();
    let measured_s = doc["measured_ms"].as_f64().unwrap() / 1000.0;
    assert!(
        (tps * measured_s - 150.0).abs() < 0.5,
        "{tps} x {measured_s}"
    );
}

/// {participant} and {iteration} reach the server as the values they
/// stand for: every (connection, pass) pair is inserted exactly once.
#[tokio::test]
async fn placeholders_are_bound_to_the_connection_and_the_pass() {
    let t = table("bound", "p INT, i INT, PRIMARY KEY (p, i)").await;
    let insert = format!("INSERT INTO {t} (p, i) VALUES ({{participant}}, {{iteration}})");
    let out = run(&[
        "-n",
        "3",
        "--sql",
        &insert,
        "--iterations",
        "20",
        "--format",
        "json",
    ]);
    let rows: Vec<(i64, i64)> = admin()
        .await
        .query(format!("SELECT p, i FROM {t} ORDER BY p, i"))
        .await
        .unwrap();
    drop_table(&t).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let expected: Vec<(i64, i64)> = (1..=3)
        .flat_map(|p| (1..=20).map(move |i| (p, i)))
        .collect();
    assert_eq!(rows, expected);
}

#[test]
fn a_placeholder_in_quotes_or_a_bare_question_mark_is_refused_before_connecting() {
    let out = run(&["--sql", "SELECT '{iteration}'"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("statement 1: `{iteration}` is inside quotes; write it bare"),
        "{err}"
    );
    let out = run(&["--sql", "SELECT 1", "--sql", "SELECT ?"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("statement 2 has a `?` parameter of its own"));
}

/// Two connections insert the same keys: for each pass one of them hits
/// the duplicate. The failed pass's first insert (into another table) is
/// rolled back, not committed by the next BEGIN: the log table holds one
/// row per successful pass, exactly.
#[tokio::test]
async fn failed_passes_are_rolled_back_counted_by_class_and_fail_the_run() {
    let log = table("log", "id INT PRIMARY KEY AUTO_INCREMENT, p INT").await;
    let keys = table("keys", "k INT PRIMARY KEY").await;
    let dir = scratch_dir("load-sql-file");
    let file = dir.join("pass.sql");
    std::fs::write(
        &file,
        format!(
            "-- one pass\nBEGIN;\nINSERT INTO {log} (p) VALUES ({{participant}});\n\
             INSERT INTO {keys} VALUES ({{iteration}});\nCOMMIT;\n"
        ),
    )
    .unwrap();
    let out = run(&[
        "-n",
        "2",
        "--sql-file",
        file.to_str().unwrap(),
        "--iterations",
        "30",
        "--format",
        "json",
    ]);
    let mut c = admin().await;
    let logged: Option<i64> = c
        .query_first(format!("SELECT COUNT(*) FROM {log}"))
        .await
        .unwrap();
    let key_rows: Option<i64> = c
        .query_first(format!("SELECT COUNT(*) FROM {keys}"))
        .await
        .unwrap();
    drop(c);
    drop_table(&log).await;
    drop_table(&keys).await;
    std::fs::remove_dir_all(dir).unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let (passed, failed) = (
        doc["transactions"].as_i64().unwrap(),
        doc["errors"].as_i64().unwrap(),
    );
    assert_eq!(passed + failed, 60, "{doc}");
    // Each key went in once; the other connection's pass for it failed
    // (a duplicate, or a deadlock between the two inserts).
    assert_eq!(key_rows, Some(30));
    assert_eq!(passed, 30);
    assert_eq!(
        logged,
        Some(passed),
        "a failed pass left its first insert behind"
    );
    let classes = doc["error_classes"].as_array().unwrap();
    let counted: i64 = classes.iter().map(|c| c["count"].as_i64().unwrap()).sum();
    assert_eq!(counted, failed);
    assert!(
        classes
            .iter()
            .all(|c| [1062, 1213, 1205].contains(&c["code"].as_i64().unwrap_or(0))),
        "{classes:?}"
    );
    assert_eq!(doc["statements"].as_array().unwrap().len(), 4);
}

#[test]
fn a_rate_limits_the_passes_over_all_connections() {
    let out = run(&[
        "-n",
        "4",
        "--sql",
        "SELECT 1",
        "--rate",
        "100/s",
        "--duration",
        "2s",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    let passes = doc["transactions"].as_i64().unwrap();
    // 100 a second for 2 s, spread over the 4 connections.
    assert!((190..=201).contains(&passes), "{passes}");
    assert_eq!(doc["rate"], 100.0);
}

#[test]
fn each_report_interval_is_a_line_and_the_last_may_be_shorter() {
    let out = run(&[
        "-n",
        "2",
        "--sql",
        "SELECT 1",
        "--duration",
        "2500ms",
        "--report-interval",
        "1s",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (stdout, _) = text(&out);
    let lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    for (line, at) in lines.iter().zip([" 1.00s]", " 2.00s]", " 2.50s]"]) {
        assert!(line.contains(at), "{line}");
        for word in ["tps", "qps", "errors", "p50", "p95", "p99", "max"] {
            assert!(line.contains(word), "{line}");
        }
    }
    assert!(
        stdout.contains("transactions") && stdout.contains("latency ms"),
        "{stdout}"
    );
}

#[test]
fn ctrl_c_ends_the_load_with_its_figures_and_exit_130() {
    let child = tool()
        .args([
            "-n",
            "2",
            "--sql",
            "SELECT SLEEP(0.01)",
            "--duration",
            "60s",
            "--format",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    interrupt(&child);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["cancelled"], true);
    assert!(doc["transactions"].as_i64().unwrap() > 10, "{doc}");
    assert!(doc["measured_ms"].as_f64().unwrap() < 10_000.0);
}

#[test]
fn load_options_without_statements_and_unreadable_files_are_usage_errors() {
    let out = run(&["--duration", "5s"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--duration and --rate belong to the load mode"));
    let out = run(&["--sql-file", "/nonexistent/pass.sql"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--sql-file /nonexistent/pass.sql"),
        "{}",
        stderr(&out)
    );
    let out = run(&["--sql", "SELECT 1", "--rate", "fast"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("expected a positive rate such as 500/s"));
}

#[test]
fn junit_has_each_connection_and_the_load() {
    let dir = scratch_dir("load-junit");
    let path = dir.join("load.xml");
    let out = run(&[
        "-n",
        "2",
        "--sql",
        "SELECT 1",
        "--iterations",
        "5",
        "--junit",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (cases, counts) = junit_cases(&path);
    std::fs::remove_dir_all(dir).unwrap();
    let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["conn-1", "conn-2", "SELECT 1"]);
    assert_eq!(cases[2].classname, "simple_multi_connection.load");
    assert_eq!(counts, [3, 0, 0, 0]);
}

/// A statement in flight when Ctrl-C comes is stopped on the server, not
/// left running there after the tool has exited.
#[tokio::test]
async fn ctrl_c_stops_a_statement_in_flight_on_the_server() {
    let marker = format!("rig_load_inflight_{}", std::process::id());
    let sql = format!("SELECT SLEEP(30) AS {marker}");
    let child = tool()
        .args(["-n", "2", "--sql", &sql, "--duration", "60s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut seen = Vec::new();
    for _ in 0..50 {
        seen = statements_running(&marker).await;
        if seen.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen.len(), 2, "both connections are in their SLEEP");
    interrupt(&child);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    // A killed thread may stay listed a moment; a SLEEP(30) nobody stopped
    // would stay for half a minute.
    let running = still_listed(&marker, Duration::from_secs(2)).await;
    assert!(
        running.is_empty(),
        "still running on the server: {running:?}"
    );
}

/// With a rate the server cannot keep, latency counts from when each pass
/// was due: one connection asked for 1000 passes a second of a 50 ms
/// statement falls further behind with every pass, and the figures say so
/// (without a rate, each pass takes its 50 ms).
#[test]
fn with_a_rate_latency_counts_from_when_the_pass_was_due() {
    let sleep = "SELECT SLEEP(0.05)";
    let paced = run(&[
        "-n",
        "1",
        "--sql",
        sleep,
        "--rate",
        "1000/s",
        "--duration",
        "1s",
        "--format",
        "json",
    ]);
    assert_eq!(paced.status.code(), Some(0), "{}", stderr(&paced));
    let doc = json(&paced);
    let max = doc["latency"]["max_ms"].as_f64().unwrap();
    // About 20 passes, the k-th due at k ms and done at 50 (k + 1) ms.
    assert!(max > 500.0, "{max}");
    let free = run(&[
        "-n",
        "1",
        "--sql",
        sleep,
        "--duration",
        "1s",
        "--format",
        "json",
    ]);
    let max = json(&free)["latency"]["max_ms"].as_f64().unwrap();
    assert!(max < 200.0, "{max}");
}
