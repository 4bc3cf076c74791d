//! Server flavor detection: TiDB, MySQL or MariaDB with a parsed version,
//! read from `VERSION()` and, on TiDB, `tidb_version()` (parsed key by key,
//! leniently: unknown keys are kept, missing ones are `None`).

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Which kind of MySQL-compatible server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    /// PingCAP TiDB.
    TiDB,
    /// Oracle MySQL and compatible builds (Percona Server).
    MySQL,
    /// MariaDB.
    MariaDB,
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Flavor::TiDB => "TiDB",
            Flavor::MySQL => "MySQL",
            Flavor::MariaDB => "MariaDB",
        })
    }
}

/// A `major.minor.patch` version (serialized as that string).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    /// Major.
    pub major: u32,
    /// Minor.
    pub minor: u32,
    /// Patch.
    pub patch: u32,
}

impl Version {
    /// Builds a version.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Version {
            major,
            minor,
            patch,
        }
    }

    /// Reads the leading `a.b.c` of `text` (a leading `v` is skipped; missing parts are 0).
    pub fn parse_prefix(text: &str) -> Option<Version> {
        let text = text.trim().trim_start_matches(['v', 'V']);
        let mut parts = text
            .split(|c: char| !c.is_ascii_digit())
            .take(3)
            .map(|p| p.parse::<u32>().ok());
        let major = parts.next().flatten()?;
        let minor = parts.next().flatten().unwrap_or(0);
        let patch = parts.next().flatten().unwrap_or(0);
        Some(Version::new(major, minor, patch))
    }
}

impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The fields of TiDB's `tidb_version()`, each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TidbBuild {
    /// `Release Version`, e.g. `v7.5.0`.
    pub release_version: Option<String>,
    /// `Edition`, e.g. `Community`.
    pub edition: Option<String>,
    /// `Git Commit Hash`.
    pub git_commit_hash: Option<String>,
    /// `Git Branch`.
    pub git_branch: Option<String>,
    /// `UTC Build Time`.
    pub utc_build_time: Option<String>,
    /// `GoVersion`.
    pub go_version: Option<String>,
    /// `Race Enabled`.
    pub race_enabled: Option<bool>,
    /// `Check Table Before Drop`.
    pub check_table_before_drop: Option<bool>,
    /// `Store`, e.g. `tikv` or `unistore`.
    pub store: Option<String>,
    /// Keys this version of the parser does not know, verbatim.
    pub other: BTreeMap<String, String>,
}

impl TidbBuild {
    /// Parses the `Key: value` lines of `tidb_version()`. Never fails:
    /// lines without a colon are ignored, unknown keys go to `other`.
    pub fn parse(text: &str) -> TidbBuild {
        let mut build = TidbBuild::default();
        for line in text.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let (key, value) = (key.trim(), value.trim().to_string());
            let flag = || match value.to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            };
            match key.to_ascii_lowercase().replace(' ', "").as_str() {
                "releaseversion" => build.release_version = Some(value),
                "edition" => build.edition = Some(value),
                "gitcommithash" => build.git_commit_hash = Some(value),
                "gitbranch" => build.git_branch = Some(value),
                "utcbuildtime" => build.utc_build_time = Some(value),
                "goversion" => build.go_version = Some(value),
                "raceenabled" => build.race_enabled = flag(),
                "checktablebeforedrop" => build.check_table_before_drop = flag(),
                "store" => build.store = Some(value),
                _ => {
                    build.other.insert(key.to_string(), value);
                }
            }
        }
        build
    }
}

/// What the server is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerInfo {
    /// The flavor.
    pub flavor: Flavor,
    /// The flavor's own version (TiDB's release, not its MySQL-compatibility version).
    pub version: Version,
    /// `VERSION()` verbatim.
    pub version_string: String,
    /// TiDB build details, on TiDB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tidb: Option<TidbBuild>,
}

impl ServerInfo {
    /// Classifies a `VERSION()` string and `@@version_comment`. Returns
    /// `None` when no version can be read.
    ///
    /// TiDB is known by `-TiDB-` in its version, or by its version comment,
    /// `TiDB Server (Apache License 2.0) … Edition, MySQL 8.0 compatible`,
    /// which TiDB fixes (scope NONE in its `sysvar.go`): a TiDB whose
    /// `server-version` setting replaced the version string is still TiDB,
    /// with the version read later from `tidb_version()`. MariaDB is named
    /// in one or the other on every build.
    pub fn from_version(version: &str, comment: &str) -> Option<ServerInfo> {
        // MariaDB may prefix the replication-compatibility version "5.5.5-".
        let v = version
            .trim()
            .strip_prefix("5.5.5-")
            .unwrap_or(version.trim());
        let (flavor, parsed) = if let Some(pos) = v.find("-TiDB-") {
            (Flavor::TiDB, Version::parse_prefix(&v[pos + 6..])?)
        } else if comment.trim_start().starts_with("TiDB Server") {
            (Flavor::TiDB, Version::parse_prefix(v)?)
        } else if v.to_ascii_lowercase().contains("mariadb")
            || comment.to_ascii_lowercase().contains("mariadb")
        {
            (Flavor::MariaDB, Version::parse_prefix(v)?)
        } else {
            (Flavor::MySQL, Version::parse_prefix(v)?)
        };
        Some(ServerInfo {
            flavor,
            version: parsed,
            version_string: version.trim().to_string(),
            tidb: None,
        })
    }

