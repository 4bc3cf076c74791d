//! The coordinator: runs many participants at once, each on its own tokio
//! task with its own session, sharing state, barriers and messages, and
//! folds what happens into a [`RunReport`].
//!
//! The dispatcher (`dispatcher.rs`) owns the run's state; executors
//! (`executor.rs`) run one participant each and only report to it, through
//! the participant's outbox (`outbox.rs`: the step log, recorded where the
//! steps run, and the run's events); the shared state (what steps see of
//! each other) and the rest of the run's vocabulary live below, in
//! `crate::run`.

mod dispatcher;
mod executor;
mod outbox;

pub use crate::run::events::{ErrorRecord, RunEvent, RunObserver};
pub use crate::run::phase::Phase;
pub use crate::run::shared::{LoggedEvent, Message, ParticipantStatus, SharedEvent, SharedState};

use crate::config::{ConfigError, ConnectionConfig};
use crate::context::StateContext;
use crate::error::StateError;
use crate::failure::StepFailed;
use crate::report::{ParticipantReport, RunReport};
use crate::workflow::{BoxFuture, Workflow};
use outbox::Outbox;
use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio_util::sync::CancellationToken;

/// How a scenario closure ends when it does not pass: a failed step (with
/// its state and context) or any other error; `?` converts both.
#[derive(Debug, thiserror::Error)]
pub enum ParticipantError {
    /// A step failed.
    #[error(transparent)]
    Step(#[from] StepFailed),
    /// Something outside a step failed (a barrier, a message, a check).
    #[error(transparent)]
    Error(#[from] StateError),
}

type Scenario =
    Box<dyn FnOnce(StateContext) -> BoxFuture<'static, Result<(), ParticipantError>> + Send>;

/// A scenario's teardown: given a fresh context (same participant, config
/// and shared state, no session yet), it undoes what the scenario left.
pub(crate) type Teardown =
    Box<dyn FnOnce(StateContext) -> BoxFuture<'static, Result<(), StateError>> + Send>;

pub(crate) enum Body {
    Workflow(Arc<dyn Workflow>),
    Scenario(Scenario, Option<Teardown>),
}

pub(crate) struct Participant {
    pub(crate) name: String,
    pub(crate) config: ConnectionConfig,
    pub(crate) body: Body,
}

/// What a scenario added with [`Coordinator::add_scenario_with_result`]
/// gave back: empty until the run is over, and for a scenario that did not
/// pass (its error is in the run's report).
#[derive(Debug)]
pub struct ScenarioResult<T> {
    slot: Arc<std::sync::Mutex<Option<T>>>,
}

impl<T> ScenarioResult<T> {
    /// The value, taken out (a second call gives `None`).
    pub fn take(&self) -> Option<T> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Runs participants concurrently and reports on all of them.
pub struct Coordinator {
    participants: Vec<(Participant, String)>,
    names: HashSet<String>,
    cancel: CancellationToken,
    grace: Duration,
    observers: Vec<Arc<dyn RunObserver>>,
    ctrl_c: bool,
    keep_transitions: Option<usize>,
}

/// How many of each participant's last step attempts a report keeps by
/// default: enough to see how a participant ended, while a long run's
/// report stays small (each step's totals are kept in full).
pub const DEFAULT_KEPT_TRANSITIONS: usize = 100;

impl Default for Coordinator {
    fn default() -> Self {
        Coordinator {
            participants: Vec::new(),
            names: HashSet::new(),
            cancel: CancellationToken::new(),
            grace: Duration::from_secs(10),
            observers: Vec::new(),
            ctrl_c: false,
            keep_transitions: Some(DEFAULT_KEPT_TRANSITIONS),
        }
    }
}

impl std::fmt::Debug for Coordinator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coordinator")
            .field("participants", &self.names)
            .finish()
    }
}

impl Coordinator {
    /// An empty coordinator.
    pub fn new() -> Self {
        Self::default()
    }

    fn add(
        &mut self,
        name: &str,
        config: ConnectionConfig,
        body: Body,
        label: String,
    ) -> Result<&mut Self, StateError> {
        if name.is_empty() {
            return Err(ConfigError::Invalid("a participant needs a non-empty name".into()).into());
        }
        if !self.names.insert(name.to_string()) {
            return Err(
                ConfigError::Invalid(format!("two participants are named `{name}`")).into(),
            );
        }
        self.participants.push((
            Participant {
                name: name.to_string(),
                config,
                body,
            },
            label,
        ));
        Ok(self)
    }

