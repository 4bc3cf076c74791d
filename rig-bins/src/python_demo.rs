//! The `python_demo` tool (feature `python`): the common states, then the
//! states and steps of a Python plugin, on one or many connections through
//! the coordinator, reported like the other tools.

use crate::cli::{ConnectionArgs, OutputFormat};
use crate::config_file as fan_out_list;
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
    #[arg(
        short = 'n',
        long,
        value_name = "N",
        default_value_t = 1,
        conflicts_with = "roles"
    )]
    pub connections: usize,

    /// For a plugin whose steps name roles: how many participants play
    /// each, e.g. checker=1,teller=9 (named checker-1, teller-1 ...).
    #[arg(long, value_name = "ROLE=N,...", value_parser = roles_arg)]
    pub roles: Option<Roles>,

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

    /// Also writes a self-contained HTML page: a timeline per participant
    /// and the state diagrams of the common states and the plugin.
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,

    /// Keeps every step attempt of every connection in the report (by
    /// default the last 100 each, and every step's totals).
    #[arg(long)]
    pub trace_all: bool,
}

/// `--roles`: each role with how many participants play it, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles(pub Vec<(String, usize)>);

/// `checker=1,teller=9`: each role once, each with at least one participant.
pub fn roles_arg(value: &str) -> Result<Roles, String> {
    let mut roles: Vec<(String, usize)> = Vec::new();
    for part in value.split(',') {
        let (name, count) = part
            .split_once('=')
            .ok_or_else(|| format!("`{part}`: expected ROLE=N, e.g. checker=1,teller=9"))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(format!("`{part}`: the role has no name"));
        }
        let count: usize = count
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("`{part}`: the count must be a whole number of at least 1"))?;
        if roles.iter().any(|(r, _)| r == name) {
            return Err(format!("role `{name}` is given twice"));
        }
        roles.push((name.to_string(), count));
    }
    Ok(Roles(roles))
}

/// The participants and the role each plays: `role-1` ... per role, spread
/// round-robin over the endpoints; without roles, `conn-1` ... `conn-N`.
fn participants(
    endpoints: &[test_rig::ConnectionConfig],
    roles: Option<&[(String, usize)]>,
    connections: usize,
) -> Vec<(fan_out_list::NamedConnection, Option<String>)> {
    match roles {
        None => fan_out::copies(endpoints, connections)
            .into_iter()
            .map(|c| (c, None))
            .collect(),
        Some(roles) => roles
            .iter()
            .flat_map(|(role, n)| (1..=*n).map(move |i| (role.clone(), i)))
            .zip(endpoints.iter().cycle())
            .map(|((role, i), config)| {
                let named = fan_out_list::NamedConnection {
                    id: format!("{role}-{i}"),
                    config: config.clone(),
                };
                (named, Some(role))
            })
            .collect(),
    }
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
    // Every role given must be the plugin's, and a plugin with roles needs them all given.
    let roles = args.roles.as_ref().map(|r| r.0.as_slice());
    let given: Vec<Option<&str>> = match roles {
        Some(list) => list.iter().map(|(r, _)| Some(r.as_str())).collect(),
        None => vec![None],
    };
    for role in &given {
        if let Err(e) = plugin.for_role(*role) {
            err!("python_demo: error: {e}");
            return exit_code::USAGE;
        }
    }
    if let Some(missing) = plugin
        .roles()
        .into_iter()
        .find(|r| !given.contains(&Some(*r)))
    {
        err!(
            "python_demo: error: --roles gives no participant the plugin's role `{missing}`; add {missing}=N"
        );
        return exit_code::USAGE;
    }
    report_output::remember_files(args.junit.as_deref(), args.html.as_deref());
    if let Err(code) = report_output::check_junit_path("python_demo", args.junit.as_deref())
        .and_then(|()| report_output::check_html_path("python_demo", args.html.as_deref()))
    {
        return code;
    }
    let target = match args.conn.resolve_for("python_demo", args.format).await {
        Ok(t) => t,
        Err(code) => return code,
    };
    let mut list = Vec::new();
    let mut workflows = Vec::new();
    for (named, role) in participants(&target.endpoints, roles, args.connections) {
        match plugin.for_role(role.as_deref()) {
            Ok(variant) => workflows.push((&common_states::WORKFLOW).then(variant)),
            Err(e) => {
                err!("python_demo: error: {e}");
                return exit_code::USAGE;
            }
        }
        list.push(named);
    }
    let report = match fan_out::run(
        "python_demo",
        args.format,
        &list,
        fan_out::Listed::Copies,
        args.trace_all,
        workflows,
    )
    .await
    {
        Ok(report) => report,
        Err(code) => return code,
    };
    let diagrams = [
        ("common", common_states::META.mermaid),
        (plugin.meta().name, plugin.meta().mermaid),
    ];
    let files = report_output::Files {
        junit: args.junit.as_deref(),
        html: args.html.as_deref().map(|p| (p, &diagrams[..])),
    };
    report_output::emit_with("python_demo", &report, args.format, files)
}
