//! Following jobs as a run of the coordinator: a monitor participant that
//! polls the job source and records every change in the shared state, and,
//! to submit a statement, a submitter that runs it from a connection of its
//! own. The choreography between them lives here: the submitter tells the
//! monitor its connection id (on a server without a job list, the
//! statement is the job), the monitor lists what already runs before the
//! submitter may start (so that nothing older is taken for the submitted
//! job), an interrupted statement is stopped on the server, and a
//! statement that vanished from the list ends as its submitter saw it end.

use super::{watch, JobEvent, JobStatus, JobSummary, Source, SourceKind, Watch};
use crate::config::{ConfigError, ConnectionConfig};
use crate::context::StateContext;
use crate::coordinator::{Coordinator, ErrorRecord, ParticipantError};
use crate::error::{ErrorClass, StateError};
use crate::failure::StepFailed;
use crate::flavor::{Flavor, ServerInfo};
use crate::report::RunReport;
use crate::workflow::Workflow;
use serde::Serialize;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How long the monitor and the submitter wait for each other.
const HANDSHAKE: Duration = Duration::from_secs(30);

/// How long an interrupted participant may take to finish: the submitter's
/// stop of its statement on the server.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// What to follow.
#[derive(Debug, Clone)]
pub struct Follow {
    /// The source to read; `None`: the server's natural one.
    pub source: Option<SourceKind>,
    /// Which jobs, how often and for how long.
    pub watch: Watch,
    /// Statements younger than this many milliseconds are not listed
    /// (processlist; 0 when submitting, so the statement is seen at once).
    pub min_ms: f64,
    /// A statement to run from a second connection, whose job is followed
    /// until it ends.
    pub submit: Option<String>,
    /// Added to the message when the server lacks the source asked for:
    /// how the caller picks another (a tool names its flag).
    pub unavailable_hint: Option<String>,
}

/// What the submitter did.
#[derive(Debug, Clone, Serialize)]
pub struct Submitted {
    /// The statement.
    pub sql: String,
    /// Its connection id (on TiDB the session's `CONNECTION_ID()`, up to 64 bits).
    pub connection_id: Option<u64>,
    /// Whether it succeeded.
    pub ok: bool,
    /// Its error, if it failed (or how an interrupt stopped it).
    pub error: Option<String>,
}

/// What the monitor found: the server, the source read, every job seen.
#[derive(Debug, Clone)]
pub struct Found {
    /// The server.
    pub server: ServerInfo,
    /// The source read.
    pub source: SourceKind,
    /// Every job seen, in the order first seen.
    pub jobs: Vec<JobSummary>,
}

/// A follow's outcome.
#[derive(Debug)]
pub struct Followed {
    /// The run: both participants, and every change in its events.
    pub run: RunReport,
    /// What the monitor found; `None` when it did not get that far
    /// ([`failure`](Self::failure) says why).
    pub found: Option<Found>,
    /// What the submitter did, when there was one and it got that far.
    pub submitted: Option<Submitted>,
}

impl Followed {
    /// Why the monitor has nothing to show: its own error, else the first
    /// participant's.
    pub fn failure(&self) -> Option<&ErrorRecord> {
        self.run
            .participant("monitor")
            .and_then(|p| p.error.as_ref())
            .or_else(|| self.run.participants.iter().find_map(|p| p.error.as_ref()))
    }

    /// [`failure`](Self::failure)'s class (cancelled when the run was),
    /// message and server code, for a follow that found nothing.
    pub fn failure_parts(&self) -> (ErrorClass, String, Option<u16>) {
        let (class, message, code) = match self.failure() {
            Some(e) => (e.class, e.message.clone(), e.code),
            None => (ErrorClass::Failed, "the monitor did not run".into(), None),
        };
        let class = if self.run.cancelled {
            ErrorClass::Cancelled
        } else {
            class
        };
        (class, message, code)
    }
}

