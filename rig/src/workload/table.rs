//! The workload's table: created afresh (and filled) on the first
//! endpoint, awaited on the others, dropped at the end.

use super::Options;
use crate::config::ConnectionConfig;
use crate::error::StateError;
use crate::flavor::ServerInfo;
use crate::session::{quote_identifier, Session};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Drops and creates the workload's table (and fills it), and tells who
/// the server is.
async fn create_table(
    config: &ConnectionConfig,
    table: &str,
    fill: &[String],
) -> Result<ServerInfo, StateError> {
    let mut session = Session::connect(config).await?;
    let server = session.server_info().await?;
    session
        .execute(&format!("DROP TABLE IF EXISTS {table}"))
        .await?;
    for sql in fill {
        session.execute(sql).await?;
    }
    session.close().await?;
    Ok(server)
}

/// Waits until every endpoint sees the table with `rows` rows: on a
/// cluster, DDL and the fill reach the other nodes a moment later, and a
/// client there must not begin before them. Gives up after 30 s.
pub(super) async fn wait_visible(
    endpoints: &[ConnectionConfig],
    table: &str,
    rows: u64,
    cancel: &CancellationToken,
) -> Result<(), StateError> {
    if endpoints.len() < 2 {
        return Ok(());
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    for endpoint in endpoints {
        let mut session = Session::connect(endpoint).await?;
        loop {
            let count: Result<Option<u64>, StateError> = session
                .query_first(&format!("SELECT COUNT(*) FROM {table}"))
                .await;
            match count {
                Ok(Some(n)) if n == rows => break,
                Ok(_) | Err(StateError::Server { code: 1146, .. }) if Instant::now() < deadline => {}
                Ok(n) => {
                    return Err(StateError::Step(format!(
                        "{} still sees {} rows in {table} 30 s after they were written on {}, not {rows}",
                        endpoint.address(),
                        n.unwrap_or(0),
                        endpoints[0].address()
                    )))
                }
                Err(e) => return Err(e),
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(50)) => {}
                _ = cancel.cancelled() => return Err(StateError::Cancelled),
            }
        }
        let _ = session.close().await;
    }
    Ok(())
}

/// Drops the table unless asked to keep it; bounded, so that a server
/// gone silent cannot hold the exit.
pub(super) async fn drop_table(config: &ConnectionConfig, options: &Options) {
    if options.keep_table {
        return;
    }
    let drop_it = async {
        let mut session = Session::connect(config).await?;
        session
            .execute(&format!("DROP TABLE IF EXISTS {}", options.table))
            .await
    };
    let _ = tokio::time::timeout(Duration::from_secs(10), drop_it).await;
}

/// The created table's server, or a cancellation while creating it: a
/// server that accepts and never answers would otherwise hold a Ctrl-C
/// for the whole connect timeout.
pub(super) async fn setup(
    config: &ConnectionConfig,
    table: &str,
    fill: &[String],
    cancel: &CancellationToken,
) -> Result<ServerInfo, StateError> {
    tokio::select! {
        created = create_table(config, table, fill) => created,
        _ = cancel.cancelled() => Err(StateError::Cancelled),
    }
}

/// The options with the table name quoted for SQL.
pub(super) fn quoted(options: &Options) -> Options {
    let mut options = options.clone();
    options.table = quote_identifier(&options.table);
    options
}
