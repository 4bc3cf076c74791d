//! The isolation suite: Hermitage's anomaly catalogue run over real
//! concurrent sessions at each isolation level, with the outcome of every
//! (test, level) cell decided by a rule and compared with what the server's
//! flavor and version are expected to do.
//!
//! `catalogue.rs` holds the scripts, `hermitage/` the transcriptions of
//! Hermitage's scripts they are checked against (read by `transcript.rs`),
//! `rules.rs` the rules that judge a run, `script.rs` the typestate builder
//! the scripts are written with, `runner.rs` the interleaving engine,
//! `evidence.rs` what a run records, `profiles.rs` the expectations and
//! their sources.

pub mod catalogue;
pub mod evidence;
mod junit;
mod lockwait;
pub mod profiles;
pub mod rules;
mod runner;
pub mod script;
pub mod transcript;

pub use catalogue::{TestCase, Verdict, CATALOGUE};
pub use evidence::{Evidence, StepKind, StepRecord};
pub use profiles::{Expectation, Profile, ServerSettings};
pub use runner::Detection;
pub use script::{Idle, InTxn, Pending, Script, Tx};

use crate::config::ConnectionConfig;
use crate::error::StateError;
use crate::flavor::{Flavor, ServerInfo};
use crate::session::Session;
use serde::Serialize;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// An isolation level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// READ UNCOMMITTED.
    ReadUncommitted,
    /// READ COMMITTED.
    ReadCommitted,
    /// REPEATABLE READ.
    RepeatableRead,
    /// SERIALIZABLE.
    Serializable,
}

impl Level {
    /// All four, weakest first.
    pub const ALL: [Level; 4] = [
        Level::ReadUncommitted,
        Level::ReadCommitted,
        Level::RepeatableRead,
        Level::Serializable,
    ];

    /// `read-uncommitted`, `read-committed`, `repeatable-read`, `serializable`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::ReadUncommitted => "read-uncommitted",
            Level::ReadCommitted => "read-committed",
            Level::RepeatableRead => "repeatable-read",
            Level::Serializable => "serializable",
        }
    }

    /// As SQL writes it.
    pub fn sql(self) -> &'static str {
        match self {
            Level::ReadUncommitted => "READ UNCOMMITTED",
            Level::ReadCommitted => "READ COMMITTED",
            Level::RepeatableRead => "REPEATABLE READ",
            Level::Serializable => "SERIALIZABLE",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// Parses a level name as `as_str` writes it (underscores and case ignored).
    pub fn parse(text: &str) -> Option<Level> {
        let t = text.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        Level::ALL.into_iter().find(|l| l.as_str() == t)
    }
}

/// How a cell ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The anomaly happened.
    Anomaly,
    /// The server prevented it.
    Prevented,
    /// The server refuses this isolation level.
    NotSupported,
    /// The run failed for another reason.
    Error,
}

impl Outcome {
    /// `anomaly`, `prevented`, `not-supported`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Anomaly => "anomaly",
            Outcome::Prevented => "prevented",
            Outcome::NotSupported => "not-supported",
            Outcome::Error => "error",
        }
    }
}

/// One (test, level) cell.
#[derive(Debug, Clone, Serialize)]
pub struct CellResult {
    /// The test id.
    pub test: &'static str,
    /// The level.
    pub level: Level,
    /// What the cell showed (the first run's, with `--repeat`); `observed`
    /// in JSON, where `outcome` is only ever how a run ended.
    #[serde(rename = "observed")]
    pub outcome: Outcome,
    /// What the profile expects, if it says.
    pub expected: Option<Expectation>,
    /// Why the rule decided so (or what failed).
    pub why: String,
    /// Every outcome, when the cell ran more than once.
    pub runs: Vec<Outcome>,
    /// What each session did and saw (of the first run).
    #[serde(flatten)]
    pub evidence: Evidence,
}

impl CellResult {
    /// Whether the outcome disagrees with a stated expectation.
    pub fn deviates(&self) -> bool {
        self.expected.is_some_and(|e| !e.accepts(self.outcome))
    }

    /// Whether repeated runs disagreed.
    pub fn varied(&self) -> bool {
        self.runs.windows(2).any(|w| w[0] != w[1])
    }
}

