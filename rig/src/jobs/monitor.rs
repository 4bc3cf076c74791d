//! The monitor loop: polls a source, compares each snapshot with the last,
//! reports every appearance, change and disappearance, and keeps a summary
//! per job (status history, progress samples).

use crate::error::StateError;
use crate::jobs::model::{Job, JobStatus};
use crate::jobs::Source;
use crate::session::Session;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// What to watch and for how long.
#[derive(Debug, Clone)]
pub struct Watch {
    /// Only this job (and its sub-jobs).
    pub job: Option<String>,
    /// Time between polls.
    pub interval: Duration,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Stop once every watched job has ended (and at least one was seen).
    pub until_done: bool,
    /// Jobs to leave out: e.g. those that were already there before a
    /// submitted statement started (taken before it starts, so that the
    /// statement's own job can never be among them).
    pub ignore: HashSet<String>,
    /// Once this is cancelled (e.g. the submitted statement returned), poll
    /// one last time and stop.
    pub finish: Option<CancellationToken>,
}

/// A change the monitor saw.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum JobEvent {
    /// A job showed up.
    Appeared {
        /// As first seen.
        job: Job,
    },
    /// A job's status, phase or progress changed.
    Changed {
        /// As now seen.
        job: Job,
        /// Its status before.
        from: JobStatus,
    },
    /// A job no longer shows (a statement that ended).
    Vanished {
        /// As last seen.
        job: Job,
    },
}

impl JobEvent {
    /// The job the event is about.
    pub fn job(&self) -> &Job {
        match self {
            JobEvent::Appeared { job }
            | JobEvent::Changed { job, .. }
            | JobEvent::Vanished { job } => job,
        }
    }
}

/// Everything seen of one job.
#[derive(Debug, Clone, Serialize)]
pub struct JobSummary {
    /// As last seen (status final if it ended).
    pub job: Job,
    /// Every status it was seen in, in order.
    pub statuses: Vec<JobStatus>,
    /// (milliseconds since the watch began, percent) at each poll that reported progress.
    pub progress: Vec<(f64, f64)>,
    /// When it was first and last seen, in milliseconds since the watch began.
    pub first_seen_ms: f64,
    /// See `first_seen_ms`.
    pub last_seen_ms: f64,
    /// Whether it disappeared from the source (a statement that ended).
    pub vanished: bool,
}

impl JobSummary {
    /// Whether waiting for it is over: it ended (final status, or
    /// vanished), or it is paused until an operator resumes it.
    pub fn ended(&self) -> bool {
        self.vanished || self.job.status.is_at_rest()
    }

    /// How it ended, as far as the source tells: its final status
    /// (`finished`, `failed`, `cancelled`), `vanished` (no longer listed
    /// without a final status: a statement gone from the processlist, which
    /// does not say whether it finished or failed), or the status it was in
    /// when the watch stopped (`running`, `paused`, ...).
    pub fn end_state(&self) -> &str {
        if self.vanished && !self.job.status.is_final() {
            "vanished"
        } else {
            self.job.status.as_str()
        }
    }
}

fn wanted(job: &Job, only: Option<&str>) -> bool {
    match only {
        None => true,
        Some(id) => job.id == id || job.parent.as_deref() == Some(id),
    }
}

