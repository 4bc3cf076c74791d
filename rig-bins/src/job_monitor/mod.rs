//! The `job_monitor` tool: follows TiDB import and DDL jobs, or long-running
//! statements on MySQL/MariaDB, as two participants on the coordinator: a
//! monitor, and (with `--submit`) a submitter that runs the statement from
//! its own connection. Every change is recorded in the run's shared state.

pub mod junit;
pub mod page;

use crate::cli::{ConnectionArgs, OutputFormat};
use crate::exit_code;
use crate::report_output::fail_with;
use clap::{Parser, ValueEnum};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde::Serialize;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::Duration;
use test_rig::jobs::{self, Follow, JobEvent, JobStatus, JobSummary, SourceKind, Submitted, Watch};
use test_rig::prelude::*;
use test_rig::{Phase, ServerInfo};

/// Which jobs to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SourceArg {
    /// TiDB import jobs (SHOW IMPORT JOBS).
    Import,
    /// TiDB DDL jobs (ADMIN SHOW DDL JOBS).
    Ddl,
    /// Long-running statements (MySQL/MariaDB processlist, with MariaDB's progress).
    Processlist,
}

/// Follows TiDB import and DDL jobs, or long-running statements on MySQL
/// and MariaDB: progress, phase changes, failures, and a summary at the end.
///
/// Exit codes: 0 done (or nothing running), 1 a watched job failed, was
/// cancelled, is rolling back or is paused, 2 bad usage or a source the server does not have, 3 server
/// unreachable, 130 interrupted.
#[derive(Debug, Parser)]
#[command(name = "job_monitor", version, disable_help_flag = true)]
pub struct JobMonitorArgs {
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectionArgs,

    /// Job source [default: import on TiDB 7.2+, ddl on older TiDB, processlist elsewhere].
    #[arg(long, value_enum)]
    pub source: Option<SourceArg>,

    /// Stop after this long.
    #[arg(long, value_name = "DURATION", value_parser = crate::cli::duration_arg)]
    pub duration: Option<Duration>,

    /// Time between polls.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = crate::cli::duration_arg)]
    pub interval: Duration,

    /// Follow only this job (an import or DDL job id, or conn-N for a statement).
    #[arg(long, value_name = "ID")]
    pub job: Option<String>,

    /// Exit when the watched jobs have ended.
    #[arg(long)]
    pub until_done: bool,

    /// Runs this statement from a second connection and follows the job it creates.
    #[arg(long, value_name = "SQL")]
    pub submit: Option<String>,

    /// Cancels this job and exits: an import job (CANCEL IMPORT JOB), a DDL
    /// job (ADMIN CANCEL DDL JOBS) or a statement (conn-N: KILL QUERY, KILL
    /// TIDB QUERY on TiDB), from --source or the server's natural source.
    #[arg(long, value_name = "ID", conflicts_with_all = ["submit", "job"])]
    pub cancel: Option<String>,

    /// Statements younger than this are not shown (processlist).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = crate::cli::duration_arg)]
    pub min_time: Duration,

    /// Output: human (a line per change, then a summary) or json.
    #[arg(long, value_enum, default_value = "human")]
    pub format: OutputFormat,

    /// Also writes the jobs as JUnit XML to this file: one test case per
    /// job (and one for --submit's statement).
    #[arg(long, value_name = "PATH", conflicts_with = "cancel")]
    pub junit: Option<std::path::PathBuf>,

    /// Also writes a self-contained HTML page: each job on a timeline, and
    /// a table of the jobs.
    #[arg(long, value_name = "PATH", conflicts_with = "cancel")]
    pub html: Option<std::path::PathBuf>,
}

/// The JSON document.
#[derive(Debug, Serialize)]
pub struct MonitorReport {
    /// The server.
    pub server: Option<ServerInfo>,
    /// The source followed.
    pub source: &'static str,
    /// Every job seen, each with its `end_state`.
    #[serde(serialize_with = "jobs_with_end_state")]
    pub jobs: Vec<JobSummary>,
    /// Whether no job was seen at all.
    pub nothing_running: bool,
    /// The submitted statement, if any.
    pub submitted: Option<Submitted>,
    /// Every change, as recorded in the shared state.
    pub events: Vec<test_rig::coordinator::LoggedEvent>,
    /// Wall time.
    pub elapsed_ms: f64,
}

