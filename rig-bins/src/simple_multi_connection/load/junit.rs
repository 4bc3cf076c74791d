//! The load mode as JUnit: a test case per connection (how it connected
//! and ended) and one, `load`, that fails when a pass failed.

use crate::simple_multi_connection::load::latency_text;
use test_rig::junit;
use test_rig::load::LoadReport;

/// The JUnit document of `report`, a run of `tool`.
pub fn to_junit(tool: &str, report: &LoadReport) -> String {
    let mut suite = report.run.junit_suite(tool);
    let figures = format!(
        "{} passes ({:.1}/s), {} queries ({:.1}/s), {} failed; latency ms {}\n",
        report.transactions,
        report.tps,
        report.queries,
        report.qps,
        report.errors,
        latency_text(report.latency.as_ref())
    );
    let status = if report.errors == 0 {
        junit::passed()
    } else {
        let classes: Vec<String> = report
            .error_classes
            .iter()
            .map(|c| format!("{} x {}", c.count, c.class))
            .collect();
        junit::failure(
            &format!(
                "{} of {} passes failed: {}",
                report.errors,
                report.errors + report.transactions,
                classes.join(", ")
            ),
            &figures,
        )
    };
    let mut case = junit::case(
        &junit::classname(&[tool, "load"]),
        &report.statements.join("; "),
        Some(report.measured),
        status,
    );
    case.set_system_out(junit::text(&figures));
    suite.add_test_case(case);
    junit::document(suite)
}
