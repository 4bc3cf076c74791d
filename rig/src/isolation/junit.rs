//! The isolation matrix as JUnit XML: one test case per (test, level)
//! cell, failed where it deviates from the profile or its repeated runs
//! disagreed, errored where the cell could not run, skipped where the
//! server refuses the level; each with what the sessions did and saw.

use super::{CellResult, MatrixReport, Outcome};
use crate::junit;
use std::fmt::Write;

impl MatrixReport {
    /// JUnit XML of the matrix in a suite named `suite`: test case `level`
    /// of class `suite.test` per cell, in the matrix's order.
    pub fn to_junit(&self, suite: &str) -> String {
        let mut doc = junit::suite_ended_now(suite, self.elapsed);
        for cell in &self.results {
            let detail = transcript(cell);
            let mut case = junit::case(
                &junit::classname(&[suite, cell.test]),
                cell.level.as_str(),
                None,
                status(cell, self.profile, &detail),
            );
            case.set_system_out(junit::text(&detail));
            doc.add_test_case(case);
        }
        junit::document(doc)
    }
}

/// The cell's verdict as a JUnit status, `detail` its transcript.
fn status(cell: &CellResult, profile: Option<&str>, detail: &str) -> junit::TestCaseStatus {
    let profile = profile.unwrap_or("the profile");
    if let Some(expected) = cell.expected.filter(|_| cell.deviates()) {
        let message = format!(
            "{}: expected {} ({profile}), got {}",
            cell.test,
            expected.as_str(),
            cell.outcome.as_str()
        );
        return junit::failure(&message, detail);
    }
    if cell.varied() {
        let runs: Vec<&str> = cell.runs.iter().map(|o| o.as_str()).collect();
        let message = format!("{}: repeated runs disagree: {}", cell.test, runs.join(", "));
        return junit::failure(&message, detail);
    }
    match cell.outcome {
        Outcome::Error => junit::error(&cell.why, detail),
        Outcome::NotSupported => junit::skipped(&format!(
            "the server refuses {}: {}",
            cell.level.as_str(),
            cell.why
        )),
        Outcome::Anomaly | Outcome::Prevented => junit::passed(),
    }
}

/// The outcome, what each session did and saw, and why the rule decided.
fn transcript(cell: &CellResult) -> String {
    let mut out = cell.outcome.as_str().to_string();
    if let Some(expected) = cell.expected {
        let _ = write!(out, " (expected {})", expected.as_str());
    }
    out.push('\n');
    for line in cell.evidence.describe() {
        let _ = writeln!(out, "    {line}");
    }
    let _ = writeln!(out, "why: {}", cell.why);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isolation::evidence::Evidence;
    use crate::isolation::profiles::Expectation;
    use crate::isolation::{Level, ServerSettings};
    use crate::ServerInfo;
    use std::time::Duration;

    fn cell(
        test: &'static str,
        level: Level,
        outcome: Outcome,
        expected: Option<Expectation>,
        runs: &[Outcome],
    ) -> CellResult {
        CellResult {
            test,
            level,
            outcome,
            expected,
            why: format!("why {test} at {}", level.as_str()),
            runs: runs.to_vec(),
            evidence: Evidence::default(),
        }
    }

    fn junit_of(results: Vec<CellResult>) -> String {
        MatrixReport {
            server: ServerInfo::from_version("10.11.6-MariaDB", "").unwrap(),
            settings: ServerSettings::default(),
            profile: Some("mariadb"),
            warnings: Vec::new(),
            results,
            elapsed: Duration::from_millis(2500),
            cancelled: false,
            table: String::new(),
            sessions: Vec::new(),
        }
        .to_junit("isolation")
    }

    #[test]
    fn each_cell_is_a_test_case_with_its_verdict() {
        use Outcome::*;
        let xml = junit_of(vec![
            cell(
                "g0",
                Level::ReadCommitted,
                Prevented,
                Some(Expectation::Prevented),
                &[],
            ),
            cell(
                "p4",
                Level::RepeatableRead,
                Anomaly,
                Some(Expectation::Prevented),
                &[],
            ),
            cell(
                "g1c",
                Level::Serializable,
                Prevented,
                None,
                &[Prevented, Anomaly],
            ),
            cell("otv", Level::ReadUncommitted, Error, None, &[]),
            cell(
                "g2",
                Level::Serializable,
                NotSupported,
                Some(Expectation::NotSupported),
                &[],
            ),
        ]);
        assert!(
            xml.contains("tests=\"5\" skipped=\"1\" failures=\"2\" errors=\"1\""),
            "{xml}"
        );
        assert!(
            xml.contains("<testcase name=\"read-committed\" classname=\"isolation.g0\""),
            "{xml}"
        );
        assert!(
            xml.contains(
                "<failure message=\"p4: expected prevented (mariadb), got anomaly\">anomaly (expected prevented)"
            ),
            "{xml}"
        );
        assert!(
            xml.contains("<failure message=\"g1c: repeated runs disagree: prevented, anomaly\">"),
            "{xml}"
        );
        assert!(
            xml.contains("<error message=\"why otv at read-uncommitted\">"),
            "{xml}"
        );
        assert!(
            xml.contains(
                "<skipped message=\"the server refuses serializable: why g2 at serializable\"/>"
            ),
            "{xml}"
        );
        assert!(xml.contains("why: why g0 at read-committed"), "{xml}");
    }

    #[test]
    fn an_expected_anomaly_passes_and_an_allowed_one_too() {
        use Outcome::*;
        let xml = junit_of(vec![
            cell(
                "g1a",
                Level::ReadUncommitted,
                Anomaly,
                Some(Expectation::Anomaly),
                &[],
            ),
            cell(
                "g2",
                Level::ReadCommitted,
                Anomaly,
                Some(Expectation::Allowed),
                &[],
            ),
            cell(
                "g2",
                Level::RepeatableRead,
                Prevented,
                Some(Expectation::Allowed),
                &[],
            ),
        ]);
        assert!(
            xml.contains("tests=\"3\" skipped=\"0\" failures=\"0\" errors=\"0\""),
            "{xml}"
        );
    }
}
