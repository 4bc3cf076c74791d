//! Expected outcomes per flavor and version: Hermitage's published results
//! for MySQL/InnoDB; MariaDB with `innodb_snapshot_isolation` OFF (the
//! default before 11.6.2), which is InnoDB's table except that a locking
//! read after a lock wait reads the latest committed row, so PMP-write's
//! delete finds the row the other transaction made match; MariaDB with
//! `innodb_snapshot_isolation=ON` (the default from 11.6.2); and TiDB's
//! snapshot isolation in optimistic mode.

use crate::flavor::{Flavor, ServerInfo, Version};
use crate::isolation::{Level, Outcome};

/// What the server runs with that changes the expectations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerSettings {
    /// MariaDB's `innodb_snapshot_isolation`, where the variable exists.
    pub snapshot_isolation: Option<bool>,
    /// TiDB's `tidb_txn_mode` (`optimistic` or `pessimistic`).
    pub txn_mode: Option<String>,
}

/// A named set of expectations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// Shown in the report.
    pub name: &'static str,
    table: &'static [(&'static str, [Option<Outcome>; 4])],
}

use Outcome::{Anomaly as A, Prevented as P};

/// Hermitage, MySQL (InnoDB): RU, RC, RR, SERIALIZABLE.
const INNODB: &[(&str, [Option<Outcome>; 4])] = &[
    ("g0", [Some(P), Some(P), Some(P), Some(P)]),
    ("g1a", [Some(A), Some(P), Some(P), Some(P)]),
    ("g1b", [Some(A), Some(P), Some(P), Some(P)]),
    ("g1c", [Some(A), Some(P), Some(P), Some(P)]),
    ("otv", [Some(A), Some(P), Some(P), Some(P)]),
    ("pmp", [Some(A), Some(A), Some(P), Some(P)]),
    ("pmp-write", [Some(A), Some(A), Some(A), Some(P)]),
    ("p4", [Some(A), Some(A), Some(A), Some(P)]),
    ("g-single", [Some(A), Some(A), Some(P), Some(P)]),
    (
        "g-single-dependencies",
        [Some(A), Some(A), Some(P), Some(P)],
    ),
    ("g-single-write-1", [Some(A), Some(A), Some(A), Some(P)]),
    ("g-single-write-2", [Some(A), Some(A), Some(A), Some(P)]),
    ("g2-item", [Some(A), Some(A), Some(A), Some(P)]),
    ("g2", [Some(A), Some(A), Some(A), Some(P)]),
    ("g2-two-edges", [Some(A), Some(A), Some(A), Some(P)]),
];

/// MariaDB with `innodb_snapshot_isolation=OFF`: InnoDB's table, but
/// PMP-write is prevented at every level (see the module docs).
const MARIADB: &[(&str, [Option<Outcome>; 4])] = &[
    ("g0", [Some(P), Some(P), Some(P), Some(P)]),
    ("g1a", [Some(A), Some(P), Some(P), Some(P)]),
    ("g1b", [Some(A), Some(P), Some(P), Some(P)]),
    ("g1c", [Some(A), Some(P), Some(P), Some(P)]),
    ("otv", [Some(A), Some(P), Some(P), Some(P)]),
    ("pmp", [Some(A), Some(A), Some(P), Some(P)]),
    ("pmp-write", [Some(P), Some(P), Some(P), Some(P)]),
    ("p4", [Some(A), Some(A), Some(A), Some(P)]),
    ("g-single", [Some(A), Some(A), Some(P), Some(P)]),
    (
        "g-single-dependencies",
        [Some(A), Some(A), Some(P), Some(P)],
    ),
    ("g-single-write-1", [Some(A), Some(A), Some(A), Some(P)]),
    ("g-single-write-2", [Some(A), Some(A), Some(A), Some(P)]),
    ("g2-item", [Some(A), Some(A), Some(A), Some(P)]),
    ("g2", [Some(A), Some(A), Some(A), Some(P)]),
    ("g2-two-edges", [Some(A), Some(A), Some(A), Some(P)]),
];