impl crate::verdict::Judged for MatrixReport {
    /// Interrupted when cancelled; failed when a cell deviates from its
    /// expectation, repeated runs disagree or a cell could not run; else
    /// passed.
    fn verdict(&self) -> crate::verdict::RunVerdict {
        use crate::verdict::RunVerdict;
        if self.cancelled {
            RunVerdict::Interrupted
        } else if self
            .results
            .iter()
            .any(|c| c.deviates() || c.varied() || c.outcome == Outcome::Error)
        {
            RunVerdict::Failed(crate::ErrorClass::Failed)
        } else {
            RunVerdict::Passed
        }
    }
}

/// TiDB's transaction mode (`tidb_txn_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TxnMode {
    /// Conflicts are found at commit.
    Optimistic,
    /// Locks are taken as statements run.
    Pessimistic,
}

impl TxnMode {
    /// `optimistic` or `pessimistic`, as the variable takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            TxnMode::Optimistic => "optimistic",
            TxnMode::Pessimistic => "pessimistic",
        }
    }

    /// The mode a value of `tidb_txn_mode` selects: TiDB reads an empty
    /// value as optimistic (system-variables.md); `None` for a value TiDB
    /// does not document.
    pub fn from_variable(value: &str) -> Option<TxnMode> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "optimistic" => Some(TxnMode::Optimistic),
            "pessimistic" => Some(TxnMode::Pessimistic),
            _ => None,
        }
    }
}

impl std::fmt::Display for TxnMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Tests, in order.
    pub tests: Vec<&'static TestCase>,
    /// Levels, in order.
    pub levels: Vec<Level>,
    /// Runs per cell.
    pub repeat: u32,
    /// Lock-wait detection.
    pub detection: Detection,
    /// TiDB transaction mode to set, if any.
    pub txn_mode: Option<TxnMode>,
    /// MariaDB `innodb_snapshot_isolation` to set for the run, if any.
    pub snapshot_isolation: Option<bool>,
    /// Where T1, T2 and T3 connect (a cluster's nodes); `None`: all three
    /// on the run's server. The table and each cell's rows are written on
    /// the run's server and awaited on the others.
    pub placement: Option<[ConnectionConfig; 3]>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            tests: CATALOGUE.iter().collect(),
            levels: Level::ALL.to_vec(),
            repeat: 1,
            detection: Detection::LockViews,
            txn_mode: None,
            snapshot_isolation: None,
            placement: None,
        }
    }
}

/// The whole matrix.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixReport {
    /// The server.
    pub server: ServerInfo,
    /// Settings that change expectations.
    #[serde(skip)]
    pub settings: ServerSettings,
    /// The profile the cells are compared with.
    pub profile: Option<&'static str>,
    /// Things the user should know (e.g. TiDB's automatic retry is on).
    pub warnings: Vec<String>,
    /// Every cell, test by test, level by level.
    pub results: Vec<CellResult>,
    /// Wall time.
    #[serde(
        rename = "elapsed_ms",
        serialize_with = "crate::run::serialize::serialize_millis"
    )]
    pub elapsed: Duration,
    /// Whether the run was cancelled before the last cell.
    pub cancelled: bool,
    /// The run's own table (dropped when the run ends).
    pub table: String,
    /// Where T1, T2 and T3 ran (`host:port`).
    pub sessions: Vec<String>,
}

impl MatrixReport {
    /// Cells whose outcome deviates from the profile.
    pub fn deviations(&self) -> Vec<&CellResult> {
        self.results.iter().filter(|c| c.deviates()).collect()
    }
}

/// TiDB's automatic retry of optimistic transactions, as the server is set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct AutoRetry {
    /// `tidb_disable_txn_auto_retry` (1 or 0).
    disabled: Option<i64>,
    /// `tidb_retry_limit`.
    limit: Option<i64>,
}

impl AutoRetry {
    /// Why TiDB itself may re-run a conflicting transaction in this run, if
    /// it can: optimistic-transaction.md has the retry apply to optimistic
    /// transactions only, when `tidb_disable_txn_auto_retry` is OFF, up to
    /// `tidb_retry_limit` times (0: none), and no longer from v8.0.0, which
    /// deprecates the variable and retries nothing.
    fn warning(self, server: &ServerInfo, txn_mode: Option<TxnMode>) -> Option<String> {
        let optimistic = txn_mode == Some(TxnMode::Optimistic);
        let retries = self.disabled == Some(0) && self.limit.is_some_and(|n| n > 0);
        (server.flavor == Flavor::TiDB
            && server.version < crate::flavor::Version::new(8, 0, 0)
            && optimistic
            && retries)
            .then(|| {
                format!(
                    "tidb_disable_txn_auto_retry is OFF and tidb_retry_limit is {}: TiDB retries conflicting optimistic transactions itself, which can hide lost updates",
                    self.limit.unwrap_or_default()
                )
            })
    }
}

