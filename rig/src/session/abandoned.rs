//! Statements a session gives up on (a statement timeout, or its future
//! dropped by a step timeout or Ctrl-C) are stopped on the server, with
//! their connection, from a fresh connection: closing the client side
//! alone leaves them running.
//! Stops made in the background are counted, so that a process about to
//! exit can wait for them.

use super::Session;
use crate::config::ConnectionConfig;
use crate::error::StateError;
use crate::flavor::Flavor;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Background stops started and not yet ended, in the whole process.
static OUTSTANDING: AtomicUsize = AtomicUsize::new(0);

/// Counts one background stop for as long as it lives, however it ends
/// (done, or dropped with its runtime).
struct Outstanding;

impl Outstanding {
    fn start() -> Self {
        OUTSTANDING.fetch_add(1, Ordering::SeqCst);
        Outstanding
    }
}

impl Drop for Outstanding {
    fn drop(&mut self) {
        OUTSTANDING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Waits, at most `limit`, until every statement abandoned by a dropped
/// future (a step timeout, a cancel) has been stopped on the server; gives
/// whether they all were. A process that exits without it may leave such a
/// statement running. [`Coordinator::run`](crate::Coordinator::run) calls it
/// before it returns.
pub async fn settle_abandoned(limit: Duration) -> bool {
    let started = Instant::now();
    loop {
        if OUTSTANDING.load(Ordering::SeqCst) == 0 {
            return true;
        }
        if started.elapsed() >= limit {
            tracing::warn!(
                "{} abandoned statement(s) not yet stopped on the server",
                OUTSTANDING.load(Ordering::SeqCst)
            );
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A statement in flight on connection `id`. Dropped before [`finish`]
/// (the statement's future was dropped), it stops the statement from a
/// background task; [`InFlight::stop`] does it in place. Unarmed, it does
/// neither (the control session's own statements).
///
/// It borrows the session's configuration, and copies it only when there
/// is a statement to stop: a count taken and dropped per statement is
/// measurable in a busy run.
///
/// [`finish`]: InFlight::finish
pub(crate) struct InFlight<'s> {
    id: u64,
    flavor: Option<Flavor>,
    config: &'s Arc<ConnectionConfig>,
    finished: bool,
}

impl<'s> InFlight<'s> {
    pub(crate) fn new(
        id: u64,
        flavor: Option<Flavor>,
        config: &'s Arc<ConnectionConfig>,
        armed: bool,
    ) -> Self {
        InFlight {
            id,
            flavor,
            config,
            finished: !armed,
        }
    }

    /// The statement ended by itself: nothing to stop.
    pub(crate) fn finish(mut self) {
        self.finished = true;
    }

    /// The statement was given up on: stop it now, and wait for that.
    pub(crate) async fn stop(mut self) {
        if std::mem::replace(&mut self.finished, true) {
            return;
        }
        // Boxed: the stop runs statements, so its future's type contains
        // this one's (the control session's guards are unarmed at run time).
        Box::pin(stop_abandoned(self.config, self.flavor, self.id)).await;
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        // No runtime (the process is ending): nothing can be sent.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let (config, flavor, id) = (self.config.clone(), self.flavor, self.id);
            let counted = Outstanding::start();
            runtime.spawn(async move {
                let _counted = counted;
                stop_abandoned(&config, flavor, id).await;
            });
        }
    }
}

/// What a KILL ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kill {
    /// The statement; the connection stays (a session that goes on).
    Query,
    /// The connection, and its statement with it. For a connection given up
    /// on: a `KILL QUERY` that reaches the server before it has begun the
    /// statement (still in the socket) stops nothing, and the statement then
    /// runs to its end; a killed connection runs nothing more.
    Connection,
}

/// Stops what runs on connection `id` from `control` and gives the
/// statement that did it. TiDB gets `KILL TIDB …`, which every version
/// takes (plain `KILL` only with Global Kill, v6.1 on); a server of unknown
/// flavor gets plain `KILL`, and the TiDB form if it cannot parse that. A
/// KILL that answers with a warning stopped nothing: TiDB v6.1 to v7.2,
/// given the 32-bit id of the handshake instead of its 64-bit connection
/// id, warns "32bits truncated ConnectionID"
/// (docs.pingcap.com/tidb/stable/sql-statement-kill).
pub(crate) async fn kill_query(
    control: &mut Session,
    flavor: Option<Flavor>,
    id: u64,
    what: Kill,
) -> Result<String, StateError> {
    let target = match what {
        Kill::Query => "QUERY",
        Kill::Connection => "CONNECTION",
    };
    let tidb = format!("KILL TIDB {target} {id}");
    let kill = match flavor {
        Some(Flavor::TiDB) => {
            control.execute(&tidb).await?;
            tidb
        }
        _ => {
            let plain = format!("KILL {target} {id}");
            match control.execute(&plain).await {
                Ok(_) => plain,
                Err(StateError::Server { code: 1064, .. }) => {
                    control.execute(&tidb).await?;
                    tidb
                }
                Err(e) => return Err(e),
            }
        }
    };
    let warnings: Vec<(String, u32, String)> = control.query("SHOW WARNINGS").await?;
    match warnings.first() {
        None => Ok(kill),
        Some((_, code, message)) => Err(StateError::step(format!(
            "`{kill}` stopped nothing: the server warned {code}: {message}"
        ))),
    }
}

/// Stops the statement running on connection `id` (the id [`Session::connection_id`]
/// gives), a connection its client has given up on, from a fresh
/// connection within 3 s: `KILL CONNECTION` (`KILL TIDB CONNECTION` on
/// TiDB), which, unlike `KILL QUERY`, also stops a statement the server has
/// not begun yet; a KILL the server answers with a warning stopped nothing
/// and is an error. Gives the statement that did it; a connection already
/// gone counts as stopped. The fresh connection runs none of `config`'s
/// session-init statements.
pub async fn stop_statement(
    config: &ConnectionConfig,
    flavor: Option<Flavor>,
    id: u64,
) -> Result<String, StateError> {
    let mut config = config.clone();
    config.connect_timeout = config.connect_timeout.min(Duration::from_secs(2));
    // The whole attempt is bounded below, not each statement.
    config.statement_timeout = None;
    // A control connection, not a session of the run: the run's own
    // session-init statements (which may be slow, or fail, or be what is
    // being stopped) have no business on it.
    config.session_init.clear();
    let stopped = async {
        let mut control = Session::connect_server(&config).await?.for_control();
        let result = kill_query(&mut control, flavor, id, Kill::Connection).await;
        let _ = control.close().await;
        match result {
            // 1094, unknown thread: the statement and its connection have
            // already ended (the server noticed the client go), which is
            // what stopping it is for.
            Err(StateError::Server { code: 1094, .. }) => Ok(format!("KILL CONNECTION {id}")),
            other => other,
        }
    };
    tokio::time::timeout(Duration::from_secs(3), Box::pin(stopped))
        .await
        .unwrap_or_else(|_| Err(StateError::step("no answer within 3 s")))
}

/// [`stop_statement`] for a statement given up on: a failure is logged,
/// since the caller is already reporting why the statement was abandoned.
async fn stop_abandoned(config: &ConnectionConfig, flavor: Option<Flavor>, id: u64) {
    match stop_statement(config, flavor, id).await {
        Ok(_) => tracing::debug!(connection = id, "abandoned statement stopped on the server"),
        Err(e) => tracing::warn!(
            connection = id,
            "an abandoned statement could not be stopped on the server: {e}"
        ),
    }
}
