//! In-memory stores whose isolation is known by construction, producing
//! list-append histories: for testing checkers (the property tests here)
//! and for measuring them (the checker benchmark). A serializable store
//! runs each transaction atomically between its invocation and completion,
//! so its histories are strict serializable; a snapshot-isolation store
//! reads from a snapshot taken at invocation and lets the first committer
//! win. Both abort some transactions and leave some outcomes unknown.

use crate::history::{Element, History, Key, Mop, Op, OpType};
use crate::workload::{Generator, Shape};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

/// The isolation a simulated store gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    /// Each transaction atomic at one instant inside its interval.
    Serializable,
    /// Snapshot at invocation, first committer wins.
    SnapshotIsolation,
}

struct InFlight {
    mops: Vec<Mop>,
    snapshot: HashMap<Key, Vec<Element>>,
    started_at: u64,
}

fn apply(mops: &[Mop], view: &HashMap<Key, Vec<Element>>) -> (Vec<Mop>, Vec<(Key, Element)>) {
    let mut own: HashMap<Key, Vec<Element>> = HashMap::new();
    let mut done = Vec::new();
    let mut appends = Vec::new();
    for mop in mops {
        match mop {
            Mop::Append { key, element } => {
                own.entry(*key).or_default().push(*element);
                appends.push((*key, *element));
                done.push(mop.clone());
            }
            Mop::Read { key, .. } => {
                let mut list = view.get(key).cloned().unwrap_or_default();
                list.extend(own.get(key).into_iter().flatten());
                done.push(Mop::Read {
                    key: *key,
                    list: Some(list),
                });
            }
        }
    }
    (done, appends)
}

/// Runs `txns` transactions per process on `processes` processes of a
/// `store` over `keys` keys in play, with a random interleaving drawn from
/// `seed`, and returns the history, ending with a read of every key.
pub fn simulate(store: Store, seed: u64, processes: u32, txns: usize, keys: u32) -> History {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let shape = Shape {
        keys,
        max_writes_per_key: 8,
        max_ops: 4,
        read_fraction: 0.5,
    };
    let mut generators: Vec<Generator> = (0..processes)
        .map(|p| Generator::new(seed, p, processes, shape.clone()))
        .collect();
    let mut left = vec![txns; processes as usize];
    let mut flight: Vec<Option<InFlight>> = (0..processes).map(|_| None).collect();
    let mut state: HashMap<Key, Vec<Element>> = HashMap::new();
    let mut last_commit: HashMap<Key, u64> = HashMap::new();
    let mut commits = 0u64;
    let mut history = History::default();
    let mut clock = 0u64;
    let mut process_id: Vec<u64> = (0..u64::from(processes)).collect();
    let record = |history: &mut History, process, kind, value, clock| {
        history.push(Op {
            index: 0,
            process,
            kind,
            f: "txn".into(),
            value,
            time: Some(clock),
            error: None,
            node: None,
        })
    };
    loop {
        let busy: Vec<usize> = (0..processes as usize)
            .filter(|&p| flight[p].is_some() || left[p] > 0)
            .collect();
        if busy.is_empty() {
            break;
        }
        let p = busy[rng.random_range(0..busy.len())];
        clock += 10;
        let Some(txn) = flight[p].take() else {
            left[p] -= 1;
            let mops = generators[p].next_txn();
            record(
                &mut history,
                process_id[p],
                OpType::Invoke,
                mops.clone(),
                clock,
            );
            // Only snapshot isolation reads a snapshot; copying the state
            // for every transaction would make long serializable runs slow.
            let snapshot = match store {
                Store::SnapshotIsolation => state.clone(),
                Store::Serializable => HashMap::new(),
            };
            flight[p] = Some(InFlight {
                mops,
                snapshot,
                started_at: commits,
            });
            continue;
        };
        let view = match store {
            Store::Serializable => &state,
            Store::SnapshotIsolation => &txn.snapshot,
        };
        let (done, appends) = apply(&txn.mops, view);
        let conflict = store == Store::SnapshotIsolation
            && appends
                .iter()
                .any(|(k, _)| last_commit.get(k).is_some_and(|c| *c > txn.started_at));
        let roll: f64 = rng.random();
        let (kind, takes_effect) = if conflict || roll < 0.08 {
            (OpType::Fail, false)
        } else if roll < 0.14 {
            (OpType::Info, rng.random::<bool>())
        } else {
            (OpType::Ok, true)
        };
        if takes_effect {
            commits += 1;
            for (k, e) in appends {
                state.entry(k).or_default().push(e);
                last_commit.insert(k, commits);
            }
        }
        let value = if kind == OpType::Ok { done } else { txn.mops };
        record(&mut history, process_id[p], kind, value, clock);
        if kind == OpType::Info {
            process_id[p] += u64::from(processes);
        }
    }
    // A final read of every key, after everything.
    let mut keys: Vec<Key> = state.keys().copied().collect();
    keys.sort_unstable();
    let reads = |filled: bool| -> Vec<Mop> {
        keys.iter()
            .map(|k| Mop::Read {
                key: *k,
                list: filled.then(|| state[k].clone()),
            })
            .collect()
    };
    let final_process = process_id.iter().max().map_or(0, |p| p + 1);
    record(
        &mut history,
        final_process,
        OpType::Invoke,
        reads(false),
        clock + 10,
    );
    record(
        &mut history,
        final_process,
        OpType::Ok,
        reads(true),
        clock + 20,
    );
    history
}
