//! What a job is, whatever its source: id, target, phase, status and
//! progress; and result rows read by column name, never by position.

use serde::Serialize;
use std::collections::BTreeMap;

/// A row as column name (lower case) to text, `None` for NULL.
pub type RowMap = BTreeMap<String, Option<String>>;

/// A [`RowMap`] from (column, value) pairs, for parser tests.
#[cfg(test)]
pub(crate) fn test_row(pairs: &[(&str, Option<&str>)]) -> RowMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.map(str::to_string)))
        .collect()
}

/// Turns a driver row into a [`RowMap`].
pub fn row_map(row: &mysql_async::Row) -> RowMap {
    use mysql_async::Value;
    row.columns_ref()
        .iter()
        .enumerate()
        .map(|(i, col)| {
            let text = match row.as_ref(i) {
                None | Some(Value::NULL) => None,
                Some(Value::Bytes(b)) => Some(String::from_utf8_lossy(b).into_owned()),
                Some(Value::Int(n)) => Some(n.to_string()),
                Some(Value::UInt(n)) => Some(n.to_string()),
                Some(Value::Float(f)) => Some(f.to_string()),
                Some(Value::Double(f)) => Some(f.to_string()),
                Some(v @ (Value::Date(..) | Value::Time(..))) => {
                    Some(v.as_sql(true).trim_matches('\'').to_string())
                }
            };
            (col.name_str().to_ascii_lowercase(), text)
        })
        .collect()
}

/// Text of `key` in `row`, NULL and empty both read as absent.
pub(crate) fn field<'a>(row: &'a RowMap, key: &str) -> Option<&'a str> {
    row.get(key)
        .and_then(|v| v.as_deref())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// A job's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Waiting to start.
    Pending,
    /// Running.
    Running,
    /// Paused by an operator (TiDB's `ADMIN PAUSE DDL JOBS`): it goes on
    /// only when resumed, so waiting for it to end would wait forever.
    Paused,
    /// Failed and undoing what it did (TiDB's `rollingback`); it will end
    /// failed.
    #[serde(rename = "rolling_back")]
    RollingBack,
    /// Finished successfully.
    Finished,
    /// Failed.
    Failed,
    /// Cancelled.
    Cancelled,
    /// A status this version does not know, kept verbatim.
    Other(String),
}

impl JobStatus {
    /// Whether the job will not change any more.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            JobStatus::Finished | JobStatus::Failed | JobStatus::Cancelled
        )
    }

    /// Whether waiting will not change it: final, or paused until an
    /// operator resumes it.
    pub fn is_at_rest(&self) -> bool {
        self.is_final() || *self == JobStatus::Paused
    }

    /// Whether it ended, or is ending, without succeeding (failed,
    /// cancelled, rolling back) or is paused: what a monitor reports as bad.
    pub fn is_bad(&self) -> bool {
        matches!(
            self,
            JobStatus::Failed | JobStatus::Cancelled | JobStatus::RollingBack | JobStatus::Paused
        )
    }

    /// The status as a word.
    pub fn as_str(&self) -> &str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Running => "running",
            JobStatus::Paused => "paused",
            JobStatus::RollingBack => "rolling back",
            JobStatus::Finished => "finished",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
            JobStatus::Other(s) => s,
        }
    }
}

impl std::fmt::Display for JobStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    /// TiDB `IMPORT INTO`.
    Import,
    /// TiDB DDL job.
    Ddl,
    /// A long-running statement from the processlist.
    Statement,
}

/// One job as last seen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    /// Its id (import or DDL job id; `conn-N` for a statement).
    pub id: String,
    /// Import, DDL or statement.
    pub kind: JobKind,
    /// The id of the job this one is a part of (DDL sub-jobs).
    pub parent: Option<String>,
    /// What it works on: table, or the statement.
    pub target: String,
    /// What it does (DDL job type), if known.
    pub action: Option<String>,
    /// Its phase or stage, if the source reports one.
    pub phase: Option<String>,
    /// Its status.
    pub status: JobStatus,
    /// Percent done, if known.
    pub percent: Option<f64>,
    /// Rows or bytes done, as the source counts them.
    pub done: Option<u64>,
    /// Rows or bytes in all, if known.
    pub total: Option<u64>,
    /// Speed as the source writes it.
    pub speed: Option<String>,
    /// Time left as the source writes it.
    pub eta: Option<String>,
    /// The source's message (errors, results).
    pub message: Option<String>,
    /// When it started, as the source writes it.
    pub started: Option<String>,
    /// When it ended, as the source writes it.
    pub ended: Option<String>,
}

impl Job {
    pub(crate) fn new(id: String, kind: JobKind, target: String, status: JobStatus) -> Self {
        Job {
            id,
            kind,
            parent: None,
            target,
            action: None,
            phase: None,
            status,
            percent: None,
            done: None,
            total: None,
            speed: None,
            eta: None,
            message: None,
            started: None,
            ended: None,
        }
    }

    /// One line for a person: `12 test.t import running, phase import, 45.0%`.
    pub fn line(&self) -> String {
        let mut s = format!("{} {} {}", self.id, self.target, self.status);
        if let Some(a) = &self.action {
            s.push_str(&format!(" ({a})"));
        }
        if let Some(p) = &self.phase {
            s.push_str(&format!(", phase {p}"));
        }
        if let Some(p) = self.percent {
            s.push_str(&format!(", {p:.1}%"));
        }
        if let (Some(d), Some(t)) = (self.done, self.total) {
            s.push_str(&format!(" ({d} of {t})"));
        } else if let Some(d) = self.done {
            s.push_str(&format!(" ({d} done)"));
        }
        if let Some(v) = &self.speed {
            s.push_str(&format!(", {v}"));
        }
        if let Some(e) = &self.eta {
            s.push_str(&format!(", ETA {e}"));
        }
        if let Some(m) = &self.message {
            s.push_str(&format!(": {m}"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a monitor relies on: which statuses end a job, which only end
    /// the wait for it, and which are bad news.
    #[test]
    fn statuses_say_whether_a_job_is_over() {
        use JobStatus::*;
        let all = [
            Pending,
            Running,
            Paused,
            RollingBack,
            Finished,
            Failed,
            Cancelled,
            Other("x".into()),
        ];
        let finals: Vec<&JobStatus> = all.iter().filter(|s| s.is_final()).collect();
        assert_eq!(finals, [&Finished, &Failed, &Cancelled]);
        let at_rest: Vec<&JobStatus> = all.iter().filter(|s| s.is_at_rest()).collect();
        assert_eq!(at_rest, [&Paused, &Finished, &Failed, &Cancelled]);
        let bad: Vec<&JobStatus> = all.iter().filter(|s| s.is_bad()).collect();
        assert_eq!(bad, [&Paused, &RollingBack, &Failed, &Cancelled]);
        let words: Vec<&str> = all.iter().map(JobStatus::as_str).collect();
        let shown: Vec<String> = all.iter().map(JobStatus::to_string).collect();
        assert_eq!(shown, words, "Display is the word");
        assert_eq!(
            words,
            [
                "pending",
                "running",
                "paused",
                "rolling back",
                "finished",
                "failed",
                "cancelled",
                "x"
            ]
        );
    }
}
