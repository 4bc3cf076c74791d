//! The typestate script builder for interleaved transactions. A session
//! handle is `Tx<Idle>` or `Tx<InTxn>`; `commit`/`rollback` exist only in a
//! transaction, `begin` only outside one. Every statement returns a
//! `Pending` handle that has no statement methods: the script must say
//! (`.done()`) where the statement's result is collected before the same
//! session issues anything else, because whether it blocks is only known
//! when it runs. Building a script records its steps in order.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::Rc;

/// What one step of a script does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `BEGIN`.
    Begin,
    /// A statement; `{t}` stands for the run's table.
    Exec(String),
    /// Wait for the session's pending statement.
    Collect,
    /// `COMMIT`.
    Commit,
    /// `ROLLBACK`.
    Rollback,
}

/// One step: which session (1, 2 or 3) does what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptStep {
    /// The session, 1-based as in T1, T2, T3.
    pub session: usize,
    /// The operation.
    pub op: Op,
}

type Steps = Rc<RefCell<Vec<ScriptStep>>>;

mod sealed {
    pub trait Sealed {}
}

/// Whether a session is in a transaction.
pub trait TxState: sealed::Sealed {}

/// Not in a transaction (statements autocommit).
#[derive(Debug)]
pub struct Idle;
/// In a transaction.
#[derive(Debug)]
pub struct InTxn;

impl sealed::Sealed for Idle {}
impl sealed::Sealed for InTxn {}
impl TxState for Idle {}
impl TxState for InTxn {}

/// A session of the script, in state `S`.
#[must_use = "a session handle does nothing until a step is taken on it"]
#[derive(Debug)]
pub struct Tx<S: TxState> {
    session: usize,
    steps: Steps,
    state: PhantomData<S>,
}

/// A session whose last statement may still be running (or blocked): the
/// only thing to do with it is to collect the result with [`Pending::done`].
#[must_use = "a pending statement must be collected with .done() before its session goes on"]
#[derive(Debug)]
pub struct Pending<S: TxState> {
    tx: Tx<S>,
}

impl<S: TxState> Tx<S> {
    fn push(&self, op: Op) {
        self.steps.borrow_mut().push(ScriptStep {
            session: self.session,
            op,
        });
    }

    fn into_state<T: TxState>(self) -> Tx<T> {
        Tx {
            session: self.session,
            steps: self.steps,
            state: PhantomData,
        }
    }

    /// Issues a statement; the script goes on with other sessions while it
    /// runs or waits for a lock.
    pub fn exec(self, sql: &str) -> Pending<S> {
        self.push(Op::Exec(sql.to_string()));
        Pending { tx: self }
    }
}

impl Tx<Idle> {
    /// `BEGIN`.
    pub fn begin(self) -> Tx<InTxn> {
        self.push(Op::Begin);
        self.into_state()
    }
}

impl Tx<InTxn> {
    /// `COMMIT` (sent as `ROLLBACK` when the server already aborted the transaction).
    pub fn commit(self) -> Tx<Idle> {
        self.push(Op::Commit);
        self.into_state()
    }

    /// `ROLLBACK`.
    pub fn rollback(self) -> Tx<Idle> {
        self.push(Op::Rollback);
        self.into_state()
    }
}

impl<S: TxState> Pending<S> {
    /// Collects the statement's result: waits for it, and if it is still
    /// blocked (nothing later in the script can release it), cancels it.
    pub fn done(self) -> Tx<S> {
        self.tx.push(Op::Collect);
        self.tx
    }
}

/// A script under construction.
#[derive(Debug, Default)]
pub struct Script {
    steps: Steps,
}

impl Script {
    /// An empty script.
    pub fn new() -> Self {
        Self::default()
    }

    fn tx(&self, session: usize) -> Tx<Idle> {
        Tx {
            session,
            steps: self.steps.clone(),
            state: PhantomData,
        }
    }

    /// Handles for T1 and T2.
    pub fn two(&self) -> (Tx<Idle>, Tx<Idle>) {
        (self.tx(1), self.tx(2))
    }

    /// Handles for T1, T2 and T3.
    pub fn three(&self) -> (Tx<Idle>, Tx<Idle>, Tx<Idle>) {
        (self.tx(1), self.tx(2), self.tx(3))
    }

    /// The recorded steps.
    pub fn steps(&self) -> Vec<ScriptStep> {
        self.steps.borrow().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_steps_in_script_order() {
        let script = Script::new();
        let (t1, t2) = script.two();
        let t1 = t1.begin();
        let t2 = t2.begin().exec("update");
        let t1 = t1.exec("select").done().commit();
        let _ = t2.done().rollback();
        let _ = t1;
        let ops: Vec<(usize, Op)> = script
            .steps()
            .into_iter()
            .map(|s| (s.session, s.op))
            .collect();
        assert_eq!(
            ops,
            [
                (1, Op::Begin),
                (2, Op::Begin),
                (2, Op::Exec("update".into())),
                (1, Op::Exec("select".into())),
                (1, Op::Collect),
                (1, Op::Commit),
                (2, Op::Collect),
                (2, Op::Rollback),
            ]
        );
    }
}
