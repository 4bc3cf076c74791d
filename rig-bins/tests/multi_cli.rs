//! The `simple_multi_connection` binary against the real server: many
//! connections and iterations, a config file, bad input, JUnit output, and
//! Ctrl-C producing a partial report.

mod common;
use common::*;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn tool() -> Command {
    common::tool(env!("CARGO_BIN_EXE_simple_multi_connection"))
}

fn run(args: &[&str]) -> Output {
    tool().args(args).output().expect("the tool runs")
}

fn config_file(text: &str) -> temp::Temp {
    temp::Temp::with(text)
}

/// A file under the target directory, removed on drop.
mod temp {
    pub struct Temp(pub std::path::PathBuf);

    impl Temp {
        pub fn with(text: &str) -> Temp {
            use std::sync::atomic::{AtomicUsize, Ordering};
            static N: AtomicUsize = AtomicUsize::new(0);
            let path = std::env::temp_dir().join(format!(
                "rig-multi-{}-{}.toml",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::write(&path, text).unwrap();
            Temp(path)
        }

        pub fn path(&self) -> &str {
            self.0.to_str().unwrap()
        }
    }

    impl Drop for Temp {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

#[test]
fn many_connections_and_iterations_all_pass() {
    let out = run(&[
        "--url",
        &server_url(),
        "-n",
        "8",
        "--iterations",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["summary"]["passed"], 8);
    for p in doc["participants"].as_array().unwrap() {
        assert_eq!(p["outcome"], "passed");
        assert_eq!(
            p["transitions"].as_array().unwrap().len(),
            15,
            "5 steps x 3 iterations"
        );
        assert_eq!(p["last_state"], "Completed");
    }
}

#[test]
fn config_file_with_an_unreachable_entry() {
    let file = config_file(&format!(
        "[[connection]]\nid = \"local-a\"\nurl = \"{url}\"\n\n[[connection]]\nid = \"local-b\"\nurl = \"{url}\"\n\n[[connection]]\nid = \"nowhere\"\nhost = \"127.0.0.1\"\nport = {port}\nconnect_timeout = \"2s\"\n",
        url = server_url(),
        port = closed_port()
    ));
    let out = run(&["--config", file.path(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let outcomes: Vec<(String, String)> = doc["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("local-a".into(), "passed".into()),
            ("local-b".into(), "passed".into()),
            ("nowhere".into(), "failed".into())
        ]
    );
    assert_eq!(doc["participants"][2]["error"]["class"], "unreachable");
    assert_eq!(doc["participants"][2]["last_state"], "Connecting");
}

#[test]
fn every_target_unreachable_exits_3() {
    let out = run(&[
        "-h",
        "127.0.0.1",
        "-P",
        &closed_port().to_string(),
        "-n",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

#[test]
fn bad_config_files_are_named() {
    let missing = std::env::temp_dir().join("rig-surely-missing.toml");
    let cases: Vec<(Option<temp::Temp>, &str)> = vec![
        (
            Some(config_file("[[connection]]\nid = \"a\"\nport = \n")),
            "line 3, column",
        ),
        (
            Some(config_file(
                "[[connection]]\nid = \"a\"\n[[connection]]\nid = \"a\"\n",
            )),
            "two connections have id `a`",
        ),
        (
            Some(config_file("[[connection]]\nid = \"a\"\nhots = \"x\"\n")),
            "unknown field `hots`",
        ),
        (
            Some(config_file("# nothing here\n")),
            "lists no connections",
        ),
        (None, "cannot read config"),
    ];
    for (file, needle) in cases {
        let path = file
            .as_ref()
            .map_or(missing.to_str().unwrap().to_string(), |f| {
                f.path().to_string()
            });
        let out = run(&["--config", &path]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{needle}: {err}");
        assert!(err.contains(needle), "{needle}: {err}");
        assert!(err.contains(&path), "names the file: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[tokio::test]
async fn more_connections_than_the_server_allows_are_refused_with_the_right_remedy() {
    use mysql_async::prelude::Queryable;
    let max: u64 = admin()
        .await
        .query_first("SELECT @@max_connections")
        .await
        .unwrap()
        .unwrap();
    let too_many = (max + 5).to_string();
    let out = run(&["--url", &server_url(), "-n", &too_many]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("lower --connections or raise max_connections"),
        "{}",
        stderr(&out)
    );

    let entries: String = (0..max + 5)
        .map(|i| {
            format!(
                "[[connection]]\nid = \"c{i}\"\nurl = \"{}\"\n",
                server_url()
            )
        })
        .collect();
    let file = config_file(&entries);
    let out = run(&["--config", file.path()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("list fewer connections to it in the --config file or raise max_connections"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unwritable_junit_path_is_refused_before_anything_runs() {
    let started = std::time::Instant::now();
    // Nothing listens on port 1: had the run started, it would say so.
    let out = run(&[
        "--url",
        "mysql://root@127.0.0.1:1/test",
        "--junit",
        "/nonexistent-dir/report.xml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "simple_multi_connection: error: cannot write JUnit report `/nonexistent-dir/report.xml`: No such file or directory (os error 2)"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn an_endless_config_file_is_refused_at_the_size_limit() {
    let started = std::time::Instant::now();
    let out = run(&["--config", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "simple_multi_connection: error: cannot read config `/dev/zero`: it is larger than 16 MiB"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn zero_connections_is_a_usage_error() {
    let out = run(&["--url", &server_url(), "-n", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--connections 0"));
}

#[test]
fn more_connections_than_the_server_allows_is_refused_plainly() {
    let out = run(&["--url", &server_url(), "-n", "5000"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("5000 connections") && err.contains("max_connections"),
        "{err}"
    );
}

#[test]
fn junit_file_lists_every_connection() {
    let path = std::env::temp_dir().join(format!("rig-junit-{}.xml", std::process::id()));
    let out = run(&[
        "--url",
        &server_url(),
        "-n",
        "3",
        "--junit",
        path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let xml = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut cases = 0;
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)
                if e.name().as_ref() == b"testcase" =>
            {
                cases += 1
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(cases, 3);
}

#[test]
fn ctrl_c_mid_run_writes_a_partial_report_and_exits_130() {
    let child = tool()
        .args([
            "--url",
            &server_url(),
            "-n",
            "3",
            "--iterations",
            "1000000",
            "--format",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    interrupt(&child);
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["cancelled"], true);
    assert_eq!(doc["summary"]["interrupted"], 3);
    for p in doc["participants"].as_array().unwrap() {
        assert!(
            p["transitions"].as_array().unwrap().len() > 5,
            "work was done before the cancel"
        );
        assert_eq!(p["error"]["class"], "cancelled");
    }
}

#[test]
fn a_silent_server_costs_one_connect_timeout_not_two() {
    // Accepts TCP connections (the kernel does, into the backlog) but never
    // sends the greeting.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let started = Instant::now();
    let out = run(&[
        "-P",
        &port,
        "-n",
        "3",
        "--connect-timeout",
        "1500ms",
        "--format",
        "json",
    ]);
    let elapsed = started.elapsed();
    let stderr = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    // The capacity check's wait and then the participants' would be 3 s.
    assert!(elapsed < Duration::from_millis(2800), "took {elapsed:?}");
    assert!(
        stderr.contains(&format!(
            "127.0.0.1:{port} did not answer the capacity check within 1.5s: its connections fail without a second wait"
        )),
        "{stderr}"
    );
    let doc = json(&out);
    for p in doc["participants"].as_array().unwrap() {
        assert_eq!(p["outcome"], "failed");
        assert_eq!(p["last_state"], "Connecting");
        assert_eq!(p["error"]["class"], "unreachable");
        assert_eq!(
            p["error"]["message"],
            format!("127.0.0.1:{port} did not answer within 1.5s (connect timeout)")
        );
    }
    drop(listener);
}

/// `--format json` gives a document whatever ends the run before its
/// report: a URL that does not parse, a capacity refusal.
#[test]
fn json_is_printed_for_a_run_refused_before_it_starts() {
    let out = run(&[
        "--url",
        "mysql://root@127.0.0.1:99999/test",
        "--format",
        "json",
    ]);
    let message = failure_document(&out, "simple_multi_connection", 2, "configuration");
    assert!(
        message.contains("the port must be a number from 1 to 65535"),
        "{message}"
    );
    let out = run(&["--url", &server_url(), "-n", "100000", "--format", "json"]);
    let message = failure_document(&out, "simple_multi_connection", 2, "configuration");
    assert!(message.contains("(max_connections)"), "{message}");
}

#[test]
fn session_init_from_the_config_file_and_the_command_line_runs_on_each_session() {
    // An entry's own statements run, then --session-init's: a failing one
    // fails that connection as a configuration error naming the statement.
    let file = config_file(&format!(
        "[[connection]]\nid = \"good\"\nurl = \"{url}\"\nsession_init = [\"SET @rig_a = 1\"]\n\n[[connection]]\nid = \"bad\"\nurl = \"{url}\"\nsession_init = [\"SET SESSION rig_no_such_variable = 1\"]\n",
        url = server_url(),
    ));
    let out = run(&["--config", file.path(), "--format", "json"]);
    let doc = json(&out);
    let p = &doc["participants"];
    assert_eq!(p[0]["outcome"], "passed", "{doc}");
    assert_eq!(p[1]["outcome"], "failed", "{doc}");
    assert_eq!(p[1]["error"]["class"], "configuration");
    let message = p[1]["error"]["message"].as_str().unwrap();
    assert!(message.contains("rig_no_such_variable"), "{message}");

    let out = run(&[
        "--config",
        file.path(),
        "--session-init",
        "SET SESSION rig_other_missing = 1",
        "--format",
        "json",
    ]);
    let doc = json(&out);
    let message = doc["participants"][0]["error"]["message"]
        .as_str()
        .unwrap_or("");
    assert!(message.contains("rig_other_missing"), "{doc}");
}

/// A long run's report keeps each connection's last 100 step attempts and
/// every step's totals; `--trace-all` keeps every attempt.
#[test]
fn a_long_run_keeps_the_last_transitions_and_every_steps_totals() {
    let url = server_url();
    let base = [
        "--url",
        url.as_str(),
        "--connections",
        "2",
        "--iterations",
        "30",
        "--format",
        "json",
    ];
    let out = run(&base);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    for p in doc["participants"].as_array().unwrap() {
        // 30 runs of the 5 steps of the common states.
        assert_eq!(p["steps_run"], 150, "{p}");
        assert_eq!(p["transitions"].as_array().unwrap().len(), 100);
        assert_eq!(p["transitions_dropped"], 50);
        let stats = p["step_stats"].as_array().unwrap();
        let steps: Vec<&str> = stats.iter().map(|s| s["step"].as_str().unwrap()).collect();
        assert_eq!(steps, COMMON_STEPS);
        assert!(
            stats
                .iter()
                .all(|s| s["attempts"] == 30 && s["failed"] == 0),
            "{stats:?}"
        );
        // The kept ones are the last: the run ends in get_version.
        let last = p["transitions"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["step"], "get_version");
    }
    let all = run(&[&base[..], &["--trace-all"]].concat());
    let doc = json(&all);
    for p in doc["participants"].as_array().unwrap() {
        assert_eq!(p["transitions"].as_array().unwrap().len(), 150);
        assert_eq!(p["transitions_dropped"], 0);
    }
}

/// With logging on, each step's events name the participant and the step
/// they belong to (the spans they are parented to), and a quiet run (the
/// default level) prints none of them.
#[test]
fn step_events_carry_their_participant_and_step() {
    let out = tool()
        .args(["--url", &server_url(), "-n", "2"])
        .env("RUST_LOG", "test_rig=debug")
        .output()
        .expect("the tool runs");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for name in ["conn-1", "conn-2"] {
        let line = stderr
            .lines()
            .find(|l| {
                l.contains(&format!("participant{{name={name}}}"))
                    && l.contains(r#"step{workflow="common" step="connect" from="Connecting"}"#)
            })
            .unwrap_or_else(|| panic!("no event of {name}'s connect step in:\n{stderr}"));
        assert!(line.contains("step passed attempt=1"), "{line}");
    }
    let quiet = tool()
        .args(["--url", &server_url(), "-n", "2"])
        .env_remove("RUST_LOG")
        .output()
        .expect("the tool runs");
    assert_eq!(quiet.status.code(), Some(0), "{quiet:?}");
    assert!(
        !String::from_utf8_lossy(&quiet.stderr).contains("step passed"),
        "{quiet:?}"
    );
}
