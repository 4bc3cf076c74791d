//! The distributed runs against the tidb-servers of one TiDB cluster. Only
//! against a real TiDB: set `TEST_RIG_TIDB_URLS` to two or more of its
//! tidb-servers, comma-separated (`tiup playground --db 2` gives
//! `mysql://root@127.0.0.1:4000/test,mysql://root@127.0.0.1:4001/test`),
//! and pass `--ignored`.

mod common;
use common::*;

fn tidb_servers() -> Vec<String> {
    let urls: Vec<String> = std::env::var("TEST_RIG_TIDB_URLS")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(String::from)
        .collect();
    assert!(
        urls.len() >= 2,
        "set TEST_RIG_TIDB_URLS to two or more tidb-servers of one cluster, comma-separated"
    );
    urls
}

fn url_args() -> Vec<String> {
    tidb_servers()
        .into_iter()
        .flat_map(|u| ["--url".to_string(), u])
        .collect()
}

/// TiDB documents `tidb_guarantee_linearizability` (new in v5.0, default
/// `ON`): the commit TS of an async commit is taken from a new PD
/// timestamp, "in this situation, linearizability is guaranteed for all the
/// concurrent transactions" (docs.pingcap.com/tidb/stable/system-variables,
/// `tidb_guarantee_linearizability`). And its REPEATABLE READ is snapshot
/// isolation (docs.pingcap.com/tidb/stable/transaction-isolation-levels).
/// So clients spread over several tidb-servers see no stale read, and the
/// run satisfies snapshot isolation.
#[test]
#[ignore = "needs TEST_RIG_TIDB_URLS: two or more tidb-servers of one TiDB cluster"]
fn tidb_servers_of_one_cluster_give_no_stale_read_with_default_linearizability() {
    let history =
        std::env::temp_dir().join(format!("rig-tidb-cluster-{}.jsonl", std::process::id()));
    let out = tool(env!("CARGO_BIN_EXE_consistency"))
        .arg("run")
        .args(url_args())
        .args(["--format", "json", "--connections", "12"])
        .args(["--txns", "3000", "--seed", "7"])
        .args([
            "--isolation",
            "repeatable-read",
            "--expect",
            "snapshot-isolation",
        ])
        .args([
            "--table",
            &format!("rig_tidb_cluster_{}", std::process::id()),
        ])
        .arg("--history")
        .arg(&history)
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(doc["server"]["flavor"], "tidb", "{doc:#}");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stderr(&out),
        doc["check"]
    );
    assert_eq!(doc["check"]["verdict"], "valid");
    let stale = &doc["check"]["anomalies"]["stale-read"]["count"];
    assert!(stale.is_null() || stale == 0, "{}", doc["check"]);
    // Every tidb-server answered the final read, with the same lists.
    let states = &doc["final_states"];
    assert_eq!(
        states["nodes"].as_array().unwrap().len(),
        tidb_servers().len(),
        "{states}"
    );
    assert_eq!(states["differing"], 0, "{states}");
}

/// A tidb-server keeps no data of its own (TiDB architecture,
/// docs.pingcap.com/tidb/stable/tidb-architecture: "TiDB server is a
/// stateless SQL layer"), so Hermitage's matrix with its sessions on
/// different tidb-servers is the single-server matrix: every cell as the
/// TiDB profile expects, exit 0. Lock waits of the pessimistic mode are
/// read on the node where the blocked statement runs.
#[test]
#[ignore = "needs TEST_RIG_TIDB_URLS: two or more tidb-servers of one TiDB cluster"]
fn hermitage_across_tidb_servers_matches_the_single_server_profile() {
    let servers = tidb_servers();
    let out = tool(env!("CARGO_BIN_EXE_isolation"))
        .args(url_args())
        .args(["--format", "json"])
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(0), "{}\n{doc:#}", stderr(&out));
    let sessions: Vec<&str> = doc["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(sessions.len(), 3);
    assert_ne!(
        sessions[0], sessions[1],
        "T1 and T2 on one server: {servers:?}"
    );
}
