//! The run page on a hand-built run: two clients on two nodes, a stale
//! read, a failed and an unknown transaction, a fault healed, a kill and a
//! final read.

use super::*;
use test_rig::checker::{self, CheckOptions, Model};
use test_rig::history::{self, Recorded};
use test_rig::workload::NemesisEvent;

const HISTORY: &str = r#"{"index":0,"process":0,"time":0,"type":"invoke","node":"n1","value":[["append",1,1]]}
{"index":1,"process":0,"time":10,"type":"ok","node":"n1","value":[["append",1,1]]}
{"index":2,"process":1,"time":20,"type":"invoke","node":"n2","value":[["r",1,null]]}
{"index":3,"process":1,"time":30,"type":"ok","node":"n2","value":[["r",1,[]]]}
{"index":4,"process":0,"time":40,"type":"invoke","node":"n1","value":[["append",1,2]]}
{"index":5,"process":0,"time":45,"type":"fail","node":"n1","value":[["append",1,2]]}
{"index":6,"process":2,"time":50,"type":"invoke","node":"n1","value":[["append",1,3]]}
{"index":7,"process":2,"time":60,"type":"info","node":"n1","value":[["append",1,3]]}
{"index":8,"process":3,"time":80,"type":"invoke","node":"n1","value":[["r",1,null]]}
{"index":9,"process":3,"time":90,"type":"ok","node":"n1","value":[["r",1,[1]]]}
"#;

fn event(kind: EventKind, time: u64, what: &str) -> NemesisEvent {
    NemesisEvent {
        time,
        took: 5,
        kind,
        what: what.into(),
        error: None,
    }
}

fn rendered() -> String {
    let history = history::read_str(HISTORY, false).unwrap();
    let check = checker::check(
        &history,
        &CheckOptions::for_model(Model::StrictSerializable),
    );
    let outline = history.outline();
    let spans = history::spans(&outline);
    let nemesis = NemesisLog {
        events: vec![
            event(EventKind::Fault, 35, "dev-cluster kill <2>"),
            event(EventKind::Kill, 42, "client-2"),
            event(EventKind::Heal, 55, "dev-cluster restart 2"),
        ],
        failure: None,
    };
    let timeline = test_rig::workload::timeline(&outline, &nemesis, 70);
    let convergence = Convergence {
        nodes: vec!["n1".into(), "n2".into()],
        differences: Vec::new(),
        differing: 0,
        rounds: 1,
    };
    render(&RunPage {
        heading: "consistency: list-append on <test>".into(),
        spans: &spans,
        connections: 2,
        workload_end: 70,
        nemesis: &nemesis,
        timeline: &timeline,
        convergence: &convergence,
        check: &check,
    })
}

#[test]
fn every_transaction_is_a_bar_in_its_clients_lane_coloured_by_outcome() {
    let html = rendered();
    assert!(html.contains("<h1>consistency: list-append on &lt;test&gt;</h1>"));
    // Lanes: the two clients with their nodes, then the final reads.
    for lane in ["client-1 · n1", "client-2 · n2", "final reads"] {
        assert!(html.contains(&format!("{}</text>", escape(lane))), "{lane}");
    }
    assert_eq!(html.matches("<rect class=\"txn").count(), 5);
    // The failed one, red, in client 1's lane (the first), and the unknown
    // one (process 2 is client 1 again), orange.
    assert!(html.contains(&format!("y=\"{:.1}\" width", TOP + 2.0)));
    assert!(html.contains("fill=\"#c62828\"><title>T5 process 0 on n1: fail after 0.00 ms"));
    assert!(html.contains("fill=\"#ef6c00\"><title>T7 process 2 on n1: info"));
    // The final read sits in the third lane.
    assert!(html.contains(&format!(
        "y=\"{:.1}\" width=\"{:.1}\" height=\"12\" fill=\"#2e7d32\"><title>T9 ",
        TOP + 2.0 * LANE + 2.0,
        10.0 / 90.0 * WIDTH
    )));
}

