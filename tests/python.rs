//! Python plugins (feature `python`) against the real server: every load
//! rule, an exception mid-step (traceback reported, transaction rolled back,
//! session released), ten participants at once, parameters bound rather
//! than formatted, and the Python values of each column type.
#![cfg(feature = "python")]

#[path = "../testing/processlist.rs"]
mod processlist;
use std::path::PathBuf;
use std::sync::Arc;
use test_rig::common_states;
use test_rig::coordinator::SharedEvent;
use test_rig::prelude::*;
use test_rig::python::{PluginError, PythonPlugin};
use test_rig::{Phase, RunReport};

#[path = "../testing/server.rs"]
mod test_server;
use test_server::{server, table_exists};

/// Writes `source` to a fresh file named after `name` and returns its path.
fn plugin_file(name: &str, source: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("test-rig-python-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.py"));
    std::fs::write(&path, source).unwrap();
    path
}

fn invalid(name: &str, source: &str) -> (String, Vec<String>) {
    let path = plugin_file(name, source);
    match PythonPlugin::load(&path) {
        Err(PluginError::Invalid { problems, .. }) => (path.display().to_string(), problems),
        other => panic!("{name}: expected an invalid-plugin error, got {other:?}"),
    }
}

async fn run(plugin: PythonPlugin, participants: usize) -> RunReport {
    let plugin = Arc::new(plugin);
    let mut coord = Coordinator::new();
    for i in 1..=participants {
        coord
            .add_workflow(
                &format!("conn-{i}"),
                server(),
                (&common_states::WORKFLOW).then(plugin.clone()),
            )
            .unwrap();
    }
    coord.run().await
}

async fn admin() -> Session {
    Session::connect(&server())
        .await
        .expect("the test server answers")
}

const HEADER: &str = "from test_rig import READY, cleanup, state, step, terminal, transition\n";

/// The text after `prefix` in the first `cx.log` line that starts with it.
fn logged<'r>(report: &'r RunReport, prefix: &str) -> Option<&'r str> {
    report.events.iter().find_map(|e| match &e.event {
        SharedEvent::Published { name, data, .. } if name == "log" => {
            data.as_str()?.strip_prefix(prefix)
        }
        _ => None,
    })
}

/// Runs a one-off plugin on one connection and returns its error message.
async fn error_of(name: &str, source: &str) -> String {
    let report = run(PythonPlugin::load(plugin_file(name, source)).unwrap(), 1).await;
    let error = report.participants[0].error.as_ref();
    error.expect("the plugin failed").message.clone()
}

#[test]
fn unknown_state_names_file_line_the_likely_state_and_valid_states() {
    let (file, problems) = invalid(
        "unknown_state",
        &format!("{HEADER}terminal(\"Done\")\n\n@step(READY, \"Dnoe\")\ndef go(cx):\n    pass\n"),
    );
    assert_eq!(
        problems,
        [format!(
            "{file}:4: unknown state `Dnoe` in step `go` (did you mean `Done`?); the states of this plugin are `Ready`, `Done`"
        )]
    );
}

#[test]
fn unreachable_and_dead_end_states_are_refused() {
    let (file, problems) = invalid(
        "graph",
        &format!(
            "{HEADER}state(\"Stuck\")\nstate(\"Orphan\")\nterminal(\"Done\")\n\
             transition(\"a\", READY, \"Stuck\", \"Done\")\ntransition(\"b\", \"Orphan\", \"Done\")\n\
             def a(cx): return \"Done\"\ndef b(cx): pass\n"
        ),
    );
    assert_eq!(
        problems,
        [
            format!("{file}:2: state `Stuck` is a dead end: no step leaves it and it is not terminal"),
            format!("{file}:3: state `Orphan` is unreachable: no chain of steps leads to it from `Ready`"),
        ]
    );
}