/// Each job as it serializes, plus `end_state` (see [`JobSummary::end_state`]).
fn jobs_with_end_state<S: serde::Serializer>(
    jobs: &[JobSummary],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::{Error, SerializeSeq};
    let mut seq = serializer.serialize_seq(Some(jobs.len()))?;
    for job in jobs {
        let mut value = serde_json::to_value(job).map_err(S::Error::custom)?;
        if let Some(map) = value.as_object_mut() {
            map.insert("end_state".into(), job.end_state().into());
        }
        seq.serialize_element(&value)?;
    }
    seq.end()
}

/// Shows changes: a bar per job on a terminal, a line per change otherwise.
struct Display {
    bars: Option<(MultiProgress, HashMap<String, ProgressBar>)>,
    quiet: bool,
}

impl Display {
    fn new(quiet: bool) -> Self {
        let bars = (!quiet && std::io::stderr().is_terminal())
            .then(|| (MultiProgress::new(), HashMap::new()));
        Display { bars, quiet }
    }

    fn show(&mut self, event: &JobEvent) {
        let job = event.job();
        let word = match event {
            JobEvent::Appeared { .. } => "appeared",
            JobEvent::Changed { .. } => "changed",
            JobEvent::Vanished { .. } => "ended",
        };
        match &mut self.bars {
            Some((multi, bars)) => {
                let bar = bars.entry(job.id.clone()).or_insert_with(|| {
                    let bar = multi.add(ProgressBar::new(1000));
                    bar.set_style(
                        ProgressStyle::with_template("{prefix:>10} [{bar:30}] {msg}")
                            .unwrap_or_else(|_| ProgressStyle::default_bar())
                            .progress_chars("=> "),
                    );
                    bar.set_prefix(job.id.clone());
                    bar
                });
                if let Some(p) = job.percent {
                    bar.set_position((p * 10.0) as u64);
                }
                bar.set_message(job.line());
                if matches!(event, JobEvent::Vanished { .. }) || job.status.is_final() {
                    bar.finish();
                }
            }
            None if !self.quiet => err!("job {word}: {}", job.line()),
            None => {}
        }
    }
}

/// `--cancel`: the job of `forced` (else the server's natural source).
async fn cancel_job(
    cx: StateContext,
    forced: Option<SourceKind>,
    id: &str,
) -> Result<String, StateError> {
    let (mut cx, server, source) = jobs::open_source(cx, forced, Some(SOURCE_HINT)).await?;
    jobs::cancel::cancel(cx.session()?, &server, source.kind(), id).await
}

/// How a user picks a source the server has.
const SOURCE_HINT: &str = "use --source processlist";

/// Runs the tool and returns its exit code.
pub async fn run(args: JobMonitorArgs) -> u8 {
    if args
        .submit
        .as_deref()
        .is_some_and(|sql| sql.trim().is_empty())
    {
        err!("job_monitor: error: --submit needs a statement to run, e.g. --submit 'ALTER TABLE t ADD INDEX (c)'");
        return exit_code::USAGE;
    }
    let target = match args
        .conn
        .resolve_single_for("job_monitor", args.format)
        .await
    {
        Ok(t) => t,
        Err(code) => return code,
    };
    if let Some(id) = &args.cancel {
        return cancel_and_say(&target.config, args.forced_source(), id).await;
    }
    crate::report_output::remember_files(args.junit.as_deref(), args.html.as_deref());
    if let Err(code) = crate::report_output::check_junit_path("job_monitor", args.junit.as_deref())
        .and_then(|()| crate::report_output::check_html_path("job_monitor", args.html.as_deref()))
    {
        return code;
    }
    let started = std::time::Instant::now();
    let mut display = Display::new(args.format != OutputFormat::Human);
    let followed = jobs::follow(
        &target.config,
        args.follow(),
        &crate::signals::interrupted(),
        move |event| display.show(event),
    )
    .await;
    let followed = match followed {
        Ok(f) => f,
        Err(e) => {
            err!("job_monitor: error: {e}");
            return exit_code::USAGE;
        }
    };
    let verdict = test_rig::Judged::verdict(&followed);
    let Some(found) = followed.found else {
        let (class, why, code) = followed.failure_parts();
        // Whether the statement was sent is what a user who interrupted a
        // `--submit` needs to know, report or not.
        let why = match &followed.submitted {
            Some(submitted) => format!("{why}; {}", describe_submitted(submitted)),
            None => why,
        };
        return fail_with("job_monitor", args.format, class, &why, code);
    };
    if let Some(e) = followed
        .run
        .participant("submitter")
        .filter(|p| p.phase == Phase::Failed)
        .and_then(|p| p.error.as_ref())
    {
        err!("job_monitor: submitter: {}", e.message);
    }
    let out = MonitorReport {
        server: Some(found.server),
        source: found.source.as_str(),
        nothing_running: found.jobs.is_empty(),
        jobs: found.jobs,
        submitted: followed.submitted,
        events: followed.run.events.clone(),
        elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
    };
    render(&args, &out, followed.run.cancelled).unwrap_or_else(|| exit_code::for_verdict(verdict))
}