#[test]
fn the_stale_read_s_transactions_are_outlined_and_explained() {
    let html = rendered();
    assert!(
        html.contains("<p id=\"verdict\" class=\"invalid\">"),
        "{html}"
    );
    assert!(html.contains("<h3 class=\"anomaly\">stale-read (1 found)</h3>"));
    assert_eq!(
        html.matches("<rect class=\"txn witness\"").count(),
        2,
        "{html}"
    );
    assert!(
        html.contains("class=\"txn witness\" x=\"200.0\""),
        "T1 starts at 0"
    );
}

#[test]
fn a_fault_is_shaded_until_its_heal_ended_and_a_kill_is_a_tick() {
    let html = rendered();
    let x = |t: f64| LEFT + t / 90.0 * WIDTH;
    assert!(html.contains(&format!(
        "<rect class=\"fault\" x=\"{:.1}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#f8d7da\"><title>fault `dev-cluster kill &lt;2&gt;` from",
        x(35.0),
        x(60.0) - x(35.0),
        3.0 * LANE
    )), "{html}");
    assert!(html.contains(&format!("<line class=\"kill\" x1=\"{:.1}\"", x(42.0))));
    assert!(html.contains("<li>0.000 s fault <code>dev-cluster kill &lt;2&gt;</code>: ok"));
    assert!(html.contains("<li>1 connections killed</li>"));
    assert!(html.contains("The 2 nodes agree (n1, n2)."));
    // Windows cut at the fault and at the heal.
    let windows = html
        .split("<table id=\"windows\">")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .unwrap();
    assert_eq!(windows.matches("<tr><td>").count(), 3, "{windows}");
    for after in [
        "<td>start</td>",
        "<td>fault `dev-cluster kill &lt;2&gt;`</td>",
        "<td>heal `dev-cluster restart 2`</td>",
    ] {
        assert!(windows.contains(after), "{after} in {windows}");
    }
}

#[test]
fn tick_steps_keep_about_a_dozen_ticks() {
    assert_eq!(tick_step(0.05), 0.01);
    assert_eq!(tick_step(1.0), 0.1);
    assert_eq!(tick_step(12.0), 1.0);
    assert_eq!(tick_step(13.0), 2.0);
    assert_eq!(tick_step(100_000.0), 3600.0);
    assert_eq!(tick_label(0.30000000000000004, 0.1), "0.3 s");
    assert_eq!(tick_label(0.06, 0.02), "0.06 s");
    assert_eq!(tick_label(120.0, 60.0), "120 s");
}

/// Past `MAX_BARS` transactions the committed ones are left out of the
/// picture (the page says so); failed and witness ones are still drawn.
#[test]
fn a_crowded_run_draws_only_what_did_not_commit() {
    let history = history::read_str(HISTORY, false).unwrap();
    let check = checker::check(&history, &CheckOptions::for_model(Model::Serializable));
    let mut spans: Vec<Span> = (0..MAX_BARS as u64 + 1)
        .map(|i| Span {
            process: i % 4,
            node: None,
            start: i,
            end: Some(i + 1),
            outcome: OpType::Ok,
            index: i as usize,
        })
        .collect();
    spans[7].outcome = OpType::Fail;
    let nemesis = NemesisLog::default();
    let html = render(&RunPage {
        heading: "crowded".into(),
        spans: &spans,
        connections: 4,
        workload_end: MAX_BARS as u64 + 2,
        nemesis: &nemesis,
        timeline: &Timeline::default(),
        convergence: &Convergence::default(),
        check: &check,
    });
    // The failed one, and the stale read's two witnesses (T1, T3 of the
    // check passed in), outlined.
    assert_eq!(html.matches("<rect class=\"txn").count(), 3);
    assert_eq!(html.matches("<rect class=\"txn witness\"").count(), 2);
    assert!(html.contains("<title>T7 process 3: fail"));
    assert!(html.contains(&format!(
        "<p>{} transactions: committed ones are left out of the picture beyond {MAX_BARS}",
        MAX_BARS + 1
    )));
}
