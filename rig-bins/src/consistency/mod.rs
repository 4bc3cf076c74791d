//! The `consistency` tool: runs a randomized list-append workload over
//! many sessions and checks the history it recorded for isolation
//! anomalies (`run`), or checks a history written before, by test-rig,
//! Jepsen or elle-cli (`check`).

pub mod page;

use crate::cli::{ConnectionArgs, OutputFormat};
use crate::exit_code;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use test_rig::checker::{self, CheckOptions, CheckReport, Model, Verdict};
use test_rig::history::{self, Format};
use test_rig::history::{AnyHistory, Recorded};
use test_rig::isolation::Level;
use test_rig::workload::{self, Shape, WorkloadRun};

/// Runs randomized transactions over many sessions and checks what they
/// saw for isolation anomalies, by inferring the dependency graph from the
/// observations (Elle's method); or checks a recorded history.
///
/// Exit codes: 0 the history satisfies the expected model, 1 an anomaly
/// violates it (or the check could not finish, a client failed, a fault
/// or heal command failed, or the nodes' final states still differ), 2
/// bad usage or a malformed history file, 3 server unreachable, 130
/// interrupted.
#[derive(Debug, Parser)]
#[command(name = "consistency", version, disable_help_flag = true)]
pub struct ConsistencyArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,

    /// Prints help.
    #[arg(short = '?', long = "help", action = clap::ArgAction::Help)]
    help: Option<bool>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs a workload against a server, records its history, checks it.
    Run(Box<RunArgs>),
    /// Checks a history file (JSON lines, a JSON array, or Jepsen's EDN).
    Check(CheckArgs),
}

/// The workloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WorkloadArg {
    /// Appends to per-key lists and reads them back (Elle's list-append).
    ListAppend,
    /// Transfers between accounts and reads of every balance (Jepsen's bank).
    Bank,
}

impl WorkloadArg {
    /// `list-append` or `bank`.
    pub fn name(self) -> &'static str {
        match self {
            WorkloadArg::ListAppend => "list-append",
            WorkloadArg::Bank => "bank",
        }
    }
}

/// The built-in faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NemesisArg {
    /// Kills random clients' connections from the server side.
    KillConnections,
}

/// History file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    /// One JSON object per line.
    Jsonl,
    /// One JSON array (what elle-cli reads).
    Json,
    /// One EDN map per line (Jepsen's history.edn; elle-cli reads it too).
    Edn,
}

/// Options of the check itself, shared by `run` and `check`.
#[derive(Debug, Clone, Args)]
pub struct CheckerArgs {
    /// Leaves out process-order edges (and so the -process anomalies).
    #[arg(long)]
    pub no_process_order: bool,

    /// Leaves out real-time edges (and so the -realtime anomalies).
    #[arg(long)]
    pub no_real_time: bool,

    /// How long one search for one kind of cycle in one component may take.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = crate::cli::duration_arg)]
    pub cycle_search_timeout: Duration,

    /// Output: human or json.
    #[arg(long, value_enum, default_value = "human")]
    pub format: OutputFormat,

    /// Also writes the verdict as JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
}

