//! The runtime side of `#[workflow]`: the erased form the coordinator runs
//! (`WorkflowDef`, declared in `definition`, behind the `Workflow` trait),
//! walked state by state; each step runs through `drive_step` (in `drive`,
//! which typed handles call too), and workflows compose (`then`, `repeat`).

use crate::context::StateContext;
pub use crate::definition::{
    BoxFuture, CleanupFn, ErasedStep, RetryPolicy, StateMeta, StateRole, StepFn, StepMeta,
    WorkflowDef, WorkflowMeta, WorkflowState,
};
use crate::drive::drive_step;
use crate::error::StateError;
use crate::failure::StepFailed;
pub use crate::run::transition::{Transition, TransitionObserver};

/// A workflow the coordinator can run without knowing its states' types.
pub trait Workflow: Send + Sync {
    /// The workflow's name, for reports.
    fn name(&self) -> String;

    /// Drives the workflow from its initial state to a terminal one. On
    /// failure the cleanup has already run; the error keeps the context.
    fn run<'a>(&'a self, cx: StateContext) -> BoxFuture<'a, Result<StateContext, StepFailed>>;

    /// Runs `next` after this one, on the same context: e.g. the common
    /// states first, then a workflow that starts where they end.
    fn then<W: Workflow>(self, next: W) -> Then<Self, W>
    where
        Self: Sized,
    {
        Then { first: self, next }
    }

    /// Runs this workflow `times` times in a row on the same context.
    fn repeat(self, times: u32) -> Repeat<Self>
    where
        Self: Sized,
    {
        Repeat { inner: self, times }
    }
}

impl Workflow for WorkflowDef {
    fn name(&self) -> String {
        self.meta.name.to_string()
    }

    fn run<'a>(&'a self, cx: StateContext) -> BoxFuture<'a, Result<StateContext, StepFailed>> {
        Box::pin(self.run_steps(cx, |index| self.steps[index].run))
    }
}

impl WorkflowDef {
    /// The erased run loop: from the initial state, the step out of each
    /// state until a terminal one; on failure, the cleanup. `step_fn(i)` is
    /// what runs step `i`: its `run` for a compiled workflow, a call into
    /// Python for a plugin.
    pub(crate) async fn run_steps<R>(
        &self,
        mut cx: StateContext,
        step_fn: impl Fn(usize) -> R,
    ) -> Result<StateContext, StepFailed>
    where
        R: for<'a> Fn(&'a mut StateContext) -> BoxFuture<'a, Result<usize, StateError>>,
    {
        let mut state = self.meta.initial;
        let mut last_step = None;
        loop {
            let reached = &self.meta.states[state];
            if reached.role == StateRole::Terminal {
                let Some(index) = last_step.filter(|_: &usize| reached.failure) else {
                    return Ok(cx);
                };
                let step = &self.meta.steps[index];
                let error = StateError::FailureState {
                    workflow: self.meta.name,
                    step: step.name,
                    state: reached.name,
                };
                let failed = StepFailed::from_parts(
                    self.meta.name,
                    step.name,
                    reached.name,
                    error,
                    cx,
                    self.cleanup,
                );
                return Err(failed.cleanup().await);
            }
            let Some((index, step)) = self.steps.iter().enumerate().find(|(_, s)| s.from == state)
            else {
                let error = StateError::step(format!(
                    "workflow `{}` has no step out of state `{}`",
                    self.meta.name, self.meta.states[state].name
                ));
                let failed = StepFailed::from_parts(
                    self.meta.name,
                    "",
                    self.meta.states[state].name,
                    error,
                    cx,
                    self.cleanup,
                );
                return Err(failed.cleanup().await);
            };
            match drive_step(self, index, &mut cx, step_fn(index), |i| *i).await {
                Ok(taken) => {
                    state = step.to[taken];
                    last_step = Some(index);
                }
                Err(error) => {
                    return Err(StepFailed::of_step(self, index, error, cx).cleanup().await)
                }
            }
        }
    }
}

impl<W: Workflow + ?Sized> Workflow for &W {
    fn name(&self) -> String {
        (**self).name()
    }

    fn run<'a>(&'a self, cx: StateContext) -> BoxFuture<'a, Result<StateContext, StepFailed>> {
        (**self).run(cx)
    }
}

/// One workflow shared by many participants (e.g. a loaded plugin).
impl<W: Workflow + ?Sized> Workflow for std::sync::Arc<W> {
    fn name(&self) -> String {
        (**self).name()
    }

    fn run<'a>(&'a self, cx: StateContext) -> BoxFuture<'a, Result<StateContext, StepFailed>> {
        (**self).run(cx)
    }
}

/// Two workflows run one after the other; see [`Workflow::then`].
#[derive(Debug)]
pub struct Then<A, B> {
    first: A,
    next: B,
}

impl<A: Workflow, B: Workflow> Workflow for Then<A, B> {
    fn name(&self) -> String {
        format!("{} + {}", self.first.name(), self.next.name())
    }

    fn run<'a>(&'a self, cx: StateContext) -> BoxFuture<'a, Result<StateContext, StepFailed>> {
        Box::pin(async move {
            let cx = self.first.run(cx).await?;
            self.next.run(cx).await
        })
    }
}

/// A workflow run several times in a row; see [`Workflow::repeat`].
#[derive(Debug)]
pub struct Repeat<W> {
    inner: W,
    times: u32,
}

impl<W: Workflow> Workflow for Repeat<W> {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn run<'a>(&'a self, mut cx: StateContext) -> BoxFuture<'a, Result<StateContext, StepFailed>> {
        Box::pin(async move {
            for _ in 0..self.times {
                cx = self.inner.run(cx).await?;
            }
            Ok(cx)
        })
    }
}
