//! The run report: every participant's transitions and outcome, and the
//! event log, rendered as a human table, JSON (stable field names, see the
//! README) or JUnit XML (one testcase per participant).

use crate::run::events::ErrorRecord;
use crate::run::phase::Phase;
pub use crate::run::serialize::millis;
use crate::run::serialize::serialize_millis;
use crate::run::shared::LoggedEvent;
use crate::run::transition::same_static_name;
use serde::Serialize;
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

/// How many `log` lines the human report shows; the JSON has them all.
pub const LOG_LINES_SHOWN: usize = 50;

/// `0.42 ms`, `12.3 ms`, `1.25 s`: precise for short spans, short for long ones.
pub fn human_duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// One step attempt.
#[derive(Debug, Clone, Serialize)]
pub struct TransitionRecord {
    /// The workflow the step belongs to.
    pub workflow: &'static str,
    /// The step.
    pub step: &'static str,
    /// The state it left.
    pub from: &'static str,
    /// The state it reached; `None` when the attempt failed.
    pub to: Option<&'static str>,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// When it started, from the start of the run.
    #[serde(rename = "start_ms", serialize_with = "serialize_millis")]
    pub start: Duration,
    /// How long it took.
    #[serde(rename = "duration_ms", serialize_with = "serialize_millis")]
    pub duration: Duration,
    /// The error, when it failed.
    pub error: Option<String>,
    /// The server's error code, when the server answered with an error.
    pub error_code: Option<u16>,
}

impl TransitionRecord {
    /// The record of attempt `t` of a run that started at `run_started`.
    pub fn of(t: &crate::run::transition::Transition, run_started: std::time::Instant) -> Self {
        TransitionRecord {
            workflow: t.workflow,
            step: t.step,
            from: t.from,
            to: t.to,
            attempt: t.attempt,
            start: t.started.saturating_duration_since(run_started),
            duration: t.duration,
            error: t.error.clone(),
            error_code: t.error_code,
        }
    }
}

/// Every attempt of one step by one participant, summed up: what stays
/// when only the last transitions are kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepStats {
    /// The workflow the step belongs to.
    pub workflow: &'static str,
    /// The step.
    pub step: &'static str,
    /// Attempts, retries included.
    pub attempts: u64,
    /// Attempts that failed.
    pub failed: u64,
    /// Their time in all.
    #[serde(rename = "total_ms", serialize_with = "serialize_millis")]
    pub total: Duration,
    /// The longest attempt.
    #[serde(rename = "max_ms", serialize_with = "serialize_millis")]
    pub max: Duration,
}

/// One participant's run.
#[derive(Debug, Clone, Serialize)]
pub struct ParticipantReport {
    /// Its name.
    pub name: String,
    /// The workflow (or scenario) it ran.
    pub workflow: String,
    /// Where it connected, password shown as `***`.
    pub target: String,
    /// How it ended.
    #[serde(rename = "outcome")]
    pub phase: Phase,
    /// The last state it reached (or was in when it failed).
    pub last_state: Option<String>,
    /// The TLS protocol version its session negotiated (`TLSv1.3`); `None`
    /// without TLS, or before it connected.
    pub tls_version: Option<String>,
    /// Why it did not pass.
    pub error: Option<ErrorRecord>,
    /// Step attempts in order: the last ones only (see
    /// [`Coordinator::keep_transitions`](crate::Coordinator::keep_transitions)),
    /// every one with `None`.
    pub transitions: VecDeque<TransitionRecord>,
    /// How many attempts ran in all, kept or not.
    pub steps_run: u64,
    /// How many of the first attempts were not kept.
    pub transitions_dropped: u64,
    /// Each step's attempts summed up, in the order first run.
    pub step_stats: Vec<StepStats>,
    /// When its task started, from the start of the run.
    #[serde(skip)]
    pub started: Option<Duration>,
    /// How long it ran.
    #[serde(rename = "elapsed_ms", serialize_with = "serialize_millis")]
    pub elapsed: Duration,
}

impl ParticipantReport {
    pub(crate) fn new(name: String, workflow: String, target: String) -> Self {
        ParticipantReport {
            name,
            workflow,
            target,
            phase: Phase::Running,
            last_state: None,
            tls_version: None,
            error: None,
            transitions: VecDeque::new(),
            steps_run: 0,
            transitions_dropped: 0,
            step_stats: Vec::new(),
            started: None,
            elapsed: Duration::ZERO,
        }
    }
}