/// The server variable `name`, or `None` where the server has no such
/// variable (each one is asked apart, so that one missing does not hide
/// the others).
async fn variable<T: mysql_async::prelude::FromValue + Send + 'static>(
    session: &mut Session,
    name: &str,
) -> Option<T> {
    session
        .query_first(&format!("SELECT @@{name}"))
        .await
        .ok()
        .flatten()
}

/// A server variable that is ON or OFF (1 or 0), or `None` where the
/// server has no such variable.
async fn switch(session: &mut Session, name: &str) -> Option<bool> {
    variable::<i64>(session, name).await.map(|v| v != 0)
}

async fn read_settings(session: &mut Session, server: &ServerInfo) -> (ServerSettings, AutoRetry) {
    let mut settings = ServerSettings::default();
    let mut retry = AutoRetry::default();
    match server.flavor {
        Flavor::MariaDB => {
            // Unknown before 10.6.18 / 10.11.8 / 11.x: treated as OFF.
            settings.snapshot_isolation = switch(session, "innodb_snapshot_isolation").await;
        }
        Flavor::TiDB => {
            let mode: Option<String> = variable(session, "tidb_txn_mode").await;
            settings.txn_mode = mode.as_deref().and_then(TxnMode::from_variable);
            if let (Some(value), None) = (&mode, settings.txn_mode) {
                tracing::warn!(
                    "tidb_txn_mode is `{value}`, which TiDB does not document: no profile applies"
                );
            }
            settings.skip_isolation_level_check =
                switch(session, "tidb_skip_isolation_level_check").await;
            // Absent on later versions: then there is no retry to warn of.
            retry.disabled = variable(session, "tidb_disable_txn_auto_retry").await;
            retry.limit = variable(session, "tidb_retry_limit").await;
        }
        Flavor::MySQL => {}
    }
    (settings, retry)
}

/// Why `SET SESSION innodb_snapshot_isolation` failed, in the user's
/// terms: 1193 (unknown system variable) is a MariaDB that lacks it.
fn snapshot_isolation_refused(server: &ServerInfo, error: StateError) -> StateError {
    match error.server_code() {
        Some(1193) => StateError::step(format!(
            "{server} has no innodb_snapshot_isolation (MariaDB 10.6.18, 10.11.8, 11.x and later have it)"
        )),
        _ => error,
    }
}

/// Whether the server refused the level itself, which makes the cell
/// `not-supported` rather than an error: TiDB's 8048 ("The isolation level
/// '…' is not supported", TiDB's "Transaction isolation levels"; see
/// `profiles`). Not 1568, "Transaction characteristics can't be changed
/// while a transaction is in progress" (MariaDB's error 1568): a level set
/// at the wrong moment is the run's fault, an error cell.
fn refuses_level(error: &StateError) -> bool {
    error.server_code() == Some(8048)
}

fn unique_table() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{}{}_{nanos}", runner::TABLE_PREFIX, std::process::id())
}