/// `consistency run`.
#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct RunArgs {
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectionArgs,

    /// The workload.
    #[arg(long, value_enum, default_value = "list-append")]
    pub workload: WorkloadArg,

    /// The isolation level of every transaction: read-uncommitted, read-committed, repeatable-read, serializable.
    #[arg(long, value_name = "LEVEL", default_value = "serializable", value_parser = level_arg)]
    pub isolation: Level,

    /// The model the history must satisfy (default: the one the level promises): read-uncommitted, read-committed, repeatable-read, snapshot-isolation, serializable, strict-serializable.
    #[arg(long, value_name = "MODEL", value_parser = model_arg)]
    pub expect: Option<Model>,

    /// Clients, each on its own session.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub connections: u32,

    /// Transactions in all.
    #[arg(long, value_name = "N", default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub txns: u64,

    /// Runs for this long (e.g. 30s, 2m) instead of until --txns are done;
    /// every client goes on until then.
    #[arg(long, value_name = "DURATION", conflicts_with = "txns", value_parser = crate::cli::duration_arg)]
    pub duration: Option<Duration>,

    /// The generators' seed: the same seed gives the same transactions (default: from the clock, and printed).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Keys in play at once.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub keys: u32,

    /// About how many appends a key receives before it is retired.
    #[arg(long, value_name = "N", default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_writes_per_key: u32,

    /// Micro-operations per transaction: 1 to N.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=4))]
    pub max_ops: u32,

    /// The share of micro-operations (bank: of transactions) that are reads, 0 to 1.
    #[arg(long, value_name = "F", default_value_t = 0.5, value_parser = fraction_arg)]
    pub read_fraction: f64,

    /// Bank: how many accounts.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(2..=10_000))]
    pub accounts: u32,

    /// Bank: each account's starting balance.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(i64).range(1..=1_000_000_000))]
    pub balance: i64,

    /// Bank: the largest transfer.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(i64).range(1..=1_000_000_000))]
    pub max_transfer: i64,

    /// Where to write the history (default: target/consistency/history-SEED.jsonl).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,

    /// The history's format (default: from the file's extension, else jsonl).
    #[arg(long, value_enum)]
    pub history_format: Option<HistoryFormat>,

    /// Also writes the run as one self-contained HTML page: each client's
    /// transactions in time, the faults, the windows and the anomalies.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// The table the workload uses (created afresh and dropped at the end).
    #[arg(long, value_name = "NAME")]
    pub table: Option<String>,

    /// Leaves the table in place after the run.
    #[arg(long)]
    pub keep_table: bool,

    /// A built-in fault: kill-connections (KILL CONNECTION of a random
    /// client's session, on its node, about every --fault-every [default 1s]).
    #[arg(long, value_enum, conflicts_with = "fault")]
    pub nemesis: Option<NemesisArg>,

    /// A shell command that injects a fault, run every --fault-every
    /// [default 10s], e.g. "scripts/dev-cluster kill 2". A fault that fails
    /// ends the run.
    #[arg(long, value_name = "CMD")]
    pub fault: Option<String>,

    /// The shell command that heals it, run --fault-every after each fault
    /// and always before the final reads, e.g. "scripts/dev-cluster restart 2".
    #[arg(long, value_name = "CMD", requires = "fault")]
    pub heal: Option<String>,

    /// The pause before each fault and each heal.
    #[arg(long, value_name = "DURATION", value_parser = crate::cli::duration_arg)]
    pub fault_every: Option<Duration>,

    /// How long a client keeps reconnecting to a server that is down
    /// before it gives up.
    #[arg(long, value_name = "DURATION", default_value = "2m", value_parser = crate::cli::duration_arg)]
    pub reconnect_for: Duration,

    /// Check options.
    #[command(flatten)]
    pub check: CheckerArgs,
}

/// `consistency check`.
#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct CheckArgs {
    /// The history file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The model the history must satisfy.
    #[arg(long, value_name = "MODEL", default_value = "serializable", value_parser = model_arg)]
    pub model: Model,

    /// Bank histories: the total every read must see.
    #[arg(long, value_name = "N")]
    pub total: Option<i64>,

    /// Check options.
    #[command(flatten)]
    pub check: CheckerArgs,

    /// Prints help.
    #[arg(short = '?', long = "help", action = clap::ArgAction::Help)]
    help: Option<bool>,
}

fn level_arg(value: &str) -> Result<Level, String> {
    Level::parse(value).ok_or_else(|| {
        "expected read-uncommitted, read-committed, repeatable-read or serializable".into()
    })
}

fn model_arg(value: &str) -> Result<Model, String> {
    Model::parse(value.trim()).ok_or_else(|| {
        let names: Vec<&str> = Model::ALL.iter().map(|m| m.name()).collect();
        format!("expected one of: {}", names.join(", "))
    })
}

fn fraction_arg(value: &str) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
        _ => Err("expected a number from 0 to 1, such as 0.5".into()),
    }
}

/// The model a level promises, by the SQL standard's names.
pub fn model_for(level: Level) -> Model {
    match level {
        Level::ReadUncommitted => Model::ReadUncommitted,
        Level::ReadCommitted => Model::ReadCommitted,
        Level::RepeatableRead => Model::RepeatableRead,
        Level::Serializable => Model::Serializable,
    }
}

fn check_options(model: Model, args: &CheckerArgs) -> CheckOptions {
    CheckOptions {
        model,
        process_order: !args.no_process_order,
        real_time: !args.no_real_time,
        cycle_search_timeout: args.cycle_search_timeout,
    }
}

fn history_format(path: &Path, asked: Option<HistoryFormat>) -> Format {
    let by_extension = match path.extension().and_then(|e| e.to_str()) {
        Some("edn") => Some(HistoryFormat::Edn),
        Some("json") => Some(HistoryFormat::Json),
        _ => None,
    };
    match asked.or(by_extension).unwrap_or(HistoryFormat::Jsonl) {
        HistoryFormat::Jsonl => Format::JsonLines,
        HistoryFormat::Json => Format::JsonArray,
        HistoryFormat::Edn => Format::Edn,
    }
}

