//! One workflow on every connection of a list, through the coordinator:
//! what `simple_multi_connection` and `python_demo` share. Refuses a run the
//! server has no room for, shows live progress, cancels on Ctrl-C. A server
//! that does not answer that check within the connect timeout is not waited
//! for a second time: its participants fail at once with the check's error.

use crate::cli::OutputFormat;
use crate::config_file::NamedConnection;
use crate::exit_code;
use crate::progress::Progress;
use crate::report_output::{fail_with, interrupted};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use test_rig::preflight::check_capacity;
use test_rig::workflow::BoxFuture;
use test_rig::{
    ConnectionConfig, Coordinator, ErrorClass, RunReport, StateContext, StateError, StepFailed,
    Workflow,
};

/// `n` connections named `conn-1` ... `conn-n`, spread round-robin over
/// `endpoints` (the nodes of a cluster, or one server): `conn-1` on the
/// first, `conn-2` on the second, and so on.
pub fn copies(endpoints: &[ConnectionConfig], n: usize) -> Vec<NamedConnection> {
    (1..=n)
        .zip(endpoints.iter().cycle())
        .map(|(i, config)| NamedConnection {
            id: format!("conn-{i}"),
            config: config.clone(),
        })
        .collect()
}

/// Where a run's connections came from, which says how to ask for fewer.
#[derive(Debug, Clone, Copy)]
pub enum Listed {
    /// `--connections N` copies of one target.
    Copies,
    /// The entries of a `--config` file.
    ConfigFile,
}

impl Listed {
    fn how_to_ask_for_fewer(self) -> &'static str {
        match self {
            Listed::Copies => "lower --connections",
            Listed::ConfigFile => "list fewer connections to it in the --config file",
        }
    }
}

/// Runs `workflow()` on every connection of `list` at once and returns the
/// report, with every step attempt in it when `trace_all` (else the last
/// ones); on a refused run, prints why (as `tool`) and gives the exit code.
pub async fn run<W>(
    tool: &str,
    format: OutputFormat,
    list: &[NamedConnection],
    listed: Listed,
    trace_all: bool,
    workflows: Vec<W>,
) -> Result<RunReport, u8>
where
    W: Workflow + 'static,
{
    let silent = preflight(tool, format, list, listed).await?;
    let progress = Arc::new(Progress::new(list.len()));
    let mut coord = Coordinator::new();
    coord.observe(progress.clone());
    if trace_all {
        coord.keep_transitions(None);
    }
    coord.cancelled_by(&crate::signals::interrupted());
    for (c, workflow) in list.iter().zip(workflows) {
        let added = match silent.get(&c.config.address()) {
            Some(after) => {
                let unanswered = Unanswered {
                    name: workflow.name(),
                    address: c.config.address(),
                    after: *after,
                };
                coord.add_workflow(&c.id, c.config.clone(), unanswered)
            }
            None => coord.add_workflow(&c.id, c.config.clone(), workflow),
        };
        if let Err(e) = added {
            err!("{tool}: error: {e}");
            return Err(exit_code::USAGE);
        }
    }
    let report = coord.run().await;
    progress.finish();
    Ok(report)
}

/// Refuses, as `tool`, a run that asks a server for more connections than
/// it allows (exit 2), or one interrupted meanwhile (130); gives the
/// servers that did not answer the check, with how long they were given.
pub async fn preflight(
    tool: &str,
    format: OutputFormat,
    list: &[NamedConnection],
    listed: Listed,
) -> Result<BTreeMap<String, Duration>, u8> {
    let configs = list.iter().map(|c| &c.config);
    let checked = crate::signals::unless_interrupted(check_capacity(configs)).await;
    let silent = match checked {
        None => return Err(interrupted(tool, format, "checking the server's capacity")),
        Some(Ok(silent)) => silent,
        Some(Err(refused)) => {
            let message = format!(
                "{refused}; {} or raise max_connections",
                listed.how_to_ask_for_fewer()
            );
            let class = ErrorClass::Configuration;
            return Err(fail_with(tool, format, class, &message, None));
        }
    };
    for (address, after) in &silent {
        err!(
            "{tool}: {address} did not answer the capacity check within {after:.1?}: its connections fail without a second wait"
        );
    }
    Ok(silent)
}

/// A participant whose server did not answer the capacity check within the
/// connect timeout: it fails in `Connecting` with that timeout at once,
/// rather than waiting as long again for the same silence.
struct Unanswered {
    name: String,
    address: String,
    after: Duration,
}

impl Workflow for Unanswered {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn run<'a>(&'a self, cx: StateContext) -> BoxFuture<'a, Result<StateContext, StepFailed>> {
        let error = StateError::ConnectTimeout {
            address: self.address.clone(),
            after: self.after,
        };
        let failed = StepFailed::in_step("common", "connect", "Connecting", error, cx);
        Box::pin(async move { Err(failed) })
    }
}
