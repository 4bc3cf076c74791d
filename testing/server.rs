//! The test server every server test runs against (`TEST_RIG_URL`, else
//! the local MariaDB), and what the tests ask of it; shared by the tests of
//! `test-rig` and `test-rig-bins`, which include this file by path.

// Each test file includes this whole file and uses only part of it.
#![allow(dead_code)]

use test_rig::{ConnectionConfig, Session};

/// Where the tests connect.
pub fn server() -> ConnectionConfig {
    ConnectionConfig::for_tests().expect("TEST_RIG_URL must be a valid URL")
}

/// Whether the test database holds a table named `table`.
pub async fn table_exists(table: &str) -> bool {
    let mut s = Session::connect(&server()).await.unwrap();
    let found: Vec<String> = s
        .query(&format!(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{table}'"
        ))
        .await
        .unwrap();
    !found.is_empty()
}
