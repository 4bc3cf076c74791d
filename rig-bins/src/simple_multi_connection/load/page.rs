//! The load mode's figures on the `--html` page: totals, errors by class
//! and a row per report interval, above the run's timeline.

use crate::html::escape;
use crate::simple_multi_connection::load::latency_text;
use std::fmt::Write;
use test_rig::load::{Latency, LoadReport};

/// The load's figures for the HTML page: totals, errors by class and a row
/// per report interval.
pub fn figures_html(report: &LoadReport) -> String {
    let mut out = String::from("<h2>Load</h2>\n<table class=\"load\">\n");
    let _ = writeln!(
        out,
        "<tr><th>statements</th><td><pre>{}</pre></td></tr>",
        escape(&report.statements.join(";\n"))
    );
    for (what, value) in [
        (
            "measured",
            format!(
                "{:.2} s over {} connections",
                report.measured.as_secs_f64(),
                report.connections
            ),
        ),
        (
            "transactions",
            format!("{} ({:.1}/s)", report.transactions, report.tps),
        ),
        (
            "queries",
            format!("{} ({:.1}/s)", report.queries, report.qps),
        ),
        ("errors", report.errors.to_string()),
        ("latency ms", latency_text(report.latency.as_ref())),
    ] {
        let _ = writeln!(out, "<tr><th>{what}</th><td>{}</td></tr>", escape(&value));
    }
    out.push_str("</table>\n");
    if !report.error_classes.is_empty() {
        out.push_str(
            "<table class=\"errors\"><tr><th>count</th><th>class</th><th>first</th></tr>\n",
        );
        for c in &report.error_classes {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                c.count,
                escape(&c.class),
                escape(&c.example)
            );
        }
        out.push_str("</table>\n");
    }
    if !report.intervals.is_empty() {
        out.push_str("<table class=\"intervals\"><tr><th>until</th><th>tps</th><th>errors</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th></tr>\n");
        for i in &report.intervals {
            let l = i.latency.as_ref();
            let ms = |f: fn(&Latency) -> f64| l.map_or("-".to_string(), |l| format!("{:.3}", f(l)));
            let _ = writeln!(
                out,
                "<tr><td>{:.2} s</td><td>{:.1}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                i.to_s,
                i.tps,
                i.errors,
                ms(|l| l.p50_ms),
                ms(|l| l.p95_ms),
                ms(|l| l.p99_ms),
                ms(|l| l.max_ms)
            );
        }
        out.push_str("</table>\n");
    }
    out
}
