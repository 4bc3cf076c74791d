//! `basic --junit`: the report as JUnit XML, one test case per check (each
//! step of the connect-and-check workflow, in its order, and `-e`'s
//! statement when one was given).

use crate::basic::Report;
use std::time::Duration;
use test_rig::junit;
use test_rig::ErrorClass;

/// The JUnit document of `report`; `statement` is `-e`'s SQL, if given.
pub fn to_junit(report: &Report, statement: Option<&str>) -> String {
    let elapsed = seconds(report.elapsed_ms);
    let mut suite = junit::suite_ended_now("basic", elapsed);
    let meta = &test_rig::common_states::META;
    let class = junit::classname(&["basic", meta.name]);
    let failed_step = report.error.as_ref().and_then(|e| e.step);
    for step in meta.steps {
        let attempts: Vec<_> = report
            .transitions
            .iter()
            .filter(|t| t.step == step.name)
            .collect();
        let time =
            (!attempts.is_empty()).then(|| attempts.iter().map(|t| seconds(t.duration_ms)).sum());
        let status = if attempts.iter().any(|t| t.to.is_some()) {
            junit::passed()
        } else if failed_step == Some(step.name) {
            error_status(report)
        } else if let Some(failed) = failed_step {
            junit::skipped(&format!("not run: `{failed}` failed before it"))
        } else if report.error.is_some() {
            junit::skipped("not run: the run ended before it")
        } else {
            junit::skipped(&format!(
                "not needed on this path (from {}; the run went another way)",
                step.from
            ))
        };
        let mut case = junit::case(&class, step.name, time, status);
        let log: Vec<String> = attempts
            .iter()
            .map(|t| {
                format!(
                    "attempt {}: {} -> {} in {:.3} ms{}",
                    t.attempt,
                    t.from,
                    t.to.unwrap_or("x"),
                    t.duration_ms,
                    t.error
                        .as_deref()
                        .map(|e| format!(": {e}"))
                        .unwrap_or_default()
                )
            })
            .collect();
        if !log.is_empty() {
            case.set_system_out(junit::text(&(log.join("\n") + "\n")));
        }
        suite.add_test_case(case);
    }
    if let Some(sql) = statement {
        let status = match (&report.result, &report.error) {
            (Some(_), _) => junit::passed(),
            (None, Some(e)) if e.step.is_none() => error_status(report),
            _ => junit::skipped("not run: the checks did not pass"),
        };
        let mut case = junit::case(&junit::classname(&["basic", "execute"]), sql, None, status);
        if let Some(result) = &report.result {
            case.set_system_out(junit::text(&crate::execute::table(result)));
        }
        suite.add_test_case(case);
    }
    junit::document(suite)
}

/// The run's error as a `<failure>`, or an `<error>` when the run was
/// interrupted: an interrupted check neither passed nor failed.
fn error_status(report: &Report) -> junit::TestCaseStatus {
    let Some(e) = &report.error else {
        return junit::passed();
    };
    let detail = format!(
        "class: {}\nstate: {}\n",
        e.class.as_str(),
        e.state.unwrap_or("-")
    );
    let mut status = if e.class == ErrorClass::Cancelled {
        junit::error(&e.message, &detail)
    } else {
        junit::failure(&e.message, &detail)
    };
    status.set_type(e.class.as_str());
    status
}

fn seconds(ms: f64) -> Duration {
    Duration::try_from_secs_f64(ms / 1000.0).unwrap_or_default()
}
