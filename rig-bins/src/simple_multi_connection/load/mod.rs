//! `simple_multi_connection --sql …` / `--sql-file …`: the load mode. Reads
//! the statements, runs them on every connection through
//! [`test_rig::load`], prints a line per report interval and the totals
//! (or the JSON report), writes JUnit (`load_junit`) and the page
//! (`load_page`), and picks the exit code.

pub mod junit;
pub mod page;

use crate::cli::OutputFormat;
use crate::config_file::NamedConnection;
use crate::exit_code;
use crate::report_output;
use crate::simple_multi_connection::MultiArgs;
use std::fmt::Write;
use std::time::Duration;
use test_rig::load::{
    self, split_statements, IntervalStats, Latency, LoadOptions, LoadReport, LoadStatement,
    LoadStop,
};

const TOOL: &str = "simple_multi_connection";

/// How long a load runs when neither `--duration` nor `--iterations` says.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(10);

/// The statements `--sql` or `--sql-file` give, checked.
pub fn statements(args: &MultiArgs) -> Result<Vec<LoadStatement>, String> {
    let texts: Vec<String> = match &args.sql_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--sql-file {}: {e}", path.display()))?;
            let texts = split_statements(&text);
            if texts.is_empty() {
                return Err(format!(
                    "--sql-file {}: no statement in it (statements end with `;`)",
                    path.display()
                ));
            }
            texts
        }
        None => args.sql.clone(),
    };
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| LoadStatement::parse(text, i + 1).map_err(|e| e.to_string()))
        .collect()
}

/// `N/s` or `N`: passes per second, over every connection together.
pub fn rate_arg(value: &str) -> Result<f64, String> {
    let number = value.trim().trim_end_matches("/s").trim();
    match number.parse::<f64>() {
        Ok(n) if n > 0.0 && n.is_finite() => Ok(n),
        _ => Err("expected a positive rate such as 500/s".into()),
    }
}

/// Runs the load on `list` and gives the exit code.
pub async fn run(args: &MultiArgs, list: &[NamedConnection], listed: crate::fan_out::Listed) -> u8 {
    let statements = match statements(args) {
        Ok(s) => s,
        Err(message) => {
            let class = test_rig::ErrorClass::Configuration;
            return report_output::fail_with(TOOL, args.format, class, &message, None);
        }
    };
    if let Err(code) = crate::fan_out::preflight(TOOL, args.format, list, listed).await {
        return code;
    }
    let stop = match (args.duration, args.iterations) {
        (Some(d), _) => LoadStop::After(d),
        (None, Some(k)) => LoadStop::Iterations(u64::from(k)),
        (None, None) => LoadStop::After(DEFAULT_DURATION),
    };
    let options = LoadOptions {
        statements,
        stop,
        rate: args.rate,
        report_interval: args.report_interval.filter(|d| !d.is_zero()),
        keep_transitions: (!args.trace_all)
            .then_some(test_rig::coordinator::DEFAULT_KEPT_TRANSITIONS),
    };
    let human = args.format == OutputFormat::Human;
    if human {
        out!("{}", header(list.len(), &options));
    }
    let connections = list
        .iter()
        .map(|c| (c.id.clone(), c.config.clone()))
        .collect();
    let report = match load::run_load(
        connections,
        options,
        crate::signals::interrupted(),
        move |interval| {
            if human {
                out!("{}", interval_line(interval));
            }
        },
    )
    .await
    {
        Ok(report) => report,
        Err(e) => return report_output::fail(TOOL, args.format, &e, ""),
    };
    match args.format {
        OutputFormat::Human => out_raw!("{}", summary(&report)),
        OutputFormat::Json => match serde_json::to_string_pretty(&report) {
            Ok(text) => out!("{text}"),
            Err(e) => err!("{TOOL}: error: cannot render JSON: {e}"),
        },
    }
    let junit = || crate::simple_multi_connection::load::junit::to_junit(TOOL, &report);
    if let Err(code) = report_output::write_junit(TOOL, args.junit.as_deref(), junit) {
        return code;
    }
    let diagrams = [("common", test_rig::common_states::META.mermaid)];
    let page = || {
        let figures = crate::simple_multi_connection::load::page::figures_html(&report);
        crate::run_page::run_page(TOOL, &report.run, &diagrams, &figures)
    };
    if let Err(code) = report_output::write_html(TOOL, args.html.as_deref(), page) {
        return code;
    }
    // Interrupted, a connection that failed (as any run), failed passes (1),
    // or all passed.
    exit_code::for_verdict(test_rig::Judged::verdict(&report))
}

fn header(connections: usize, options: &LoadOptions) -> String {
    let stop = match options.stop {
        LoadStop::After(d) => format!("for {}", test_rig::report::human_duration(d)),
        LoadStop::Iterations(k) => format!("{k} passes each"),
    };
    let rate = options
        .rate
        .map(|r| format!(", at most {r}/s in all"))
        .unwrap_or_default();
    let n = options.statements.len();
    format!(
        "load: {connections} connection{}, {n} statement{} per pass, {stop}{rate}",
        plural(connections),
        plural(n)
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `p50 … p95 … p99 … max …` in milliseconds, or `-` when nothing passed.
pub(crate) fn latency_text(latency: Option<&Latency>) -> String {
    match latency {
        Some(l) => format!(
            "p50 {:.3}  p95 {:.3}  p99 {:.3}  max {:.3}",
            l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms
        ),
        None => "-".into(),
    }
}

/// One report interval: `[   5.00s] tps 1234.5  qps …  errors 0  latency ms p50 …`.
pub fn interval_line(i: &IntervalStats) -> String {
    format!(
        "[{:>7.2}s] tps {:>10.1}  qps {:>10.1}  errors {:>5}  latency ms {}",
        i.to_s,
        i.tps,
        i.queries as f64 / (i.to_s - i.from_s).max(f64::MIN_POSITIVE),
        i.errors,
        latency_text(i.latency.as_ref())
    )
}

/// The totals, the error classes and, when a connection failed, the run's
/// table of connections.
pub fn summary(report: &LoadReport) -> String {
    let mut out = String::new();
    let seconds = report.measured.as_secs_f64();
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  measured      {seconds:.2} s over {} connection{}{}",
        report.connections,
        plural(report.connections),
        if report.cancelled {
            " (interrupted)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "  transactions  {} ({:.1}/s)",
        report.transactions, report.tps
    );
    let _ = writeln!(
        out,
        "  queries       {} ({:.1}/s)",
        report.queries, report.qps
    );
    let _ = writeln!(out, "  errors        {}", report.errors);
    if let Some(l) = &report.latency {
        let _ = writeln!(
            out,
            "  latency ms    {}  mean {:.3}",
            latency_text(Some(l)),
            l.mean_ms
        );
    }
    if !report.error_classes.is_empty() {
        let _ = writeln!(out, "  errors by class:");
        for c in &report.error_classes {
            let _ = writeln!(
                out,
                "    {:>8}  {}  (first: {})",
                c.count, c.class, c.example
            );
        }
    }
    if !report.run.passed() && !report.cancelled {
        let _ = writeln!(out);
        out.push_str(&report.run.to_human());
    }
    out
}
