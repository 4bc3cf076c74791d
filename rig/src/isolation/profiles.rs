//! Expected outcomes per flavor and setting, each cell taken from a
//! published source and never from a run of this tool. Where a run
//! disagrees, the cell is flagged; the profile is not edited to match.
//!
//! A cell is [`Expectation::Prevented`] where the source says the level
//! prevents the anomaly, [`Expectation::Anomaly`] where the source shows
//! this very script letting it through at this level, and
//! [`Expectation::Allowed`] where the source only says that the level does
//! not prevent the anomaly's class (Hermitage's "—", "R/O" and "some"
//! without a script run at that level): either outcome agrees with it.
//!
//! Sources:
//! - `HT`: Hermitage's summary table (ept/hermitage README.md, row
//!   "MySQL/InnoDB"); the row is transcribed in `hermitage/table.txt`
//!   and a unit test checks every InnoDB cell against it.
//! - `MY`: a script of ept/hermitage mysql.md run at that level (the
//!   transcriptions in `hermitage/<test>.txt` name each).
//! - `TD`: ept/hermitage tidb.md (TiDB 7.5.0, `tiup playground`, whose new
//!   clusters run pessimistic transactions).
//! - `SI`: MariaDB's documentation of `innodb_snapshot_isolation` (the
//!   variable came with MDEV-32898, "write/write conflict detection" so
//!   that REPEATABLE READ becomes snapshot isolation; ON by default from
//!   11.6.2, MDEV-35124; the whole transaction rolled back, MDEV-35235;
//!   the release list 10.6.18, 10.11.8, 11.x is the one the tool already
//!   names and was not re-checked here): at REPEATABLE READ, a locking
//!   read, UPDATE or DELETE of a row whose latest version the transaction's
//!   read view does not see fails with ER_CHECKREAD (1020) and rolls the
//!   transaction back. Nothing else changes, so every other cell is
//!   InnoDB's.
//! - `TO`: TiDB's documentation, "Transaction isolation levels" (TiDB
//!   implements snapshot isolation and advertises it as REPEATABLE READ)
//!   and "TiDB Optimistic Transaction Model" (write conflicts fail at
//!   commit), read against Hermitage's table row for snapshot isolation
//!   (PostgreSQL "repeatable read": G0 to G-single prevented, G2-item and
//!   G2 not).
//! - `TL`: TiDB's "Transaction isolation levels": `SET TRANSACTION
//!   ISOLATION LEVEL READ UNCOMMITTED` and `SERIALIZABLE` fail with
//!   "ERROR 8048 (HY000): The isolation level '…' is not supported. Set
//!   tidb_skip_isolation_level_check=1 to skip this error"; with that
//!   variable on (default OFF) the SET succeeds with a warning and the
//!   isolation used does not change, so nothing is expected of those levels.

use crate::flavor::{Flavor, ServerInfo, Version};
use crate::isolation::{Level, Outcome, TxnMode};
use serde::Serialize;

/// What the server runs with that changes the expectations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerSettings {
    /// MariaDB's `innodb_snapshot_isolation`, where the variable exists.
    pub snapshot_isolation: Option<bool>,
    /// TiDB's `tidb_txn_mode`; `None` where the server has no such
    /// variable or gives a value TiDB does not document.
    pub txn_mode: Option<TxnMode>,
    /// TiDB's `tidb_skip_isolation_level_check`: on, READ UNCOMMITTED and
    /// SERIALIZABLE are accepted without being provided.
    pub skip_isolation_level_check: Option<bool>,
}

/// What a profile expects of one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expectation {
    /// The source shows the anomaly with this script at this level.
    Anomaly,
    /// The source says the level prevents it.
    Prevented,
    /// The source says only that the level does not prevent the class.
    Allowed,
    /// The source says the server refuses the level.
    NotSupported,
}

impl Expectation {
    /// `anomaly`, `prevented`, `allowed`, `not-supported`.
    pub fn as_str(self) -> &'static str {
        match self {
            Expectation::Anomaly => "anomaly",
            Expectation::Prevented => "prevented",
            Expectation::Allowed => "allowed",
            Expectation::NotSupported => "not-supported",
        }
    }

    /// Whether `outcome` agrees with this expectation.
    pub fn accepts(self, outcome: Outcome) -> bool {
        match self {
            Expectation::Anomaly => outcome == Outcome::Anomaly,
            Expectation::Prevented => outcome == Outcome::Prevented,
            Expectation::Allowed => matches!(outcome, Outcome::Anomaly | Outcome::Prevented),
            Expectation::NotSupported => outcome == Outcome::NotSupported,
        }
    }
}

