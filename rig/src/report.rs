//! The run report: every participant's transitions and outcome, and the
//! event log, rendered as a human table, JSON (stable field names, see the
//! README) or JUnit XML (one testcase per participant).

use crate::coordinator::{ErrorRecord, LoggedEvent, Phase};
use serde::{Serialize, Serializer};
use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

/// Serializes a duration as milliseconds with microsecond precision.
pub(crate) fn serialize_millis<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(millis(*d))
}

/// Milliseconds with microsecond precision, as every JSON document writes durations.
pub fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

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
    /// Every step attempt, in order.
    pub transitions: Vec<TransitionRecord>,
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
            transitions: Vec::new(),
            started: None,
            elapsed: Duration::ZERO,
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

/// `text` as XML 1.0 character data: markup escaped, and the characters
/// XML 1.0 forbids even as references (control characters such as the ESC
/// of a coloured message, lone surrogates cannot occur in a `str`, U+FFFE
/// and U+FFFF) written out as `\xNN` / `\u{NNNN}` text instead.
pub(crate) fn xml(text: &str) -> String {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{D7FF}').contains(&c)
            || ('\u{E000}'..='\u{FFFD}').contains(&c)
            || c >= '\u{10000}'
    };
    let clean: String = if text.chars().all(allowed) {
        text.to_string()
    } else {
        text.chars()
            .map(|c| match c {
                c if allowed(c) => c.to_string(),
                c if (c as u32) < 0x100 => format!("\\x{:02x}", c as u32),
                c => format!("\\u{{{:04x}}}", c as u32),
            })
            .collect()
    };
    quick_xml::escape::escape(&clean).into_owned()
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

    /// The participant with this name.
    pub fn participant(&self, name: &str) -> Option<&ParticipantReport> {
        self.participants.iter().find(|p| p.name == name)
    }

    /// The report as JSON.
    pub fn to_json(&self) -> String {
        // Every field is a plain string, number, bool, list or map.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
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
                    let at = match (&e.step, &e.state) {
                        (Some(step), Some(state)) => format!(" [{step} in {state}]"),
                        (None, Some(state)) => format!(" [in {state}]"),
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
                    p.transitions.len().to_string(),
                    human_duration(p.elapsed),
                    error,
                ]
            })
            .collect();
        let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row.iter()) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let mut line = |cells: Vec<&str>| {
            let mut l = String::new();
            for (i, cell) in cells.iter().enumerate() {
                if i + 1 == cells.len() {
                    l.push_str(cell);
                } else {
                    let _ = write!(l, "{cell:<width$}  ", width = widths[i]);
                }
            }
            out.push_str(l.trim_end());
            out.push('\n');
        };
        line(header.to_vec());
        for row in &rows {
            line(row.iter().map(String::as_str).collect());
        }
        let s = &self.summary;
        let _ = writeln!(
            out,
            "\n{} participant{}: {} passed, {} failed, {} interrupted in {}{}",
            s.participants,
            if s.participants == 1 { "" } else { "s" },
            s.passed,
            s.failed,
            s.interrupted,
            human_duration(self.elapsed),
            if self.cancelled { " (cancelled)" } else { "" }
        );
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

    /// JUnit XML: one testsuite, one testcase per participant; a failed
    /// participant has a `<failure>`, an interrupted one an `<error>`, and
    /// every transition is listed in `<system-out>`.
    pub fn to_junit(&self, suite: &str) -> String {
        let s = &self.summary;
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3}\">",
            xml(suite),
            s.participants,
            s.failed,
            s.interrupted,
            self.elapsed.as_secs_f64()
        );
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"{:.3}\">",
            xml(suite),
            s.participants,
            s.failed,
            s.interrupted,
            self.elapsed.as_secs_f64()
        );
        for p in &self.participants {
            let _ = writeln!(
                out,
                "    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{:.3}\">",
                xml(suite),
                xml(&p.workflow),
                xml(&p.name),
                p.elapsed.as_secs_f64()
            );
            if let Some(e) = &p.error {
                let tag = if p.phase == Phase::Interrupted {
                    "error"
                } else {
                    "failure"
                };
                let mut body = format!("state: {}\n", e.state.as_deref().unwrap_or("-"));
                if let Some(step) = &e.step {
                    let _ = writeln!(body, "step: {step}");
                }
                if let Some(code) = e.code {
                    let _ = writeln!(body, "server error code: {code}");
                }
                if let Some(c) = &e.cleanup_error {
                    let _ = writeln!(body, "cleanup failed: {c}");
                }
                let _ = writeln!(
                    out,
                    "      <{tag} message=\"{}\" type=\"{}\">{}</{tag}>",
                    xml(&e.message),
                    if p.phase == Phase::Interrupted {
                        "interrupted"
                    } else {
                        "StateError"
                    },
                    xml(&body)
                );
            }
            let mut log = String::new();
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
            let _ = writeln!(out, "      <system-out>{}</system-out>", xml(&log));
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n</testsuites>\n");
        out
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
    fn junit_counts_failures_and_errors_apart() {
        let xml = report_of(&[
            Phase::Passed,
            Phase::Failed,
            Phase::Failed,
            Phase::Interrupted,
        ])
        .to_junit("suite");
        assert!(
            xml.contains(r#"<testsuites name="suite" tests="4" failures="2" errors="1""#),
            "{xml}"
        );
        assert!(xml.contains(r#"<testsuite name="suite" tests="4" failures="2" errors="1""#));
        assert_eq!(xml.matches("<failure ").count(), 2);
        assert_eq!(xml.matches("<error ").count(), 1);
        assert!(xml.contains(r#"<error message="p3 did not pass" type="interrupted">"#));
    }

    #[test]
    fn xml_text_is_well_formed_for_any_message() {
        // An ANSI-coloured message, a NUL, a form feed and U+FFFF: none is
        // allowed in XML 1.0, not even as a character reference.
        let message = "\u{1b}[31mred\u{1b}[0m <&> \u{0}\u{c}\u{ffff} ok\ttab";
        let escaped = xml(message);
        assert_eq!(
            escaped,
            "\\x1b[31mred\\x1b[0m &lt;&amp;&gt; \\x00\\x0c\\u{ffff} ok\ttab"
        );
        let doc = format!("<a m=\"{escaped}\">{escaped}</a>");
        let mut reader = quick_xml::Reader::from_str(&doc);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("not well-formed: {e}"),
            }
        }
    }
}