impl crate::verdict::Judged for Followed {
    /// Interrupted when cancelled; failed when the monitor found nothing
    /// (with its error's class), a job failed, was cancelled, is rolling
    /// back or paused, or the submitted statement failed; else passed.
    fn verdict(&self) -> crate::verdict::RunVerdict {
        use crate::verdict::RunVerdict;
        if self.run.cancelled {
            return RunVerdict::Interrupted;
        }
        let Some(found) = &self.found else {
            return RunVerdict::Failed(self.failure_parts().0);
        };
        let bad = found.jobs.iter().any(|j| j.job.status.is_bad())
            || self.submitted.as_ref().is_some_and(|s| !s.ok);
        if bad {
            RunVerdict::Failed(ErrorClass::Failed)
        } else {
            RunVerdict::Passed
        }
    }
}

/// Follows jobs on the server at `config` until `follow.watch` says stop or
/// `cancel` is cancelled; `on_event` sees each change as it happens (a
/// progress display). Errs only on a configuration the coordinator refuses.
pub async fn follow(
    config: &ConnectionConfig,
    follow: Follow,
    cancel: &CancellationToken,
    on_event: impl FnMut(&JobEvent) + Send + 'static,
) -> Result<Followed, StateError> {
    let mut coordinator = Coordinator::new();
    // An interrupted submitter stops its statement on the server from a new
    // connection: on a loaded server that takes more than an instant, and
    // cut short it would leave the statement running and say nothing.
    coordinator.grace_period(STOP_GRACE).cancelled_by(cancel);
    let run_cancel = coordinator.cancel_token();
    let submitting = follow.submit.is_some();
    let submit_sql = follow.submit.clone();
    let mut watch = follow.watch;
    watch.until_done |= submitting;
    let submitted_done = submitting.then(CancellationToken::new);
    watch.finish = submitted_done.clone();
    let monitor = Monitor {
        source: follow.source,
        watch,
        min_ms: if submitting { 0.0 } else { follow.min_ms },
        submitting,
        unavailable_hint: follow.unavailable_hint,
    };
    let monitored = coordinator.add_scenario_with_result(
        "monitor",
        "job-monitor",
        config.clone(),
        move |cx| async move { Ok(monitor.run(cx, &run_cancel, on_event).await?) },
    )?;
    let submitter = match follow.submit {
        Some(sql) => Some(coordinator.add_scenario_with_result(
            "submitter",
            "job-submitter",
            config.clone(),
            move |cx| submit(cx, sql, submitted_done),
        )?),
        None => None,
    };
    let run = coordinator.run().await;
    let submitted = submitter.and_then(|s| s.take()).or_else(|| {
        // A submitter that did not finish within the grace period: say so
        // rather than nothing.
        submit_sql.filter(|_| run.cancelled).map(|sql| Submitted {
            sql,
            connection_id: None,
            ok: false,
            error: Some(format!(
                "interrupted, and the statement's stop on the server did not finish within {STOP_GRACE:?}: it may still be running"
            )),
        })
    });
    let found = monitored.take().map(|mut found| {
        if let Some(s) = &submitted {
            settle_submitted_statement(&mut found.jobs, s, !run.cancelled);
        }
        found
    });
    Ok(Followed {
        run,
        found,
        submitted,
    })
}

/// Runs the common states on `cx` and opens the job source `kind` (else the
/// server's natural one). A source the server lacks is a configuration
/// error, with `unavailable_hint` (how the caller picks another) added.
pub async fn open_source(
    cx: StateContext,
    kind: Option<SourceKind>,
    unavailable_hint: Option<&str>,
) -> Result<(StateContext, ServerInfo, Source), StateError> {
    let cx = crate::common_states::WORKFLOW
        .run(cx)
        .await
        .map_err(StepFailed::into_error)?;
    let server = cx
        .server()
        .cloned()
        .ok_or_else(|| StateError::step("the server was not identified"))?;
    let kind = kind.unwrap_or_else(|| SourceKind::for_server(&server));
    let source = Source::new(kind, &server).map_err(|e| {
        let message = match unavailable_hint {
            Some(hint) => format!("{e}: {hint}"),
            None => e.to_string(),
        };
        StateError::Config(ConfigError::Invalid(message))
    })?;
    Ok((cx, server, source))
}

