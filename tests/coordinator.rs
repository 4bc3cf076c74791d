//! The coordinator against the real server: participants of different
//! workflows in one run, a connection killed mid-step, a barrier with a
//! failed peer, an unreachable target, cancellation, and the report's JSON
//! and JUnit forms.

use std::time::{Duration, Instant};
use test_rig::common_states;
use test_rig::coordinator::{RunEvent, RunObserver};
use test_rig::prelude::*;
use test_rig::{Phase, RunReport};

#[path = "../testing/server.rs"]
mod test_server;
use test_server::{server, table_exists};

fn unreachable_target() -> ConnectionConfig {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    ConnectionConfig {
        port,
        connect_timeout: Duration::from_secs(2),
        ..server()
    }
}

struct TableName(String);

/// Creates a table, writes and reads back a row, drops the table.
#[test_rig::workflow(name = "scratch_table")]
mod scratch {
    use super::TableName;
    use test_rig::prelude::*;

    #[initial]
    pub use test_rig::common_states::Completed as Ready;
    pub struct Created;
    pub struct Written;
    #[terminal]
    pub struct Dropped;

    #[step(Ready -> Created)]
    async fn create(cx: &mut StateContext) -> Result<(), StateError> {
        let table = format!(
            "rig_coord_{}_{}",
            std::process::id(),
            cx.participant().replace('-', "_")
        );
        cx.session()?
            .execute(&format!("CREATE TABLE {table} (id INT PRIMARY KEY)"))
            .await?;
        cx.insert(TableName(table));
        Ok(())
    }

    #[step(Created -> Written)]
    async fn write(cx: &mut StateContext) -> Result<(), StateError> {
        let table = cx.get::<TableName>().unwrap().0.clone();
        let session = cx.session()?;
        session
            .execute(&format!("INSERT INTO {table} VALUES (7)"))
            .await?;
        let back: Option<i64> = session
            .query_first(&format!("SELECT id FROM {table}"))
            .await?;
        if back != Some(7) {
            return Err(StateError::step(format!("read back {back:?}, wrote 7")));
        }
        Ok(())
    }

    #[step(Written -> Dropped)]
    async fn drop_table(cx: &mut StateContext) -> Result<(), StateError> {
        let table = cx.get::<TableName>().unwrap().0.clone();
        cx.session()?
            .execute(&format!("DROP TABLE {table}"))
            .await?;
        Ok(())
    }

    #[cleanup]
    async fn drop_if_left(cx: &mut StateContext) -> Result<(), StateError> {
        if let Some(TableName(table)) = cx.remove::<TableName>() {
            cx.reconnect()
                .await?
                .execute(&format!("DROP TABLE IF EXISTS {table}"))
                .await?;
        }
        Ok(())
    }
}

/// Tells the killer its connection id, then sleeps in a statement.
#[test_rig::workflow(name = "sleeper")]
mod sleeper {
    use std::time::Duration;
    use test_rig::prelude::*;

    #[initial]
    pub use test_rig::common_states::Completed as Ready;
    #[terminal]
    pub struct Woke;

    #[step(Ready -> Woke)]
    async fn sleep(cx: &mut StateContext) -> Result<(), StateError> {
        let id = cx.session()?.connection_id();
        cx.send("killer", "connection-id", id)?;
        let _: Vec<i64> = cx.session()?.query("SELECT SLEEP(20)").await?;
        let _ = Duration::ZERO;
        Ok(())
    }
}

fn phase(report: &RunReport, name: &str) -> Phase {
    report
        .participant(name)
        .unwrap_or_else(|| panic!("no {name}"))
        .phase
}

