//! Resident memory of 1,000 idle participants (no server): each waits on a
//! barrier that only a cancel ends. Prints the RSS before and while they
//! wait, and the cost per participant.
//!
//! `cargo bench --bench idle_memory [-- N]` (default 1000)

mod common;

use std::time::Duration;
use test_rig::prelude::*;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

#[tokio::main]
async fn main() {
    let n = common::number_arg(1000);
    let before = rss_kib();
    let mut coordinator = Coordinator::new();
    for i in 0..n {
        coordinator
            .add_scenario(
                &format!("idle-{i}"),
                ConnectionConfig::default(),
                |cx| async move {
                    cx.barrier("never", Duration::from_secs(3600)).await?;
                    Ok(())
                },
            )
            .unwrap();
    }
    // One participant that never arrives keeps the barrier shut.
    let cancel = coordinator.cancel_token();
    coordinator
        .add_scenario("holder", ConnectionConfig::default(), move |_cx| async move {
            tokio::time::sleep(Duration::from_secs(2)).await;
            let during = rss_kib();
            println!(
                "{n} idle participants: RSS {before} KiB before, {during} KiB while waiting: {:.1} KiB per participant",
                (during.saturating_sub(before)) as f64 / n as f64
            );
            cancel.cancel();
            Ok(())
        })
        .unwrap();
    let report = coordinator.run().await;
    // When the holder ends, the barrier opens or the cancel ends the waits.
    assert_eq!(report.summary.failed, 0, "{}", report.to_human());
    assert_eq!(report.summary.participants, n + 1);
}
