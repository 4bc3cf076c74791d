//! Stale reads: a committed read of a key that misses an append which
//! was acknowledged before the read began. Strict serializability forbids
//! them (the read must see every transaction that finished before it
//! started); serializability alone does not. Each one is also the start
//! of a real-time cycle (the reader's anti-dependency on the writer, and
//! the writer's real-time edge to the reader), but a cluster that serves
//! stale reads often joins those cycles into one component, which the
//! cycle search counts once: counting the reads themselves says how often.

use super::findings::{plain, read_text, Findings};
use super::model::AnomalyKind;
use super::observe::{external_reads, millis, Observations};
use super::txns::Txn;
use crate::history::{Key, Mop, OpType};
use rustc_hash::FxHashMap as HashMap;

/// One key's acknowledged appends, by acknowledgement time, each with
/// the furthest version acknowledged by then.
struct Acknowledged {
    /// (acknowledged at, furthest position so far, its element, its writer).
    by_time: Vec<(u64, usize, i64, usize)>,
}

impl Acknowledged {
    /// The furthest version acknowledged strictly before `time`.
    fn furthest_before(&self, time: u64) -> Option<&(u64, usize, i64, usize)> {
        let n = self.by_time.partition_point(|(at, ..)| *at < time);
        n.checked_sub(1).map(|i| &self.by_time[i])
    }
}

fn acknowledged(txns: &[Txn], o: &Observations) -> HashMap<Key, Acknowledged> {
    let mut appends: HashMap<Key, Vec<(u64, usize, i64, usize)>> = HashMap::default();
    for (id, txn) in txns.iter().enumerate() {
        let (OpType::Ok, Some(at)) = (txn.kind, txn.complete_time) else {
            continue;
        };
        for mop in txn.mops {
            if let Mop::Append { key, element } = mop {
                if let Some(&position) = o.position.get(&(*key, *element)) {
                    appends
                        .entry(*key)
                        .or_default()
                        .push((at, position, *element, id));
                }
            }
        }
    }
    appends
        .into_iter()
        .map(|(key, mut list)| {
            list.sort_unstable_by_key(|(at, ..)| *at);
            // Each entry keeps its time and takes the furthest version
            // (with its element and writer) acknowledged up to it.
            for i in 1..list.len() {
                if list[i - 1].1 >= list[i].1 {
                    let (_, position, element, writer) = list[i - 1];
                    list[i] = (list[i].0, position, element, writer);
                }
            }
            (key, Acknowledged { by_time: list })
        })
        .collect()
}

fn on_node(txn: &Txn) -> String {
    txn.node.map_or(String::new(), |n| format!(" (on {n})"))
}

/// Finds every stale read among the committed transactions; needs times.
pub(crate) fn check(txns: &[Txn], o: &Observations, findings: &mut Findings) {
    let acknowledged = acknowledged(txns, o);
    for (id, reader) in txns.iter().enumerate() {
        let (OpType::Ok, Some(began)) = (reader.kind, reader.invoke_time) else {
            continue;
        };
        for (key, list) in external_reads(reader) {
            if o.incompatible.contains(&(id, key)) {
                continue;
            }
            let Some(&(acked, position, element, writer)) = acknowledged
                .get(&key)
                .and_then(|a| a.furthest_before(began))
            else {
                continue;
            };
            // (The writer is never the reader: it was acknowledged before
            // the reader began.)
            if position < list.len() {
                continue;
            }
            let writer = &txns[writer];
            findings.add(AnomalyKind::StaleRead, || {
                plain(
                    AnomalyKind::StaleRead,
                    &[writer, reader],
                    format!(
                        "{}{} began at {} and read {}, without {element}, which {}{} appended and had acknowledged at {}, {} earlier",
                        reader.name(),
                        on_node(reader),
                        millis(began),
                        read_text(key, list),
                        writer.name(),
                        on_node(writer),
                        millis(acked),
                        millis(began - acked),
                    ),
                )
            });
        }
    }
}
