//! `RunEvent`: the one kind of message executors send to the dispatcher,
//! which the dispatcher also hands to observers (progress displays).

use crate::error::ErrorClass;
use crate::run::phase::Phase;
use crate::run::transition::Transition;
use serde::Serialize;

/// Why a participant did not pass.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorRecord {
    /// `configuration`, `unreachable`, `cancelled` or `failed`.
    pub class: ErrorClass,
    /// One line saying what went wrong.
    pub message: String,
    /// The server's error code, when the server answered with an error.
    pub code: Option<u16>,
    /// The state the participant was in.
    pub state: Option<String>,
    /// The step that failed, when a step failed.
    pub step: Option<String>,
    /// For a failure outside any step (a scenario's own check, a barrier,
    /// a message): the last state reached before it.
    pub after: Option<String>,
    /// The cleanup's (a workflow's `#[cleanup]`, a scenario's teardown)
    /// own failure, if it failed too.
    pub cleanup_error: Option<String>,
}

impl ErrorRecord {
    /// A record with only a class and a message.
    pub fn bare(class: ErrorClass, message: String) -> Self {
        ErrorRecord {
            class,
            message,
            code: None,
            state: None,
            step: None,
            after: None,
            cleanup_error: None,
        }
    }
}

/// Something that happened to one participant.
#[derive(Debug, Clone)]
pub enum RunEvent {
    /// The participant's task started.
    Started {
        /// Participant name.
        participant: String,
    },
    /// A step attempt ended.
    Transition(Transition),
    /// The participant ended.
    Finished {
        /// Participant name.
        participant: String,
        /// How it ended.
        phase: Phase,
        /// Why, when it did not pass.
        error: Option<ErrorRecord>,
        /// The TLS version its session negotiated, if it had TLS.
        tls_version: Option<String>,
    },
}

impl RunEvent {
    /// The participant the event is about.
    pub fn participant(&self) -> &str {
        match self {
            RunEvent::Started { participant } | RunEvent::Finished { participant, .. } => {
                participant
            }
            RunEvent::Transition(t) => &t.participant,
        }
    }
}

/// Receives every event of a run as the dispatcher handles it.
pub trait RunObserver: Send + Sync {
    /// Called in order, from the dispatcher's task.
    fn on_event(&self, event: &RunEvent);
}