#[tokio::test]
async fn different_workflows_and_scenarios_in_one_run() {
    let mut coord = Coordinator::new();
    for i in 0..3 {
        coord
            .add_workflow(&format!("plain-{i}"), server(), &common_states::WORKFLOW)
            .unwrap();
        coord
            .add_workflow(
                &format!("table-{i}"),
                server(),
                (&common_states::WORKFLOW).then(&scratch::WORKFLOW),
            )
            .unwrap();
    }
    coord
        .add_scenario("by-hand", server(), |cx| async move {
            let ready = common_states::Conn::start(cx)
                .parse_config()
                .await?
                .connect()
                .await?;
            let ready = match ready.test_connection().await? {
                common_states::TestConnectionOutcome::VerifyingDatabase(c) => {
                    c.verify_database().await?
                }
                common_states::TestConnectionOutcome::GettingVersion(c) => c,
            };
            let done = ready.get_version().await?;
            done.context()
                .barrier("all-identified", Duration::from_secs(10))
                .await?;
            Ok(())
        })
        .unwrap();
    let report = coord.run().await;
    assert!(report.passed(), "{}", report.to_human());
    assert_eq!(report.summary.participants, 7);
    let table = report.participant("table-1").unwrap();
    assert_eq!(table.workflow, "common + scratch_table");
    assert_eq!(table.last_state.as_deref(), Some("Dropped"));
    let steps: Vec<&str> = table.transitions.iter().map(|t| t.step).collect();
    assert_eq!(
        steps,
        [
            "parse_config",
            "connect",
            "test_connection",
            "verify_database",
            "get_version",
            "create",
            "write",
            "drop_table"
        ]
    );
    assert_eq!(
        report.participant("by-hand").unwrap().last_state.as_deref(),
        Some("Completed")
    );
}

#[test]
fn duplicate_and_empty_names_are_rejected() {
    let mut coord = Coordinator::new();
    coord
        .add_workflow("a", server(), &common_states::WORKFLOW)
        .unwrap();
    let err = coord
        .add_workflow("a", server(), &common_states::WORKFLOW)
        .unwrap_err();
    assert!(
        err.to_string().contains("two participants are named `a`"),
        "{err}"
    );
    assert!(coord
        .add_workflow("", server(), &common_states::WORKFLOW)
        .is_err());
}

#[tokio::test]
async fn a_connection_killed_mid_step_fails_that_participant_only() {
    let mut coord = Coordinator::new();
    coord
        .add_workflow(
            "sleeper",
            server(),
            (&common_states::WORKFLOW).then(&sleeper::WORKFLOW),
        )
        .unwrap();
    coord
        .add_scenario("killer", server(), |cx| async move {
            let msg = cx
                .recv_from("sleeper", "connection-id", Duration::from_secs(10))
                .await?;
            let id = msg.body.as_u64().ok_or_else(|| StateError::step("no id"))?;
            // Let the sleeper's statement start before killing its connection.
            tokio::time::sleep(Duration::from_millis(200)).await;
            let mut admin = Session::connect(cx.config()).await?;
            admin.execute(&format!("KILL {id}")).await?;
            Ok(())
        })
        .unwrap();
    for i in 0..3 {
        coord
            .add_workflow(
                &format!("bystander-{i}"),
                server(),
                &common_states::WORKFLOW,
            )
            .unwrap();
    }
    let started = Instant::now();
    let report = coord.run().await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the kill ended the sleep"
    );
    assert_eq!(
        phase(&report, "sleeper"),
        Phase::Failed,
        "{}",
        report.to_human()
    );
    let error = report
        .participant("sleeper")
        .unwrap()
        .error
        .clone()
        .unwrap();
    assert_eq!(error.state.as_deref(), Some("Ready"));
    assert_eq!(error.step.as_deref(), Some("sleep"));
    assert_eq!(
        phase(&report, "killer"),
        Phase::Passed,
        "{}",
        report.to_human()
    );
    for i in 0..3 {
        assert_eq!(phase(&report, &format!("bystander-{i}")), Phase::Passed);
    }
}

#[tokio::test]
async fn a_barrier_with_a_failed_peer_returns_promptly() {
    let mut coord = Coordinator::new();
    let mut broken = server();
    broken.database = Some("rig_no_such_database".into());
    coord
        .add_workflow("broken", broken, &common_states::WORKFLOW)
        .unwrap();
    coord
        .add_scenario("waiter", server(), |cx| async move {
            cx.barrier("never-complete", Duration::from_secs(60))
                .await?;
            Ok(())
        })
        .unwrap();
    let started = Instant::now();
    let report = coord.run().await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(phase(&report, "broken"), Phase::Failed);
    let broken = report.participant("broken").unwrap().error.clone().unwrap();
    assert_eq!(broken.state.as_deref(), Some("VerifyingDatabase"));
    assert_eq!(broken.code, Some(1049));
    let waiter = report.participant("waiter").unwrap().error.clone().unwrap();
    assert!(
        waiter
            .message
            .contains("barrier `never-complete`: participant `broken` failed"),
        "{}",
        waiter.message
    );
}

