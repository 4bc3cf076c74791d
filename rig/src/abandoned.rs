//! Statements a session gives up on (a statement timeout, or its future
//! dropped by a step timeout or Ctrl-C) are stopped on the server, from a
//! fresh connection: closing the client side alone leaves them running.

use crate::config::ConnectionConfig;
use crate::error::StateError;
use std::sync::Arc;
use std::time::Duration;

/// A statement in flight on connection `id`. Dropped before [`finish`]
/// (the statement's future was dropped), it stops the statement from a
/// background task; [`InFlight::stop`] does it in place.
///
/// [`finish`]: InFlight::finish
pub(crate) struct InFlight {
    id: u32,
    config: Arc<ConnectionConfig>,
    finished: bool,
}

impl InFlight {
    pub(crate) fn new(id: u32, config: Arc<ConnectionConfig>) -> Self {
        InFlight {
            id,
            config,
            finished: false,
        }
    }

    /// The statement ended by itself: nothing to stop.
    pub(crate) fn finish(mut self) {
        self.finished = true;
    }

    /// The statement was given up on: stop it now, and wait for that.
    pub(crate) async fn stop(mut self) {
        self.finished = true;
        // Boxed: stopping runs statements, whose guards could stop again.
        Box::pin(stop_statement(&self.config, self.id)).await;
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
            runtime.spawn(async move { stop_statement(&config, id).await });
        }
    }
}

/// `KILL QUERY id` from a fresh connection (TiDB before global kill wants
/// `KILL TIDB QUERY id`). Best effort: a failure is logged, since the caller
/// is already reporting why the statement was abandoned.
async fn stop_statement(config: &ConnectionConfig, id: u32) {
    let mut config = config.clone();
    config.connect_timeout = config.connect_timeout.min(Duration::from_secs(2));
    // No statement timeout on the control session, so that its own
    // statements never need stopping; the whole attempt is bounded instead.
    config.statement_timeout = None;
    let stopped = async {
        let mut control = crate::session::Session::connect_server(&config).await?;
        let plain = control.execute(&format!("KILL QUERY {id}")).await;
        let result = match plain {
            Err(StateError::Server { code: 1064, .. }) => control
                .execute(&format!("KILL TIDB QUERY {id}"))
                .await
                .map(drop),
            other => other.map(drop),
        };
        let _ = control.close().await;
        result
    };
    let stopped = tokio::time::timeout(Duration::from_secs(3), Box::pin(stopped))
        .await
        .unwrap_or_else(|_| Err(StateError::step("no answer within 3 s")));
    match stopped {
        Ok(()) => tracing::debug!(connection = id, "abandoned statement stopped on the server"),
        // 1094: the statement ended meanwhile; nothing to stop.
        Err(StateError::Server { code: 1094, .. }) => {}
        Err(e) => tracing::warn!(
            connection = id,
            "an abandoned statement could not be stopped on the server: {e}"
        ),
    }
}
