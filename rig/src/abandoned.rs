//! Statements a session gives up on (a statement timeout, or its future
//! dropped by a step timeout or Ctrl-C) are stopped on the server, from a
//! fresh connection: closing the client side alone leaves them running.

use crate::config::ConnectionConfig;
use crate::error::StateError;
use std::sync::Arc;
use std::time::Duration;

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
            runtime.spawn(async move { stop_abandoned(&config, id).await });
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
