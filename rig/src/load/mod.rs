//! Load mode: many connections run the user's statements over and over,
//! for a time or a number of passes, optionally at a set rate, and the run
//! reports throughput, errors by class and latency percentiles from HDR
//! histograms, every report interval and in total.
//!
//! Each connection is a coordinator participant: it connects and checks
//! its server with the common workflow, waits at a barrier until every
//! connection is ready (so that connecting is not measured), then loops
//! with nothing between statements but a clock read and its own
//! recorder's lock. A pass that fails is rolled back (a session whose
//! ROLLBACK is refused is dropped and replaced, never reused: its next
//! statement could commit half a transaction) and counted by class; the
//! connection goes on.

mod statement;
mod stats;

pub use statement::{split_statements, LoadStatement, Placeholder, StatementError};
pub use stats::{error_class, ErrorCount, IntervalStats, Latency};

use crate::common_states;
use crate::config::ConnectionConfig;
use crate::context::StateContext;
use crate::coordinator::Coordinator;
use crate::error::StateError;
use crate::report::RunReport;
use crate::session::Session;
use crate::workflow::Workflow;
use serde::Serialize;
use stats::{Recorder, SharedRecorder, Totals};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// When each connection stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadStop {
    /// After this long (measured from the moment every connection is ready).
    After(Duration),
    /// After this many passes over the statements, each connection.
    Iterations(u64),
}

/// What a load run does.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The statements of one pass (a "transaction" in the figures), in order.
    pub statements: Vec<LoadStatement>,
    /// When to stop.
    pub stop: LoadStop,
    /// Passes per second over all connections together, if limited.
    pub rate: Option<f64>,
    /// How often to report an interval's figures, if at all.
    pub report_interval: Option<Duration>,
    /// Step attempts kept per participant in the run report (`None`: all).
    pub keep_transitions: Option<usize>,
}

/// What a load run measured.
#[derive(Debug, Serialize)]
pub struct LoadReport {
    /// How many connections ran the load.
    pub connections: usize,
    /// The statements of one pass, as given.
    pub statements: Vec<String>,
    /// The rate asked for (passes per second, all connections), if any.
    pub rate: Option<f64>,
    /// From the moment every connection was ready to the end of the last pass.
    #[serde(
        rename = "measured_ms",
        serialize_with = "crate::run::serialize::serialize_millis"
    )]
    pub measured: Duration,
    /// Passes that succeeded.
    pub transactions: u64,
    /// Statements that succeeded.
    pub queries: u64,
    /// Passes that failed.
    pub errors: u64,
    /// Successful passes per second over `measured`.
    pub tps: f64,
    /// Successful statements per second over `measured`.
    pub qps: f64,
    /// Latency of the successful passes over the whole run.
    pub latency: Option<Latency>,
    /// The errors by class, the most frequent first.
    pub error_classes: Vec<ErrorCount>,
    /// Every report interval (the last one may be shorter).
    pub intervals: Vec<IntervalStats>,
    /// Whether the run was interrupted before the end.
    pub cancelled: bool,
    /// The connections as participants: how each connected and ended.
    pub run: RunReport,
}

impl LoadReport {
    /// Whether every connection ran to the end and no pass failed.
    pub fn passed(&self) -> bool {
        self.run.passed() && self.errors == 0 && !self.cancelled
    }
}

impl crate::verdict::Judged for LoadReport {
    /// The run's verdict (interrupted, a connection that failed), else
    /// failed when a pass failed, else passed.
    fn verdict(&self) -> crate::verdict::RunVerdict {
        use crate::verdict::RunVerdict;
        if self.cancelled {
            return RunVerdict::Interrupted;
        }
        match self.run.verdict() {
            RunVerdict::Passed if self.errors > 0 => RunVerdict::Failed(crate::ErrorClass::Failed),
            other => other,
        }
    }
}

/// The moment every connection was ready, shared by the connections and
/// the reporter. (When the last pass ended each connection's recorder
/// says: one clock written by every pass would be a cache line all the
/// connections fight over.)
struct Clock {
    start: OnceLock<Instant>,
    started: tokio::sync::Notify,
}

impl Clock {
    fn start(&self) -> Instant {
        let start = *self.start.get_or_init(Instant::now);
        self.started.notify_waiters();
        start
    }
}

/// How long connections wait for one another to be ready.
const READY_WITHIN: Duration = Duration::from_secs(300);

