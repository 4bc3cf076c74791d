//! End-to-end checks that need a real TiDB. Run them with
//! `TEST_RIG_URL=mysql://root@127.0.0.1:4000/test cargo test --test tidb -- --ignored`
//! (e.g. against `tiup playground`).

use test_rig::common_states;
use test_rig::prelude::*;

#[tokio::test]
#[ignore = "needs TiDB: set TEST_RIG_URL to a TiDB server and pass --ignored"]
async fn common_workflow_identifies_tidb_and_its_build() {
    let config = ConnectionConfig::for_tests().unwrap();
    let mut cx = common_states::WORKFLOW
        .run(StateContext::new("tidb", config))
        .await
        .expect("common workflow passes on TiDB");
    let info = cx.server().unwrap().clone();
    assert_eq!(info.flavor, Flavor::TiDB, "{}", info.version_string);
    let build = info.tidb.as_ref().expect("tidb_version() parsed");
    let release = build
        .release_version
        .as_deref()
        .expect("Release Version present");
    assert!(
        release.contains(&info.version.to_string()),
        "{release} vs {}",
        info.version
    );
    assert!(build.store.is_some());
    let level: Option<String> = cx
        .session()
        .unwrap()
        .query_first(&format!("SELECT @@{}", info.isolation_variable()))
        .await
        .unwrap();
    assert!(level.is_some());
}