/// The monitor participant's part.
struct Monitor {
    source: Option<SourceKind>,
    watch: Watch,
    min_ms: f64,
    submitting: bool,
    unavailable_hint: Option<String>,
}

impl Monitor {
    async fn run(
        mut self,
        cx: StateContext,
        cancel: &CancellationToken,
        mut on_event: impl FnMut(&JobEvent),
    ) -> Result<Found, StateError> {
        let (mut cx, server, mut source) =
            open_source(cx, self.source, self.unavailable_hint.as_deref()).await?;
        let kind = source.kind();
        source.min_ms = self.min_ms;
        if self.submitting {
            self.await_submitter(&mut cx, &source, kind).await?;
        }
        let shared = cx.shared()?.clone();
        let me = cx.participant().to_string();
        let jobs = watch(cx.session()?, &source, &self.watch, cancel, |event| {
            on_event(event);
            shared.publish(&me, "job", serde_json::to_value(event).unwrap_or_default());
        })
        .await?;
        Ok(Found {
            server,
            source: kind,
            jobs,
        })
    }

    /// Learns the submitter's connection (on a processlist, its statement
    /// is the job to follow), lists what already runs, and only then lets
    /// the submitter go: nothing listed here can be its job.
    async fn await_submitter(
        &mut self,
        cx: &mut StateContext,
        source: &Source,
        kind: SourceKind,
    ) -> Result<(), StateError> {
        let message = cx
            .recv_from("submitter", "connection-id", HANDSHAKE)
            .await?;
        if kind == SourceKind::Processlist {
            self.watch.job = message.body.as_u64().map(|id| format!("conn-{id}"));
        }
        let before = source.list(cx.session()?).await?;
        // Unless the caller named the job to follow.
        if self.watch.job.is_none() {
            self.watch.ignore = before.into_iter().map(|j| j.id).collect();
        }
        cx.barrier("monitor-ready", HANDSHAKE).await
    }
}

/// The submitter participant's part: runs `sql` once the monitor is ready,
/// and publishes how it ended.
async fn submit(
    cx: StateContext,
    sql: String,
    done: Option<CancellationToken>,
) -> Result<Submitted, ParticipantError> {
    let not_sent = |sql: String, connection_id| Submitted {
        sql,
        connection_id,
        ok: false,
        error: Some("interrupted before the statement was sent".into()),
    };
    let mut cx = match crate::common_states::WORKFLOW.run(cx).await {
        Ok(cx) => cx,
        Err(failed) if failed.error().class() == ErrorClass::Cancelled => {
            return Ok(not_sent(sql, None))
        }
        Err(failed) => return Err(failed.into()),
    };
    let connection_id = cx.session()?.connection_id();
    cx.send("monitor", "connection-id", connection_id)?;
    match cx.barrier("monitor-ready", HANDSHAKE).await {
        Err(_) if cx.is_cancelled() => return Ok(not_sent(sql, connection_id)),
        other => other?,
    }
    // An interrupt stops the statement on the server too, at once:
    // dropping the query would leave it running there.
    let cancel = cx.cancellation().cloned().unwrap_or_default();
    let result = tokio::select! {
        r = cx.session()?.query::<mysql_async::Row>(&sql) => Some(r),
        _ = cancel.cancelled() => None,
    };
    let record = match result {
        Some(result) => Submitted {
            sql,
            connection_id,
            ok: result.is_ok(),
            error: result.err().map(|e| e.to_string()),
        },
        None => Submitted {
            error: Some(
                stop_on_server(
                    cx.config().clone(),
                    cx.server().map(|s| s.flavor),
                    connection_id,
                )
                .await,
            ),
            sql,
            connection_id,
            ok: false,
        },
    };
    cx.publish("submitted", &record)?;
    if let Some(done) = done {
        done.cancel();
    }
    Ok(record)
}

