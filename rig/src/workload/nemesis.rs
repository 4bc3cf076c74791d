//! Faults during a workload: killing clients' connections from the
//! server side, or running the user's fault and heal commands (stop a
//! node, pause it, partition it), each at its own pace on a task of its
//! own so that a slow command never holds a client. Every fault and heal
//! is logged with its time; a fault that fails ends the run; whatever was
//! faulted is healed before the final reads.

use super::client::Shared;
use crate::config::ConnectionConfig;
use crate::session::Session;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// The longest a fault or heal command may take before it counts as failed.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(180);

/// What to do to the system under test while the clients run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Nemesis {
    /// Nothing.
    #[default]
    None,
    /// `KILL CONNECTION` of a random client's session, on the node it is
    /// on, about every `every` (between half and one and a half times it).
    KillConnections {
        /// The mean pause between kills.
        every: Duration,
    },
    /// The shell command `fault`, then after `every` the command `heal`
    /// (when given), then after `every` the fault again, and so on.
    Commands {
        /// Breaks something: `scripts/dev-cluster kill 2`.
        fault: String,
        /// Mends it: `scripts/dev-cluster restart 2`.
        heal: Option<String>,
        /// The pause before each fault and each heal.
        every: Duration,
    },
}

/// What kind of thing the nemesis did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// A fault command.
    Fault,
    /// A heal command.
    Heal,
    /// A `KILL CONNECTION`.
    Kill,
}

impl EventKind {
    /// `fault`, `heal` or `kill`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Fault => "fault",
            EventKind::Heal => "heal",
            EventKind::Kill => "kill",
        }
    }
}

/// One thing the nemesis did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NemesisEvent {
    /// When it began, in nanoseconds since the run began (the history's clock).
    pub time: u64,
    /// How long it took, in nanoseconds.
    pub took: u64,
    /// A fault, a heal or a kill.
    pub kind: EventKind,
    /// The command run, or which connection was killed.
    pub what: String,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// Everything the nemesis did, and whether it ended the run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NemesisLog {
    /// In order.
    pub events: Vec<NemesisEvent>,
    /// A fault or heal that failed, which ended the run.
    pub failure: Option<String>,
}

/// Runs `command` with `sh -c`; its output goes to the log's error when
/// it fails (exit status other than 0, or [`COMMAND_TIMEOUT`]).
async fn run_command(command: &str) -> Result<(), String> {
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(COMMAND_TIMEOUT, child).await {
        Err(_) => Err(format!(
            "did not finish within {} s",
            COMMAND_TIMEOUT.as_secs()
        )),
        Ok(Err(e)) => Err(format!("could not be started: {e}")),
        Ok(Ok(out)) if out.status.success() => Ok(()),
        Ok(Ok(out)) => {
            // What it said last, on stderr, else on stdout.
            let said = [&out.stderr, &out.stdout]
                .map(|text| String::from_utf8_lossy(text).trim().to_string())
                .into_iter()
                .find(|text| !text.is_empty())
                .unwrap_or_default();
            let lines: Vec<&str> = said.lines().collect();
            let tail = &lines[lines.len().saturating_sub(3)..];
            Err(format!("{} ({})", out.status, tail.join(" / ")))
        }
    }
}

impl NemesisLog {
    fn record(
        &mut self,
        start: Instant,
        began: Instant,
        kind: EventKind,
        what: String,
        error: Option<String>,
    ) {
        self.events.push(NemesisEvent {
            time: began.duration_since(start).as_nanos() as u64,
            took: began.elapsed().as_nanos() as u64,
            kind,
            what,
            error,
        });
    }

    /// Runs a fault or heal command and logs it; a failure ends the run.
    async fn command(&mut self, start: Instant, kind: EventKind, command: &str) -> bool {
        let began = Instant::now();
        let result = run_command(command).await;
        let error = result.err();
        if let Some(e) = &error {
            self.failure = Some(format!("{} command `{command}` failed: {e}", kind.as_str()));
        }
        self.record(start, began, kind, command.to_string(), error.clone());
        error.is_none()
    }
}

/// Sleeps `pause`; `false` when `stop` came first.
async fn pause_unless(stop: &CancellationToken, pause: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(pause) => true,
        _ = stop.cancelled() => false,
    }
}

/// Runs `nemesis` until `stop` is cancelled (the clients are done), then
/// heals what it left faulted. A fault or heal command that fails is
/// logged and cancels `abort`, which ends the clients' run.
pub(crate) async fn run(
    nemesis: Nemesis,
    endpoints: Vec<ConnectionConfig>,
    shared: Shared,
    seed: u64,
    stop: CancellationToken,
    abort: CancellationToken,
) -> NemesisLog {
    let mut log = NemesisLog::default();
    match nemesis {
        Nemesis::None => {}
        Nemesis::KillConnections { every } => {
            kill_connections(&mut log, every, &endpoints, &shared, seed, &stop).await;
        }
        Nemesis::Commands { fault, heal, every } => {
            let start = shared.start;
            let mut faulted = false;
            loop {
                if !pause_unless(&stop, every).await {
                    break;
                }
                if !log.command(start, EventKind::Fault, &fault).await {
                    abort.cancel();
                    break;
                }
                faulted = true;
                let Some(heal) = &heal else { continue };
                if !pause_unless(&stop, every).await {
                    break;
                }
                faulted = false;
                if !log.command(start, EventKind::Heal, heal).await {
                    abort.cancel();
                    return log;
                }
            }
            // The final reads need every node back.
            if let (true, Some(heal)) = (faulted, &heal) {
                log.command(start, EventKind::Heal, heal).await;
            }
        }
    }
    log
}

async fn kill_connections(
    log: &mut NemesisLog,
    every: Duration,
    endpoints: &[ConnectionConfig],
    shared: &Shared,
    seed: u64,
    stop: &CancellationToken,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x006e_656d_6573_6973);
    // One control session per node, opened when first needed.
    let mut control: Vec<Option<Session>> = endpoints.iter().map(|_| None).collect();
    loop {
        let pause = every.mul_f64(rng.random_range(0.5..1.5));
        if !pause_unless(stop, pause).await {
            return;
        }
        let live: Vec<(usize, u64)> = shared
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .enumerate()
            .filter_map(|(client, id)| id.map(|id| (client, id)))
            .collect();
        if live.is_empty() {
            continue;
        }
        let (client, id) = live[rng.random_range(0..live.len())];
        let node = super::client::endpoint_of(client, endpoints.len());
        let began = Instant::now();
        let what = format!(
            "KILL CONNECTION {id} (client-{} on {})",
            client + 1,
            endpoints[node].address()
        );
        let killed = kill(&mut control[node], &endpoints[node], id).await;
        log.record(shared.start, began, EventKind::Kill, what, killed.err());
    }
}

/// Kills connection `id` on `endpoint` through `control`, opening it
/// when needed and dropping it when it broke.
async fn kill(
    control: &mut Option<Session>,
    endpoint: &ConnectionConfig,
    id: u64,
) -> Result<(), String> {
    let session = match control {
        Some(session) => session,
        None => control.insert(
            Session::connect(endpoint)
                .await
                .map_err(|e| e.to_string())?,
        ),
    };
    match session.execute(&format!("KILL CONNECTION {id}")).await {
        Ok(_) => Ok(()),
        // 1094: the client had just moved on to a new connection.
        Err(e) if e.server_code() == Some(1094) => Err(format!("{e} (already gone)")),
        Err(e) => {
            if e.is_connection_lost() || !session.is_open() {
                *control = None;
            }
            Err(e.to_string())
        }
    }
}
