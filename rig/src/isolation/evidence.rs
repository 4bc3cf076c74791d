//! What a script run left behind: one record per statement, and the
//! helpers the catalogue's rules read it with.

use serde::Serialize;

/// What kind of step a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// `BEGIN`.
    Begin,
    /// A statement.
    Exec,
    /// `COMMIT`.
    Commit,
    /// `ROLLBACK`.
    Rollback,
}

/// One statement as it ran.
#[derive(Debug, Clone, Serialize)]
pub struct StepRecord {
    /// 1 for T1, 2 for T2, 3 for T3.
    pub session: usize,
    /// What kind of step.
    pub kind: StepKind,
    /// The statement, with the run's table shown as `test`.
    pub sql: String,
    /// Whether it waited for a lock at some point.
    pub blocked: bool,
    /// Whether the runner cancelled it (`KILL QUERY`) because it was still
    /// blocked when its session's next step came.
    pub cancelled: bool,
    /// Whether it was not sent because its transaction was already aborted.
    pub skipped: bool,
    /// Rows of a `SELECT`, as `(id, value)`, ordered by id (Hermitage's
    /// `select *` has no `order by`, so the server's order means nothing).
    pub rows: Option<Vec<(i64, i64)>>,
    /// Changed rows of a write.
    pub affected: Option<u64>,
    /// The server's error code, if it failed.
    pub error_code: Option<u16>,
    /// The server's error message, if it failed.
    pub error: Option<String>,
    /// Whether its error is a conflict with a transaction on another node
    /// (an abort that no lock wait preceded, while a session on another
    /// node takes part, and not a deadlock with a session on its own
    /// node): Galera's certification failure, reported as a deadlock
    /// (1213), or TiDB's write conflict.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cross_node_conflict: bool,
    /// For a statement that finished only after later steps went out (it
    /// was blocked): the index in [`Evidence::steps`] of the last step
    /// issued before it finished, i.e. what let it resume.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumed_after: Option<usize>,
}

impl StepRecord {
    /// A record of a step not yet run: nothing blocked, returned or failed.
    pub fn new(session: usize, kind: StepKind, sql: String) -> StepRecord {
        StepRecord {
            session,
            kind,
            sql,
            blocked: false,
            cancelled: false,
            skipped: false,
            rows: None,
            affected: None,
            error_code: None,
            error: None,
            cross_node_conflict: false,
            resumed_after: None,
        }
    }

    /// What it gave: the rows read (`[1 => 10, 2 => 20]`), the rows
    /// changed, or the server's error; `None` for a step that gave nothing
    /// (BEGIN, COMMIT, one not sent).
    pub fn result(&self) -> Option<String> {
        if let (Some(code), Some(e)) = (self.error_code, &self.error) {
            return Some(format!("error {code}: {e}"));
        }
        if let Some(rows) = &self.rows {
            let shown: Vec<String> = rows.iter().map(|(id, v)| format!("{id} => {v}")).collect();
            return Some(format!("[{}]", shown.join(", ")));
        }
        self.affected.map(|n| format!("{n} row(s) changed"))
    }

    fn is_read(&self) -> bool {
        self.sql
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("select")
    }

    fn ran_ok(&self) -> bool {
        !self.skipped && !self.cancelled && self.error_code.is_none()
    }
}

/// Everything a cell's run recorded.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Evidence {
    /// The records, in the order the steps were taken.
    pub steps: Vec<StepRecord>,
}

impl Evidence {
    /// Rows of the session's successful reads, in order.
    pub fn reads(&self, session: usize) -> Vec<&[(i64, i64)]> {
        self.steps
            .iter()
            .filter(|s| {
                s.session == session && s.kind == StepKind::Exec && s.is_read() && s.ran_ok()
            })
            .filter_map(|s| s.rows.as_deref())
            .collect()
    }

    /// Rows of the session's first successful read.
    pub fn first_read(&self, session: usize) -> Option<&[(i64, i64)]> {
        self.reads(session).first().copied()
    }

    /// Rows of the session's last successful read.
    pub fn last_read(&self, session: usize) -> Option<&[(i64, i64)]> {
        self.reads(session).last().copied()
    }

