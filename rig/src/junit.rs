//! JUnit XML, the one way every report is written for CI: a suite of test
//! cases, serialized by `quick-junit` (the writer cargo-nextest uses), with
//! the suite's `timestamp` and `hostname` and classnames CI reporters can
//! split at their dots.
//!
//! quick-junit drops the characters XML 1.0 forbids (the ESC of a coloured
//! message, other C0 controls); [`text`] also drops U+FFFE and U+FFFF,
//! which it lets through, so the document is well-formed for any message.

use std::time::{Duration, SystemTime};

pub use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

/// `raw` without the characters XML 1.0 forbids that quick-junit keeps.
pub fn text(raw: &str) -> String {
    raw.replace(['\u{FFFE}', '\u{FFFF}'], "")
}

/// A JUnit `classname` CI reporters can split at its dots: each part's
/// letters, digits, `_` and `-` kept, every other run of characters (the
/// ` + ` of a chained workflow's name) one `_`.
pub fn classname(parts: &[&str]) -> String {
    let clean = |part: &str| {
        let mut out = String::new();
        for c in part.chars() {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                out.push(c);
            } else if !out.ends_with('_') {
                out.push('_');
            }
        }
        out.trim_matches('_').to_string()
    };
    parts.iter().map(|p| clean(p)).collect::<Vec<_>>().join(".")
}

/// A suite named `name` that began at `started` and took `elapsed`, with
/// its `timestamp` (UTC, written as the JUnit schema's
/// `ISO8601_DATETIME_PATTERN` has it: no zone, no fraction; quick-junit's
/// own timestamp adds both) and the machine it ran on as its `hostname`.
pub fn suite(name: &str, started: SystemTime, elapsed: Duration) -> TestSuite {
    let mut suite = TestSuite::new(text(name));
    suite.set_time(elapsed);
    if let Some(at) = started
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_millis()).ok())
        .and_then(chrono::DateTime::from_timestamp_millis)
    {
        let at = at.format("%Y-%m-%dT%H:%M:%S").to_string();
        suite.extra.insert("timestamp".into(), at.into());
    }
    let host = gethostname::gethostname();
    suite
        .extra
        .insert("hostname".into(), text(&host.to_string_lossy()).into());
    suite
}

/// [`suite`] for a run that took `elapsed` and ends now (reports that
/// keep how long they ran, not when they began).
pub fn suite_ended_now(name: &str, elapsed: Duration) -> TestSuite {
    let started = SystemTime::now()
        .checked_sub(elapsed)
        .unwrap_or_else(SystemTime::now);
    suite(name, started, elapsed)
}

/// A test case `name` of class `classname` that took `time`, if known.
pub fn case(
    classname: &str,
    name: &str,
    time: Option<Duration>,
    status: TestCaseStatus,
) -> TestCase {
    let mut case = TestCase::new(text(name), status);
    case.set_classname(text(classname));
    if let Some(time) = time {
        case.set_time(time);
    }
    case
}

/// A passed test case's status.
pub fn passed() -> TestCaseStatus {
    TestCaseStatus::success()
}

/// A `<failure>` (the check found something wrong) with its message and
/// the detail as the element's text.
pub fn failure(message: &str, detail: &str) -> TestCaseStatus {
    non_success(NonSuccessKind::Failure, message, detail)
}

/// An `<error>` (the check could not say: interrupted, unreachable,
/// unknown) with its message and detail.
pub fn error(message: &str, detail: &str) -> TestCaseStatus {
    non_success(NonSuccessKind::Error, message, detail)
}

/// A `<skipped>` test case with the reason.
pub fn skipped(reason: &str) -> TestCaseStatus {
    let mut status = TestCaseStatus::skipped();
    status.set_message(text(reason));
    status
}

fn non_success(kind: NonSuccessKind, message: &str, detail: &str) -> TestCaseStatus {
    let mut status = TestCaseStatus::non_success(kind);
    status.set_message(text(message));
    if !detail.is_empty() {
        status.set_description(text(detail));
    }
    status
}