fn verdict_exit(report: &CheckReport) -> u8 {
    match report.verdict {
        Verdict::Valid => exit_code::OK,
        Verdict::Invalid | Verdict::Unknown => exit_code::FAILED,
    }
}

fn write_junit(path: Option<&Path>, report: &CheckReport, name: &str) -> Result<(), u8> {
    crate::report_output::write_junit("consistency", path, || report.to_junit("consistency", name))
}

fn print_json(doc: &serde_json::Value) {
    match serde_json::to_string_pretty(doc) {
        Ok(text) => out!("{text}"),
        Err(e) => err!("consistency: error: cannot render JSON: {e}"),
    }
}

/// Runs the tool and returns its exit code.
pub async fn run(args: ConsistencyArgs) -> u8 {
    match args.command {
        Command::Check(args) => check(args),
        Command::Run(args) => run_workload(*args).await,
    }
}

fn check(args: CheckArgs) -> u8 {
    let format = args.check.format;
    let bad_input = |message: String| {
        crate::report_output::fail_with(
            "consistency",
            format,
            test_rig::ErrorClass::Configuration,
            &message,
            None,
        )
    };
    let history = match history::read_any_file(&args.file) {
        Ok(h) => h,
        Err(e) => return bad_input(format!("{}: {e}", args.file.display())),
    };
    let (report, operations) = match &history {
        AnyHistory::ListAppend(h) => (
            checker::check(h, &check_options(args.model, &args.check)),
            h.ops.len(),
        ),
        AnyHistory::Bank(h) => match args.total {
            Some(total) => (checker::check_bank(h, total, args.model), h.ops.len()),
            None => {
                return bad_input(format!(
                    "{}: a bank history is checked against its total: give --total N (the sum of the starting balances)",
                    args.file.display()
                ))
            }
        },
    };
    if let Err(code) =
        crate::report_output::check_junit_path("consistency", args.check.junit.as_deref())
    {
        return code;
    }
    match format {
        OutputFormat::Human => {
            out!(
                "consistency: {} ({operations} operations)",
                args.file.display()
            );
            out_raw!("{}", report.to_human());
        }
        OutputFormat::Json => print_json(&serde_json::json!({
            "tool": "consistency",
            "file": args.file,
            "operations": operations,
            "check": report,
        })),
    }
    let name = format!("{} satisfies {}", args.file.display(), args.model);
    if let Err(code) = write_junit(args.check.junit.as_deref(), &report, &name) {
        return code;
    }
    verdict_exit(&report)
}

fn default_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_secs())
}