/// MariaDB with `innodb_snapshot_isolation=ON`: REPEATABLE READ refuses a
/// locking read or write of a row changed after the snapshot (error 1020),
/// which turns the write-based anomalies into prevented ones; RU and RC are
/// as without it. Only REPEATABLE READ differs from InnoDB's table.
const MARIADB_SNAPSHOT: &[(&str, [Option<Outcome>; 4])] = &[
    ("g0", [Some(P), Some(P), Some(P), Some(P)]),
    ("g1a", [Some(A), Some(P), Some(P), Some(P)]),
    ("g1b", [Some(A), Some(P), Some(P), Some(P)]),
    ("g1c", [Some(A), Some(P), Some(P), Some(P)]),
    ("otv", [Some(A), Some(P), Some(P), Some(P)]),
    ("pmp", [Some(A), Some(A), Some(P), Some(P)]),
    ("pmp-write", [Some(P), Some(P), Some(P), Some(P)]),
    ("p4", [Some(A), Some(A), Some(P), Some(P)]),
    ("g-single", [Some(A), Some(A), Some(P), Some(P)]),
    (
        "g-single-dependencies",
        [Some(A), Some(A), Some(P), Some(P)],
    ),
    ("g-single-write-1", [Some(A), Some(A), Some(P), Some(P)]),
    ("g-single-write-2", [Some(A), Some(A), Some(P), Some(P)]),
    ("g2-item", [Some(A), Some(A), Some(A), Some(P)]),
    ("g2", [Some(A), Some(A), Some(A), Some(P)]),
    ("g2-two-edges", [Some(A), Some(A), Some(P), Some(P)]),
];

/// TiDB, optimistic transactions: snapshot isolation at REPEATABLE READ
/// (write conflicts fail at commit, 9007); write skew (G2) is allowed. RU
/// and SERIALIZABLE are refused (8048); READ COMMITTED is not listed, it
/// only takes effect in pessimistic mode.
const TIDB_OPTIMISTIC: &[(&str, [Option<Outcome>; 4])] = &[
    ("g0", [None, None, Some(P), None]),
    ("g1a", [None, None, Some(P), None]),
    ("g1b", [None, None, Some(P), None]),
    ("g1c", [None, None, Some(P), None]),
    ("otv", [None, None, Some(P), None]),
    ("pmp", [None, None, Some(P), None]),
    ("pmp-write", [None, None, Some(P), None]),
    ("p4", [None, None, Some(P), None]),
    ("g-single", [None, None, Some(P), None]),
    ("g-single-dependencies", [None, None, Some(P), None]),
    ("g-single-write-1", [None, None, Some(P), None]),
    ("g-single-write-2", [None, None, Some(P), None]),
    ("g2-item", [None, None, Some(A), None]),
    ("g2", [None, None, Some(A), None]),
    ("g2-two-edges", [None, None, Some(P), None]),
];

impl Profile {
    /// The expected outcome of `test` at `level`, if this profile has one.
    pub fn expected(&self, test: &str, level: Level) -> Option<Outcome> {
        self.table
            .iter()
            .find(|(id, _)| *id == test)
            .and_then(|(_, row)| row[level.index()])
    }
}

/// The profile for this server, if there is one.
pub fn for_server(server: &ServerInfo, settings: &ServerSettings) -> Option<Profile> {
    match server.flavor {
        Flavor::MySQL => Some(Profile {
            name: "MySQL/InnoDB (Hermitage)",
            table: INNODB,
        }),
        Flavor::MariaDB if settings.snapshot_isolation == Some(true) => Some(Profile {
            name: "MariaDB, innodb_snapshot_isolation=ON",
            table: MARIADB_SNAPSHOT,
        }),
        Flavor::MariaDB => Some(Profile {
            name: if server.version >= Version::new(11, 6, 2) {
                "MariaDB, innodb_snapshot_isolation=OFF"
            } else {
                "MariaDB before 11.6.2 (innodb_snapshot_isolation OFF)"
            },
            table: MARIADB,
        }),
        Flavor::TiDB if settings.txn_mode.as_deref() == Some("optimistic") => Some(Profile {
            name: "TiDB, optimistic transactions (snapshot isolation)",
            table: TIDB_OPTIMISTIC,
        }),
        Flavor::TiDB => None,
    }
}
