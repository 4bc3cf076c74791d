//! `Transition`: one attempt of one step, as the coordinator's observers,
//! the progress displays and the reports see it.

use std::time::{Duration, Instant};

/// One attempt of one step, as observers see it.
#[derive(Debug, Clone)]
pub struct Transition {
    /// Who ran it.
    pub participant: std::sync::Arc<str>,
    /// The workflow.
    pub workflow: &'static str,
    /// The step.
    pub step: &'static str,
    /// The state it left.
    pub from: &'static str,
    /// The state it reached; `None` when the attempt failed.
    pub to: Option<&'static str>,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// When the attempt started (monotonic clock).
    pub started: Instant,
    /// How long the attempt took.
    pub duration: Duration,
    /// The error, when the attempt failed.
    pub error: Option<String>,
    /// The server's error code, when the server answered with an error.
    pub error_code: Option<u16>,
    /// Whether a failed attempt will be retried.
    pub will_retry: bool,
}

/// Receives every step attempt as it ends (a progress display, a report).
pub trait TransitionObserver: Send + Sync {
    /// Called once per attempt, right after it ends.
    fn on_transition(&self, transition: &Transition);

    /// The same, handed the transition to keep: what the runner calls. An
    /// observer that stores transitions overrides it to save a copy per
    /// step; the default lends it to [`on_transition`](Self::on_transition).
    fn on_transition_owned(&self, transition: Transition) {
        self.on_transition(&transition);
    }
}

/// Whether two of a workflow's names (states, steps, workflows) are the
/// same: by address first, since they are the workflow's statics and the
/// same name is almost always the same static; by text when two workflows
/// spell it alike. Compared at every step of a busy run.
pub(crate) fn same_static_name(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || a == b
}
