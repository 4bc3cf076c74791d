//! How the tests that stop statements look for them on the server, shared
//! by the tests of `test-rig` and `test-rig-bins`, which include this file
//! by path.

/// The ids of the connections whose current statement holds `marker`
/// (this query itself excluded).
pub fn statements_holding(marker: &str) -> String {
    format!(
        "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%{marker}%' AND INFO NOT LIKE '%PROCESSLIST%'"
    )
}

/// Asks `ids` (the ids of statements holding a marker, as the test's own
/// client reads them) every 50 ms until `done` holds for the answer or
/// `limit` has passed, and gives the last answer. Waiting for a statement
/// to start is `done = |ids| !ids.is_empty()`; waiting for it to be gone
/// (a killed thread stays listed a moment) is `done = <[u64]>::is_empty`.
pub async fn poll<F, Fut>(
    limit: std::time::Duration,
    mut ids: F,
    done: fn(&[u64]) -> bool,
) -> Vec<u64>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Vec<u64>>,
{
    let started = std::time::Instant::now();
    loop {
        let now = ids().await;
        if done(&now) || started.elapsed() >= limit {
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