impl JobMonitorArgs {
    fn forced_source(&self) -> Option<SourceKind> {
        self.source.map(|s| match s {
            SourceArg::Import => SourceKind::Import,
            SourceArg::Ddl => SourceKind::Ddl,
            SourceArg::Processlist => SourceKind::Processlist,
        })
    }

    /// What the flags ask the library to follow.
    fn follow(&self) -> Follow {
        Follow {
            source: self.forced_source(),
            watch: Watch {
                job: self.job.clone(),
                interval: self.interval,
                duration: self.duration,
                until_done: self.until_done,
                ignore: Default::default(),
                finish: None,
            },
            min_ms: self.min_time.as_secs_f64() * 1000.0,
            submit: self.submit.clone(),
            unavailable_hint: Some(SOURCE_HINT.into()),
        }
    }
}

/// `--cancel ID`: cancels the job and says what was done.
async fn cancel_and_say(config: &ConnectionConfig, forced: Option<SourceKind>, id: &str) -> u8 {
    let cx = StateContext::new("cancel", config.clone());
    match cancel_job(cx, forced, id).await {
        Ok(done) => {
            out!("{done}");
            exit_code::OK
        }
        Err(e) => {
            err!("job_monitor: error: --cancel {id}: {e}");
            exit_code::for_error(&e)
        }
    }
}

/// Prints the report as asked and writes its files; gives the exit code
/// of a file that could not be written.
fn render(args: &JobMonitorArgs, out: &MonitorReport, cancelled: bool) -> Option<u8> {
    if args.format == OutputFormat::Human {
        if let Some(server) = &out.server {
            print_summary(out, server);
        }
    } else {
        match serde_json::to_string_pretty(out) {
            Ok(text) => out!("{text}"),
            Err(e) => err!("job_monitor: error: cannot render JSON: {e}"),
        }
    }
    if let Err(code) =
        crate::report_output::write_junit("job_monitor", args.junit.as_deref(), || {
            crate::job_monitor::junit::to_junit(out, cancelled)
        })
    {
        return Some(code);
    }
    crate::report_output::write_html("job_monitor", args.html.as_deref(), || {
        crate::job_monitor::page::render(out)
    })
    .err()
}

/// How the submitted statement ended, on one line.
fn describe_submitted(s: &Submitted) -> String {
    match &s.error {
        None if s.ok => format!("submitted `{}`: finished", s.sql),
        None => format!("submitted `{}`: failed", s.sql),
        Some(e) => format!("submitted `{}`: failed: {e}", s.sql),
    }
}

fn print_summary(report: &MonitorReport, server: &ServerInfo) {
    out!("job_monitor: {server}, source {}", report.source);
    // How the submitted statement ended, whether or not the monitor saw it run.
    if let Some(s) = &report.submitted {
        out!("{}", describe_submitted(s));
    }
    if report.nothing_running {
        out!("nothing running");
        return;
    }
    for j in &report.jobs {
        let peak = j
            .progress
            .iter()
            .map(|(_, p)| *p)
            .fold(None, |m: Option<f64>, p| Some(m.map_or(p, |m| m.max(p))));
        let statuses: Vec<&str> = j.statuses.iter().map(JobStatus::as_str).collect();
        let end = match j.end_state() {
            "vanished" => format!(
                "ended: no longer listed by the {} after {:.1} s (it does not say whether it finished or failed)",
                report.source,
                j.last_seen_ms / 1000.0
            ),
            state => state.to_string(),
        };
        out!(
            "  {}  {}  {end}  (seen {:.1} s; statuses {}{})",
            j.job.id,
            j.job.target,
            (j.last_seen_ms - j.first_seen_ms) / 1000.0,
            statuses.join(" -> "),
            peak.map(|p| format!("; progress up to {p:.1}%"))
                .unwrap_or_default()
        );
        if let Some(m) = &j.job.message {
            out!("      {m}");
        }
    }
}
