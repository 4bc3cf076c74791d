//! Runs one participant on its own tokio task with its own context and
//! session, and reports only to the dispatcher: its transitions as they
//! happen, then how it ended (passed, failed with its error, panicked,
//! interrupted).

use crate::context::StateContext;
use crate::coordinator::events::{ErrorRecord, RunEvent};
use crate::coordinator::shared::{Phase, SharedState};
use crate::coordinator::{Body, Participant, ParticipantError};
use crate::error::ErrorClass;
use crate::workflow::{Transition, TransitionObserver};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Forwards a participant's step attempts to the dispatcher.
struct Forward(UnboundedSender<RunEvent>);

impl TransitionObserver for Forward {
    fn on_transition(&self, transition: &Transition) {
        // The dispatcher outlives every executor; a closed channel means the
        // run is being torn down and the event has no reader left.
        let _ = self.0.send(RunEvent::Transition(transition.clone()));
    }
}

fn record(error: &ParticipantError) -> ErrorRecord {
    match error {
        ParticipantError::Step(failed) => ErrorRecord {
            class: failed.error().class(),
            message: failed.error().to_string(),
            code: failed.error().server_code(),
            state: Some(failed.state().to_string()),
            step: Some(failed.step().to_string()).filter(|s| !s.is_empty()),
            cleanup_error: failed.cleanup_error().map(|e| e.to_string()),
        },
        ParticipantError::Error(e) => ErrorRecord {
            class: e.class(),
            message: e.to_string(),
            code: e.server_code(),
            state: None,
            step: None,
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

/// Runs `participant` to its end and reports to `events`.
pub(crate) async fn execute(
    participant: Participant,
    shared: SharedState,
    events: UnboundedSender<RunEvent>,
    cancel: CancellationToken,
    grace: Duration,
) {
    let name = participant.name.clone();
    let span = tracing::info_span!("participant", name = %name);
    let _ = events.send(RunEvent::Started {
        participant: name.clone(),
    });
    let mut cx = StateContext::new(name.clone(), participant.config);
    cx.set_observer(Arc::new(Forward(events.clone())));
    cx.set_shared(shared);
    cx.set_cancellation(cancel.clone());
    let body = match participant.body {
        Body::Workflow(workflow) => Box::pin(async move {
            let mut cx = workflow.run(cx).await.map_err(ParticipantError::Step)?;
            if let Some(session) = cx.take_session() {
                // The verdict is in; a failed polite close changes nothing.
                let _ = session.close().await;
            }
            Ok(())
        })
            as crate::workflow::BoxFuture<'static, Result<(), ParticipantError>>,
        Body::Scenario(scenario) => scenario(cx),
    };
    let mut task = tokio::spawn(body.instrument(span.clone()));
    let joined = tokio::select! {
        joined = &mut task => Some(joined),
        _ = async { cancel.cancelled().await; tokio::time::sleep(grace).await } => None,
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
    span.in_scope(|| tracing::info!(?phase, "participant finished"));
    let _ = events.send(RunEvent::Finished {
        participant: name,
        phase,
        error,
    });
}
