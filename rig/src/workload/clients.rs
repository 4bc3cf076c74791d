//! All the clients of a run at once: one coordinator participant per
//! client, spread round-robin over the endpoints, with the nemesis at
//! work beside them; their records merged in time order.

use super::client::{self, ClientLog, Record, Shared, Txns};
use super::nemesis::{self, NemesisLog};
use super::{ErrorCount, Options};
use crate::config::ConnectionConfig;
use crate::coordinator::Coordinator;
use crate::error::StateError;
use crate::report::RunReport;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// What the clients recorded, merged in time order.
pub(super) struct Clients<V> {
    pub(super) report: RunReport,
    pub(super) elapsed: Duration,
    pub(super) records: Vec<Record<V>>,
    pub(super) errors: BTreeMap<String, ErrorCount>,
    pub(super) start: Instant,
    pub(super) nemesis: NemesisLog,
}

/// Runs `options.connections` clients on a coordinator, client `i` on
/// endpoint `i mod n`, each with the transactions `txns` makes for it,
/// until done or cancelled, with the nemesis at work meanwhile (and
/// healed before this returns).
pub(super) async fn run_clients<T, F>(
    endpoints: &[ConnectionConfig],
    options: &Options,
    cancel: &CancellationToken,
    progress: Arc<AtomicU64>,
    txns: F,
) -> Result<Clients<T::Value>, StateError>
where
    T: Txns + 'static,
    T::Value: 'static,
    F: Fn(u32, &Options) -> T + Send + Sync + Clone + 'static,
{
    let logs: Arc<Mutex<Vec<ClientLog<T::Value>>>> = Arc::default();
    let mut coordinator = Coordinator::new();
    let shared = Shared {
        start: Instant::now(),
        progress,
        sessions: Arc::new(Mutex::new(vec![None; options.connections as usize])),
        reconnect_for: options.reconnect_for,
    };
    let start = shared.start;
    for client in 0..options.connections {
        let endpoint = &endpoints[client::endpoint_of(client as usize, endpoints.len())];
        let (options, logs, shared, txns) =
            (options.clone(), logs.clone(), shared.clone(), txns.clone());
        let node = super::node_name(endpoints, &endpoint.address());
        coordinator.add_named_scenario(
            &format!("client-{}", client + 1),
            "consistency-client",
            endpoint.clone(),
            move |cx| async move {
                let mut cx =
                    crate::workflow::Workflow::run(&crate::common_states::WORKFLOW, cx).await?;
                let mut log = ClientLog::on(node);
                let mut own = txns(client, &options);
                let result =
                    client::run_client(&mut cx, client, &options, &mut own, &mut log, &shared)
                        .await;
                logs.lock().unwrap_or_else(|p| p.into_inner()).push(log);
                Ok(result?)
            },
        )?;
    }
    let token = coordinator.cancel_token();
    // The nemesis ends the clients' run when a fault fails, as a cancel does.
    let abort = CancellationToken::new();
    let forward = {
        let (cancel, abort, token) = (cancel.clone(), abort.clone(), token.clone());
        tokio::spawn(async move {
            tokio::select! {
                _ = cancel.cancelled() => {}
                _ = abort.cancelled() => {}
            }
            token.cancel();
        })
    };
    let clients_done = CancellationToken::new();
    let nemesis = tokio::spawn(nemesis::run(
        options.nemesis.clone(),
        endpoints.to_vec(),
        shared.clone(),
        options.seed,
        clients_done.clone(),
        abort,
    ));
    let report = coordinator.run().await;
    forward.abort();
    clients_done.cancel();
    let nemesis = nemesis.await.unwrap_or_default();
    let elapsed = start.elapsed();
    let mut records = Vec::new();
    let mut errors: BTreeMap<String, ErrorCount> = BTreeMap::new();
    for log in std::mem::take(&mut *logs.lock().unwrap_or_else(|p| p.into_inner())) {
        records.extend(log.ops);
        for (label, count) in log.errors {
            let entry = errors.entry(label).or_insert(ErrorCount {
                count: 0,
                example: count.example,
            });
            entry.count += count.count;
        }
    }
    records.sort_by_key(|r| r.time);
    Ok(Clients {
        report,
        elapsed,
        records,
        errors,
        start,
        nemesis,
    })
}
