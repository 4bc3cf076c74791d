//! Statements a session gives up on (a statement timeout, or its future
//! dropped by a step timeout or Ctrl-C) are stopped on the server, from a
//! fresh connection: closing the client side alone leaves them running.
//! Stops made in the background are counted, so that a process about to
//! exit can wait for them.

use crate::config::ConnectionConfig;
use crate::error::StateError;
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
/// [`finish`]: InFlight::finish
pub(crate) struct InFlight {
    id: u32,
    config: Arc<ConnectionConfig>,
    finished: bool,
}

impl InFlight {
    pub(crate) fn new(id: u32, config: Arc<ConnectionConfig>, armed: bool) -> Self {
        InFlight {
            id,
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
        Box::pin(stop_abandoned(&self.config, self.id)).await;
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        // No runtime (the process is ending): nothing can be sent.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let (config, id) = (self.config.clone(), self.id);
            let counted = Outstanding::start();
            runtime.spawn(async move {
                let _counted = counted;
                stop_abandoned(&config, id).await;
            });
        }
    }
}

/// Stops the statement running on connection `id`: `KILL QUERY id` from a
/// fresh connection (TiDB before global kill wants `KILL TIDB QUERY id`),
/// within 3 s. Gives the statement that did it; a connection already gone
/// counts as stopped.
pub async fn stop_statement(config: &ConnectionConfig, id: u32) -> Result<String, StateError> {
    let mut config = config.clone();
    config.connect_timeout = config.connect_timeout.min(Duration::from_secs(2));
    // The whole attempt is bounded below, not each statement.
    config.statement_timeout = None;
    let stopped = async {
        let mut control = crate::session::Session::connect_server(&config)
            .await?
            .for_control();
        let mut kill = format!("KILL QUERY {id}");
        let mut result = control.execute(&kill).await;
        if let Err(StateError::Server { code: 1064, .. }) = result {
            kill = format!("KILL TIDB QUERY {id}");
            result = control.execute(&kill).await;
        }
        let _ = control.close().await;
        match result {
            // 1094, unknown thread: the statement and its connection have
            // already ended (the server noticed the client go), which is
            // what stopping it is for.
            Ok(_) | Err(StateError::Server { code: 1094, .. }) => Ok(kill),
            Err(e) => Err(e),
        }
    };
    tokio::time::timeout(Duration::from_secs(3), Box::pin(stopped))
        .await
        .unwrap_or_else(|_| Err(StateError::step("no answer within 3 s")))
}

/// [`stop_statement`] for a statement given up on: a failure is logged,
/// since the caller is already reporting why the statement was abandoned.
async fn stop_abandoned(config: &ConnectionConfig, id: u32) {
    match stop_statement(config, id).await {
        Ok(_) => tracing::debug!(connection = id, "abandoned statement stopped on the server"),
        Err(e) => tracing::warn!(
            connection = id,
            "an abandoned statement could not be stopped on the server: {e}"
        ),
    }
}
