//! A workflow's Mermaid state diagram drawn as inline SVG, so that a page
//! shows it without loading Mermaid's script from the network: states in
//! columns by their distance from the start, each transition an arrow
//! labelled with its step, `[*]` as the start and end dots. The Mermaid
//! source sits below it, to paste into any Mermaid renderer.

use crate::html::escape;
use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;

/// One `A --> B: label` line; `[*]` is the start or the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// The state it leaves.
    pub from: String,
    /// The state it reaches.
    pub to: String,
    /// The step (and role), or `failure` on an end.
    pub label: String,
}

/// The transitions of a `stateDiagram-v2` as the workflows write it.
pub fn edges(mermaid: &str) -> Vec<Edge> {
    mermaid
        .lines()
        .filter_map(|line| {
            let (arrow, label) = match line.split_once(": ") {
                Some((a, l)) => (a, l.trim()),
                None => (line, ""),
            };
            let (from, to) = arrow.split_once("-->")?;
            Some(Edge {
                from: from.trim().to_string(),
                to: to.trim().to_string(),
                label: label.to_string(),
            })
        })
        .collect()
}

const COLUMN: f64 = 210.0;
const ROW: f64 = 60.0;
const BOX_W: f64 = 130.0;
const BOX_H: f64 = 26.0;

/// Where everything goes: a column per distance from the start (`[*]` is
/// column 0, the ends one past the last state that leaves to them), rows
/// in order of first sight.
struct Layout<'e> {
    column: BTreeMap<&'e str, usize>,
    place: BTreeMap<&'e str, (f64, f64)>,
    /// The edges to the end, one end dot each.
    ends: Vec<&'e Edge>,
    /// The ends' column.
    last: usize,
    width: f64,
    height: f64,
}

/// The top-left corner of the cell at `col`, `row`; room above the first
/// row for loops and edges back over the top.
fn at(col: usize, row: usize) -> (f64, f64) {
    (20.0 + col as f64 * COLUMN, 45.0 + row as f64 * ROW)
}

impl<'e> Layout<'e> {
    fn of(edges: &'e [Edge]) -> Self {
        let mut column: BTreeMap<&str, usize> = BTreeMap::from([("[*]", 0)]);
        let mut order: Vec<&str> = Vec::new();
        let mut queue = VecDeque::from([("[*]", 0usize)]);
        while let Some((state, depth)) = queue.pop_front() {
            for e in edges.iter().filter(|e| e.from == state && e.to != "[*]") {
                if !column.contains_key(e.to.as_str()) {
                    column.insert(&e.to, depth + 1);
                    order.push(&e.to);
                    queue.push_back((&e.to, depth + 1));
                }
            }
        }
        let last = column.values().copied().max().unwrap_or(0) + 1;
        let mut rows_used = vec![0usize; last + 1];
        let mut place = BTreeMap::from([("[*]", at(0, 0))]);
        rows_used[0] = 1;
        for state in &order {
            let col = column[state];
            place.insert(*state, at(col, rows_used[col]));
            rows_used[col] += 1;
        }
        let ends: Vec<&Edge> = edges.iter().filter(|e| e.to == "[*]").collect();
        let rows = rows_used.iter().copied().max().unwrap_or(1).max(ends.len());
        Layout {
            height: 50.0 + rows as f64 * ROW,
            width: 40.0 + (last + 1) as f64 * COLUMN,
            column,
            place,
            ends,
            last,
        }
    }

    fn col_of(&self, state: &str) -> usize {
        self.column.get(state).copied().unwrap_or(self.last)
    }

    /// Where `e` ends and in which column; `None` for a state not placed.
    fn target(&self, e: &Edge) -> Option<((f64, f64), usize)> {
        match e.to.as_str() {
            "[*]" => {
                let i = self.ends.iter().position(|x| *x == e).unwrap_or(0);
                Some((at(self.last, i), self.last))
            }
            to => self.place.get(to).map(|p| (*p, self.col_of(to))),
        }
    }
}

/// Where an edge leaves `state` at `(x, y)` (boxes: their sides; dots: their rim).
fn side(state: &str, (x, y): (f64, f64), right: bool) -> (f64, f64) {
    let w = if state == "[*]" { 16.0 } else { BOX_W };
    (if right { x + w } else { x }, y + BOX_H / 2.0)
}

/// The SVG path of `e` from `from` (in `from_col`) to `to` (in `to_col`),
/// and where its label goes.
fn edge_path(
    e: &Edge,
    from: (f64, f64),
    from_col: usize,
    to: (f64, f64),
    to_col: usize,
) -> (String, (f64, f64)) {
    if e.from == e.to {
        // A loop: out of the top and back in.
        let (cx, top) = (from.0 + BOX_W / 2.0, from.1);
        (
            format!(
                "M{:.0},{top:.0} C{:.0},{:.0} {:.0},{:.0} {:.0},{top:.0}",
                cx - 20.0,
                cx - 35.0,
                top - 30.0,
                cx + 35.0,
                top - 30.0,
                cx + 20.0
            ),
            (cx, top - 26.0),
        )
    } else if to_col == from_col {
        // Same column: from the bottom (or top) of one to the other.
        let x = from.0 + BOX_W / 2.0;
        let (y1, y2) = if to.1 > from.1 {
            (from.1 + BOX_H, to.1)
        } else {
            (from.1, to.1 + BOX_H)
        };
        (
            format!("M{x:.0},{y1:.0} L{x:.0},{y2:.0}"),
            (x + 4.0, (y1 + y2) / 2.0),
        )
    } else if to_col > from_col {
        let (x1, y1) = side(&e.from, from, true);
        let (x2, y2) = side(&e.to, to, false);
        let mid = (x1 + x2) / 2.0;
        (
            format!("M{x1:.0},{y1:.0} C{mid:.0},{y1:.0} {mid:.0},{y2:.0} {x2:.0},{y2:.0}"),
            (mid, (y1 + y2) / 2.0 - 5.0),
        )
    } else {
        // Back to an earlier column: over the top.
        let (x1, y1) = (from.0 + BOX_W / 2.0, from.1);
        let (x2, y2) = (to.0 + BOX_W / 2.0, to.1);
        let top = y1.min(y2) - 30.0;
        (
            format!("M{x1:.0},{y1:.0} C{x1:.0},{top:.0} {x2:.0},{top:.0} {x2:.0},{y2:.0}"),
            ((x1 + x2) / 2.0, top + 8.0),
        )
    }
}