impl ParticipantReport {
    /// Records one attempt: counted in its step's stats, and kept among
    /// the last `keep` (all with `None`). The kept ones are a ring: the
    /// oldest is dropped as the newest comes, with nothing moved and no
    /// room taken beyond `keep`'s.
    pub(crate) fn record(&mut self, t: TransitionRecord, keep: Option<usize>) {
        self.steps_run += 1;
        let at = self.step_stats.iter().position(|s| {
            same_static_name(s.step, t.step) && same_static_name(s.workflow, t.workflow)
        });
        let stats = match at {
            Some(i) => &mut self.step_stats[i],
            None => {
                self.step_stats.push(StepStats {
                    workflow: t.workflow,
                    step: t.step,
                    attempts: 0,
                    failed: 0,
                    total: Duration::ZERO,
                    max: Duration::ZERO,
                });
                let last = self.step_stats.len() - 1;
                &mut self.step_stats[last]
            }
        };
        stats.attempts += 1;
        stats.failed += u64::from(t.to.is_none());
        stats.total += t.duration;
        stats.max = stats.max.max(t.duration);
        if let Some(keep) = keep {
            if keep == 0 {
                self.transitions_dropped += 1;
                return;
            }
            self.trim(keep - 1);
        }
        self.transitions.push_back(t);
    }

    /// Keeps only the last `keep` transitions. One at a time: on the
    /// recording path there is one, and a `drain` costs more than it.
    pub(crate) fn trim(&mut self, keep: usize) {
        while self.transitions.len() > keep {
            self.transitions.pop_front();
            self.transitions_dropped += 1;
        }
    }
}

/// Counts of outcomes.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Participants in the run.
    pub participants: usize,
    /// Those that passed.
    pub passed: usize,
    /// Those that failed.
    pub failed: usize,
    /// Those stopped by a cancel.
    pub interrupted: usize,
}

/// Everything a run produced.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// Wall-clock start, milliseconds since the Unix epoch.
    pub started_unix_ms: u128,
    /// Wall time of the run.
    #[serde(rename = "elapsed_ms", serialize_with = "serialize_millis")]
    pub elapsed: Duration,
    /// Whether the run was cancelled.
    pub cancelled: bool,
    /// Counts of outcomes.
    pub summary: Summary,
    /// Each participant, in the order they were added.
    pub participants: Vec<ParticipantReport>,
    /// The shared event log.
    pub events: Vec<LoggedEvent>,
}

impl RunReport {
    pub(crate) fn new(
        started: SystemTime,
        elapsed: Duration,
        cancelled: bool,
        participants: Vec<ParticipantReport>,
        events: Vec<LoggedEvent>,
    ) -> Self {
        let mut summary = Summary {
            participants: participants.len(),
            ..Summary::default()
        };
        for p in &participants {
            match p.phase {
                Phase::Passed => summary.passed += 1,
                Phase::Interrupted => summary.interrupted += 1,
                Phase::Failed | Phase::Running => summary.failed += 1,
            }
        }
        RunReport {
            started_unix_ms: started
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or_default(),
            elapsed,
            cancelled,
            summary,
            participants,
            events,
        }
    }

    /// Whether every participant passed.
    pub fn passed(&self) -> bool {
        self.summary.passed == self.summary.participants
    }

    /// The classes of the errors of the participants that did not pass.
    pub fn failure_classes(&self) -> Vec<crate::error::ErrorClass> {
        self.participants
            .iter()
            .filter(|p| p.phase != Phase::Passed)
            .filter_map(|p| p.error.as_ref().map(|e| e.class))
            .collect()
    }

    /// The participant with this name.
    pub fn participant(&self, name: &str) -> Option<&ParticipantReport> {
        self.participants.iter().find(|p| p.name == name)
    }

