//! Every profile cell pinned to its source: Hermitage's table and script
//! headings, as transcribed in `hermitage/table.txt` and
//! `hermitage/results.txt`.

use super::*;
use crate::isolation::CATALOGUE;

const TABLE: &str = include_str!("hermitage/table.txt");
const RESULTS: &str = include_str!("hermitage/results.txt");

/// Hermitage's column for each catalogue test.
fn column(test: &str) -> &'static str {
    match test {
        "g0" => "G0",
        "g1a" => "G1a",
        "g1b" => "G1b",
        "g1c" => "G1c",
        "otv" => "OTV",
        "pmp" | "pmp-write" => "PMP",
        "p4" => "P4",
        "g2-item" => "G2-item",
        "g2" | "g2-two-edges" => "G2",
        t if t.starts_with("g-single") => "G-single",
        t => panic!("no column for {t}"),
    }
}

/// Tests whose anomaly involves a read-only transaction ("R/O" = prevented).
const READ_ONLY: &[&str] = &["pmp", "g-single", "g-single-dependencies"];

fn cells(line: &str) -> Vec<&str> {
    line.split('|').map(str::trim).collect()
}

/// The table's mark for (level, column).
fn mark(level: Level, col: &str) -> String {
    let lines: Vec<&str> = TABLE.lines().filter(|l| l.starts_with('|')).collect();
    let header = cells(lines[0]);
    let at = header.iter().position(|c| *c == col).unwrap();
    cells(lines[1 + level.index()])[at].to_string()
}

fn level_of(heading: &str) -> Level {
    let quoted = heading.split('"').nth(1).unwrap();
    Level::parse(quoted).unwrap()
}

/// (prevents?) for the heading of `file` on (test, level), if there is one.
fn stated(file: &str, test: &str, level: Level) -> Option<bool> {
    RESULTS
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (head, id) = l.split_once(" => ")?;
            let (f, heading) = head.split_once(": ")?;
            Some((f, heading, id.trim()))
        })
        .find(|(f, heading, id)| *f == file && *id == test && level_of(heading) == level)
        .map(|(_, heading, _)| !heading.contains("does not prevent"))
}

/// A cell as the runner reads it, through `Profile::expected`.
fn cell(table: &'static [(&'static str, Row)], test: &str, level: Level) -> Option<Expectation> {
    assert!(table.iter().any(|(t, _)| *t == test), "no row for {test}");
    Profile {
        name: "t",
        table,
        refuses_ru_and_serializable: false,
    }
    .expected(test, level)
}

#[test]
fn a_test_no_profile_lists_has_no_expectation() {
    let profile = Profile {
        name: "t",
        table: INNODB,
        refuses_ru_and_serializable: false,
    };
    assert_eq!(profile.expected("no-such-test", Level::Serializable), None);
}

#[test]
fn every_test_has_a_row_in_every_profile() {
    for table in [INNODB, MARIADB_SNAPSHOT, TIDB_OPTIMISTIC, TIDB_PESSIMISTIC] {
        let ids: Vec<&str> = table.iter().map(|(t, _)| *t).collect();
        let catalogue: Vec<&str> = CATALOGUE.iter().map(|t| t.id).collect();
        assert_eq!(ids, catalogue);
    }
}

#[test]
fn innodb_cells_are_hermitages_scripts_then_its_table() {
    for case in CATALOGUE {
        for level in Level::ALL {
            let got = cell(INNODB, case.id, level);
            let want = match stated("mysql.md", case.id, level) {
                Some(true) => P,
                Some(false) => A,
                None => match mark(level, column(case.id)).as_str() {
                    "✓" => P,
                    "—" => L,
                    "R/O" if READ_ONLY.contains(&case.id) => P,
                    "R/O" => L,
                    other => panic!("unknown mark {other}"),
                },
            };
            assert_eq!(got, want, "{} at {}", case.id, level.as_str());
        }
    }
}

#[test]
fn tidb_pessimistic_cells_are_exactly_tidb_md() {
    for case in CATALOGUE {
        for level in Level::ALL {
            let want = match stated("tidb.md", case.id, level) {
                Some(true) => P,
                Some(false) => A,
                None => N,
            };
            let got = cell(TIDB_PESSIMISTIC, case.id, level);
            assert_eq!(got, want, "{} at {}", case.id, level.as_str());
        }
    }
}

#[test]
fn snapshot_isolation_changes_only_repeatable_read_and_only_towards_prevented() {
    for case in CATALOGUE {
        for level in Level::ALL {
            let (off, on) = (
                cell(INNODB, case.id, level),
                cell(MARIADB_SNAPSHOT, case.id, level),
            );
            if level == Level::RepeatableRead {
                if off == P {
                    assert_eq!(on, P, "{}: ON cannot allow what OFF prevents", case.id);
                }
                if on != off {
                    assert_eq!(on, P, "{}: ON only adds refusals", case.id);
                }
            } else {
                assert_eq!(on, off, "{} at {}", case.id, level.as_str());
            }
        }
    }
    // The write-skew family writes rows nobody else changed: SI refuses none.
    for test in ["g2-item", "g2", "g2-two-edges"] {
        let rr = Level::RepeatableRead;
        assert_eq!(
            cell(MARIADB_SNAPSHOT, test, rr),
            cell(INNODB, test, rr),
            "{test}"
        );
    }
}