    /// The session's write statements (successful or not), in order.
    pub fn writes(&self, session: usize) -> Vec<&StepRecord> {
        self.steps
            .iter()
            .filter(|s| s.session == session && s.kind == StepKind::Exec && !s.is_read())
            .collect()
    }

    /// Whether the session's transaction committed with every write done.
    pub fn committed(&self, session: usize) -> bool {
        let commit_ok = self
            .steps
            .iter()
            .any(|s| s.session == session && s.kind == StepKind::Commit && s.ran_ok());
        commit_ok && self.writes(session).iter().all(|w| w.ran_ok())
    }

    /// Whether any read of the session saw row `id` with `value`.
    pub fn saw(&self, session: usize, id: i64, value: i64) -> bool {
        self.reads(session)
            .iter()
            .any(|rows| rows.contains(&(id, value)))
    }

    /// One line per step, for explanations.
    pub fn describe(&self) -> Vec<String> {
        self.steps.iter().map(describe_step).collect()
    }
}

fn describe_step(s: &StepRecord) -> String {
    let mut line = format!("T{}: {}", s.session, s.sql);
    if s.blocked {
        line.push_str("  [blocked]");
    }
    if s.cancelled {
        line.push_str("  [cancelled: still blocked when T");
        line.push_str(&s.session.to_string());
        line.push_str(" went on]");
    }
    if s.skipped {
        line.push_str("  [skipped: transaction aborted]");
    }
    if let Some(result) = s.result() {
        line.push_str(&format!("  -> {result}"));
    }
    if s.cross_node_conflict {
        line.push_str("  [a conflict with a transaction on another node, which won: no lock wait between nodes]");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(session: usize, kind: StepKind, sql: &str, error: Option<u16>) -> StepRecord {
        let mut s = StepRecord::new(session, kind, sql.into());
        s.error_code = error;
        s
    }

    /// `--explain` shows each step on one line, as the README shows it.
    #[test]
    fn each_step_is_described_on_one_line() {
        let mut read = step(1, StepKind::Exec, "SELECT * FROM t", None);
        read.rows = Some(vec![(1, 10), (2, 20)]);
        let mut blocked = step(2, StepKind::Exec, "UPDATE t SET v = 11 WHERE id = 1", None);
        blocked.blocked = true;
        blocked.affected = Some(1);
        let mut cancelled = step(3, StepKind::Exec, "DELETE FROM t", None);
        cancelled.cancelled = true;
        let mut skipped = step(2, StepKind::Exec, "SELECT 1", None);
        skipped.skipped = true;
        let mut lost = step(2, StepKind::Commit, "COMMIT", Some(1213));
        lost.error = Some("Deadlock found".into());
        lost.cross_node_conflict = true;
        let evidence = Evidence {
            steps: vec![read, blocked, cancelled, skipped, lost],
        };
        assert_eq!(
            evidence.describe(),
            [
                "T1: SELECT * FROM t  -> [1 => 10, 2 => 20]",
                "T2: UPDATE t SET v = 11 WHERE id = 1  [blocked]  -> 1 row(s) changed",
                "T3: DELETE FROM t  [cancelled: still blocked when T3 went on]",
                "T2: SELECT 1  [skipped: transaction aborted]",
                "T2: COMMIT  -> error 1213: Deadlock found  [a conflict with a transaction on another node, which won: no lock wait between nodes]",
            ]
        );
    }

    /// A session committed when its own COMMIT succeeded and each of its
    /// writes did: another session's COMMIT says nothing about it.
    #[test]
    fn a_commit_counts_for_its_own_session_only() {
        let evidence = Evidence {
            steps: vec![
                step(1, StepKind::Exec, "UPDATE t SET v = 1", None),
                step(2, StepKind::Exec, "UPDATE t SET v = 2", None),
                step(1, StepKind::Commit, "COMMIT", None),
                step(2, StepKind::Commit, "COMMIT", Some(1213)),
            ],
        };
        assert!(evidence.committed(1));
        assert!(!evidence.committed(2));
        // A failed write spoils a successful COMMIT.
        let evidence = Evidence {
            steps: vec![
                step(1, StepKind::Exec, "UPDATE t SET v = 1", Some(1205)),
                step(1, StepKind::Commit, "COMMIT", None),
            ],
        };
        assert!(!evidence.committed(1));
    }
}
