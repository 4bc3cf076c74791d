//! `consistency run --html FILE`: the run as a picture. One lane per
//! client, each transaction a bar from invocation to completion coloured
//! by how it ended, the faults as shaded bands and the kills as ticks, the
//! anomalies' witnesses outlined; then the windows, the nemesis, the final
//! states and each anomaly's explanation.

use crate::html::{escape, legend, outcome_colour, page};
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use test_rig::checker::CheckReport;
use test_rig::history::{OpType, Span};
use test_rig::workload::{Convergence, EventKind, NemesisLog, Timeline};

use crate::html::MAX_BARS;

const LEFT: f64 = 200.0;
const WIDTH: f64 = 1000.0;
const LANE: f64 = 16.0;
const TOP: f64 = 28.0;

/// Everything the page shows.
pub struct RunPage<'a> {
    /// The first line of the human report (workload, server, level).
    pub heading: String,
    /// The transactions, in order of invocation.
    pub spans: &'a [Span<'a>],
    /// Clients: process `p` ran on client `p % connections`.
    pub connections: u32,
    /// When the clients stopped (the final reads come after), in ns.
    pub workload_end: u64,
    /// Faults, heals, kills.
    pub nemesis: &'a NemesisLog,
    /// The windows between them.
    pub timeline: &'a Timeline,
    /// Whether the nodes' final reads agree.
    pub convergence: &'a Convergence,
    /// The checker's verdict and witnesses.
    pub check: &'a CheckReport,
}

/// Which lane a transaction is drawn in, and the lanes' labels.
fn lanes(p: &RunPage) -> (Vec<usize>, Vec<String>) {
    let clients = p.connections.max(1) as usize;
    let mut nodes: BTreeMap<usize, &str> = BTreeMap::new();
    let lane_of: Vec<usize> = p
        .spans
        .iter()
        .map(|s| {
            if s.start >= p.workload_end {
                return clients;
            }
            let client = (s.process % clients as u64) as usize;
            if let Some(node) = s.node {
                nodes.entry(client).or_insert(node);
            }
            client
        })
        .collect();
    let mut labels: Vec<String> = (0..clients)
        .map(|c| match nodes.get(&c) {
            Some(node) => format!("client-{} · {node}", c + 1),
            None => format!("client-{}", c + 1),
        })
        .collect();
    if lane_of.contains(&clients) {
        labels.push("final reads".into());
    }
    (lane_of, labels)
}

/// A tick step, in seconds, giving at most about a dozen ticks.
fn tick_step(end_seconds: f64) -> f64 {
    const STEPS: [f64; 14] = [
        0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0,
    ];
    STEPS
        .into_iter()
        .find(|s| end_seconds / s <= 12.0)
        .unwrap_or(3600.0)
}

/// `tick` with as many decimals as `step` needs.
fn tick_label(tick: f64, step: f64) -> String {
    let decimals = if step < 0.1 {
        2
    } else if step < 1.0 {
        1
    } else {
        0
    };
    format!("{tick:.decimals$} s")
}

