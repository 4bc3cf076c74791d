//! The `isolation` binary against the real server: JSON output, selection,
//! --explain, --repeat, bad input and Ctrl-C.

mod common;
use common::*;

use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn tool() -> Command {
    let mut cmd = common::tool(env!("CARGO_BIN_EXE_isolation"));
    cmd.args(["--url", &server_url()]);
    cmd
}

/// A new user holding `privileges` on the test database only; its URL.
async fn create_user(user: &str, password: &str, privileges: &str) -> String {
    use mysql_async::prelude::Queryable;
    let database = server().database.clone().unwrap_or_else(|| "test".into());
    let mut admin = admin().await;
    for sql in [
        format!("DROP USER IF EXISTS '{user}'@'%'"),
        format!("CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'"),
        format!("GRANT {privileges} ON `{database}`.* TO '{user}'@'%'"),
    ] {
        admin.query_drop(sql).await.unwrap();
    }
    url_for(user, Some(password), &database)
}

async fn drop_user(user: &str) {
    use mysql_async::prelude::Queryable;
    admin()
        .await
        .query_drop(format!("DROP USER '{user}'@'%'"))
        .await
        .unwrap();
}

/// A user with every right on the test database and no PROCESS privilege.
#[tokio::test]
async fn without_the_process_privilege_one_line_names_the_way_out_and_exit_2() {
    let (user, password) = ("rig_isolation_noproc", "np-Secret-1");
    let url = create_user(user, password, "ALL").await;
    let views = common::tool(env!("CARGO_BIN_EXE_isolation"))
        .args(["--url", &url, "--tests", "p4"])
        .output()
        .unwrap();
    let timeout = common::tool(env!("CARGO_BIN_EXE_isolation"))
        .args(["--url", &url, "--tests", "p4", "--levels", "serializable"])
        .args(["--lock-detection", "timeout"])
        .output()
        .unwrap();
    drop_user(user).await;
    let (stdout, stderr) = text(&views);
    assert_eq!(views.status.code(), Some(2), "{stdout}{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("PROCESS") && stderr.contains("--lock-detection timeout"),
        "{stderr}"
    );
    assert!(!stderr.contains(password) && !stdout.contains(password));
    assert!(stdout.is_empty(), "{stdout}");
    let (stdout, stderr) = text(&timeout);
    assert_eq!(timeout.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("prevented"), "{stdout}");
}

/// T2 as a user who may only read: its writes are refused with 1142, which
/// is not one of the ways a server prevents an anomaly, so a cell whose T2
/// writes cannot be judged (its T1 alone would look like "prevented"); a
/// cell whose T2 only reads still can be.
#[tokio::test]
async fn a_statement_refused_for_lack_of_a_right_makes_its_cell_an_error_not_a_verdict() {
    let (user, password) = ("rig_isolation_reader", "rd-Secret-1");
    let reader = format!("T2={}", create_user(user, password, "SELECT").await);
    let out = tool()
        .args(["--session-url", &reader])
        .args(["--tests", "g0,g1a", "--levels", "read-committed"])
        .args(["--format", "json"])
        .output()
        .unwrap();
    drop_user(user).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(!stderr.contains(password) && !stdout.contains(password));
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let cell = |test: &str| {
        doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["test"] == test)
            .unwrap()
            .clone()
    };
    let g0 = cell("g0");
    assert_eq!(g0["observed"], "error", "{g0}");
    let why = g0["why"].as_str().unwrap();
    assert!(
        why.contains("T2's `update test set value = 12 where id = 1`") && why.contains("1142"),
        "{why}"
    );
    // The error cell keeps what ran up to the refusal, for `--explain` and
    // the page: T1's write, then T2's refused one with the server's code.
    let steps = g0["steps"].as_array().unwrap();
    let refused = steps
        .iter()
        .find(|s| s["error_code"] == 1142)
        .unwrap_or_else(|| panic!("no step refused with 1142 in {g0}"));
    assert_eq!(refused["session"], 2, "{g0}");
    assert_eq!(
        refused["sql"], "update test set value = 12 where id = 1",
        "{g0}"
    );
    assert!(
        steps
            .iter()
            .any(|s| s["session"] == 1 && s["sql"] == "update test set value = 11 where id = 1"),
        "{g0}"
    );
    assert_eq!(cell("g1a")["observed"], "prevented", "{doc}");
}

