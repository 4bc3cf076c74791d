//! The typestate script builder for interleaved transactions. A session
//! handle is `Tx<Idle>` or `Tx<InTxn>`; `commit`/`rollback` exist only in a
//! transaction, `begin` only outside one. Every statement returns a
//! `Pending` handle that has no statement methods: the script must say
//! (`.done()`) where the statement's result is collected before the same
//! session issues anything else, because whether it blocks is only known
//! when it runs.
//!
//! A script is written as a closure that receives one handle per session
//! ([`Script::two`], [`Script::three`]). Handles are neither `Clone` nor
//! `Copy`, nothing else creates them, and their lifetime is branded to the
//! closure's call, so a second handle to one session cannot be obtained and
//! no handle can leave the closure to add steps later.
//!
//! What the types cannot prevent without linear types: a `Pending`
//! statement or an open transaction that is simply dropped. Both are
//! `#[must_use]` warnings, and the runner cancels what is still running
//! and rolls back what is still open when the script ends.

use std::cell::RefCell;
use std::marker::PhantomData;

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

/// An invariant lifetime: `'s` can be neither shortened nor lengthened, so
/// a handle branded with one script's `'s` cannot outlive that script.
type Brand<'s> = PhantomData<fn(&'s ()) -> &'s ()>;

/// A session of the script, in state `S`.
#[must_use = "a session handle does nothing until a step is taken on it"]
#[derive(Debug)]
pub struct Tx<'s, S: TxState> {
    session: usize,
    steps: &'s RefCell<Vec<ScriptStep>>,
    state: PhantomData<S>,
    brand: Brand<'s>,
}

/// A session whose last statement may still be running (or blocked): the
/// only thing to do with it is to collect the result with [`Pending::done`].
#[must_use = "a pending statement must be collected with .done() before its session goes on"]
#[derive(Debug)]
pub struct Pending<'s, S: TxState> {
    tx: Tx<'s, S>,
}

impl<'s, S: TxState> Tx<'s, S> {
    fn push(&self, op: Op) {
        self.steps.borrow_mut().push(ScriptStep {
            session: self.session,
            op,
        });
    }

    fn into_state<T: TxState>(self) -> Tx<'s, T> {
        Tx {
            session: self.session,
            steps: self.steps,
            state: PhantomData,
            brand: PhantomData,
        }
    }

    /// Issues a statement; the script goes on with other sessions while it
    /// runs or waits for a lock.
    pub fn exec(self, sql: &str) -> Pending<'s, S> {
        self.push(Op::Exec(sql.to_string()));
        Pending { tx: self }
    }
}

impl<'s> Tx<'s, Idle> {
    /// `BEGIN`.
    pub fn begin(self) -> Tx<'s, InTxn> {
        self.push(Op::Begin);
        self.into_state()
    }
}

impl<'s> Tx<'s, InTxn> {
    /// `COMMIT` (sent as `ROLLBACK` when the server already aborted the transaction).
    pub fn commit(self) -> Tx<'s, Idle> {
        self.push(Op::Commit);
        self.into_state()
    }

    /// `ROLLBACK`.
    pub fn rollback(self) -> Tx<'s, Idle> {
        self.push(Op::Rollback);
        self.into_state()
    }
}

impl<'s, S: TxState> Pending<'s, S> {
    /// Collects the statement's result: waits for it, and if it is still
    /// blocked (nothing later in the script can release it), cancels it.
    pub fn done(self) -> Tx<'s, S> {
        self.tx.push(Op::Collect);
        self.tx
    }
}

/// Records scripts: each constructor hands the closure exactly one handle
/// per session and returns the steps it took, in order.
#[derive(Debug)]
pub struct Script;

impl Script {
    /// A script over T1 and T2.
    pub fn two(body: impl for<'s> FnOnce(Tx<'s, Idle>, Tx<'s, Idle>)) -> Vec<ScriptStep> {
        let steps = RefCell::new(Vec::new());
        body(handle(&steps, 1), handle(&steps, 2));
        steps.into_inner()
    }

    /// A script over T1, T2 and T3.
    pub fn three(
        body: impl for<'s> FnOnce(Tx<'s, Idle>, Tx<'s, Idle>, Tx<'s, Idle>),
    ) -> Vec<ScriptStep> {
        let steps = RefCell::new(Vec::new());
        body(handle(&steps, 1), handle(&steps, 2), handle(&steps, 3));
        steps.into_inner()
    }
}

fn handle(steps: &RefCell<Vec<ScriptStep>>, session: usize) -> Tx<'_, Idle> {
    Tx {
        session,
        steps,
        state: PhantomData,
        brand: PhantomData,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_steps_in_script_order() {
        let steps = Script::two(|t1, t2| {
            let t1 = t1.begin();
            let t2 = t2.begin().exec("update");
            let t1 = t1.exec("select").done().commit();
            let _ = t2.done().rollback();
            let _ = t1;
        });
        let ops: Vec<(usize, Op)> = steps.into_iter().map(|s| (s.session, s.op)).collect();
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

    #[test]
    fn three_sessions_are_numbered_one_to_three() {
        let steps = Script::three(|t1, t2, t3| {
            let _ = (t3.begin(), t1.begin(), t2.begin());
        });
        let sessions: Vec<usize> = steps.iter().map(|s| s.session).collect();
        assert_eq!(sessions, [3, 1, 2]);
    }
}
