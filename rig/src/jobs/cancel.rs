//! Cancelling one job, by source: an import job (`CANCEL IMPORT JOB`), a
//! TiDB DDL job (`ADMIN CANCEL DDL JOBS`, which answers per job in its
//! `RESULT` column rather than with an error) or a statement of the
//! processlist (`KILL QUERY`, `KILL TIDB QUERY` on TiDB).

use crate::config::ConfigError;
use crate::error::StateError;
use crate::flavor::ServerInfo;
use crate::jobs::{Source, SourceKind};
use crate::session::Session;

fn invalid(message: String) -> StateError {
    StateError::Config(ConfigError::Invalid(message))
}

/// The numeric id a job of `kind` has. A statement must be named
/// `conn-N`, as the reports name it: a bare number, meant for an import or
/// DDL job, must never stop someone's statement.
fn job_number(kind: SourceKind, id: &str) -> Result<u64, StateError> {
    let digits = match kind {
        SourceKind::Processlist => id.trim().strip_prefix("conn-").unwrap_or("not a statement"),
        _ => id.trim(),
    };
    digits.parse().map_err(|_| {
        invalid(match kind {
            SourceKind::Processlist => format!(
                "a statement of the processlist is named `conn-N` (N its connection id), not `{id}`"
            ),
            _ => format!("{} job ids are numbers, not `{id}`", kind.as_str()),
        })
    })
}

/// What `ADMIN CANCEL DDL JOBS` said of one job: `successful`, or why not
/// (`sql-statement-admin-cancel-ddl.md`: a finished job gives "DDL Job:90
/// not found"; "if the operation fails to cancel the jobs, specific reasons
/// are displayed").
pub fn ddl_cancel_result(result: &str) -> Result<(), String> {
    if result.trim().eq_ignore_ascii_case("successful") {
        Ok(())
    } else {
        Err(result.trim().to_string())
    }
}

/// Cancels job `id` of source `kind` on `server`, over `session`, and says
/// what was done. A source the server lacks and a malformed id are
/// configuration errors; a job the server would not cancel is a failure.
pub async fn cancel(
    session: &mut Session,
    server: &ServerInfo,
    kind: SourceKind,
    id: &str,
) -> Result<String, StateError> {
    Source::new(kind, server)?;
    let number = job_number(kind, id)?;
    match kind {
        SourceKind::Import => {
            session
                .execute(&format!("CANCEL IMPORT JOB {number}"))
                .await?;
            Ok(format!("import job {number} cancelled"))
        }
        SourceKind::Ddl => {
            let rows: Vec<(String, String)> = session
                .query(&format!("ADMIN CANCEL DDL JOBS {number}"))
                .await?;
            match rows.first() {
                Some((_, result)) => ddl_cancel_result(result)
                    .map(|()| format!("DDL job {number} cancelled"))
                    .map_err(|why| {
                        StateError::step(format!("DDL job {number} was not cancelled: {why}"))
                    }),
                None => Err(StateError::step(format!(
                    "ADMIN CANCEL DDL JOBS {number} answered nothing"
                ))),
            }
        }
        SourceKind::Processlist => {
            use crate::session::abandoned::{kill_query, Kill};
            let kill = kill_query(session, Some(server.flavor), number, Kill::Query).await?;
            Ok(format!(
                "the statement on connection {number} was stopped ({kill})"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_numbers_and_statements_may_be_conn_n() {
        assert_eq!(job_number(SourceKind::Ddl, "54").unwrap(), 54);
        assert_eq!(job_number(SourceKind::Processlist, "conn-12").unwrap(), 12);
        // A bare number is an import or DDL job's id, never a connection's.
        let bare = job_number(SourceKind::Processlist, "12").unwrap_err();
        assert!(matches!(bare, StateError::Config(_)));
        assert_eq!(
            bare.to_string(),
            "a statement of the processlist is named `conn-N` (N its connection id), not `12`"
        );
        let e = job_number(SourceKind::Import, "conn-12").unwrap_err();
        assert_eq!(e.to_string(), "import job ids are numbers, not `conn-12`");
        assert!(matches!(
            job_number(SourceKind::Processlist, "x"),
            Err(StateError::Config(_))
        ));
    }

    #[test]
    fn a_ddl_cancel_that_did_not_happen_says_why() {
        // The documented answer for a job that already finished.
        assert_eq!(
            ddl_cancel_result("DDL Job:90 not found"),
            Err("DDL Job:90 not found".to_string())
        );
        assert_eq!(ddl_cancel_result("successful"), Ok(()));
    }
}