/// The settings are read from the server as its sessions have them: a
/// `--session-init` that turns MariaDB's `innodb_snapshot_isolation` on
/// (a session variable, per MariaDB's documentation) gets the same profile
/// and the same write-anomaly verdicts as `--snapshot-isolation on`, not
/// the InnoDB profile and a column of deviations.
#[test]
fn snapshot_isolation_turned_on_by_a_session_init_is_read_from_the_server() {
    let cells = [
        "--tests",
        "p4,g-single-write-1",
        "--levels",
        "repeatable-read",
    ];
    let by_init = run(&[
        &[
            "--session-init",
            "SET SESSION innodb_snapshot_isolation = ON",
        ][..],
        &cells,
        &["--format", "json"],
    ]
    .concat());
    let by_flag = run(&[
        &["--snapshot-isolation", "on"][..],
        &cells,
        &["--format", "json"],
    ]
    .concat());
    for out in [&by_init, &by_flag] {
        assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
    }
    let (init_doc, flag_doc) = (json(&by_init), json(&by_flag));
    assert_eq!(
        init_doc["profile"], "MariaDB, innodb_snapshot_isolation=ON",
        "{init_doc:#}"
    );
    assert_eq!(init_doc["profile"], flag_doc["profile"]);
    let observed = |doc: &serde_json::Value| -> Vec<(String, String)> {
        doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["test"].to_string(), c["observed"].to_string()))
            .collect()
    };
    assert_eq!(observed(&init_doc), observed(&flag_doc));
}

fn run(args: &[&str]) -> Output {
    tool().args(args).output().expect("isolation runs")
}