    /// The report as JSON.
    pub fn to_json(&self) -> String {
        // Every field is a plain string, number, bool, list or map.
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string())
    }

    /// A table with one line per participant, then a summary line.
    pub fn to_human(&self) -> String {
        let header = [
            "participant",
            "workflow",
            "outcome",
            "last state",
            "steps",
            "time",
            "error",
        ];
        let rows: Vec<[String; 7]> = self
            .participants
            .iter()
            .map(|p| {
                let error = p.error.as_ref().map_or(String::new(), |e| {
                    let at = match (&e.step, &e.state, &e.after) {
                        (Some(step), Some(state), _) => format!(" [{step} in {state}]"),
                        (None, Some(state), _) => format!(" [in {state}]"),
                        (_, None, Some(after)) => format!(" [after {after}]"),
                        _ => String::new(),
                    };
                    // A long message (a Python traceback) and a failed
                    // cleanup go below the table.
                    let first = e.message.lines().next().unwrap_or("");
                    let more = match (e.message.contains('\n'), &e.cleanup_error) {
                        (_, Some(_)) => "; cleanup failed too (details below)",
                        (true, None) => " (details below)",
                        (false, None) => "",
                    };
                    format!("{first}{at}{more}")
                });
                [
                    p.name.clone(),
                    p.workflow.clone(),
                    p.phase.to_string(),
                    p.last_state.clone().unwrap_or_else(|| "-".into()),
                    p.steps_run.to_string(),
                    human_duration(p.elapsed),
                    error,
                ]
            })
            .collect();
        let mut table = crate::text_table::TextTable::new(header);
        for row in rows {
            table.row(row);
        }
        let mut out = table.render(crate::text_table::Style::Plain);
        let _ = writeln!(out, "\n{}", self.summary_line());
        self.write_log(&mut out);
        for p in &self.participants {
            let Some(e) = &p.error else { continue };
            if e.message.contains('\n') {
                let _ = writeln!(out, "\n{}: {}", p.name, e.message);
            }
            if let Some(cleanup) = &e.cleanup_error {
                let _ = writeln!(out, "\n{}: cleanup failed: {cleanup}", p.name);
            }
        }
        out
    }

    /// The `log` events (Python's `cx.log`, `cx.publish("log", text)`),
    /// in order: when, who, and the text (a non-text value as its JSON).
    pub fn log_lines(&self) -> Vec<(Duration, &str, String)> {
        use crate::run::shared::SharedEvent;
        self.events
            .iter()
            .filter_map(|e| match &e.event {
                SharedEvent::Published {
                    participant,
                    name,
                    data,
                } if name == "log" => {
                    let text = data
                        .as_str()
                        .map_or_else(|| data.to_string(), str::to_string);
                    Some((e.at, participant.as_str(), text))
                }
                _ => None,
            })
            .collect()
    }

    /// The [`log_lines`](Self::log_lines), a line each, at most
    /// [`LOG_LINES_SHOWN`].
    fn write_log(&self, out: &mut String) {
        let lines = self.log_lines();
        if lines.is_empty() {
            return;
        }
        out.push_str("\nlog:\n");
        for (at, who, text) in lines.iter().take(LOG_LINES_SHOWN) {
            let _ = writeln!(out, "  {:>10}  {who}: {text}", human_duration(*at));
        }
        if lines.len() > LOG_LINES_SHOWN {
            let _ = writeln!(
                out,
                "  ({} more: every line is in the JSON report's events)",
                lines.len() - LOG_LINES_SHOWN
            );
        }
    }

    /// `3 participants: 2 passed, 1 failed, 0 interrupted in 4.10 ms`.
    pub fn summary_line(&self) -> String {
        let s = &self.summary;
        format!(
            "{} participant{}: {} passed, {} failed, {} interrupted in {}{}",
            s.participants,
            if s.participants == 1 { "" } else { "s" },
            s.passed,
            s.failed,
            s.interrupted,
            human_duration(self.elapsed),
            if self.cancelled { " (cancelled)" } else { "" }
        )
    }

    /// JUnit XML: one testsuite, one testcase per participant; a failed
    /// participant has a `<failure>`, an interrupted one an `<error>`, and
    /// its kept transitions are listed in `<system-out>`.
    pub fn to_junit(&self, suite: &str) -> String {
        crate::junit::document(self.junit_suite(suite))
    }

    /// The suite [`to_junit`](Self::to_junit) writes, for a caller that
    /// adds test cases of its own (a load run's figures, say).
    pub fn junit_suite(&self, suite: &str) -> crate::junit::TestSuite {
        use crate::junit;
        let started = SystemTime::UNIX_EPOCH
            + Duration::from_millis(u64::try_from(self.started_unix_ms).unwrap_or_default());
        let mut doc = junit::suite(suite, started, self.elapsed);
        for p in &self.participants {
            let status = match &p.error {
                None => junit::passed(),
                Some(e) => {
                    let mut body = match (&e.state, &e.after) {
                        (None, Some(after)) => format!("after state: {after}\n"),
                        (state, _) => format!("state: {}\n", state.as_deref().unwrap_or("-")),
                    };
                    if let Some(step) = &e.step {
                        let _ = writeln!(body, "step: {step}");
                    }
                    if let Some(code) = e.code {
                        let _ = writeln!(body, "server error code: {code}");
                    }
                    if let Some(c) = &e.cleanup_error {
                        let _ = writeln!(body, "cleanup failed: {c}");
                    }
                    // An interrupted participant neither passed nor failed,
                    // whatever class its last error had.
                    let status = if p.phase == Phase::Interrupted {
                        let mut status = junit::error(&e.message, &body);
                        status.set_type("interrupted");
                        status
                    } else {
                        let mut status = junit::failure(&e.message, &body);
                        status.set_type(e.class.as_str());
                        status
                    };
                    status
                }
            };
            let mut case = junit::case(
                &junit::classname(&[suite, &p.workflow]),
                &p.name,
                Some(p.elapsed),
                status,
            );
            let log = self.transition_log(p);
            if !log.is_empty() {
                case.set_system_out(junit::text(&log));
            }
            doc.add_test_case(case);
        }
        doc
    }

    /// A participant's kept transitions, one line each.
    fn transition_log(&self, p: &ParticipantReport) -> String {
        let mut log = String::new();
        if p.transitions_dropped > 0 {
            let _ = writeln!(
                log,
                "({} earlier step attempts not kept: only the last {} are)",
                p.transitions_dropped,
                p.transitions.len()
            );
        }
        for t in &p.transitions {
            let _ = writeln!(
                log,
                "{:>10.3} ms  {} -> {}  {} (attempt {}, {}){}",
                millis(t.start),
                t.from,
                t.to.unwrap_or("x"),
                t.step,
                t.attempt,
                human_duration(t.duration),
                t.error
                    .as_ref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            );
        }
        log
    }
}

