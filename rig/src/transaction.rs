//! `Session::transaction`: a closure run between `START TRANSACTION` and
//! `COMMIT`, rolled back and run again when the server says another
//! transaction won (a deadlock, a lock wait timeout, a TiDB write
//! conflict: [`StateError::is_transient`]), a bounded number of times.
//! A step's `retry = N` re-runs the whole step instead, which is not the
//! same when the step does more than the one transaction.

use crate::error::StateError;
use crate::session::Session;
use crate::workflow::BoxFuture;
use std::time::Duration;

/// The pause before the `n`th attempt (n ≥ 2): 10 ms more each time, at
/// most 200 ms, so that the winner has time to finish.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((10 * u64::from(attempt.saturating_sub(1))).min(200))
}

impl Session {
    /// Runs `body` in a transaction, at most `attempts` times (1 runs it
    /// once): `START TRANSACTION`, `body`, `COMMIT`. When `body` or the
    /// `COMMIT` fails with an error worth a retry
    /// ([`StateError::is_transient`]), the transaction is rolled back and
    /// run again after a short pause; any other error rolls it back and is
    /// returned at once. After the last attempt the last error is returned
    /// as the server gave it. A refused ROLLBACK leaves the transaction
    /// open: the connection is then dropped (the server rolls back as it
    /// goes), the error returned without another attempt, and the session
    /// is closed ([`Session::is_open`] says so); never would a later START
    /// TRANSACTION commit the failed attempt's writes.
    ///
    /// ```no_run
    /// # async fn f(session: &mut test_rig::Session) -> Result<(), test_rig::StateError> {
    /// let moved = session
    ///     .transaction(5, |s| {
    ///         Box::pin(async move {
    ///             s.execute("UPDATE accounts SET balance = balance - 10 WHERE id = 1").await?;
    ///             s.execute("UPDATE accounts SET balance = balance + 10 WHERE id = 2").await
    ///         })
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn transaction<T, F>(&mut self, attempts: u32, mut body: F) -> Result<T, StateError>
    where
        F: for<'a> FnMut(&'a mut Session) -> BoxFuture<'a, Result<T, StateError>>,
    {
        let attempts = attempts.max(1);
        let mut attempt = 1;
        loop {
            let result = self.attempt(&mut body).await;
            match result {
                Ok(value) => return Ok(value),
                Err(e) if e.is_transient() && attempt < attempts && self.is_open() => {
                    tracing::info!(attempt, error = %e, "transaction lost to another; running it again");
                    attempt += 1;
                    tokio::time::sleep(backoff(attempt)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One attempt: begin, run, commit; on any error, roll back (a session
    /// whose connection is gone has nothing to roll back).
    async fn attempt<T, F>(&mut self, body: &mut F) -> Result<T, StateError>
    where
        F: for<'a> FnMut(&'a mut Session) -> BoxFuture<'a, Result<T, StateError>>,
    {
        self.execute("START TRANSACTION").await?;
        let result = match body(self).await {
            Ok(value) => self.execute("COMMIT").await.map(|_| value),
            Err(e) => Err(e),
        };
        if let Err(e) = &result {
            // The error that matters is the body's; a refused ROLLBACK
            // only means the transaction may still be open.
            if !e.is_connection_lost() && self.execute("ROLLBACK").await.is_err() {
                self.discard();
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pause_grows_and_is_bounded() {
        assert_eq!(backoff(2), Duration::from_millis(10));
        assert_eq!(backoff(3), Duration::from_millis(20));
        assert_eq!(backoff(100), Duration::from_millis(200));
        assert_eq!(backoff(0), Duration::ZERO);
    }
}