/// Every arrow into `svg`, and their labels into `labels` (drawn last, on top).
fn draw_edges(layout: &Layout<'_>, edges: &[Edge], svg: &mut String, labels: &mut String) {
    for e in edges {
        let Some(&from) = layout.place.get(e.from.as_str()) else {
            continue;
        };
        let Some((to, to_col)) = layout.target(e) else {
            continue;
        };
        let from_col = layout.col_of(&e.from);
        let (path, (lx, ly)) = edge_path(e, from, from_col, to, to_col);
        let _ = writeln!(
            svg,
            "<path class=\"edge\" d=\"{path}\" fill=\"none\" stroke=\"#555\" marker-end=\"url(#arrow)\"/>"
        );
        if !e.label.is_empty() {
            let _ = writeln!(
                labels,
                "<text class=\"label\" x=\"{lx:.0}\" y=\"{ly:.0}\" text-anchor=\"{}\" fill=\"#333\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
                if to_col > from_col || e.from == e.to { "middle" } else { "start" },
                escape(&e.label)
            );
        }
    }
}

/// The start dot, a box per state and an end dot per edge to the end.
fn draw_states(layout: &Layout<'_>, svg: &mut String) {
    for (state, (x, y)) in &layout.place {
        if *state == "[*]" {
            let _ = writeln!(
                svg,
                "<circle class=\"start\" cx=\"{:.0}\" cy=\"{:.0}\" r=\"7\" fill=\"#222\"/>",
                x + 8.0,
                y + BOX_H / 2.0
            );
            continue;
        }
        let _ = writeln!(
            svg,
            "<g class=\"state\"><rect x=\"{x:.0}\" y=\"{y:.0}\" width=\"{BOX_W:.0}\" height=\"{BOX_H:.0}\" rx=\"8\" fill=\"#e3f2fd\" stroke=\"#1565c0\"/>\
             <text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"middle\">{}</text></g>",
            x + BOX_W / 2.0,
            y + BOX_H / 2.0 + 4.0,
            escape(state)
        );
    }
    for i in 0..layout.ends.len() {
        let (x, y) = at(layout.last, i);
        let _ = writeln!(
            svg,
            "<circle class=\"end\" cx=\"{:.0}\" cy=\"{:.0}\" r=\"7\" fill=\"none\" stroke=\"#222\" stroke-width=\"2\"/>\
             <circle cx=\"{:.0}\" cy=\"{:.0}\" r=\"4\" fill=\"#222\"/>",
            x + 8.0,
            y + BOX_H / 2.0,
            x + 8.0,
            y + BOX_H / 2.0
        );
    }
}

/// The diagram as an SVG figure, then its Mermaid source in a
/// `<details>`; `title` names the workflow.
pub fn figure(title: &str, mermaid: &str) -> String {
    let edges = edges(mermaid);
    let layout = Layout::of(&edges);
    let mut svg = format!(
        "<svg class=\"diagram\" width=\"{:.0}\" height=\"{:.0}\" role=\"img\" aria-label=\"{}\">\n\
         <defs><marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#555\"/></marker></defs>\n",
        layout.width,
        layout.height,
        escape(title)
    );
    let mut labels = String::new();
    draw_edges(&layout, &edges, &mut svg, &mut labels);
    draw_states(&layout, &mut svg);
    svg.push_str(&labels);
    svg.push_str("</svg>\n");
    format!(
        "<figure>\n<figcaption>{}</figcaption>\n{svg}<details><summary>Mermaid source</summary><pre class=\"mermaid-source\">{}</pre></details>\n</figure>\n",
        escape(title),
        escape(mermaid)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMON: &str = "stateDiagram-v2\n    [*] --> A\n    A --> B: go\n    A --> C: go\n    B --> C: next\n    C --> C: again [loop]\n    C --> [*]\n    B --> [*]: failure\n";

    #[test]
    fn every_line_with_an_arrow_is_an_edge_with_its_label() {
        let e = edges(COMMON);
        assert_eq!(e.len(), 7);
        assert_eq!(
            e[5],
            Edge {
                from: "C".into(),
                to: "[*]".into(),
                label: String::new()
            }
        );
        assert_eq!(e[4].label, "again [loop]");
        assert_eq!(e[6].label, "failure");
    }

    #[test]
    fn the_figure_has_a_box_per_state_an_arrow_per_edge_and_the_source() {
        let f = figure("w <1>", COMMON);
        assert_eq!(f.matches("<g class=\"state\">").count(), 3);
        assert_eq!(f.matches("class=\"edge\"").count(), 7);
        assert_eq!(f.matches("class=\"end\"").count(), 2);
        assert_eq!(f.matches("class=\"start\"").count(), 1);
        assert!(f.contains("<figcaption>w &lt;1&gt;</figcaption>"));
        assert!(f.contains("C --&gt; C: again [loop]"), "{f}");
        for label in [">go<", ">next<", ">again [loop]<", ">failure<"] {
            assert!(f.contains(label), "{label}: {f}");
        }
    }
}
