//! The event-driven use of the coordinator. A `setup` participant creates a
//! table and everyone meets at a barrier; four writers insert concurrently
//! and report how many rows they wrote by message; a watcher follows the
//! row count while they write; a checker verifies that the table holds
//! exactly what the writers reported, then drops it.
//!
//! `cargo run --example multi_connection_example`

use std::time::Duration;
use test_rig::common_states;
use test_rig::prelude::*;
use test_rig::{Phase, RunReport};

const WRITERS: usize = 4;
const ROWS_PER_WRITER: u64 = 200;
const WAIT: Duration = Duration::from_secs(30);

/// The table this run works on, unique to the process.
#[derive(Clone)]
struct Table(String);

/// Creates the table, then lets everyone through the barrier.
#[test_rig::workflow(name = "setup")]
mod setup {
    use super::{Table, WAIT};
    use test_rig::prelude::*;

    #[initial]
    pub use test_rig::common_states::Completed as Ready;
    pub struct Created;
    #[terminal]
    pub struct Announced;

    #[step(Ready -> Created)]
    async fn create_table(cx: &mut StateContext) -> Result<(), StateError> {
        let table = cx
            .get::<Table>()
            .ok_or_else(|| StateError::step("no table name"))?
            .0
            .clone();
        cx.session()?
            .execute(&format!(
                "CREATE TABLE {table} (id BIGINT AUTO_INCREMENT PRIMARY KEY, writer VARCHAR(32))"
            ))
            .await?;
        Ok(())
    }

    #[step(Created -> Announced)]
    async fn announce(cx: &mut StateContext) -> Result<(), StateError> {
        cx.barrier("table-ready", WAIT).await
    }
}

/// Waits for the table, inserts its rows, reports the count to the checker.
#[test_rig::workflow(name = "writer")]
mod writer {
    use super::{Table, ROWS_PER_WRITER, WAIT};
    use test_rig::prelude::*;

    #[initial]
    pub use test_rig::common_states::Completed as Ready;
    pub struct TableReady;
    pub struct Written;
    #[terminal]
    pub struct Reported;

    struct Inserted(u64);

    #[step(Ready -> TableReady)]
    async fn wait_for_table(cx: &mut StateContext) -> Result<(), StateError> {
        cx.barrier("table-ready", WAIT).await
    }

    /// Inserts one row at a time, so the writers interleave; retried on deadlock.
    #[step(TableReady -> Written, retry = 2)]
    async fn insert_rows(cx: &mut StateContext) -> Result<(), StateError> {
        let table = cx
            .get::<Table>()
            .ok_or_else(|| StateError::step("no table name"))?
            .0
            .clone();
        let me = cx.participant().to_string();
        let sql = format!("INSERT INTO {table} (writer) VALUES (?)");
        let done = cx.get::<Inserted>().map_or(0, |i| i.0);
        for _ in done..ROWS_PER_WRITER {
            cx.session()?.exec::<u8, _>(&sql, (me.as_str(),)).await?;
            // Count as we go: a retry continues where the failed attempt stopped.
            let n = cx.get::<Inserted>().map_or(0, |i| i.0) + 1;
            cx.insert(Inserted(n));
        }
        Ok(())
    }

    #[step(Written -> Reported)]
    async fn report(cx: &mut StateContext) -> Result<(), StateError> {
        let n = cx.get::<Inserted>().map_or(0, |i| i.0);
        cx.send("checker", "rows-written", n)
    }
}