/// Runs the matrix. The run's table is dropped at the end, also after an
/// error or a cancel.
pub async fn run_matrix(
    config: &ConnectionConfig,
    options: &Options,
    cancel: &CancellationToken,
) -> Result<MatrixReport, StateError> {
    let started = Instant::now();
    // A cancel while the server has not answered yet ends the run at once
    // (nothing was made on it); later ones stop between cells.
    let mut probe = tokio::select! {
        biased;
        _ = cancel.cancelled() => return Err(StateError::Cancelled),
        probe = Session::connect(config) => probe?,
    };
    let server = probe.server_info().await?;
    let (mut settings, retry) = read_settings(&mut probe, &server).await;
    let mut warnings = Vec::new();
    let _ = probe.close().await;
    let table = unique_table();
    let placement = options
        .placement
        .clone()
        .unwrap_or_else(|| [config.clone(), config.clone(), config.clone()]);
    let sessions = placement.iter().map(ConnectionConfig::address).collect();
    let (mut runner, swept) =
        runner::Runner::open(config, placement, &server, table.clone(), options.detection).await?;
    if swept > 0 {
        warnings.push(format!(
            "dropped {swept} table(s) that earlier runs left behind ({}*, no run holds them)",
            runner::TABLE_PREFIX
        ));
    }
    if let (Flavor::TiDB, Some(mode)) = (server.flavor, options.txn_mode) {
        if let Err(e) = runner
            .on_each_session(&format!("SET SESSION tidb_txn_mode = '{mode}'"))
            .await
        {
            // The run's table goes either way.
            let _ = runner.close().await;
            let current = settings.txn_mode.map_or("unknown", TxnMode::as_str);
            // A setting this server will not take: a configuration error.
            return Err(StateError::Config(crate::config::ConfigError::Invalid(format!(
                "the server refused to set tidb_txn_mode to {mode} ({e}); where the variable is read-only (TiDB Cloud Starter and Essential), leave the mode as the server has it, `{current}`"
            ))));
        }
        settings.txn_mode = Some(mode);
    }
    if let Some(on) = options.snapshot_isolation {
        let sql = format!(
            "SET SESSION innodb_snapshot_isolation = {}",
            if on { "ON" } else { "OFF" }
        );
        if let Err(e) = runner.on_each_session(&sql).await {
            let _ = runner.close().await;
            return Err(snapshot_isolation_refused(&server, e));
        }
        settings.snapshot_isolation = Some(on);
    }
    warnings.extend(retry.warning(&server, settings.txn_mode));
    if settings.skip_isolation_level_check == Some(true) {
        warnings.push(
            "tidb_skip_isolation_level_check is ON: TiDB accepts READ UNCOMMITTED and SERIALIZABLE without providing them, so their columns show what its other levels do and nothing is expected of them".into(),
        );
    }
    let profile = profiles::for_server(&server, &settings);
    let outcome = run_cells(&mut runner, options, profile, cancel).await;
    let dropped = runner.close().await;
    let (results, cancelled) = outcome?;
    dropped?;
    Ok(MatrixReport {
        server,
        settings,
        profile: profile.map(|p| p.name),
        warnings,
        results,
        elapsed: started.elapsed(),
        cancelled,
        table,
        sessions,
    })
}

async fn run_cells(
    runner: &mut runner::Runner,
    options: &Options,
    profile: Option<Profile>,
    cancel: &CancellationToken,
) -> Result<(Vec<CellResult>, bool), StateError> {
    let mut results = Vec::new();
    for test in &options.tests {
        let steps = (test.script)();
        for &level in &options.levels {
            if cancel.is_cancelled() {
                return Ok((results, true));
            }
            let mut cell = CellResult {
                test: test.id,
                level,
                outcome: Outcome::Error,
                expected: profile.and_then(|p| p.expected(test.id, level)),
                why: String::new(),
                runs: Vec::new(),
                evidence: Evidence::default(),
            };
            for run in 0..options.repeat.max(1) {
                // A cell takes milliseconds: a cancel is honoured between
                // cells, so that no transaction is left open on the table.
                if cancel.is_cancelled() {
                    return Ok((results, true));
                }
                // A failed cell keeps what ran before the failure, for
                // `--explain` and the page to show.
                let mut evidence = Evidence::default();
                let (outcome, why) = match runner.run(&steps, level, &mut evidence).await {
                    Ok(()) => {
                        let verdict = (test.rule)(&evidence);
                        let outcome = if verdict.anomaly {
                            Outcome::Anomaly
                        } else {
                            Outcome::Prevented
                        };
                        (outcome, verdict.why)
                    }
                    Err(e) if refuses_level(&e) => (
                        Outcome::NotSupported,
                        format!("the server refuses {}: {e}", level.sql()),
                    ),
                    Err(e) => (Outcome::Error, e.to_string()),
                };
                if run == 0 {
                    cell.outcome = outcome;
                    cell.why = why;
                    cell.evidence = evidence;
                }
                cell.runs.push(outcome);
            }
            results.push(cell);
        }
    }
    Ok((results, false))
}

#[cfg(test)]
mod server_answer_tests {
    use super::*;
    use crate::error::server_answer as answered;

    /// TiDB's refusal of a level, as its documentation quotes it, makes a
    /// `not-supported` cell; a level set inside a transaction (MariaDB's
    /// 1568) and other errors do not.
    #[test]
    fn only_a_refusal_of_the_level_itself_is_not_supported() {
        let tidb = answered(
            8048,
            "The isolation level 'SERIALIZABLE' is not supported. Set tidb_skip_isolation_level_check=1 to skip this error",
        );
        assert!(refuses_level(&tidb));
        let in_transaction = answered(
            1568,
            "Transaction characteristics can't be changed while a transaction is in progress",
        );
        assert!(!refuses_level(&in_transaction));
        assert!(!refuses_level(&answered(1064, "syntax")));
        assert!(!refuses_level(&StateError::step("not from the server")));
    }

