//! Job sources on a real TiDB. Run with
//! `TEST_RIG_URL=mysql://root@127.0.0.1:4000/test cargo test --test tidb_jobs -- --ignored`
//! against a TiDB that runs on this machine (IMPORT INTO reads a local file).

use std::time::Duration;
use test_rig::jobs::{self, JobStatus, Source, SourceKind, Watch};
use test_rig::prelude::*;

async fn session() -> (Session, ServerInfo) {
    let mut s = Session::connect(&ConnectionConfig::for_tests().unwrap())
        .await
        .unwrap();
    let info = s.server_info().await.unwrap();
    assert_eq!(info.flavor, Flavor::TiDB, "{}", info.version_string);
    (s, info)
}

fn until_done(job: Option<String>) -> Watch {
    Watch {
        job,
        interval: Duration::from_millis(200),
        duration: Some(Duration::from_secs(120)),
        until_done: true,
        ignore: Default::default(),
        finish: None,
    }
}

#[tokio::test]
#[ignore = "needs TiDB 7.2+ on this machine: set TEST_RIG_URL and pass --ignored"]
async fn import_into_a_small_csv_is_followed_to_finished() {
    let (mut s, info) = session().await;
    let csv = std::env::temp_dir().join(format!("rig_import_{}.csv", std::process::id()));
    let rows: String = (1..=1000).map(|i| format!("{i},{}\n", i * 10)).collect();
    std::fs::write(&csv, rows).unwrap();
    s.execute("DROP TABLE IF EXISTS rig_import").await.unwrap();
    s.execute("CREATE TABLE rig_import (id INT PRIMARY KEY, v INT)")
        .await
        .unwrap();
    let job: Vec<mysql_async::Row> = s
        .query(&format!(
            "IMPORT INTO rig_import FROM '{}' WITH DETACHED",
            csv.display()
        ))
        .await
        .unwrap();
    let id = jobs::import::parse(&job.iter().map(jobs::model::row_map).collect::<Vec<_>>())[0]
        .id
        .clone();
    let source = Source::new(SourceKind::Import, &info).unwrap();
    let seen = jobs::watch(
        &mut s,
        &source,
        &until_done(Some(id)),
        &Default::default(),
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(seen[0].job.status, JobStatus::Finished, "{:?}", seen[0].job);
    let n: Option<i64> = s
        .query_first("SELECT COUNT(*) FROM rig_import")
        .await
        .unwrap();
    assert_eq!(n, Some(1000));
    s.execute("DROP TABLE rig_import").await.unwrap();
}

#[tokio::test]
#[ignore = "needs TiDB: set TEST_RIG_URL and pass --ignored"]
async fn add_index_shows_as_a_finished_ddl_job() {
    let (mut s, info) = session().await;
    s.execute("DROP TABLE IF EXISTS rig_ddl").await.unwrap();
    s.execute("CREATE TABLE rig_ddl (id INT PRIMARY KEY, v INT)")
        .await
        .unwrap();
    s.execute("INSERT INTO rig_ddl VALUES (1, 1), (2, 2), (3, 3)")
        .await
        .unwrap();
    s.execute("ALTER TABLE rig_ddl ADD INDEX idx_v (v)")
        .await
        .unwrap();
    let source = Source::new(SourceKind::Ddl, &info).unwrap();
    let jobs = source.list(&mut s).await.unwrap();
    let add = jobs
        .iter()
        .find(|j| j.target.ends_with("rig_ddl") && j.action.as_deref() == Some("add index"))
        .expect("the ADD INDEX job is listed");
    assert_eq!(add.status, JobStatus::Finished);
    s.execute("DROP TABLE rig_ddl").await.unwrap();
}
