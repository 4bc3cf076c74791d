//! `job_monitor --html`: each job followed as a lane of the timeline (a
//! bar from first to last sight, coloured by how it ended, with its
//! statuses and progress in the tooltip), and a table of the jobs.

use crate::html::{escape, legend, page};
use crate::job_monitor::MonitorReport;
use crate::run_page::{timeline, Bar, Lane};
use std::fmt::Write as _;
use std::time::Duration;

fn ms(ms: f64) -> Duration {
    Duration::try_from_secs_f64(ms.max(0.0) / 1000.0).unwrap_or_default()
}

/// The page for `report`.
pub fn render(report: &MonitorReport) -> String {
    let mut body = String::new();
    let server = report
        .server
        .as_ref()
        .map(|s| format!("{s} ({})", s.version_string))
        .unwrap_or_default();
    let _ = writeln!(
        body,
        "<p>{}, source {}; {} job{} followed in {:.1} s</p>",
        escape(&server),
        report.source,
        report.jobs.len(),
        if report.jobs.len() == 1 { "" } else { "s" },
        report.elapsed_ms / 1000.0
    );
    if let Some(s) = &report.submitted {
        let _ = writeln!(
            body,
            "<p>submitted <code>{}</code>: {}</p>",
            escape(&s.sql),
            escape(&match &s.error {
                None => "finished".to_string(),
                Some(e) => format!("failed: {e}"),
            })
        );
    }
    if report.nothing_running {
        body.push_str("<p>nothing running</p>\n");
    }
    let lanes: Vec<Lane> = report
        .jobs
        .iter()
        .map(|j| {
            let end = j.end_state();
            let colour = if j.job.status.is_bad() {
                "fail"
            } else if end == "finished" || end == "synced" {
                "ok"
            } else {
                "info"
            };
            let statuses: Vec<&str> = j.statuses.iter().map(|s| s.as_str()).collect();
            let progress = j.progress.iter().map(|(_, p)| *p).reduce(f64::max);
            Lane {
                name: j.job.id.clone(),
                outcome: if colour == "ok" {
                    "passed"
                } else if colour == "fail" {
                    "failed"
                } else {
                    "interrupted"
                }
                .into(),
                bars: vec![Bar {
                    start: ms(j.first_seen_ms),
                    duration: ms(j.last_seen_ms - j.first_seen_ms),
                    outcome: colour,
                    tip: format!(
                        "{}: {end}; statuses {}{}",
                        j.job.target,
                        statuses.join(" → "),
                        progress
                            .map(|p| format!("; progress up to {p:.1}%"))
                            .unwrap_or_default()
                    ),
                }],
            }
        })
        .collect();
    body.push_str("<h2>Timeline</h2>\n");
    body.push_str(&legend(&[
        ("ok", "finished"),
        ("fail", "failed, cancelled, rolling back or paused"),
        ("info", "still running or vanished"),
    ]));
    body.push_str(&timeline(&lanes, &[], ms(report.elapsed_ms)));
    body.push_str("<h2>Jobs</h2>\n<table class=\"jobs\"><tr><th>job</th><th>target</th><th>end state</th><th>statuses seen</th><th>message</th></tr>\n");
    for j in &report.jobs {
        let statuses: Vec<&str> = j.statuses.iter().map(|s| s.as_str()).collect();
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&j.job.id),
            escape(&j.job.target),
            escape(j.end_state()),
            escape(&statuses.join(" → ")),
            escape(j.job.message.as_deref().unwrap_or(""))
        );
    }
    body.push_str("</table>\n");
    page("job_monitor", &body)
}