/// Runs the load on `connections` (participant name and where it
/// connects), calling `on_interval` with each report interval's figures as
/// it ends. `cancel` stops it: passes in flight are abandoned (their
/// statements stopped on the server), the report says `cancelled`.
pub async fn run_load(
    connections: Vec<(String, ConnectionConfig)>,
    options: LoadOptions,
    cancel: CancellationToken,
    on_interval: impl Fn(&IntervalStats) + Send + Sync + 'static,
) -> Result<LoadReport, StateError> {
    let count = connections.len();
    let statements = Arc::new(options.statements.clone());
    let clock = Arc::new(Clock {
        start: OnceLock::new(),
        started: tokio::sync::Notify::new(),
    });
    let mut coordinator = Coordinator::new();
    coordinator
        .keep_transitions(options.keep_transitions)
        .cancelled_by(&cancel);
    let mut recorders: Vec<SharedRecorder> = Vec::with_capacity(count);
    for (number, (name, config)) in connections.into_iter().enumerate() {
        let recorder: SharedRecorder = Arc::new(Mutex::new(Recorder::new()?));
        recorders.push(recorder.clone());
        let pace = options.rate.map(|rate| Pace {
            every: Duration::from_secs_f64(count as f64 / rate),
            offset: Duration::from_secs_f64(number as f64 / rate),
        });
        let job = Connection {
            number: number as i64 + 1,
            statements: statements.clone(),
            stop: options.stop,
            pace,
            recorder,
            clock: clock.clone(),
        };
        coordinator.add_named_scenario(&name, "load", config, move |cx| job.run(cx))?;
    }
    let totals = Arc::new(Mutex::new(Totals::new()?));
    let on_interval: Arc<dyn Fn(&IntervalStats) + Send + Sync> = Arc::new(on_interval);
    let reporter = options.report_interval.map(|every| {
        tokio::spawn(report_intervals(
            every,
            clock.clone(),
            recorders.clone(),
            totals.clone(),
            on_interval.clone(),
        ))
    });
    let run = coordinator.run().await;
    if let Some(reporter) = reporter {
        reporter.abort();
    }
    let last_end = recorders
        .iter()
        .filter_map(|r| r.lock().unwrap_or_else(|p| p.into_inner()).last_end())
        .max();
    let measured = match (clock.start.get(), last_end) {
        (Some(start), Some(end)) => end.saturating_duration_since(*start),
        _ => Duration::ZERO,
    };
    let mut totals = totals.lock().unwrap_or_else(|p| p.into_inner());
    // The rest since the last interval (all of it without intervals).
    let from = totals.intervals.last().map_or(0.0, |i| i.to_s);
    let to = measured.as_secs_f64().max(from);
    let last = totals.take_interval(&recorders, from, to);
    if options.report_interval.is_none() {
        totals.intervals.clear();
    } else if last.transactions == 0 && last.errors == 0 {
        totals.intervals.pop();
    } else {
        on_interval(&last);
    }
    let seconds = measured.as_secs_f64();
    let per_second = |n: u64| {
        if seconds > 0.0 {
            n as f64 / seconds
        } else {
            0.0
        }
    };
    Ok(LoadReport {
        cancelled: run.cancelled || cancel.is_cancelled(),
        run,
        connections: count,
        statements: options.statements.iter().map(|s| s.text.clone()).collect(),
        rate: options.rate,
        measured,
        transactions: totals.transactions(),
        queries: totals.queries,
        errors: totals.errors,
        tps: per_second(totals.transactions()),
        qps: per_second(totals.queries),
        latency: totals.latency(),
        error_classes: totals.error_classes(),
        intervals: std::mem::take(&mut totals.intervals),
    })
}

/// Every `every` from the start, takes in the recorders as one interval.
async fn report_intervals(
    every: Duration,
    clock: Arc<Clock>,
    recorders: Vec<SharedRecorder>,
    totals: Arc<Mutex<Totals>>,
    on_interval: Arc<dyn Fn(&IntervalStats) + Send + Sync>,
) {
    let started = clock.started.notified();
    let start = match clock.start.get() {
        Some(start) => *start,
        None => {
            started.await;
            match clock.start.get() {
                Some(start) => *start,
                None => return,
            }
        }
    };
    let mut n = 1u32;
    loop {
        tokio::time::sleep_until((start + every * n).into()).await;
        let stats = {
            let mut totals = totals.lock().unwrap_or_else(|p| p.into_inner());
            let from = (every * (n - 1)).as_secs_f64();
            totals.take_interval(&recorders, from, (every * n).as_secs_f64())
        };
        on_interval(&stats);
        n += 1;
    }
}

/// When a connection's passes are due, for a limited rate: one every
/// `every`, the first `offset` after the start (spreading the connections).
#[derive(Debug, Clone, Copy)]
struct Pace {
    every: Duration,
    offset: Duration,
}

/// One connection's share of the load.
struct Connection {
    number: i64,
    statements: Arc<Vec<LoadStatement>>,
    stop: LoadStop,
    pace: Option<Pace>,
    recorder: SharedRecorder,
    clock: Arc<Clock>,
}

