//! Finding the cycles that make each anomaly, inside one strongly
//! connected component: a breadth-first search from an edge of the kind the
//! anomaly needs (ww for G0, wr for G1c, rw for the G2 family) back to its
//! start, over states that track what the path has used so far (how many
//! rw edges, whether the last was rw, whether an order edge was taken), so
//! that the first cycle found is a shortest one of the wanted shape.

use super::graph::{Graph, RW, WR, WW};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The data shapes of cycle, from Adya's definitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Only ww edges.
    G0,
    /// ww and wr edges, at least one wr.
    G1c,
    /// Exactly one rw edge.
    GSingle,
    /// Several rw edges, no two adjacent.
    GNonadjacent,
    /// Several rw edges, two of them adjacent.
    G2Item,
}

impl Shape {
    pub(crate) const ALL: [Shape; 5] = [
        Shape::G0,
        Shape::G1c,
        Shape::GSingle,
        Shape::GNonadjacent,
        Shape::G2Item,
    ];

    fn start(self) -> u8 {
        match self {
            Shape::G0 => WW,
            Shape::G1c => WR,
            _ => RW,
        }
    }

    fn data_edges(self) -> u8 {
        match self {
            Shape::G0 => WW,
            Shape::G1c | Shape::GSingle => WW | WR,
            Shape::GNonadjacent | Shape::G2Item => WW | WR | RW,
        }
    }
}

/// A cycle: its edges in order, each `(from, to, type bit)`.
pub(crate) type Cycle = Vec<(usize, usize, u8)>;

// State flags of a path: how many rw edges (0, 1, 2 or more) and whether
// the last edge was rw. Nothing more is needed: the order edges' pass
// runs only where the data edges alone found no cycle of the shape, so
// whatever it finds uses one; and a cycle with two adjacent rw edges is
// found from the second of them, closing with the first.
const RW_COUNT: u8 = 0b11;
const LAST_RW: u8 = 0b100;
const STATES: usize = 8;

fn step(flags: u8, bit: u8, shape: Shape) -> Option<u8> {
    let last_rw = flags & LAST_RW != 0;
    if bit != RW {
        return Some(flags & RW_COUNT);
    }
    if shape == Shape::GNonadjacent && last_rw {
        return None;
    }
    Some(((flags & RW_COUNT) + 1).min(2) | LAST_RW)
}

fn closes(flags: u8, shape: Shape) -> bool {
    let last_rw = flags & LAST_RW != 0;
    match shape {
        // Their shapes allow no rw edge but the first (G-single's).
        Shape::G0 | Shape::G1c | Shape::GSingle => true,
        // The first edge is rw: a closing rw edge would sit next to it.
        Shape::GNonadjacent => flags & RW_COUNT >= 2 && !last_rw,
        Shape::G2Item => last_rw,
    }
}

/// What one search found.
pub(crate) enum Outcome {
    Found(Cycle),
    None,
    /// The time allowed ran out first.
    GaveUp,
}

/// Searches inside one component, reusing its buffers between searches.
pub(crate) struct Searcher<'g> {
    graph: &'g Graph,
    /// Each node's position in the current component (`u32::MAX`: outside).
    local: Vec<u32>,
    nodes: Vec<usize>,
    stamp: Vec<u32>,
    parent: Vec<(u32, u8)>,
    generation: u32,
}

impl<'g> Searcher<'g> {
    pub(crate) fn new(graph: &'g Graph) -> Self {
        let n = graph.offsets.len().saturating_sub(1);
        Searcher {
            graph,
            local: vec![u32::MAX; n],
            nodes: Vec::new(),
            stamp: Vec::new(),
            parent: Vec::new(),
            generation: 0,
        }
    }

    /// Makes `component` the one searched.
    pub(crate) fn enter(&mut self, component: &[usize]) {
        for &n in &self.nodes {
            self.local[n] = u32::MAX;
        }
        for (i, &n) in component.iter().enumerate() {
            self.local[n] = i as u32;
        }
        self.nodes = component.to_vec();
        self.stamp = vec![0; component.len() * STATES];
        self.parent = vec![(0, 0); component.len() * STATES];
        self.generation = 0;
    }

    /// A shortest cycle of `shape` in the current component, using the
    /// data edges the shape allows plus the order edges in `order`,
    /// within `budget`.
    pub(crate) fn find(&mut self, shape: Shape, order: u8, budget: Duration) -> Outcome {
        let started = Instant::now();
        let allowed = shape.data_edges() | order;
        for i in 0..self.nodes.len() {
            let a = self.nodes[i];
            let starts: Vec<usize> = self
                .graph
                .out(a)
                .filter(|(b, bits)| bits & shape.start() != 0 && self.local[*b] != u32::MAX)
                .map(|(b, _)| b)
                .collect();
            for b in starts {
                if started.elapsed() > budget {
                    return Outcome::GaveUp;
                }
                if let Some(cycle) = self.search_from(a, b, shape, allowed) {
                    return Outcome::Found(cycle);
                }
            }
        }
        Outcome::None
    }

    fn search_from(&mut self, a: usize, b: usize, shape: Shape, allowed: u8) -> Option<Cycle> {
        self.generation += 1;
        let generation = self.generation;
        let first = step(0, shape.start(), shape)?;
        let start_state = self.local[b] as usize * STATES + first as usize;
        self.stamp[start_state] = generation;
        self.parent[start_state] = (0, 0);
        let mut queue = VecDeque::from([start_state]);
        while let Some(state) = queue.pop_front() {
            let (at, flags) = (self.nodes[state / STATES], (state % STATES) as u8);
            for (next, bits) in self.graph.out(at) {
                let local = self.local[next];
                if local == u32::MAX {
                    continue;
                }
                let mut choices = bits & allowed;
                while choices != 0 {
                    let bit = choices & choices.wrapping_neg();
                    choices &= choices - 1;
                    let Some(after) = step(flags, bit, shape) else {
                        continue;
                    };
                    if next == a {
                        if closes(after, shape) {
                            return Some(self.path(a, b, shape.start(), state, at, bit));
                        }
                        continue;
                    }
                    let target = local as usize * STATES + after as usize;
                    if self.stamp[target] != generation {
                        self.stamp[target] = generation;
                        self.parent[target] = (state as u32, bit);
                        queue.push_back(target);
                    }
                }
            }
        }
        None
    }

    fn path(&self, a: usize, b: usize, start_bit: u8, last: usize, at: usize, bit: u8) -> Cycle {
        let mut tail = vec![(at, a, bit)];
        let mut state = last;
        while let Some((prev, edge)) = self.parent_of(state) {
            tail.push((self.nodes[prev / STATES], self.nodes[state / STATES], edge));
            state = prev;
        }
        tail.push((a, b, start_bit));
        tail.reverse();
        tail
    }

    fn parent_of(&self, state: usize) -> Option<(usize, u8)> {
        let (prev, bit) = self.parent[state];
        (bit != 0 && self.stamp[state] == self.generation).then_some((prev as usize, bit))
    }
}
