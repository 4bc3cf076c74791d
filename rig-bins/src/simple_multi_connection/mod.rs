//! The `simple_multi_connection` tool: the common workflow on many
//! connections at once through the coordinator, optionally several times
//! each, with a live progress display and a per-connection report.

pub mod load;

use crate::cli::{ConnectionArgs, OutputFormat};
use crate::config_file::{self, Defaults, NamedConnection};
use crate::exit_code;
use crate::{fan_out, report_output};
use clap::Parser;
use std::path::PathBuf;
use test_rig::common_states;
use test_rig::Workflow;

/// Runs the common workflow (config, connect, test, database, version) on
/// many connections concurrently and reports on each.
///
/// Exit codes: 0 all passed, 1 a connection failed, 2 bad usage or
/// configuration, 3 no connection could reach its server, 130 interrupted.
#[derive(Debug, Parser)]
#[command(name = "simple_multi_connection", version, disable_help_flag = true)]
pub struct MultiArgs {
    /// Connection options (the target of every copy with --connections).
    #[command(flatten)]
    pub conn: ConnectionArgs,

    /// How many copies of the one target to run.
    #[arg(
        short = 'n',
        long,
        value_name = "N",
        default_value_t = 4,
        conflicts_with = "config"
    )]
    pub connections: usize,

    /// A TOML file listing connections (`[[connection]]` with id, url or
    /// host/port/user/database, password or password_env, ssl_mode, ssl_ca,
    /// connect_timeout, session_init = ["SQL", ...]).
    #[arg(long, value_name = "FILE.toml", conflicts_with_all = ["url", "host", "port", "user", "database", "password"])]
    pub config: Option<PathBuf>,

    /// Runs the workflow this many times on each connection (default 1);
    /// in load mode, passes over the statements per connection.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..))]
    pub iterations: Option<u32>,

    /// Load mode: runs this statement on every connection over and over
    /// (repeat the option for several, run in order as one pass). Write
    /// {participant} (the connection's number, 1 to N) and {iteration} (the
    /// pass, from 1) bare: they are bound as parameters.
    #[arg(long, value_name = "STATEMENT", conflicts_with = "sql_file")]
    pub sql: Vec<String>,

    /// Load mode: the statements of one pass from a file, each ending with `;`.
    #[arg(long, value_name = "FILE")]
    pub sql_file: Option<PathBuf>,

    /// Load mode: how long to run (default 10s unless --iterations is given).
    #[arg(long, value_name = "DURATION", value_parser = crate::cli::duration_arg, conflicts_with = "iterations")]
    pub duration: Option<std::time::Duration>,

    /// Load mode: at most this many passes per second over all connections
    /// together (e.g. 500/s); default: as fast as the server answers.
    #[arg(long, value_name = "N/s", value_parser = crate::simple_multi_connection::load::rate_arg)]
    pub rate: Option<f64>,

    /// Load mode: prints TPS, errors and latency percentiles this often (0: never).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = interval_arg)]
    pub report_interval: Option<std::time::Duration>,

    /// Output: human (a table per connection) or json (the run report).
    #[arg(long, value_enum, default_value = "human")]
    pub format: OutputFormat,

    /// Also writes the report as JUnit XML to this file.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,

    /// Also writes a self-contained HTML page: a timeline per connection,
    /// the figures of a load run, the workflow's state diagram.
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,

    /// Keeps every step attempt of every connection in the report (by
    /// default the last 100 each, and every step's totals).
    #[arg(long)]
    pub trace_all: bool,

    /// Prints the workflow each connection runs as a Mermaid diagram and
    /// exits without connecting.
    #[arg(long)]
    pub diagram: bool,
}

fn interval_arg(value: &str) -> Result<std::time::Duration, String> {
    if value.trim() == "0" {
        return Ok(std::time::Duration::ZERO);
    }
    crate::cli::duration_arg(value)
}

impl MultiArgs {
    /// Whether statements were given: the load mode.
    pub fn is_load(&self) -> bool {
        !self.sql.is_empty() || self.sql_file.is_some()
    }
}

async fn connections(args: &MultiArgs) -> Result<Vec<NamedConnection>, (u8, String)> {
    if let Some(path) = &args.config {
        let defaults = Defaults {
            connect_timeout: args.conn.connect_timeout,
            ssl_mode: args.conn.ssl_mode,
        };
        let mut list = config_file::load(path, defaults).map_err(|e| (exit_code::USAGE, e))?;
        // --session-init runs on every session, after an entry's own.
        for entry in &mut list {
            let extra = args.conn.session_init.iter().cloned();
            entry.config.session_init.extend(extra);
        }
        return Ok(list);
    }
    if args.connections == 0 {
        return Err((
            exit_code::USAGE,
            "--connections 0: nothing to run; give at least 1".into(),
        ));
    }
    let target = args
        .conn
        .resolve_for("simple_multi_connection", args.format)
        .await
        .map_err(|code| (code, String::new()))?;
    Ok(fan_out::copies(&target.endpoints, args.connections))
}

/// Runs the tool and returns its exit code.
pub async fn run(args: MultiArgs) -> u8 {
    if args.diagram {
        out_raw!("{}", test_rig::common_states::META.mermaid);
        return exit_code::OK;
    }
    if !args.is_load() && (args.duration.is_some() || args.rate.is_some()) {
        err!("simple_multi_connection: error: --duration and --rate belong to the load mode: give --sql or --sql-file");
        return exit_code::USAGE;
    }
    report_output::remember_files(args.junit.as_deref(), args.html.as_deref());
    if let Err(code) =
        report_output::check_junit_path("simple_multi_connection", args.junit.as_deref()).and_then(
            |()| report_output::check_html_path("simple_multi_connection", args.html.as_deref()),
        )
    {
        return code;
    }
    let list = match connections(&args).await {
        Ok(list) => list,
        Err((code, message)) => {
            // An empty message was reported where it arose.
            if !message.is_empty() {
                let class = test_rig::ErrorClass::Configuration;
                let tool = "simple_multi_connection";
                report_output::fail_with(tool, args.format, class, &message, None);
            }
            return code;
        }
    };
    let listed = match args.config {
        Some(_) => fan_out::Listed::ConfigFile,
        None => fan_out::Listed::Copies,
    };
    if args.is_load() {
        return crate::simple_multi_connection::load::run(&args, &list, listed).await;
    }
    let report = match fan_out::run(
        "simple_multi_connection",
        args.format,
        &list,
        listed,
        args.trace_all,
        list.iter()
            .map(|_| (&common_states::WORKFLOW).repeat(args.iterations.unwrap_or(1)))
            .collect(),
    )
    .await
    {
        Ok(report) => report,
        Err(code) => return code,
    };
    let diagrams = [("common", test_rig::common_states::META.mermaid)];
    let files = report_output::Files {
        junit: args.junit.as_deref(),
        html: args.html.as_deref().map(|p| (p, &diagrams[..])),
    };
    report_output::emit_with("simple_multi_connection", &report, args.format, files)
}
