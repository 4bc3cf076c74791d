//! Which sessions wait for a lock right now.
//!
//! InnoDB's `information_schema.INNODB_TRX` and `INNODB_LOCK_WAITS` are
//! served from a cache that is refreshed only when it has not been read
//! for 100 ms, so polling them every millisecond keeps returning the first,
//! stale answer. `SHOW ENGINE INNODB STATUS` is built on demand; its
//! transaction list marks a waiting transaction with a `LOCK WAIT` line and
//! names its connection as `MySQL thread id N` (`MariaDB thread id N`).
//!
//! TiDB: `information_schema.DATA_LOCK_WAITS`, whose `TRX_ID` is the waiting
//! transaction's id (its `start_ts`), joined to `CLUSTER_TIDB_TRX` for the
//! session. `CLUSTER_TIDB_TRX.STATE = 'LockWaiting'` alone is not a wait:
//! a transaction enters that state "at the beginning of the pessimistic
//! locking operation, no matter whether it is blocked by other transactions
//! or not" (information-schema-tidb-trx.md), so in pessimistic mode every
//! locking statement would look blocked. Reading `DATA_LOCK_WAITS` needs the
//! PROCESS privilege (information-schema-data-lock-waits.md).

use std::collections::HashSet;

/// The sessions of TiDB transactions that wait for a lock held by another.
pub(crate) const TIDB_WAITERS: &str = "SELECT DISTINCT t.SESSION_ID \
     FROM information_schema.DATA_LOCK_WAITS w \
     JOIN information_schema.CLUSTER_TIDB_TRX t ON t.ID = w.TRX_ID";

/// Connection ids of the transactions the InnoDB status shows waiting.
pub(crate) fn innodb_waiters(status: &str) -> HashSet<u64> {
    status
        .split("---TRANSACTION ")
        .skip(1)
        .filter(|section| section.lines().any(|l| l.starts_with("LOCK WAIT")))
        .filter_map(|section| {
            let after = section.split("thread id ").nth(1)?;
            let digits: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
            digits.parse().ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_waiting_transactions_in_mariadb_and_mysql_status() {
        let status = "------------\nTRANSACTIONS\n------------\nLIST OF TRANSACTIONS FOR EACH SESSION:\n\
---TRANSACTION 12593, ACTIVE 1 sec starting index read\nmysql tables in use 1, locked 1\n\
LOCK WAIT 2 lock struct(s), heap size 1128, 1 row lock(s)\n\
MariaDB thread id 76739, OS thread handle 1313, query id 10360836 127.0.0.1 root Updating\n\
update lk set v=3 where id=1\n------- TRX HAS BEEN WAITING 301773 us FOR THIS LOCK TO BE GRANTED:\n\
---TRANSACTION 12592, ACTIVE 1 sec\n2 lock struct(s), heap size 1128, 1 row lock(s), undo log entries 1\n\
MariaDB thread id 76738, OS thread handle 1313, query id 10360834 127.0.0.1 root User sleep\n\
---TRANSACTION 421, ACTIVE 3 sec starting index read\nLOCK WAIT 2 lock struct(s)\n\
MySQL thread id 12, OS thread handle 140, query id 99 localhost root updating\n--------\nFILE I/O\n";
        let waiting = innodb_waiters(status);
        assert_eq!(waiting, HashSet::from([76739, 12]));
        assert!(innodb_waiters("no transactions").is_empty());
    }
}