    /// A MariaDB without `innodb_snapshot_isolation` (1193, unknown system
    /// variable) is told apart from other refusals, which pass unchanged.
    #[test]
    fn a_server_without_snapshot_isolation_is_named() {
        let old = ServerInfo::from_version("10.6.17-MariaDB", "").unwrap();
        let unknown = answered(1193, "Unknown system variable 'innodb_snapshot_isolation'");
        let said = snapshot_isolation_refused(&old, unknown).to_string();
        assert!(
            said.contains("MariaDB 10.6.17 has no innodb_snapshot_isolation")
                && said.contains("10.6.18, 10.11.8, 11.x"),
            "{said}"
        );
        let denied = snapshot_isolation_refused(&old, answered(1227, "Access denied"));
        assert_eq!(denied.server_code(), Some(1227));
    }
}

#[cfg(test)]
mod auto_retry_tests {
    use super::*;

    fn tidb(version: &str) -> ServerInfo {
        ServerInfo::from_version(&format!("8.0.11-TiDB-{version}"), "").unwrap()
    }

    const ON: AutoRetry = AutoRetry {
        disabled: Some(0),
        limit: Some(10),
    };

    #[test]
    fn auto_retry_is_warned_of_only_where_tidb_can_retry() {
        let v7 = tidb("v7.5.0");
        assert_eq!(v7.flavor, Flavor::TiDB);
        let warned = ON.warning(&v7, Some(TxnMode::Optimistic)).unwrap();
        assert!(warned.contains("tidb_retry_limit is 10"), "{warned}");
        // The docs read an empty tidb_txn_mode as optimistic.
        assert_eq!(TxnMode::from_variable(""), Some(TxnMode::Optimistic));
        assert_eq!(
            TxnMode::from_variable("PESSIMISTIC"),
            Some(TxnMode::Pessimistic)
        );
        assert_eq!(TxnMode::from_variable("eventual"), None);
        // Pessimistic transactions are not retried by TiDB.
        assert_eq!(ON.warning(&v7, Some(TxnMode::Pessimistic)), None);
        // A limit of 0 retries nothing; the retry is off by default.
        let no_limit = AutoRetry {
            limit: Some(0),
            ..ON
        };
        assert_eq!(no_limit.warning(&v7, Some(TxnMode::Optimistic)), None);
        let off = AutoRetry {
            disabled: Some(1),
            ..ON
        };
        assert_eq!(off.warning(&v7, Some(TxnMode::Optimistic)), None);
        // v8.0.0 removed the automatic retry altogether.
        assert_eq!(ON.warning(&tidb("v8.0.0"), Some(TxnMode::Optimistic)), None);
        assert!(ON
            .warning(&tidb("v7.6.0"), Some(TxnMode::Optimistic))
            .is_some());
        // Not TiDB: nothing to warn of.
        let mariadb = ServerInfo::from_version("10.11.6-MariaDB", "").unwrap();
        assert_eq!(ON.warning(&mariadb, Some(TxnMode::Optimistic)), None);
    }
}

#[cfg(test)]
mod report_tests {
    use super::*;

    #[test]
    fn levels_read_back_from_their_names_and_have_their_sql() {
        let names = Level::ALL.map(Level::as_str);
        assert_eq!(
            names,
            [
                "read-uncommitted",
                "read-committed",
                "repeatable-read",
                "serializable"
            ]
        );
        let sql = Level::ALL.map(Level::sql);
        assert_eq!(
            sql,
            [
                "READ UNCOMMITTED",
                "READ COMMITTED",
                "REPEATABLE READ",
                "SERIALIZABLE"
            ]
        );
        for (i, level) in Level::ALL.into_iter().enumerate() {
            assert_eq!(level.index(), i);
            assert_eq!(Level::parse(level.as_str()), Some(level));
            assert_eq!(Level::parse(level.sql()), Some(level));
            assert_eq!(
                Level::parse(&level.as_str().to_uppercase().replace('-', "_")),
                Some(level)
            );
        }
        assert_eq!(Level::parse("snapshot"), None);
    }

