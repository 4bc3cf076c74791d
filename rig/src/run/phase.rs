//! `Phase`: where a participant is in its run, the one word the shared
//! state, the events and the reports use for it.

use serde::Serialize;

/// Where a participant is in its run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Still running.
    Running,
    /// Finished, every step passed.
    Passed,
    /// Finished with an error.
    Failed,
    /// Stopped by a cancel.
    Interrupted,
}

impl Phase {
    /// `running`, `passed`, `failed` or `interrupted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Running => "running",
            Phase::Passed => "passed",
            Phase::Failed => "failed",
            Phase::Interrupted => "interrupted",
        }
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