/// The timeline as SVG.
fn picture(p: &RunPage) -> String {
    let (lane_of, labels) = lanes(p);
    let end = p
        .spans
        .iter()
        .map(|s| s.end.unwrap_or(s.start))
        .chain(p.nemesis.events.iter().map(|e| e.time + e.took))
        .chain([p.workload_end, 1])
        .max()
        .unwrap_or(1);
    let x = |t: u64| LEFT + t as f64 / end as f64 * WIDTH;
    let height = TOP + LANE * labels.len() as f64 + 8.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\">",
        LEFT + WIDTH + 20.0
    );
    // Faults: shaded from each fault to the end of the heal after it.
    let mut fault_from: Option<(u64, &str)> = None;
    let mut bands = Vec::new();
    for e in &p.nemesis.events {
        match e.kind {
            EventKind::Fault => fault_from = fault_from.or(Some((e.time, &e.what))),
            EventKind::Heal => {
                if let Some((from, what)) = fault_from.take() {
                    bands.push((from, e.time + e.took, what));
                }
            }
            EventKind::Kill => {
                let _ = writeln!(
                    svg,
                    "<line class=\"kill\" x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#c62828\"><title>{3:.3} s kill {4}</title></line>",
                    x(e.time),
                    TOP - 8.0,
                    TOP,
                    e.time as f64 / 1e9,
                    escape(&e.what)
                );
            }
        }
    }
    if let Some((from, what)) = fault_from {
        bands.push((from, end, what));
    }
    for (from, to, what) in bands {
        let _ = writeln!(
            svg,
            "<rect class=\"fault\" x=\"{:.1}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#f8d7da\"><title>fault `{}` from {:.3} s to {:.3} s</title></rect>",
            x(from),
            (x(to) - x(from)).max(1.0),
            LANE * labels.len() as f64,
            escape(what),
            from as f64 / 1e9,
            to as f64 / 1e9
        );
    }
    // The axis, in seconds.
    let step = tick_step(end as f64 / 1e9);
    let mut tick = 0.0;
    while tick * 1e9 <= end as f64 {
        let at = x((tick * 1e9) as u64);
        let _ = writeln!(
            svg,
            "<line x1=\"{at:.1}\" x2=\"{at:.1}\" y1=\"{}\" y2=\"{}\" stroke=\"#ddd\"/><text x=\"{at:.1}\" y=\"12\" text-anchor=\"middle\">{}</text>",
            TOP - 4.0,
            height - 8.0,
            tick_label(tick, step)
        );
        tick = ((tick / step).round() + 1.0) * step;
    }
    for (i, label) in labels.iter().enumerate() {
        let _ = writeln!(
            svg,
            "<text class=\"lane\" x=\"4\" y=\"{:.1}\">{}</text>",
            TOP + LANE * i as f64 + 12.0,
            escape(label)
        );
    }
    let witnesses: HashSet<&str> = p
        .check
        .anomalies
        .values()
        .flat_map(|k| &k.witnesses)
        .flat_map(|w| &w.transactions)
        .map(|t| t.name.as_str())
        .collect();
    let crowded = p.spans.len() > MAX_BARS;
    for (span, lane) in p.spans.iter().zip(&lane_of) {
        let name = test_rig::checker::transaction_name(span.index);
        let witness = witnesses.contains(name.as_str());
        if crowded && span.outcome == OpType::Ok && !witness {
            continue;
        }
        let stop = span.end.unwrap_or(end);
        let outcome = match span.outcome {
            OpType::Invoke => "never completed",
            other => other.as_str(),
        };
        let _ = writeln!(
            svg,
            "<rect class=\"txn{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{}\" fill=\"{}\"><title>{name} process {}{}: {outcome} after {:.2} ms</title></rect>",
            if witness { " witness" } else { "" },
            x(span.start),
            TOP + LANE * *lane as f64 + 2.0,
            (x(stop) - x(span.start)).max(1.0),
            LANE - 4.0,
            outcome_colour(span.outcome.as_str()),
            span.process,
            span.node.map(|n| format!(" on {}", escape(n))).unwrap_or_default(),
            stop.saturating_sub(span.start) as f64 / 1e6
        );
    }
    svg.push_str("</svg>\n");
    let mut out = legend(&[
        ("ok", "committed"),
        ("fail", "failed"),
        ("info", "unknown"),
        ("invoke", "never completed"),
    ]);
    if crowded {
        let _ = writeln!(
            out,
            "<p>{} transactions: committed ones are left out of the picture beyond {MAX_BARS}; the failed, unknown and witness ones are all drawn.</p>",
            p.spans.len()
        );
    }
    out.push_str("<p>Shaded: a fault until its heal ended. Red ticks on top: connections killed. Outlined: transactions in an anomaly's witness (see below).</p>\n");
    out.push_str(&svg);
    out
}

fn windows_table(t: &Timeline) -> String {
    let mut out = String::from(
        "<table id=\"windows\"><tr><th>from</th><th>to</th><th>after</th><th>ok</th><th>failed</th><th>unknown</th><th>committed per second per node</th></tr>\n",
    );
    for w in &t.windows {
        let nodes: Vec<String> = w
            .per_node
            .iter()
            .map(|(node, o)| format!("{} {:.0}/s", escape(node), w.rate(o)))
            .collect();
        let _ = writeln!(
            out,
            "<tr><td>{:.3} s</td><td>{:.3} s</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            w.from as f64 / 1e9,
            w.to as f64 / 1e9,
            escape(&w.after),
            w.outcomes.ok,
            w.outcomes.fail,
            w.outcomes.info,
            nodes.join(", ")
        );
    }
    out.push_str("</table>\n");
    out
}

