//! TiDB import jobs: `SHOW IMPORT JOBS` / `SHOW IMPORT JOB <id>`, read by
//! column name, so that every layout parses and the layout is known by its
//! columns alone, never by a version. Known layouts: 13 columns, Job_ID to
//! Created_By (the page `sql-statement-show-import-job.md`, 2023 examples);
//! 20, adding Last_Update_Time and the Cur_Step_* progress columns (the
//! page's 2025 revision); 21, with Group_Key too (TiDB's own list of the
//! columns, `importIntoSchemaNames`). Sizes are written with units
//! (`11GB`, `1.194TB`, `277.5GiB`, `16B`) and read as bytes; unknown
//! statuses are kept verbatim.

use crate::jobs::model::{field, Job, JobKind, JobStatus, RowMap};

/// An import job status as TiDB writes it (`canceled` accepted too).
pub fn status(text: &str) -> JobStatus {
    match text.trim().to_ascii_lowercase().as_str() {
        "pending" => JobStatus::Pending,
        "running" => JobStatus::Running,
        "finished" => JobStatus::Finished,
        "failed" => JobStatus::Failed,
        "cancelled" | "canceled" => JobStatus::Cancelled,
        _ => JobStatus::Other(text.trim().to_string()),
    }
}

/// A size as TiDB writes it, in bytes: a number and a unit, decimal
/// (`B`, `kB`/`KB`, `MB`, `GB`, `TB`, `PB`) or binary (`KiB` .. `PiB`).
/// A bare number is taken as it is.
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale: f64 = match unit.trim() {
        "" | "B" => 1.0,
        "kB" | "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        "PB" => 1e15,
        "KiB" => 1024.0,
        "MiB" => 1024f64.powi(2),
        "GiB" => 1024f64.powi(3),
        "TiB" => 1024f64.powi(4),
        "PiB" => 1024f64.powi(5),
        _ => return None,
    };
    let bytes = (number * scale).round();
    // Only digits and a dot were parsed, so never negative; an infinite or
    // too large value fails the bound (u64::MAX as f64 is 2^64).
    (bytes < u64::MAX as f64).then_some(bytes as u64)
}

