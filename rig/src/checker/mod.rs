//! `rig::checker`: checks a list-append history for isolation anomalies
//! the way Elle does (Kingsbury & Alvaro, "Elle: Inferring Isolation
//! Anomalies from Experimental Observations", VLDB 2020): infer each key's
//! version order from the reads, derive the write-write, write-read and
//! read-write dependencies between transactions (plus process and real-time
//! order), find cycles inside strongly connected components, and classify
//! them with Adya's definitions.
//!
//! Bank histories have a checker of their own, [`check_bank`]: every
//! committed read of all balances must add up to the total.
//!
//! Transactions whose outcome is unknown (`info`) are handled soundly: an
//! unknown transaction's writes count only once a read has seen them (then
//! it committed), and it never reads anything.
//!
//! ```
//! use test_rig::checker::{check, CheckOptions, Model, Verdict};
//! use test_rig::history::read_str;
//!
//! // T1 appends 1 to key 1; T2 reads key 1 and sees it.
//! let history = read_str(r#"
//! {"index":0,"process":0,"type":"invoke","value":[["append",1,1]]}
//! {"index":1,"process":0,"type":"ok","value":[["append",1,1]]}
//! {"index":2,"process":1,"type":"invoke","value":[["r",1,null]]}
//! {"index":3,"process":1,"type":"ok","value":[["r",1,[1]]]}
//! "#, false).unwrap();
//! let report = check(&history, &CheckOptions::for_model(Model::Serializable));
//! assert_eq!(report.verdict, Verdict::Valid);
//! ```

mod bank;
mod cycles;
mod explain;
mod findings;
mod graph;
mod model;
mod observe;
mod report;
pub mod simulate;
mod stale;
mod txns;

pub use bank::check_bank;
pub use findings::{Anomaly, KindFindings, TxnSummary, WITNESSES_PER_KIND};
pub use model::{AnomalyKind, Model};
pub use report::{CheckReport, GraphStats, TxnCounts, Verdict};
pub use txns::transaction_name;

use crate::history::{History, OpType};
use cycles::{Outcome, Searcher, Shape};
use findings::Findings;
use graph::{Orders, PROCESS, REALTIME};
use std::time::{Duration, Instant};

/// What to check and how hard to look.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The model the history is expected to satisfy.
    pub model: Model,
    /// Adds an edge between consecutive transactions of each process.
    pub process_order: bool,
    /// Adds an edge from each transaction to those that began after it was
    /// acknowledged (needs operation times).
    pub real_time: bool,
    /// How long one search for one kind of cycle in one component may take
    /// before it is given up (and the verdict may become unknown).
    pub cycle_search_timeout: Duration,
}

impl CheckOptions {
    /// Checks against `model`, with process and real-time order, and one
    /// second per cycle search (Elle's default).
    pub fn for_model(model: Model) -> Self {
        CheckOptions {
            model,
            process_order: true,
            real_time: true,
            cycle_search_timeout: Duration::from_secs(1),
        }
    }
}

fn shape_kinds(shape: Shape) -> [AnomalyKind; 3] {
    use AnomalyKind::*;
    match shape {
        Shape::G0 => [G0, G0Process, G0Realtime],
        Shape::G1c => [G1c, G1cProcess, G1cRealtime],
        Shape::GSingle => [GSingle, GSingleProcess, GSingleRealtime],
        Shape::GNonadjacent => [GNonadjacent, GNonadjacentProcess, GNonadjacentRealtime],
        Shape::G2Item => [G2Item, G2ItemProcess, G2ItemRealtime],
    }
}

/// Checks `history` and reports every anomaly found, which models the
/// history still satisfies, and whether it satisfies `options.model`.
pub fn check(history: &History, options: &CheckOptions) -> CheckReport {
    let started = Instant::now();
    let txns = txns::pair(history);
    let mut findings = Findings::default();
    let observations = observe::observe(&txns, &mut findings);
    let timed = txns.iter().all(|t| t.invoke_time.is_some());
    let mut notes = Vec::new();
    if options.real_time && !timed {
        notes.push(
            "the history has no times for some operations: real-time order was not checked".into(),
        );
    }
    let orders = Orders {
        process: options.process_order,
        realtime: options.real_time && timed,
    };
    if orders.realtime {
        stale::check(&txns, &observations, &mut findings);
    }
    let graph = graph::build(&txns, &observations, orders);
    let components = graph::cyclic_components(&graph);
    let mut passes: Vec<u8> = vec![0];
    if orders.process {
        passes.push(PROCESS);
    }
    if orders.realtime {
        passes.push(PROCESS | REALTIME);
    }
    let mut incomplete = Vec::new();
    let mut searcher = Searcher::new(&graph);
    for component in &components {
        searcher.enter(component);
        for shape in Shape::ALL {
            let kinds = shape_kinds(shape);
            for &order in &passes {
                match searcher.find(shape, order, options.cycle_search_timeout) {
                    Outcome::Found(cycle) => {
                        let kind = if order == 0 {
                            kinds[0]
                        } else if explain::uses_realtime(&cycle) {
                            kinds[2]
                        } else {
                            kinds[1]
                        };
                        findings.add(kind, || {
                            explain::cycle_anomaly(kind, &cycle, &txns, &observations)
                        });
                        break;
                    }
                    Outcome::None => {}
                    Outcome::GaveUp => {
                        let kind = kinds[match order {
                            0 => 0,
                            PROCESS => 1,
                            _ => 2,
                        }];
                        incomplete.push((
                            kind,
                            format!(
                                "the search for {kind} cycles in a component of {} transactions stopped after {:?}",
                                component.len(),
                                options.cycle_search_timeout
                            ),
                        ));
                        break;
                    }
                }
            }
        }
    }
    report::build(report::Parts {
        txns: &txns,
        findings,
        model: options.model,
        incomplete,
        notes,
        graph: GraphStats {
            transactions: txns.iter().filter(|t| t.kind != OpType::Fail).count(),
            edges: graph.edge_count(),
            cyclic_components: components.len(),
            largest_component: components.iter().map(Vec::len).max().unwrap_or(0),
        },
        elapsed: started.elapsed(),
    })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod properties;
