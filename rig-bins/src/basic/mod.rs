//! The `basic` tool: runs the common workflow (config, connect, test,
//! database, version) on one connection, shows each transition as it
//! happens, then a summary, as text or JSON.

pub mod junit;
pub mod page;

use crate::cli::{ConnectionArgs, OutputFormat, Target};
use crate::exit_code;
use clap::Parser;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use test_rig::common_states::{self, DatabaseChecked, RoundTrip};
use test_rig::report::{human_duration, millis};
use test_rig::{Judged, RunVerdict};
use test_rig::{ServerInfo, StateContext, StateError, Transition, TransitionObserver, Workflow};

/// Checks that a TiDB, MySQL or MariaDB server connects, answers, has the
/// database, and reports its flavor and version.
///
/// Exit codes: 0 passed, 1 a check failed, 2 bad usage or configuration
/// (flags, URL, credentials, database), 3 server unreachable, 130 interrupted.
#[derive(Debug, Parser)]
#[command(name = "basic", version, disable_help_flag = true)]
pub struct BasicArgs {
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectionArgs,

    /// Output: human (lines as they happen, then a summary) or json (one document).
    #[arg(long, value_enum, default_value = "human")]
    pub format: OutputFormat,

    /// Runs one statement after the checks and prints its result (a table,
    /// or "Query OK, N rows affected"), as the mysql client's -e does.
    #[arg(short = 'e', long = "execute", value_name = "SQL")]
    pub execute: Option<String>,

    /// Prints the checks' states and steps as a Mermaid diagram and exits
    /// without connecting.
    #[arg(long)]
    pub diagram: bool,

    /// Also writes the result as JUnit XML to this file: one test case per
    /// check (and one for -e's statement).
    #[arg(long, value_name = "PATH")]
    pub junit: Option<std::path::PathBuf>,

    /// Also writes a self-contained HTML page: the checks on a timeline,
    /// what was found, the workflow's state diagram.
    #[arg(long, value_name = "PATH")]
    pub html: Option<std::path::PathBuf>,
}

/// Records every transition, and prints it at once in human mode.
struct Recorder {
    print: bool,
    seen: Mutex<Vec<Transition>>,
}

impl TransitionObserver for Recorder {
    fn on_transition(&self, t: &Transition) {
        if self.print {
            out!("{}", transition_line(t));
        }
        if let Ok(mut seen) = self.seen.lock() {
            seen.push(t.clone());
        }
    }
}

fn transition_line(t: &Transition) -> String {
    let retry = if t.attempt > 1 {
        format!(" (attempt {})", t.attempt)
    } else {
        String::new()
    };
    match t.to {
        Some(to) => format!(
            "  {:<18} -> {:<18} {:>9}  {}{retry}",
            t.from,
            to,
            human_duration(t.duration),
            t.step
        ),
        None => format!(
            "  {:<18} x  {} failed after {}{retry}",
            t.from,
            t.step,
            human_duration(t.duration)
        ),
    }
}

/// The JSON document `--format json` prints (schema in the README).
#[derive(Debug, Serialize)]
pub struct Report {
    /// `"basic"`.
    pub tool: &'static str,
    /// `passed`, `failed` or `interrupted`.
    pub outcome: &'static str,
    /// The process exit code.
    pub exit_code: u8,
    /// What was connected to.
    pub target: TargetJson,
    /// The server, once identified.
    pub server: Option<ServerJson>,
    /// The database checked, if any.
    pub database: Option<String>,
    /// Median `SELECT 1` round trip.
    pub round_trip_ms: Option<f64>,
    /// Every step attempt, in order.
    pub transitions: Vec<TransitionJson>,
    /// Why the run did not pass.
    pub error: Option<ErrorJson>,
    /// What `-e` gave, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<crate::execute::StatementResult>,
    /// Wall time of the whole run.
    pub elapsed_ms: f64,
}

/// The target in the JSON report.
#[derive(Debug, Serialize)]
pub struct TargetJson {
    /// The URL, password shown as `***`.
    pub url: String,
    /// `host:port`.
    pub address: String,
    /// How the target was chosen, when it was not given.
    pub note: Option<String>,
    /// Whether the session uses TLS.
    pub tls: Option<bool>,
    /// The negotiated TLS version (`TLSv1.3`), when TLS is used.
    pub tls_version: Option<String>,
}

