//! `Session::transaction` against the real server: a transaction that
//! loses (a deadlock, here raised with SIGNAL as the server raises it, and
//! a real one between two sessions) is rolled back and run again; any
//! other error is returned at once, its work rolled back; attempts are
//! bounded.

use std::time::Duration;
use test_rig::prelude::*;

async fn session() -> Session {
    Session::connect(&ConnectionConfig::for_tests().unwrap())
        .await
        .expect("the test server answers")
}

/// A fresh table of its own for each test (they run at once).
async fn table(s: &mut Session, name: &str) -> String {
    let table = format!("rig_txn_{name}_{}", std::process::id());
    s.execute(&format!("DROP TABLE IF EXISTS {table}"))
        .await
        .unwrap();
    s.execute(&format!(
        "CREATE TABLE {table} (id INT PRIMARY KEY, n INT) ENGINE=InnoDB"
    ))
    .await
    .unwrap();
    table
}

async fn rows(s: &mut Session, table: &str) -> Vec<(i64, i64)> {
    s.query(&format!("SELECT id, n FROM {table} ORDER BY id"))
        .await
        .unwrap()
}

const DEADLOCK: &str =
    "SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'lost to another'";

#[tokio::test]
async fn a_lost_transaction_is_rolled_back_and_run_again() {
    let mut s = session().await;
    let t = table(&mut s, "lost").await;
    let mut runs = 0;
    let insert = format!("INSERT INTO {t} VALUES (1, 1)");
    let done = s
        .transaction(3, |s| {
            runs += 1;
            let first = runs == 1;
            let insert = insert.clone();
            Box::pin(async move {
                s.execute(&insert).await?;
                if first {
                    s.execute(DEADLOCK).await?;
                }
                Ok("done")
            })
        })
        .await
        .unwrap();
    assert_eq!((done, runs), ("done", 2));
    // The first attempt's insert was rolled back: one row, not a duplicate key.
    assert_eq!(rows(&mut s, &t).await, [(1, 1)]);
    s.execute(&format!("DROP TABLE {t}")).await.unwrap();
}

#[tokio::test]
async fn any_other_error_is_returned_at_once_with_its_work_rolled_back() {
    let mut s = session().await;
    let t = table(&mut s, "other").await;
    s.execute(&format!("INSERT INTO {t} VALUES (1, 1)"))
        .await
        .unwrap();
    let mut runs = 0;
    let sql = format!("INSERT INTO {t} VALUES (2, 2), (1, 1)");
    let first = format!("UPDATE {t} SET n = 9 WHERE id = 1");
    let err = s
        .transaction(5, |s| {
            runs += 1;
            let (sql, first) = (sql.clone(), first.clone());
            Box::pin(async move {
                s.execute(&first).await?;
                s.execute(&sql).await
            })
        })
        .await
        .unwrap_err();
    assert_eq!((err.server_code(), runs), (Some(1062), 1), "{err}");
    assert_eq!(
        rows(&mut s, &t).await,
        [(1, 1)],
        "the UPDATE was rolled back"
    );
    s.execute(&format!("DROP TABLE {t}")).await.unwrap();
}

#[tokio::test]
async fn attempts_are_bounded_and_the_last_error_is_the_servers() {
    let mut s = session().await;
    let mut runs = 0;
    let err = s
        .transaction(3, |s| {
            runs += 1;
            Box::pin(async move { s.execute(DEADLOCK).await.map(drop) })
        })
        .await
        .unwrap_err();
    assert_eq!(runs, 3);
    assert_eq!(err.server_code(), Some(1213));
    assert!(err.is_transient());
    // Still a usable session, outside any transaction.
    let in_txn: Option<i64> = s.query_first("SELECT @@in_transaction").await.unwrap();
    assert_eq!(in_txn, Some(0));
}

/// Two sessions update two rows in opposite orders: InnoDB picks one as
/// the deadlock victim (1213); it is run again and both commit, so each
/// row ends incremented by both.
#[tokio::test]
async fn a_real_deadlock_between_two_sessions_ends_with_both_committed() {
    let mut admin = session().await;
    let t = table(&mut admin, "deadlock").await;
    admin
        .execute(&format!("INSERT INTO {t} VALUES (1, 0), (2, 0)"))
        .await
        .unwrap();
    let run = |first: i64, second: i64| {
        let t = t.clone();
        async move {
            let mut s = session().await;
            let mut runs = 0u32;
            s.transaction(5, |s| {
                runs += 1;
                let t = t.clone();
                Box::pin(async move {
                    s.execute(&format!("UPDATE {t} SET n = n + 1 WHERE id = {first}"))
                        .await?;
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    s.execute(&format!("UPDATE {t} SET n = n + 1 WHERE id = {second}"))
                        .await
                })
            })
            .await
            .unwrap();
            runs
        }
    };
    let (a, b) = tokio::join!(run(1, 2), run(2, 1));
    assert!(a + b >= 3, "no deadlock happened: {a} and {b} runs");
    assert_eq!(rows(&mut admin, &t).await, [(1, 2), (2, 2)]);
    admin.execute(&format!("DROP TABLE {t}")).await.unwrap();
}