#[tokio::test]
async fn one_unreachable_target_fails_alone() {
    let mut coord = Coordinator::new();
    coord
        .add_workflow("gone", unreachable_target(), &common_states::WORKFLOW)
        .unwrap();
    for i in 0..4 {
        coord
            .add_workflow(&format!("ok-{i}"), server(), &common_states::WORKFLOW)
            .unwrap();
    }
    let report = coord.run().await;
    assert_eq!(report.summary.passed, 4);
    assert_eq!(report.summary.failed, 1);
    let gone = report.participant("gone").unwrap();
    assert_eq!(gone.last_state.as_deref(), Some("Connecting"));
    assert!(gone
        .error
        .as_ref()
        .unwrap()
        .message
        .contains("connection refused"));
}

#[tokio::test]
async fn cancel_interrupts_every_participant_and_runs_cleanups() {
    let mut coord = Coordinator::new();
    for i in 0..3 {
        coord
            .add_workflow(
                &format!("sleeper-{i}"),
                server(),
                (&common_states::WORKFLOW)
                    .then(&scratch::WORKFLOW)
                    .then(&sleepy::WORKFLOW),
            )
            .unwrap();
    }
    coord.grace_period(Duration::from_secs(5));
    let cancel = coord.cancel_token();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        cancel.cancel();
    });
    let started = Instant::now();
    let report = coord.run().await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(report.cancelled);
    assert_eq!(report.summary.interrupted, 3, "{}", report.to_human());
    for p in &report.participants {
        assert_eq!(p.last_state.as_deref(), Some("Napping"), "{}", p.name);
        assert_eq!(p.error.as_ref().unwrap().message, "cancelled");
        assert_eq!(p.error.as_ref().unwrap().cleanup_error, None, "{}", p.name);
    }
    // The cleanup dropped each participant's table although the session was gone.
    let mut s = Session::connect(&server()).await.unwrap();
    let left: Vec<String> = s
        .query(&format!(
            "SHOW TABLES LIKE 'rig\\_coord\\_{}\\_sleeper%'",
            std::process::id()
        ))
        .await
        .unwrap();
    assert!(left.is_empty(), "tables left behind: {left:?}");
}

/// After the scratch table is created (not dropped), naps in the server.
#[test_rig::workflow(name = "sleepy")]
mod sleepy {
    use super::TableName;
    use test_rig::prelude::*;

    #[initial]
    pub use super::scratch::Dropped as Rested;
    pub struct Napping;
    #[terminal]
    pub struct Awake;

    #[step(Rested -> Napping)]
    async fn recreate(cx: &mut StateContext) -> Result<(), StateError> {
        let table = format!(
            "rig_coord_{}_{}",
            std::process::id(),
            cx.participant().replace('-', "_")
        );
        cx.session()?
            .execute(&format!("CREATE TABLE {table} (id INT)"))
            .await?;
        cx.insert(TableName(table));
        Ok(())
    }

    #[step(Napping -> Awake)]
    async fn nap(cx: &mut StateContext) -> Result<(), StateError> {
        let _: Vec<i64> = cx.session()?.query("SELECT SLEEP(30)").await?;
        Ok(())
    }

    #[cleanup]
    async fn drop_table(cx: &mut StateContext) -> Result<(), StateError> {
        // The nap's connection went with its statement; the cleanup is
        // given a new one.
        if let Some(TableName(table)) = cx.remove::<TableName>() {
            cx.session()?
                .execute(&format!("DROP TABLE IF EXISTS {table}"))
                .await?;
        }
        Ok(())
    }
}

