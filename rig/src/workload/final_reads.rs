//! The evidence after the run: one read of everything on every endpoint,
//! taken again while the endpoints (a cluster's nodes) disagree, and how
//! their final states compare.

use super::client;
use crate::config::ConnectionConfig;
use crate::error::StateError;
use crate::isolation::Level;
use crate::session::Session;
use crate::workflow::BoxFuture;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// Whether every endpoint's final read saw the same state.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Convergence {
    /// The endpoints read, in order (`host:port`).
    pub nodes: Vec<String>,
    /// Where they disagree, one sentence per key (or account), at most
    /// [`DIFFERENCES_SHOWN`]; empty when they all agree.
    pub differences: Vec<String>,
    /// How many keys (or accounts) differ in all.
    pub differing: usize,
    /// How many rounds of final reads were taken: a node that has just
    /// rejoined may lag behind for a moment, so the reads are taken again
    /// (each second, for up to [`CONVERGENCE_WAIT`]) until all agree.
    pub rounds: usize,
}

/// How long the final reads are repeated while the nodes disagree.
pub const CONVERGENCE_WAIT: Duration = Duration::from_secs(30);

/// How many differences a [`Convergence`] spells out.
pub const DIFFERENCES_SHOWN: usize = 10;

impl Convergence {
    /// Compares each endpoint's final state, a map from key (or account)
    /// to what it holds; `what` names the keys in sentences (`key`).
    pub fn of<X: PartialEq + std::fmt::Debug>(
        reads: &[(String, &BTreeMap<i64, X>)],
        what: &str,
    ) -> Convergence {
        let mut keys: BTreeSet<i64> = BTreeSet::new();
        for (_, state) in reads {
            keys.extend(state.keys());
        }
        let mut differences = Vec::new();
        let mut differing = 0;
        for key in keys {
            let seen: Vec<Option<&X>> = reads.iter().map(|(_, s)| s.get(&key)).collect();
            if seen.windows(2).all(|w| w[0] == w[1]) {
                continue;
            }
            differing += 1;
            if differences.len() < DIFFERENCES_SHOWN {
                let each: Vec<String> = reads
                    .iter()
                    .zip(&seen)
                    .map(|((node, _), v)| match v {
                        Some(v) => format!("{node} has {v:?}"),
                        None => format!("{node} has nothing"),
                    })
                    .collect();
                differences.push(format!("{what} {key}: {}", each.join(", ")));
            }
        }
        Convergence {
            nodes: reads.iter().map(|(n, _)| n.clone()).collect(),
            differences,
            differing,
            rounds: 1,
        }
    }

    /// Whether every endpoint read the same.
    pub fn agrees(&self) -> bool {
        self.differing == 0
    }
}

/// Runs one read-only transaction after all others ended, on a session
/// of its own, tried again (every half second, for up to a minute) while
/// the server is down or not back in its cluster: the checks need its
/// evidence, and a read that never committed changed nothing. Gives the
/// read and its invocation and completion times.
async fn final_read<V>(
    config: &ConnectionConfig,
    level: Level,
    start: Instant,
    read: impl for<'s> Fn(&'s mut Session) -> BoxFuture<'s, Result<V, StateError>>,
) -> Result<(V, u64, u64), StateError> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let once = async {
            let mut session = Session::connect(config).await?;
            client::set_level(&mut session, level).await?;
            let invoked = start.elapsed().as_nanos() as u64;
            session.execute("START TRANSACTION").await?;
            let value = read(&mut session).await?;
            session.execute("COMMIT").await?;
            let completed = start.elapsed().as_nanos() as u64;
            let _ = session.close().await;
            Ok::<_, StateError>((value, invoked, completed))
        };
        match once.await {
            Err(e) if client::worth_retrying(&e) && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            other => return other,
        }
    }
}

/// The final read on every endpoint, in order, each with its node.
async fn final_reads<V>(
    endpoints: &[ConnectionConfig],
    level: Level,
    start: Instant,
    read: impl for<'s> Fn(&'s mut Session) -> BoxFuture<'s, Result<V, StateError>>,
) -> Result<Vec<FinalRead<V>>, StateError> {
    let mut reads = Vec::new();
    for endpoint in endpoints {
        let (value, invoked, completed) = final_read(endpoint, level, start, &read).await?;
        reads.push((endpoint.address(), value, invoked, completed));
    }
    Ok(reads)
}

/// Rounds of final reads on every endpoint, taken again each second while
/// the nodes disagree, for up to [`CONVERGENCE_WAIT`]: every round (each
/// read is evidence for the checks) and how the last one compares.
pub(super) async fn converged_reads<X: PartialEq + std::fmt::Debug>(
    endpoints: &[ConnectionConfig],
    level: Level,
    start: Instant,
    what: &str,
    read: impl for<'s> Fn(&'s mut Session) -> BoxFuture<'s, Result<BTreeMap<i64, X>, StateError>>,
) -> Result<(Vec<Vec<FinalRead<BTreeMap<i64, X>>>>, Convergence), StateError> {
    let deadline = Instant::now() + CONVERGENCE_WAIT;
    let mut rounds = Vec::new();
    loop {
        let round = final_reads(endpoints, level, start, &read).await?;
        let states: Vec<(String, &BTreeMap<i64, X>)> =
            round.iter().map(|(n, v, _, _)| (n.clone(), v)).collect();
        let mut convergence = Convergence::of(&states, what);
        rounds.push(round);
        convergence.rounds = rounds.len();
        if convergence.agrees() || Instant::now() >= deadline {
            return Ok((rounds, convergence));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// One endpoint's final read: its node, what it read, when it began and ended.
pub(super) type FinalRead<V> = (String, V, u64, u64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_that_agree_converge_and_each_difference_names_every_nodes_value() {
        let state = |pairs: &[(i64, &[i64])]| -> BTreeMap<i64, Vec<i64>> {
            pairs.iter().map(|(k, v)| (*k, v.to_vec())).collect()
        };
        let (a, b) = (state(&[(1, &[1, 2])]), state(&[(1, &[1, 2])]));
        let same = [("a".to_string(), &a), ("b".to_string(), &b)];
        let c = Convergence::of(&same, "key");
        assert!(c.agrees());
        assert_eq!(c.nodes, ["a", "b"]);

        let (a, b, c) = (
            state(&[(1, &[1, 2]), (2, &[5])]),
            state(&[(1, &[1]), (2, &[5])]),
            state(&[(2, &[5])]),
        );
        let apart = [
            ("a".to_string(), &a),
            ("b".to_string(), &b),
            ("c".to_string(), &c),
        ];
        let c = Convergence::of(&apart, "key");
        assert!(!c.agrees());
        assert_eq!(c.differing, 1);
        assert_eq!(
            c.differences,
            ["key 1: a has [1, 2], b has [1], c has nothing"]
        );
    }
}