/// Shows the run's progress on a terminal while the workload runs: the
/// finished transactions against `--txns`, or the time against
/// `--duration`. Ends when `finished` is set.
fn progress_bar(
    duration: Option<Duration>,
    txns: u64,
    done: Arc<AtomicU64>,
    finished: Arc<std::sync::atomic::AtomicBool>,
) -> Option<tokio::task::JoinHandle<()>> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let (length, template) = match duration {
        Some(d) => (
            d.as_secs().max(1),
            "{spinner} [{bar:30}] {pos}/{len} s, {msg} transactions",
        ),
        None => (
            txns,
            "{spinner} [{bar:30}] {pos}/{len} transactions ({per_sec}, {eta} left)",
        ),
    };
    let bar = indicatif::ProgressBar::new(length);
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    Some(tokio::spawn(async move {
        while !finished.load(Ordering::Relaxed) {
            let n = done.load(Ordering::Relaxed);
            match duration {
                Some(_) => {
                    bar.set_position(started.elapsed().as_secs().min(length));
                    bar.set_message(n.to_string());
                }
                None => bar.set_position(n),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bar.finish_and_clear();
    }))
}

/// What a finished run reports, whatever its workload.
struct Ran {
    server: test_rig::ServerInfo,
    elapsed: Duration,
    errors: std::collections::BTreeMap<String, workload::ErrorCount>,
    clients: test_rig::RunReport,
    cancelled: bool,
    operations: usize,
    /// Transactions that ended, the final reads left out.
    finished: usize,
    check: CheckReport,
    nemesis: workload::NemesisLog,
    convergence: workload::Convergence,
    timeline: workload::Timeline,
    /// `--html`: whether the page was written.
    page_written: Option<Result<(), String>>,
}

impl Ran {
    fn throughput(&self) -> f64 {
        self.finished as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The nemesis the options ask for.
fn nemesis_of(args: &RunArgs) -> workload::Nemesis {
    match (&args.nemesis, &args.fault) {
        (Some(NemesisArg::KillConnections), _) => workload::Nemesis::KillConnections {
            every: args.fault_every.unwrap_or(Duration::from_secs(1)),
        },
        (None, Some(fault)) => workload::Nemesis::Commands {
            fault: fault.clone(),
            heal: args.heal.clone(),
            every: args.fault_every.unwrap_or(Duration::from_secs(10)),
        },
        (None, None) => workload::Nemesis::None,
    }
}

/// Where `--html` goes, and what its page needs besides the run.
struct PageRequest<'a> {
    path: &'a Path,
    connections: u32,
    heading: String,
}

/// Writes `run`'s history to `file` in `format`, checks it, and writes the
/// page if one is asked for.
fn settle<H: Recorded>(
    run: WorkloadRun<H>,
    file: std::fs::File,
    format: Format,
    check: impl FnOnce(&H) -> CheckReport,
    page: Option<PageRequest>,
) -> std::io::Result<Ran> {
    let mut out = std::io::BufWriter::new(file);
    run.history.write_as(format, &mut out)?;
    std::io::Write::flush(&mut out)?;
    let outline = run.history.outline();
    let reads = run.convergence.nodes.len().max(1) * run.convergence.rounds.max(1);
    let finished = outline
        .iter()
        .filter(|o| o.kind != history::OpType::Invoke)
        .count()
        .saturating_sub(reads);
    let end = run.elapsed.as_nanos() as u64;
    let timeline = workload::timeline(&outline, &run.nemesis, end);
    let check = check(&run.history);
    let page_written = page.map(|request| {
        let spans = history::spans(&outline);
        let html = crate::consistency::page::render(&crate::consistency::page::RunPage {
            heading: format!("{} on {}", request.heading, run.server),
            spans: &spans,
            connections: request.connections,
            workload_end: end,
            nemesis: &run.nemesis,
            timeline: &timeline,
            convergence: &run.convergence,
            check: &check,
        });
        std::fs::write(request.path, html).map_err(|e| {
            format!(
                "cannot write the HTML page `{}`: {e}",
                request.path.display()
            )
        })
    });
    let operations = outline.len();
    drop(outline);
    Ok(Ran {
        check,
        server: run.server,
        elapsed: run.elapsed,
        errors: run.errors,
        clients: run.report,
        cancelled: run.cancelled,
        operations,
        finished,
        nemesis: run.nemesis,
        convergence: run.convergence,
        timeline,
        page_written,
    })
}

async fn run_workload(args: RunArgs) -> u8 {
    let format = args.check.format;
    let seed = args.seed.unwrap_or_else(default_seed);
    let path = args
        .history
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("target/consistency/history-{seed}.jsonl")));
    let history_format = history_format(&path, args.history_format);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Err(e) = std::fs::create_dir_all(dir) {
            err!("consistency: error: cannot create `{}`: {e}", dir.display());
            return exit_code::USAGE;
        }
    }
    let file = match std::fs::File::create(&path) {
        Ok(f) => f,
        Err(e) => {
            err!(
                "consistency: error: cannot write the history `{}`: {e}",
                path.display()
            );
            return exit_code::USAGE;
        }
    };
    if let Err(code) =
        crate::report_output::check_junit_path("consistency", args.check.junit.as_deref())
    {
        return code;
    }
    if let Err(code) =
        crate::report_output::check_writable("consistency", "HTML page", args.html.as_deref())
    {
        return code;
    }
    crate::report_output::remember_files(args.check.junit.as_deref(), args.html.as_deref());
    let target = match args.conn.resolve_for("consistency", format).await {
        Ok(t) => t,
        Err(code) => return code,
    };
    let model = args.expect.unwrap_or_else(|| model_for(args.isolation));
    let bank = workload::BankShape {
        accounts: args.accounts,
        balance: args.balance,
        max_transfer: args.max_transfer,
        read_fraction: args.read_fraction,
    };
    let options = workload::Options {
        connections: args.connections,
        txns: args.txns,
        duration: args.duration,
        level: args.isolation,
        seed,
        shape: Shape {
            keys: args.keys,
            max_writes_per_key: args.max_writes_per_key,
            max_ops: args.max_ops,
            read_fraction: args.read_fraction,
        },
        bank: bank.clone(),
        table: args.table.clone().unwrap_or_else(|| {
            format!(
                "rig_{}_{}",
                args.workload.name().replace('-', "_"),
                std::process::id()
            )
        }),
        keep_table: args.keep_table,
        nemesis: nemesis_of(&args),
        reconnect_for: args.reconnect_for,
    };
    let done = Arc::new(AtomicU64::new(0));
    let finished = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let bar = (format == OutputFormat::Human)
        .then(|| progress_bar(args.duration, args.txns, done.clone(), finished.clone()))
        .flatten();
    let cancel = crate::signals::interrupted();
    let checking = check_options(model, &args.check);
    let config = &target.config;
    let endpoints = &target.endpoints;
    let page = args.html.as_deref().map(|path| PageRequest {
        path,
        connections: args.connections,
        heading: format!(
            "consistency: {} at {}, {} connections, seed {seed}",
            args.workload.name(),
            args.isolation.as_str(),
            args.connections
        ),
    });
    let result = match args.workload {
        WorkloadArg::ListAppend => {
            workload::run_list_append(endpoints, &options, &cancel, done.clone())
                .await
                .map(|run| {
                    settle(
                        run,
                        file,
                        history_format,
                        |h| checker::check(h, &checking),
                        page,
                    )
                })
        }
        WorkloadArg::Bank => workload::run_bank(endpoints, &options, &cancel, done.clone())
            .await
            .map(|run| {
                settle(
                    run,
                    file,
                    history_format,
                    |h| checker::check_bank(h, bank.total(), model),
                    page,
                )
            }),
    };
    if let Some(bar) = bar {
        finished.store(true, Ordering::Relaxed);
        let _ = bar.await;
    }
    let ran = match result {
        Ok(Ok(ran)) => ran,
        Ok(Err(e)) => {
            err!(
                "consistency: error: cannot write the history `{}`: {e}",
                path.display()
            );
            return exit_code::FAILED;
        }
        Err(_) if cancel.is_cancelled() => {
            return crate::report_output::interrupted(
                "consistency",
                format,
                "setting up the workload",
            );
        }
        Err(e) => return crate::report_output::fail("consistency", format, &e, ""),
    };
    let report = &ran.check;
    let name = format!(
        "{} at {} satisfies {model}",
        args.workload.name(),
        args.isolation.as_str()
    );
    match format {
        OutputFormat::Human => print_run(&args, seed, &ran, &path, endpoints),
        OutputFormat::Json => print_json(&serde_json::json!({
            "tool": "consistency",
            "workload": args.workload.name(),
            "server": ran.server,
            "target": config.to_string(),
            "endpoints": endpoints.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
            "isolation": args.isolation.as_str(),
            "connections": args.connections,
            "seed": seed,
            "txns": if args.duration.is_some() { None } else { Some(args.txns) },
            "duration": args.duration.map(|d| d.as_secs_f64()),
            "elapsed": ran.elapsed.as_secs_f64(),
            "throughput": ran.throughput(),
            "errors": ran.errors,
            "history": path,
            "clients_passed": ran.clients.passed(),
            "cancelled": ran.cancelled,
            "nemesis": ran.nemesis,
            "timeline": ran.timeline,
            "final_states": ran.convergence,
            "check": report,
        })),
    }
    if let Err(code) = write_junit(args.check.junit.as_deref(), report, &name) {
        return code;
    }
    if let Some(Err(e)) = &ran.page_written {
        err!("consistency: error: {e}");
        return exit_code::USAGE;
    }
    if ran.cancelled {
        err!("consistency: interrupted; the history so far was checked and written");
        return exit_code::INTERRUPTED;
    }
    if let Some(failure) = &ran.nemesis.failure {
        err!("consistency: error: {failure}; the run was ended there, and the history so far was checked and written");
        return exit_code::FAILED;
    }
    if !ran.convergence.agrees() {
        err!(
            "consistency: the nodes' final states differ ({} keys or accounts)",
            ran.convergence.differing
        );
        return exit_code::FAILED;
    }
    if !ran.clients.passed() {
        for p in ran.clients.participants.iter() {
            if let Some(e) = &p.error {
                err!("consistency: {}: {}", p.name, e.message);
            }
        }
        let code = exit_code::for_verdict(test_rig::Judged::verdict(&ran.clients));
        return code.max(verdict_exit(report));
    }
    verdict_exit(report)
}