#[tokio::test]
async fn json_and_junit_contain_every_participant() {
    let mut coord = Coordinator::new();
    coord
        .add_workflow("good", server(), &common_states::WORKFLOW)
        .unwrap();
    coord
        .add_workflow("bad <&>", unreachable_target(), &common_states::WORKFLOW)
        .unwrap();
    let report = coord.run().await;

    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    let names: Vec<&str> = json["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["good", "bad <&>"]);
    assert_eq!(json["participants"][0]["outcome"], "passed");
    assert_eq!(json["participants"][1]["outcome"], "failed");
    assert_eq!(json["participants"][1]["error"]["state"], "Connecting");
    assert_eq!(
        json["participants"][0]["transitions"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    assert_eq!(json["summary"]["failed"], 1);

    let xml = report.to_junit("coordinator-test");
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut testcases = Vec::new();
    let mut failures = 0;
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)
                if e.name().as_ref() == b"testcase" =>
            {
                let name = e
                    .attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == b"name")
                    .map(|a| a.unescape_value().unwrap().into_owned())
                    .unwrap();
                testcases.push(name);
            }
            quick_xml::events::Event::Start(e) if e.name().as_ref() == b"failure" => failures += 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(testcases, ["good", "bad <&>"]);
    assert_eq!(failures, 1);
}

static LOOKUP_CLEANUPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Looks a row up; not finding it is a declared failure.
#[test_rig::workflow(name = "lookup")]
mod lookup {
    use test_rig::prelude::*;

    #[initial]
    pub use test_rig::common_states::Completed as Ready;
    #[terminal]
    pub struct Found;
    /// The row is not there: the check failed.
    #[terminal(failure)]
    pub struct Missing;

    #[step(Ready -> Found | Missing)]
    async fn look(cx: &mut StateContext) -> Result<Look, StateError> {
        let wanted = if cx.participant() == "present" { 1 } else { 0 };
        let row: Option<i64> = cx
            .session()?
            .query_first(&format!("SELECT 1 FROM DUAL WHERE 1 = {wanted}"))
            .await?;
        Ok(if row.is_some() {
            Look::Found
        } else {
            Look::Missing
        })
    }

    #[cleanup]
    async fn note(_cx: &mut StateContext) -> Result<(), StateError> {
        super::LOOKUP_CLEANUPS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
}

/// A participant that reaches a `#[terminal(failure)]` state fails, with
/// the step and the state named, and its cleanup runs; one that reaches
/// the other terminal passes.
#[tokio::test]
async fn reaching_a_failure_terminal_fails_the_participant_and_runs_its_cleanup() {
    let mut coord = Coordinator::new();
    for name in ["present", "absent"] {
        coord
            .add_workflow(
                name,
                server(),
                (&common_states::WORKFLOW).then(&lookup::WORKFLOW),
            )
            .unwrap();
    }
    let report = coord.run().await;
    assert_eq!(phase(&report, "present"), Phase::Passed);
    assert_eq!(
        phase(&report, "absent"),
        Phase::Failed,
        "{}",
        report.to_human()
    );
    let absent = report.participant("absent").unwrap();
    assert_eq!(absent.last_state.as_deref(), Some("Missing"));
    let error = absent.error.as_ref().unwrap();
    assert_eq!(
        error.message,
        "step `look` ended in `Missing`, which workflow `lookup` declares a failure"
    );
    assert_eq!(
        (error.step.as_deref(), error.state.as_deref()),
        (Some("look"), Some("Missing"))
    );
    assert_eq!(error.class, test_rig::ErrorClass::Failed);
    assert_eq!(
        LOOKUP_CLEANUPS.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the cleanup runs for the failed participant only"
    );
    assert!(lookup::META.mermaid.contains("Missing --> [*]: failure\n"));
    assert!(lookup::META.mermaid.contains("Found --> [*]\n"));
    assert!(lookup::META.state("Missing").unwrap().failure);
    assert!(!lookup::META.state("Found").unwrap().failure);
}

/// A scenario shows its own name, and a failure in its own code (not in a
/// step) is placed after the last state it reached, not in it.
#[tokio::test]
async fn a_named_scenario_failing_outside_a_step_is_placed_after_its_last_state() {
    let mut coord = Coordinator::new();
    coord
        .add_named_scenario("checker", "balance-check", server(), |cx| async move {
            let cx = common_states::WORKFLOW.run(cx).await?;
            let _ = cx;
            Err(StateError::step("the balances add up to 799, not 800").into())
        })
        .unwrap();
    coord
        .add_scenario("plain", server(), |_cx| async move { Ok(()) })
        .unwrap();
    let report = coord.run().await;
    let checker = report.participant("checker").unwrap();
    assert_eq!(checker.workflow, "balance-check");
    assert_eq!(report.participant("plain").unwrap().workflow, "scenario");
    let error = checker.error.as_ref().unwrap();
    assert_eq!(
        (
            error.state.as_deref(),
            error.step.as_deref(),
            error.after.as_deref()
        ),
        (None, None, Some("Completed"))
    );
    let human = report.to_human();
    assert!(
        human.contains("the balances add up to 799, not 800 [after Completed]"),
        "{human}"
    );
    assert!(report.to_junit("t").contains("after state: Completed\n"));
}

/// The name of a table this test process owns for `what`.
fn teardown_table(what: &str) -> String {
    format!("rig_teardown_{}_{what}", std::process::id())
}

/// A scenario that creates `table` and then ends as `end` says; its
/// teardown drops the table and counts its runs in `runs`.
fn add_table_scenario(
    coord: &mut Coordinator,
    name: &str,
    table: String,
    end: &'static str,
    runs: std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    let dropped = table.clone();
    coord
        .add_scenario_with_teardown(
            name,
            "table-keeper",
            server(),
            move |mut cx| async move {
                cx.reconnect()
                    .await?
                    .execute(&format!("CREATE TABLE {table} (id INT)"))
                    .await?;
                match end {
                    "fail" => Err(StateError::step("the check found 3 rows, not 4").into()),
                    "panic" => panic!("a bug in the scenario"),
                    "hang" => {
                        // Cancelled by the run's cancel, as any statement is.
                        let token = cx.cancellation().cloned().unwrap();
                        token.cancelled().await;
                        Err(StateError::Cancelled.into())
                    }
                    _ => {
                        cx.session()?
                            .execute(&format!("DROP TABLE {table}"))
                            .await?;
                        Ok(())
                    }
                }
            },
            move |mut cx| async move {
                runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                cx.reconnect()
                    .await?
                    .execute(&format!("DROP TABLE IF EXISTS {dropped}"))
                    .await?;
                Ok(())
            },
        )
        .unwrap();
}

/// A scenario's teardown runs when it fails, panics or is cancelled (and
/// drops what it left on the real server), never when it passes, and the
/// scenario's own error stays the one reported.
#[tokio::test]
async fn a_scenario_teardown_runs_on_failure_panic_and_cancel_only() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let mut coord = Coordinator::new();
    let mut runs = Vec::new();
    for end in ["fail", "panic", "hang", "pass"] {
        let count = Arc::new(AtomicUsize::new(0));
        add_table_scenario(&mut coord, end, teardown_table(end), end, count.clone());
        runs.push((end, count));
    }
    coord.grace_period(Duration::from_secs(5));
    let cancel = coord.cancel_token();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        cancel.cancel();
    });
    let report = coord.run().await;
    for (end, count) in &runs {
        let expected = usize::from(*end != "pass");
        assert_eq!(
            count.load(Ordering::SeqCst),
            expected,
            "teardown runs of `{end}`"
        );
        assert!(
            !table_exists(&teardown_table(end)).await,
            "`{end}` left its table"
        );
    }
    assert_eq!(phase(&report, "fail"), Phase::Failed);
    assert_eq!(phase(&report, "panic"), Phase::Failed);
    assert_eq!(phase(&report, "hang"), Phase::Interrupted);
    assert_eq!(phase(&report, "pass"), Phase::Passed);
    let fail = report.participant("fail").unwrap().error.as_ref().unwrap();
    assert_eq!(fail.message, "the check found 3 rows, not 4");
    assert_eq!(fail.cleanup_error, None);
    let panic = report.participant("panic").unwrap().error.as_ref().unwrap();
    assert!(
        panic.message.contains("a bug in the scenario"),
        "{}",
        panic.message
    );
}

