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
//!
//! Under faults: a session whose connection was lost is reopened (with the
//! run's session settings) before the next cell; the table is dropped over
//! a fresh connection when the control connection is gone. On MySQL and
//! MariaDB the control connection holds a user-level lock named after the
//! table for the whole run, so a later run can tell the tables of crashed
//! runs (no holder) from those of runs still going on, and drop only the
//! former.
//!
//! Across nodes (the sessions placed on different endpoints of a
//! cluster): the table and each cell's rows are written on the first
//! endpoint and awaited on the others before the cell begins; each
//! endpoint has a control connection of its own, which reads that node's
//! lock waits and cancels the statements of sessions on that node
//! (connection ids are per node).

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

/// Errors after which the server has rolled back the whole transaction:
/// deadlock, MariaDB's "record has changed" (snapshot isolation), and
/// TiDB's write conflicts and rolled-back commits (9007, 8005, 8002, 8022;
/// docs.pingcap.com/tidb/stable/error-codes).
const ABORTS_TRANSACTION: &[u16] = &[1213, 1020, 9007, 8005, 8002, 8022];

/// Whether the server rolled back the whole transaction with `code`.
fn aborts_transaction(code: u16) -> bool {
    ABORTS_TRANSACTION.contains(&code)
}

/// A lock wait that reached `innodb_lock_wait_timeout` (the statement is
/// rolled back, not the transaction).
const LOCK_WAIT_TIMEOUT: u16 = 1205;

/// "Table doesn't exist": on a lagging node, the run's table not yet created.
const NO_SUCH_TABLE: u16 = 1146;

/// Whether a server error is one of the ways a server keeps an anomaly
/// from happening: it aborts the transaction or gives up a lock wait. Any
/// other error (a table or a right missing, a read-only session, a node
/// outside its cluster) means a statement did not run as the script
/// says, and the cell cannot be judged from what the others saw.
fn prevents(code: u16) -> bool {
    aborts_transaction(code) || code == LOCK_WAIT_TIMEOUT
}

/// A failed step of session `session` (0-based), as the cross-node rule
/// reads it.
#[derive(Debug, Clone, Copy)]
struct Loss {
    session: usize,
    /// Whether the statement was seen waiting for a lock first.
    blocked: bool,
    code: Option<u16>,
    /// A COMMIT (never a deadlock's victim on one node).
    commit: bool,
}

impl Loss {
    fn at_commit(session: usize, code: Option<u16>) -> Self {
        Loss {
            session,
            blocked: false,
            code,
            commit: true,
        }
    }

    fn of_statement(session: usize, blocked: bool, code: Option<u16>) -> Self {
        Loss {
            session,
            blocked,
            code,
            commit: false,
        }
    }
}

/// Whether `loss` was to a transaction on another node, given each
/// session's node and the cell's steps so far: an abort that no lock wait
/// preceded, while a session on another node takes part in the cell.
/// Between nodes nothing waits, and the loser learns at its next statement
/// or its COMMIT. A statement refused by a deadlock on its own node has not
/// waited either (the victim is refused at once), but the other side of
/// that cycle, on the same node, is waiting for a lock then (its statement
/// blocked and not yet answered) or stopped waiting at the last step.
fn lost_to_another_node(node_of: &[usize; 3], loss: Loss, steps: &[StepRecord]) -> bool {
    let node = node_of[loss.session];
    let elsewhere = steps.iter().any(|r| node_of[r.session - 1] != node);
    let last = steps.len().checked_sub(1);
    let neighbour_waits = || {
        steps.iter().any(|r| {
            r.session != loss.session + 1
                && node_of[r.session - 1] == node
                && r.blocked
                && !r.cancelled
                && ((last.is_some() && r.resumed_after == last) || unanswered(r))
        })
    };
    !loss.blocked
        && loss.code.is_some_and(aborts_transaction)
        && elsewhere
        && (loss.commit || !neighbour_waits())
}

/// A statement still in flight: nothing read, changed or refused yet.
fn unanswered(r: &StepRecord) -> bool {
    r.rows.is_none() && r.affected.is_none() && r.error.is_none()
}

/// The error that ends a cell whose statement failed otherwise.
fn not_as_written(record: &StepRecord) -> StateError {
    StateError::step(format!(
        "T{}'s `{}` failed: {}; that is not how a server prevents an anomaly \
         (a deadlock, a write conflict, a lock wait timeout), so the cell did not run as written",
        record.session,
        record.sql,
        record.error.as_deref().unwrap_or_default()
    ))
}

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
    ids: Vec<u64>,
    aborted: Vec<bool>,
    /// Sessions whose connection failed: reopened before the next cell.
    broken: Vec<bool>,
    /// Statements every session runs when it is (re)opened.
    init: Vec<String>,
    /// The first endpoint's control connection: the table, each cell's
    /// rows, the run's lock.
    control: Session,
    config: crate::config::ConnectionConfig,
    /// Where each session connects.
    placement: [crate::config::ConnectionConfig; 3],
    /// Each session's node: an index into `nodes`.
    node_of: [usize; 3],
    /// The control connections of the other endpoints, in order of first
    /// use (node 0 is `control`'s).
    others: Vec<Session>,
    table: String,
    detection: Detection,
    flavor: Flavor,
}

