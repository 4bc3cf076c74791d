//! The common workflow and the session against the real server: typed and
//! erased runs, failures that keep their context, statement timeouts, and a
//! step retried on a real lock wait timeout.

use mysql_async::prelude::Queryable;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use test_rig::common_states::{self, DatabaseChecked, RoundTrip, TestConnectionOutcome};
use test_rig::prelude::*;
use test_rig::{Transition, TransitionObserver};

#[path = "../testing/server.rs"]
mod test_server;
use test_server::server;

async fn version_from_a_separate_connection() -> String {
    let mut s = Session::connect(&server())
        .await
        .expect("test server reachable");
    s.query_first::<String>("SELECT VERSION()")
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn erased_common_workflow_identifies_the_server() {
    let cx = StateContext::new("t", server());
    let cx = common_states::WORKFLOW
        .run(cx)
        .await
        .expect("common workflow passes");
    let info = cx.server().expect("server detected").clone();
    let version = version_from_a_separate_connection().await;
    assert_eq!(info.version_string, version);
    let expected = if version.contains("MariaDB") {
        Flavor::MariaDB
    } else {
        Flavor::MySQL
    };
    assert_eq!(info.flavor, expected);
    assert!(
        version.contains(&info.version.to_string()),
        "{version} vs {}",
        info.version
    );
    assert_eq!(
        cx.get::<DatabaseChecked>().map(|d| d.0.as_str()),
        Some("test")
    );
    assert!(cx.get::<RoundTrip>().unwrap().0 < Duration::from_secs(1));
}

#[tokio::test]
async fn the_isolation_variable_named_by_the_flavor_exists() {
    let cx = common_states::WORKFLOW
        .run(StateContext::new("t", server()))
        .await
        .unwrap();
    let var = cx.server().unwrap().isolation_variable();
    let mut cx = cx;
    let level: Option<String> = cx
        .session()
        .unwrap()
        .query_first(&format!("SELECT @@{var}"))
        .await
        .expect("the variable the flavor names exists on this server");
    assert!(level.unwrap().contains('-'));
}

#[tokio::test]
async fn typed_handles_skip_the_database_check_when_none_is_configured() {
    let mut config = server();
    config.database = None;
    let testing = common_states::Conn::start(StateContext::new("t", config))
        .parse_config()
        .await
        .unwrap()
        .connect()
        .await
        .unwrap();
    match testing.test_connection().await.unwrap() {
        TestConnectionOutcome::GettingVersion(c) => {
            let done = c.get_version().await.unwrap();
            assert_eq!(done.state_name(), "Completed");
            assert!(done.context().get::<DatabaseChecked>().is_none());
        }
        TestConnectionOutcome::VerifyingDatabase(_) => panic!("no database was configured"),
    }
}

#[tokio::test]
async fn a_failed_step_returns_state_error_and_a_live_context() {
    let mut config = server();
    config.database = Some("rig_missing_db".into());
    let failed = common_states::WORKFLOW
        .run(StateContext::new("t", config))
        .await
        .unwrap_err();
    assert_eq!(
        (failed.step(), failed.state()),
        ("verify_database", "VerifyingDatabase")
    );
    assert!(
        matches!(failed.error(), StateError::UnknownDatabase { database, .. } if database == "rig_missing_db")
    );
    assert_eq!(failed.error().server_code(), Some(1049));
    let (_, mut cx) = failed.into_parts();
    // The session survived the failure and still answers.
    let one: Option<i64> = cx.session().unwrap().query_first("SELECT 1").await.unwrap();
    assert_eq!(one, Some(1));
}

#[tokio::test]
async fn statement_timeout_ends_the_statement_and_closes_the_session() {
    let mut config = server();
    config.statement_timeout = Some(Duration::from_millis(200));
    let mut session = Session::connect(&config).await.unwrap();
    let started = Instant::now();
    let err = session.query::<i64>("SELECT SLEEP(3)").await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(matches!(err, StateError::StatementTimeout { .. }), "{err}");
    let after = session.query::<i64>("SELECT 1").await.unwrap_err();
    assert!(matches!(after, StateError::NoSession(_)), "{after}");
}

#[derive(Default)]
struct Attempts(Mutex<Vec<Transition>>);

impl TransitionObserver for Attempts {
    fn on_transition(&self, t: &Transition) {
        self.0.lock().unwrap().push(t.clone());
    }
}

struct Table(String);

#[test_rig::workflow]
mod contended {
    use super::Table;
    use test_rig::prelude::*;

    #[initial]
    pub use test_rig::common_states::Completed as Ready;
    #[terminal]
    pub struct Updated;

    /// Waits at most one second for the row lock; a lock wait timeout (1205)
    /// is transient, so the default predicate retries it.
    #[step(Ready -> Updated, retry = 3)]
    async fn update_row(cx: &mut StateContext) -> Result<(), StateError> {
        let table = cx.get::<Table>().unwrap().0.clone();
        let session = cx.session()?;
        session
            .execute("SET SESSION innodb_lock_wait_timeout = 1")
            .await?;
        session
            .execute(&format!("UPDATE {table} SET v = v + 1 WHERE id = 1"))
            .await?;
        Ok(())
    }
}

#[tokio::test]
async fn a_step_is_retried_on_a_real_lock_wait_timeout() {
    let table = format!("rig_retry_{}", std::process::id());
    let mut holder = Session::connect(&server()).await.unwrap();
    holder
        .execute(&format!("CREATE TABLE {table} (id INT PRIMARY KEY, v INT)"))
        .await
        .unwrap();
    holder
        .execute(&format!("INSERT INTO {table} VALUES (1, 0)"))
        .await
        .unwrap();
    holder.execute("BEGIN").await.unwrap();
    holder
        .execute(&format!("SELECT * FROM {table} WHERE id = 1 FOR UPDATE"))
        .await
        .unwrap();
    // Release the lock after the first attempt has timed out (1 s) but
    // before the third would.
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        holder.execute("COMMIT").await.unwrap();
        holder
    });

    let attempts = Arc::new(Attempts::default());
    let mut cx = StateContext::new("t", server());
    cx.set_observer(attempts.clone());
    cx.insert(Table(table.clone()));
    let flow = (&common_states::WORKFLOW).then(&contended::WORKFLOW);
    let mut cx = flow
        .run(cx)
        .await
        .expect("the update succeeds after a retry");

    let mut holder = release.await.unwrap();
    let v: Option<i64> = holder
        .query_first(&format!("SELECT v FROM {table} WHERE id = 1"))
        .await
        .unwrap();
    holder
        .execute(&format!("DROP TABLE {table}"))
        .await
        .unwrap();
    assert_eq!(v, Some(1));
    let tries: Vec<Transition> = attempts
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|t| t.step == "update_row")
        .cloned()
        .collect();
    assert!(tries.len() >= 2, "{tries:?}");
    assert!(
        tries[0].error.as_deref().unwrap_or("").contains("1205"),
        "{:?}",
        tries[0]
    );
    assert!(tries[0].will_retry);
    assert_eq!(tries.last().unwrap().to, Some("Updated"));
    cx.take_session().unwrap().close().await.unwrap();
}

