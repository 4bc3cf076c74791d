//! What the reads tell: who appended each element, each key's version
//! order (its longest committed read), and the anomalies visible without a
//! dependency graph: G1a, G1b, dirty updates, duplicate elements,
//! incompatible orders, internal inconsistency and lost appends.

use super::findings::{plain, read_text, short_list, Findings};
use super::model::AnomalyKind;
use super::txns::Txn;
use crate::history::{Element, Key, Mop, OpType};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::borrow::Cow;

/// The version order of every key and who wrote each version.
#[derive(Debug, Default)]
pub(crate) struct Observations {
    /// The transaction (committed or unknown) that appended each element.
    pub(crate) writer: HashMap<(Key, Element), usize>,
    /// The aborted transaction that appended each element it alone did.
    pub(crate) failed_writer: HashMap<(Key, Element), usize>,
    /// Each transaction's last append to each key.
    pub(crate) last_append: HashMap<(usize, Key), Element>,
    /// Each key's versions: its longest committed read, without repeats.
    pub(crate) order: HashMap<Key, Vec<Element>>,
    /// Where each element sits in its key's order.
    pub(crate) position: HashMap<(Key, Element), usize>,
    /// The writer of each version in each key's order (none: aborted or
    /// never appended), so that edges need no lookup per element.
    pub(crate) order_writer: HashMap<Key, Vec<Option<usize>>>,
    /// The transaction whose read gave each key's order.
    pub(crate) longest_reader: HashMap<Key, usize>,
    /// Reads that are not prefixes of their key's order, or repeat an
    /// element: no edge is drawn from them, since they fit no single order.
    pub(crate) incompatible: HashSet<(usize, Key)>,
}

/// The reads of `txn` that see the state before it touched the key (no
/// append of its own to that key before them).
pub(crate) fn external_reads<'h>(txn: &Txn<'h>) -> impl Iterator<Item = (Key, &'h Vec<Element>)> {
    // Most transactions touch a handful of keys: a list is quickest. A
    // final read of every key needs a set, or this grows as its square.
    let mut few: Vec<Key> = Vec::new();
    let mut many: HashSet<Key> = HashSet::default();
    let large = txn.mops.len() > 16;
    txn.mops.iter().filter_map(move |mop| {
        let key = mop.key();
        let first = if large {
            many.insert(key)
        } else {
            let first = !few.contains(&key);
            few.push(key);
            first
        };
        match mop {
            Mop::Read {
                key,
                list: Some(list),
            } if first => Some((*key, list)),
            _ => None,
        }
    })
}

fn committed_reads<'h>(txn: &Txn<'h>) -> impl Iterator<Item = (Key, &'h Vec<Element>)> {
    let committed = txn.kind == OpType::Ok;
    txn.mops.iter().filter_map(move |mop| match mop {
        Mop::Read {
            key,
            list: Some(list),
        } if committed => Some((*key, list)),
        _ => None,
    })
}

/// The list without repeated elements (borrowed when it has none, as
/// almost every list does).
fn distinct(list: &[Element]) -> Cow<'_, [Element]> {
    let repeats = if list.len() <= 32 {
        // Short lists: comparing pairs beats hashing.
        list.iter().enumerate().any(|(i, e)| list[..i].contains(e))
    } else {
        let mut seen = HashSet::default();
        !list.iter().all(|e| seen.insert(*e))
    };
    if !repeats {
        return Cow::Borrowed(list);
    }
    let mut seen = HashSet::default();
    Cow::Owned(list.iter().copied().filter(|e| seen.insert(*e)).collect())
}

