//! `--html FILE` for a coordinator run (`simple_multi_connection`,
//! `python_demo`, the load mode) and for `basic`: a timeline per
//! participant (each step attempt a bar, failed ones red, barrier releases
//! as lines across the lanes), the participants with how they ended, the
//! `log` lines, and the workflow's state diagram. The timeline itself
//! (lanes of bars) also draws `basic`'s steps and `job_monitor`'s jobs.

use crate::html::{escape, legend, outcome_colour, page, MAX_BARS};
use crate::state_diagram;
use std::fmt::Write as _;
use std::time::Duration;
use test_rig::coordinator::SharedEvent;
use test_rig::report::{human_duration, millis, TransitionRecord};
use test_rig::{Phase, RunReport};

const LABEL_W: f64 = 170.0;
const PLOT_W: f64 = 900.0;
const LANE_H: f64 = 22.0;

fn phase_word(phase: Phase) -> &'static str {
    match phase {
        Phase::Passed => "passed",
        Phase::Failed => "failed",
        Phase::Interrupted => "interrupted",
        _ => "running",
    }
}

/// The whole page for `report`: `diagrams` are (workflow name, Mermaid
/// text), `extra` is HTML placed after the summary (a load run's figures).
pub fn run_page(title: &str, report: &RunReport, diagrams: &[(&str, &str)], extra: &str) -> String {
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<p class=\"summary\">{}</p>",
        escape(&report.summary_line())
    );
    body.push_str(extra);
    body.push_str("<h2>Timeline</h2>\n");
    body.push_str(&legend(&[
        ("ok", "step passed"),
        ("fail", "step failed"),
        ("interrupted", "participant interrupted"),
    ]));
    let dropped: u64 = report
        .participants
        .iter()
        .map(|p| p.transitions_dropped)
        .sum();
    if dropped > 0 {
        let _ = writeln!(
            body,
            "<p class=\"note\">{dropped} earlier step attempts were not kept (the report keeps each participant's last ones; --trace-all keeps all).</p>"
        );
    }
    let (lanes, markers) = lanes_of(report);
    body.push_str(&timeline(&lanes, &markers, report.elapsed));
    body.push_str(&participants_table(report));
    body.push_str(&log_table(report));
    body.push_str("<h2>Workflow</h2>\n");
    for (name, mermaid) in diagrams {
        body.push_str(&state_diagram::figure(name, mermaid));
    }
    page(title, &body)
}

/// One row of a timeline: who, how it ended (a colour word of
/// [`outcome_colour`]), and its bars.
#[derive(Debug, Clone)]
pub struct Lane {
    /// The row's label.
    pub name: String,
    /// `passed`, `failed`, `interrupted`, ... (the dot's colour).
    pub outcome: String,
    /// Its bars, in any order.
    pub bars: Vec<Bar>,
}

/// One bar of a lane: a step attempt, a job's life.
#[derive(Debug, Clone)]
pub struct Bar {
    /// When it began, from the start of the run.
    pub start: Duration,
    /// How long it lasted.
    pub duration: Duration,
    /// Its colour word (`ok`, `fail`, ...).
    pub outcome: &'static str,
    /// The tooltip.
    pub tip: String,
}

impl Bar {
    /// A step attempt's bar: green when it reached a state, red when it
    /// failed; the tooltip names step, states, attempt, time and error.
    pub fn of_step(t: &TransitionRecord) -> Bar {
        Bar {
            start: t.start,
            duration: t.duration,
            outcome: if t.to.is_some() { "ok" } else { "fail" },
            tip: format!(
                "{} {} → {} (attempt {}), at {:.3} ms for {}{}",
                t.step,
                t.from,
                t.to.unwrap_or("x"),
                t.attempt,
                millis(t.start),
                human_duration(t.duration),
                t.error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            ),
        }
    }
}

