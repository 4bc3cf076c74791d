//! Long-running statements on MySQL and MariaDB, from the processlist.
//! MariaDB reports `STAGE`, `MAX_STAGE` and `PROGRESS` (ALTER TABLE, LOAD
//! DATA, CREATE INDEX) and `TIME_MS`; MySQL only `TIME` in seconds.

use crate::flavor::Flavor;
use crate::jobs::model::{field, Job, JobKind, JobStatus, RowMap};

/// The query for this flavor: statements of other connections.
pub fn query(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::MariaDB => {
            "SELECT ID, USER, DB, TIME_MS, STATE, INFO, STAGE, MAX_STAGE, PROGRESS \
             FROM information_schema.PROCESSLIST \
             WHERE COMMAND = 'Query' AND ID <> CONNECTION_ID() AND INFO IS NOT NULL"
        }
        Flavor::MySQL | Flavor::TiDB => {
            "SELECT ID, USER, DB, TIME * 1000 AS TIME_MS, STATE, INFO \
             FROM information_schema.PROCESSLIST \
             WHERE COMMAND = 'Query' AND ID <> CONNECTION_ID() AND INFO IS NOT NULL"
        }
    }
}

fn short(sql: &str) -> String {
    let one_line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 80 {
        one_line.chars().take(79).collect::<String>() + "…"
    } else {
        one_line
    }
}

/// Parses processlist rows into running statement jobs (`conn-ID`),
/// keeping those that have run at least `min_ms` milliseconds.
pub fn parse(rows: &[RowMap], min_ms: f64) -> Vec<Job> {
    split(rows, min_ms).0
}

/// [`parse`], and the ids (`conn-ID`) of the statements left out for being
/// younger than `min_ms`: a watch keeps looking until they are old enough
/// to be jobs or have ended.
pub fn split(rows: &[RowMap], min_ms: f64) -> (Vec<Job>, Vec<String>) {
    let mut young = Vec::new();
    let jobs = rows
        .iter()
        .filter_map(|row| {
            let id = field(row, "id")?;
            let info = field(row, "info")?;
            let ms: f64 = field(row, "time_ms")
                .and_then(|t| t.parse().ok())
                .unwrap_or(0.0);
            if ms < min_ms {
                young.push(format!("conn-{id}"));
                return None;
            }
            let mut job = Job::new(
                format!("conn-{id}"),
                JobKind::Statement,
                short(info),
                JobStatus::Running,
            );
            let max_stage: u32 = field(row, "max_stage")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let stage: u32 = field(row, "stage")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            job.phase = if max_stage > 0 {
                Some(format!("stage {stage} of {max_stage}"))
            } else {
                field(row, "state").map(str::to_string)
            };
            job.percent = (max_stage > 0)
                .then(|| field(row, "progress").and_then(|p| p.parse().ok()))
                .flatten();
            Some(job)
        })
        .collect();
    (jobs, young)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::model::test_row as row;

    #[test]
    fn mariadb_progress_and_plain_statements() {
        let rows = [
            row(&[
                ("ID", Some("42")),
                ("TIME_MS", Some("2500.3")),
                ("STATE", Some("copy to tmp table")),
                ("INFO", Some("ALTER TABLE t\n  FORCE")),
                ("STAGE", Some("1")),
                ("MAX_STAGE", Some("2")),
                ("PROGRESS", Some("56.928")),
            ]),
            row(&[
                ("ID", Some("43")),
                ("TIME_MS", Some("1500")),
                ("STATE", Some("User sleep")),
                ("INFO", Some("SELECT SLEEP(10)")),
                ("STAGE", Some("0")),
                ("MAX_STAGE", Some("0")),
                ("PROGRESS", Some("0.000")),
            ]),
            row(&[
                ("ID", Some("44")),
                ("TIME_MS", Some("3")),
                ("INFO", Some("SELECT 1")),
            ]),
            row(&[
                ("ID", Some("45")),
                ("TIME_MS", Some("9000")),
                ("INFO", None),
            ]),
        ];
        let jobs = parse(&rows, 1000.0);
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs[0].id, "conn-42");
        assert_eq!(jobs[0].target, "ALTER TABLE t FORCE");
        assert_eq!(jobs[0].phase.as_deref(), Some("stage 1 of 2"));
        assert_eq!(jobs[0].percent, Some(56.928));
        assert_eq!(jobs[1].phase.as_deref(), Some("User sleep"));
        assert_eq!(jobs[1].percent, None, "no stages: no progress");
    }

    /// `--min-time`: a statement that has run exactly that long is shown.
    #[test]
    fn statements_younger_than_min_time_are_left_out() {
        let at = |ms: &str| {
            row(&[
                ("ID", Some("7")),
                ("TIME_MS", Some(ms)),
                ("INFO", Some("SELECT 1")),
            ])
        };
        let ids = |rows: &[RowMap]| -> Vec<String> {
            parse(rows, 1000.0).into_iter().map(|j| j.id).collect()
        };
        assert_eq!(ids(&[at("999.9")]), Vec::<String>::new());
        assert_eq!(ids(&[at("1000.0")]), ["conn-7"]);
        assert_eq!(ids(&[at("2500")]), ["conn-7"]);
        // The young ones are named, for a watch to keep looking at.
        let (jobs, young) = split(&[at("999.9")], 1000.0);
        assert!(jobs.is_empty());
        assert_eq!(young, ["conn-7"]);
        assert!(split(&[at("1000")], 1000.0).1.is_empty());
    }

    /// A statement is shown on one line of at most 80 characters.
    #[test]
    fn long_statements_are_shortened_to_one_line_of_80() {
        assert_eq!(short("SELECT\n  1,\t2"), "SELECT 1, 2");
        let eighty = "x".repeat(80);
        assert_eq!(short(&eighty), eighty, "80 fit");
        let long = short(&"y".repeat(81));
        assert_eq!(long.chars().count(), 80);
        assert!(long.ends_with("y…"));
    }

    /// The query reads what the parser needs, other connections only.
    #[test]
    fn the_query_asks_for_the_columns_the_parser_reads() {
        for flavor in [Flavor::MariaDB, Flavor::MySQL, Flavor::TiDB] {
            let sql = query(flavor);
            for column in ["ID", "TIME_MS", "STATE", "INFO", "ID <> CONNECTION_ID()"] {
                assert!(sql.contains(column), "{flavor}: {column}");
            }
        }
        assert!(query(Flavor::MariaDB).contains("STAGE, MAX_STAGE, PROGRESS"));
    }
}
