//! The `python_demo` binary (feature `python`) against the real server: the
//! shipped plugins on several connections, the JSON report, an invalid
//! plugin, a missing file and the diagram.
#![cfg(feature = "python")]

mod common;
use common::*;

use std::process::Output;

/// The workspace root, where the shipped plugins live.
fn plugin(name: &str) -> String {
    format!("{}/../examples/plugins/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    tool(env!("CARGO_BIN_EXE_python_demo"))
        .args(args)
        .output()
        .expect("python_demo runs")
}

#[test]
fn demo_plugin_on_three_connections_reports_json() {
    let out = run(&[
        "--url",
        &server_url(),
        "--plugin",
        &plugin("demo.py"),
        "-n",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    let participants = doc["participants"].as_array().unwrap();
    assert_eq!(participants.len(), 3);
    for p in participants {
        assert_eq!(p["outcome"], "passed", "{p}");
        assert_eq!(p["workflow"], "common + demo");
        let steps = step_names(&p["transitions"]);
        assert_eq!(
            steps[steps.len() - 4..],
            ["create_table", "write_rows", "read_back", "drop_table"]
        );
    }
}

#[test]
fn isolation_plugin_passes_on_two_connections_and_explains_one() {
    let ok = run(&[
        "--url",
        &server_url(),
        "--plugin",
        &plugin("read_committed.py"),
        "-n",
        "2",
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let alone = run(&[
        "--url",
        &server_url(),
        "--plugin",
        &plugin("read_committed.py"),
    ]);
    let (stdout, _) = text(&alone);
    assert_eq!(alone.status.code(), Some(1));
    assert!(stdout.contains("run it with --connections 2"), "{stdout}");
    assert!(
        stdout.contains("Traceback (most recent call last)"),
        "{stdout}"
    );
}

#[test]
fn an_invalid_plugin_is_a_usage_error_naming_file_and_line() {
    let dir = std::env::temp_dir().join(format!("test-rig-python-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("broken.py");
    std::fs::write(
        &path,
        "from test_rig import READY, step, terminal\nterminal('Done')\n@step(READY, 'Nowhere')\ndef go(cx): pass\n",
    )
    .unwrap();
    let out = run(&["--url", &server_url(), "--plugin", path.to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains(&format!(
            "{}:3: unknown state `Nowhere` in step `go`; the states of this plugin are `Ready`, `Done`",
            path.display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_missing_plugin_file_is_a_usage_error() {
    let out = run(&["--plugin", "no/such/plugin.py"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr.trim(),
        "python_demo: error: cannot read plugin `no/such/plugin.py`: No such file or directory (os error 2)"
    );
}

#[test]
fn an_endless_plugin_file_is_refused_at_the_size_limit() {
    let out = run(&["--plugin", "/dev/zero", "--diagram"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "python_demo: error: cannot read plugin `/dev/zero`: it is larger than 16 MiB"
    );
}

#[test]
fn diagram_prints_the_plugin_without_connecting() {
    let out = run(&["--plugin", &plugin("demo.py"), "--diagram", "--port", "1"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.starts_with("stateDiagram-v2\n    [*] --> Ready\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("    RowsWritten --> Verified: read_back\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("    Done --> [*]\n"), "{stdout}");
}

#[test]
fn prints_go_to_stderr_and_helpers_next_to_the_plugin_import() {
    let dir = std::env::temp_dir().join(format!("test-rig-python-print-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("rig_helper_module.py"),
        "GREETING = 'hello from a helper'\n",
    )
    .unwrap();
    let path = dir.join("printer.py");
    std::fs::write(
        &path,
        "from test_rig import READY, step, terminal\nfrom rig_helper_module import GREETING\n\
         terminal('Done')\n@step(READY, 'Done')\ndef say(cx):\n    print(GREETING)\n",
    )
    .unwrap();
    let out = run(&[
        "--url",
        &server_url(),
        "--plugin",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(json(&out)["participants"][0]["outcome"], "passed");
    assert!(stderr.contains("hello from a helper"), "{stderr}");
}

/// The marker of the endless step's statement: apart from `tag` itself,
/// which the plugin's table is named after (its CREATE TABLE must not pass
/// for the endless statement).
fn busy(tag: &str) -> String {
    format!("{tag}_busy")
}

/// Runs the plugin `source` on one connection, sends SIG`signal` once its
/// endless statement runs on the server, and returns the tool's output.
async fn interrupted_mid_statement(source: &str, tag: &str, signal: &str) -> Output {
    use std::process::Stdio;
    use std::time::Duration;
    let dir = std::env::temp_dir().join(format!("test-rig-python-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{tag}.py"));
    std::fs::write(&path, source).unwrap();
    let child = tool(env!("CARGO_BIN_EXE_python_demo"))
        .args(["--url", &server_url(), "--plugin", path.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_running(&busy(tag), Duration::from_secs(20)).await;
    send_signal(&child, signal);
    child.wait_with_output().unwrap()
}

/// The ids of connections still running the endless statement of `tag`
/// after up to 2 s (see [`still_listed`]).
async fn still_running(tag: &str) -> Vec<u64> {
    still_listed(&busy(tag), std::time::Duration::from_secs(2)).await
}

/// A step that computes for minutes (BENCHMARK, not SLEEP: the server ends
/// a SLEEP by itself once its client is gone, a computation it runs to its end).
fn endless_step(tag: &str) -> String {
    let marker = busy(tag);
    format!("@step(\"Made\", \"Done\")\ndef slow(cx):\n    cx.query(\"SELECT BENCHMARK(2000000000, MD5('x')) AS {marker}\")\n")
}

#[tokio::test]
async fn ctrl_c_inside_a_statement_stops_it_before_the_tool_exits() {
    let tag = format!("rig_py_ctrl_c_plain_{}", std::process::id());
    let source = format!(
        "from test_rig import READY, state, step, terminal\nstate(\"Made\")\nterminal(\"Done\")\n\
         @step(READY, \"Made\")\ndef make(cx): pass\n{}",
        endless_step(&tag)
    );
    let out = interrupted_mid_statement(&source, &tag, "INT").await;
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert_eq!(still_running(&tag).await, Vec::<u64>::new());
}

#[tokio::test]
async fn ctrl_c_inside_a_statement_stops_it_runs_the_cleanup_and_says_so() {
    interrupted_with_cleanup("INT").await;
}

/// SIGTERM (`timeout`, CI cancellation) is handled as Ctrl-C is.
#[tokio::test]
async fn sigterm_inside_a_statement_stops_it_runs_the_cleanup_and_says_so() {
    interrupted_with_cleanup("TERM").await;
}

async fn interrupted_with_cleanup(signal: &str) {
    use mysql_async::prelude::Queryable;
    let tag = format!("rig_py_sig{}_{}", signal.to_lowercase(), std::process::id());
    let source = format!(
        "from test_rig import READY, cleanup, state, step, terminal\nstate(\"Made\")\nterminal(\"Done\")\n\
         @step(READY, \"Made\")\ndef make(cx):\n    cx.execute(\"CREATE TABLE {tag} (id INT)\")\n{}\
         @cleanup\ndef tidy(cx):\n    cx.execute(\"DROP TABLE {tag}\")\n",
        endless_step(&tag)
    );
    let out = interrupted_mid_statement(&source, &tag, signal).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stdout.contains("interrupted  Made        7      ")
            && stdout.contains("cancelled [slow in Made]\n"),
        "{stdout}"
    );
    // Nothing left behind once the tool has exited: not the statement, not the table.
    assert_eq!(still_running(&tag).await, Vec::<u64>::new());
    let tables: Vec<String> = admin()
        .await
        .query(format!(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{tag}'"
        ))
        .await
        .unwrap();
    assert_eq!(
        tables,
        Vec::<String>::new(),
        "the cleanup dropped the table"
    );
}

/// `--roles checker=1,teller=3`: four participants named by role, each
/// running its role's steps; the checker's tally (every teller's message
/// against the table) passes.
#[test]
fn roles_name_the_participants_and_each_runs_its_own_steps() {
    let out = run(&[
        "--url",
        &server_url(),
        "--plugin",
        &plugin("bank_roles.py"),
        "--roles",
        "checker=1,teller=3",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    let names: Vec<&str> = doc["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["checker-1", "teller-1", "teller-2", "teller-3"]);
    let checker_steps = step_names(&doc["participants"][0]["transitions"]);
    assert!(checker_steps.contains(&"tally") && !checker_steps.contains(&"deposit"));
    let teller_steps = step_names(&doc["participants"][2]["transitions"]);
    assert!(teller_steps.contains(&"deposit") && !teller_steps.contains(&"tally"));
}

#[test]
fn roles_that_do_not_fit_the_plugin_are_usage_errors() {
    let bank = plugin("bank_roles.py");
    let url = server_url();
    for (roles, says) in [
        (
            None,
            "gives its steps roles (`checker`, `teller`): each participant needs one of them",
        ),
        (
            Some("teller=2"),
            "--roles gives no participant the plugin's role `checker`; add checker=N",
        ),
        (
            Some("checker=1,teller=1,boss=1"),
            "has no role `boss`; its roles are `checker`, `teller`",
        ),
        (Some("checker=1,checker=2"), "role `checker` is given twice"),
        (
            Some("checker=0"),
            "the count must be a whole number of at least 1",
        ),
    ] {
        let mut args = vec!["--url", &url, "--plugin", &bank];
        if let Some(r) = roles {
            args.extend(["--roles", r]);
        }
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{roles:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{roles:?}: {}", stderr(&out));
    }
    let out = run(&[
        "--url",
        &url,
        "--plugin",
        &plugin("demo.py"),
        "--roles",
        "teller=1",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("has no roles (no step names one), so it has no role `teller`"));
}