fn nemesis_list(n: &NemesisLog) -> String {
    let commands: Vec<_> = n
        .events
        .iter()
        .filter(|e| e.kind != EventKind::Kill)
        .collect();
    let kills = n.events.len() - commands.len();
    let mut out = String::from("<ul id=\"nemesis\">\n");
    for e in commands {
        let _ = writeln!(
            out,
            "<li>{:.3} s {} <code>{}</code>: {} (took {:.2} s)</li>",
            e.time as f64 / 1e9,
            e.kind.as_str(),
            escape(&e.what),
            e.error
                .as_deref()
                .map_or("ok".to_string(), |e| format!("FAILED: {}", escape(e))),
            e.took as f64 / 1e9
        );
    }
    if kills > 0 {
        let _ = writeln!(out, "<li>{kills} connections killed</li>");
    }
    if let Some(failure) = &n.failure {
        let _ = writeln!(out, "<li>the run was ended by: {}</li>", escape(failure));
    }
    out.push_str("</ul>\n");
    out
}

fn anomalies(check: &CheckReport) -> String {
    let mut out = String::new();
    if check.anomalies.is_empty() {
        out.push_str("<p>None found.</p>\n");
    }
    for (kind, found) in &check.anomalies {
        let _ = writeln!(
            out,
            "<h3 class=\"anomaly\">{} ({} found)</h3>",
            escape(&kind.to_string()),
            found.count
        );
        for w in &found.witnesses {
            out.push_str("<table class=\"witness-txns\"><tr><th>transaction</th><th>process</th><th>node</th><th>ended</th><th>did</th></tr>\n");
            for t in &w.transactions {
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(&t.name),
                    t.process,
                    escape(t.node.as_deref().unwrap_or("-")),
                    t.outcome.as_str(),
                    escape(&t.ops)
                );
            }
            out.push_str("</table>\n<ul>\n");
            for line in &w.explanation {
                let _ = writeln!(out, "<li>{}</li>", escape(line));
            }
            out.push_str("</ul>\n");
        }
    }
    out
}

/// The whole page.
pub fn render(p: &RunPage) -> String {
    let c = p.check;
    let verdict = serde_json::to_value(c.verdict)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<p id=\"verdict\" class=\"{verdict}\">Expected {}: <b>{verdict}</b>. Transactions: {} committed, {} failed, {} unknown.</p>",
        escape(&c.model.to_string()),
        c.transactions.ok,
        c.transactions.fail,
        c.transactions.info
    );
    body.push_str("<h2>Timeline</h2>\n");
    body.push_str(&picture(p));
    body.push_str("<h2>Windows</h2>\n");
    body.push_str(&windows_table(p.timeline));
    if !p.nemesis.events.is_empty() || p.nemesis.failure.is_some() {
        body.push_str("<h2>Nemesis</h2>\n");
        body.push_str(&nemesis_list(p.nemesis));
    }
    if p.convergence.nodes.len() > 1 {
        body.push_str("<h2>Final states</h2>\n");
        if p.convergence.agrees() {
            let _ = writeln!(
                body,
                "<p id=\"final-states\">The {} nodes agree ({}).</p>",
                p.convergence.nodes.len(),
                escape(&p.convergence.nodes.join(", "))
            );
        } else {
            let _ = writeln!(
                body,
                "<p id=\"final-states\">The nodes DIFFER on {} keys or accounts:</p><ul>",
                p.convergence.differing
            );
            for d in &p.convergence.differences {
                let _ = writeln!(body, "<li>{}</li>", escape(d));
            }
            body.push_str("</ul>\n");
        }
    }
    body.push_str("<h2>Anomalies</h2>\n");
    body.push_str(&anomalies(c));
    page(&p.heading, &body)
}

#[cfg(test)]
#[path = "page_tests.rs"]
mod tests;
