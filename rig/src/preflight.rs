//! What a tool checks before a run: whether a MySQL-protocol server answers
//! at an address at all (to find one when none was named), and, before a
//! run opens many connections, whether each server allows that many more
//! (`max_connections` against what is in use) and which servers did not
//! answer, so that a run need not wait for them twice.

use crate::config::ConnectionConfig;
use crate::error::StateError;
use crate::session::Session;
use std::collections::BTreeMap;
use std::time::Duration;

/// A server asked for more connections than it allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{wanted} connections to {address} asked for, but the server allows {max} (max_connections) and {in_use} are in use: at most {} more", .max.saturating_sub(*.in_use))]
pub struct TooManyConnections {
    /// Connections asked for.
    pub wanted: usize,
    /// The server.
    pub address: String,
    /// Its `max_connections`.
    pub max: u64,
    /// Connections in use before the run (the check's own left out).
    pub in_use: u64,
}

/// Checks, one connection per server, that every server in `configs` (one
/// entry per connection the run will open) allows that many more. A server
/// that cannot be reached is left to the run, which reports it; one that did
/// not answer within its connect timeout is given back with that timeout.
/// TiDB, which reports `max_connections` 0, has no limit.
pub async fn check_capacity<'a>(
    configs: impl IntoIterator<Item = &'a ConnectionConfig>,
) -> Result<BTreeMap<String, Duration>, TooManyConnections> {
    let mut silent = BTreeMap::new();
    let mut per_server: BTreeMap<String, (usize, &ConnectionConfig)> = BTreeMap::new();
    for config in configs {
        per_server.entry(config.address()).or_insert((0, config)).0 += 1;
    }
    for (address, (wanted, config)) in per_server {
        let mut probe = match Session::connect_server(config).await {
            Ok(probe) => probe,
            Err(StateError::ConnectTimeout { after, .. }) => {
                silent.insert(address, after);
                continue;
            }
            Err(_) => continue,
        };
        let max: Option<u64> = probe
            .query_first("SELECT @@max_connections")
            .await
            .unwrap_or(None);
        let in_use: Option<(String, u64)> = probe
            .query_first("SHOW GLOBAL STATUS LIKE 'Threads_connected'")
            .await
            .unwrap_or(None);
        let _ = probe.close().await;
        let Some(max) = max.filter(|m| *m > 0) else {
            continue;
        };
        // The probe itself is one of those in use, and is gone when the run starts.
        let in_use = in_use.map_or(0, |(_, n)| n.saturating_sub(1));
        if wanted as u64 > max.saturating_sub(in_use) {
            return Err(TooManyConnections {
                wanted,
                address,
                max,
                in_use,
            });
        }
    }
    Ok(silent)
}

/// Whether a MySQL-protocol server answers at `host:port` within `limit`:
/// it connects and reads the start of the server greeting (protocol
/// version 10), or sees an error packet (e.g. "host is blocked"), which also
/// proves a server is there.
pub async fn speaks_mysql(host: &str, port: u16, limit: Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let probe = async {
        let mut stream = tokio::net::TcpStream::connect((host, port)).await.ok()?;
        let mut header = [0u8; 5];
        stream.read_exact(&mut header).await.ok()?;
        Some(header[4] == 10 || header[4] == 0xff)
    };
    matches!(tokio::time::timeout(limit, probe).await, Ok(Some(true)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_names_the_server_the_limit_and_what_is_left() {
        let refused = TooManyConnections {
            wanted: 500,
            address: "db:3306".into(),
            max: 151,
            in_use: 11,
        };
        assert_eq!(
            refused.to_string(),
            "500 connections to db:3306 asked for, but the server allows 151 (max_connections) and 11 are in use: at most 140 more"
        );
    }
}
