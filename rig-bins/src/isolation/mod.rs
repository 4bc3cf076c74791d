//! The `isolation` tool: runs the Hermitage anomaly catalogue over real
//! concurrent sessions at each isolation level and prints the matrix, the
//! deviations from the server's expected profile, and (with `--explain`)
//! what each session did and saw.

pub mod page;

use crate::cli::{ConnectionArgs, OutputFormat};
use crate::exit_code;
use clap::{Parser, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;
use test_rig::isolation::{
    self, CellResult, Detection, Level, MatrixReport, Options, Outcome, TxnMode, CATALOGUE,
};
use test_rig::text_table::{Style, TextTable};

/// How to tell that a statement waits for a lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LockDetection {
    /// The server's lock-wait view (InnoDB status, TiDB's TIDB_TRX).
    Views,
    /// No view: a statement still running after --block-after counts as blocked.
    Timeout,
}

/// On or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    /// On.
    On,
    /// Off.
    Off,
}

/// TiDB transaction mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TxnModeArg {
    /// Optimistic transactions.
    Optimistic,
    /// Pessimistic transactions.
    Pessimistic,
}

/// Runs Hermitage's anomaly tests (ept/hermitage) over real concurrent
/// sessions at each isolation level, and reports which anomalies the server
/// prevents.
///
/// Exit codes: 0 every cell as expected, 1 a deviation from the expected
/// profile (or a cell that failed or varied), 2 bad usage or configuration,
/// 3 server unreachable, 130 interrupted.
#[derive(Debug, Parser)]
#[command(name = "isolation", version, disable_help_flag = true)]
pub struct IsolationArgs {
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectionArgs,

    /// Tests to run, comma-separated (default: all). See --list.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub tests: Vec<String>,

    /// Levels, comma-separated: read-uncommitted, read-committed, repeatable-read, serializable (default: all).
    #[arg(long, value_delimiter = ',', value_name = "LEVELS")]
    pub levels: Vec<String>,

    /// Runs each cell N times and reports any cell whose outcome varied.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub repeat: u32,

    /// Places session T1, T2 or T3 on another server (a cluster's node),
    /// e.g. T2=mysql://root@127.0.0.1:3312/test; repeatable. Without it,
    /// several --url place T1, T2, T3 round-robin over them.
    #[arg(long, value_name = "Tn=URL")]
    pub session_url: Vec<String>,

    /// Prints TEST's script and what each session saw, at each level.
    #[arg(long, value_name = "TEST")]
    pub explain: Option<String>,

    /// Lists the tests and exits.
    #[arg(long)]
    pub list: bool,

    /// How blocked statements are detected.
    #[arg(long, value_enum, default_value = "views")]
    pub lock_detection: LockDetection,

    /// With --lock-detection timeout: how long a statement may run before it counts as blocked.
    #[arg(long, value_name = "DURATION", default_value = "200ms", value_parser = crate::cli::duration_arg)]
    pub block_after: Duration,

    /// TiDB only: the transaction mode to test.
    #[arg(long, value_enum)]
    pub txn_mode: Option<TxnModeArg>,

    /// MariaDB only: sets innodb_snapshot_isolation for the run (default: the server's).
    #[arg(long, value_enum)]
    pub snapshot_isolation: Option<Switch>,

    /// Output: human (matrix) or json.
    #[arg(long, value_enum, default_value = "human")]
    pub format: OutputFormat,

    /// Also writes the matrix as JUnit XML to this file: one test case per
    /// cell (test, level), failed where it deviates from the profile.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,

    /// Also writes a self-contained HTML page: the matrix as a coloured
    /// grid, each cell opening its interleaving (T1 | T2 | T3).
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,
}