/// Polls `source` until the watch says stop, calling `on_event` for each change.
pub async fn watch(
    session: &mut Session,
    source: &Source,
    watch: &Watch,
    cancel: &CancellationToken,
    mut on_event: impl FnMut(&JobEvent),
) -> Result<Vec<JobSummary>, StateError> {
    let started = Instant::now();
    let mut summaries: BTreeMap<String, JobSummary> = BTreeMap::new();
    // Statements seen before they were old enough to count as jobs, and
    // when: one that grows old enough is followed from that first sight.
    let mut young_since: BTreeMap<String, f64> = BTreeMap::new();
    let mut awaited: Option<Vec<String>> = None;
    let finish = watch.finish.clone().unwrap_or_default();
    loop {
        let last_round = finish.is_cancelled();
        let now_ms = started.elapsed().as_secs_f64() * 1000.0;
        let (jobs, young) = source.poll(session).await?;
        let jobs: Vec<Job> = jobs
            .into_iter()
            .filter(|j| wanted(j, watch.job.as_deref()))
            .collect();
        let young: Vec<String> = young
            .into_iter()
            .filter(|id| !watch.ignore.contains(id))
            .filter(|id| watch.job.as_deref().is_none_or(|only| only == id))
            .collect();
        young_since.retain(|id, _| young.contains(id) || jobs.iter().any(|j| &j.id == id));
        for id in &young {
            young_since.entry(id.clone()).or_insert(now_ms);
        }
        // Those already running at the first look decide whether anything
        // was running; later short statements (a busy server has many)
        // must not keep the watch from ending.
        let awaited = awaited.get_or_insert_with(|| young.clone());
        awaited.retain(|id| young.contains(id));
        let before = &watch.ignore;
        let seen: HashSet<String> = jobs.iter().map(|j| j.id.clone()).collect();
        for job in jobs.into_iter().filter(|j| !before.contains(&j.id)) {
            match summaries.get_mut(&job.id) {
                None => {
                    on_event(&JobEvent::Appeared { job: job.clone() });
                    let first_seen_ms = young_since.remove(&job.id).unwrap_or(now_ms);
                    summaries.insert(
                        job.id.clone(),
                        JobSummary {
                            statuses: vec![job.status.clone()],
                            progress: job.percent.map(|p| vec![(now_ms, p)]).unwrap_or_default(),
                            first_seen_ms,
                            last_seen_ms: now_ms,
                            vanished: false,
                            job,
                        },
                    );
                }
                Some(summary) => {
                    if summary.job != job {
                        let from = summary.job.status.clone();
                        if from != job.status {
                            summary.statuses.push(job.status.clone());
                        }
                        if let Some(p) = job.percent {
                            summary.progress.push((now_ms, p));
                        }
                        on_event(&JobEvent::Changed {
                            job: job.clone(),
                            from,
                        });
                        summary.job = job;
                    }
                    summary.last_seen_ms = now_ms;
                }
            }
        }
        for summary in summaries.values_mut() {
            if !summary.vanished
                && !seen.contains(&summary.job.id)
                && !summary.job.status.is_final()
            {
                summary.vanished = true;
                on_event(&JobEvent::Vanished {
                    job: summary.job.clone(),
                });
            }
        }
        // Every job seen has ended, and so has every statement that was
        // running at the first look while still too young to count.
        let all_done = !summaries.is_empty()
            && summaries.values().all(JobSummary::ended)
            && awaited.is_empty();
        // Nothing to wait for: nothing ran when we looked (not even a
        // statement too young yet to count), and no statement of ours is
        // on its way.
        let nothing = watch.until_done
            && summaries.is_empty()
            && awaited.is_empty()
            && watch.finish.is_none();
        if nothing {
            return Ok(Vec::new());
        }
        let timed_out = watch.duration.is_some_and(|d| started.elapsed() >= d);
        if (watch.until_done && all_done) || timed_out || cancel.is_cancelled() || last_round {
            return Ok(summaries.into_values().collect());
        }
        // Never past the end of --duration: a last look is taken then.
        let pause = match watch.duration {
            Some(d) => watch.interval.min(d.saturating_sub(started.elapsed())),
            None => watch.interval,
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = cancel.cancelled() => {}
            _ = finish.cancelled() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::model::JobKind;

    fn job(id: &str, parent: Option<&str>, status: JobStatus) -> Job {
        let mut j = Job::new(id.into(), JobKind::Ddl, "test.t".into(), status);
        j.parent = parent.map(str::to_string);
        j
    }

    /// A job gone from the source without a final status ended in a way
    /// the source does not tell; one with a final status ended in it.
    #[test]
    fn the_end_state_is_the_final_status_or_vanished() {
        assert_eq!(summary(JobStatus::Running, true).end_state(), "vanished");
        assert_eq!(summary(JobStatus::Running, false).end_state(), "running");
        assert_eq!(summary(JobStatus::Finished, true).end_state(), "finished");
        assert_eq!(
            summary(JobStatus::Cancelled, false).end_state(),
            "cancelled"
        );
        assert_eq!(summary(JobStatus::Paused, false).end_state(), "paused");
    }

    fn summary(status: JobStatus, vanished: bool) -> JobSummary {
        JobSummary {
            job: job("1", None, status),
            statuses: Vec::new(),
            progress: Vec::new(),
            first_seen_ms: 0.0,
            last_seen_ms: 0.0,
            vanished,
        }
    }

    /// `--until-done` stops waiting for a job that vanished, ended, or is
    /// paused; a running one is waited for, even rolling back.
    #[test]
    fn waiting_ends_when_the_job_cannot_change_by_itself() {
        assert!(summary(JobStatus::Running, true).ended());
        assert!(summary(JobStatus::Finished, false).ended());
        assert!(summary(JobStatus::Paused, false).ended());
        assert!(!summary(JobStatus::Running, false).ended());
        assert!(!summary(JobStatus::RollingBack, false).ended());
    }

    /// `--job ID` follows that job and its sub-jobs (a multi-schema change's
    /// `ID.1`, `ID.2`), and nothing else.
    #[test]
    fn a_watched_job_includes_its_sub_jobs_only() {
        let parent = job("60", None, JobStatus::Running);
        let sub = job("60.1", Some("60"), JobStatus::Running);
        let other = job("61", None, JobStatus::Running);
        let others_sub = job("61.1", Some("61"), JobStatus::Running);
        assert!(wanted(&parent, Some("60")) && wanted(&sub, Some("60")));
        assert!(!wanted(&other, Some("60")) && !wanted(&others_sub, Some("60")));
        assert!([&parent, &sub, &other].iter().all(|j| wanted(j, None)));
    }
}