/// The server in the JSON report.
#[derive(Debug, Serialize)]
pub struct ServerJson {
    /// `tidb`, `mysql` or `mariadb`.
    pub flavor: test_rig::Flavor,
    /// `major.minor.patch` of the flavor's own version.
    pub version: String,
    /// `VERSION()` verbatim.
    pub version_string: String,
    /// The session variable for the isolation level on this server.
    pub isolation_variable: &'static str,
}

impl From<&ServerInfo> for ServerJson {
    fn from(s: &ServerInfo) -> Self {
        ServerJson {
            flavor: s.flavor,
            version: s.version.to_string(),
            version_string: s.version_string.clone(),
            isolation_variable: s.isolation_variable(),
        }
    }
}

/// One step attempt in the JSON report.
#[derive(Debug, Serialize)]
pub struct TransitionJson {
    /// The step.
    pub step: &'static str,
    /// The state it left.
    pub from: &'static str,
    /// The state it reached, `null` when it failed.
    pub to: Option<&'static str>,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// How long it took.
    pub duration_ms: f64,
    /// The error, when it failed.
    pub error: Option<String>,
}

/// The failure in the JSON report.
#[derive(Debug, Serialize)]
pub struct ErrorJson {
    /// `configuration`, `unreachable`, `failed` or `cancelled`: named
    /// `class`, as in every other tool's JSON.
    pub class: test_rig::ErrorClass,
    /// One line saying what went wrong.
    pub message: String,
    /// The state the workflow was in, if it had started.
    pub state: Option<&'static str>,
    /// The step that failed.
    pub step: Option<&'static str>,
}

/// How the workflow ended.
enum Ending {
    Passed(Box<StateContext>),
    Failed(test_rig::StepFailed),
    /// Ctrl-C or SIGTERM: the step was cancelled and the cleanup ran.
    Interrupted(test_rig::StepFailed),
}

impl Judged for Report {
    /// Its `outcome`, a failure with its error's class.
    fn verdict(&self) -> RunVerdict {
        match self.outcome {
            "passed" => RunVerdict::Passed,
            "interrupted" => RunVerdict::Interrupted,
            _ => RunVerdict::Failed(
                self.error
                    .as_ref()
                    .map_or(test_rig::ErrorClass::Failed, |e| e.class),
            ),
        }
    }
}

/// Runs the tool and returns its exit code.
pub async fn run(args: BasicArgs) -> u8 {
    if args.diagram {
        out_raw!("{}", test_rig::common_states::META.mermaid);
        return exit_code::OK;
    }
    crate::report_output::remember_files(args.junit.as_deref(), args.html.as_deref());
    if let Err(code) = crate::report_output::check_junit_path("basic", args.junit.as_deref())
        .and_then(|()| crate::report_output::check_html_path("basic", args.html.as_deref()))
    {
        return code;
    }
    let started = Instant::now();
    let human = args.format == OutputFormat::Human;
    let target = match args.conn.resolve_single_for("basic", args.format).await {
        Ok(t) => t,
        Err(code) => return code,
    };
    if human {
        out!("basic: checking {}", target.config);
    }
    let recorder = Arc::new(Recorder {
        print: human,
        seen: Mutex::new(Vec::new()),
    });
    let mut cx = StateContext::new("basic", target.config.clone());
    cx.set_observer(recorder.clone());
    // A cancel ends the current step with Cancelled, so the workflow's
    // cleanup still runs (dropping the workflow would skip it).
    cx.set_cancellation(crate::signals::interrupted());
    let ending = match common_states::WORKFLOW.run(cx).await {
        Ok(cx) => Ending::Passed(Box::new(cx)),
        Err(failed) if matches!(failed.error(), StateError::Cancelled) => {
            Ending::Interrupted(failed)
        }
        Err(failed) => Ending::Failed(failed),
    };
    let transitions = recorder.seen.lock().map(|s| s.clone()).unwrap_or_default();
    let (mut report, cx) = build_report(&target, ending, &transitions, started.elapsed());
    if let Some(mut cx) = cx {
        report.target.tls_version = cx.tls_version().map(str::to_string);
        if let (Some(sql), "passed") = (&args.execute, report.outcome) {
            run_statement(&mut cx, sql, &mut report).await;
        }
        if let Some(session) = cx.take_session() {
            // A failed polite close changes nothing about the verdict.
            let _ = session.close().await;
        }
    }
    report.exit_code = exit_code::for_verdict(report.verdict());
    if let Some(error) = &report.error {
        err!("basic: error: {}", error.message);
    }
    if human {
        print_summary(&report);
        if let Some(result) = &report.result {
            out!();
            out_raw!("{}", crate::execute::table(result));
        }
    } else {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => out!("{text}"),
            Err(e) => err!("basic: error: cannot render JSON: {e}"),
        }
    }
    if let Err(code) = crate::report_output::write_junit("basic", args.junit.as_deref(), || {
        crate::basic::junit::to_junit(&report, args.execute.as_deref())
    }) {
        return code;
    }
    if let Err(code) = crate::report_output::write_html("basic", args.html.as_deref(), || {
        crate::basic::page::render(&report, &transitions)
    }) {
        return code;
    }
    report.exit_code
}