/// A teardown that fails, panics or overruns the grace period is
/// reported beside the scenario's error, which it does not replace.
#[tokio::test]
async fn a_failing_teardown_is_reported_beside_the_scenario_error() {
    let mut coord = Coordinator::new();
    let failing = |_: StateContext| async move { Err(StateError::step("boom")) };
    coord
        .add_scenario_with_teardown(
            "refused",
            "s",
            server(),
            |_cx| async move { Err(StateError::step("first error").into()) },
            |mut cx| async move {
                cx.reconnect()
                    .await?
                    .execute("DROP TABLE rig_teardown_never_created_here")
                    .await?;
                Ok(())
            },
        )
        .unwrap()
        .add_scenario_with_teardown(
            "panics",
            "s",
            server(),
            |_cx| async move { Err(StateError::step("second error").into()) },
            |_cx| async move {
                if true {
                    panic!("teardown bug");
                }
                Ok(())
            },
        )
        .unwrap()
        .add_scenario_with_teardown(
            "slow",
            "s",
            server(),
            |_cx| async move { Err(StateError::step("third error").into()) },
            |_cx| async move {
                tokio::time::sleep(Duration::from_secs(30)).await;
                Ok(())
            },
        )
        .unwrap()
        .add_scenario_with_teardown(
            "passes",
            "s",
            server(),
            |_cx| async move { Ok(()) },
            failing,
        )
        .unwrap();
    coord.grace_period(Duration::from_secs(1));
    let started = Instant::now();
    let report = coord.run().await;
    assert!(started.elapsed() < Duration::from_secs(10));
    let error = |name: &str| report.participant(name).unwrap().error.clone().unwrap();
    let refused = error("refused");
    assert_eq!(refused.message, "first error");
    let cleanup = refused.cleanup_error.unwrap();
    assert!(
        cleanup.contains("rig_teardown_never_created_here"),
        "{cleanup}"
    );
    assert_eq!(
        error("panics").cleanup_error.as_deref(),
        Some("the teardown panicked: teardown bug")
    );
    assert_eq!(error("slow").message, "third error");
    assert!(error("slow")
        .cleanup_error
        .unwrap()
        .contains("did not finish within 1s"));
    assert_eq!(phase(&report, "passes"), Phase::Passed);
    let human = report.to_human();
    assert!(
        human.contains("panics: cleanup failed: the teardown panicked"),
        "{human}"
    );
}

