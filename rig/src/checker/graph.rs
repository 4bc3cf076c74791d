//! The dependency graph over transactions that may have committed:
//! write-write, write-read and read-write edges inferred from the version
//! orders, plus optional process-order and real-time edges; stored as
//! compact adjacency lists, with Tarjan's strongly connected components.

use super::observe::{external_reads, Observations};
use super::txns::Txn;
use crate::history::OpType;

/// Edge types, as bits: one pair of transactions may have several.
pub(crate) const WW: u8 = 1;
pub(crate) const WR: u8 = 2;
pub(crate) const RW: u8 = 4;
pub(crate) const PROCESS: u8 = 8;
pub(crate) const REALTIME: u8 = 16;

/// The name of a single edge type.
pub(crate) fn edge_name(bit: u8) -> &'static str {
    match bit {
        WW => "ww",
        WR => "wr",
        RW => "rw",
        PROCESS => "process",
        _ => "realtime",
    }
}

/// Adjacency lists: the edges out of node `n` are
/// `targets[offsets[n]..offsets[n + 1]]`, with their type bits alongside.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    pub(crate) offsets: Vec<usize>,
    pub(crate) targets: Vec<u32>,
    pub(crate) bits: Vec<u8>,
}

impl Graph {
    fn from_edges(nodes: usize, mut edges: Vec<(u32, u32, u8)>) -> Graph {
        edges.sort_unstable_by_key(|&(a, b, _)| (a, b));
        let mut g = Graph {
            offsets: vec![0; nodes + 1],
            targets: Vec::with_capacity(edges.len()),
            bits: Vec::with_capacity(edges.len()),
        };
        let mut last: Option<(u32, u32)> = None;
        for (a, b, bit) in edges {
            if last == Some((a, b)) {
                if let Some(bits) = g.bits.last_mut() {
                    *bits |= bit;
                }
                continue;
            }
            last = Some((a, b));
            g.targets.push(b);
            g.bits.push(bit);
            g.offsets[a as usize + 1] += 1;
        }
        for n in 0..nodes {
            g.offsets[n + 1] += g.offsets[n];
        }
        g
    }

    /// The edges out of `node`: (target, type bits).
    pub(crate) fn out(&self, node: usize) -> impl Iterator<Item = (usize, u8)> + '_ {
        let range = self.offsets[node]..self.offsets[node + 1];
        self.targets[range.clone()]
            .iter()
            .zip(&self.bits[range])
            .map(|(t, b)| (*t as usize, *b))
    }

    /// How many distinct edges (pairs) it has.
    pub(crate) fn edge_count(&self) -> usize {
        self.targets.len()
    }
}

/// Which extra orders to add to the data dependencies.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Orders {
    pub(crate) process: bool,
    pub(crate) realtime: bool,
}

/// Builds the graph; node ids are transaction ids.
pub(crate) fn build(txns: &[Txn], o: &Observations, orders: Orders) -> Graph {
    let mut edges: Vec<(u32, u32, u8)> = Vec::new();
    let mut add = |a: usize, b: usize, bit: u8| {
        if a != b {
            edges.push((a as u32, b as u32, bit));
        }
    };
    // ww: consecutive versions of a key by different writers.
    for writers in o.order_writer.values() {
        for pair in writers.windows(2) {
            if let [Some(a), Some(b)] = pair {
                add(*a, *b, WW);
            }
        }
    }
    for (id, txn) in txns.iter().enumerate() {
        if txn.kind != OpType::Ok {
            continue;
        }
        for (key, list) in external_reads(txn) {
            // A compatible read is a prefix of the key's order, so the
            // versions it saw and the one after it are found by position.
            if o.incompatible.contains(&(id, key)) {
                continue;
            }
            let Some(writers) = o.order_writer.get(&key) else {
                continue;
            };
            // wr: the writer of the last version read.
            let read_from = list
                .len()
                .checked_sub(1)
                .and_then(|last| writers.get(last).copied().flatten());
            if let Some(w) = read_from {
                add(w, id, WR);
            }
            // rw: the writer of the version after the one read, unless it
            // wrote the one read too (an intermediate read: G1b, which is
            // reported as such, not as a cycle through its own writer).
            if let Some(w) = writers.get(list.len()).copied().flatten() {
                if Some(w) != read_from {
                    add(id, w, RW);
                }
            }
        }
    }
    if orders.process {
        process_edges(txns, &mut add);
    }
    if orders.realtime {
        realtime_edges(txns, &mut add);
    }
    Graph::from_edges(txns.len(), edges)
}

fn process_edges(txns: &[Txn], add: &mut impl FnMut(usize, usize, u8)) {
    let mut last: rustc_hash::FxHashMap<u64, usize> = rustc_hash::FxHashMap::default();
    for (id, txn) in txns.iter().enumerate() {
        if !txn.may_have_committed() {
            continue;
        }
        if let Some(prev) = last.insert(txn.process, id) {
            add(prev, id, PROCESS);
        }
    }
}