/// A moment across every lane (a barrier released, a fault).
#[derive(Debug, Clone)]
pub struct Marker {
    /// When.
    pub at: Duration,
    /// The tooltip.
    pub tip: String,
}

/// The lanes of a coordinator run: one per participant, a bar per kept
/// step attempt; barrier releases as markers.
pub fn lanes_of(report: &RunReport) -> (Vec<Lane>, Vec<Marker>) {
    let lanes = report
        .participants
        .iter()
        .map(|p| Lane {
            name: p.name.clone(),
            outcome: phase_word(p.phase).to_string(),
            bars: p.transitions.iter().map(Bar::of_step).collect(),
        })
        .collect();
    let markers = report
        .events
        .iter()
        .filter_map(|e| match &e.event {
            SharedEvent::BarrierReleased {
                barrier,
                participants,
            } => Some(Marker {
                at: e.at,
                tip: format!(
                    "barrier `{barrier}` released ({} arrived) at {:.3} ms",
                    participants.len(),
                    millis(e.at)
                ),
            }),
            _ => None,
        })
        .collect();
    (lanes, markers)
}

/// The timeline as SVG over `total`; past [`MAX_BARS`] bars only those
/// not `ok` are drawn, and the page says so.
pub fn timeline(lanes: &[Lane], markers: &[Marker], total: Duration) -> String {
    let seconds = total.max(Duration::from_micros(1)).as_secs_f64();
    let x = |d: Duration| LABEL_W + (d.as_secs_f64() / seconds).min(1.0) * PLOT_W;
    let bars: usize = lanes.iter().map(|l| l.bars.len()).sum();
    let crowded = bars > MAX_BARS;
    let height = 30.0 + lanes.len() as f64 * LANE_H;
    let mut svg = format!(
        "<svg class=\"timeline\" width=\"{:.0}\" height=\"{height:.0}\">\n",
        LABEL_W + PLOT_W + 20.0
    );
    for (i, lane) in lanes.iter().enumerate() {
        let y = 10.0 + i as f64 * LANE_H;
        let _ = writeln!(
            svg,
            "<g class=\"lane\" data-name=\"{}\"><circle cx=\"8\" cy=\"{:.0}\" r=\"5\" fill=\"{}\"><title>{}</title></circle>\
             <text x=\"18\" y=\"{:.0}\">{}</text>",
            escape(&lane.name),
            y + 8.0,
            outcome_colour(&lane.outcome),
            escape(&lane.outcome),
            y + 12.0,
            escape(&lane.name)
        );
        for bar in &lane.bars {
            if crowded && bar.outcome == "ok" {
                continue;
            }
            let width = (x(bar.start + bar.duration) - x(bar.start)).max(1.0);
            let _ = writeln!(
                svg,
                "<rect class=\"bar {}\" x=\"{:.1}\" y=\"{y:.0}\" width=\"{width:.1}\" height=\"16\" fill=\"{}\"><title>{}</title></rect>",
                bar.outcome,
                x(bar.start),
                outcome_colour(bar.outcome),
                escape(&bar.tip)
            );
        }
        svg.push_str("</g>\n");
    }
    for m in markers {
        let _ = writeln!(
            svg,
            "<line class=\"marker\" x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"4\" y2=\"{1:.0}\" stroke=\"#6a1b9a\" stroke-dasharray=\"4 3\"><title>{2}</title></line>",
            x(m.at),
            height - 20.0,
            escape(&m.tip)
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{LABEL_W:.0}\" y=\"{:.0}\">0</text><text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"end\">{}</text>\n</svg>",
        height - 4.0,
        LABEL_W + PLOT_W,
        height - 4.0,
        human_duration(total)
    );
    let mut out = String::new();
    if crowded {
        let _ = writeln!(
            out,
            "<p class=\"note\">{bars} bars: only the failed ones are drawn (more than {MAX_BARS} would not open).</p>"
        );
    }
    out.push_str(&svg);
    out
}

fn participants_table(report: &RunReport) -> String {
    let mut out = String::from(
        "<h2>Participants</h2>\n<table class=\"participants\"><tr><th>participant</th><th>workflow</th><th>target</th><th>outcome</th><th>last state</th><th>time</th><th>error</th></tr>\n",
    );
    for p in &report.participants {
        let error = p
            .error
            .as_ref()
            .map(|e| {
                let mut text = e.message.clone();
                if let Some(c) = &e.cleanup_error {
                    text.push_str(&format!(" (cleanup failed: {c})"));
                }
                text
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td style=\"color:{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&p.name),
            escape(&p.workflow),
            escape(&p.target),
            outcome_colour(phase_word(p.phase)),
            phase_word(p.phase),
            escape(p.last_state.as_deref().unwrap_or("-")),
            human_duration(p.elapsed),
            escape(&error)
        );
    }
    out.push_str("</table>\n");
    out
}

fn log_table(report: &RunReport) -> String {
    let lines: Vec<String> = report
        .log_lines()
        .into_iter()
        .map(|(at, who, text)| {
            format!(
                "<tr><td>{:.1} ms</td><td>{}</td><td>{}</td></tr>",
                millis(at),
                escape(who),
                escape(&text)
            )
        })
        .collect();
    if lines.is_empty() {
        return String::new();
    }
    format!(
        "<h2>Log</h2>\n<table class=\"log\">\n{}\n</table>\n",
        lines.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(ms: u64, outcome: &'static str) -> Bar {
        Bar {
            start: Duration::from_millis(ms),
            duration: Duration::from_millis(1),
            outcome,
            tip: format!("at {ms} <&>"),
        }
    }

    #[test]
    fn bars_sit_where_they_happened_and_tips_are_escaped() {
        let lane = Lane {
            name: "p<1>".into(),
            outcome: "failed".into(),
            bars: vec![bar(0, "ok"), bar(500, "fail")],
        };
        let marker = Marker {
            at: Duration::from_millis(250),
            tip: "barrier `b` released".into(),
        };
        let svg = timeline(&[lane], &[marker], Duration::from_secs(1));
        assert!(svg.contains("data-name=\"p&lt;1&gt;\""), "{svg}");
        // 0 ms at the plot's left edge, 500 ms half way, the marker at a quarter.
        assert!(
            svg.contains(&format!("class=\"bar ok\" x=\"{LABEL_W:.1}\"")),
            "{svg}"
        );
        let half = LABEL_W + PLOT_W / 2.0;
        assert!(
            svg.contains(&format!("class=\"bar fail\" x=\"{half:.1}\"")),
            "{svg}"
        );
        assert!(
            svg.contains(&format!("x1=\"{:.1}\"", LABEL_W + PLOT_W / 4.0)),
            "{svg}"
        );
        assert!(svg.contains("<title>at 500 &lt;&amp;&gt;</title>"), "{svg}");
    }

    #[test]
    fn a_crowded_timeline_draws_only_what_failed_and_says_so() {
        let mut bars: Vec<Bar> = (0..MAX_BARS as u64).map(|i| bar(i, "ok")).collect();
        bars.push(bar(7, "fail"));
        let lane = Lane {
            name: "busy".into(),
            outcome: "failed".into(),
            bars,
        };
        let svg = timeline(&[lane], &[], Duration::from_secs(60));
        assert_eq!(svg.matches("class=\"bar ").count(), 1);
        assert!(svg.contains(&format!(
            "{} bars: only the failed ones are drawn",
            MAX_BARS + 1
        )));
        let lane = Lane {
            name: "calm".into(),
            outcome: "passed".into(),
            bars: (0..10).map(|i| bar(i, "ok")).collect(),
        };
        let svg = timeline(&[lane], &[], Duration::from_secs(1));
        assert_eq!(svg.matches("class=\"bar ok\"").count(), 10);
        assert!(!svg.contains("only the failed"));
    }
}