impl crate::verdict::Judged for RunReport {
    /// Interrupted when cancelled; else passed when every participant did;
    /// else failed with the deciding class of their errors.
    fn verdict(&self) -> crate::verdict::RunVerdict {
        use crate::verdict::{deciding_class, RunVerdict};
        if self.cancelled {
            RunVerdict::Interrupted
        } else if self.passed() {
            RunVerdict::Passed
        } else {
            RunVerdict::Failed(deciding_class(
                &self.failure_classes(),
                self.summary.passed > 0,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_pick_their_units() {
        assert_eq!(human_duration(Duration::from_micros(420)), "0.42 ms");
        // Each precision takes over exactly at its bound.
        assert_eq!(human_duration(Duration::from_micros(9_990)), "9.99 ms");
        assert_eq!(human_duration(Duration::from_millis(10)), "10.0 ms");
        assert_eq!(human_duration(Duration::from_micros(999_900)), "999.9 ms");
        assert_eq!(human_duration(Duration::from_millis(1000)), "1.00 s");
        assert_eq!(human_duration(Duration::from_micros(12_340)), "12.3 ms");
        assert_eq!(human_duration(Duration::from_millis(1250)), "1.25 s");
        assert_eq!(millis(Duration::from_micros(1234)), 1.234);
    }

    use crate::error::ErrorClass;

    fn participant(name: &str, phase: Phase) -> ParticipantReport {
        let mut p = ParticipantReport::new(name.into(), "w".into(), "mysql://x".into());
        p.phase = phase;
        if phase != Phase::Passed {
            p.error = Some(ErrorRecord::bare(
                ErrorClass::Failed,
                format!("{name} did not pass"),
            ));
        }
        p
    }

    fn report_of(phases: &[Phase]) -> RunReport {
        let participants = phases
            .iter()
            .enumerate()
            .map(|(i, phase)| participant(&format!("p{i}"), *phase))
            .collect();
        RunReport::new(
            SystemTime::now(),
            Duration::from_millis(5),
            false,
            participants,
            Vec::new(),
        )
    }

    #[test]
    fn the_summary_counts_each_outcome_and_a_still_running_one_as_failed() {
        let r = report_of(&[
            Phase::Passed,
            Phase::Failed,
            Phase::Interrupted,
            Phase::Running,
        ]);
        assert_eq!(
            (
                r.summary.participants,
                r.summary.passed,
                r.summary.failed,
                r.summary.interrupted
            ),
            (4, 1, 2, 1)
        );
        assert!(!r.passed());
        assert!(report_of(&[Phase::Passed, Phase::Passed]).passed());
        // An interrupted participant did not pass, nor did one never finished.
        assert!(!report_of(&[Phase::Passed, Phase::Interrupted]).passed());
        assert!(!report_of(&[Phase::Running]).passed());
    }

    #[test]
    fn the_verdict_is_interrupted_passed_or_the_deciding_class() {
        use crate::verdict::{Judged, RunVerdict};
        assert_eq!(
            report_of(&[Phase::Passed, Phase::Passed]).verdict(),
            RunVerdict::Passed
        );
        assert_eq!(
            report_of(&[Phase::Passed, Phase::Failed]).verdict(),
            RunVerdict::Failed(ErrorClass::Failed)
        );
        let mut cancelled = report_of(&[Phase::Passed, Phase::Interrupted]);
        cancelled.cancelled = true;
        assert_eq!(cancelled.verdict(), RunVerdict::Interrupted);
        // Nobody got through and every error is "unreachable": the server is.
        let mut down = report_of(&[Phase::Failed, Phase::Failed]);
        for p in &mut down.participants {
            p.error = Some(ErrorRecord::bare(ErrorClass::Unreachable, "down".into()));
        }
        assert_eq!(down.verdict(), RunVerdict::Failed(ErrorClass::Unreachable));
        // One bad configuration decides, whatever else happened.
        let mut misconfigured = report_of(&[Phase::Passed, Phase::Failed]);
        misconfigured.participants[1].error =
            Some(ErrorRecord::bare(ErrorClass::Configuration, "bad".into()));
        assert_eq!(
            misconfigured.verdict(),
            RunVerdict::Failed(ErrorClass::Configuration)
        );
    }

    #[test]
    fn junit_counts_failures_and_errors_apart() {
        let xml = report_of(&[
            Phase::Passed,
            Phase::Failed,
            Phase::Failed,
            Phase::Interrupted,
        ])
        .to_junit("suite");
        assert!(
            xml.contains(
                r#"<testsuites name="suite" tests="4" skipped="0" failures="2" errors="1""#
            ),
            "{xml}"
        );
        assert!(
            xml.contains(
                r#"<testsuite name="suite" tests="4" skipped="0" errors="1" failures="2""#
            ),
            "{xml}"
        );
        assert_eq!(xml.matches("<failure ").count(), 2);
        assert_eq!(xml.matches("<error ").count(), 1);
        assert!(
            xml.contains(r#"<error message="p3 did not pass" type="interrupted">"#),
            "{xml}"
        );
    }

    /// A report of two participants, one passed after two steps, one that
    /// failed in a step with a server code, a two-line message and a failed
    /// cleanup: what the human table, JSON and JUnit renderings are read for.
    fn two_participants(cancelled: bool) -> RunReport {
        let step = |step, from, to: Option<&'static str>, start_ms, ms| TransitionRecord {
            workflow: "conn",
            step,
            from,
            to,
            attempt: 1,
            start: Duration::from_millis(start_ms),
            duration: Duration::from_millis(ms),
            error: to.is_none().then(|| "table t is missing".to_string()),
            error_code: to.is_none().then_some(1146),
        };
        let mut good = ParticipantReport::new("alpha".into(), "conn".into(), "mysql://a".into());
        good.phase = Phase::Passed;
        good.last_state = Some("Verified".into());
        good.record(step("connect", "Start", Some("Connected"), 0, 2), None);
        good.record(step("verify", "Connected", Some("Verified"), 2, 3), None);
        good.elapsed = Duration::from_millis(5);
        let mut bad = ParticipantReport::new("b".into(), "conn".into(), "mysql://b".into());
        bad.phase = Phase::Failed;
        bad.last_state = Some("Connected".into());
        bad.record(step("verify", "Connected", None, 1, 12), None);
        bad.elapsed = Duration::from_millis(1500);
        bad.error = Some(ErrorRecord {
            class: ErrorClass::Failed,
            message: "table t is missing\nsecond line".into(),
            code: Some(1146),
            state: Some("Connected".into()),
            step: Some("verify".into()),
            after: None,
            cleanup_error: Some("drop failed".into()),
        });
        RunReport::new(
            SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123),
            Duration::from_millis(1500),
            cancelled,
            vec![good, bad],
            Vec::new(),
        )
    }

    #[test]
    fn the_human_table_aligns_columns_and_puts_long_errors_below() {
        let text = two_participants(false).to_human();
        let expected = "\
participant  workflow  outcome  last state  steps  time     error
alpha        conn      passed   Verified    2      5.00 ms
b            conn      failed   Connected   1      1.50 s   table t is missing [verify in Connected]; cleanup failed too (details below)

2 participants: 1 passed, 1 failed, 0 interrupted in 1.50 s

b: table t is missing
second line

b: cleanup failed: drop failed
";
        assert_eq!(text, expected);
    }

    #[test]
    fn the_summary_line_says_one_participant_and_a_cancel() {
        let mut r = report_of(&[Phase::Interrupted]);
        r.cancelled = true;
        let text = r.to_human();
        assert!(
            text.contains(
                "\n1 participant: 0 passed, 0 failed, 1 interrupted in 5.00 ms (cancelled)\n"
            ),
            "{text}"
        );
        // An error with a state but no step names the state alone.
        r.participants[0].error.as_mut().unwrap().state = Some("Connected".into());
        assert!(r.to_human().contains("p0 did not pass [in Connected]"));
    }

    #[test]
    fn json_uses_the_documented_field_names_in_milliseconds() {
        let r = two_participants(false);
        let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(v["started_unix_ms"], 1_700_000_000_123u64);
        assert_eq!(v["elapsed_ms"], 1500.0);
        assert_eq!(v["cancelled"], false);
        assert_eq!(
            v["summary"],
            serde_json::json!({"participants": 2, "passed": 1, "failed": 1, "interrupted": 0})
        );
        let b = &v["participants"][1];
        assert_eq!(b["name"], "b");
        assert_eq!(b["outcome"], "failed");
        assert_eq!(b["elapsed_ms"], 1500.0);
        assert_eq!(b["error"]["code"], 1146);
        assert_eq!(b["error"]["step"], "verify");
        let t = &b["transitions"][0];
        assert_eq!(
            (t["start_ms"].clone(), t["duration_ms"].clone()),
            (1.0.into(), 12.0.into())
        );
        assert_eq!(t["to"], serde_json::Value::Null);
        assert_eq!(t["error_code"], 1146);
    }

    #[test]
    fn a_participant_is_found_by_its_name_only() {
        let r = two_participants(false);
        assert_eq!(
            r.participant("b").map(|p| p.target.as_str()),
            Some("mysql://b")
        );
        assert_eq!(r.participant("alpha").map(|p| p.phase), Some(Phase::Passed));
        assert!(r.participant("c").is_none());
    }

    #[test]
    fn junit_gives_a_failure_its_state_step_code_cleanup_and_transitions() {
        let xml = two_participants(false).to_junit("basic");
        assert!(
            xml.contains(r#"<testcase name="b" classname="basic.conn" time="1.500">"#),
            "{xml}"
        );
        assert!(xml.contains(
            "<failure message=\"table t is missing\nsecond line\" type=\"failed\">\
             state: Connected\nstep: verify\nserver error code: 1146\ncleanup failed: drop failed\n</failure>"
        ), "{xml}");
        assert!(xml.contains(
            "<system-out>     0.000 ms  Start -&gt; Connected  connect (attempt 1, 2.00 ms)\n     2.000 ms  Connected -&gt; Verified  verify (attempt 1, 3.00 ms)\n</system-out>"
        ), "{xml}");
        assert!(xml.contains(
            "<system-out>     1.000 ms  Connected -&gt; x  verify (attempt 1, 12.0 ms): table t is missing\n</system-out>"
        ), "{xml}");
        assert!(xml.contains(r#"time="1.500">"#));
    }

    fn attempt(step: &'static str, ok: bool, ms: u64) -> TransitionRecord {
        TransitionRecord {
            workflow: "w",
            step,
            from: "A",
            to: ok.then_some("B"),
            attempt: 1,
            start: Duration::ZERO,
            duration: Duration::from_millis(ms),
            error: None,
            error_code: None,
        }
    }

    /// A long run keeps the last transitions and every step's totals; the
    /// count of steps and the JUnit log say how many were not kept.
    #[test]
    fn only_the_last_transitions_are_kept_and_every_attempt_is_counted() {
        let mut p = ParticipantReport::new("p".into(), "w".into(), "t".into());
        for i in 0..250u64 {
            p.record(attempt("step", i % 10 != 0, i), Some(100));
        }
        p.record(attempt("other", true, 7), Some(100));
        p.trim(100);
        assert_eq!(p.transitions.len(), 100);
        assert_eq!(p.transitions_dropped, 151);
        assert_eq!(p.steps_run, 251);
        assert_eq!(p.transitions.back().unwrap().step, "other");
        assert_eq!(p.transitions[0].duration, Duration::from_millis(151));
        let step = &p.step_stats[0];
        assert_eq!((step.step, step.attempts, step.failed), ("step", 250, 25));
        assert_eq!(step.total, Duration::from_millis((0..250).sum()));
        assert_eq!(step.max, Duration::from_millis(249));
        assert_eq!(
            (p.step_stats[1].step, p.step_stats[1].attempts),
            ("other", 1)
        );
        // Recording never holds more than what is kept.
        let mut q = ParticipantReport::new("q".into(), "w".into(), "t".into());
        for _ in 0..1000 {
            q.record(attempt("step", true, 1), Some(10));
            assert!(q.transitions.len() <= 10);
        }
        assert_eq!(q.transitions_dropped, 990);
        // Keeping none still counts every attempt.
        let mut none = ParticipantReport::new("n".into(), "w".into(), "t".into());
        for _ in 0..5 {
            none.record(attempt("step", true, 1), Some(0));
        }
        assert_eq!((none.transitions.len(), none.transitions_dropped), (0, 5));
        assert_eq!(none.steps_run, 5);
        // None keeps every one.
        let mut all = ParticipantReport::new("a".into(), "w".into(), "t".into());
        for _ in 0..300 {
            all.record(attempt("step", true, 1), None);
        }
        assert_eq!((all.transitions.len(), all.transitions_dropped), (300, 0));

        let report = RunReport::new(
            SystemTime::now(),
            Duration::ZERO,
            false,
            vec![p],
            Vec::new(),
        );
        assert!(
            report.to_human().contains("  251    "),
            "{}",
            report.to_human()
        );
        assert!(report
            .to_junit("s")
            .contains("<system-out>(151 earlier step attempts not kept: only the last 100 are)\n"));
    }

    /// `log` events are lines of the human report, in order, bounded.
    #[test]
    fn log_lines_follow_the_summary_in_order_and_bounded() {
        use crate::run::shared::SharedEvent;
        let event = |ms: u64, who: &str, data: serde_json::Value| LoggedEvent {
            at: Duration::from_millis(ms),
            event: SharedEvent::Published {
                participant: who.into(),
                name: "log".into(),
                data,
            },
        };
        let mut events = vec![
            event(12, "conn-1", "tidied".into()),
            event(15, "conn-2", serde_json::json!({"rows": 3})),
            LoggedEvent {
                at: Duration::from_millis(16),
                event: SharedEvent::Published {
                    participant: "conn-1".into(),
                    name: "job".into(),
                    data: "not a log line".into(),
                },
            },
        ];
        let r = RunReport::new(
            SystemTime::now(),
            Duration::ZERO,
            false,
            Vec::new(),
            events.clone(),
        );
        assert!(
            r.to_human().ends_with(
                "\nlog:\n     12.0 ms  conn-1: tidied\n     15.0 ms  conn-2: {\"rows\":3}\n"
            ),
            "{}",
            r.to_human()
        );
        for i in 0..LOG_LINES_SHOWN {
            events.push(event(20 + i as u64, "conn-3", "again".into()));
        }
        let r = RunReport::new(SystemTime::now(), Duration::ZERO, false, Vec::new(), events);
        let text = r.to_human();
        assert_eq!(text.matches("conn-3: again").count(), LOG_LINES_SHOWN - 2);
        assert!(text.ends_with("  (2 more: every line is in the JSON report's events)\n"));
        assert!(!report_of(&[Phase::Passed]).to_human().contains("log:"));
    }

    /// The suite says when it ran and where.
    #[test]
    fn a_junit_suite_has_its_timestamp_and_hostname() {
        let junit = two_participants(false).to_junit("basic");
        assert!(
            junit.contains("time=\"1.500\" timestamp=\"2023-11-14T22:13:20\" hostname=\""),
            "{junit}"
        );
        let host = gethostname::gethostname();
        assert!(
            junit.contains(&format!("hostname=\"{}\"", host.to_string_lossy())),
            "{junit}"
        );
    }
}
