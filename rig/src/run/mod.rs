//! The run's vocabulary, below everything that uses it: a participant's
//! [`Phase`], a step's [`Transition`], the [`SharedState`] steps see of each
//! other, a participant's cancel as its steps wait on it, the
//! [`RunEvent`]s executors send and the [`ErrorRecord`] of a failure, and
//! how durations are serialized. It depends only on `error`, so the
//! coordinator, the contexts, the workflows and the reports can all use it
//! without using each other.

pub(crate) mod cancel;
pub(crate) mod events;
pub(crate) mod phase;
pub(crate) mod serialize;
pub(crate) mod shared;
pub(crate) mod transition;