/// Real-time order, without listing every pair: each transaction gets an
/// edge from the transactions on the "frontier" when it was invoked (those
/// acknowledged, not yet followed by another acknowledged one that began
/// after them); the rest of the order follows by transitivity.
fn realtime_edges(txns: &[Txn], add: &mut impl FnMut(usize, usize, u8)) {
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    enum Event {
        // At equal times an invocation comes first: no order is claimed
        // between events the clock cannot tell apart.
        Invoke,
        Complete,
    }
    let mut events: Vec<(u64, Event, usize)> = Vec::new();
    for (id, txn) in txns.iter().enumerate() {
        if !txn.may_have_committed() {
            continue;
        }
        let Some(start) = txn.invoke_time else {
            continue;
        };
        events.push((start, Event::Invoke, id));
        if let Some(end) = txn.complete_time {
            events.push((end, Event::Complete, id));
        }
    }
    events.sort_unstable();
    let mut frontier: Vec<usize> = Vec::new();
    let mut seen_at_invoke: rustc_hash::FxHashMap<usize, Vec<usize>> =
        rustc_hash::FxHashMap::default();
    for (_, event, id) in events {
        match event {
            Event::Invoke if txns[id].complete_time.is_none() => {
                for &before in &frontier {
                    add(before, id, REALTIME);
                }
            }
            Event::Invoke => {
                seen_at_invoke.insert(id, frontier.clone());
            }
            Event::Complete => {
                let before = seen_at_invoke.remove(&id).unwrap_or_default();
                for &b in &before {
                    add(b, id, REALTIME);
                }
                frontier.retain(|f| !before.contains(f));
                frontier.push(id);
            }
        }
    }
}

/// The strongly connected components with more than one node (Tarjan's
/// algorithm, iterative so that deep graphs cannot overflow the stack).
pub(crate) fn cyclic_components(g: &Graph) -> Vec<Vec<usize>> {
    let n = g.offsets.len().saturating_sub(1);
    const UNSEEN: usize = usize::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut components = Vec::new();
    let mut next = 0usize;
    // (node, position in its edge list)
    let mut calls: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if index[root] != UNSEEN || g.offsets[root] == g.offsets[root + 1] {
            continue;
        }
        calls.push((root, g.offsets[root]));
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut at)) = calls.last_mut() {
            if *at < g.offsets[v + 1] {
                let w = g.targets[*at] as usize;
                *at += 1;
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, g.offsets[w]));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    components.push(component);
                }
            }
        }
    }
    components
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::OpType;

    fn txn(kind: OpType, invoked: u64, completed: Option<u64>) -> Txn<'static> {
        Txn {
            process: 0,
            kind,
            invoke_index: invoked,
            complete_index: completed,
            invoke_time: Some(invoked),
            complete_time: completed,
            mops: &[],
            node: None,
        }
    }

    fn realtime(txns: &[Txn]) -> Vec<(usize, usize)> {
        let mut edges = Vec::new();
        realtime_edges(txns, &mut |a, b, _| edges.push((a, b)));
        edges.sort_unstable();
        edges
    }

    #[test]
    fn real_time_links_each_transaction_to_the_frontier_only() {
        // T0 [0, 1], T1 [2, 3], T2 [4, 5]: T0 -> T2 follows by transitivity.
        let chain = [
            txn(OpType::Ok, 0, Some(1)),
            txn(OpType::Ok, 2, Some(3)),
            txn(OpType::Ok, 4, Some(5)),
        ];
        assert_eq!(realtime(&chain), vec![(0, 1), (1, 2)]);
        // T0 [0, 3] and T1 [1, 2] overlap: neither precedes the other; both
        // precede T2 [4, 5].
        let overlapping = [
            txn(OpType::Ok, 0, Some(3)),
            txn(OpType::Ok, 1, Some(2)),
            txn(OpType::Ok, 4, Some(5)),
        ];
        assert_eq!(realtime(&overlapping), vec![(0, 2), (1, 2)]);
    }

    #[test]
    fn a_transaction_never_completed_follows_what_had_completed_when_it_began() {
        // T1 (outcome unknown) began after T0 ended; T2 began after T0 too,
        // and T1's unknown end orders nothing after it.
        let txns = [
            txn(OpType::Ok, 0, Some(1)),
            txn(OpType::Info, 2, None),
            txn(OpType::Ok, 3, Some(4)),
        ];
        assert_eq!(realtime(&txns), vec![(0, 1), (0, 2)]);
    }

    #[test]
    fn edges_of_one_pair_merge_their_types_and_count_once() {
        let g = Graph::from_edges(2, vec![(0, 1, WW), (1, 0, WR), (0, 1, RW)]);
        assert_eq!(g.out(0).collect::<Vec<_>>(), vec![(1, WW | RW)]);
        assert_eq!(g.out(1).collect::<Vec<_>>(), vec![(0, WR)]);
        assert_eq!(g.edge_count(), 2);
        let names: Vec<&str> = [WW, WR, RW, PROCESS, REALTIME].map(edge_name).to_vec();
        assert_eq!(names, ["ww", "wr", "rw", "process", "realtime"]);
    }

    #[test]
    fn each_cycle_is_one_component_and_a_chain_between_them_none() {
        // 0 <-> 1 -> 2 <-> 3, and 4 alone with an edge into the first cycle.
        let g = Graph::from_edges(
            5,
            vec![
                (0, 1, WW),
                (1, 0, WW),
                (1, 2, WR),
                (2, 3, RW),
                (3, 2, RW),
                (4, 0, WW),
            ],
        );
        let mut components: Vec<Vec<usize>> = cyclic_components(&g)
            .into_iter()
            .map(|mut c| {
                c.sort_unstable();
                c
            })
            .collect();
        components.sort();
        assert_eq!(components, vec![vec![0, 1], vec![2, 3]]);
    }
}