#[tokio::test]
async fn driver_escape_hatch_and_server_codes() {
    let mut session = Session::connect(&server()).await.unwrap();
    let err = session
        .query::<i64>("SELECT * FROM rig_no_such_table")
        .await
        .unwrap_err();
    assert_eq!(err.server_code(), Some(1146));
    assert!(!err.is_transient());
    let conn = session.driver().unwrap();
    let n: Option<i64> = conn.query_first("SELECT 41 + 1").await.unwrap();
    assert_eq!(n, Some(42));
}

fn always(_: &StateError) -> bool {
    true
}

#[test_rig::workflow]
mod always_failing {
    use test_rig::prelude::*;

    #[initial]
    pub struct Start;
    #[terminal]
    pub struct Done;

    /// Fails every time, with an error its predicate always retries.
    #[step(Start -> Done, retry = 2, retry_if = super::always, backoff = "1ms")]
    async fn fail(_cx: &mut StateContext) -> Result<(), StateError> {
        Err(StateError::step("fails every time"))
    }
}

/// `retry = 2` is three attempts in all, however retryable the error: the
/// third failure ends the workflow, and only the first two say they will
/// be retried.
#[tokio::test]
async fn retries_end_after_the_declared_count() {
    let attempts = Arc::new(Attempts::default());
    let mut cx = StateContext::new("t", server());
    cx.set_observer(attempts.clone());
    let ran = tokio::time::timeout(Duration::from_secs(10), always_failing::WORKFLOW.run(cx))
        .await
        .expect("retries end");
    let failed = ran.expect_err("every attempt fails");
    assert_eq!(failed.step(), "fail");
    let tries = attempts.0.lock().unwrap().clone();
    let seen: Vec<(u32, bool, Option<&str>)> = tries
        .iter()
        .map(|t| (t.attempt, t.will_retry, t.to))
        .collect();
    assert_eq!(seen, [(1, true, None), (2, true, None), (3, false, None)]);
}