#[test]
fn missing_and_uncallable_step_functions_are_refused() {
    let (file, problems) = invalid(
        "functions",
        &format!(
            "{HEADER}state(\"Half\")\nterminal(\"Done\")\n\
             transition(\"first\", READY, \"Half\")\ntransition(\"second\", \"Half\", \"Done\")\nsecond = 42\n"
        ),
    );
    assert_eq!(
        problems,
        [
            format!("{file}:4: step `first` has no function: define `def first(cx):` in the plugin"),
            format!("{file}:5: step `second` is not callable (it is a int): a step is a function taking the context, `def second(cx):`"),
        ]
    );
}

#[test]
fn duplicate_states_two_steps_out_and_no_terminal_are_all_reported() {
    let (file, problems) = invalid(
        "several",
        &format!(
            "{HEADER}state(\"A\")\nstate(\"A\")\nstate(READY)\n\
             @step(READY, \"A\")\ndef one(cx): pass\n@step(READY, \"A\")\ndef two(cx): pass\n"
        ),
    );
    assert_eq!(
        problems,
        [
            format!("{file}:3: duplicate state `A`: it is already declared on line 2"),
            format!("{file}:4: `Ready` is declared by test-rig (the end of the common states): use test_rig.READY instead of declaring it"),
            format!("{file}:1: the plugin declares no terminal state: declare the state(s) it ends in with terminal(\"Name\")"),
            format!("{file}:7: state `Ready` already has step `one` leaving it: a state has one step out (per role); to choose between targets, give one step several targets"),
        ]
    );
}

#[test]
fn syntax_errors_and_unreadable_files_are_load_errors() {
    let path = plugin_file("syntax", "from test_rig import state\nstate(\"A\"\n");
    let err = PythonPlugin::load(&path).unwrap_err();
    let PluginError::Python { traceback, .. } = &err else {
        panic!("expected a Python error, got {err:?}");
    };
    assert!(traceback.contains("SyntaxError"), "{traceback}");
    assert!(traceback.contains("line 2"), "{traceback}");

    let missing = std::env::temp_dir().join("test-rig-no-such-plugin.py");
    let err = PythonPlugin::load(&missing).unwrap_err();
    assert!(matches!(err, PluginError::Read { .. }), "{err:?}");
    assert!(
        err.to_string().contains("test-rig-no-such-plugin.py"),
        "{err}"
    );
}