/// The prefix of every run's table; the rest is unique to the run.
pub(crate) const TABLE_PREFIX: &str = "rig_hermitage_";

async fn open_session(
    config: &crate::config::ConnectionConfig,
    flavor: Flavor,
    init: &[String],
) -> Result<(Session, u64), StateError> {
    let mut session = Session::connect(config).await?;
    for sql in init {
        session.execute(sql).await?;
    }
    // On TiDB the session's own CONNECTION_ID(), which the lock views show
    // and KILL takes (the handshake's may be truncated).
    session.know_flavor(flavor).await?;
    let id = session.connection_id().unwrap_or_default();
    Ok((session, id))
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
    /// Opens the control connection, checks that lock waits can be seen,
    /// takes the run's lock, drops tables left by crashed runs (their
    /// number is returned), creates the table and opens three sessions.
    pub(crate) async fn open(
        config: &crate::config::ConnectionConfig,
        placement: [crate::config::ConnectionConfig; 3],
        server: &ServerInfo,
        table: String,
        detection: Detection,
    ) -> Result<(Runner, usize), StateError> {
        let control = Session::connect(config).await?;
        // Node 0 is the run's own server; each other address gets one.
        let mut addresses = vec![config.address()];
        let mut node_of = [0; 3];
        let mut others_at = Vec::new();
        for (s, session_config) in placement.iter().enumerate() {
            let address = session_config.address();
            node_of[s] = match addresses.iter().position(|a| *a == address) {
                Some(n) => n,
                None => {
                    addresses.push(address);
                    others_at.push(session_config.clone());
                    addresses.len() - 1
                }
            };
        }
        let mut others = Vec::new();
        for other in &others_at {
            others.push(Session::connect(other).await?);
        }
        // A safety net only: blocked statements are detected and cancelled
        // long before. TiDB honours it too, for pessimistic lock waits
        // (docs.pingcap.com/tidb/stable/system-variables#innodb_lock_wait_timeout).
        let init = vec!["SET SESSION innodb_lock_wait_timeout = 10".to_string()];
        let mut runner = Runner {
            slots: Vec::new(),
            ids: Vec::new(),
            aborted: vec![false; 3],
            broken: vec![false; 3],
            init,
            control,
            config: config.clone(),
            placement,
            node_of,
            others,
            table,
            detection,
            flavor: server.flavor,
        };
        if detection == Detection::LockViews {
            if let Err(e) = runner.lock_waiters().await {
                return Err(match e.server_code() {
                    Some(1227) => StateError::MissingPrivilege {
                        user: config.user.clone(),
                        privilege: "PROCESS",
                        needed_for: "reading lock waits from the server's lock views",
                        instead: "detecting lock waits by time instead needs no privilege",
                    },
                    _ => e,
                });
            }
        }
        let swept = runner.claim_and_sweep().await?;
        let t = &runner.table;
        runner
            .control
            .execute(&format!(
                "CREATE TABLE {t} (id INT PRIMARY KEY, value INT) ENGINE=InnoDB"
            ))
            .await?;
        for s in 0..3 {
            let at = runner.placement[s].clone();
            match open_session(&at, runner.flavor, &runner.init).await {
                Ok((session, id)) => {
                    runner.ids.push(id);
                    runner.slots.push(Slot::Ready(session));
                }
                Err(e) => {
                    let _ = runner.close().await;
                    return Err(e);
                }
            }
        }
        Ok((runner, swept))
    }

    /// Takes the run's lock (MySQL, MariaDB), then drops every table of
    /// this tool whose lock nobody holds: its run ended without dropping it.
    async fn claim_and_sweep(&mut self) -> Result<usize, StateError> {
        if self.flavor == Flavor::TiDB {
            return Ok(0);
        }
        let t = self.table.clone();
        let got: Option<i64> = self
            .control
            .query_first(&format!("SELECT GET_LOCK('{t}', 0)"))
            .await?;
        if got != Some(1) {
            return Err(StateError::step(format!(
                "could not take the run's lock `{t}`"
            )));
        }
        let pattern = format!("{}%", TABLE_PREFIX.replace('_', "\\_"));
        // One round trip: each candidate with the connection holding its lock.
        let tables: Vec<(String, Option<i64>)> = self
            .control
            .query(&format!(
                "SELECT table_name, IS_USED_LOCK(table_name) FROM information_schema.tables \
                 WHERE table_schema = DATABASE() AND table_name LIKE '{pattern}'"
            ))
            .await?;
        let mut swept = 0;
        for (name, holder) in tables {
            // Only names this tool makes (prefix, digits, `_`): anything else is left alone.
            let ours = name
                .strip_prefix(TABLE_PREFIX)
                .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '_'));
            if ours && holder.is_none() && name != t {
                self.control
                    .execute(&format!("DROP TABLE IF EXISTS {name}"))
                    .await?;
                swept += 1;
            }
        }
        Ok(swept)
    }

    /// Closes the three sessions, then drops the table. Called after the
    /// last cell, also after a failure or a cancel: closing first ends any
    /// transaction still open on the table, which would otherwise hold the
    /// metadata lock that `DROP TABLE` waits for. When the control
    /// connection is gone, a fresh connection drops the table.
    pub(crate) async fn close(mut self) -> Result<(), StateError> {
        for slot in std::mem::take(&mut self.slots) {
            match slot {
                // A failed polite close still closes the connection.
                Slot::Ready(session) => drop(session.close().await),
                Slot::Running(handle, _) => handle.abort(),
                Slot::Lost => {}
            }
        }
        for other in std::mem::take(&mut self.others) {
            drop(other.close().await);
        }
        let drop_sql = format!("DROP TABLE IF EXISTS {}", self.table);
        match self.control.execute(&drop_sql).await {
            Ok(_) => Ok(()),
            Err(first) => {
                let mut fresh = Session::connect(&self.config).await.map_err(|_| first)?;
                let dropped = fresh.execute(&drop_sql).await.map(|_| ());
                let _ = fresh.close().await;
                dropped
            }
        }
    }

    /// Reopens the sessions whose connection was lost, with the run's
    /// session settings, so one killed session fails one cell, not the rest.
    async fn revive(&mut self) -> Result<(), StateError> {
        for s in 0..self.slots.len() {
            if self.broken[s] || matches!(self.slots[s], Slot::Lost) {
                let at = &self.placement[s];
                let (session, id) = open_session(at, self.flavor, &self.init).await?;
                self.slots[s] = Slot::Ready(session);
                self.ids[s] = id;
                self.broken[s] = false;
            }
        }
        Ok(())
    }

    /// Runs `sql` on every session now and on every session reopened later
    /// (a session variable).
    pub(crate) async fn on_each_session(&mut self, sql: &str) -> Result<(), StateError> {
        self.init.push(sql.to_string());
        self.each_session(sql).await
    }

    async fn each_session(&mut self, sql: &str) -> Result<(), StateError> {
        for s in 0..self.slots.len() {
            if let Slot::Ready(session) = &mut self.slots[s] {
                if let Err(e) = session.execute(sql).await {
                    if e.is_connection_lost() {
                        self.broken[s] = true;
                    }
                    return Err(e);
                }
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

    /// Runs one cell: resets the table, sets the level, follows the script,
    /// recording each step in `evidence` as it goes. A cell that fails
    /// keeps what it recorded up to the failure: what ran, and the
    /// statement that failed with its error.
    pub(crate) async fn run(
        &mut self,
        steps: &[ScriptStep],
        level: Level,
        evidence: &mut Evidence,
    ) -> Result<(), StateError> {
        let t = self.table.clone();
        self.revive().await?;
        self.control.execute(&format!("DELETE FROM {t}")).await?;
        self.control
            .execute(&format!("INSERT INTO {t} VALUES (1, 10), (2, 20)"))
            .await?;
        self.await_rows_everywhere().await?;
        let set_level = format!("SET SESSION TRANSACTION ISOLATION LEVEL {}", level.sql());
        if let Err(e) = self.each_session(&set_level).await {
            // A connection killed since the last cell shows only now: reopen and retry once.
            if !e.is_connection_lost() {
                return Err(e);
            }
            self.revive().await?;
            self.each_session(&set_level).await?;
        }
        self.aborted = vec![false; 3];
        let result = self.follow(steps, evidence).await;
        // Whatever happened, leave every session idle for the next cell.
        for s in 0..3 {
            if matches!(self.slots[s], Slot::Running(..)) {
                self.cancel(s, evidence).await?;
            }
            if let Slot::Ready(session) = &mut self.slots[s] {
                if let Err(e) = session.execute("ROLLBACK").await {
                    if !e.is_connection_lost() {
                        return Err(e);
                    }
                    self.broken[s] = true;
                }
            }
        }
        result
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
                        record.cross_node_conflict = lost_to_another_node(
                            &self.node_of,
                            Loss::at_commit(s, record.error_code),
                            &evidence.steps,
                        );
                        if record.error_code.is_some_and(|c| !prevents(c)) {
                            let error = not_as_written(&record);
                            evidence.steps.push(record);
                            return Err(error);
                        }
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
        StepRecord::new(s + 1, kind, sql)
    }

    /// The control connection of node `n`.
    fn control_of(&mut self, n: usize) -> &mut Session {
        match n.checked_sub(1).and_then(|i| self.others.get_mut(i)) {
            Some(other) => other,
            None => &mut self.control,
        }
    }

    /// The sessions that wait for a lock now, as (node, connection id):
    /// each node is asked about its own.
    async fn lock_waiters(&mut self) -> Result<HashSet<(usize, u64)>, StateError> {
        let mut waiting = HashSet::new();
        for n in 0..=self.others.len() {
            let flavor = self.flavor;
            let control = self.control_of(n);
            let ids = match flavor {
                Flavor::TiDB => control.query::<u64>(lockwait::TIDB_WAITERS).await?,
                Flavor::MySQL | Flavor::MariaDB => {
                    let status: Option<(String, String, String)> =
                        control.query_first("SHOW ENGINE INNODB STATUS").await?;
                    status
                        .map(|(_, _, text)| lockwait::innodb_waiters(&text))
                        .unwrap_or_default()
                        .into_iter()
                        .collect()
                }
            };
            waiting.extend(ids.into_iter().map(|id| (n, id)));
        }
        Ok(waiting)
    }

    /// Waits until every other node holds this cell's rows: written on
    /// the first node, they reach the others a moment later (Galera
    /// applies them asynchronously), and a session there must not begin
    /// before. A node that lags (its applier paused) may not even hold the
    /// table yet. Gives up after 30 s.
    async fn await_rows_everywhere(&mut self) -> Result<(), StateError> {
        let sql = format!("SELECT id, value FROM {} ORDER BY id", self.table);
        let deadline = Instant::now() + Duration::from_secs(30);
        for n in 1..=self.others.len() {
            loop {
                let rows: Vec<(i64, i64)> = match self.control_of(n).query(&sql).await {
                    Err(e) if e.server_code() == Some(NO_SUCH_TABLE) => Vec::new(),
                    read => read?,
                };
                if rows == [(1, 10), (2, 20)] {
                    break;
                }
                if Instant::now() >= deadline {
                    return Err(StateError::step(format!(
                        "node {} still does not hold the cell's rows 30 s after they were written: {rows:?}",
                        n + 1
                    )));
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        Ok(())
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
                        .filter(|s| waiting.contains(&(self.node_of[*s], self.ids[*s])))
                        .collect()
                }
                Detection::LockViews => running.clone(),
                Detection::Timeout(after) if started.elapsed() >= after => running.clone(),
                // A statement judged blocked at an earlier step is still
                // blocked: only newly issued ones pay the wait.
                Detection::Timeout(_) => running
                    .iter()
                    .copied()
                    .filter(|s| {
                        matches!(&self.slots[*s], Slot::Running(_, i) if evidence.steps[*i].blocked)
                    })
                    .collect(),
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
        let last = evidence.steps.len() - 1;
        let blocked = evidence.steps[index].blocked;
        let conflict = result.as_ref().err().is_some_and(|e| {
            lost_to_another_node(
                &self.node_of,
                Loss::of_statement(s, blocked, e.server_code()),
                &evidence.steps,
            )
        });
        let record = &mut evidence.steps[index];
        if index < last {
            record.resumed_after = Some(last);
        }
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
                } else if record.error_code.is_some_and(aborts_transaction) {
                    self.aborted[s] = true;
                    record.cross_node_conflict = conflict;
                } else if record.error_code.is_none() || e.is_connection_lost() {
                    self.broken[s] = true;
                    return Err(e);
                } else if record.error_code.is_some_and(|c| !prevents(c)) {
                    return Err(not_as_written(record));
                }
            }
        }
        Ok(())
    }

    /// Cancels session `s`'s blocked statement and rolls its transaction back.
    async fn cancel(&mut self, s: usize, evidence: &mut Evidence) -> Result<(), StateError> {
        let (flavor, id, node) = (Some(self.flavor), self.ids[s], self.node_of[s]);
        let control = self.control_of(node);
        crate::session::abandoned::kill_query(
            control,
            flavor,
            id,
            crate::session::abandoned::Kill::Query,
        )
        .await?;
        self.harvest(s, evidence, true).await?;
        if self.aborted[s] {
            self.ready(s)?.execute("ROLLBACK").await?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "runner_tests.rs"]
mod tests;