type Row = [Option<Expectation>; 4];

/// A named set of expectations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// Shown in the report.
    pub name: &'static str,
    table: &'static [(&'static str, Row)],
    /// Whether the server refuses READ UNCOMMITTED and SERIALIZABLE (`TL`):
    /// then those columns expect [`Expectation::NotSupported`].
    refuses_ru_and_serializable: bool,
}

const A: Option<Expectation> = Some(Expectation::Anomaly);
const P: Option<Expectation> = Some(Expectation::Prevented);
const L: Option<Expectation> = Some(Expectation::Allowed);
const N: Option<Expectation> = None;

/// MySQL/InnoDB, columns RU, RC, RR, SERIALIZABLE. Every P and L is `HT`
/// unless noted; every A is `MY`.
const INNODB: &[(&str, Row)] = &[
    ("g0", [P, P, P, P]),  // RU: MY "read uncommitted prevents G0"
    ("g1a", [A, P, P, P]), // RC: MY "read committed prevents G1a"
    ("g1b", [A, P, P, P]), // RC: MY
    ("g1c", [A, P, P, P]), // RC: MY
    ("otv", [A, P, P, P]), // RC: MY
    ("pmp", [L, A, P, P]), // RR: MY "prevents PMP for read predicates"
    ("pmp-write", [L, A, A, P]),
    ("p4", [L, L, A, P]),       // SER: MY "serializable prevents P4"
    ("g-single", [L, A, P, P]), // RR: MY "on a read-only transaction"
    ("g-single-dependencies", [L, L, P, P]), // RR: MY
    ("g-single-write-1", [L, L, A, P]),
    ("g-single-write-2", [L, L, L, P]), // RR: HT "R/O"; SER: MY
    ("g2-item", [L, L, A, P]),          // SER: MY
    ("g2", [L, L, A, P]),               // SER: MY
    ("g2-two-edges", [L, L, L, P]),     // SER: MY (Fekete et al.'s example)
];

/// MariaDB with `innodb_snapshot_isolation=ON`: InnoDB's table, except at
/// REPEATABLE READ (`SI`), where every script in which a transaction
/// writes or deletes a row changed after its first read is refused with
/// 1020. Write skew (G2-item, G2, two edges) writes only rows nobody else
/// changed, so `SI` refuses none of their statements and they stay as
/// InnoDB's cells say.
const MARIADB_SNAPSHOT: &[(&str, Row)] = &[
    ("g0", [P, P, P, P]),
    ("g1a", [A, P, P, P]),
    ("g1b", [A, P, P, P]),
    ("g1c", [A, P, P, P]),
    ("otv", [A, P, P, P]),
    ("pmp", [L, A, P, P]),
    ("pmp-write", [L, A, P, P]), // RR: SI (T2's delete meets T1's row)
    ("p4", [L, L, P, P]),        // RR: SI (T2's update meets T1's row)
    ("g-single", [L, A, P, P]),
    ("g-single-dependencies", [L, L, P, P]),
    ("g-single-write-1", [L, L, P, P]), // RR: SI (T1's delete meets T2's rows)
    ("g-single-write-2", [L, L, P, P]), // RR: SI
    ("g2-item", [L, L, A, P]),          // RR: SI refuses nothing here
    ("g2", [L, L, A, P]),
    ("g2-two-edges", [L, L, L, P]),
];

