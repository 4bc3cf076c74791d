//! The shared states and steps every tool starts with: check the
//! configuration, connect, test the connection, verify the database (when
//! one is configured), read the server version. Written with `#[workflow]`
//! itself; other workflows start where it ends by importing its terminal
//! state (`#[initial] use test_rig::common_states::Completed as Ready;`) and
//! run after it with [`Workflow::then`](crate::Workflow::then).

pub use self::common::*;

use std::time::Duration;

/// Median round-trip time of `SELECT 1`, left by `test_connection`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundTrip(pub Duration);

/// The database `verify_database` checked and selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseChecked(pub String);

/// How many `SELECT 1` round trips `test_connection` times.
const PINGS: usize = 5;

/// The common workflow.
#[crate::workflow(name = "common")]
pub mod common {
    use super::{DatabaseChecked, RoundTrip, PINGS};
    use crate::prelude::*;

    /// The connection settings are about to be checked.
    #[initial]
    pub struct ParsingConfig;
    /// The settings are valid; the session is about to be opened.
    pub struct Connecting;
    /// The session is open; it is about to be tested.
    pub struct TestingConnection;
    /// The session works; the configured database is about to be checked.
    pub struct VerifyingDatabase;
    /// The database (if any) is usable; the server version is about to be read.
    pub struct GettingVersion;
    /// Connected, checked and identified: ready for the test's own steps.
    #[terminal]
    pub struct Completed;

    /// Checks settings that only make sense together (TLS mode and CA file, empty names).
    #[step(ParsingConfig -> Connecting)]
    async fn parse_config(cx: &mut StateContext) -> Result<(), StateError> {
        cx.config().validate()?;
        Ok(())
    }

    /// Opens the participant's dedicated session (bounded by the connect timeout).
    #[step(Connecting -> TestingConnection)]
    async fn connect(cx: &mut StateContext) -> Result<(), StateError> {
        let mut session = Session::connect_server(cx.config()).await?;
        // For the reports, which show it: read now, while the session is here.
        session.read_tls_version().await;
        cx.set_session(session);
        Ok(())
    }

    /// Runs `SELECT 1` a few times, checks the answer and keeps the median
    /// round trip; goes on to the database check only when a database is configured.
    #[step(TestingConnection -> VerifyingDatabase | GettingVersion)]
    async fn test_connection(cx: &mut StateContext) -> Result<TestConnection, StateError> {
        let mut times = Vec::with_capacity(PINGS);
        for _ in 0..PINGS {
            let started = std::time::Instant::now();
            let one: Option<i64> = cx.session()?.query_first("SELECT 1").await?;
            times.push(started.elapsed());
            if one != Some(1) {
                return Err(StateError::step(format!(
                    "SELECT 1 returned {one:?} instead of 1"
                )));
            }
        }
        times.sort();
        cx.insert(RoundTrip(times[PINGS / 2]));
        Ok(if cx.config().database.is_some() {
            TestConnection::VerifyingDatabase
        } else {
            TestConnection::GettingVersion
        })
    }

    /// Selects the configured database; an unknown one, or one without
    /// privileges, fails with the list of databases the user can see.
    #[step(VerifyingDatabase -> GettingVersion)]
    async fn verify_database(cx: &mut StateContext) -> Result<(), StateError> {
        let Some(database) = cx.config().database.clone() else {
            return Err(StateError::step("no database configured to verify"));
        };
        cx.session()?.use_database(&database).await?;
        cx.insert(DatabaseChecked(database));
        Ok(())
    }

    /// Detects the flavor (TiDB, MySQL, MariaDB) and version.
    #[step(GettingVersion -> Completed)]
    async fn get_version(cx: &mut StateContext) -> Result<(), StateError> {
        let info = cx.session()?.server_info().await?;
        cx.set_server(info);
        Ok(())
    }
}
