//! Seeded list-append transactions: the same seed gives every client the
//! same transactions, whatever the timing of the run.

use crate::history::{Element, Key, Mop};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The shape of the generated transactions.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// How many keys are in play at once.
    pub keys: u32,
    /// About how many appends a key receives before it is retired.
    pub max_writes_per_key: u32,
    /// Micro-operations per transaction: 1 up to this (at most 4).
    pub max_ops: u32,
    /// The share of micro-operations that are reads (0 to 1).
    pub read_fraction: f64,
}

impl Default for Shape {
    /// Elle's list-append defaults: 10 keys in play, 32 writes per key,
    /// up to 4 micro-operations, half of them reads.
    fn default() -> Self {
        Shape {
            keys: 10,
            max_writes_per_key: 32,
            max_ops: 4,
            read_fraction: 0.5,
        }
    }
}

/// The most micro-operations a transaction may have.
pub const MAX_OPS: u32 = 4;

/// One client's transactions.
#[derive(Debug, Clone)]
pub struct Generator {
    rng: ChaCha8Rng,
    shape: Shape,
    client: u64,
    clients: u64,
    made: u64,
    appends_per_txn: f64,
}

impl Generator {
    /// The generator of client `client` (from 0) of `clients`, for `seed`.
    pub fn new(seed: u64, client: u32, clients: u32, shape: Shape) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(u64::from(client));
        let max_ops = shape.max_ops.clamp(1, MAX_OPS);
        let appends_per_txn = f64::from(1 + max_ops) / 2.0 * (1.0 - shape.read_fraction);
        Generator {
            rng,
            shape: Shape { max_ops, ..shape },
            client: u64::from(client),
            clients: u64::from(clients.max(1)),
            made: 0,
            appends_per_txn,
        }
    }

    /// The next transaction's micro-operations (reads without values).
    pub fn next_txn(&mut self) -> Vec<Mop> {
        // The client's n-th transaction has the logical number
        // n * clients + client: unique across clients, and it moves the
        // window of keys in play the same way whatever the timing.
        let logical = self.made * self.clients + self.client;
        self.made += 1;
        let writes = f64::from(self.shape.max_writes_per_key.max(1));
        let base = (logical as f64 * self.appends_per_txn / writes) as Key;
        let count = self.rng.random_range(1..=self.shape.max_ops);
        (0..count)
            .map(|i| {
                let key = base + Key::from(self.rng.random_range(0..self.shape.keys.max(1)));
                if self.rng.random::<f64>() < self.shape.read_fraction {
                    Mop::Read { key, list: None }
                } else {
                    // Unique in the whole run: the logical number and the
                    // position in the transaction.
                    let element = (logical * u64::from(MAX_OPS) + u64::from(i) + 1) as Element;
                    Mop::Append { key, element }
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn txns(seed: u64, client: u32, n: usize) -> Vec<Vec<Mop>> {
        let mut g = Generator::new(seed, client, 4, Shape::default());
        (0..n).map(|_| g.next_txn()).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_transactions_and_another_does_not() {
        assert_eq!(txns(1, 2, 200), txns(1, 2, 200));
        assert_ne!(txns(1, 2, 200), txns(2, 2, 200));
        assert_ne!(txns(1, 2, 200), txns(1, 3, 200));
    }

    #[test]
    fn elements_are_unique_across_clients_and_sizes_stay_in_range() {
        let mut seen = HashSet::new();
        let mut per_key: HashMap<Key, u32> = HashMap::new();
        let (mut reads, mut all) = (0, 0);
        for client in 0..4 {
            for txn in txns(7, client, 2_000) {
                assert!((1..=4).contains(&txn.len()), "{txn:?}");
                for mop in txn {
                    all += 1;
                    match mop {
                        Mop::Append { key, element } => {
                            assert!(seen.insert(element), "element {element} twice");
                            *per_key.entry(key).or_default() += 1;
                        }
                        Mop::Read { list, .. } => {
                            assert_eq!(list, None);
                            reads += 1;
                        }
                    }
                }
            }
        }
        let share = f64::from(reads) / f64::from(all);
        assert!((0.45..0.55).contains(&share), "reads {share}");
        // Keys retire: about 32 appends each, never piling up on a few.
        let most = per_key.values().max().copied().unwrap_or(0);
        let mean = per_key.values().sum::<u32>() as f64 / per_key.len() as f64;
        assert!((20.0..45.0).contains(&mean), "mean appends per key {mean}");
        assert!(most < 80, "a key got {most} appends");
    }
}