#[tokio::test]
async fn an_exception_fails_the_step_with_its_traceback_and_rolls_back() {
    let table = format!("rig_py_rollback_{}", std::process::id());
    let mut admin = admin().await;
    admin
        .execute(&format!(
            "CREATE TABLE {table} (id INT PRIMARY KEY, conn BIGINT)"
        ))
        .await
        .unwrap();
    let path = plugin_file(
        "raises",
        &format!(
            "{HEADER}state(\"Open\")\nterminal(\"Done\")\n\
             @step(READY, \"Open\")\ndef begin(cx):\n    \
                 cx.execute(\"START TRANSACTION\")\n    \
                 cx.execute(\"INSERT INTO {table} VALUES (1, CONNECTION_ID())\")\n    \
                 cx.data['conn'] = cx.query(\"SELECT CONNECTION_ID()\")[0][0]\n\
             @step(\"Open\", \"Done\")\ndef fail(cx):\n    \
                 cx.log(f\"connection {{cx.data['conn']}}\")\n    \
                 raise KeyError('no such thing')\n\
             @cleanup\ndef count(cx):\n    \
                 cx.log(f\"rows seen by the session after its rollback: {{cx.query('SELECT COUNT(*) FROM {table}')[0][0]}}\")\n"
        ),
    );
    let report = run(PythonPlugin::load(&path).unwrap(), 1).await;
    // Read and drop before asserting, so a failing assertion leaves nothing behind.
    let rows: Vec<u64> = admin
        .query(&format!("SELECT id FROM {table}"))
        .await
        .unwrap();
    admin.execute(&format!("DROP TABLE {table}")).await.unwrap();
    let p = &report.participants[0];
    assert_eq!(p.phase, Phase::Failed);
    assert_eq!(p.last_state.as_deref(), Some("Open"));
    let message = &p.error.as_ref().unwrap().message;
    assert_eq!(
        message.lines().next(),
        Some("Python step `fail` raised KeyError: 'no such thing'")
    );
    assert!(
        message.contains("Traceback (most recent call last)"),
        "{message}"
    );
    assert!(
        message.contains(&format!("File \"{}\", line 12, in fail", path.display())),
        "{message}"
    );
    assert!(message.contains("KeyError: 'no such thing'"), "{message}");

    assert!(
        rows.is_empty(),
        "the failed participant's insert was rolled back: {rows:?}"
    );
    // The cleanup ran on the failed session itself: had it not been rolled
    // back, it would still see its own uncommitted row.
    assert_eq!(
        logged(&report, "rows seen by the session after its rollback: "),
        Some("0")
    );
    let conn: u64 = logged(&report, "connection ")
        .and_then(|id| id.parse().ok())
        .expect("cx.log reached the event log with the connection id");
    // The server drops a closed connection's thread shortly after the quit.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let alive: Vec<u64> = admin
            .query(&format!(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE ID = {conn}"
            ))
            .await
            .unwrap();
        if alive.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "session {conn} was not released"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_demo_plugin_passes_on_ten_connections_at_once() {
    let plugin = PythonPlugin::load("examples/plugins/demo.py").unwrap();
    let report = run(plugin, 10).await;
    assert_eq!(report.summary.passed, 10, "{}", report.to_human());
    for p in &report.participants {
        assert_eq!(p.last_state.as_deref(), Some("Done"));
    }
    let left: Vec<String> = admin()
        .await
        .query(&format!(
            "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'rig\\_py\\_demo\\_{}\\_%'",
            std::process::id()
        ))
        .await
        .unwrap();
    assert!(left.is_empty(), "tables left behind: {left:?}");
}

#[tokio::test]
async fn the_isolation_plugin_passes_on_two_connections() {
    let plugin = PythonPlugin::load("examples/plugins/read_committed.py").unwrap();
    let report = run(plugin, 2).await;
    assert!(report.passed(), "{}", report.to_human());
}

#[tokio::test]
async fn values_and_bound_parameters_round_trip() {
    let table = format!("rig_py_values_{}", std::process::id());
    let path = plugin_file(
        "values",
        &format!(
            r#"{HEADER}import datetime, decimal
state("Checked")
terminal("Done")
T = "{table}"
ROW = (1, -9223372036854775808, 18446744073709551615, decimal.Decimal("-12345.678"), 2.5,
       datetime.date(2024, 2, 29), datetime.datetime(2024, 1, 2, 3, 4, 5, 123456),
       datetime.timedelta(hours=-30, seconds=1), b"\x00\x01\xff", "naïve ' \" ; --", None)

def expect(got, want, how):
    if got != want:
        raise AssertionError(f"{{how}}: got {{got!r}}, want {{want!r}}")
    for g, w in zip(got, want):
        if type(g) is not type(w):
            raise AssertionError(f"{{how}}: {{g!r}} is a {{type(g)}}, want {{type(w)}}")

@step(READY, "Checked", "Done")
def check(cx):
    cx.execute(f"CREATE TABLE {{T}} (id INT PRIMARY KEY, small BIGINT, big BIGINT UNSIGNED, "
               "d DECIMAL(10,3), f DOUBLE, day DATE, ts DATETIME(6), t TIME, b VARBINARY(8), "
               "s VARCHAR(32), n INT NULL)")
    try:
        cx.execute(f"INSERT INTO {{T}} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ROW)
        text = cx.query(f"SELECT * FROM {{T}}")[0]
        binary = cx.query(f"SELECT * FROM {{T}} WHERE id = ?", (1,))[0]
        expect(text, ROW, "text protocol")
        expect(binary, ROW, "binary protocol")
        injected = cx.query(f"SELECT id FROM {{T}} WHERE s = ?", ("x' OR '1'='1",))
        if injected != []:
            raise AssertionError(f"a quoted parameter matched rows: {{injected!r}}")
        named = cx.query(f"SELECT s FROM {{T}} WHERE id = :id AND n IS NULL", {{"id": 1}})
        expect(named[0], (ROW[9],), "named parameters")
        try:
            cx.execute(f"INSERT INTO {{T}} (id) VALUES (?)", (1,))
        except __import__("test_rig").SqlError as e:
            cx.data["duplicate"] = e.code
        try:
            cx.query("SELECT ?", (object(),))
        except TypeError as e:
            cx.data["bad_type"] = str(e)
    finally:
        cx.execute(f"DROP TABLE {{T}}")
    return "Checked" if cx.data.get("duplicate") == 1062 else "Done"

@step("Checked", "Done")
def done(cx):
    if "parameter 1" not in cx.data["bad_type"]:
        raise AssertionError(cx.data["bad_type"])
"#
        ),
    );
    let report = run(PythonPlugin::load(&path).unwrap(), 1).await;
    assert!(report.passed(), "{}", report.to_human());
    let steps: Vec<&str> = report.participants[0]
        .transitions
        .iter()
        .map(|t| t.step)
        .collect();
    assert_eq!(
        steps[steps.len() - 2..],
        ["check", "done"],
        "branched to Checked"
    );
}

#[tokio::test]
async fn a_branch_returning_a_state_it_does_not_declare_fails_clearly() {
    let message = error_of(
        "bad_branch",
        &format!("{HEADER}terminal(\"A\")\nterminal(\"B\")\n@step(READY, \"A\", \"B\")\ndef pick(cx):\n    return \"C\"\n"),
    )
    .await;
    assert_eq!(
        message,
        "Python step `pick` returned `C`, which is not one of its targets `A`, `B`"
    );
}

#[tokio::test]
async fn a_step_timeout_bounds_a_python_step() {
    let started = std::time::Instant::now();
    let message = error_of(
        "slow",
        &format!("{HEADER}import time\nterminal(\"Done\")\n@step(READY, \"Done\", timeout=0.3)\ndef slow(cx):\n    time.sleep(3)\n"),
    )
    .await;
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(message, "step `slow` did not finish within 300.0ms");

    let bad = plugin_file(
        "bad_timeout",
        &format!("{HEADER}terminal(\"Done\")\ntransition(\"go\", READY, \"Done\", timeout=-1)\ndef go(cx): pass\n"),
    );
    let err = PythonPlugin::load(&bad).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("ValueError: timeout must be a positive number of seconds, not -1"),
        "{err}"
    );
}

#[tokio::test]
async fn a_context_kept_past_its_step_says_so() {
    let message = error_of(
        "stale",
        &format!("{HEADER}state(\"Kept\")\nterminal(\"Done\")\n@step(READY, \"Kept\")\ndef keep(cx):\n    cx.data['old'] = cx\n@step(\"Kept\", \"Done\")\ndef reuse(cx):\n    cx.data['old'].query('SELECT 1')\n"),
    )
    .await;
    assert_eq!(
        message.lines().next(),
        Some("Python step `reuse` raised RuntimeError: this cx belongs to step `keep`, which is over (it returned, timed out or was cancelled); use the cx passed to the running step")
    );
}

#[tokio::test]
async fn the_cleanup_runs_after_a_failed_step_on_the_same_session() {
    let table = format!("rig_py_cleanup_{}", std::process::id());
    let path = plugin_file(
        "cleans_up",
        &format!(
            "from test_rig import READY, cleanup, state, step, terminal\nstate(\"Made\")\nterminal(\"Done\")\n\
             @step(READY, \"Made\")\ndef make(cx):\n    cx.execute(\"CREATE TABLE {table} (id INT)\")\n\
             @step(\"Made\", \"Done\")\ndef fail(cx):\n    raise RuntimeError('late failure')\n\
             @cleanup\ndef tidy(cx):\n    cx.execute(\"DROP TABLE {table}\")\n    cx.log('tidied')\n"
        ),
    );
    let report = run(PythonPlugin::load(&path).unwrap(), 1).await;
    assert_eq!(report.participants[0].phase, Phase::Failed);
    assert!(!table_exists(&table).await, "the cleanup dropped {table}");
    assert_eq!(logged(&report, "tidied"), Some(""));

    let (file, problems) = invalid(
        "two_cleanups",
        "from test_rig import READY, cleanup, step, terminal\nterminal(\"Done\")\n\
         @step(READY, \"Done\")\ndef go(cx): pass\n@cleanup\ndef a(cx): pass\n@cleanup\ndef b(cx): pass\n",
    );
    assert_eq!(
        problems,
        [format!(
            "{file}:7: a second @cleanup function: a plugin has at most one"
        )]
    );
}

/// Ids of connections whose current statement holds `marker`.
/// Polls for up to 2 s: a killed thread stays listed a moment after its
/// KILL returns; a statement nobody stopped stays for minutes.
async fn running(marker: &str) -> Vec<u64> {
    let now = || async {
        admin()
            .await
            .query(&processlist::statements_holding(marker))
            .await
            .unwrap()
    };
    processlist::poll(std::time::Duration::from_secs(2), now, <[u64]>::is_empty).await
}

#[tokio::test]
async fn a_step_timeout_inside_a_statement_still_runs_the_cleanup_and_stops_the_statement() {
    let tag = format!("rig_py_abandon_{}", std::process::id());
    // The timed-out step holds a row lock and a metadata lock on the table
    // (an open transaction) while BENCHMARK runs: the cleanup's DROP TABLE
    // can only pass once that statement and its connection are gone.
    let path = plugin_file(
        "abandons",
        &format!(
            "{HEADER}state(\"Made\")\nterminal(\"Done\")\n\
             @step(READY, \"Made\")\ndef make(cx):\n    cx.execute(\"CREATE TABLE {tag} (id INT)\")\n\
             @step(\"Made\", \"Done\", timeout=0.5)\ndef slow(cx):\n    cx.execute(\"BEGIN\")\n    cx.execute(\"INSERT INTO {tag} VALUES (1)\")\n    cx.query(\"SELECT BENCHMARK(2000000000, MD5('x')) AS {tag}\")\n\
             @cleanup\ndef tidy(cx):\n    cx.execute(\"DROP TABLE {tag}\")\n    cx.log('tidied')\n"
        ),
    );
    let report = run(PythonPlugin::load(&path).unwrap(), 1).await;
    let p = &report.participants[0];
    let error = p.error.as_ref().expect("the step timed out");
    assert_eq!(p.phase, Phase::Failed);
    assert_eq!(error.message, "step `slow` did not finish within 500.0ms");
    assert_eq!(error.cleanup_error, None);
    assert_eq!(logged(&report, "tidied"), Some(""));
    assert!(!table_exists(&tag).await, "the cleanup dropped {tag}");
    // Stopped by the time the run ends (its killed thread may stay listed
    // a moment; one nobody stopped would run for minutes).
    assert_eq!(running(&tag).await, Vec::<u64>::new());
}

#[tokio::test]
async fn a_failed_cleanup_is_shown_in_the_human_report() {
    let report = run(
        PythonPlugin::load(plugin_file(
            "bad_cleanup",
            &format!(
                "{HEADER}terminal(\"Done\")\n@step(READY, \"Done\")\ndef fail(cx):\n    raise RuntimeError('step broke')\n\
                 @cleanup\ndef tidy(cx):\n    cx.execute(\"DROP TABLE rig_no_such_table_at_all\")\n"
            ),
        ))
        .unwrap(),
        1,
    )
    .await;
    let human = report.to_human();
    let row = human.lines().nth(1).unwrap();
    assert!(
        row.ends_with("[fail in Ready]; cleanup failed too (details below)"),
        "{human}"
    );
    assert!(
        human.contains("\nconn-1: cleanup failed: Python step `cleanup` raised test_rig.SqlError: server error 1051 (42S02): Unknown table"),
        "{human}"
    );
}

/// `terminal("Missing", failure=True)`: a participant that reaches it
/// fails and its cleanup runs; the diagram marks the state.
#[tokio::test]
async fn a_python_failure_terminal_fails_the_participant_and_runs_the_cleanup() {
    let path = plugin_file(
        "failure_terminal",
        "from test_rig import READY, cleanup, step, terminal\nterminal(\"Found\")\n\
         terminal(\"Missing\", failure=True)\n\
         @step(READY, \"Found\", \"Missing\")\ndef look(cx):\n    return \"Missing\" if not cx.query(\"SELECT 1 FROM DUAL WHERE 1 = 0\") else \"Found\"\n\
         @cleanup\ndef tidy(cx):\n    cx.log('tidied')\n",
    );
    let plugin = PythonPlugin::load(&path).unwrap();
    assert!(
        plugin.meta().mermaid.contains("Missing --> [*]: failure\n"),
        "{}",
        plugin.meta().mermaid
    );
    assert!(plugin.meta().mermaid.contains("Found --> [*]\n"));
    let report = run(plugin, 1).await;
    let p = &report.participants[0];
    assert_eq!(p.phase, Phase::Failed, "{}", report.to_human());
    assert_eq!(p.last_state.as_deref(), Some("Missing"));
    assert!(
        p.error
            .as_ref()
            .unwrap()
            .message
            .starts_with("step `look` ended in `Missing`, which workflow"),
        "{:?}",
        p.error
    );
    assert_eq!(logged(&report, "tidied"), Some(""));
    assert!(
        report.to_human().contains("  conn-1: tidied\n"),
        "{}",
        report.to_human()
    );

    // A failure flag that is not a bool is refused where it is written.
    let path = plugin_file(
        "failure_not_bool",
        "from test_rig import READY, step, terminal\nterminal(\"Done\", failure=\"yes\")\n\
         @step(READY, \"Done\")\ndef go(cx): pass\n",
    );
    match PythonPlugin::load(&path) {
        Err(PluginError::Python { traceback, .. }) => assert!(
            traceback.contains("failure_not_bool.py\", line 2")
                && traceback.ends_with("TypeError: failure must be True or False, not 'yes'"),
            "{traceback}"
        ),
        other => panic!("expected a Python error, got {other:?}"),
    }
}

/// Runs `plugin` with `cast` participants (name, role).
async fn run_roles(plugin: PythonPlugin, cast: &[(&str, &str)]) -> RunReport {
    let plugin = Arc::new(plugin);
    let mut coord = Coordinator::new();
    for (name, role) in cast {
        let variant = plugin.for_role(Some(role)).unwrap();
        coord
            .add_workflow(name, server(), (&common_states::WORKFLOW).then(variant))
            .unwrap();
    }
    coord.run().await
}

/// Tellers deposit and tell the checker with `cx.send`; the checker takes
/// every message with `cx.recv` and checks the table against them: each
/// role ran only its own steps.
#[tokio::test]
async fn roles_run_their_own_steps_and_talk_with_messages() {
    let plugin = PythonPlugin::load("examples/plugins/bank_roles.py").unwrap();
    assert_eq!(plugin.roles(), ["checker", "teller"]);
    let report = run_roles(
        plugin,
        &[
            ("checker-1", "checker"),
            ("teller-1", "teller"),
            ("teller-2", "teller"),
            ("teller-3", "teller"),
        ],
    )
    .await;
    assert!(report.passed(), "{}", report.to_human());
    assert_eq!(logged(&report, "3 deposits, "), Some("6 in all, as told"));
    let steps = |name: &str| -> Vec<&str> {
        report
            .participant(name)
            .unwrap()
            .transitions
            .iter()
            .map(|t| t.step)
            .filter(|s| ["deposit", "wait_for_the_tally", "tally"].contains(s))
            .collect()
    };
    assert_eq!(steps("checker-1"), ["tally"]);
    assert_eq!(steps("teller-2"), ["deposit", "wait_for_the_tally"]);
}

#[test]
fn steps_out_of_one_state_may_differ_by_role_only() {
    let (file, problems) = invalid(
        "role_clash",
        &format!(
            "{HEADER}terminal(\"Done\")\n\
             @step(READY, \"Done\", role=\"a\")\ndef one(cx): pass\n\
             @step(READY, \"Done\", role=\"a\")\ndef two(cx): pass\n\
             @step(READY, \"Done\")\ndef three(cx): pass\n\
             @step(READY, \"Done\", role=\"b\")\ndef four(cx): pass\n"
        ),
    );
    let clash = |line: u32, other: &str| {
        format!("{file}:{line}: state `Ready` already has step `{other}` leaving it: a state has one step out (per role); to choose between targets, give one step several targets")
    };
    // `two` repeats role a; `three` (every role) meets `one`; `four` (b) meets `three`.
    assert_eq!(
        problems,
        [clash(5, "one"), clash(7, "one"), clash(9, "three")]
    );
    let fine = format!(
        "{HEADER}terminal(\"Done\")\n\
         @step(READY, \"Done\", role=\"a\")\ndef one(cx): pass\n\
         @step(READY, \"Done\", role=\"b\")\ndef two(cx): pass\n"
    );
    assert!(PythonPlugin::load(plugin_file("role_split", &fine)).is_ok());
}

/// Each role's graph is a workflow of its own: a state one role reaches
/// and only another role leaves is a dead end for the first.
#[test]
fn each_roles_graph_is_checked_on_its_own() {
    let (file2, problems) = invalid(
        "role_dead_end2",
        &format!(
            "{HEADER}state(\"Half\")\nterminal(\"Done\")\n\
             @step(READY, \"Half\", role=\"starter\")\ndef start(cx): pass\n\
             @step(\"Half\", \"Done\", role=\"finisher\")\ndef finish(cx): pass\n\
             @step(READY, \"Done\", role=\"finisher\")\ndef skip(cx): pass\n"
        ),
    );
    assert_eq!(
        problems,
        [
            format!("{file2}:1: state `Ready` can never finish for role `starter`: no chain of steps leads from it to a terminal state"),
            format!("{file2}:2: state `Half` is a dead end for role `starter`: no step leaves it and it is not terminal"),
        ]
    );
}

#[test]
fn a_role_the_plugin_does_not_have_is_refused_by_name() {
    let plugin = Arc::new(PythonPlugin::load("examples/plugins/bank_roles.py").unwrap());
    let e = plugin.for_role(Some("auditor")).unwrap_err().to_string();
    assert!(
        e.ends_with("has no role `auditor`; its roles are `checker`, `teller`"),
        "{e}"
    );
    let e = plugin.for_role(None).unwrap_err().to_string();
    assert!(
        e.ends_with(
            "gives its steps roles (`checker`, `teller`): each participant needs one of them"
        ),
        "{e}"
    );
    let plain = Arc::new(PythonPlugin::load("examples/plugins/demo.py").unwrap());
    let e = plain.for_role(Some("teller")).unwrap_err().to_string();
    assert!(
        e.ends_with("has no roles (no step names one), so it has no role `teller`"),
        "{e}"
    );
}

/// A message body goes through JSON both ways; one JSON cannot hold is a
/// TypeError at the send, and a recv nobody answers times out.
#[tokio::test]
async fn message_bodies_round_trip_as_json_and_a_silent_peer_times_out() {
    let source = format!(
        "{HEADER}from test_rig import RigError\nterminal(\"Done\")\n\
         @step(READY, \"Done\", role=\"sender\")\n\
         def talk(cx):\n\
         \x20   cx.send(\"receiver-1\", \"values\", {{\"n\": 1, \"f\": 2.5, \"s\": \"é\", \"l\": [None, True], \"d\": {{}}}})\n\
         \x20   try:\n\
         \x20       cx.send(\"receiver-1\", \"bad\", object())\n\
         \x20       raise AssertionError(\"no TypeError\")\n\
         \x20   except TypeError:\n\
         \x20       pass\n\
         @step(READY, \"Done\", role=\"receiver\")\n\
         def listen(cx):\n\
         \x20   sender, body = cx.recv(\"values\", sender=\"sender-1\")\n\
         \x20   assert (sender, body) == (\"sender-1\", {{\"n\": 1, \"f\": 2.5, \"s\": \"é\", \"l\": [None, True], \"d\": {{}}}}), body\n\
         \x20   try:\n\
         \x20       cx.recv(\"never\", timeout=0.2)\n\
         \x20       raise AssertionError(\"no RigError\")\n\
         \x20   except RigError as e:\n\
         \x20       cx.log(f\"timed out: {{e}}\")\n"
    );
    let plugin = PythonPlugin::load(plugin_file("messages", &source)).unwrap();
    let report = run_roles(
        plugin,
        &[("sender-1", "sender"), ("receiver-1", "receiver")],
    )
    .await;
    assert!(report.passed(), "{}", report.to_human());
    assert!(
        logged(&report, "timed out: ").is_some(),
        "{}",
        report.to_human()
    );
}

/// Plugins loaded from several threads at once each get their own
/// declarations (Python may switch threads while a plugin file runs; the
/// declarations of one once reached another).
#[test]
fn plugins_loaded_at_once_keep_their_own_states() {
    let threads: Vec<_> = (0..6)
        .map(|i| {
            std::thread::spawn(move || {
                let source = format!(
                    "{HEADER}state(\"Mine{i}\")\n_ = sum(range(300000))\nterminal(\"End{i}\")\n\
                     @step(READY, \"Mine{i}\")\ndef go(cx): pass\n\
                     @step(\"Mine{i}\", \"End{i}\")\ndef end(cx): pass\n"
                );
                let plugin = PythonPlugin::load(plugin_file(&format!("parallel{i}"), &source))
                    .unwrap_or_else(|e| panic!("plugin {i}: {e}"));
                let names: Vec<&str> = plugin.meta().states.iter().map(|s| s.name).collect();
                assert_eq!(names, ["Ready", &format!("Mine{i}"), &format!("End{i}")]);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

/// `cx.transaction(body)`: a deadlock in the body (raised with SIGNAL, as
/// the server raises it) rolls back and runs it again; the second attempt
/// commits once. Another exception rolls back and is raised, its write
/// gone; a deadlock every time is raised after the last attempt.
#[tokio::test]
async fn a_python_transaction_retries_a_deadlock_and_rolls_back_other_errors() {
    let table = format!("rig_py_txn_{}", std::process::id());
    let body = r#"
from test_rig import SqlError
state("Made")
terminal("Done")

@step(READY, "Made")
def make(cx):
    cx.execute("CREATE TABLE TABLE_NAME (id INT PRIMARY KEY)")

@step("Made", "Done")
def transfer(cx):
    tries = []
    def body(cx):
        tries.append(1)
        cx.execute("INSERT INTO TABLE_NAME VALUES (?)", (len(tries),))
        if len(tries) == 1:
            cx.execute("SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'lost'")
        return "moved"
    assert cx.transaction(body) == "moved"
    assert len(tries) == 2, tries
    assert cx.query("SELECT id FROM TABLE_NAME") == [(2,)]
    def broken(cx):
        cx.execute("INSERT INTO TABLE_NAME VALUES (7)")
        raise ValueError("a check failed")
    try:
        cx.transaction(broken)
        raise AssertionError("no ValueError")
    except ValueError:
        pass
    assert cx.query("SELECT id FROM TABLE_NAME") == [(2,)]
    runs = []
    def always(cx):
        runs.append(1)
        cx.execute("SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'again'")
    try:
        cx.transaction(always, attempts=2)
        raise AssertionError("no SqlError")
    except SqlError as e:
        assert e.code == 1213 and len(runs) == 2, (e.code, runs)
    cx.execute("DROP TABLE TABLE_NAME")
"#
    .replace("TABLE_NAME", &table);
    let source = format!("{HEADER}{body}");
    let plugin = PythonPlugin::load(plugin_file("transaction", &source)).unwrap();
    let report = run(plugin, 1).await;
    let mut admin = admin().await;
    let _ = admin
        .execute(&format!("DROP TABLE IF EXISTS {table}"))
        .await;
    assert!(report.passed(), "{}", report.to_human());
}
