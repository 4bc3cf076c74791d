//! The function types a workflow is made of: a step borrowing the context
//! and returning a boxed future, and a cleanup of the same shape. Below
//! both the workflow's definition and a failed step, which name them.

use crate::context::StateContext;
use crate::error::StateError;
use std::future::Future;
use std::pin::Pin;

/// A boxed `Send` future, as steps and workflows return them.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A step function: borrows the context for the duration of the step.
pub type StepFn<T> = for<'a> fn(&'a mut StateContext) -> BoxFuture<'a, Result<T, StateError>>;

/// A workflow's cleanup function, run when the workflow fails.
pub type CleanupFn = StepFn<()>;