/// Parses the rows of `SHOW IMPORT JOBS`. Rows without a Job_ID are skipped.
/// Progress is the current step's bytes where the layout has them; else
/// the rows imported so far, with no total (the source size is in bytes,
/// not rows).
pub fn parse(rows: &[RowMap]) -> Vec<Job> {
    rows.iter()
        .filter_map(|row| {
            let id = field(row, "job_id")?.to_string();
            let target = field(row, "target_table").unwrap_or("?").to_string();
            let mut job = Job::new(
                id,
                JobKind::Import,
                target,
                status(field(row, "status").unwrap_or("")),
            );
            job.phase = field(row, "cur_step")
                .or_else(|| field(row, "phase"))
                .map(str::to_string);
            job.percent = field(row, "cur_step_progress_pct")
                .and_then(|p| p.trim_end_matches('%').trim().parse().ok());
            match field(row, "cur_step_processed_size").and_then(parse_size) {
                Some(done) => {
                    job.done = Some(done);
                    job.total = field(row, "cur_step_total_size").and_then(parse_size);
                }
                None => {
                    job.done =
                        field(row, "imported_rows").and_then(|v| v.replace(',', "").parse().ok());
                }
            }
            job.speed = field(row, "cur_step_speed").map(str::to_string);
            job.eta = field(row, "cur_step_eta").map(str::to_string);
            job.message = field(row, "result_message").map(str::to_string);
            job.started = field(row, "start_time").map(str::to_string);
            job.ended = field(row, "end_time").map(str::to_string);
            Some(job)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::model::test_row as row;

    use crate::jobs::fixture;

    const THIRTEEN: &str = include_str!("fixtures/show_import_jobs_13_columns.txt");
    const TWENTY: &str = include_str!("fixtures/show_import_job_20_columns.txt");

    #[test]
    fn reads_the_documented_13_column_layout() {
        let jobs = parse(&fixture::rows(THIRTEEN));
        let ids: Vec<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
        assert_eq!(ids, ["1", "2", "60001"]);
        let first = &jobs[0];
        assert_eq!(first.target, "`test`.`foo`");
        assert_eq!(first.status, JobStatus::Finished);
        // No step columns: the rows imported, and no total in rows.
        assert_eq!((first.done, first.total), (Some(950000), None));
        assert_eq!(first.phase, None, "an empty phase is no phase");
        assert_eq!(first.message, None, "an empty message is no message");
        let pending = &jobs[2];
        assert_eq!(pending.status, JobStatus::Pending);
        assert_eq!((pending.done, pending.started.as_deref()), (None, None));
    }

    #[test]
    fn reads_the_documented_20_column_layout_with_step_progress() {
        let jobs = parse(&fixture::rows(TWENTY));
        assert_eq!(jobs.len(), 2);
        // A finished job has NULL step columns: back to rows imported.
        assert_eq!((jobs[0].done, jobs[0].total), (Some(950000), None));
        let running = &jobs[1];
        assert_eq!(running.status, JobStatus::Running);
        assert_eq!(
            running.phase.as_deref(),
            Some("encode"),
            "the current step, over the phase (global-sorting)"
        );
        assert_eq!(running.percent, Some(1.0));
        // "4.55GB" of "298GB": bytes, not the 0 rows imported so far.
        assert_eq!(
            (running.done, running.total),
            (Some(4_550_000_000), Some(298_000_000_000))
        );
        assert_eq!(running.speed.as_deref(), Some("10.96MB/s"));
        assert_eq!(running.eta.as_deref(), Some("07:26:03"));
        assert_eq!(running.ended, None);
        // What job_monitor prints for it, line and progress bar alike.
        assert_eq!(
            running.line(),
            "2 `test`.`bar` running, phase encode, 1.0% (4550000000 of 298000000000), 10.96MB/s, ETA 07:26:03"
        );
    }

    #[test]
    fn imported_rows_may_carry_thousands_separators() {
        let r = row(&[
            ("Job_ID", Some("9")),
            ("Status", Some("running")),
            ("Imported_Rows", Some("49,995,000")),
        ]);
        assert_eq!(parse(&[r])[0].done, Some(49_995_000));
    }

    #[test]
    fn sizes_in_the_units_tidb_writes() {
        // Every size in the documented examples, and the binary units.
        assert_eq!(parse_size("11GB"), Some(11_000_000_000));
        assert_eq!(parse_size("1.194TB"), Some(1_194_000_000_000));
        assert_eq!(parse_size("16B"), Some(16));
        assert_eq!(parse_size("277.5GiB"), Some(2775 * (1 << 30) / 10));
        assert_eq!(parse_size("1KiB"), Some(1024));
        assert_eq!(parse_size("3kB"), Some(3000));
        assert_eq!(parse_size("2MiB"), Some(2 * 1024 * 1024));
        assert_eq!(parse_size("104857600"), Some(104857600));
        assert_eq!(parse_size("10.96MB"), Some(10_960_000));
        assert_eq!(parse_size("2PB"), Some(2_000_000_000_000_000));
        assert_eq!(parse_size("3TiB"), Some(3 << 40));
        assert_eq!(parse_size("2PiB"), Some(2 << 50));
        // Past what 64 bits hold: no size, not a wrapped number.
        assert_eq!(parse_size("99999999PB"), None);
        assert_eq!(parse_size("18446744073709551616B"), None, "2^64");
        assert_eq!(parse_size(&"9".repeat(400)), None, "infinite as f64");
        for bad in ["", "GB", "1.2.3GB", "12 parsecs", "-1GB", "1e999TB"] {
            assert_eq!(parse_size(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn statuses_including_unknown_and_canceled() {
        for (text, expected) in [
            ("pending", JobStatus::Pending),
            ("finished", JobStatus::Finished),
            ("failed", JobStatus::Failed),
            ("cancelled", JobStatus::Cancelled),
            ("canceled", JobStatus::Cancelled),
            (
                "paused-by-operator",
                JobStatus::Other("paused-by-operator".into()),
            ),
        ] {
            assert_eq!(status(text), expected, "{text}");
        }
        let failed = row(&[
            ("Job_ID", Some("3")),
            ("Status", Some("failed")),
            ("Result_Message", Some("data file not found")),
        ]);
        let j = &parse(&[failed, row(&[("Status", Some("running"))])]);
        assert_eq!(j.len(), 1, "a row without a Job_ID is skipped");
        assert_eq!(j[0].message.as_deref(), Some("data file not found"));
        assert_eq!(j[0].target, "?");
    }
}
