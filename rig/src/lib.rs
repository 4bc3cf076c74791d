//! test-rig: database test workflows for TiDB, MySQL and MariaDB, written as
//! annotated async functions and checked at compile time.
//!
//! A workflow is a module of states (unit structs) and steps (`async fn`s
//! marked `#[step(From -> To)]`). [`workflow`](macro@workflow) turns it into a typestate
//! handle `Conn<S>`: each step is a method that exists only in its source
//! state and consumes the handle, so calling a step in the wrong state does
//! not compile. The same module also yields an erased `WORKFLOW` that the
//! runtime can drive from its initial state to a terminal one.
//!
//! ```no_run
//! use test_rig::prelude::*;
//!
//! #[test_rig::workflow]
//! pub mod orders {
//!     use test_rig::prelude::*;
//!
//!     /// Starts where the common states end: connected, checked, identified.
//!     #[initial]
//!     pub use test_rig::common_states::Completed as Ready;
//!     pub struct TableCreated;
//!     #[terminal]
//!     pub struct Done;
//!
//!     /// Creates the table the test works on.
//!     #[step(Ready -> TableCreated, timeout = "10s")]
//!     async fn create_table(cx: &mut StateContext) -> Result<(), StateError> {
//!         cx.session()?.execute("CREATE TABLE IF NOT EXISTS orders (id INT PRIMARY KEY)").await?;
//!         Ok(())
//!     }
//!
//!     /// Drops it again; retried on deadlock or lock wait timeout.
//!     #[step(TableCreated -> Done, retry = 3, backoff = "50ms")]
//!     async fn drop_table(cx: &mut StateContext) -> Result<(), StateError> {
//!         cx.session()?.execute("DROP TABLE orders").await?;
//!         Ok(())
//!     }
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = ConnectionConfig::from_url("mysql://root@127.0.0.1:3306/test")?;
//! // By hand, with typed handles: each call consumes the handle it is made on.
//! let ready = test_rig::common_states::Conn::start(StateContext::new("t1", config.clone()))
//!     .parse_config().await?
//!     .connect().await?;
//! let ready = match ready.test_connection().await? {
//!     test_rig::common_states::TestConnectionOutcome::VerifyingDatabase(c) => c.verify_database().await?,
//!     test_rig::common_states::TestConnectionOutcome::GettingVersion(c) => c,
//! }
//! .get_version().await?;
//! let done = orders::Conn::start(ready).create_table().await?.drop_table().await?;
//! println!("ended in {}", done.state_name());
//!
//! // Or erased, as the coordinator runs it: the common states, then ours.
//! let flow = (&test_rig::common_states::WORKFLOW).then(&orders::WORKFLOW);
//! flow.run(StateContext::new("t2", config)).await?;
//! # Ok(())
//! # }
//! ```
//!
//! With the cargo feature `python`, the `python` module loads a workflow's
//! states and steps from a Python file instead (`python::PythonPlugin`).
//!
//! Beyond fixed scripts, [`workload`] runs seeded random transactions from
//! many sessions and records what each saw as a [`history`], and
//! [`checker`] finds the isolation anomalies in it by inferring the
//! dependency graph from the observations (Elle's method).

#![warn(missing_docs, unreachable_pub)]

extern crate self as test_rig;

pub mod checker;
pub mod common_states;
pub mod config;
pub mod context;
pub mod context_mut;
pub mod coordinator;
mod definition;
mod drive;
pub mod error;
pub mod failure;
pub mod flavor;
pub mod history;
pub mod input_file;
pub mod isolation;
pub mod jobs;
pub mod junit;
pub mod load;
pub mod preflight;
#[cfg(feature = "python")]
pub mod python;
pub mod report;
mod run;
pub mod session;
mod step_fn;
pub mod text_table;
mod tls;
mod transaction;
pub mod verdict;
pub mod workflow;
pub mod workload;

pub use config::{ConfigError, ConnectionConfig, Password, SslMode, TlsConfig};
pub use context::StateContext;
pub use context_mut::ContextMut;
pub use coordinator::{Coordinator, ParticipantError, Phase, SharedState};
pub use error::{ErrorClass, StateError};
pub use failure::StepFailed;
pub use flavor::{Flavor, ServerInfo, TidbBuild, Version};
pub use report::RunReport;
pub use session::Session;
pub use test_rig_macros::{cleanup, initial, state, step, terminal, workflow};
pub use verdict::{Judged, RunVerdict};
pub use workflow::{Transition, TransitionObserver, Workflow, WorkflowDef, WorkflowMeta};

/// What a workflow module needs: `use test_rig::prelude::*;`.
pub mod prelude {
    pub use crate::{
        ConnectionConfig, Coordinator, Flavor, ParticipantError, ServerInfo, Session, StateContext,
        StateError, StepFailed, Workflow,
    };
}

/// Paths the generated code uses; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::context::StateContext;
    pub use crate::context_mut::ContextMut;
    pub use crate::definition::{
        erased_step, workflow_def, BoxFuture, ErasedStep, RetryPolicy, StateMeta, StateRole,
        StepMeta, WorkflowDef, WorkflowMeta, WorkflowState,
    };
    pub use crate::drive::{drive_step, step_failed, StepRunner};
    pub use crate::error::StateError;
    pub use crate::failure::StepFailed;
    pub use crate::workflow::{no_such_step, run_table, StepTable};
    pub use std::time::Duration;
}