/// TiDB, optimistic transactions (`TO`): snapshot isolation at REPEATABLE
/// READ. READ COMMITTED takes effect in pessimistic mode only, and RU and
/// SERIALIZABLE are refused unless `tidb_skip_isolation_level_check` is
/// on, so only REPEATABLE READ is compared.
const TIDB_OPTIMISTIC: &[(&str, Row)] = &[
    ("g0", [N, N, P, N]),
    ("g1a", [N, N, P, N]),
    ("g1b", [N, N, P, N]),
    ("g1c", [N, N, P, N]),
    ("otv", [N, N, P, N]),
    ("pmp", [N, N, P, N]),
    ("pmp-write", [N, N, P, N]),
    ("p4", [N, N, P, N]),
    ("g-single", [N, N, P, N]),
    ("g-single-dependencies", [N, N, P, N]),
    ("g-single-write-1", [N, N, P, N]),
    ("g-single-write-2", [N, N, P, N]),
    ("g2-item", [N, N, L, N]),
    ("g2", [N, N, L, N]),
    ("g2-two-edges", [N, N, L, N]),
];

/// TiDB, pessimistic transactions (`TD`, line by line from tidb.md; the
/// tests tidb.md does not run at a level have no expectation there).
const TIDB_PESSIMISTIC: &[(&str, Row)] = &[
    ("g0", [N, N, N, N]),
    ("g1a", [N, P, N, N]),                   // "read committed prevents G1a"
    ("g1b", [N, P, N, N]),                   // "read committed prevents G1b"
    ("g1c", [N, P, N, N]),                   // "read committed prevents G1c"
    ("otv", [N, P, N, N]),                   // "read committed prevents OTV"
    ("pmp", [N, A, P, N]),                   // RC "does not prevent"; RR "prevents"
    ("pmp-write", [N, A, A, N]),             // both "does not prevent"
    ("p4", [N, N, A, N]),                    // RR "does not prevent"
    ("g-single", [N, A, P, N]),              // RC "does not"; RR "prevents"
    ("g-single-dependencies", [N, N, P, N]), // RR "prevents"
    ("g-single-write-1", [N, N, A, N]),      // RR "does not prevent"
    ("g-single-write-2", [N, N, N, N]),
    ("g2-item", [N, N, A, N]), // RR "does not prevent"
    ("g2", [N, N, A, N]),      // RR "does not prevent"
    ("g2-two-edges", [N, N, N, N]),
];

impl Profile {
    /// The expected outcome of `test` at `level`, if this profile has one.
    pub fn expected(&self, test: &str, level: Level) -> Option<Expectation> {
        if self.refuses_ru_and_serializable
            && matches!(level, Level::ReadUncommitted | Level::Serializable)
        {
            return Some(Expectation::NotSupported);
        }
        self.table
            .iter()
            .find(|(id, _)| *id == test)
            .and_then(|(_, row)| row[level.index()])
    }
}

/// The profile for this server, if there is one.
pub fn for_server(server: &ServerInfo, settings: &ServerSettings) -> Option<Profile> {
    // Off by default (`TL`): a variable that could not be read counts as off.
    let refuses = settings.skip_isolation_level_check != Some(true);
    match server.flavor {
        Flavor::MySQL => Some(Profile {
            name: "MySQL/InnoDB (Hermitage)",
            table: INNODB,
            refuses_ru_and_serializable: false,
        }),
        Flavor::MariaDB if settings.snapshot_isolation == Some(true) => Some(Profile {
            name: "MariaDB, innodb_snapshot_isolation=ON",
            table: MARIADB_SNAPSHOT,
            refuses_ru_and_serializable: false,
        }),
        Flavor::MariaDB => Some(Profile {
            name: if server.version >= Version::new(11, 6, 2) {
                "MariaDB, innodb_snapshot_isolation=OFF (InnoDB, Hermitage)"
            } else {
                "MariaDB before 11.6.2, innodb_snapshot_isolation OFF (InnoDB, Hermitage)"
            },
            table: INNODB,
            refuses_ru_and_serializable: false,
        }),
        Flavor::TiDB => match settings.txn_mode {
            Some(TxnMode::Optimistic) => Some(Profile {
                name: "TiDB, optimistic transactions (snapshot isolation)",
                table: TIDB_OPTIMISTIC,
                refuses_ru_and_serializable: refuses,
            }),
            Some(TxnMode::Pessimistic) => Some(Profile {
                name: "TiDB, pessimistic transactions (Hermitage, TiDB 7.5.0)",
                table: TIDB_PESSIMISTIC,
                refuses_ru_and_serializable: refuses,
            }),
            None => None,
        },
    }
}

#[cfg(test)]
#[path = "profiles_tests.rs"]
mod tests;