    #[test]
    fn outcomes_are_named_alike_in_text_and_json() {
        for (outcome, name) in [
            (Outcome::Anomaly, "anomaly"),
            (Outcome::Prevented, "prevented"),
            (Outcome::NotSupported, "not-supported"),
            (Outcome::Error, "error"),
        ] {
            assert_eq!(outcome.as_str(), name);
            assert_eq!(serde_json::to_value(outcome).unwrap(), name);
        }
    }

    fn cell(outcome: Outcome, expected: Option<Expectation>, runs: &[Outcome]) -> CellResult {
        CellResult {
            test: "p4",
            level: Level::RepeatableRead,
            outcome,
            expected,
            why: String::new(),
            runs: runs.to_vec(),
            evidence: Evidence::default(),
        }
    }

    #[test]
    fn a_cell_deviates_only_from_a_stated_expectation_and_varies_only_across_runs() {
        use Outcome::*;
        assert!(cell(Anomaly, Some(Expectation::Prevented), &[]).deviates());
        assert!(!cell(Prevented, Some(Expectation::Prevented), &[]).deviates());
        assert!(!cell(Anomaly, Some(Expectation::Allowed), &[]).deviates());
        assert!(!cell(Anomaly, None, &[]).deviates());
        assert!(!cell(Anomaly, None, &[Anomaly, Anomaly, Anomaly]).varied());
        assert!(cell(Anomaly, None, &[Anomaly, Prevented, Anomaly]).varied());
        assert!(!cell(Anomaly, None, &[Anomaly]).varied());

        let report = MatrixReport {
            server: ServerInfo::from_version("10.11.6-MariaDB", "").unwrap(),
            settings: ServerSettings::default(),
            profile: None,
            warnings: Vec::new(),
            results: vec![
                cell(Anomaly, Some(Expectation::Anomaly), &[]),
                cell(Prevented, Some(Expectation::Anomaly), &[]),
                cell(Error, None, &[]),
            ],
            elapsed: Duration::ZERO,
            cancelled: false,
            table: String::new(),
            sessions: Vec::new(),
        };
        let deviations = report.deviations();
        assert_eq!(deviations.len(), 1);
        assert_eq!(deviations[0].outcome, Prevented);
    }

    fn report_of(results: Vec<CellResult>, cancelled: bool) -> MatrixReport {
        MatrixReport {
            server: ServerInfo::from_version("10.11.6-MariaDB", "").unwrap(),
            settings: ServerSettings::default(),
            profile: None,
            warnings: Vec::new(),
            results,
            elapsed: Duration::ZERO,
            cancelled,
            table: String::new(),
            sessions: Vec::new(),
        }
    }

    /// The matrix fails on any one of: a cell against its expectation, a
    /// cell whose repeated runs disagree, a cell that could not run; it is
    /// interrupted when cancelled, whatever the cells say.
    #[test]
    fn the_matrix_fails_on_a_deviation_a_variation_or_an_error_each_alone() {
        use crate::verdict::{Judged, RunVerdict};
        use Outcome::*;
        let as_expected = || cell(Anomaly, Some(Expectation::Anomaly), &[Anomaly, Anomaly]);
        let failed = RunVerdict::Failed(crate::ErrorClass::Failed);
        assert_eq!(
            report_of(vec![as_expected()], false).verdict(),
            RunVerdict::Passed
        );
        for odd in [
            cell(Prevented, Some(Expectation::Anomaly), &[Prevented]),
            cell(Anomaly, None, &[Anomaly, Prevented]),
            cell(Error, None, &[Error]),
        ] {
            let report = report_of(vec![as_expected(), odd.clone()], false);
            assert_eq!(report.verdict(), failed, "{odd:?}");
            let cancelled = report_of(vec![as_expected(), odd], true);
            assert_eq!(cancelled.verdict(), RunVerdict::Interrupted);
        }
    }

    /// The transaction modes by the names `tidb_txn_mode` takes (TiDB's
    /// system-variables.md), in text as in JSON.
    #[test]
    fn transaction_modes_are_named_as_the_variable_takes_them() {
        for (mode, name) in [
            (TxnMode::Optimistic, "optimistic"),
            (TxnMode::Pessimistic, "pessimistic"),
        ] {
            assert_eq!(mode.as_str(), name);
            assert_eq!(mode.to_string(), name);
            assert_eq!(serde_json::to_value(mode).unwrap(), name);
            assert_eq!(TxnMode::from_variable(name), Some(mode));
        }
    }
}
