//! `isolation --html`: the matrix as a coloured grid (a cell per test and
//! level: anomaly, prevented, not supported, error; deviations from the
//! profile and disagreeing repeats marked), where each cell opens its
//! interleaving: the setup rows, then every step in its session's column
//! (T1 | T2 | T3) with what it returned, which statement blocked, and the
//! step after which it resumed. No script: a cell is a link, and CSS shows
//! the interleaving it targets.

use crate::html::{escape, page};
use std::fmt::Write as _;
use test_rig::isolation::evidence::StepRecord;
use test_rig::isolation::{CellResult, Level, MatrixReport, Outcome};

/// The rows every cell starts from (the runner's reset, as Hermitage's
/// setup: `insert into test (id, value) values (1, 10), (2, 20)`).
const SETUP: &str = "test: [1 => 10, 2 => 20]";

const STYLE: &str = "<style>\
.grid td.cell{padding:0}.grid a{display:block;padding:4px 10px;color:#fff;text-decoration:none}\
.grid a.anomaly{background:#c62828}.grid a.prevented{background:#2e7d32}\
.grid a.not-supported{background:#9e9e9e}.grid a.error{background:#ef6c00}\
.grid a.deviates{outline:3px solid #000;outline-offset:-3px}\
.interleaving{display:none;border:1px solid #999;padding:8px;margin:12px 0}\
.interleaving:target{display:block}\
.interleaving td{vertical-align:top;min-width:16em;font-family:monospace}\
.blocked{background:#fff3e0}.resumed{background:#e8f5e9}.failedstep{color:#c62828}\
</style>\n";

fn cell_id(cell: &CellResult) -> String {
    format!("cell-{}-{}", cell.test, cell.level.as_str())
}

/// The page for `report`, its grid's columns `levels`.
pub fn render(report: &MatrixReport, levels: &[Level]) -> String {
    let mut body = String::from(STYLE);
    let _ = writeln!(
        body,
        "<p>{} ({}); profile: {}; sessions: {}</p>",
        escape(&report.server.to_string()),
        escape(&report.server.version_string),
        escape(report.profile.unwrap_or("none")),
        escape(&report.sessions.join(", "))
    );
    for w in &report.warnings {
        let _ = writeln!(body, "<p class=\"warning\">{}</p>", escape(w));
    }
    body.push_str("<p>Click a cell to see its interleaving. A black frame: the outcome deviates from the profile; (~): repeated runs disagreed.</p>\n");
    body.push_str("<table class=\"grid\"><tr><th>test</th>");
    for l in levels {
        let _ = write!(body, "<th>{}</th>", l.as_str());
    }
    body.push_str("</tr>\n");
    let mut tests: Vec<&str> = Vec::new();
    for c in &report.results {
        if !tests.contains(&c.test) {
            tests.push(c.test);
        }
    }
    for test in &tests {
        let _ = write!(body, "<tr><th>{}</th>", escape(test));
        for level in levels {
            match report
                .results
                .iter()
                .find(|c| c.test == *test && c.level == *level)
            {
                Some(c) => {
                    let _ = write!(
                        body,
                        "<td class=\"cell\"><a class=\"{}{}\" href=\"#{}\" title=\"{}\">{}{}</a></td>",
                        c.outcome.as_str(),
                        if c.deviates() { " deviates" } else { "" },
                        cell_id(c),
                        escape(&c.why),
                        c.outcome.as_str(),
                        if c.varied() { " (~)" } else { "" }
                    );
                }
                None => body.push_str("<td></td>"),
            }
        }
        body.push_str("</tr>\n");
    }
    body.push_str("</table>\n");
    for c in &report.results {
        body.push_str(&interleaving(c));
    }
    page(&format!("isolation: {}", report.server), &body)
}

/// One cell's interleaving, in side-by-side session columns.
fn interleaving(cell: &CellResult) -> String {
    let steps = &cell.evidence.steps;
    let sessions = steps.iter().map(|s| s.session).max().unwrap_or(2).max(2);
    let mut out = format!(
        "<section class=\"interleaving\" id=\"{}\">\n<h2>{} at {}: {}{}</h2>\n<p>setup: {SETUP}</p>\n<table><tr><th>#</th>",
        cell_id(cell),
        escape(cell.test),
        cell.level.as_str(),
        cell.outcome.as_str(),
        cell.expected
            .map(|e| format!(" (expected {})", e.as_str()))
            .unwrap_or_default()
    );
    for t in 1..=sessions {
        let _ = write!(out, "<th>T{t}</th>");
    }
    out.push_str("</tr>\n");
    for (i, step) in steps.iter().enumerate() {
        let _ = write!(out, "<tr><td>{}</td>", i + 1);
        for t in 1..=sessions {
            if t == step.session {
                out.push_str(&step_cell(step));
            } else if let Some(waiting) = steps
                .iter()
                .find(|s| s.session == t && s.resumed_after == Some(i))
            {
                // The step that let a blocked statement of `t` go on.
                let _ = write!(
                    out,
                    "<td class=\"resumed\">resumed: {}{}</td>",
                    escape(&waiting.sql),
                    waiting
                        .result()
                        .map(|r| format!(" → {}", escape(&r)))
                        .unwrap_or_default()
                );
            } else {
                out.push_str("<td></td>");
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    if steps.is_empty() {
        let _ = writeln!(
            out,
            "<p>No step ran{}.</p>",
            if cell.outcome == Outcome::NotSupported {
                ": the server refuses this level"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(
        out,
        "<p class=\"why\">why: {}</p>\n</section>",
        escape(&cell.why)
    );
    out
}

fn step_cell(step: &StepRecord) -> String {
    let mut text = escape(&step.sql);
    let mut class = "";
    if step.blocked {
        class = "blocked";
        text.push_str(" <b>(blocked)</b>");
        if step.resumed_after.is_none() && !step.cancelled {
            text.push_str(" (still waiting when the next step went out)");
        }
    }
    if step.cancelled {
        text.push_str(" [cancelled: still blocked when its session went on]");
    }
    if step.skipped {
        text.push_str(" [not sent: the transaction was already aborted]");
    }
    if let Some(r) = step.result() {
        if step.resumed_after.is_none() {
            let _ = write!(text, " → {}", escape(&r));
        }
    }
    if step.error.is_some() {
        class = "failedstep";
    }
    if class.is_empty() {
        format!("<td>{text}</td>")
    } else {
        format!("<td class=\"{class}\">{text}</td>")
    }
}