fn valid_ids() -> String {
    CATALOGUE
        .iter()
        .map(|t| t.id)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the arguments ask to run, or why they are not valid (unknown test
/// or level), checked before any connection.
pub fn options(args: &IsolationArgs) -> Result<Options, String> {
    let mut options = Options::default();
    let wanted: Vec<String> = match &args.explain {
        Some(one) => vec![one.clone()],
        None => args.tests.clone(),
    };
    if !wanted.is_empty() {
        options.tests = wanted
            .iter()
            .map(|id| {
                isolation::catalogue::find(id.trim())
                    .ok_or_else(|| format!("unknown test `{id}`; the tests are: {}", valid_ids()))
            })
            .collect::<Result<_, _>>()?;
    }
    if !args.levels.is_empty() {
        options.levels = args
            .levels
            .iter()
            .map(|l| {
                Level::parse(l).ok_or_else(|| {
                    format!("unknown level `{l}`; the levels are: read-uncommitted, read-committed, repeatable-read, serializable")
                })
            })
            .collect::<Result<_, _>>()?;
    }
    // A test or level named twice is run once (`--repeat` is for repeats).
    let mut seen = Vec::new();
    options.tests.retain(|t| {
        let first = !seen.contains(&t.id);
        seen.push(t.id);
        first
    });
    let mut seen = Vec::new();
    options.levels.retain(|l| {
        let first = !seen.contains(l);
        seen.push(*l);
        first
    });
    options.repeat = args.repeat;
    options.detection = match args.lock_detection {
        LockDetection::Views => Detection::LockViews,
        LockDetection::Timeout => Detection::Timeout(args.block_after),
    };
    options.txn_mode = args.txn_mode.map(|m| match m {
        TxnModeArg::Optimistic => TxnMode::Optimistic,
        TxnModeArg::Pessimistic => TxnMode::Pessimistic,
    });
    options.snapshot_isolation = args.snapshot_isolation.map(|s| s == Switch::On);
    Ok(options)
}

fn print_list() {
    for t in CATALOGUE {
        out!("{:<24} {}", t.id, t.title);
    }
}

fn cell_text(cell: &CellResult) -> String {
    let mut text = cell.outcome.as_str().to_string();
    if cell.deviates() {
        text.push_str(" (!)");
    }
    if cell.varied() {
        text.push_str(" (~)");
    }
    text
}

fn print_matrix(report: &MatrixReport, levels: &[Level]) {
    let mut header = format!(
        "isolation: {} ({})",
        report.server, report.server.version_string
    );
    if let Some(on) = report.settings.snapshot_isolation {
        header.push_str(&format!(
            ", innodb_snapshot_isolation={}",
            if on { "ON" } else { "OFF" }
        ));
    }
    if let Some(mode) = &report.settings.txn_mode {
        header.push_str(&format!(", tidb_txn_mode={mode}"));
    }
    out!("{header}");
    if report.sessions.windows(2).any(|w| w[0] != w[1]) {
        let placed: Vec<String> = (1..)
            .zip(&report.sessions)
            .map(|(i, at)| format!("T{i} on {at}"))
            .collect();
        out!("sessions: {} (across nodes: a write conflict between nodes may end in an error at COMMIT rather than a lock wait)", placed.join(", "));
    }
    match report.profile {
        Some(p) => out!("expected profile: {p}"),
        None => {
            out!("expected profile: none for this server (outcomes shown, nothing compared)")
        }
    }
    for w in &report.warnings {
        out!("warning: {w}");
    }
    out!();
    let mut tests: Vec<&str> = Vec::new();
    for c in &report.results {
        if !tests.contains(&c.test) {
            tests.push(c.test);
        }
    }
    let mut table =
        TextTable::new(std::iter::once("test").chain(levels.iter().map(|l| l.as_str())));
    // Columns 24 and 20 wide with their gaps, whatever the cells hold.
    table.min_width(0, 22);
    for column in 1..=levels.len() {
        table.min_width(column, 18);
    }
    for test in tests {
        let cells = levels.iter().map(|l| {
            let cell = report
                .results
                .iter()
                .find(|c| c.test == test && c.level == *l);
            cell.map_or("-".to_string(), cell_text)
        });
        table.row(std::iter::once(test.to_string()).chain(cells));
    }
    out_raw!("{}", table.render(Style::Plain));
    let deviations = report.deviations();
    out!(
        "\n{} cells in {:.2} s; (!) deviates from the profile, (~) varied across --repeat runs;\n\
         where the source only says a level does not prevent an anomaly, either outcome agrees",
        report.results.len(),
        report.elapsed.as_secs_f64()
    );
    if deviations.is_empty() {
        if report.profile.is_some() {
            out!("deviations from the profile: none");
        }
    } else {
        out!("deviations from the profile: {}", deviations.len());
        for c in deviations {
            out!(
                "\n{} at {}: {} (expected {})",
                c.test,
                c.level.as_str(),
                c.outcome.as_str(),
                c.expected.map_or("-", |e| e.as_str())
            );
            for l in c.evidence.describe() {
                out!("    {l}");
            }
            out!("    why: {}", c.why);
        }
    }
    for c in report
        .results
        .iter()
        .filter(|c| c.outcome == Outcome::Error)
    {
        out!("\n{} at {} failed: {}", c.test, c.level.as_str(), c.why);
    }
}

fn print_explain(report: &MatrixReport, test: &str) {
    let Some(case) = isolation::catalogue::find(test) else {
        return;
    };
    let hermitage = case.hermitage();
    out!("{}: {}\n", case.id, case.title);
    for line in &hermitage.source {
        out!("{line}");
    }
    out!("\nHermitage's script:");
    for line in &hermitage.hermitage {
        out!("    {}", line.text.trim());
    }
    if hermitage.as_run.is_some() {
        out!("\nadapted for automation:");
        for line in &hermitage.adaptation {
            out!("    {line}");
        }
    }
    out!("\nas run (the runner sets each cell's level before BEGIN):");
    for step in (case.script)() {
        let op = match step.op {
            isolation::script::Op::Begin => "BEGIN".to_string(),
            isolation::script::Op::Exec(sql) => sql.replace("{t}", "test"),
            isolation::script::Op::Collect => "(collect the result)".to_string(),
            isolation::script::Op::Commit => "COMMIT".to_string(),
            isolation::script::Op::Rollback => "ROLLBACK".to_string(),
        };
        out!("    T{}: {op}", step.session);
    }
    for c in &report.results {
        out!(
            "\nat {}: {}{}",
            c.level.as_str(),
            c.outcome.as_str(),
            c.expected
                .map_or(String::new(), |e| format!(" (expected {})", e.as_str()))
        );
        for l in c.evidence.describe() {
            out!("    {l}");
        }
        out!("    why: {}", c.why);
    }
}

/// Where T1, T2, T3 connect: round-robin over several `--url`, then each
/// `--session-url Tn=URL`; `None` when all three are on the one target.
fn placement(
    args: &IsolationArgs,
    target: &crate::cli::Target,
) -> Result<Option<[test_rig::ConnectionConfig; 3]>, String> {
    let endpoints = &target.endpoints;
    if endpoints.len() < 2 && args.session_url.is_empty() {
        return Ok(None);
    }
    let mut placed: [test_rig::ConnectionConfig; 3] =
        [0, 1, 2].map(|s| endpoints[s % endpoints.len()].clone());
    for given in &args.session_url {
        let (session, url) = given.split_once('=').ok_or_else(|| {
            format!(
                "--session-url `{}`: expected T1=URL, T2=URL or T3=URL",
                test_rig::config::redact_url(given)
            )
        })?;
        let s = match session.trim() {
            "T1" | "t1" => 0,
            "T2" | "t2" => 1,
            "T3" | "t3" => 2,
            other => {
                return Err(format!(
                    "--session-url: `{other}` is not a session: expected T1, T2 or T3"
                ))
            }
        };
        placed[s] = args
            .conn
            .configure_url(url, target)
            .map_err(|e| format!("--session-url {session}: {e}"))?;
    }
    Ok(Some(placed))
}

/// Runs the tool and returns its exit code.
pub async fn run(args: IsolationArgs) -> u8 {
    if args.list {
        print_list();
        return exit_code::OK;
    }
    let options = match options(&args) {
        Ok(o) => o,
        Err(e) => {
            err!("isolation: error: {e}");
            return exit_code::USAGE;
        }
    };
    let mut options = options;
    crate::report_output::remember_files(args.junit.as_deref(), args.html.as_deref());
    if let Err(code) = crate::report_output::check_junit_path("isolation", args.junit.as_deref())
        .and_then(|()| crate::report_output::check_html_path("isolation", args.html.as_deref()))
    {
        return code;
    }
    let target = match args.conn.resolve_for("isolation", args.format).await {
        Ok(t) => t,
        Err(code) => return code,
    };
    options.placement = match placement(&args, &target) {
        Ok(p) => p,
        Err(message) => {
            let class = test_rig::ErrorClass::Configuration;
            return crate::report_output::fail_with(
                "isolation",
                args.format,
                class,
                &message,
                None,
            );
        }
    };
    let cancel = crate::signals::interrupted();
    let result = isolation::run_matrix(&target.config, &options, &cancel).await;
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            let hint = match e {
                test_rig::StateError::MissingPrivilege { .. } => " (--lock-detection timeout)",
                test_rig::StateError::Config(_) if args.txn_mode.is_some() => {
                    " (run without --txn-mode)"
                }
                _ => "",
            };
            return crate::report_output::fail("isolation", args.format, &e, hint);
        }
    };
    if args.txn_mode.is_some() && report.server.flavor != test_rig::Flavor::TiDB {
        err!(
            "isolation: warning: --txn-mode applies to TiDB only; {} ignores it",
            report.server
        );
    }
    match (args.format, &args.explain) {
        (OutputFormat::Json, _) => match serde_json::to_string_pretty(&report) {
            Ok(text) => out!("{text}"),
            Err(e) => err!("isolation: error: cannot render JSON: {e}"),
        },
        (OutputFormat::Human, Some(test)) => print_explain(&report, test),
        (OutputFormat::Human, None) => print_matrix(&report, &options.levels),
    }
    if let Err(code) = crate::report_output::write_junit("isolation", args.junit.as_deref(), || {
        report.to_junit("isolation")
    }) {
        return code;
    }
    if let Err(code) = crate::report_output::write_html("isolation", args.html.as_deref(), || {
        crate::isolation::page::render(&report, &options.levels)
    }) {
        return code;
    }
    if report.cancelled {
        err!("isolation: interrupted; the run's table was dropped");
    }
    exit_code::for_verdict(test_rig::Judged::verdict(&report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        let all = std::iter::once("isolation").chain(args.iter().copied());
        options(&IsolationArgs::try_parse_from(all).unwrap())
    }

    #[test]
    fn a_test_or_level_named_twice_runs_once_in_the_order_given() {
        let o = parse(&[
            "--tests",
            "g1c,g0,g1c",
            "--levels",
            "serializable,read-committed,serializable",
        ])
        .unwrap();
        let ids: Vec<&str> = o.tests.iter().map(|t| t.id).collect();
        assert_eq!(ids, ["g1c", "g0"]);
        assert_eq!(o.levels, [Level::Serializable, Level::ReadCommitted]);
    }

    #[test]
    fn unknown_tests_and_levels_are_named() {
        let e = parse(&["--tests", "g9"]).unwrap_err();
        assert!(e.starts_with("unknown test `g9`; the tests are: "), "{e}");
        let e = parse(&["--levels", "snapshot"]).unwrap_err();
        assert!(e.starts_with("unknown level `snapshot`"), "{e}");
    }
}
