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

/// The diagram as an SVG figure, then its Mermaid source in a
/// `<details>`; `title` names the workflow.
pub fn figure(title: &str, mermaid: &str) -> String {
    let edges = edges(mermaid);
    // Columns by distance from the start ([*] is column 0, ends go one past
    // the last state they leave); rows in order of first sight.
    let mut column: BTreeMap<&str, usize> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    let mut queue = VecDeque::from([("[*]", 0usize)]);
    column.insert("[*]", 0);
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
    let mut place: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    // Room above the first row for loops and edges back over the top.
    let at = |col: usize, row: usize| (20.0 + col as f64 * COLUMN, 45.0 + row as f64 * ROW);
    place.insert("[*]", at(0, 0));
    rows_used[0] = 1;
    for state in &order {
        let col = column[state];
        place.insert(state, at(col, rows_used[col]));
        rows_used[col] += 1;
    }
    let ends: Vec<&Edge> = edges.iter().filter(|e| e.to == "[*]").collect();
    let height = 50.0 + (rows_used.iter().copied().max().unwrap_or(1).max(ends.len())) as f64 * ROW;
    let width = 40.0 + (last + 1) as f64 * COLUMN;
    let mut svg = format!(
        "<svg class=\"diagram\" width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-label=\"{}\">\n\
         <defs><marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#555\"/></marker></defs>\n",
        escape(title)
    );
    // Ends: one dot per terminal state, in the last column.
    let end_at = |i: usize| at(last, i);
    let col_of = |state: &str| column.get(state).copied().unwrap_or(last);
    // Where an edge leaves `state` (boxes: their sides; dots: their rim).
    let side = |state: &str, (x, y): (f64, f64), right: bool| -> (f64, f64) {
        let w = if state == "[*]" { 16.0 } else { BOX_W };
        (if right { x + w } else { x }, y + BOX_H / 2.0)
    };
    let mut labels = String::new();
    for e in &edges {
        let Some(&from) = place.get(e.from.as_str()) else {
            continue;
        };
        let (to_pos, to_col) = match e.to.as_str() {
            "[*]" => {
                let i = ends.iter().position(|x| x == &e).unwrap_or(0);
                (end_at(i), last)
            }
            to => match place.get(to) {
                Some(&p) => (p, col_of(to)),
                None => continue,
            },
        };
        let from_col = col_of(&e.from);
        let (path, (lx, ly)) = if e.from == e.to {
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
            let down = to_pos.1 > from.1;
            let x = from.0 + BOX_W / 2.0;
            let (y1, y2) = if down {
                (from.1 + BOX_H, to_pos.1)
            } else {
                (from.1, to_pos.1 + BOX_H)
            };
            (
                format!("M{x:.0},{y1:.0} L{x:.0},{y2:.0}"),
                (x + 4.0, (y1 + y2) / 2.0),
            )
        } else if to_col > from_col {
            let (x1, y1) = side(&e.from, from, true);
            let (x2, y2) = side(&e.to, to_pos, false);
            let mid = (x1 + x2) / 2.0;
            (
                format!("M{x1:.0},{y1:.0} C{mid:.0},{y1:.0} {mid:.0},{y2:.0} {x2:.0},{y2:.0}"),
                (mid, (y1 + y2) / 2.0 - 5.0),
            )
        } else {
            // Back to an earlier column: over the top.
            let (x1, y1) = (from.0 + BOX_W / 2.0, from.1);
            let (x2, y2) = (to_pos.0 + BOX_W / 2.0, to_pos.1);
            let top = y1.min(y2) - 30.0;
            (
                format!("M{x1:.0},{y1:.0} C{x1:.0},{top:.0} {x2:.0},{top:.0} {x2:.0},{y2:.0}"),
                ((x1 + x2) / 2.0, top + 8.0),
            )
        };
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
    for (state, (x, y)) in &place {
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
    for (i, _) in ends.iter().enumerate() {
        let (x, y) = end_at(i);
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
