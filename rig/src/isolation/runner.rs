//! The interleaving runner: three dedicated sessions and a control
//! connection. Steps are dispatched in script order; a statement that waits
//! for a lock (seen in the server's lock-wait view, or, without one, still
//! running after a set time) is left pending while the script goes on.
//! After every step the runner lets released statements finish before the
//! next step, so outcomes do not race. A statement still blocked when its
//! session's next step comes is cancelled from the control connection
//! (`KILL QUERY`), its transaction rolled back and its later statements
//! skipped; errors that abort a whole transaction (1213 deadlock, 1020
//! record changed) are treated the same way.

use crate::error::StateError;
use crate::flavor::{Flavor, ServerInfo};
use crate::isolation::evidence::{Evidence, StepKind, StepRecord};
use crate::isolation::lockwait;
use crate::isolation::script::{Op, ScriptStep};
use crate::isolation::Level;
use crate::session::Session;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// How the runner tells that a statement waits for a lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detection {
    /// The server's lock-wait view, polled every millisecond or so.
    LockViews,
    /// No view: a statement still running after this long counts as blocked.
    Timeout(Duration),
}

/// A statement still running (or waiting) after this long counts as
/// blocked even with lock views: it waits on something the views do not
/// show (a metadata lock), and nothing later in the script can be held up
/// by it forever.
const LONGEST_UNSEEN_WAIT: Duration = Duration::from_secs(2);

/// Errors after which the server has rolled back the whole transaction.
const ABORTS_TRANSACTION: &[u16] = &[1213, 1020, 9007, 8002];

enum Output {
    Rows(Vec<(i64, i64)>),
    Affected(u64),
}

type Running = JoinHandle<(Session, Result<Output, StateError>)>;

enum Slot {
    Ready(Session),
    Running(Running, usize),
    Lost,
}

/// The sessions of one run, reused cell after cell.
pub(crate) struct Runner {
    slots: Vec<Slot>,
    ids: Vec<u32>,
    aborted: Vec<bool>,
    control: Session,
    table: String,
    detection: Detection,
    flavor: Flavor,
}

fn is_read(sql: &str) -> bool {
    sql.trim_start().to_ascii_lowercase().starts_with("select")
}

async fn run_statement(mut session: Session, sql: String) -> (Session, Result<Output, StateError>) {
    let result = if is_read(&sql) {
        session.query::<(i64, i64)>(&sql).await.map(Output::Rows)
    } else {
        session.execute(&sql).await.map(Output::Affected)
    };
    (session, result)
}

impl Runner {
    /// Opens three sessions and a control connection, and creates the table.
    pub(crate) async fn open(
        config: &crate::config::ConnectionConfig,
        server: &ServerInfo,
        table: String,
        detection: Detection,
    ) -> Result<Runner, StateError> {
        let mut control = Session::connect(config).await?;
        control
            .execute(&format!(
                "CREATE TABLE {table} (id INT PRIMARY KEY, value INT) ENGINE=InnoDB"
            ))
            .await?;
        let mut slots = Vec::new();
        let mut ids = Vec::new();
        for _ in 0..3 {
            let mut session = Session::connect(config).await?;
            // A safety net only: blocked statements are detected and cancelled long before.
            if server.flavor != Flavor::TiDB {
                session
                    .execute("SET SESSION innodb_lock_wait_timeout = 10")
                    .await?;
            }
            ids.push(session.connection_id().unwrap_or_default());
            slots.push(Slot::Ready(session));
        }
        Ok(Runner {
            slots,
            ids,
            aborted: vec![false; 3],
            control,
            table,
            detection,
            flavor: server.flavor,
        })
    }

    /// Closes the three sessions, then drops the table. Called after the
    /// last cell, also after a failure or a cancel: closing first ends any
    /// transaction still open on the table, which would otherwise hold the
    /// metadata lock that `DROP TABLE` waits for.
    pub(crate) async fn close(mut self) -> Result<(), StateError> {
        for slot in std::mem::take(&mut self.slots) {
            match slot {
                // A failed polite close still closes the connection.
                Slot::Ready(session) => drop(session.close().await),
                Slot::Running(handle, _) => handle.abort(),
                Slot::Lost => {}
            }
        }
        self.control
            .execute(&format!("DROP TABLE IF EXISTS {}", self.table))
            .await
            .map(|_| ())
    }

