//! The `job_monitor` binary against the real MariaDB: an ALTER TABLE
//! followed from a second connection with its progress, nothing running,
//! a failed statement, and the sources MariaDB does not have.

mod common;
use common::*;

use mysql_async::prelude::Queryable;
use std::process::Output;

fn run(args: &[&str]) -> Output {
    tool(env!("CARGO_BIN_EXE_job_monitor"))
        .args(["--url", &server_url()])
        .args(args)
        .output()
        .expect("job_monitor runs")
}

/// `job_monitor ARGS` started with its outputs captured, to be interrupted.
fn spawn(args: &[&str]) -> std::process::Child {
    tool(env!("CARGO_BIN_EXE_job_monitor"))
        .args(["--url", &server_url()])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("job_monitor starts")
}

/// Sends Ctrl-C to `child` and gives what it printed; it must have ended
/// within `limit` of the signal (this bounds a hang).
fn interrupt_within(child: std::process::Child, limit: std::time::Duration) -> Output {
    interrupt(&child);
    let started = std::time::Instant::now();
    let out = child.wait_with_output().expect("job_monitor ends");
    assert!(started.elapsed() < limit, "{:?}", started.elapsed());
    out
}

#[tokio::test]
async fn an_alter_table_is_followed_to_the_end_with_rising_progress() {
    let table = format!("rig_jobs_{}", std::process::id());
    let mut c = admin().await;
    c.query_drop(format!("DROP TABLE IF EXISTS {table}"))
        .await
        .unwrap();
    c.query_drop(format!(
        "CREATE TABLE {table} (id INT PRIMARY KEY AUTO_INCREMENT, pad CHAR(200))"
    ))
    .await
    .unwrap();
    // Large enough that a copying ALTER takes a few seconds here.
    c.query_drop(format!(
        "INSERT INTO {table} (pad) SELECT REPEAT('x', 200) FROM seq_1_to_600000"
    ))
    .await
    .unwrap();
    let sql = format!("ALTER TABLE {table} FORCE, ALGORITHM=COPY");
    let dir = scratch_dir("jobs-junit");
    let junit = dir.join("jobs.xml");
    let out = run(&[
        "--submit",
        &sql,
        "--interval",
        "100ms",
        "--format",
        "json",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    c.query_drop(format!("DROP TABLE {table}")).await.unwrap();
    // The JUnit file: the job and the submitted statement, both passed.
    let (cases, counts) = junit_cases(&junit);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(counts, [2, 0, 0, 0], "{cases:?}");
    assert_eq!(cases[0].classname, "job_monitor.statement");
    assert!(cases[0].name.starts_with("conn-"), "{cases:?}");
    assert!(cases[0].name.contains(&table), "{cases:?}");
    assert_eq!(cases[1].classname, "job_monitor.submit");
    assert_eq!(cases[1].name, sql);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["source"], "processlist");
    assert_eq!(doc["submitted"]["ok"], true);
    let jobs = doc["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1, "{stdout}");
    let job = &jobs[0];
    assert_eq!(job["job"]["status"], "finished");
    // Its statuses are the changes of status only, however often its
    // progress changed in between.
    assert_eq!(
        job["statuses"],
        serde_json::json!(["running", "finished"]),
        "{job}"
    );
    assert!(job["job"]["target"].as_str().unwrap().contains(&table));
    let progress: Vec<f64> = job["progress"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[1].as_f64().unwrap())
        .collect();
    assert!(progress.len() >= 3, "{progress:?}");
    assert!(
        progress.windows(2).any(|w| w[1] > w[0]),
        "progress rose: {progress:?}"
    );
    // Every change went into the run's shared event log too.
    let published = doc["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "published" && e["name"] == "job")
        .count();
    assert!(published >= progress.len().min(2), "{published}");
}

#[test]
fn nothing_running_is_a_result_not_an_error() {
    // Statements younger than an hour do not count: nothing qualifies.
    let out = run(&["--until-done", "--min-time", "1h", "--format", "json"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["nothing_running"], true);
    let human = run(&["--until-done", "--min-time", "1h"]);
    assert!(text(&human).0.contains("nothing running"));
}

/// A job that runs for a while and then fails (a unique key the last row
/// breaks) is a failed test case with the server's error, in JUnit as in
/// the exit code.
#[tokio::test]
async fn a_job_that_fails_is_a_failed_junit_case() {
    let table = format!("rig_jobs_fail_{}", std::process::id());
    let mut c = admin().await;
    c.query_drop(format!("DROP TABLE IF EXISTS {table}"))
        .await
        .unwrap();
    c.query_drop(format!("CREATE TABLE {table} (id INT PRIMARY KEY, k INT)"))
        .await
        .unwrap();
    c.query_drop(format!(
        "INSERT INTO {table} SELECT seq, seq FROM seq_1_to_400000"
    ))
    .await
    .unwrap();
    c.query_drop(format!("INSERT INTO {table} VALUES (400001, 1)"))
        .await
        .unwrap();
    let sql = format!("ALTER TABLE {table} ADD UNIQUE KEY (k), ALGORITHM=COPY");
    let dir = scratch_dir("jobs-junit-fail");
    let junit = dir.join("jobs.xml");
    let out = run(&[
        "--submit",
        &sql,
        "--interval",
        "50ms",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    c.query_drop(format!("DROP TABLE {table}")).await.unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let (cases, counts) = junit_cases(&junit);
    std::fs::remove_dir_all(&dir).unwrap();
    let submit = cases.last().unwrap();
    assert_eq!(submit.classname, "job_monitor.submit");
    assert_eq!(submit.status, "failure");
    assert!(submit.message.contains("1062"), "{cases:?}");
    // The job itself (polls every 50 ms see a copy of 400,000 rows run)
    // failed with it.
    assert_eq!(cases.len(), 2, "{cases:?}");
    for job in &cases[..cases.len() - 1] {
        assert_eq!(job.status, "failure", "{cases:?}");
        assert!(
            job.message.starts_with("failed: ") && job.message.contains("1062"),
            "{cases:?}"
        );
    }
    assert_eq!(counts[1], cases.len());
}

#[test]
fn a_failed_statement_fails_the_run() {
    let out = run(&[
        "--submit",
        "ALTER TABLE rig_no_such_table FORCE",
        "--interval",
        "100ms",
        "--format",
        "json",
    ]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["submitted"]["ok"], false);
    assert!(doc["submitted"]["error"].as_str().unwrap().contains("1146"));
}

#[test]
fn a_failed_statement_shows_the_server_s_error_in_the_human_report_too() {
    let out = run(&["--submit", "SELEC 1", "--interval", "100ms"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stdout.contains("submitted `SELEC 1`: failed: server error 1064"),
        "{stdout}"
    );
}

#[test]
fn an_empty_submit_is_a_usage_error() {
    let out = run(&["--submit", ""]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--submit needs a statement"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn sources_mariadb_does_not_have_are_refused_plainly() {
    for (args, needle) in [
        (
            vec!["--source", "import"],
            "import jobs (IMPORT INTO, SHOW IMPORT JOBS) need TiDB 7.2 or later",
        ),
        (
            vec!["--source", "ddl"],
            "DDL jobs (ADMIN SHOW DDL JOBS) need TiDB",
        ),
        (
            vec!["--cancel", "5", "--source", "import"],
            "import jobs (IMPORT INTO, SHOW IMPORT JOBS) need TiDB 7.2 or later",
        ),
    ] {
        let out = run(&args);
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(needle) && stderr.contains("MariaDB"),
            "{stderr}"
        );
    }
    // MariaDB's own source is the processlist: a bare number (an import or
    // DDL job's id elsewhere) must not stop connection 5's statement.
    let out = run(&["--cancel", "5"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "job_monitor: error: --cancel 5: a statement of the processlist is named `conn-N` (N its connection id), not `5`"
    );
}

#[test]
fn a_duration_shorter_than_the_interval_ends_at_the_duration() {
    let started = std::time::Instant::now();
    let out = run(&[
        "--source",
        "processlist",
        "--duration",
        "300ms",
        "--interval",
        "30s",
    ]);
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Waiting out the interval would take 30 s; this bounds a hang, not speed.
    assert!(took < std::time::Duration::from_secs(15), "{took:?}");
    // And the watch lasts its duration: a last look at the end, not only
    // the first one.
    assert!(took >= std::time::Duration::from_millis(300), "{took:?}");
}

#[tokio::test]
async fn ctrl_c_stops_the_submitted_statement_on_the_server_and_reports_it() {
    use std::time::Duration;
    let marker = format!("rig_interrupt_{}", std::process::id());
    let sql = format!("SELECT SLEEP(30) AS {marker}");
    let child = spawn(&["--submit", &sql, "--format", "json"]);
    // Interrupted once the statement runs (a fixed wait lost the race on
    // a loaded machine: the interrupt came before the statement was sent).
    wait_until_running(&marker, Duration::from_secs(20)).await;
    // Bounds a hang (the grace period was 5 s); the figure is in the note.
    let out = interrupt_within(child, Duration::from_secs(3));
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["submitted"]["sql"], sql);
    assert_eq!(doc["submitted"]["ok"], false);
    let error = doc["submitted"]["error"].as_str().unwrap();
    assert!(
        error.starts_with("interrupted: the statement was stopped on the server (KILL CONNECTION "),
        "{error}"
    );
    // The monitor takes one look at the interrupt, nearly always before the
    // stop lands. A statement still listed then is not known to have ended
    // (a stop can fail): its job keeps what the list said, and only one
    // seen to leave the list takes the submitter's account.
    let job = doc["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| {
            j["job"]["target"]
                .as_str()
                .is_some_and(|t| t.contains(&marker))
        })
        .unwrap_or_else(|| panic!("the submitted statement was never listed: {doc}"));
    if job["vanished"] == true {
        assert_eq!(job["end_state"], "failed", "{job}");
    } else {
        assert_eq!(job["end_state"], job["job"]["status"], "{job}");
        assert_ne!(job["end_state"], "failed", "{job}");
    }
    // Its killed thread may stay listed a moment; a statement nobody
    // stopped (SLEEP(30)) would stay for half a minute.
    let running = still_listed(&marker, Duration::from_secs(2)).await;
    assert!(
        running.is_empty(),
        "still running on the server: {running:?}"
    );
}

#[tokio::test]
async fn cancel_stops_a_statement_of_the_processlist_by_connection() {
    use std::time::Duration;
    let marker = format!("rig_cancel_{}", std::process::id());
    let mut victim = admin().await;
    let id = victim.id();
    let sql = format!("SELECT BENCHMARK(2000000000, MD5('x')) AS {marker}");
    let running = tokio::spawn(async move { victim.query_drop(sql).await });
    wait_until_running(&marker, Duration::from_secs(10)).await;
    let out = run(&["--cancel", &format!("conn-{id}"), "--source", "processlist"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        stdout.trim(),
        format!("the statement on connection {id} was stopped (KILL QUERY {id})")
    );
    // The statement, minutes of work, is over (MariaDB ends an interrupted
    // BENCHMARK with a result, not an error) and nothing runs it any more.
    let ended = tokio::time::timeout(Duration::from_secs(5), running).await;
    assert!(ended.is_ok(), "still running after the cancel");
    // The server clears the thread's statement a moment after the client
    // has its answer: allow it that moment, not minutes.
    let ids = still_listed(&marker, Duration::from_secs(3)).await;
    assert!(
        ids.is_empty(),
        "still in the processlist: {ids:?} (the victim was {id})"
    );
    // A connection that does not exist is the server's error, exit 1.
    let out = run(&["--cancel", "conn-4000000000", "--source", "processlist"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_has(&out, "Unknown thread id: 4000000000"));
}

fn stderr_has(out: &Output, text: &str) -> bool {
    stderr(out).contains(text)
}

#[test]
fn json_is_printed_when_the_server_cannot_be_reached_or_refuses_the_user() {
    let port = closed_port().to_string();
    let out = tool(env!("CARGO_BIN_EXE_job_monitor"))
        .args(["-h", "127.0.0.1", "-P", &port, "--format", "json"])
        .output()
        .unwrap();
    let message = failure_document(&out, "job_monitor", 3, "unreachable");
    assert!(message.contains("connection refused"), "{message}");
    // An account that does not exist: MariaDB answers 1698, a denial like 1045.
    let s = server();
    let nobody = format!("rig_nobody_{}", std::process::id());
    let out = tool(env!("CARGO_BIN_EXE_job_monitor"))
        .args(["-h", &s.host, "-P", &s.port.to_string(), "-u", &nobody])
        .args(["--format", "json"])
        .output()
        .unwrap();
    let message = failure_document(&out, "job_monitor", 2, "configuration");
    assert!(
        message.starts_with(&format!("access denied for user `{nobody}`")),
        "{message}"
    );
}

/// `--until-done` waits for every statement running at its first look,
/// those still too young to count as jobs too: a job that ends first (here
/// one 1.2 s old at the start, ending 0.3 s later) does not end the watch
/// while a young one (begun just before, 2 s to go) still runs. Seen on a
/// busy server: another client's short statement ended the watch early.
#[tokio::test]
async fn until_done_waits_for_a_young_statement_after_an_older_job_ended() {
    use std::time::{Duration, Instant};
    let marker = format!("rig_pair_{}", std::process::id());
    let mut older = admin().await;
    let sql = format!("SELECT SLEEP(1.5) AS {marker}_old");
    let old = tokio::spawn(async move { older.query_drop(sql).await });
    wait_until_running(&format!("{marker}_old"), Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let mut younger = admin().await;
    let sql = format!("SELECT SLEEP(2) AS {marker}_young");
    let young = tokio::spawn(async move { younger.query_drop(sql).await });
    wait_until_running(&format!("{marker}_young"), Duration::from_secs(10)).await;
    let started = Instant::now();
    let out = run(&["--until-done", "--format", "json", "--interval", "100ms"]);
    let took = started.elapsed();
    old.await.unwrap().unwrap();
    young.await.unwrap().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    let ended = |suffix: &str| {
        doc["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| {
                j["job"]["target"]
                    .as_str()
                    .unwrap_or("")
                    .contains(&format!("{marker}_{suffix}"))
            })
            .unwrap_or_else(|| panic!("{suffix} not followed: {doc:#}"))["end_state"]
            .clone()
    };
    assert_eq!(ended("old"), "vanished", "{doc:#}");
    assert_eq!(ended("young"), "vanished", "{doc:#}");
    assert!(took >= Duration::from_millis(1500), "ended after {took:?}");
}

/// A statement that began just before the monitor, younger than the default
/// `--min-time 1s` at the first look, is followed from that first look (not
/// "nothing running"), and its summary says it ended rather than "running":
/// the processlist lists it no more, and does not say how it ended.
#[tokio::test]
async fn a_statement_younger_than_min_time_at_the_first_look_is_still_followed() {
    use std::time::Duration;
    let marker = format!("rig_young_{}", std::process::id());
    let mut sleeper = admin().await;
    let sql = format!("SELECT SLEEP(2.5) AS {marker}");
    let running = tokio::spawn(async move { sleeper.query_drop(sql).await });
    wait_until_running(&marker, Duration::from_secs(10)).await;
    let out = run(&["--until-done", "--format", "json", "--interval", "200ms"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["nothing_running"], false, "{doc:#}");
    let job = doc["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["job"]["target"].as_str().unwrap_or("").contains(&marker))
        .unwrap_or_else(|| panic!("not followed: {doc:#}"))
        .clone();
    // Seen at the first look, while still under a second old.
    assert!(job["first_seen_ms"].as_f64().unwrap() < 500.0, "{job}");
    // And looked at until it ended, some two seconds later: the summary's
    // times are milliseconds of the watch.
    let seen_for = job["last_seen_ms"].as_f64().unwrap() - job["first_seen_ms"].as_f64().unwrap();
    assert!(seen_for >= 1000.0, "seen for {seen_for} ms: {job}");
    assert_eq!(job["vanished"], true);
    assert_eq!(job["end_state"], "vanished");
    running.await.unwrap().unwrap();

    // The human summary says it ended.
    let mut sleeper = admin().await;
    let sql = format!("SELECT SLEEP(1.5) AS {marker}_h");
    let running = tokio::spawn(async move { sleeper.query_drop(sql).await });
    wait_until_running(&format!("{marker}_h"), Duration::from_secs(10)).await;
    let out = run(&["--until-done", "--interval", "200ms"]);
    let (stdout, _) = text(&out);
    let line = stdout
        .lines()
        .find(|l| l.contains(&format!("{marker}_h")) && l.contains("seen"))
        .unwrap_or_else(|| panic!("no summary line: {stdout}"));
    assert!(
        line.contains("ended: no longer listed by the processlist after"),
        "{line}"
    );
    assert!(!line.contains(" running "), "{line}");
    running.await.unwrap().unwrap();
}

/// `--job conn-N` follows that statement alone, while it is still too
/// young to count as a job too: the watch ends when it ends (here within a
/// second), not when another client's statement does (six).
#[tokio::test]
async fn a_watched_statement_alone_decides_when_the_watch_ends() {
    use std::time::{Duration, Instant};
    let marker = format!("rig_only_{}", std::process::id());
    let mut watched = admin().await;
    let id = watched.id();
    let sql = format!("SELECT SLEEP(1) AS {marker}_watched");
    let watched = tokio::spawn(async move { watched.query_drop(sql).await });
    let mut other = admin().await;
    let sql = format!("SELECT SLEEP(6) AS {marker}_other");
    let other = tokio::spawn(async move { other.query_drop(sql).await });
    wait_until_running(&format!("{marker}_watched"), Duration::from_secs(10)).await;
    wait_until_running(&format!("{marker}_other"), Duration::from_secs(10)).await;
    let started = Instant::now();
    let job = format!("conn-{id}");
    let out = run(&[
        "--job",
        &job,
        "--until-done",
        "--min-time",
        "1h",
        "--interval",
        "100ms",
    ]);
    let took = started.elapsed();
    watched.await.unwrap().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        took < Duration::from_secs(4),
        "waited {took:?} for another statement"
    );
    other.await.unwrap().unwrap();
}

/// Ctrl-C while the monitor and the submitter are still connecting (a
/// slow `--session-init` holds both): the tool ends at once (the session-init
/// statements are stopped from connections that do not run it themselves;
/// they did, and waited it out), and says the statement was never sent,
/// not that a stop on the server may have failed.
#[tokio::test]
async fn ctrl_c_before_the_statement_was_sent_says_so() {
    use std::time::Duration;
    let marker = format!("rig_slow_init_{}", std::process::id());
    let init = format!("SELECT SLEEP(5) AS {marker}");
    let child = spawn(&[
        "--session-init",
        &init,
        "--submit",
        "SELECT 1",
        "--format",
        "json",
    ]);
    // Two sessions in their init at once: the monitor's and the
    // submitter's (a check the tool makes first connects alone).
    let both = processlist::poll(
        Duration::from_secs(30),
        || statements_running(&marker),
        |ids| ids.len() >= 2,
    )
    .await;
    assert!(
        both.len() >= 2,
        "the two participants never connected together"
    );
    let out = interrupt_within(child, Duration::from_secs(4));
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    // Nothing was watched: the failure document, whose message says what
    // became of the statement.
    let doc = json(&out);
    assert_eq!(doc["outcome"], "interrupted", "{doc:#}");
    assert_eq!(doc["error"]["class"], "cancelled", "{doc:#}");
    assert_eq!(
        doc["error"]["message"],
        "cancelled; submitted `SELECT 1`: failed: interrupted before the statement was sent",
        "{doc:#}"
    );
}
