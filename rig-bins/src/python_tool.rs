//! The `python_demo` tool (feature `python`): the common states, then the
//! states and steps of a Python plugin, on one or many connections through
//! the coordinator, reported like the other tools.

use crate::cli::{ConnectionArgs, OutputFormat};
use crate::exit_code;
use crate::{fan_out, report_output};
use clap::Parser;
use std::path::PathBuf;
use std::sync::Arc;
use test_rig::common_states;
use test_rig::python::PythonPlugin;
use test_rig::Workflow;

/// Runs a Python plugin (its states and steps) after the common states
/// (config, connect, test, database, version) on one or many connections.
///
/// Exit codes: 0 all passed, 1 a step failed (a Python exception, a failed
/// check), 2 bad usage or an invalid plugin, 3 no connection could reach its
/// server, 130 interrupted.
#[derive(Debug, Parser)]
#[command(name = "python_demo", version, disable_help_flag = true)]
pub struct PythonArgs {
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectionArgs,

    /// The plugin: a Python file declaring states and steps (see
    /// examples/plugins/demo.py).
    #[arg(long, value_name = "FILE.py")]
    pub plugin: PathBuf,

    /// How many connections run the plugin at once, each on its own session.
    #[arg(short = 'n', long, value_name = "N", default_value_t = 1)]
    pub connections: usize,

    /// Prints the plugin's states and steps as a Mermaid diagram and exits
    /// without connecting.
    #[arg(long)]
    pub diagram: bool,

    /// Output: human (a table per connection) or json (the run report).
    #[arg(long, value_enum, default_value = "human")]
    pub format: OutputFormat,

    /// Also writes the report as JUnit XML to this file.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,

    /// Keeps every step attempt of every connection in the report (by
    /// default the last 100 each, and every step's totals).
    #[arg(long)]
    pub trace_all: bool,
}

/// Runs the tool and returns its exit code.
pub async fn run(args: PythonArgs) -> u8 {
    // Standard output is the report's; a plugin's print() goes to stderr.
    if let Err(e) = test_rig::python::print_to_stderr() {
        err!("python_demo: error: {e}");
        return exit_code::FAILED;
    }
    let plugin = match PythonPlugin::load(&args.plugin) {
        Ok(p) => Arc::new(p),
        Err(e) => {
            err!("python_demo: error: {e}");
            return exit_code::USAGE;
        }
    };
    if args.diagram {
        out_raw!("{}", plugin.meta().mermaid);
        return exit_code::OK;
    }
    if args.connections == 0 {
        err!("python_demo: error: --connections 0: nothing to run; give at least 1");
        return exit_code::USAGE;
    }
    if let Err(code) = report_output::check_junit_path("python_demo", args.junit.as_deref()) {
        return code;
    }
    let target = match args.conn.resolve_for("python_demo", args.format).await {
        Ok(t) => t,
        Err(code) => return code,
    };
    let list = fan_out::copies(&target.endpoints, args.connections);
    let report = match fan_out::run(
        "python_demo",
        args.format,
        &list,
        fan_out::Listed::Copies,
        args.trace_all,
        || (&common_states::WORKFLOW).then(plugin.clone()),
    )
    .await
    {
        Ok(report) => report,
        Err(code) => return code,
    };
    report_output::emit("python_demo", &report, args.format, args.junit.as_deref())
}