    /// Runs `sql` on every session (e.g. a session variable).
    pub(crate) async fn on_each_session(&mut self, sql: &str) -> Result<(), StateError> {
        for slot in &mut self.slots {
            if let Slot::Ready(session) = slot {
                session.execute(sql).await?;
            }
        }
        Ok(())
    }

    fn ready(&mut self, s: usize) -> Result<&mut Session, StateError> {
        match &mut self.slots[s] {
            Slot::Ready(session) => Ok(session),
            _ => Err(StateError::NoSession("the session is busy or was lost")),
        }
    }

    /// Runs one cell: resets the table, sets the level, follows the script.
    pub(crate) async fn run(
        &mut self,
        steps: &[ScriptStep],
        level: Level,
    ) -> Result<Evidence, StateError> {
        let t = self.table.clone();
        self.control.execute(&format!("DELETE FROM {t}")).await?;
        self.control
            .execute(&format!("INSERT INTO {t} VALUES (1, 10), (2, 20)"))
            .await?;
        self.on_each_session(&format!(
            "SET SESSION TRANSACTION ISOLATION LEVEL {}",
            level.sql()
        ))
        .await?;
        self.aborted = vec![false; 3];
        let mut evidence = Evidence::default();
        let result = self.follow(steps, &mut evidence).await;
        // Whatever happened, leave every session idle for the next cell.
        for s in 0..3 {
            if matches!(self.slots[s], Slot::Running(..)) {
                self.cancel(s, &mut evidence).await?;
            }
            if let Slot::Ready(session) = &mut self.slots[s] {
                session.execute("ROLLBACK").await?;
            }
        }
        result.map(|()| evidence)
    }

    async fn follow(
        &mut self,
        steps: &[ScriptStep],
        evidence: &mut Evidence,
    ) -> Result<(), StateError> {
        for step in steps {
            let s = step.session - 1;
            match &step.op {
                Op::Begin => {
                    self.ready(s)?.execute("BEGIN").await?;
                    self.aborted[s] = false;
                    evidence
                        .steps
                        .push(self.record(s, StepKind::Begin, "BEGIN".into()));
                }
                Op::Exec(sql) => {
                    let shown = sql.replace("{t}", "test");
                    let mut record = self.record(s, StepKind::Exec, shown);
                    if self.aborted[s] {
                        record.skipped = true;
                        evidence.steps.push(record);
                        continue;
                    }
                    let session = match std::mem::replace(&mut self.slots[s], Slot::Lost) {
                        Slot::Ready(session) => session,
                        other => {
                            self.slots[s] = other;
                            return Err(StateError::NoSession(
                                "a statement was issued on a busy session",
                            ));
                        }
                    };
                    evidence.steps.push(record);
                    let index = evidence.steps.len() - 1;
                    let handle =
                        tokio::spawn(run_statement(session, sql.replace("{t}", &self.table)));
                    self.slots[s] = Slot::Running(handle, index);
                }
                Op::Collect => {
                    self.settle(&[s], evidence).await?;
                    if matches!(self.slots[s], Slot::Running(..)) {
                        self.cancel(s, evidence).await?;
                    }
                }
                Op::Commit | Op::Rollback => {
                    let kind = if step.op == Op::Commit {
                        StepKind::Commit
                    } else {
                        StepKind::Rollback
                    };
                    let mut record = self.record(
                        s,
                        kind,
                        if kind == StepKind::Commit {
                            "COMMIT"
                        } else {
                            "ROLLBACK"
                        }
                        .into(),
                    );
                    if self.aborted[s] && kind == StepKind::Commit {
                        // The server already rolled back; ROLLBACK clears the session.
                        record.skipped = true;
                        self.ready(s)?.execute("ROLLBACK").await?;
                    } else if let Err(e) = self.ready(s)?.execute(&record.sql.clone()).await {
                        record.error_code = e.server_code();
                        record.error = Some(e.to_string());
                    }
                    self.aborted[s] = false;
                    evidence.steps.push(record);
                }
            }
            // Every statement in flight, the one just issued included, must
            // finish or be seen waiting before the next step goes out.
            self.settle(&[0, 1, 2], evidence).await?;
        }
        Ok(())
    }