fn print_run(
    args: &RunArgs,
    seed: u64,
    ran: &Ran,
    path: &Path,
    endpoints: &[test_rig::ConnectionConfig],
) {
    let targets: Vec<String> = endpoints.iter().map(|e| e.to_string()).collect();
    out!(
        "consistency: {} on {} ({}) at {}, {} connections, seed {seed}",
        args.workload.name(),
        ran.server,
        targets.join(", "),
        args.isolation.as_str(),
        args.connections
    );
    if endpoints.len() > 1 {
        out!(
            "nodes: clients spread round-robin over {} endpoints (client-1 on the first)",
            endpoints.len()
        );
    }
    let last = match args.workload {
        WorkloadArg::ListAppend => "every key",
        WorkloadArg::Bank => "every balance",
    };
    let on_each = if endpoints.len() > 1 {
        " on each node"
    } else {
        ""
    };
    out!(
        "workload: {} transactions in {:.2} s ({:.0} per second), then a final read of {last}{on_each}",
        ran.finished,
        ran.elapsed.as_secs_f64(),
        ran.throughput()
    );
    for (label, count) in &ran.errors {
        let why = match label.as_str() {
            "refused" => "refused by the workload".to_string(),
            "connection" => "ended by a lost connection".to_string(),
            code => format!("ended by error {code}"),
        };
        out!("  {} {why}, e.g. {}", count.count, count.example);
    }
    print_timeline(ran);
    if args.workload == WorkloadArg::ListAppend && !ran.cancelled {
        let lost = ran
            .check
            .anomalies
            .get(&checker::AnomalyKind::LostAppend)
            .map_or(0, |f| f.count);
        match lost {
            0 => out!("lost appends: none (every acknowledged append is in the final reads)"),
            n => out!("lost appends: {n} acknowledged appends missing (see lost-append below)"),
        }
    }
    if ran.convergence.nodes.len() > 1 {
        if ran.convergence.agrees() {
            let rounds = match ran.convergence.rounds {
                0 | 1 => String::new(),
                n => format!(" (after {n} rounds of reads: a node was still catching up)"),
            };
            out!(
                "final states: the {} nodes agree{rounds}",
                ran.convergence.nodes.len()
            );
        } else {
            out!(
                "final states: DIFFER on {} keys or accounts",
                ran.convergence.differing
            );
            for difference in &ran.convergence.differences {
                out!("  {difference}");
            }
        }
    }
    let total = match args.workload {
        WorkloadArg::ListAppend => String::new(),
        WorkloadArg::Bank => format!(" --total {}", i64::from(args.accounts) * args.balance),
    };
    out!(
        "history: {} ({} operations; check it again with `consistency check {}{total}`)",
        path.display(),
        ran.operations,
        path.display()
    );
    out_raw!("{}", ran.check.to_human());
}