/// Follows the row count while any writer is running.
async fn watch(cx: StateContext) -> Result<(), ParticipantError> {
    let mut cx = common_states::WORKFLOW.run(cx).await?;
    let table = cx.get::<Table>().unwrap().0.clone();
    cx.barrier("table-ready", WAIT).await?;
    let mut last = 0;
    loop {
        let writing = cx
            .shared()?
            .participants()
            .iter()
            .any(|(name, p)| name.starts_with("writer") && p.phase == Phase::Running);
        let rows: Option<u64> = cx
            .session()?
            .query_first(&format!("SELECT COUNT(*) FROM {table}"))
            .await?;
        let rows = rows.unwrap_or(0);
        if rows != last {
            cx.publish("progress", rows)?;
            last = rows;
        }
        if !writing {
            // Let the checker drop the table only after this last count.
            cx.barrier("watched", WAIT).await?;
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sums what the writers reported and compares it with the table; drops
/// the table once the watcher is done with it.
async fn check(cx: StateContext) -> Result<(), ParticipantError> {
    let mut cx = common_states::WORKFLOW.run(cx).await?;
    let table = cx.get::<Table>().unwrap().0.clone();
    cx.barrier("table-ready", WAIT).await?;
    let mut reported = 0;
    for _ in 0..WRITERS {
        let message = cx.recv("rows-written", WAIT).await?;
        reported += message
            .body
            .as_u64()
            .ok_or_else(|| StateError::step("a count that is not a number"))?;
    }
    let rows: Option<u64> = cx
        .session()?
        .query_first(&format!("SELECT COUNT(*) FROM {table}"))
        .await?;
    cx.barrier("watched", WAIT).await?;
    cx.session()?
        .execute(&format!("DROP TABLE {table}"))
        .await?;
    if rows != Some(reported) {
        return Err(StateError::step(format!(
            "the table holds {rows:?} rows, the writers reported {reported}"
        ))
        .into());
    }
    cx.publish("verified", reported)?;
    Ok(())
}

async fn run(config: ConnectionConfig) -> Result<RunReport, StateError> {
    let table = Table(format!("rig_example_{}", std::process::id()));
    let mut coordinator = Coordinator::new();
    coordinator.add_scenario("setup", config.clone(), {
        let table = table.clone();
        move |mut cx| async move {
            cx.insert(table);
            (&common_states::WORKFLOW)
                .then(&setup::WORKFLOW)
                .run(cx)
                .await?;
            Ok(())
        }
    })?;
    for i in 1..=WRITERS {
        let table = table.clone();
        coordinator.add_scenario(
            &format!("writer-{i}"),
            config.clone(),
            move |mut cx| async move {
                cx.insert(table);
                (&common_states::WORKFLOW)
                    .then(&writer::WORKFLOW)
                    .run(cx)
                    .await?;
                Ok(())
            },
        )?;
    }
    let t = table.clone();
    coordinator.add_scenario("watcher", config.clone(), move |mut cx| {
        cx.insert(t);
        watch(cx)
    })?;
    coordinator.add_scenario("checker", config, move |mut cx| {
        cx.insert(table);
        check(cx)
    })?;
    Ok(coordinator.run().await)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let report = run(ConnectionConfig::for_tests()?).await?;
    print!("{}", report.to_human());
    for event in &report.events {
        if let test_rig::coordinator::SharedEvent::Published {
            participant,
            name,
            data,
        } = &event.event
        {
            println!(
                "{:>9.1} ms  {participant}: {name} {data}",
                event.at.as_secs_f64() * 1000.0
            );
        }
    }
    if !report.passed() {
        std::process::exit(1);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use test_rig::coordinator::SharedEvent;

    #[tokio::test]
    async fn writers_rows_match_what_they_reported() {
        let report = super::run(test_rig::ConnectionConfig::for_tests().unwrap())
            .await
            .unwrap();
        assert!(report.passed(), "{}", report.to_human());
        let verified: Vec<u64> = report
            .events
            .iter()
            .filter_map(|e| match &e.event {
                SharedEvent::Published { name, data, .. } if name == "verified" => data.as_u64(),
                _ => None,
            })
            .collect();
        assert_eq!(verified, [super::WRITERS as u64 * super::ROWS_PER_WRITER]);
        let progress = report
            .events
            .iter()
            .filter(
                |e| matches!(&e.event, SharedEvent::Published { name, .. } if name == "progress"),
            )
            .count();
        assert!(progress >= 1, "the watcher saw the table grow");
    }
}