/// The document: `suite` alone in a `<testsuites>` named as it is.
pub fn document(suite: TestSuite) -> String {
    let mut report = quick_junit::Report::new(suite.name.clone());
    if let Some(time) = suite.time {
        report.set_time(time);
    }
    report.add_test_suite(suite);
    // Serializing into memory fails only on a bug in the writer; an empty
    // suite list says so rather than a panic.
    report
        .to_string()
        .unwrap_or_else(|e| format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- the JUnit writer failed: {} -->\n<testsuites/>\n", text(&e.to_string()).replace("--", "- -")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classnames_split_at_dots_only() {
        assert_eq!(
            classname(&["simple_multi_connection", "common + scratch_table"]),
            "simple_multi_connection.common_scratch_table"
        );
        assert_eq!(classname(&["basic", "conn"]), "basic.conn");
        assert_eq!(classname(&["a b", "x.y"]), "a_b.x_y");
        assert_eq!(
            classname(&["isolation", "g-single_2"]),
            "isolation.g-single_2"
        );
    }

    #[test]
    fn a_suite_has_its_timestamp_and_hostname() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000);
        let xml = document(suite("s", at, Duration::from_millis(1500)));
        assert!(xml.contains("timestamp=\"2026-09-21T14:13:20"), "{xml}");
        let host = gethostname::gethostname();
        assert!(
            xml.contains(&format!("hostname=\"{}\"", host.to_string_lossy())),
            "{xml}"
        );
        assert!(xml.contains("time=\"1.500\""), "{xml}");
    }

    /// Parses `xml` with a conforming parser: Err on the first thing XML 1.0
    /// does not allow.
    fn well_formed(xml: &str) -> Result<(), String> {
        let mut reader = quick_xml::Reader::from_str(xml);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => return Ok(()),
                Ok(quick_xml::events::Event::Text(t)) => {
                    let s = String::from_utf8_lossy(&t).into_owned();
                    if let Some(c) = s.chars().find(|c| !allowed_in_xml(*c)) {
                        return Err(format!("{c:?} in text"));
                    }
                }
                Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                    for a in e.attributes() {
                        let a = a.map_err(|e| e.to_string())?;
                        let v = String::from_utf8_lossy(&a.value).into_owned();
                        if let Some(c) = v.chars().find(|c| !allowed_in_xml(*c)) {
                            return Err(format!("{c:?} in an attribute"));
                        }
                    }
                }
                Ok(_) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
    }

    fn allowed_in_xml(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{D7FF}').contains(&c)
            || ('\u{E000}'..='\u{FFFD}').contains(&c)
            || c >= '\u{10000}'
    }

    #[test]
    fn any_message_gives_a_well_formed_document() {
        let nasty = "\u{1b}[31mred\u{1b}[0m <b>&\"'\u{0}\u{7}\u{b}\u{fffe}\u{ffff}]]> end";
        let mut s = suite(nasty, SystemTime::now(), Duration::ZERO);
        s.add_test_case(case(nasty, nasty, None, failure(nasty, nasty)));
        s.add_test_case(case("c", "n", None, error(nasty, nasty)));
        s.add_test_case(case("c", "n", None, skipped(nasty)));
        let xml = document(s);
        assert_eq!(well_formed(&xml), Ok(()), "{xml}");
        assert!(xml.contains("red &lt;b&gt;&amp;"), "{xml}");
    }

    #[test]
    fn failures_and_errors_are_counted_apart() {
        let mut s = suite("s", SystemTime::now(), Duration::ZERO);
        s.add_test_case(case("c", "ok", None, passed()));
        s.add_test_case(case("c", "bad", None, failure("m", "d")));
        s.add_test_case(case("c", "bad2", None, failure("m", "")));
        s.add_test_case(case("c", "lost", None, error("m", "d")));
        s.add_test_case(case("c", "later", None, skipped("why")));
        let xml = document(s);
        assert!(
            xml.contains(
                "<testsuites name=\"s\" tests=\"5\" skipped=\"1\" failures=\"2\" errors=\"1\""
            ),
            "{xml}"
        );
        assert!(
            xml.contains("<testcase name=\"ok\" classname=\"c\"/>"),
            "{xml}"
        );
        assert!(xml.contains("<failure message=\"m\">d</failure>"), "{xml}");
        assert!(xml.contains("<skipped message=\"why\"/>"), "{xml}");
    }
}