/// The nemesis's events and what the clients did around them; each
/// node's committed transactions per second. Nothing for a plain run on
/// one server.
fn print_timeline(ran: &Ran) {
    let seconds = |nanos: u64| nanos as f64 / 1e9;
    let t = &ran.timeline;
    if ran.nemesis.events.is_empty() && t.per_node.is_empty() {
        return;
    }
    if t.kills + t.missed_kills > 0 {
        out!(
            "nemesis: {} connections killed ({} kills found the connection already gone)",
            t.kills,
            t.missed_kills
        );
    }
    let commands = ran.nemesis.events.iter();
    for event in commands.filter(|e| e.kind != workload::EventKind::Kill) {
        let outcome = match &event.error {
            None => "ok".to_string(),
            Some(e) => format!("FAILED: {e}"),
        };
        out!(
            "nemesis: {:>8.3} s  {} `{}` ({outcome}, took {:.2} s)",
            seconds(event.time),
            event.kind.as_str(),
            event.what,
            seconds(event.took)
        );
    }
    out!("timeline (transactions by how they ended; committed per second per node):");
    for w in &t.windows {
        let nodes: Vec<String> = w
            .per_node
            .iter()
            .map(|(node, o)| format!("{node} {:.0}/s", w.rate(o)))
            .collect();
        let nodes = if nodes.is_empty() {
            String::new()
        } else {
            format!("; {}", nodes.join(", "))
        };
        out!(
            "  {:>8.3} s to {:>8.3} s, after {}: {} ok, {} failed, {} unknown{nodes}",
            seconds(w.from),
            seconds(w.to),
            w.after,
            w.outcomes.ok,
            w.outcomes.fail,
            w.outcomes.info
        );
    }
}