    fn record(&self, s: usize, kind: StepKind, sql: String) -> StepRecord {
        StepRecord {
            session: s + 1,
            kind,
            sql,
            blocked: false,
            cancelled: false,
            skipped: false,
            rows: None,
            affected: None,
            error_code: None,
            error: None,
        }
    }

    /// Connection ids of the sessions that wait for a lock now.
    async fn lock_waiters(&mut self) -> Result<HashSet<u32>, StateError> {
        match self.flavor {
            Flavor::TiDB => {
                let ids: Vec<u64> = self
                    .control
                    .query("SELECT SESSION_ID FROM information_schema.CLUSTER_TIDB_TRX WHERE STATE = 'LockWaiting'")
                    .await?;
                Ok(ids.into_iter().map(|i| i as u32).collect())
            }
            Flavor::MySQL | Flavor::MariaDB => {
                let status: Option<(String, String, String)> = self
                    .control
                    .query_first("SHOW ENGINE INNODB STATUS")
                    .await?;
                Ok(status
                    .map(|(_, _, text)| lockwait::innodb_waiters(&text))
                    .unwrap_or_default())
            }
        }
    }

    /// Waits until each of `sessions` has either finished its statement or
    /// is seen waiting for a lock; collects the finished ones.
    async fn settle(
        &mut self,
        sessions: &[usize],
        evidence: &mut Evidence,
    ) -> Result<(), StateError> {
        let started = Instant::now();
        loop {
            for &s in sessions {
                if matches!(&self.slots[s], Slot::Running(h, _) if h.is_finished()) {
                    self.harvest(s, evidence, false).await?;
                }
            }
            let running: Vec<usize> = sessions
                .iter()
                .copied()
                .filter(|s| matches!(self.slots[*s], Slot::Running(..)))
                .collect();
            if running.is_empty() {
                return Ok(());
            }
            let blocked: Vec<usize> = match self.detection {
                Detection::LockViews if started.elapsed() < LONGEST_UNSEEN_WAIT => {
                    let waiting = self.lock_waiters().await?;
                    running
                        .iter()
                        .copied()
                        .filter(|s| waiting.contains(&self.ids[*s]))
                        .collect()
                }
                Detection::LockViews => running.clone(),
                Detection::Timeout(after) if started.elapsed() >= after => running.clone(),
                Detection::Timeout(_) => Vec::new(),
            };
            for &s in &blocked {
                if let Slot::Running(_, index) = &self.slots[s] {
                    evidence.steps[*index].blocked = true;
                }
            }
            if blocked.len() == running.len() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// Puts the finished statement's session back and fills in its record.
    async fn harvest(
        &mut self,
        s: usize,
        evidence: &mut Evidence,
        cancelled: bool,
    ) -> Result<(), StateError> {
        let Slot::Running(handle, index) = std::mem::replace(&mut self.slots[s], Slot::Lost) else {
            return Ok(());
        };
        let (session, result) = handle
            .await
            .map_err(|e| StateError::step(format!("a statement task ended abnormally: {e}")))?;
        self.slots[s] = Slot::Ready(session);
        let record = &mut evidence.steps[index];
        match result {
            Ok(Output::Rows(mut rows)) => {
                rows.sort_unstable();
                record.rows = Some(rows);
            }
            Ok(Output::Affected(n)) => record.affected = Some(n),
            Err(e) => {
                record.error_code = e.server_code();
                record.error = Some(e.to_string().replace(&self.table, "test"));
                if cancelled {
                    record.cancelled = true;
                    self.aborted[s] = true;
                } else if record
                    .error_code
                    .is_some_and(|c| ABORTS_TRANSACTION.contains(&c))
                {
                    self.aborted[s] = true;
                } else if record.error_code.is_none() {
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Cancels session `s`'s blocked statement and rolls its transaction back.
    async fn cancel(&mut self, s: usize, evidence: &mut Evidence) -> Result<(), StateError> {
        let kill = match self.flavor {
            Flavor::TiDB => format!("KILL TIDB QUERY {}", self.ids[s]),
            _ => format!("KILL QUERY {}", self.ids[s]),
        };
        self.control.execute(&kill).await?;
        self.harvest(s, evidence, true).await?;
        if self.aborted[s] {
            self.ready(s)?.execute("ROLLBACK").await?;
        }
        Ok(())
    }
}
