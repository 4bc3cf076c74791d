//! TiDB DDL jobs: `ADMIN SHOW DDL JOBS` (JOB_ID, DB_NAME, TABLE_NAME,
//! JOB_TYPE, SCHEMA_STATE, SCHEMA_ID, TABLE_ID, ROW_COUNT, CREATE_TIME,
//! START_TIME, END_TIME, STATE, COMMENTS), including the sub-jobs of a
//! multi-schema change, which repeat their parent's JOB_ID with a job type
//! marked `/* subjob */`.

use crate::jobs::model::{field, Job, JobKind, JobStatus, RowMap};

/// A DDL job state as TiDB writes it.
pub fn status(text: &str) -> JobStatus {
    match text.trim().to_ascii_lowercase().as_str() {
        "queueing" | "none" => JobStatus::Pending,
        "running" | "rollingback" | "cancelling" | "pausing" => JobStatus::Running,
        "synced" | "done" => JobStatus::Finished,
        "rollback done" => JobStatus::Failed,
        "cancelled" | "canceled" => JobStatus::Cancelled,
        _ => JobStatus::Other(text.trim().to_string()),
    }
}

/// Parses the rows of `ADMIN SHOW DDL JOBS`.
pub fn parse(rows: &[RowMap]) -> Vec<Job> {
    let mut jobs: Vec<Job> = Vec::new();
    for row in rows {
        let Some(id) = field(row, "job_id") else {
            continue;
        };
        let job_type = field(row, "job_type").unwrap_or("");
        let is_sub = job_type.contains("/* subjob */");
        let target = match (field(row, "db_name"), field(row, "table_name")) {
            (Some(db), Some(t)) => format!("{db}.{t}"),
            (Some(db), None) => db.to_string(),
            (None, Some(t)) => t.to_string(),
            (None, None) => "?".to_string(),
        };
        let (job_id, parent) = if is_sub {
            let n = jobs
                .iter()
                .filter(|j| j.parent.as_deref() == Some(id))
                .count()
                + 1;
            (format!("{id}.{n}"), Some(id.to_string()))
        } else {
            (id.to_string(), None)
        };
        let mut job = Job::new(
            job_id,
            JobKind::Ddl,
            target,
            status(field(row, "state").unwrap_or("")),
        );
        job.parent = parent;
        job.action =
            Some(job_type.replace("/* subjob */", "").trim().to_string()).filter(|a| !a.is_empty());
        job.phase = field(row, "schema_state").map(str::to_string);
        job.done = field(row, "row_count").and_then(|v| v.parse().ok());
        job.message = field(row, "comments").map(str::to_string);
        job.started = field(row, "start_time").map(str::to_string);
        job.ended = field(row, "end_time").map(str::to_string);
        jobs.push(job);
    }
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(values: [Option<&str>; 13]) -> RowMap {
        const COLUMNS: [&str; 13] = [
            "JOB_ID",
            "DB_NAME",
            "TABLE_NAME",
            "JOB_TYPE",
            "SCHEMA_STATE",
            "SCHEMA_ID",
            "TABLE_ID",
            "ROW_COUNT",
            "CREATE_TIME",
            "START_TIME",
            "END_TIME",
            "STATE",
            "COMMENTS",
        ];
        COLUMNS
            .iter()
            .zip(values)
            .map(|(k, v)| (k.to_ascii_lowercase(), v.map(str::to_string)))
            .collect()
    }

    #[test]
    fn parses_jobs_with_null_times_and_sub_jobs() {
        let rows = [
            row([
                Some("59"),
                Some("test"),
                Some("t1"),
                Some("add index"),
                Some("write reorganization"),
                Some("2"),
                Some("57"),
                Some("1200"),
                Some("2024-01-01 10:00:00"),
                Some("2024-01-01 10:00:01"),
                None,
                Some("running"),
                Some("ingest"),
            ]),
            row([
                Some("60"),
                Some("test"),
                Some("t2"),
                Some("alter table multi-schema change"),
                Some("none"),
                Some("2"),
                Some("58"),
                Some("0"),
                Some("2024-01-01 10:01:00"),
                None,
                None,
                Some("queueing"),
                Some(""),
            ]),
            row([
                Some("60"),
                Some("test"),
                Some("t2"),
                Some("add column /* subjob */"),
                Some("none"),
                Some("2"),
                Some("58"),
                Some("0"),
                None,
                None,
                None,
                Some("queueing"),
                None,
            ]),
            row([
                Some("60"),
                Some("test"),
                Some("t2"),
                Some("drop column /* subjob */"),
                Some("none"),
                Some("2"),
                Some("58"),
                Some("0"),
                None,
                None,
                None,
                Some("queueing"),
                None,
            ]),
            row([
                Some("58"),
                Some("test"),
                Some("t0"),
                Some("create table"),
                Some("public"),
                Some("2"),
                Some("56"),
                Some("0"),
                Some("2024-01-01 09:00:00"),
                Some("2024-01-01 09:00:00"),
                Some("2024-01-01 09:00:01"),
                Some("synced"),
                Some(""),
            ]),
            row([
                Some("57"),
                Some("test"),
                Some("t0"),
                Some("add index"),
                Some("none"),
                Some("2"),
                Some("56"),
                Some("0"),
                None,
                None,
                None,
                Some("rollback done"),
                Some("duplicate entry"),
            ]),
            row([
                Some("56"),
                None,
                None,
                Some("flashback cluster"),
                Some(""),
                None,
                None,
                None,
                None,
                None,
                None,
                Some("some future state"),
                None,
            ]),
        ];
        let jobs = parse(&rows);
        assert_eq!(jobs.len(), 7);
        let running = &jobs[0];
        assert_eq!(
            (
                running.id.as_str(),
                running.target.as_str(),
                running.status.clone()
            ),
            ("59", "test.t1", JobStatus::Running)
        );
        assert_eq!(running.phase.as_deref(), Some("write reorganization"));
        assert_eq!(running.done, Some(1200));
        assert_eq!(running.ended, None);
        assert_eq!(jobs[2].id, "60.1");
        assert_eq!(jobs[2].parent.as_deref(), Some("60"));
        assert_eq!(jobs[2].action.as_deref(), Some("add column"));
        assert_eq!(jobs[3].id, "60.2");
        assert_eq!(jobs[4].status, JobStatus::Finished);
        assert_eq!(jobs[5].status, JobStatus::Failed);
        assert_eq!(jobs[5].message.as_deref(), Some("duplicate entry"));
        assert_eq!(jobs[6].target, "?");
        assert_eq!(jobs[6].phase, None, "an empty phase is no phase");
        assert_eq!(jobs[6].status, JobStatus::Other("some future state".into()));
    }
}