/// Runs `-e`'s statement once the checks passed; a statement the server
/// refuses fails the run (exit 1), as it does for the mysql client.
async fn run_statement(cx: &mut StateContext, sql: &str, report: &mut Report) {
    let outcome = match cx.session() {
        Ok(session) => {
            let cancel = crate::signals::interrupted();
            tokio::select! {
                r = crate::execute::execute(session, sql) => r,
                _ = cancel.cancelled() => Err(StateError::Cancelled),
            }
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(result) => report.result = Some(result),
        Err(e) => {
            let interrupted = matches!(e, StateError::Cancelled);
            report.outcome = if interrupted { "interrupted" } else { "failed" };
            report.error = Some(ErrorJson {
                class: e.class(),
                message: if interrupted {
                    "interrupted".into()
                } else {
                    format!("the -e statement failed: {e}")
                },
                state: None,
                step: None,
            });
        }
    }
}

fn build_report(
    target: &Target,
    ending: Ending,
    transitions: &[Transition],
    elapsed: Duration,
) -> (Report, Option<StateContext>) {
    let mut report = Report {
        tool: "basic",
        outcome: "passed",
        exit_code: exit_code::OK,
        target: TargetJson {
            url: target.config.to_string(),
            address: target.config.address(),
            note: target.note.clone(),
            tls: None,
            tls_version: None,
        },
        server: None,
        database: None,
        round_trip_ms: None,
        transitions: transitions
            .iter()
            .map(|t| TransitionJson {
                step: t.step,
                from: t.from,
                to: t.to,
                attempt: t.attempt,
                duration_ms: millis(t.duration),
                error: t.error.clone(),
            })
            .collect(),
        error: None,
        result: None,
        elapsed_ms: millis(elapsed),
    };
    let cx = match ending {
        Ending::Passed(cx) => Some(*cx),
        Ending::Failed(failed) => {
            let error: &StateError = failed.error();
            report.outcome = "failed";
            report.error = Some(ErrorJson {
                class: error.class(),
                message: error.to_string(),
                state: Some(failed.state()),
                step: Some(failed.step()),
            });
            Some(failed.into_parts().1)
        }
        Ending::Interrupted(failed) => {
            report.outcome = "interrupted";
            report.error = Some(ErrorJson {
                class: test_rig::ErrorClass::Cancelled,
                message: "interrupted".into(),
                state: Some(failed.state()),
                step: Some(failed.step()),
            });
            Some(failed.into_parts().1)
        }
    };
    if let Some(cx) = &cx {
        report.server = cx.server().map(ServerJson::from);
        report.database = cx.get::<DatabaseChecked>().map(|d| d.0.clone());
        report.round_trip_ms = cx.get::<RoundTrip>().map(|r| millis(r.0));
    }
    let mut cx = cx;
    if let Some(session) = cx.as_mut().and_then(|c| c.session().ok()) {
        report.target.tls = Some(session.is_tls());
    }
    (report, cx)
}

fn print_summary(report: &Report) {
    out!();
    out!("  outcome     {}", report.outcome);
    let tls = match (report.target.tls, &report.target.tls_version) {
        (Some(true), Some(version)) => format!(" (TLS, {version})"),
        (Some(true), None) => " (TLS)".to_string(),
        (Some(false), _) => " (no TLS)".to_string(),
        (None, _) => String::new(),
    };
    out!("  address     {}{tls}", report.target.address);
    if let Some(s) = &report.server {
        out!(
            "  server      {} {} ({})",
            s.flavor,
            s.version,
            s.version_string
        );
    }
    match &report.database {
        Some(db) => out!("  database    {db} (exists, selected)"),
        None if report.outcome == "passed" => out!("  database    none configured"),
        None => {}
    }
    if let Some(rt) = report.round_trip_ms {
        out!("  round trip  {rt:.3} ms (median of 5 x SELECT 1)");
    }
    out!("  total       {:.1} ms", report.elapsed_ms);
}