/// Builds the observations and reports what they show by themselves.
pub(crate) fn observe(txns: &[Txn], findings: &mut Findings) -> Observations {
    let mut o = Observations::default();
    // Sized once: growing maps of millions of entries rehashes them.
    let mops: usize = txns.iter().map(|t| t.mops.len()).sum();
    o.writer.reserve(mops);
    o.position.reserve(mops);
    o.last_append.reserve(mops);
    for (id, txn) in txns.iter().enumerate() {
        for mop in txn.mops {
            if let Mop::Append { key, element } = mop {
                if txn.may_have_committed() {
                    o.writer.insert((*key, *element), id);
                    o.last_append.insert((id, *key), *element);
                } else {
                    o.failed_writer.insert((*key, *element), id);
                }
            }
        }
    }
    // Each key's order: its longest committed read.
    let mut latest_read: HashMap<Key, (u64, usize)> = HashMap::default();
    for (id, txn) in txns.iter().enumerate() {
        for (key, list) in committed_reads(txn) {
            let longest = o.order.entry(key).or_default();
            let unique = distinct(list);
            if unique.len() != list.len() {
                o.incompatible.insert((id, key));
                findings.add(AnomalyKind::DuplicateElements, || {
                    plain(
                        AnomalyKind::DuplicateElements,
                        &[txn],
                        format!(
                            "{} read {}, which holds an element twice",
                            txn.name(),
                            read_text(key, list)
                        ),
                    )
                });
            }
            if unique.len() > longest.len() {
                *longest = unique.into_owned();
                o.longest_reader.insert(key, id);
            }
            if let Some(at) = txn.invoke_time {
                let latest = latest_read.entry(key).or_insert((at, id));
                if at > latest.0 {
                    *latest = (at, id);
                }
            }
        }
    }
    for (key, order) in &o.order {
        for (i, e) in order.iter().enumerate() {
            o.position.insert((*key, *e), i);
        }
        let writers = order.iter().map(|e| o.writer.get(&(*key, *e)).copied());
        o.order_writer.insert(*key, writers.collect());
    }
    for (id, txn) in txns.iter().enumerate() {
        check_reads(id, txn, txns, &mut o, findings);
        if txn.kind == OpType::Ok {
            check_internal(txn, findings);
            check_lost(txn, txns, &o, &latest_read, findings);
        }
    }
    check_dirty_updates(txns, &o, findings);
    o
}

fn check_reads(id: usize, txn: &Txn, txns: &[Txn], o: &mut Observations, findings: &mut Findings) {
    for (key, list) in committed_reads(txn) {
        let order = o.order.get(&key).map(Vec::as_slice).unwrap_or_default();
        let list = distinct(list);
        if !order.starts_with(&list) {
            o.incompatible.insert((id, key));
            let other = o.longest_reader.get(&key).map_or(txn, |&r| &txns[r]);
            findings.add(AnomalyKind::IncompatibleOrder, || {
                plain(
                    AnomalyKind::IncompatibleOrder,
                    &[txn, other],
                    {
                        let same = list.iter().zip(order).take_while(|(a, b)| a == b).count();
                        format!(
                            "{} read {} and {} read {}: both begin with the same {same} elements, then one has {} where the other has {}, so no single order of key {key}'s versions explains both",
                            txn.name(),
                            read_text(key, &list),
                            other.name(),
                            read_text(key, order),
                            element_at(&list, same),
                            element_at(order, same)
                        )
                    },
                )
            });
        }
        // Aborted appends are few: asking them first spares a lookup in
        // the large map of all writers for nearly every element read.
        for e in list.iter().filter(|_| !o.failed_writer.is_empty()) {
            let Some(&w) = o.failed_writer.get(&(key, *e)) else {
                continue;
            };
            if !o.writer.contains_key(&(key, *e)) {
                let writer = &txns[w];
                findings.add(AnomalyKind::G1a, || {
                    plain(
                        AnomalyKind::G1a,
                        &[writer, txn],
                        format!(
                            "{} read {}, but {e} was appended by {}, which aborted",
                            txn.name(),
                            read_text(key, &list),
                            writer.name()
                        ),
                    )
                });
            }
        }
    }
    if txn.kind != OpType::Ok {
        return;
    }
    for (key, list) in external_reads(txn) {
        let Some(last) = list.last() else { continue };
        let Some(&w) = o.writer.get(&(key, *last)) else {
            continue;
        };
        if w == id || o.last_append.get(&(w, key)) == Some(last) {
            continue;
        }
        let Some(&final_element) = o.last_append.get(&(w, key)) else {
            continue;
        };
        let writer = &txns[w];
        findings.add(AnomalyKind::G1b, || {
            plain(
                AnomalyKind::G1b,
                &[writer, txn],
                format!(
                    "{} read {}, ending in {last}, an intermediate state of {}, which went on to append {final_element} to key {key}",
                    txn.name(),
                    read_text(key, list),
                    writer.name()
                ),
            )
        });
    }
}

/// What a transaction knows of a key from its own operations so far.
enum Known {
    /// The whole list (it read the key).
    Full(Vec<Element>),
    /// Only how the list ends (it appended without reading first).
    Suffix(Vec<Element>),
}

