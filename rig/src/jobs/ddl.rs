//! TiDB DDL jobs: `ADMIN SHOW DDL JOBS` (JOB_ID, DB_NAME, TABLE_NAME,
//! JOB_TYPE, SCHEMA_STATE, SCHEMA_ID, TABLE_ID, ROW_COUNT, CREATE_TIME,
//! START_TIME, END_TIME, STATE, and from v8.5 COMMENTS), including the
//! sub-jobs of a multi-schema change, which repeat their parent's JOB_ID
//! with a job type marked `/* subjob */`. The columns are found by name,
//! so either layout reads. Before v8.5 the backfill method is part of the
//! job type (`add index /* txn-merge */`); it is split off into the job's
//! message, where v8.5's COMMENTS puts it.
//!
//! The states are those `sql-statement-admin-show-ddl.md` lists: `none`
//! and `queueing` (not started), `running`, `cancelling`, `pausing`,
//! `paused` (until `ADMIN RESUME DDL JOBS`), `rollingback` (failed, undoing),
//! `rollback done` (failed), `cancelled`, `done` (executed on the owner, not
//! yet synchronized by the other TiDB instances) and `synced` (done
//! everywhere).

use crate::jobs::model::{field, Job, JobKind, JobStatus, RowMap};

/// A DDL job state as TiDB writes it, for a top-level job: `done` is not
/// the end of one, `synced` is.
pub fn status(text: &str) -> JobStatus {
    match text.trim().to_ascii_lowercase().as_str() {
        "queueing" | "none" => JobStatus::Pending,
        "running" | "cancelling" | "pausing" | "done" => JobStatus::Running,
        "paused" => JobStatus::Paused,
        "rollingback" => JobStatus::RollingBack,
        "synced" => JobStatus::Finished,
        "rollback done" => JobStatus::Failed,
        "cancelled" | "canceled" => JobStatus::Cancelled,
        _ => JobStatus::Other(text.trim().to_string()),
    }
}

/// A sub-job's state: a sub-job is finished once `done`; only its parent
/// goes on to `synced`.
fn sub_job_status(text: &str) -> JobStatus {
    match text.trim().to_ascii_lowercase().as_str() {
        "done" => JobStatus::Finished,
        _ => status(text),
    }
}

/// The backfill methods that TiDB v6.5 to v8.4 append to a job type.
const METHODS: [&str; 3] = ["/* ingest */", "/* txn-merge */", "/* txn */"];

/// Splits `add index /* ingest */` into the job type and its method.
fn split_method(job_type: &str) -> (String, Option<&'static str>) {
    let mut action = job_type.replace("/* subjob */", "");
    let mut method = None;
    for m in METHODS {
        if action.contains(m) {
            action = action.replace(m, "");
            method = Some(m.trim_start_matches("/* ").trim_end_matches(" */"));
        }
    }
    (action.trim().to_string(), method)
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
        let state = field(row, "state").unwrap_or("");
        let state = if is_sub {
            sub_job_status(state)
        } else {
            status(state)
        };
        let mut job = Job::new(job_id, JobKind::Ddl, target, state);
        job.parent = parent;
        let (action, method) = split_method(job_type);
        job.action = Some(action).filter(|a| !a.is_empty());
        job.phase = field(row, "schema_state").map(str::to_string);
        job.done = field(row, "row_count").and_then(|v| v.parse().ok());
        job.message = field(row, "comments")
            .map(str::to_string)
            .or(method.map(str::to_string));
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

    /// The documented example: 12 columns, no COMMENTS (see the fixture's header).
    const DOCUMENTED: &str = include_str!("fixtures/admin_show_ddl_jobs_12_columns.txt");

    #[test]
    fn reads_the_documented_12_column_layout() {
        let jobs = parse(&crate::jobs::fixture::rows(DOCUMENTED));
        assert_eq!(jobs.len(), 12);
        // "Job 59 is currently in progress (STATE of running) ... write reorganization".
        let running = &jobs[0];
        assert_eq!(
            (running.id.as_str(), running.target.as_str()),
            ("59", "test.t1")
        );
        assert_eq!(running.status, JobStatus::Running);
        assert_eq!(running.phase.as_deref(), Some("write reorganization"));
        assert_eq!(running.done, Some(88576));
        assert_eq!(running.ended, None, "END_TIME is NULL");
        assert_eq!(running.message, None, "no COMMENTS column before v8.5");
        // "Job 60 ... is currently queued"; STATE none: "has not started yet".
        assert_eq!(jobs[1].status, JobStatus::Pending);
        assert!(jobs[2..].iter().all(|j| j.status == JobStatus::Finished));
        assert_eq!(jobs[11].target, "mysql.opt_rule_blacklist");
    }

    #[test]
    fn states_follow_the_documented_list() {
        // sql-statement-admin-show-ddl.md: "done: ... executed on the owner
        // node, but other TiDB instances have not yet synchronized";
        // "synced: ... all TiDB instances have been synchronized".
        assert_eq!(status("done"), JobStatus::Running);
        assert_eq!(status("synced"), JobStatus::Finished);
        // "paused: ... use ADMIN RESUME DDL JOBS to resume": not final, but
        // nothing will change without an operator.
        assert_eq!(status("paused"), JobStatus::Paused);
        assert!(!JobStatus::Paused.is_final() && JobStatus::Paused.is_at_rest());
        // "rollingback: the operation has failed and is rolling back".
        assert_eq!(status("rollingback"), JobStatus::RollingBack);
        assert!(JobStatus::RollingBack.is_bad() && !JobStatus::RollingBack.is_at_rest());
        assert_eq!(status("rollback done"), JobStatus::Failed);
        assert_eq!(status("cancelling"), JobStatus::Running);
        assert_eq!(status("cancelled"), JobStatus::Cancelled);
        assert_eq!(status("queueing"), JobStatus::Pending);
        assert_eq!(sub_job_status("done"), JobStatus::Finished);
    }

    #[test]
    fn the_backfill_method_is_split_off_the_job_type() {
        // The job types the page lists for v6.5 to v8.4 ADD INDEX.
        assert_eq!(
            split_method("add index /* txn-merge */"),
            ("add index".to_string(), Some("txn-merge"))
        );
        assert_eq!(
            split_method("add index /* ingest */"),
            ("add index".to_string(), Some("ingest"))
        );
        assert_eq!(
            split_method("add index /* txn */"),
            ("add index".to_string(), Some("txn"))
        );
        assert_eq!(
            split_method("add column /* subjob */"),
            ("add column".to_string(), None)
        );
    }
}