#[test]
fn tidb_optimistic_is_snapshot_isolation_at_repeatable_read_only() {
    for case in CATALOGUE {
        let write_skew = ["G2-item", "G2"].contains(&column(case.id));
        let rr = cell(TIDB_OPTIMISTIC, case.id, Level::RepeatableRead);
        assert_eq!(rr, if write_skew { L } else { P }, "{}", case.id);
        for level in [
            Level::ReadUncommitted,
            Level::ReadCommitted,
            Level::Serializable,
        ] {
            assert_eq!(cell(TIDB_OPTIMISTIC, case.id, level), N);
        }
    }
}

fn server(flavor: Flavor, version: Version) -> ServerInfo {
    ServerInfo {
        flavor,
        version,
        version_string: String::new(),
        tidb: None,
    }
}

#[test]
fn profiles_are_chosen_by_flavor_and_setting() {
    let name = |flavor, si: Option<bool>, mode: Option<&str>| {
        let settings = ServerSettings {
            snapshot_isolation: si,
            txn_mode: mode.and_then(TxnMode::from_variable),
            ..ServerSettings::default()
        };
        for_server(&server(flavor, Version::new(11, 8, 1)), &settings).map(|p| p.table)
    };
    assert_eq!(name(Flavor::MySQL, None, None), Some(INNODB));
    assert_eq!(
        name(Flavor::MariaDB, None, None),
        Some(INNODB),
        "unknown is OFF"
    );
    assert_eq!(name(Flavor::MariaDB, Some(false), None), Some(INNODB));
    assert_eq!(
        name(Flavor::MariaDB, Some(true), None),
        Some(MARIADB_SNAPSHOT)
    );
    assert_eq!(
        name(Flavor::TiDB, None, Some("optimistic")),
        Some(TIDB_OPTIMISTIC)
    );
    assert_eq!(
        name(Flavor::TiDB, None, Some("")),
        Some(TIDB_OPTIMISTIC),
        "'' is optimistic"
    );
    assert_eq!(
        name(Flavor::TiDB, None, Some("pessimistic")),
        Some(TIDB_PESSIMISTIC)
    );
    assert_eq!(name(Flavor::TiDB, None, None), None);
}

#[test]
fn allowed_accepts_both_outcomes_and_the_others_one() {
    use Outcome::*;
    let all = [Anomaly, Prevented, NotSupported, Error];
    let accepted = |e: Expectation| {
        all.into_iter()
            .filter(|o| e.accepts(*o))
            .collect::<Vec<_>>()
    };
    assert_eq!(accepted(Expectation::Anomaly), [Anomaly]);
    assert_eq!(accepted(Expectation::Prevented), [Prevented]);
    assert_eq!(accepted(Expectation::Allowed), [Anomaly, Prevented]);
    assert_eq!(accepted(Expectation::NotSupported), [NotSupported]);
}

/// The human report's "(expected …)" and the JSON's `expected` name each
/// expectation the same way, as the README shows them.
#[test]
fn human_and_json_name_each_expectation_alike() {
    use Expectation::*;
    for (e, name) in [
        (Anomaly, "anomaly"),
        (Prevented, "prevented"),
        (Allowed, "allowed"),
        (NotSupported, "not-supported"),
    ] {
        assert_eq!(e.as_str(), name);
        assert_eq!(serde_json::to_value(e).unwrap(), name);
    }
}

/// The report names the regime: from 11.6.2 MariaDB has the variable (and
/// it is OFF), before it there is no such variable to be ON.
#[test]
fn mariadb_profile_name_says_whether_the_variable_exists() {
    let named = |version| {
        for_server(
            &server(Flavor::MariaDB, version),
            &ServerSettings::default(),
        )
        .unwrap()
        .name
    };
    assert_eq!(
        named(Version::new(11, 6, 2)),
        "MariaDB, innodb_snapshot_isolation=OFF (InnoDB, Hermitage)"
    );
    assert_eq!(
        named(Version::new(11, 6, 1)),
        "MariaDB before 11.6.2, innodb_snapshot_isolation OFF (InnoDB, Hermitage)"
    );
}

/// `TL`: with `tidb_skip_isolation_level_check` off (its default, and what
/// an unread variable counts as), TiDB refuses READ UNCOMMITTED and
/// SERIALIZABLE with 8048, and the profile expects that refusal; with it
/// on, nothing is expected of those levels. The other columns are as the
/// table says either way.
#[test]
fn tidb_expects_refusals_unless_the_isolation_level_check_is_skipped() {
    let tidb = server(Flavor::TiDB, Version::new(7, 5, 0));
    for mode in ["optimistic", "pessimistic"] {
        let expected = |skip: Option<bool>, level| {
            let settings = ServerSettings {
                txn_mode: TxnMode::from_variable(mode),
                skip_isolation_level_check: skip,
                ..ServerSettings::default()
            };
            for_server(&tidb, &settings)
                .unwrap()
                .expected("g2-item", level)
        };
        for skip in [None, Some(false)] {
            assert_eq!(
                expected(skip, Level::ReadUncommitted),
                Some(Expectation::NotSupported)
            );
            assert_eq!(
                expected(skip, Level::Serializable),
                Some(Expectation::NotSupported)
            );
        }
        assert_eq!(expected(Some(true), Level::ReadUncommitted), None);
        assert_eq!(expected(Some(true), Level::Serializable), None);
        assert_eq!(
            expected(Some(true), Level::RepeatableRead),
            expected(None, Level::RepeatableRead)
        );
    }
    // Not TiDB: the levels exist and the table decides.
    let mysql = for_server(
        &server(Flavor::MySQL, Version::new(8, 0, 36)),
        &ServerSettings::default(),
    )
    .unwrap();
    assert_eq!(
        mysql.expected("g2-item", Level::Serializable),
        Some(Expectation::Prevented)
    );
}
