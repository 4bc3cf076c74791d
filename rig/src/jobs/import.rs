//! TiDB import jobs: `SHOW IMPORT JOBS` / `SHOW IMPORT JOB <id>`, read by
//! column name so that both the 13-column form (Job_ID .. Created_By) and
//! the 21-column form (with Group_Key, Last_Update_Time and the Cur_Step_*
//! progress columns) parse; unknown statuses are kept verbatim.

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

fn number(row: &RowMap, key: &str) -> Option<u64> {
    field(row, key).and_then(|v| v.replace(',', "").parse().ok())
}

/// Parses the rows of `SHOW IMPORT JOBS`. Rows without a Job_ID are skipped.
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
            job.done =
                number(row, "cur_step_processed_size").or_else(|| number(row, "imported_rows"));
            job.total =
                number(row, "cur_step_total_size").or_else(|| number(row, "source_file_size"));
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

    #[test]
    fn thirteen_column_form() {
        // The layout TiDB v7.2 to v8.0 documents for SHOW IMPORT JOBS.
        let r = row(&[
            ("Job_ID", Some("1")),
            ("Data_Source", Some("s3://bucket/*.csv")),
            ("Target_Table", Some("`test`.`t`")),
            ("Table_ID", Some("100")),
            ("Phase", Some("importing")),
            ("Status", Some("running")),
            ("Source_File_Size", Some("2.612GiB")),
            ("Imported_Rows", Some("123456")),
            ("Result_Message", Some("")),
            ("Create_Time", Some("2024-01-01 10:00:00.000000")),
            ("Start_Time", Some("2024-01-01 10:00:01.000000")),
            ("End_Time", None),
            ("Created_By", Some("root@%")),
        ]);
        let jobs = parse(&[r]);
        assert_eq!(jobs.len(), 1);
        let j = &jobs[0];
        assert_eq!((j.id.as_str(), j.target.as_str()), ("1", "`test`.`t`"));
        assert_eq!(j.status, JobStatus::Running);
        assert_eq!(j.phase.as_deref(), Some("importing"));
        assert_eq!(j.done, Some(123456));
        assert_eq!(j.total, None, "a size with a unit is not a count");
        assert_eq!(j.message, None, "an empty message is no message");
        assert_eq!(j.ended, None);
    }

    #[test]
    fn twenty_one_column_form_with_step_progress() {
        // The layout of TiDB v8.1+ (adds Group_Key, Last_Update_Time, Cur_Step*).
        let r = row(&[
            ("Job_ID", Some("7")),
            ("Group_Key", None),
            ("Data_Source", Some("/data/a.csv")),
            ("Target_Table", Some("`db`.`orders`")),
            ("Table_ID", Some("120")),
            ("Phase", Some("")),
            ("Status", Some("running")),
            ("Source_File_Size", Some("1.000GiB")),
            ("Imported_Rows", Some("0")),
            ("Result_Message", Some("")),
            ("Create_Time", Some("2025-01-01 10:00:00")),
            ("Start_Time", Some("2025-01-01 10:00:01")),
            ("End_Time", None),
            ("Created_By", Some("root@%")),
            ("Last_Update_Time", Some("2025-01-01 10:00:30")),
            ("Cur_Step", Some("encode")),
            ("Cur_Step_Processed_Size", Some("104857600")),
            ("Cur_Step_Total_Size", Some("1073741824")),
            ("Cur_Step_Progress_Pct", Some("9.77%")),
            ("Cur_Step_Speed", Some("10MiB/s")),
            ("Cur_Step_ETA", Some("00:01:32")),
        ]);
        let j = &parse(&[r])[0];
        assert_eq!(
            j.phase.as_deref(),
            Some("encode"),
            "the current step wins over an empty phase"
        );
        assert_eq!(j.percent, Some(9.77));
        assert_eq!((j.done, j.total), (Some(104857600), Some(1073741824)));
        assert_eq!(j.speed.as_deref(), Some("10MiB/s"));
        assert_eq!(j.eta.as_deref(), Some("00:01:32"));
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
