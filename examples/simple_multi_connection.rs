//! The plain use of the coordinator: add connections, run them all, print
//! the results.
//!
//! `cargo run --example simple_multi_connection` (server from `TEST_RIG_URL`,
//! default `mysql://root@127.0.0.1:3306/test`).

use test_rig::common_states;
use test_rig::prelude::*;
use test_rig::RunReport;

/// Runs the common workflow on `n` connections to `config`.
async fn run(config: ConnectionConfig, n: usize) -> Result<RunReport, StateError> {
    let mut coordinator = Coordinator::new();
    for i in 1..=n {
        coordinator.add_workflow(
            &format!("conn-{i}"),
            config.clone(),
            &common_states::WORKFLOW,
        )?;
    }
    Ok(coordinator.run().await)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let report = run(ConnectionConfig::for_tests()?, 5).await?;
    print!("{}", report.to_human());
    if !report.passed() {
        std::process::exit(1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn runs_against_the_server() {
        let report = super::run(test_rig::ConnectionConfig::for_tests().unwrap(), 5)
            .await
            .unwrap();
        assert!(report.passed(), "{}", report.to_human());
        assert_eq!(report.summary.participants, 5);
    }
}