/// Stops the submitted statement on the server after an interrupt, from a
/// fresh connection (the submitter's is mid-statement), and says how that
/// went, for the report.
async fn stop_on_server(
    config: ConnectionConfig,
    flavor: Option<Flavor>,
    connection_id: Option<u64>,
) -> String {
    let Some(id) = connection_id else {
        return "interrupted before the statement was sent".into();
    };
    match crate::session::stop_statement(&config, flavor, id).await {
        Ok(kill) => format!("interrupted: the statement was stopped on the server ({kill})"),
        Err(e) => format!(
            "interrupted, and stopping it on the server (connection {id}) failed: {e}; the statement may still be running"
        ),
    }
}

/// The submitted statement, as a job of the processlist (`conn-N`), ended
/// as its submitter saw it end: the list cannot say whether it finished or
/// failed. That holds whether or not the monitor saw it leave the list: a
/// look taken just after the client had its answer may still show it
/// running. Unless the statement `answered`, though (an interrupt, and
/// perhaps a failed stop), only one seen to vanish is known to have ended.
fn settle_submitted_statement(jobs: &mut [JobSummary], submitted: &Submitted, answered: bool) {
    let id = submitted.connection_id.map(|c| format!("conn-{c}"));
    for j in jobs.iter_mut().filter(|j| {
        Some(&j.job.id) == id.as_ref() && !j.job.status.is_final() && (j.vanished || answered)
    }) {
        j.job.status = if submitted.ok {
            JobStatus::Finished
        } else {
            JobStatus::Failed
        };
        j.job.message = submitted.error.clone();
        j.statuses.push(j.job.status.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::JobKind;

    fn listed(id: &str, status: JobStatus, vanished: bool) -> JobSummary {
        JobSummary {
            job: crate::jobs::Job::new(id.into(), JobKind::Statement, "test.t".into(), status),
            statuses: Vec::new(),
            progress: Vec::new(),
            first_seen_ms: 0.0,
            last_seen_ms: 0.0,
            vanished,
        }
    }

    fn failed_on(connection: u64) -> Submitted {
        Submitted {
            sql: "ALTER TABLE t ADD UNIQUE KEY (k)".into(),
            connection_id: Some(connection),
            ok: false,
            error: Some("server error 1062".into()),
        }
    }

    /// The submitted statement's job takes its submitter's outcome, seen
    /// to vanish or not (a last look a moment after the client had its
    /// answer may still list it); other jobs keep what the list said.
    #[test]
    fn the_submitted_statement_ends_as_its_submitter_saw_it_end() {
        for vanished in [true, false] {
            let mut jobs = vec![
                listed("conn-7", JobStatus::Running, vanished),
                listed("conn-8", JobStatus::Running, vanished),
            ];
            settle_submitted_statement(&mut jobs, &failed_on(7), true);
            assert_eq!(jobs[0].job.status, JobStatus::Failed);
            assert_eq!(jobs[0].end_state(), "failed");
            assert_eq!(jobs[0].job.message.as_deref(), Some("server error 1062"));
            assert_eq!(jobs[0].statuses, [JobStatus::Failed]);
            assert_eq!(jobs[1].job.status, JobStatus::Running);
        }
        let mut done = vec![listed("conn-7", JobStatus::Running, false)];
        let ok = Submitted {
            ok: true,
            error: None,
            ..failed_on(7)
        };
        settle_submitted_statement(&mut done, &ok, true);
        assert_eq!(done[0].end_state(), "finished");
    }

    /// After an interrupt the statement may still run (its stop may have
    /// failed): only if it was seen to leave the list is it known to have
    /// ended. A status the list gave as final is kept.
    #[test]
    fn after_an_interrupt_only_a_statement_seen_to_vanish_is_settled() {
        let mut jobs = vec![
            listed("conn-7", JobStatus::Running, false),
            listed("conn-8", JobStatus::Running, true),
            listed("conn-9", JobStatus::Cancelled, false),
        ];
        settle_submitted_statement(&mut jobs, &failed_on(7), false);
        settle_submitted_statement(&mut jobs, &failed_on(8), false);
        settle_submitted_statement(&mut jobs, &failed_on(9), true);
        assert_eq!(jobs[0].job.status, JobStatus::Running);
        assert_eq!(jobs[1].job.status, JobStatus::Failed);
        assert_eq!(jobs[2].job.status, JobStatus::Cancelled);
    }
}
