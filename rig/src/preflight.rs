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
    use tokio::io::AsyncWriteExt;

    fn server() -> ConnectionConfig {
        ConnectionConfig::for_tests().expect("TEST_RIG_URL must be a valid URL")
    }

    /// A listener on a free port that writes `greeting` to each connection
    /// and keeps it open.
    async fn listener_saying(greeting: &'static [u8]) -> u16 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let _ = stream.write_all(greeting).await;
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    drop(stream);
                });
            }
        });
        port
    }

    #[tokio::test]
    async fn the_probe_knows_a_server_by_its_greeting_or_its_error_packet() {
        let s = server();
        let limit = Duration::from_secs(2);
        assert!(
            speaks_mysql(&s.host, s.port, limit).await,
            "the test server"
        );
        // A packet header (length 3 bytes, sequence 0), then 0xff: an error
        // packet such as "Host is blocked", from a server all the same.
        let refusing = listener_saying(&[7, 0, 0, 0, 0xff, 0x69, 0x04]).await;
        assert!(speaks_mysql("127.0.0.1", refusing, limit).await);
        // HTTP, say: no protocol version 10 in the fifth byte.
        let other = listener_saying(b"HTTP/1.1 400 Bad Request\r\n").await;
        assert!(!speaks_mysql("127.0.0.1", other, limit).await);
        // Silent, or nothing listening at all.
        let silent = listener_saying(b"").await;
        assert!(!speaks_mysql("127.0.0.1", silent, Duration::from_millis(300)).await);
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        assert!(!speaks_mysql("127.0.0.1", closed, limit).await);
    }

    #[tokio::test]
    async fn capacity_is_refused_past_max_connections_and_a_silent_server_is_named() {
        let s = server();
        let mut admin = Session::connect_server(&s).await.unwrap();
        let max: u64 = admin
            .query_first("SELECT @@max_connections")
            .await
            .unwrap()
            .unwrap();
        let _ = admin.close().await;
        // A handful of connections fit.
        let few = vec![s.clone(); 3];
        assert_eq!(check_capacity(&few).await, Ok(BTreeMap::new()));
        // As many as the server allows cannot: some are in use (this test's
        // own check is left out of the count, the other tests' are not).
        let all = vec![s.clone(); max as usize + 1];
        let refused = check_capacity(&all).await.unwrap_err();
        assert_eq!((refused.wanted, refused.max), (max as usize + 1, max));
        assert_eq!(refused.address, s.address());
        // A server that accepts and never answers is given back with the
        // connect timeout it was given.
        let silent_port = listener_saying(b"").await;
        let mut silent =
            ConnectionConfig::from_url(&format!("mysql://root@127.0.0.1:{silent_port}/test"))
                .unwrap();
        silent.connect_timeout = Duration::from_millis(300);
        let found = check_capacity(&[silent.clone()]).await.unwrap();
        assert_eq!(
            found.get(&silent.address()),
            Some(&Duration::from_millis(300))
        );
    }

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