    /// Adds `tidb_version()` details; its release version wins when present.
    pub fn with_tidb_build(mut self, build: TidbBuild) -> ServerInfo {
        if let Some(v) = build
            .release_version
            .as_deref()
            .and_then(Version::parse_prefix)
        {
            self.version = v;
        }
        self.tidb = Some(build);
        self
    }

    /// The session variable holding the isolation level: `transaction_isolation`
    /// on MySQL 5.7.20+, MariaDB 11.1+ and TiDB; `tx_isolation` before.
    pub fn isolation_variable(&self) -> &'static str {
        let new = match self.flavor {
            Flavor::TiDB => true,
            Flavor::MySQL => self.version >= Version::new(5, 7, 20),
            Flavor::MariaDB => self.version >= Version::new(11, 1, 0),
        };
        if new {
            "transaction_isolation"
        } else {
            "tx_isolation"
        }
    }
}

impl fmt::Display for ServerInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.flavor, self.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_flavor() {
        let m = ServerInfo::from_version("10.11.19-MariaDB-0+deb12u1", "Debian 12").unwrap();
        assert_eq!(
            (m.flavor, m.version),
            (Flavor::MariaDB, Version::new(10, 11, 19))
        );
        assert_eq!(m.isolation_variable(), "tx_isolation");
        let m = ServerInfo::from_version("5.5.5-11.4.2-MariaDB", "").unwrap();
        assert_eq!(
            (m.flavor, m.version),
            (Flavor::MariaDB, Version::new(11, 4, 2))
        );
        assert_eq!(m.isolation_variable(), "transaction_isolation");
        let t = ServerInfo::from_version("8.0.11-TiDB-v7.5.1", "").unwrap();
        assert_eq!((t.flavor, t.version), (Flavor::TiDB, Version::new(7, 5, 1)));
        let y = ServerInfo::from_version("8.0.36-0ubuntu0.22.04.1", "(Ubuntu)").unwrap();
        assert_eq!(
            (y.flavor, y.version),
            (Flavor::MySQL, Version::new(8, 0, 36))
        );
        // A TiDB with `server-version = "8.0.34"`: its comment still says TiDB
        // (the comment as TiDB v8.5.3 reports it, seen in a client's banner).
        let renamed = ServerInfo::from_version(
            "8.0.34",
            "TiDB Server (Apache License 2.0) Community Edition, MySQL 8.0 compatible",
        )
        .unwrap();
        assert_eq!(renamed.flavor, Flavor::TiDB);
        let old = ServerInfo::from_version("5.7.19-log", "MySQL Community Server").unwrap();
        assert_eq!(old.isolation_variable(), "tx_isolation");
        assert!(ServerInfo::from_version("garbage", "").is_none());
    }

    #[test]
    fn parses_tidb_version_leniently() {
        let text = "Release Version: v8.5.0\nEdition: Community\nGit Commit Hash: d13e52ed6e22cc5789bed7c64c861578cd2ed55b\nGit Branch: HEAD\nUTC Build Time: 2024-12-18 02:26:06\nGoVersion: go1.23.2\nRace Enabled: false\nCheck Table Before Drop: false\nStore: tikv\nKernel Type: Classic\nnot a key value line";
        let build = TidbBuild::parse(text);
        assert_eq!(build.release_version.as_deref(), Some("v8.5.0"));
        assert_eq!(build.utc_build_time.as_deref(), Some("2024-12-18 02:26:06"));
        assert_eq!(build.race_enabled, Some(false));
        assert_eq!(build.store.as_deref(), Some("tikv"));
        assert_eq!(
            build.other.get("Kernel Type").map(String::as_str),
            Some("Classic")
        );
        let info = ServerInfo::from_version("8.0.11-TiDB-v8.5.0", "")
            .unwrap()
            .with_tidb_build(build);
        assert_eq!(info.version, Version::new(8, 5, 0));
    }

    #[test]
    fn tidb_version_with_missing_keys_is_not_an_error() {
        let build = TidbBuild::parse("Edition: Enterprise\nRace Enabled: maybe");
        assert_eq!(build.release_version, None);
        assert_eq!(build.race_enabled, None);
        let info = ServerInfo::from_version("8.0.11-TiDB-v6.1.0", "")
            .unwrap()
            .with_tidb_build(build);
        assert_eq!(info.version, Version::new(6, 1, 0));
    }
}
