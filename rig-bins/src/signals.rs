//! The process's interruption: one token, cancelled by the first SIGINT
//! (Ctrl-C) or SIGTERM (what `timeout`, CI cancellation and `kill` send),
//! that every phase of every tool honours: resolving the target, the
//! capacity check, connecting and the run itself. A cancelled run still
//! cleans up, prints its report and exits 130.

use std::sync::OnceLock;
use tokio_util::sync::CancellationToken;

static TOKEN: OnceLock<CancellationToken> = OnceLock::new();

/// The process's token (the same one for every caller).
pub fn interrupted() -> CancellationToken {
    TOKEN.get_or_init(CancellationToken::new).clone()
}

/// Starts listening for SIGINT and SIGTERM on the current runtime; the
/// first one cancels [`interrupted`]. Call it once, first thing in `main`.
pub fn listen() {
    let token = interrupted();
    tokio::spawn(async move {
        let which = next_signal().await;
        tracing::warn!("interrupted ({which}): cancelling the run");
        token.cancel();
    });
}

#[cfg(unix)]
async fn next_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => tokio::select! {
            _ = tokio::signal::ctrl_c() => "SIGINT",
            _ = term.recv() => "SIGTERM",
        },
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            "SIGINT"
        }
    }
}

#[cfg(not(unix))]
async fn next_signal() -> &'static str {
    let _ = tokio::signal::ctrl_c().await;
    "Ctrl-C"
}

/// Runs `work` unless the process is interrupted first: `None` then.
pub async fn unless_interrupted<T>(work: impl std::future::Future<Output = T>) -> Option<T> {
    let token = interrupted();
    tokio::select! {
        biased;
        _ = token.cancelled() => None,
        done = work => Some(done),
    }
}
