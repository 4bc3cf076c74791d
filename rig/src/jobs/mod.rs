//! Job monitoring: TiDB import jobs, TiDB DDL jobs, and long-running
//! statements on MySQL/MariaDB, behind one [`Source`], with a monitor loop
//! that reports every change and summarises each job.

pub mod cancel;
pub mod ddl;
#[cfg(test)]
mod fixture;
mod follow;
pub mod import;
pub mod model;
pub mod monitor;
pub mod processlist;

pub use follow::{follow, open_source, Follow, Followed, Found, Submitted};
pub use model::{Job, JobKind, JobStatus, RowMap};
pub use monitor::{watch, JobEvent, JobSummary, Watch};

use crate::error::StateError;
use crate::flavor::{Flavor, ServerInfo, Version};
use crate::session::Session;

/// Where jobs come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// `SHOW IMPORT JOBS` (TiDB 7.2+).
    Import,
    /// `ADMIN SHOW DDL JOBS` (TiDB).
    Ddl,
    /// The processlist (any server; progress on MariaDB).
    Processlist,
}

impl SourceKind {
    /// `import`, `ddl` or `processlist`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Import => "import",
            SourceKind::Ddl => "ddl",
            SourceKind::Processlist => "processlist",
        }
    }

    /// The natural source for the server: import jobs on TiDB 7.2+, DDL
    /// jobs on older TiDB, the processlist elsewhere.
    pub fn for_server(server: &ServerInfo) -> SourceKind {
        match server.flavor {
            Flavor::TiDB if server.version >= Version::new(7, 2, 0) => SourceKind::Import,
            Flavor::TiDB => SourceKind::Ddl,
            Flavor::MySQL | Flavor::MariaDB => SourceKind::Processlist,
        }
    }
}

/// A source of jobs on one server.
#[derive(Debug, Clone)]
pub struct Source {
    kind: SourceKind,
    flavor: Flavor,
    /// Statements younger than this are not jobs (processlist only).
    pub min_ms: f64,
}

/// A job source the server does not have: every server has the
/// processlist, only TiDB has DDL jobs, and only TiDB 7.2+ import jobs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{needs}; {server} has none (every server has the processlist source)")]
pub struct SourceUnavailable {
    /// The source asked for.
    pub kind: SourceKind,
    /// What that source needs.
    pub needs: &'static str,
    /// The server, with its version string.
    pub server: String,
}

impl From<SourceUnavailable> for crate::error::StateError {
    /// A configuration error: the source was chosen for this server.
    fn from(e: SourceUnavailable) -> Self {
        crate::error::StateError::Config(crate::config::ConfigError::Invalid(e.to_string()))
    }
}

impl Source {
    /// The source `kind` on `server`, or why the server has none.
    pub fn new(kind: SourceKind, server: &ServerInfo) -> Result<Source, SourceUnavailable> {
        let tidb = server.flavor == Flavor::TiDB;
        let missing = match kind {
            SourceKind::Import if !(tidb && server.version >= Version::new(7, 2, 0)) => {
                Some("import jobs (IMPORT INTO, SHOW IMPORT JOBS) need TiDB 7.2 or later")
            }
            SourceKind::Ddl if !tidb => Some("DDL jobs (ADMIN SHOW DDL JOBS) need TiDB"),
            _ => None,
        };
        if let Some(needs) = missing {
            return Err(SourceUnavailable {
                kind,
                needs,
                server: format!("{server} ({})", server.version_string),
            });
        }
        Ok(Source {
            kind,
            flavor: server.flavor,
            min_ms: 0.0,
        })
    }

    /// Which source this is.
    pub fn kind(&self) -> SourceKind {
        self.kind
    }

    /// The jobs the server shows now.
    pub async fn list(&self, session: &mut Session) -> Result<Vec<Job>, StateError> {
        Ok(self.poll(session).await?.0)
    }

    /// [`list`](Self::list), and the statements not yet old enough to be
    /// jobs (processlist, `min_ms`): `conn-ID` each.
    pub async fn poll(&self, session: &mut Session) -> Result<(Vec<Job>, Vec<String>), StateError> {
        let sql = match self.kind {
            SourceKind::Import => "SHOW IMPORT JOBS",
            SourceKind::Ddl => "ADMIN SHOW DDL JOBS",
            SourceKind::Processlist => processlist::query(self.flavor),
        };
        let rows: Vec<mysql_async::Row> = session.query(sql).await?;
        let rows: Vec<RowMap> = rows.iter().map(model::row_map).collect();
        Ok(match self.kind {
            SourceKind::Import => (import::parse(&rows), Vec::new()),
            SourceKind::Ddl => (ddl::parse(&rows), Vec::new()),
            SourceKind::Processlist => processlist::split(&rows, self.min_ms),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(version: &str) -> ServerInfo {
        ServerInfo::from_version(version, "").unwrap()
    }

    /// The sources as the README documents them: import jobs on TiDB 7.2
    /// and later, DDL jobs on any TiDB, the processlist everywhere.
    #[test]
    fn each_server_gets_the_source_it_has() {
        let v72 = server("8.0.11-TiDB-v7.2.0");
        let v71 = server("8.0.11-TiDB-v7.1.9");
        let mariadb = server("10.11.6-MariaDB");
        assert_eq!(SourceKind::for_server(&v72), SourceKind::Import);
        assert_eq!(SourceKind::for_server(&v71), SourceKind::Ddl);
        assert_eq!(SourceKind::for_server(&mariadb), SourceKind::Processlist);
        assert!(Source::new(SourceKind::Import, &v72).is_ok());
        let refused = Source::new(SourceKind::Import, &v71).unwrap_err();
        assert_eq!(refused.kind, SourceKind::Import);
        let refused = refused.to_string();
        assert!(
            refused.starts_with(
                "import jobs (IMPORT INTO, SHOW IMPORT JOBS) need TiDB 7.2 or later; TiDB 7.1.9"
            ) && refused.ends_with("has none (every server has the processlist source)"),
            "{refused}"
        );
        assert!(Source::new(SourceKind::Ddl, &v71).is_ok());
        let refused = Source::new(SourceKind::Ddl, &mariadb)
            .unwrap_err()
            .to_string();
        assert!(
            refused.starts_with("DDL jobs (ADMIN SHOW DDL JOBS) need TiDB;"),
            "{refused}"
        );
        for s in [&v72, &v71, &mariadb] {
            assert_eq!(
                Source::new(SourceKind::Processlist, s).unwrap().kind(),
                SourceKind::Processlist
            );
        }
    }
}
