//! The runtime side of `#[workflow]`: the erased form the coordinator runs
//! (`WorkflowDef`, declared in `definition`, behind the `Workflow` trait),
//! walked state by state; each step runs through `drive_step` (in `drive`,
//! which typed handles call too), and workflows compose (`then`, `repeat`).

use crate::context::StateContext;
pub use crate::definition::{
    BoxFuture, CleanupFn, ErasedStep, RetryPolicy, RunFn, StateMeta, StateRole, StepFn, StepMeta,
    WorkflowDef, WorkflowMeta, WorkflowState,
};
use crate::drive::{drive_step, step_failed, StepRunner};
use crate::error::StateError;
use crate::failure::StepFailed;
pub use crate::run::transition::{Transition, TransitionObserver};
use std::future::Future;

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
        (self.run)(self, cx)
    }
}

/// A workflow's steps by index, each returning which of its targets it
/// took: what `#[workflow]` generates, so that the erased runner awaits a
/// step's own future in place instead of a boxed one per step (one
/// allocation and copy fewer on every step of a busy run).
#[doc(hidden)]
pub trait StepTable: Sync {
    /// Starts step `index` on `cx`.
    fn run_step<'a>(
        &'a self,
        index: usize,
        cx: &'a mut StateContext,
    ) -> impl Future<Output = Result<usize, StateError>> + Send + 'a;
}

/// Step `index` of a table, as the run loop drives it.
struct TableStep<'t, S> {
    table: &'t S,
    index: usize,
}

impl<S: StepTable> StepRunner<usize> for TableStep<'_, S> {
    fn attempt<'a>(
        &'a self,
        cx: &'a mut StateContext,
    ) -> impl Future<Output = Result<usize, StateError>> + Send + 'a {
        self.table.run_step(self.index, cx)
    }
}

/// The erased run of a `#[workflow]` (its [`RunFn`]): the run loop over
/// its table of steps. Not part of the API.
#[doc(hidden)]
pub fn run_table<'a, S: StepTable>(
    def: &'a WorkflowDef,
    cx: StateContext,
    table: &'a S,
) -> BoxFuture<'a, Result<StateContext, StepFailed>> {
    Box::pin(def.run_steps(cx, move |index| TableStep { table, index }))
}

/// What a table answers for an index it has no step at: never asked by
/// the run loop, which takes indices from the same definition.
#[doc(hidden)]
pub fn no_such_step(def: &WorkflowDef, index: usize) -> StateError {
    StateError::step(format!(
        "workflow `{}` has no step number {index}",
        def.meta.name
    ))
}

impl WorkflowDef {
    /// The erased run loop: from the initial state, the step out of each
    /// state until a terminal one; on failure, the cleanup. `step_fn(i)` is
    /// what runs step `i`: the workflow's table at `i` for a compiled
    /// workflow, a call into Python for a plugin.
    pub(crate) async fn run_steps<R>(
        &self,
        mut cx: StateContext,
        step_fn: impl Fn(usize) -> R,
    ) -> Result<StateContext, StepFailed>
    where
        R: StepRunner<usize>,
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
                Err(error) => return Err(step_failed(self, index, error, cx).cleanup().await),
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
