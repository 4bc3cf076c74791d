//! How one step runs: `drive_step`, the one place where a step runs with
//! its timeout, retries and reporting, whether called through a typed
//! handle (the code `#[workflow]` generates) or by the erased runner. A
//! private module: the generated code reaches it through `__private` only.

use crate::context::StateContext;
use crate::definition::{BoxFuture, WorkflowDef};
use crate::error::StateError;
use crate::failure::StepFailed;
use crate::run::cancel::Cancel;
use crate::run::transition::Transition;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::Instant;

/// What runs one attempt of a step: a step function or any callable of
/// that shape (a Python step carries its function object along), or a
/// `#[workflow]`'s table of steps at one index, whose future is not boxed.
pub trait StepRunner<T: 'static> {
    /// Starts one attempt on `cx`.
    fn attempt<'a>(
        &'a self,
        cx: &'a mut StateContext,
    ) -> impl Future<Output = Result<T, StateError>> + Send + 'a;
}

impl<T: 'static, F> StepRunner<T> for F
where
    F: for<'a> Fn(&'a mut StateContext) -> BoxFuture<'a, Result<T, StateError>>,
{
    fn attempt<'a>(
        &'a self,
        cx: &'a mut StateContext,
    ) -> impl Future<Output = Result<T, StateError>> + Send + 'a {
        self(cx)
    }
}

/// Runs step `index` of `def` once or more (per its retry policy), each
/// attempt bounded by its timeout, and reports every attempt to the
/// context's observer. `decide` names the target a successful attempt took.
pub async fn drive_step<T, R>(
    def: &WorkflowDef,
    index: usize,
    cx: &mut StateContext,
    run: R,
    decide: fn(&T) -> usize,
) -> Result<T, StateError>
where
    T: 'static,
    R: StepRunner<T>,
{
    let meta = &def.meta.steps[index];
    let span = tracing::info_span!(
        "step",
        workflow = def.meta.name,
        step = meta.name,
        from = meta.from
    );
    let cancel = cx.cancellation_handle();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let started = Instant::now();
        // A cancel drops the step's future: a statement in flight takes its
        // session down with it (see `Session`), which is what a cancel means.
        // No step starts once cancelled; after that the step is polled
        // first, and the cancel looked at only while the step waits. The
        // span is entered around each poll (next to nothing when disabled).
        let result = if cancel.as_ref().is_some_and(|c| c.stops_steps()) {
            Err(StateError::Cancelled)
        } else {
            // Pinned where it is made: a step's future is as large as its
            // largest state, and moving it in costs a copy of all of it.
            let mut step = pin!(async {
                match meta.timeout {
                    Some(limit) => tokio::time::timeout(limit, run.attempt(cx))
                        .await
                        .unwrap_or(Err(StateError::StepTimeout {
                            step: meta.name,
                            after: limit,
                        })),
                    None => run.attempt(cx).await,
                }
            });
            let mut waiting = cancel.as_deref().map(Cancel::wait);
            poll_fn(|task| {
                let _in_span = span.enter();
                if let Poll::Ready(result) = step.as_mut().poll(task) {
                    return Poll::Ready(result);
                }
                let cancelled = waiting.as_mut().map(|w| w.poll_cancelled(task));
                match cancelled {
                    Some(Poll::Ready(())) => Poll::Ready(Err(StateError::Cancelled)),
                    _ => Poll::Pending,
                }
            })
            .await
        };
        let duration = started.elapsed();
        let will_retry = match &result {
            Err(StateError::Cancelled) | Ok(_) => false,
            Err(e) => attempt <= meta.retry.retries && (meta.retry.retry_if)(e),
        };
        // Parented rather than entered: entering a span, even a disabled
        // one, costs more at every step than an event that is off.
        match &result {
            Ok(_) => tracing::debug!(parent: &span, attempt, ?duration, "step passed"),
            Err(e) => {
                tracing::info!(parent: &span, attempt, ?duration, will_retry, error = %e, "step failed")
            }
        }
        if let Some(observer) = cx.observer() {
            observer.on_transition_owned(Transition {
                participant: cx.participant_name(),
                workflow: def.meta.name,
                step: meta.name,
                from: meta.from,
                to: result
                    .as_ref()
                    .ok()
                    .and_then(|v| meta.to.get(decide(v)).copied()),
                attempt,
                started,
                duration,
                error: result.as_ref().err().map(|e| e.to_string()),
                error_code: result.as_ref().err().and_then(StateError::server_code),
                will_retry,
            });
        }
        match result {
            Err(_) if will_retry => tokio::time::sleep(meta.retry.backoff).await,
            other => return other,
        }
    }
}

/// Step `index` of `def` failed with `error`: the failure a typed handle's
/// step returns, carrying the workflow's cleanup.
pub fn step_failed(
    def: &WorkflowDef,
    index: usize,
    error: StateError,
    cx: StateContext,
) -> StepFailed {
    let step = &def.meta.steps[index];
    StepFailed::from_parts(def.meta.name, step.name, step.from, error, cx, def.cleanup)
}
