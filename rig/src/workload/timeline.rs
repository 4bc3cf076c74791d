//! A run told in time: the nemesis's faults and heals cut the run into
//! windows, and each window counts the transactions that ended in it,
//! in all and per node, so that a reader sees what a fault did to whom.

use super::nemesis::{EventKind, NemesisLog};
use crate::history::{OpType, Outline};
use serde::Serialize;
use std::collections::BTreeMap;

/// How transactions ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Outcomes {
    /// Committed.
    pub ok: u64,
    /// Certainly not committed.
    pub fail: u64,
    /// Unknown.
    pub info: u64,
}

impl Outcomes {
    fn count(&mut self, kind: OpType) {
        match kind {
            OpType::Ok => self.ok += 1,
            OpType::Fail => self.fail += 1,
            OpType::Info => self.info += 1,
            OpType::Invoke => {}
        }
    }
}

/// A stretch of the run between two faults or heals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    /// From, in nanoseconds since the run began.
    pub from: u64,
    /// To (the next event, or the end).
    pub to: u64,
    /// What began it: `start`, or the fault or heal command.
    pub after: String,
    /// The transactions that ended in it.
    pub outcomes: Outcomes,
    /// The same, per node (empty for a run on one server).
    pub per_node: BTreeMap<String, Outcomes>,
}

impl Window {
    /// Committed transactions per second among `outcomes` (this window's,
    /// or one node's in it).
    pub fn rate(&self, outcomes: &Outcomes) -> f64 {
        let seconds = (self.to.saturating_sub(self.from)) as f64 / 1e9;
        outcomes.ok as f64 / seconds.max(1e-9)
    }
}

/// The run's windows, and each node's outcomes over the whole run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Timeline {
    /// In order; one window (`start`) when nothing was faulted.
    pub windows: Vec<Window>,
    /// Per node, over the whole run.
    pub per_node: BTreeMap<String, Outcomes>,
    /// How many connections the nemesis killed.
    pub kills: usize,
    /// Kills that found the connection already gone (or failed).
    pub missed_kills: usize,
}

/// Cuts `0..end` at each fault and heal of `nemesis` begun before `end`
/// (the heal after the clients stopped cuts nothing) and counts the
/// completions of `ops` (not the final reads: those after `end`).
pub fn timeline(ops: &[Outline], nemesis: &NemesisLog, end: u64) -> Timeline {
    let mut windows = vec![Window {
        from: 0,
        to: end,
        after: "start".into(),
        outcomes: Outcomes::default(),
        per_node: BTreeMap::new(),
    }];
    let cuts = nemesis
        .events
        .iter()
        .filter(|e| e.kind != EventKind::Kill && e.time < end);
    for event in cuts {
        if let Some(last) = windows.last_mut() {
            last.to = event.time;
        }
        windows.push(Window {
            from: event.time,
            to: end,
            after: format!("{} `{}`", event.kind.as_str(), event.what),
            outcomes: Outcomes::default(),
            per_node: BTreeMap::new(),
        });
    }
    let mut per_node: BTreeMap<String, Outcomes> = BTreeMap::new();
    for op in ops {
        let Some(time) = op.time.filter(|t| *t <= end) else {
            continue;
        };
        if op.kind == OpType::Invoke {
            continue;
        }
        let at = windows.partition_point(|w| w.from <= time).max(1) - 1;
        let window = &mut windows[at];
        window.outcomes.count(op.kind);
        if let Some(node) = op.node {
            window
                .per_node
                .entry(node.to_string())
                .or_default()
                .count(op.kind);
            per_node.entry(node.to_string()).or_default().count(op.kind);
        }
    }
    let kills = nemesis.events.iter().filter(|e| e.kind == EventKind::Kill);
    let missed_kills = kills.clone().filter(|e| e.error.is_some()).count();
    Timeline {
        windows,
        per_node,
        kills: kills.count() - missed_kills,
        missed_kills,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::NemesisEvent;

    fn op(kind: OpType, time: u64, node: &'static str) -> Outline<'static> {
        Outline {
            process: 0,
            kind,
            time: Some(time),
            node: Some(node),
        }
    }

    #[test]
    fn faults_cut_the_run_and_each_window_counts_what_ended_in_it_per_node() {
        let event = |time, kind, what: &str| NemesisEvent {
            time,
            took: 1,
            kind,
            what: what.into(),
            error: None,
        };
        let nemesis = NemesisLog {
            events: vec![
                event(10, EventKind::Fault, "pause 2"),
                event(15, EventKind::Kill, "KILL CONNECTION 7"),
                event(20, EventKind::Heal, "resume 2"),
                // After the clients stopped: no window of its own.
                event(35, EventKind::Heal, "resume 2"),
            ],
            failure: None,
        };
        let ops = [
            op(OpType::Invoke, 1, "a"),
            op(OpType::Ok, 2, "a"),
            op(OpType::Ok, 9, "b"),
            op(OpType::Ok, 12, "a"),
            op(OpType::Info, 19, "b"),
            op(OpType::Fail, 25, "b"),
            // The final read, after the end: not counted.
            op(OpType::Ok, 40, "a"),
        ];
        let t = timeline(&ops, &nemesis, 30);
        let spans: Vec<(u64, u64)> = t.windows.iter().map(|w| (w.from, w.to)).collect();
        assert_eq!(spans, [(0, 10), (10, 20), (20, 30)]);
        assert_eq!(t.windows[1].after, "fault `pause 2`");
        assert_eq!(t.windows[0].outcomes.ok, 2);
        assert_eq!(t.windows[1].per_node["a"].ok, 1);
        assert_eq!(t.windows[1].per_node["b"].info, 1);
        assert_eq!(t.windows[2].outcomes.fail, 1);
        assert_eq!(t.per_node["a"].ok, 2);
        assert_eq!(t.kills, 1);
        assert!((t.windows[1].rate(&t.windows[1].per_node["a"]) - 1e8).abs() < 1.0);
    }
}
