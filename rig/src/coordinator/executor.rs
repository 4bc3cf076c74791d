//! Runs one participant on its own tokio task with its own context and
//! session, and reports only to the dispatcher: its transitions as they
//! happen, then how it ended (passed, failed with its error, panicked,
//! interrupted).
//!
//! Events wait in the participant's outbox (see `outbox`) until the
//! dispatcher collects them: a message and a wake-up of the dispatcher per
//! step cost a busy run a fifth of its throughput; a timer per participant
//! to batch them still cost several percent.

use crate::context::StateContext;
use crate::coordinator::outbox::Outbox;
use crate::coordinator::{Body, Participant, ParticipantError, Teardown};
use crate::error::ErrorClass;
use crate::run::events::{ErrorRecord, RunEvent};
use crate::run::phase::Phase;
use crate::run::shared::SharedState;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

fn record(error: &ParticipantError) -> ErrorRecord {
    match error {
        ParticipantError::Step(failed) => ErrorRecord {
            class: failed.error().class(),
            message: failed.error().to_string(),
            code: failed.error().server_code(),
            state: Some(failed.state().to_string()),
            step: Some(failed.step().to_string()).filter(|s| !s.is_empty()),
            after: None,
            cleanup_error: failed.cleanup_error().map(|e| e.to_string()),
        },
        ParticipantError::Error(e) => ErrorRecord {
            class: e.class(),
            message: e.to_string(),
            code: e.server_code(),
            state: None,
            step: None,
            after: None,
            cleanup_error: None,
        },
    }
}

fn is_cancel(error: &ParticipantError) -> bool {
    let error = match error {
        ParticipantError::Step(f) => f.error(),
        ParticipantError::Error(e) => e,
    };
    error.class() == ErrorClass::Cancelled
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic payload".into())
}

/// Runs a scenario's teardown on its own task (so that a panic in it is
/// caught) for at most `grace`; what went wrong, if anything, as text.
async fn run_teardown(teardown: Teardown, cx: StateContext, grace: Duration) -> Result<(), String> {
    let mut task = tokio::spawn(teardown(cx).in_current_span());
    match tokio::time::timeout(grace, &mut task).await {
        Ok(Ok(Ok(()))) => Ok(()),
        Ok(Ok(Err(e))) => Err(e.to_string()),
        Ok(Err(join)) => Err(match join.try_into_panic() {
            Ok(payload) => format!("the teardown panicked: {}", panic_message(payload.as_ref())),
            Err(other) => format!("the teardown ended abnormally: {other}"),
        }),
        Err(_) => {
            task.abort();
            Err(format!(
                "the teardown did not finish within {grace:?}; abandoned"
            ))
        }
    }
}

/// Where a participant's events go: its outbox, and the dispatcher's
/// wake-up (which carries the participant's index) for the events that
/// should not wait.
pub(crate) struct Mailbox {
    pub(crate) index: usize,
    pub(crate) outbox: Arc<Outbox>,
    pub(crate) wake: UnboundedSender<usize>,
}

impl Mailbox {
    fn send_now(&self, event: RunEvent) {
        self.outbox.push(event);
        // The dispatcher outlives every executor; a closed channel means
        // the run is being torn down and nobody is left to read.
        let _ = self.wake.send(self.index);
    }
}

/// Spawns `body` inside `span`, or as it is when nothing listens to the
/// span: an instrumented future enters and leaves its span at every poll,
/// disabled or not, and a participant's body is polled at every step.
fn spawn_in<F>(span: &tracing::Span, body: F) -> tokio::task::JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    if span.is_disabled() {
        tokio::spawn(body)
    } else {
        tokio::spawn(body.instrument(span.clone()))
    }
}

/// Runs `participant` to its end and reports to its `mailbox`.
pub(crate) async fn execute(
    participant: Participant,
    shared: SharedState,
    mailbox: Mailbox,
    cancel: CancellationToken,
    grace: Duration,
) {
    let name = participant.name.clone();
    let config = participant.config.clone();
    let span = tracing::info_span!("participant", name = %name);
    mailbox.send_now(RunEvent::Started {
        participant: name.clone(),
    });
    let mut cx = StateContext::new(name.clone(), participant.config);
    cx.set_observer(mailbox.outbox.clone());
    cx.set_shared(shared.clone());
    // A token of its own, and its steps wait on a flag this executor sets
    // when the token fires: waiting on the token at every step costs its
    // lock twice a step.
    let cancel = cancel.child_token();
    let steps_cancel = cx.set_fed_cancellation(cancel.clone());
    // Filled from the context when the workflow ends, whichever way.
    let tls = Arc::new(std::sync::OnceLock::<String>::new());
    let tls_seen = tls.clone();
    let mut teardown = None;
    // Each spawned as it is, not boxed first: a box is one more pointer to
    // follow at every poll of every step.
    let mut task = match participant.body {
        Body::Workflow(workflow) => spawn_in(&span, async move {
            let ran = workflow.run(cx).await;
            let cx = match &ran {
                Ok(cx) => cx,
                Err(failed) => failed.context(),
            };
            if let Some(version) = cx.tls_version() {
                let _ = tls_seen.set(version.to_string());
            }
            let mut cx = ran.map_err(ParticipantError::Step)?;
            if let Some(session) = cx.take_session() {
                // The verdict is in; a failed polite close changes nothing.
                let _ = session.close().await;
            }
            Ok(())
        }),
        Body::Scenario(scenario, undo) => {
            teardown = undo;
            spawn_in(&span, scenario(cx))
        }
    };
    let joined = tokio::select! {
        joined = &mut task => Some(joined),
        _ = async {
            cancel.cancelled().await;
            steps_cancel.fire();
            tokio::time::sleep(grace).await
        } => None,
    };
    let (phase, error) = match joined {
        Some(Ok(Ok(()))) => (Phase::Passed, None),
        Some(Ok(Err(e))) if is_cancel(&e) || cancel.is_cancelled() => {
            (Phase::Interrupted, Some(record(&e)))
        }
        Some(Ok(Err(e))) => (Phase::Failed, Some(record(&e))),
        Some(Err(join)) => {
            let message = match join.try_into_panic() {
                Ok(payload) => format!("panicked: {}", panic_message(payload.as_ref())),
                Err(other) => format!("task ended abnormally: {other}"),
            };
            (
                Phase::Failed,
                Some(ErrorRecord::bare(ErrorClass::Failed, message)),
            )
        }
        None => {
            task.abort();
            let message = format!("did not stop within {grace:?} of the cancel; abandoned");
            (
                Phase::Interrupted,
                Some(ErrorRecord::bare(ErrorClass::Cancelled, message)),
            )
        }
    };
    let error = match teardown {
        Some(teardown) if phase != Phase::Passed => {
            let mut cx = StateContext::new(name.clone(), config);
            cx.set_shared(shared);
            let failed = run_teardown(teardown, cx, grace)
                .instrument(span.clone())
                .await
                .err();
            error.map(|mut e| {
                e.cleanup_error = failed;
                e
            })
        }
        _ => error,
    };
    span.in_scope(|| tracing::info!(?phase, "participant finished"));
    mailbox.send_now(RunEvent::Finished {
        participant: name,
        phase,
        error,
        tls_version: tls.get().cloned(),
    });
}
