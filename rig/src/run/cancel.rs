//! A participant's cancel as its steps wait on it: the run's token, plus a
//! flag and a waker that the coordinator sets once when the token fires.
//!
//! Every step races the cancel. Waiting on a `CancellationToken` registers
//! on its lock and leaves it again at every step, a measurable share of a
//! busy run's CPU; a flag fed by one watcher costs each step an atomic
//! load and a waker registration instead.

use futures_util::task::AtomicWaker;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

/// The cancel of one context.
#[derive(Debug)]
pub(crate) struct Cancel {
    token: CancellationToken,
    /// Whether someone calls [`Cancel::fire`] when the token fires; without
    /// that, waits fall back to the token itself.
    fed: bool,
    fired: AtomicBool,
    waker: AtomicWaker,
}

impl Cancel {
    /// A cancel that waits on `token` itself (no watcher feeds it).
    pub(crate) fn on_token(token: CancellationToken) -> Self {
        Self::new(token, false)
    }

    /// A cancel whose owner promises to call [`Cancel::fire`] as soon as
    /// `token` is cancelled (the coordinator's executor does).
    pub(crate) fn fed_from(token: CancellationToken) -> Self {
        Self::new(token, true)
    }

    fn new(token: CancellationToken, fed: bool) -> Self {
        Cancel {
            token,
            fed,
            fired: AtomicBool::new(false),
            waker: AtomicWaker::new(),
        }
    }

    /// The token behind it, for code that waits on it directly.
    pub(crate) fn token(&self) -> &CancellationToken {
        &self.token
    }

    /// Tells the waiting step that the token has fired.
    pub(crate) fn fire(&self) {
        self.fired.store(true, Ordering::Release);
        self.waker.wake();
    }

    /// Whether the run is cancelled: the flag, or the token itself.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.fired.load(Ordering::Acquire) || self.token.is_cancelled()
    }

    /// Whether a step may still start: the flag alone when fed (the token
    /// takes a lock to ask), else the token.
    pub(crate) fn stops_steps(&self) -> bool {
        if self.fed {
            self.fired.load(Ordering::Acquire)
        } else {
            self.token.is_cancelled()
        }
    }

    /// A wait for the cancel, polled beside one step.
    pub(crate) fn wait(&self) -> CancelWait<'_> {
        CancelWait {
            cancel: self,
            on_token: None,
        }
    }
}

/// One step's wait for the cancel; see [`Cancel::wait`].
pub(crate) struct CancelWait<'a> {
    cancel: &'a Cancel,
    /// For a cancel nobody feeds: the token's own wait, made on first need.
    on_token: Option<Pin<Box<WaitForCancellationFutureOwned>>>,
}

impl CancelWait<'_> {
    /// Ready once the run is cancelled; until then, the task is woken when
    /// it is.
    pub(crate) fn poll_cancelled(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let cancel = self.cancel;
        if !cancel.fed {
            let wait = self
                .on_token
                .get_or_insert_with(|| Box::pin(cancel.token.clone().cancelled_owned()));
            return wait.as_mut().poll(cx);
        }
        if cancel.fired.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        cancel.waker.register(cx.waker());
        // Fired between the first look and the registration: its wake may
        // have gone to the waker registered before.
        if cancel.fired.load(Ordering::Acquire) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    async fn cancelled(cancel: &Cancel) {
        let mut wait = cancel.wait();
        std::future::poll_fn(|cx| wait.poll_cancelled(cx)).await
    }

    #[tokio::test]
    async fn a_fed_cancel_wakes_its_waiter_when_fired_and_not_before() {
        let token = CancellationToken::new();
        let cancel = std::sync::Arc::new(Cancel::fed_from(token.clone()));
        assert!(!cancel.is_cancelled() && !cancel.stops_steps());
        let early = tokio::time::timeout(Duration::from_millis(50), cancelled(&cancel)).await;
        assert!(early.is_err(), "no cancel yet");
        let waiter = {
            let cancel = cancel.clone();
            tokio::spawn(async move { cancelled(&cancel).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        // The token alone says cancelled; steps still wait for the feed.
        token.cancel();
        assert!(cancel.is_cancelled() && !cancel.stops_steps());
        cancel.fire();
        assert!(cancel.stops_steps());
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("the waiter was woken")
            .unwrap();
    }

    #[tokio::test]
    async fn a_cancel_nobody_feeds_waits_on_its_token() {
        let token = CancellationToken::new();
        let cancel = std::sync::Arc::new(Cancel::on_token(token.clone()));
        let waiter = {
            let cancel = cancel.clone();
            tokio::spawn(async move { cancelled(&cancel).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished() && !cancel.stops_steps());
        token.cancel();
        assert!(cancel.stops_steps() && cancel.is_cancelled());
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("the waiter was woken")
            .unwrap();
    }
}
