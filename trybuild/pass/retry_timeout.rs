// Retries follow the predicate, timeouts end a hung step, and a failure
// returns the error, the state and the context, after which cleanup runs.
use std::time::Duration;
use test_rig::prelude::*;

struct Attempts(u32);
struct CleanedUp;

fn is_flaky(e: &StateError) -> bool {
    e.to_string() == "flaky"
}

#[test_rig::workflow]
pub mod flaky {
    use super::{is_flaky, Attempts, CleanedUp};
    use test_rig::prelude::*;

    #[initial]
    pub struct Start;
    pub struct Retried;
    #[terminal]
    pub struct End;

    /// Fails twice with a retryable error, then succeeds.
    #[step(Start -> Retried, retry = 3, retry_if = is_flaky, backoff = "1ms")]
    async fn wobble(cx: &mut StateContext) -> Result<(), StateError> {
        let n = cx.get::<Attempts>().map_or(0, |a| a.0) + 1;
        cx.insert(Attempts(n));
        if n < 3 { Err(StateError::step("flaky")) } else { Ok(()) }
    }

    /// Never finishes on its own.
    #[step(Retried -> End, timeout = "20ms")]
    async fn hang(_cx: &mut StateContext) -> Result<(), StateError> {
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        Ok(())
    }

    #[cleanup]
    async fn tidy(cx: &mut StateContext) -> Result<(), StateError> {
        cx.insert(CleanedUp);
        Ok(())
    }
}

#[tokio::main]
async fn main() {
    let cx = StateContext::new("t", ConnectionConfig::default());
    let retried = flaky::Conn::start(cx).wobble().await.unwrap();
    assert_eq!(retried.context().get::<Attempts>().map(|a| a.0), Some(3));

    let failed = retried.hang().await.unwrap_err();
    assert_eq!((failed.step(), failed.state()), ("hang", "Retried"));
    assert!(matches!(failed.error(), StateError::StepTimeout { after, .. } if *after == Duration::from_millis(20)));
    assert!(failed.context().get::<CleanedUp>().is_none());
    let failed = failed.cleanup().await;
    assert!(failed.context().get::<CleanedUp>().is_some());

    // The erased runner runs the cleanup by itself.
    let failed = flaky::WORKFLOW
        .run(StateContext::new("t", ConnectionConfig::default()))
        .await
        .unwrap_err();
    assert_eq!(failed.state(), "Retried");
    assert!(failed.context().get::<CleanedUp>().is_some());
    assert_eq!(flaky::META.steps[0].retry.retries, 3);
}