impl Connection {
    async fn run(self, cx: StateContext) -> Result<(), crate::coordinator::ParticipantError> {
        let cx = common_states::WORKFLOW.run(cx).await?;
        cx.barrier("load-ready", READY_WITHIN).await?;
        let cancel = cx.cancellation().cloned().unwrap_or_default();
        // The loop runs as a task of its own that a cancel aborts: waiting
        // for the cancel beside every pass would cost each pass two locks
        // (about 5% of a `SELECT 1`). Aborting drops the pass in flight,
        // whose statement is then stopped on the server (see `abandoned`).
        let work = tokio::spawn(self.passes(cx).in_current_span());
        let abort = work.abort_handle();
        let watcher = tokio::spawn(async move {
            cancel.cancelled().await;
            abort.abort();
        });
        let ended = work.await;
        watcher.abort();
        match ended {
            Ok(result) => result.map_err(Into::into),
            Err(e) if e.is_cancelled() => Err(StateError::Cancelled.into()),
            Err(e) => match e.try_into_panic() {
                Ok(payload) => std::panic::resume_unwind(payload),
                Err(e) => {
                    Err(StateError::step(format!("the load loop ended abnormally: {e}")).into())
                }
            },
        }
    }

    /// Passes until the duration is over or the passes are done.
    async fn passes(self, mut cx: StateContext) -> Result<(), StateError> {
        let start = self.clock.start();
        let deadline = match self.stop {
            LoadStop::After(d) => Some(start + d),
            LoadStop::Iterations(_) => None,
        };
        let mut iteration: u64 = 0;
        loop {
            if let LoadStop::Iterations(k) = self.stop {
                if iteration >= k {
                    break;
                }
            }
            // With a rate, a pass's latency counts from when it was due, not
            // from when it could start: a server that falls behind is charged
            // for the wait it caused (no "coordinated omission").
            let mut due_at = None;
            if let Some(pace) = self.pace {
                let due = start
                    + pace.offset
                    + pace
                        .every
                        .saturating_mul(u32::try_from(iteration).unwrap_or(u32::MAX));
                if deadline.is_some_and(|d| due >= d) {
                    break;
                }
                tokio::time::sleep_until(due.into()).await;
                due_at = Some(due);
            }
            let began = Instant::now();
            if deadline.is_some_and(|d| began >= d) {
                break;
            }
            iteration += 1;
            let ran = self.pass(&mut cx, iteration).await;
            let now = Instant::now();
            match ran {
                Ok(()) => {
                    let took = now.saturating_duration_since(due_at.unwrap_or(began));
                    let statements = self.statements.len() as u64;
                    let mut recorder = self.recorder.lock().unwrap_or_else(|p| p.into_inner());
                    recorder.passed(took, statements, now);
                }
                Err((error, done)) => {
                    {
                        let mut recorder = self.recorder.lock().unwrap_or_else(|p| p.into_inner());
                        recorder.failed(&error, done, now);
                    }
                    recover(&mut cx).await?;
                }
            }
        }
        if let Some(session) = cx.take_session() {
            let _ = session.close().await;
        }
        Ok(())
    }

    /// One pass over the statements; on failure the error and how many
    /// statements had succeeded.
    async fn pass(&self, cx: &mut StateContext, iteration: u64) -> Result<(), (StateError, u64)> {
        let session = cx.session().map_err(|e| (e, 0))?;
        for (done, statement) in self.statements.iter().enumerate() {
            run_statement(session, statement, self.number, iteration as i64)
                .await
                .map_err(|e| (e, done as u64))?;
        }
        Ok(())
    }
}

async fn run_statement(
    session: &mut Session,
    statement: &LoadStatement,
    participant: i64,
    iteration: i64,
) -> Result<u64, StateError> {
    if statement.params.is_empty() {
        return session.execute(&statement.sql).await;
    }
    let params: Vec<mysql_async::Value> = statement
        .params
        .iter()
        .map(|p| match p {
            Placeholder::Participant => participant.into(),
            Placeholder::Iteration => iteration.into(),
        })
        .collect();
    session.execute_with(&statement.sql, params).await
}

/// After a failed pass: rolls back what it left open, so that the next
/// pass starts clean. A session that is gone, or whose ROLLBACK is
/// refused, is replaced by a new one; a connection that cannot get one
/// fails.
async fn recover(cx: &mut StateContext) -> Result<(), StateError> {
    let rolled_back = match cx.session() {
        Ok(session) => session.execute("ROLLBACK").await.is_ok(),
        Err(_) => false,
    };
    if !rolled_back {
        if let Some(mut broken) = cx.take_session() {
            broken.discard();
        }
        cx.reconnect().await?;
    }
    Ok(())
}