    /// Adds a participant that runs `workflow` (erased, e.g.
    /// `&common_states::WORKFLOW` or a chain of workflows) on its own session.
    pub fn add_workflow(
        &mut self,
        name: &str,
        config: ConnectionConfig,
        workflow: impl Workflow + 'static,
    ) -> Result<&mut Self, StateError> {
        let label = workflow.name();
        self.add(name, config, Body::Workflow(Arc::new(workflow)), label)
    }

    /// Adds a participant that runs `scenario`: an async closure that drives
    /// typed handles by hand from the context it is given. Reports name
    /// its workflow `scenario`; [`add_named_scenario`](Self::add_named_scenario)
    /// gives it a name of its own.
    pub fn add_scenario<F, Fut>(
        &mut self,
        name: &str,
        config: ConnectionConfig,
        scenario: F,
    ) -> Result<&mut Self, StateError>
    where
        F: FnOnce(StateContext) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), ParticipantError>> + Send + 'static,
    {
        self.add_named_scenario(name, "scenario", config, scenario)
    }

    /// [`add_scenario`](Self::add_scenario), with the name reports show in
    /// the workflow column (`transfer`, `checker`, ...).
    pub fn add_named_scenario<F, Fut>(
        &mut self,
        name: &str,
        scenario_name: &str,
        config: ConnectionConfig,
        scenario: F,
    ) -> Result<&mut Self, StateError>
    where
        F: FnOnce(StateContext) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), ParticipantError>> + Send + 'static,
    {
        let body = Body::Scenario(Box::new(move |cx| Box::pin(scenario(cx))), None);
        self.add(name, config, body, scenario_name.to_string())
    }

    /// [`add_named_scenario`](Self::add_named_scenario) for a scenario that
    /// gives a value back (what it found, what it measured): the handle
    /// returned holds it once the run is over, if the scenario passed.
    ///
    /// ```no_run
    /// # use test_rig::prelude::*;
    /// # async fn demo(config: ConnectionConfig) -> Result<(), StateError> {
    /// let mut coord = Coordinator::new();
    /// let version = coord.add_scenario_with_result("probe", "probe", config, |mut cx| async move {
    ///     let session = cx.reconnect().await?;
    ///     Ok(session.query_first::<String>("SELECT VERSION()").await?)
    /// })?;
    /// let report = coord.run().await;
    /// println!("{report:?}: {:?}", version.take());
    /// # Ok(()) }
    /// ```
    pub fn add_scenario_with_result<F, Fut, T>(
        &mut self,
        name: &str,
        scenario_name: &str,
        config: ConnectionConfig,
        scenario: F,
    ) -> Result<ScenarioResult<T>, StateError>
    where
        F: FnOnce(StateContext) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, ParticipantError>> + Send + 'static,
        T: Send + 'static,
    {
        let result = ScenarioResult {
            slot: Arc::new(std::sync::Mutex::new(None)),
        };
        let slot = result.slot.clone();
        self.add_named_scenario(name, scenario_name, config, move |cx| async move {
            let value = scenario(cx).await?;
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(value);
            Ok(())
        })?;
        Ok(result)
    }

    /// [`add_named_scenario`](Self::add_named_scenario), with a teardown
    /// that runs whenever the scenario does not pass: it fails, panics, or
    /// the run is cancelled (Ctrl-C, SIGTERM, [`cancel_token`](Self::cancel_token)),
    /// as a workflow's `#[cleanup]` does. The scenario's own session may be
    /// gone by then, so `teardown` gets a fresh context for the same
    /// participant: [`StateContext::reconnect`] opens a session. It is not
    /// cancelled by the run's cancel, but it has the grace period
    /// ([`grace_period`](Self::grace_period)) to finish; an error, panic or
    /// overrun of its own is reported as the participant's `cleanup_error`
    /// and never hides the scenario's error.
    ///
    /// ```no_run
    /// # use test_rig::prelude::*;
    /// # fn demo(coord: &mut Coordinator, config: ConnectionConfig) -> Result<(), StateError> {
    /// coord.add_scenario_with_teardown(
    ///     "teller-1",
    ///     "transfer",
    ///     config,
    ///     |mut cx| async move {
    ///         cx.reconnect().await?.execute("CREATE TABLE accounts_t1 (id INT)").await?;
    ///         // ... steps that may fail, panic or be interrupted ...
    ///         cx.session()?.execute("DROP TABLE accounts_t1").await?;
    ///         Ok(())
    ///     },
    ///     |mut cx| async move {
    ///         cx.reconnect().await?.execute("DROP TABLE IF EXISTS accounts_t1").await?;
    ///         Ok(())
    ///     },
    /// )?;
    /// # Ok(()) }
    /// ```
    pub fn add_scenario_with_teardown<F, Fut, T, TFut>(
        &mut self,
        name: &str,
        scenario_name: &str,
        config: ConnectionConfig,
        scenario: F,
        teardown: T,
    ) -> Result<&mut Self, StateError>
    where
        F: FnOnce(StateContext) -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), ParticipantError>> + Send + 'static,
        T: FnOnce(StateContext) -> TFut + Send + 'static,
        TFut: Future<Output = Result<(), StateError>> + Send + 'static,
    {
        let body = Body::Scenario(
            Box::new(move |cx| Box::pin(scenario(cx))),
            Some(Box::new(move |cx| Box::pin(teardown(cx)))),
        );
        self.add(name, config, body, scenario_name.to_string())
    }

    /// How many participants were added.
    pub fn len(&self) -> usize {
        self.participants.len()
    }

    /// Whether no participant was added.
    pub fn is_empty(&self) -> bool {
        self.participants.is_empty()
    }

    /// A token that cancels the run when cancelled: every participant's
    /// current step ends with [`StateError::Cancelled`], cleanups run.
    pub fn cancel_token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// Cancels the run when `token` is cancelled (a process-wide Ctrl-C
    /// token, a caller's own); [`cancel_token`](Self::cancel_token) still
    /// cancels this run alone.
    pub fn cancelled_by(&mut self, token: &CancellationToken) -> &mut Self {
        self.cancel = token.child_token();
        self
    }

    /// Cancels the run on Ctrl-C.
    pub fn cancel_on_ctrl_c(&mut self) -> &mut Self {
        self.ctrl_c = true;
        self
    }

    /// How long a cancelled participant may take for its cleanup before it
    /// is abandoned (default 10 s).
    pub fn grace_period(&mut self, grace: Duration) -> &mut Self {
        self.grace = grace;
        self
    }

    /// How many of each participant's last step attempts the report keeps
    /// ([`DEFAULT_KEPT_TRANSITIONS`] unless set); `None` keeps every one.
    /// Each step's totals ([`crate::report::StepStats`]) count them all.
    pub fn keep_transitions(&mut self, last: Option<usize>) -> &mut Self {
        self.keep_transitions = last;
        self
    }

    /// Sends every event of the run to `observer` (e.g. a progress display).
    pub fn observe(&mut self, observer: Arc<dyn RunObserver>) -> &mut Self {
        self.observers.push(observer);
        self
    }

    /// Runs every participant to its end and returns the report. Never
    /// fails: what went wrong is in the report.
    pub async fn run(self) -> RunReport {
        let wall_start = SystemTime::now();
        let started = Instant::now();
        let shared = SharedState::new(self.participants.iter().map(|(p, _)| p.name.clone()));
        let observed = !self.observers.is_empty();
        let outboxes: Vec<Arc<Outbox>> = self
            .participants
            .iter()
            .map(|(p, label)| {
                let report =
                    ParticipantReport::new(p.name.clone(), label.clone(), p.config.to_string());
                Arc::new(Outbox::new(
                    report,
                    observed,
                    started,
                    self.keep_transitions,
                ))
            })
            .collect();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let cancel = self.cancel.clone();
        let ctrl_c = self.ctrl_c.then(|| {
            let cancel = cancel.clone();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    tracing::warn!("interrupted: cancelling every participant");
                    cancel.cancel();
                }
            })
        });
        for (index, (participant, _)) in self.participants.into_iter().enumerate() {
            let mailbox = executor::Mailbox {
                index,
                outbox: outboxes[index].clone(),
                wake: tx.clone(),
            };
            tokio::spawn(executor::execute(
                participant,
                shared.clone(),
                mailbox,
                cancel.clone(),
                self.grace,
            ));
        }
        drop(tx);
        let records =
            dispatcher::Dispatcher::new(shared.clone(), self.observers, outboxes, started)
                .run(rx)
                .await;
        if let Some(listener) = ctrl_c {
            listener.abort();
        }
        // A cancelled or timed-out step's statement is being stopped in the
        // background: the run is not over while it may still be running.
        crate::session::settle_abandoned(Duration::from_secs(4)).await;
        RunReport::new(
            wall_start,
            started.elapsed(),
            cancel.is_cancelled(),
            records,
            shared.events(),
        )
    }
}