#[test]
fn json_has_the_documented_shape() {
    let out = run(&[
        "--format",
        "json",
        "--tests",
        "g1a,p4",
        "--levels",
        "read-uncommitted,serializable",
    ]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert!(doc["server"]["flavor"].is_string() && doc["server"]["version"].is_string());
    assert!(doc["elapsed_ms"].as_f64().unwrap() > 0.0);
    let results = doc["results"].as_array().unwrap();
    let cells: Vec<(String, String, String)> = results
        .iter()
        .map(|r| {
            (
                r["test"].as_str().unwrap().to_string(),
                r["level"].as_str().unwrap().to_string(),
                r["observed"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        cells,
        [
            ("g1a".into(), "read-uncommitted".into(), "anomaly".into()),
            ("g1a".into(), "serializable".into(), "prevented".into()),
            ("p4".into(), "read-uncommitted".into(), "anomaly".into()),
            ("p4".into(), "serializable".into(), "prevented".into()),
        ]
    );
    let expected: Vec<&str> = results
        .iter()
        .map(|r| r["expected"].as_str().unwrap())
        .collect();
    // Hermitage: RU does not prevent G1a (mysql.md's script), only "—" for P4.
    assert_eq!(expected, ["anomaly", "prevented", "allowed", "prevented"]);
    for r in results {
        for step in r["steps"].as_array().unwrap() {
            assert!(
                step["session"].is_u64() && step["sql"].is_string() && step["blocked"].is_boolean()
            );
            assert!(step.get("rows").is_some() && step.get("error_code").is_some());
        }
    }
    // The dirty read is in the evidence: T2 saw 101.
    let g1a_ru = &results[0]["steps"];
    assert!(g1a_ru
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["rows"].to_string().contains("[1,101]")));
}

#[test]
fn unknown_tests_and_levels_are_named_with_the_valid_ones() {
    let out = run(&["--tests", "g1a,g9"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("unknown test `g9`") && stderr.contains("g2-two-edges"),
        "{stderr}"
    );
    let out = run(&["--levels", "snapshot"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("unknown level `snapshot`") && stderr.contains("repeatable-read"),
        "{stderr}"
    );
}

#[test]
fn explain_prints_the_script_and_what_each_session_saw() {
    let out = run(&["--explain", "g1b", "--levels", "read-uncommitted"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("T1: update test set value = 101 where id = 1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("at read-uncommitted: anomaly (expected anomaly)"),
        "{stdout}"
    );
    assert!(stdout.contains("1 => 101"), "{stdout}");
}

#[test]
fn repeat_runs_each_cell_and_reports_no_variation() {
    let out = run(&["--repeat", "3", "--tests", "g0,g2-item", "--format", "json"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    for r in doc["results"].as_array().unwrap() {
        let runs = r["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 3);
        assert!(runs.iter().all(|o| *o == r["observed"]));
    }
}

#[test]
fn ctrl_c_stops_the_run_and_exits_130() {
    let child = tool()
        .args(["--repeat", "1000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    interrupt(&child);
    let out = child.wait_with_output().unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted; the run's table was dropped"),
        "{stderr}"
    );
}

#[test]
fn json_is_printed_when_the_server_cannot_be_reached() {
    let port = closed_port().to_string();
    let out = common::tool(env!("CARGO_BIN_EXE_isolation"))
        .args(["-h", "127.0.0.1", "-P", &port, "--format", "json"])
        .output()
        .unwrap();
    let message = failure_document(&out, "isolation", 3, "unreachable");
    assert!(message.contains("connection refused"), "{message}");
}

/// `--junit` writes one test case per cell, in the matrix's order, and
/// each says what the same run's JSON says of that cell: a deviation from
/// the profile or a cell whose runs disagree is a failure, a cell that
/// could not run an error, a refused level skipped. The exit code agrees.
#[test]
fn junit_has_one_test_case_per_cell_agreeing_with_the_json() {
    let dir = scratch_dir("isolation-junit");
    let path = dir.join("matrix.xml");
    let out = run(&[
        "--tests",
        "g0,p4,g2-item",
        "--levels",
        "read-committed,repeatable-read,serializable",
        "--format",
        "json",
        "--junit",
        path.to_str().unwrap(),
    ]);
    let doc = json(&out);
    let (cases, counts) = junit_cases(&path);
    let results = doc["results"].as_array().unwrap();
    assert_eq!(cases.len(), 9);
    assert_eq!(cases.len(), results.len());
    let mut failures = 0;
    for (case, cell) in cases.iter().zip(results) {
        let test = cell["test"].as_str().unwrap();
        assert_eq!(case.classname, format!("isolation.{test}"));
        assert_eq!(case.name, cell["level"].as_str().unwrap());
        let outcome = cell["observed"].as_str().unwrap();
        let deviates = cell["expected"]
            .as_str()
            // "allowed": the source says only that the level does not
            // prevent it, so either result of a run agrees.
            .is_some_and(|e| {
                !(e == outcome || (e == "allowed" && matches!(outcome, "anomaly" | "prevented")))
            });
        let expected_status = if deviates {
            "failure"
        } else {
            match outcome {
                "error" => "error",
                "not-supported" => "skipped",
                _ => "passed",
            }
        };
        assert_eq!(case.status, expected_status, "{case:?} vs {cell}");
        failures += usize::from(case.status == "failure");
    }
    assert_eq!(counts[0], 9);
    assert_eq!(counts[1], failures);
    let clean = cases
        .iter()
        .all(|c| c.status == "passed" || c.status == "skipped");
    assert_eq!(
        out.status.code(),
        Some(if clean { 0 } else { 1 }),
        "{}",
        stderr(&out)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_unwritable_junit_path_is_refused_before_the_run() {
    let out = run(&["--tests", "g0", "--junit", "/nonexistent-dir/m.xml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("cannot write JUnit report `/nonexistent-dir/m.xml`"),
        "{err}"
    );
}

/// A run that ends before it has a report (nothing listening) still
/// leaves a JUnit file with one failed test case saying why, and a page.
#[test]
fn a_run_that_fails_before_its_report_still_writes_junit_and_html() {
    let dir = scratch_dir("isolation-early-failure");
    let (junit, html) = (dir.join("m.xml"), dir.join("m.html"));
    let down = format!("mysql://root@127.0.0.1:{}/test", closed_port());
    let out = common::tool(env!("CARGO_BIN_EXE_isolation"))
        .args(["--url", &down, "--junit", junit.to_str().unwrap()])
        .args(["--html", html.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let (cases, counts) = junit_cases(&junit);
    assert_eq!(counts, [1, 1, 0, 0]);
    assert_eq!(
        (cases[0].classname.as_str(), cases[0].name.as_str()),
        ("isolation", "run")
    );
    assert!(cases[0].message.contains("refused"), "{cases:?}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("The run ended before it had a report (unreachable)"),
        "{page}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
