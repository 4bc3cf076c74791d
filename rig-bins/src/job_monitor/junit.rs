//! `job_monitor --junit`: one test case per job followed (and one for the
//! `--submit` statement): a job that failed, was cancelled, is rolling
//! back or paused is a failure, as it is for the exit code; one still
//! going when the watch ended is skipped, or an error when Ctrl-C ended it.

use crate::job_monitor::MonitorReport;
use std::time::Duration;
use test_rig::jobs::{JobKind, JobSummary};
use test_rig::junit;

/// The JUnit document of `report`; `cancelled` when the watch was
/// interrupted.
pub fn to_junit(report: &MonitorReport, cancelled: bool) -> String {
    let elapsed = Duration::try_from_secs_f64(report.elapsed_ms / 1000.0).unwrap_or_default();
    let mut suite = junit::suite_ended_now("job_monitor", elapsed);
    for summary in &report.jobs {
        let job = &summary.job;
        let kind = match job.kind {
            JobKind::Import => "import",
            JobKind::Ddl => "ddl",
            JobKind::Statement => "statement",
        };
        let seen = (summary.last_seen_ms - summary.first_seen_ms).max(0.0) / 1000.0;
        let mut case = junit::case(
            &junit::classname(&["job_monitor", kind]),
            &format!("{}: {}", job.id, job.target),
            Duration::try_from_secs_f64(seen).ok(),
            status(summary, cancelled),
        );
        case.set_system_out(junit::text(&history(summary)));
        suite.add_test_case(case);
    }
    if let Some(s) = &report.submitted {
        let status = match &s.error {
            None if s.ok => junit::passed(),
            error => junit::failure(
                &format!(
                    "the submitted statement failed: {}",
                    error.as_deref().unwrap_or("no reason given")
                ),
                &s.sql,
            ),
        };
        suite.add_test_case(junit::case(
            &junit::classname(&["job_monitor", "submit"]),
            &s.sql,
            None,
            status,
        ));
    }
    junit::document(suite)
}

fn status(summary: &JobSummary, cancelled: bool) -> junit::TestCaseStatus {
    let job = &summary.job;
    let end = summary.end_state();
    if job.status.is_bad() {
        let message = match &job.message {
            Some(m) => format!("{end}: {m}"),
            None => end.to_string(),
        };
        return junit::failure(&message, "");
    }
    if summary.ended() {
        return junit::passed();
    }
    if cancelled {
        junit::error(&format!("interrupted while the job was {end}"), "")
    } else {
        junit::skipped(&format!("still {end} when the watch ended"))
    }
}

/// The statuses it went through and its last progress.
fn history(summary: &JobSummary) -> String {
    let statuses: Vec<&str> = summary.statuses.iter().map(|s| s.as_str()).collect();
    let mut out = format!(
        "end state: {}\nstatuses seen: {}\nseen from {:.0} ms to {:.0} ms of the watch\n",
        summary.end_state(),
        statuses.join(" -> "),
        summary.first_seen_ms,
        summary.last_seen_ms
    );
    let most = summary.progress.iter().map(|(_, p)| *p).reduce(f64::max);
    if let Some(percent) = most {
        out.push_str(&format!("progress up to {percent:.1}%\n"));
    }
    if let Some(message) = &summary.job.message {
        out.push_str(&format!("message: {message}\n"));
    }
    out
}
