//! `basic --html`: the checks as a one-lane timeline (each step attempt a
//! bar), what was found (server, database, round trip, error), and the
//! workflow's state diagram.

use crate::basic::Report;
use crate::html::{escape, legend, page};
use crate::run_page::{timeline, Bar, Lane};
use crate::state_diagram;
use std::fmt::Write as _;
use std::time::Duration;
use test_rig::report::TransitionRecord;
use test_rig::workflow::Transition;

/// The page for `report`, whose step attempts are `transitions`.
pub fn render(report: &Report, transitions: &[Transition]) -> String {
    let bars = match transitions.first() {
        Some(first) => transitions
            .iter()
            .map(|t| Bar::of_step(&TransitionRecord::of(t, first.started)))
            .collect(),
        None => Vec::new(),
    };
    let lane = Lane {
        name: "basic".into(),
        outcome: report.outcome.into(),
        bars,
    };
    let mut body = String::from("<table class=\"found\">\n");
    let mut row = |what: &str, value: String| {
        let _ = writeln!(body, "<tr><th>{what}</th><td>{}</td></tr>", escape(&value));
    };
    row("outcome", report.outcome.to_string());
    row("target", report.target.url.clone());
    if let Some(s) = &report.server {
        row(
            "server",
            format!("{} {} ({})", s.flavor, s.version, s.version_string),
        );
    }
    if let Some(db) = &report.database {
        row("database", format!("{db} (exists, selected)"));
    }
    if let Some(rt) = report.round_trip_ms {
        row("round trip", format!("{rt:.3} ms (median of 5 x SELECT 1)"));
    }
    if let Some(e) = &report.error {
        row(
            "error",
            format!(
                "{} ({}{})",
                e.message,
                e.class.as_str(),
                e.step.map(|s| format!(", in step {s}")).unwrap_or_default()
            ),
        );
    }
    row("total", format!("{:.1} ms", report.elapsed_ms));
    body.push_str("</table>\n<h2>Timeline</h2>\n");
    body.push_str(&legend(&[("ok", "step passed"), ("fail", "step failed")]));
    let total = Duration::try_from_secs_f64(report.elapsed_ms / 1000.0).unwrap_or_default();
    body.push_str(&timeline(&[lane], &[], total));
    body.push_str("<h2>Workflow</h2>\n");
    body.push_str(&state_diagram::figure(
        "common",
        test_rig::common_states::META.mermaid,
    ));
    page("basic", &body)
}