fn check_internal(txn: &Txn, findings: &mut Findings) {
    let mut known: HashMap<Key, Known> = HashMap::default();
    // Its appends, with their positions: a future read is a read of one
    // of them before it happens. (Scanning the later operations instead
    // would cost a final read of every key the square of its size.)
    let appends: Vec<(usize, Key, Element)> = txn
        .mops
        .iter()
        .enumerate()
        .filter_map(|(i, m)| match m {
            Mop::Append { key, element } => Some((i, *key, *element)),
            Mop::Read { .. } => None,
        })
        .collect();
    for (i, mop) in txn.mops.iter().enumerate() {
        match mop {
            Mop::Append { key, element } => {
                match known.entry(*key).or_insert(Known::Suffix(vec![])) {
                    Known::Full(l) | Known::Suffix(l) => l.push(*element),
                }
            }
            Mop::Read {
                key,
                list: Some(list),
            } => {
                let problem = match known.get(key) {
                    Some(Known::Full(expected)) if expected != list => Some(format!(
                        "{} read {} after its own operations had left it {}",
                        txn.name(),
                        read_text(*key, list),
                        short_list(expected)
                    )),
                    Some(Known::Suffix(own)) if !list.ends_with(own) => Some(format!(
                        "{} read {}, which misses its own appends {}",
                        txn.name(),
                        read_text(*key, list),
                        short_list(own)
                    )),
                    None => appends
                        .iter()
                        .find(|(at, k, e)| *at > i && k == key && list.contains(e))
                        .map(|(_, _, e)| *e)
                        .map(|e| {
                            format!(
                                "{} read {}, which holds {e}, an element it appends only later",
                                txn.name(),
                                read_text(*key, list)
                            )
                        }),
                    _ => None,
                };
                if let Some(text) = problem {
                    findings.add(AnomalyKind::Internal, || {
                        plain(AnomalyKind::Internal, &[txn], text)
                    });
                }
                known.insert(*key, Known::Full(list.clone()));
            }
            Mop::Read { list: None, .. } => {}
        }
    }
}

fn check_lost(
    txn: &Txn,
    txns: &[Txn],
    o: &Observations,
    latest_read: &HashMap<Key, (u64, usize)>,
    findings: &mut Findings,
) {
    let Some(acknowledged) = txn.complete_time else {
        return;
    };
    for mop in txn.mops {
        let Mop::Append { key, element } = mop else {
            continue;
        };
        if o.position.contains_key(&(*key, *element)) {
            continue;
        }
        let Some(&(read_at, reader)) = latest_read.get(key) else {
            continue;
        };
        if read_at <= acknowledged {
            continue;
        }
        let reader = &txns[reader];
        let seen = o.order.get(key).map(Vec::as_slice).unwrap_or_default();
        findings.add(AnomalyKind::LostAppend, || {
            plain(
                AnomalyKind::LostAppend,
                &[txn, reader],
                format!(
                    "{} appended {element} to key {key}, acknowledged at {}; {} began at {}, later, and no read ever held {element} (the longest read of key {key} is {})",
                    txn.name(),
                    millis(acknowledged),
                    reader.name(),
                    millis(read_at),
                    short_list(seen)
                ),
            )
        });
    }
}

fn check_dirty_updates(txns: &[Txn], o: &Observations, findings: &mut Findings) {
    let mut orders: Vec<(&Key, &Vec<Element>)> = o.order.iter().collect();
    orders.sort_unstable_by_key(|(key, _)| **key);
    for (key, order) in orders {
        // The first version an aborted transaction alone appended.
        let aborted = order.iter().enumerate().find_map(|(at, e)| {
            let failed = o.failed_writer.get(&(*key, *e))?;
            (!o.writer.contains_key(&(*key, *e))).then_some((at, *e, *failed))
        });
        let Some((at, dirty, failed)) = aborted else {
            continue;
        };
        let later = order[at + 1..]
            .iter()
            .find_map(|e| o.writer.get(&(*key, *e)).map(|w| (*e, *w)));
        let Some((element, w)) = later else { continue };
        let failed = &txns[failed];
        let writer = &txns[w];
        findings.add(AnomalyKind::DirtyUpdate, || {
            plain(
                AnomalyKind::DirtyUpdate,
                &[failed, writer],
                format!(
                    "key {key}'s order {} has {}'s {element} after {}, appended by {}, which aborted",
                    short_list(order),
                    writer.name(),
                    dirty,
                    failed.name()
                ),
            )
        });
    }
}

fn element_at(list: &[Element], at: usize) -> String {
    list.get(at).map_or("nothing".into(), Element::to_string)
}

/// `12.345 ms`: a history time (nanoseconds) as people read it.
pub(crate) fn millis(nanos: u64) -> String {
    format!("{:.3} ms", nanos as f64 / 1e6)
}