/// A scenario's value comes back through its handle once the run is over;
/// one that fails gives none, and its error is in the report.
#[tokio::test]
async fn a_scenario_hands_back_its_value_when_it_passes() {
    let mut coord = Coordinator::new();
    let version = coord
        .add_scenario_with_result("probe", "probe", server(), |mut cx| async move {
            let session = cx.reconnect().await?;
            Ok(session.query_first::<String>("SELECT VERSION()").await?)
        })
        .unwrap();
    let nothing = coord
        .add_scenario_with_result("broken", "probe", server(), |mut cx| async move {
            let session = cx.reconnect().await?;
            Ok(session
                .query_first::<String>("SELECT nope FROM rig_no_such_table")
                .await?)
        })
        .unwrap();
    assert!(version.take().is_none(), "nothing before the run");
    let report = coord.run().await;
    let found = version.take().expect("the probe passed");
    let mut direct = Session::connect(&server()).await.unwrap();
    let expected: Option<String> = direct.query_first("SELECT VERSION()").await.unwrap();
    assert!(expected.is_some());
    assert_eq!(found, expected);
    assert_eq!(version.take(), None, "taken once");
    assert_eq!(nothing.take(), None);
    let error = report
        .participant("broken")
        .unwrap()
        .error
        .as_ref()
        .unwrap();
    assert_eq!(error.code, Some(1146), "{}", error.message);
}

/// Steps with no session: loops `LOOPS` times in one state, then ends.
#[test_rig::workflow(name = "counting_loop")]
mod counting_loop {
    use test_rig::prelude::*;

    pub const LOOPS: u32 = 5;
    /// Each loop's pause: the participant stays in `Looping` for several
    /// of the dispatcher's 50 ms collections, so a peer polling the shared
    /// state sees it even on a loaded machine.
    pub const PAUSE: std::time::Duration = std::time::Duration::from_millis(60);
    struct Count(u32);

