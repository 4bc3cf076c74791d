//! `StepFailed`: a step's error together with where it happened (workflow,
//! step, state) and the context, so the caller can clean up and report.

use crate::context::StateContext;
use crate::error::StateError;
use crate::step_fn::CleanupFn;
use std::fmt;

/// A failed step: the error, the state the workflow was in, and the context.
pub struct StepFailed(Box<Inner>);

struct Inner {
    workflow: &'static str,
    step: &'static str,
    state: &'static str,
    error: StateError,
    cx: StateContext,
    cleanup: Option<CleanupFn>,
    cleanup_error: Option<StateError>,
}

impl StepFailed {
    /// Step `step` of workflow `workflow` failed in state `state`: for a
    /// [`Workflow`](crate::Workflow) written by hand rather than generated.
    /// Its cleanup, if it has one, is the caller's to run.
    pub fn in_step(
        workflow: &'static str,
        step: &'static str,
        state: &'static str,
        error: StateError,
        cx: StateContext,
    ) -> Self {
        Self::from_parts(workflow, step, state, error, cx, None)
    }

    /// Failure described by its parts.
    pub(crate) fn from_parts(
        workflow: &'static str,
        step: &'static str,
        state: &'static str,
        error: StateError,
        cx: StateContext,
        cleanup: Option<CleanupFn>,
    ) -> Self {
        StepFailed(Box::new(Inner {
            workflow,
            step,
            state,
            error,
            cx,
            cleanup,
            cleanup_error: None,
        }))
    }

    /// The workflow's name.
    pub fn workflow(&self) -> &'static str {
        self.0.workflow
    }

    /// The step that failed.
    pub fn step(&self) -> &'static str {
        self.0.step
    }

    /// The state the workflow was in (and still is).
    pub fn state(&self) -> &'static str {
        self.0.state
    }

    /// The step's error.
    pub fn error(&self) -> &StateError {
        &self.0.error
    }

    /// The cleanup's own error, if the cleanup ran and failed.
    pub fn cleanup_error(&self) -> Option<&StateError> {
        self.0.cleanup_error.as_ref()
    }

    /// The context.
    pub fn context(&self) -> &StateContext {
        &self.0.cx
    }

    /// The context, mutably.
    pub fn context_mut(&mut self) -> &mut StateContext {
        &mut self.0.cx
    }

    /// The error and the context.
    pub fn into_parts(self) -> (StateError, StateContext) {
        let inner = *self.0;
        (inner.error, inner.cx)
    }

    /// The error alone.
    pub fn into_error(self) -> StateError {
        self.into_parts().0
    }

    /// Runs the workflow's `#[cleanup]` function, once; a second call does
    /// nothing. A session that lost its connection with the failed step's
    /// statement (a timeout, a cancel) is replaced by a new one first (see
    /// [`StateContext::reconnect`]), so that the cleanup can still undo what
    /// the workflow made; if that fails and the cleanup fails too, the
    /// reconnect's error is the one kept.
    pub async fn cleanup(mut self) -> Self {
        if let Some(cleanup) = self.0.cleanup.take() {
            let lost = matches!(self.0.cx.session(), Ok(s) if !s.is_open());
            let reopened = if lost {
                self.0.cx.reconnect().await.map(|_| ())
            } else {
                Ok(())
            };
            if let Err(e) = cleanup(&mut self.0.cx).await {
                self.0.cleanup_error = Some(reopened.err().unwrap_or(e));
            }
        }
        self
    }
}

impl fmt::Debug for StepFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StepFailed")
            .field("workflow", &self.0.workflow)
            .field("step", &self.0.step)
            .field("state", &self.0.state)
            .field("error", &self.0.error)
            .finish()
    }
}

impl fmt::Display for StepFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "step `{}` of workflow `{}` failed in state `{}`: {}",
            self.0.step, self.0.workflow, self.0.state, self.0.error
        )?;
        if let Some(e) = &self.0.cleanup_error {
            write!(f, " (cleanup failed too: {e})")?;
        }
        Ok(())
    }
}

impl std::error::Error for StepFailed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0.error)
    }
}