    #[initial]
    pub struct Start;
    pub struct Looping;
    #[terminal]
    pub struct Done;

    #[step(Start -> Looping)]
    async fn begin(cx: &mut StateContext) -> Result<(), StateError> {
        cx.insert(Count(0));
        Ok(())
    }

    /// Slow enough that a peer polling the shared state sees it running.
    #[step(Looping -> Looping | Done)]
    async fn again(cx: &mut StateContext) -> Result<Again, StateError> {
        tokio::time::sleep(PAUSE).await;
        let count = cx.get_mut::<Count>().expect("begin stored it");
        count.0 += 1;
        Ok(if count.0 < LOOPS {
            Again::Looping
        } else {
            Again::Done
        })
    }
}

/// A run with no observer sends the dispatcher only the transitions that
/// enter a new state (the rest are recorded where they run): peers still
/// see each state a participant enters, and its report still has every
/// attempt.
#[tokio::test]
async fn an_unobserved_run_still_shows_peers_each_state_entered() {
    let mut coord = Coordinator::new();
    coord
        .add_workflow("looper", server(), &counting_loop::WORKFLOW)
        .unwrap();
    let seen = coord
        .add_scenario_with_result("watcher", "watch", server(), |cx| async move {
            let mut seen: Vec<&'static str> = Vec::new();
            let started = Instant::now();
            loop {
                let looper = cx.shared()?.participants()["looper"].clone();
                if let Some(state) = looper.state.filter(|s| seen.last() != Some(s)) {
                    seen.push(state);
                }
                if looper.phase != Phase::Running || started.elapsed() > Duration::from_secs(10) {
                    return Ok(seen);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .unwrap();
    let report = coord.run().await;
    assert!(report.passed(), "{}", report.to_human());
    let seen = seen.take().expect("the watcher passed");
    assert_eq!(seen.first(), Some(&"Looping"), "{seen:?}");
    assert_eq!(seen.last(), Some(&"Done"), "{seen:?}");
    let looper = report.participant("looper").unwrap();
    let steps = 1 + counting_loop::LOOPS as u64;
    assert_eq!(looper.steps_run, steps);
    assert_eq!(looper.transitions.len() as u64, steps);
    assert_eq!(looper.last_state.as_deref(), Some("Done"));
    let again = looper
        .step_stats
        .iter()
        .find(|s| s.step == "again")
        .unwrap();
    assert_eq!(again.attempts, u64::from(counting_loop::LOOPS));
    assert!(again.total >= counting_loop::PAUSE * counting_loop::LOOPS);
}

/// An observer sees every attempt, those that stay in their state too, in
/// the order they ran.
#[tokio::test]
async fn an_observer_sees_every_attempt_in_order() {
    struct Steps(std::sync::Mutex<Vec<(String, &'static str, Option<&'static str>)>>);
    impl RunObserver for Steps {
        fn on_event(&self, event: &RunEvent) {
            if let RunEvent::Transition(t) = event {
                let seen = (t.participant.to_string(), t.from, t.to);
                self.0.lock().unwrap().push(seen);
            }
        }
    }
    let steps = std::sync::Arc::new(Steps(Default::default()));
    let mut coord = Coordinator::new();
    coord.observe(steps.clone());
    for name in ["a", "b"] {
        coord
            .add_workflow(name, server(), &counting_loop::WORKFLOW)
            .unwrap();
    }
    let report = coord.run().await;
    assert!(report.passed(), "{}", report.to_human());
    let seen = steps.0.lock().unwrap().clone();
    for name in ["a", "b"] {
        let of: Vec<_> = seen
            .iter()
            .filter(|(p, _, _)| p == name)
            .map(|(_, from, to)| (*from, *to))
            .collect();
        let mut expected = vec![("Start", Some("Looping"))];
        expected.extend((1..counting_loop::LOOPS).map(|_| ("Looping", Some("Looping"))));
        expected.push(("Looping", Some("Done")));
        assert_eq!(of, expected, "{name}");
        assert_eq!(report.participant(name).unwrap().steps_run, of.len() as u64);
    }
}
