//! `Session`: one dedicated server connection (never a pooled one that
//! resets on return), with connect and statement timeouts, error
//! classification, and server flavor detection.

pub(crate) mod abandoned;

use crate::config::{ConnectionConfig, SslMode};
use crate::error::StateError;
use crate::flavor::{Flavor, ServerInfo, TidbBuild};
use mysql_async::prelude::{FromRow, Queryable};
use mysql_async::{Conn, OptsBuilder, Params};
use std::time::{Duration, Instant};
use tokio::time::timeout;

/// One dedicated connection to the server.
pub struct Session {
    conn: Option<Conn>,
    address: String,
    /// What it connected with: the user and statement timeout, and how to
    /// reach the server again to stop a statement this session abandons.
    config: std::sync::Arc<ConnectionConfig>,
    /// Whether abandoned statements are stopped; off for the control
    /// session that does the stopping, which must not start a chain of its own.
    stops_abandoned: bool,
    /// The TLS protocol version negotiated (`TLSv1.3`); `None` without TLS.
    tls_version: Option<String>,
    /// The server's flavor, once [`Session::server_info`] has read it.
    flavor: Option<Flavor>,
    /// The id `KILL` must name when it is not the handshake's: TiDB's
    /// `CONNECTION_ID()`, 64 bits wide from v6.1 to v7.2 (Global Kill),
    /// of which the handshake carries only the low 32.
    kill_id: Option<u64>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("address", &self.address)
            .field("user", &self.config.user)
            .field("connection_id", &self.conn.as_ref().map(|c| c.id()))
            .finish()
    }
}

fn opts(config: &ConnectionConfig, mode: SslMode, name: Option<&str>) -> OptsBuilder {
    OptsBuilder::default()
        .ip_or_hostname(config.host.clone())
        .tcp_port(config.port)
        .user(Some(config.user.clone()))
        .pass(config.password.as_ref().map(|p| p.expose().to_string()))
        .prefer_socket(false)
        .socket(
            config
                .socket
                .as_ref()
                .map(|s| s.to_string_lossy().into_owned()),
        )
        .ssl_opts(crate::tls::ssl_opts(mode, config, name))
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::ConnectionRefused => {
            "connection refused (is the server running on this port?)".into()
        }
        _ => error.to_string(),
    }
}

/// Turns a connect-time driver error into the specific `StateError`.
fn classify_connect_error(error: mysql_async::Error, config: &ConnectionConfig) -> StateError {
    if let Some(refused) = crate::tls::refusal(&error, config) {
        return refused;
    }
    let address = config.address();
    match &error {
        // 1698 is MariaDB's denial of an account given no password (one that
        // does not exist, say): the same configuration error as 1045.
        mysql_async::Error::Server(s) if s.code == 1045 || s.code == 1698 => {
            StateError::AccessDenied {
                user: config.user.clone(),
                address,
                without_tls: config.tls.mode == crate::config::SslMode::Disabled,
            }
        }
        mysql_async::Error::Io(mysql_async::IoError::Io(io)) => StateError::Unreachable {
            address,
            reason: io_reason(io),
        },
        mysql_async::Error::Io(other) => StateError::Unreachable {
            address,
            reason: other.to_string(),
        },
        mysql_async::Error::Driver(d) => StateError::Unreachable {
            address,
            reason: d.to_string(),
        },
        _ => StateError::from_driver(error),
    }
}

fn is_no_tls_support(error: &mysql_async::Error) -> bool {
    matches!(
        error,
        mysql_async::Error::Driver(mysql_async::DriverError::NoClientSslFlagFromServer)
    )
}

pub use abandoned::{settle_abandoned, stop_statement};

/// Quotes an identifier with backticks, doubling any backtick inside.
pub fn quote_identifier(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Runs `$body` (a future using the connection bound to `$c`) under the
/// statement timeout. The connection is taken out while the statement runs
/// and put back only when it finishes: a timed-out (or cancelled) statement
/// leaves it in an unknown state, so it is dropped, closing the session,
/// and the statement is stopped on the server (see `abandoned`).
macro_rules! guarded {
    ($self:ident, $sql:expr, |$c:ident| $body:expr) => {{
        let limit = $self.config.statement_timeout;
        let mut conn = $self
            .conn
            .take()
            .ok_or_else(|| StateError::NoSession(LOST))?;
        let in_flight = abandoned::InFlight::new(
            $self.kill_target(&conn),
            $self.flavor,
            &$self.config,
            $self.stops_abandoned,
        );
        let finished = {
            let $c = &mut conn;
            match limit {
                Some(d) => timeout(d, $body).await.map_err(|_| d),
                None => Ok($body.await),
            }
        };
        match finished {
            Ok(result) => {
                in_flight.finish();
                $self.conn = Some(conn);
                result.map_err(StateError::from_driver)
            }
            Err(after) => {
                in_flight.stop().await;
                Err(StateError::StatementTimeout {
                    sql: short($sql),
                    after,
                })
            }
        }
    }};
}

/// Why a session has no connection: it went with an abandoned statement.
const LOST: &str = "its connection was closed when a statement on it was abandoned (a statement or step timeout, or a cancel)";

fn short(sql: &str) -> String {
    let mut s: String = sql.chars().take(200).collect();
    if sql.chars().count() > 200 {
        s.push('…');
    }
    s
}

impl Session {
    /// Connects to the server without selecting a database: resolves the
    /// host, opens TCP, negotiates TLS per `config.tls`, authenticates. All
    /// of it is bounded by `config.connect_timeout`. Then runs the
    /// configuration's session-init statements (`session_init`).
    pub async fn connect_server(config: &ConnectionConfig) -> Result<Session, StateError> {
        config.validate()?;
        let started = Instant::now();
        let limit = config.connect_timeout;
        let too_slow = || StateError::ConnectTimeout {
            address: config.address(),
            after: limit,
        };
        let resolved = timeout(
            limit,
            tokio::net::lookup_host((config.host.as_str(), config.port)),
        )
        .await
        .map_err(|_| too_slow())?;
        match resolved.map(|addrs| addrs.count()) {
            Ok(n) if n > 0 => {}
            Ok(_) => {
                return Err(StateError::UnknownHost {
                    host: config.host.clone(),
                    reason: "no addresses".into(),
                })
            }
            Err(e) => {
                return Err(StateError::UnknownHost {
                    host: config.host.clone(),
                    reason: e.to_string(),
                })
            }
        }
        let attempt = |mode: SslMode, name: Option<String>| {
            let remaining = limit.saturating_sub(started.elapsed());
            async move {
                timeout(remaining, Conn::new(opts(config, mode, name.as_deref())))
                    .await
                    .map_err(|_| None)?
                    .map_err(Some)
            }
        };
        // Preferred mode against a server already seen without TLS goes
        // straight to a plain connection: probing again would open two
        // connections per session, which a tight max_connections refuses.
        let mode = match config.tls.mode {
            SslMode::Preferred if crate::tls::known_without_tls(&config.address()) => {
                SslMode::Disabled
            }
            mode => mode,
        };
        let mut first = attempt(mode, None).await;
        // verify-ca checks the chain only: a certificate for another name,
        // signed by the CA, is checked again under a name it holds.
        if config.tls.mode == SslMode::VerifyCa {
            if let Err(Some(e)) = &first {
                if let Some(name) = crate::tls::chain_only_name(e) {
                    first = attempt(SslMode::VerifyCa, Some(name)).await;
                }
            }
        }
        let conn = match first {
            Ok(conn) => conn,
            Err(Some(e)) if config.tls.mode == SslMode::Preferred && is_no_tls_support(&e) => {
                crate::tls::remember_without_tls(&config.address());
                attempt(SslMode::Disabled, None)
                    .await
                    .map_err(|e| match e {
                        Some(e) => classify_connect_error(e, config),
                        None => too_slow(),
                    })?
            }
            Err(Some(e)) if is_no_tls_support(&e) => {
                return Err(StateError::TlsUnavailable {
                    address: config.address(),
                    mode: config.tls.mode,
                })
            }
            Err(Some(e)) => return Err(classify_connect_error(e, config)),
            Err(None) => return Err(too_slow()),
        };
        let mut session = Session {
            conn: Some(conn),
            address: config.address(),
            config: std::sync::Arc::new(config.clone()),
            stops_abandoned: true,
            tls_version: None,
            flavor: None,
            kill_id: None,
        };
        session.run_init(config).await?;
        Ok(session)
    }

    /// Runs the configuration's session-init statements; a failed one is
    /// a [`StateError::SessionInit`] naming it (a configuration mistake).
    async fn run_init(&mut self, config: &ConnectionConfig) -> Result<(), StateError> {
        for sql in &config.session_init {
            match self.execute(sql).await {
                Err(e) if !e.is_connection_lost() => {
                    return Err(StateError::SessionInit {
                        sql: sql.clone(),
                        address: config.address(),
                        reason: e.to_string(),
                    })
                }
                other => other?,
            };
        }
        Ok(())
    }

    /// Connects and, when the configuration names a database, selects it
    /// (see [`Session::use_database`]).
    pub async fn connect(config: &ConnectionConfig) -> Result<Session, StateError> {
        let mut session = Self::connect_server(config).await?;
        if let Some(db) = &config.database {
            session.use_database(db).await?;
        }
        Ok(session)
    }

    /// This session, for stopping another session's statement: its own
    /// abandoned statements are not stopped in turn.
    /// Drops the connection without a word to the server, which rolls back
    /// whatever transaction was open on it: for a transaction whose
    /// ROLLBACK was refused (Galera's 1047 outside the primary component),
    /// which must never be continued, since the next START TRANSACTION
    /// would commit its writes. The session is closed afterwards.
    pub(crate) fn discard(&mut self) {
        self.conn = None;
    }

    pub(crate) fn for_control(mut self) -> Self {
        self.stops_abandoned = false;
        self
    }

    /// Whether the session still has its connection: it loses it with a
    /// statement it abandons (a timeout, a cancel).
    pub fn is_open(&self) -> bool {
        self.conn.is_some()
    }

    /// `host:port` of the server.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The server's id for this connection, the one `KILL` takes: the
    /// handshake's, or on TiDB the session's `CONNECTION_ID()` once
    /// [`Session::server_info`] has found the server to be TiDB (see
    /// `kill_id`). `None` once the connection is gone.
    pub fn connection_id(&self) -> Option<u64> {
        self.conn.as_ref().map(|c| self.kill_target(c))
    }

    /// The id `KILL` names for `conn`, this session's connection.
    fn kill_target(&self, conn: &Conn) -> u64 {
        self.kill_id.unwrap_or(u64::from(conn.id()))
    }

    /// Records that the server is of `flavor`, as a caller that has read it
    /// already knows; on TiDB this reads the session's own `CONNECTION_ID()`
    /// for `KILL` (see `kill_id`).
    pub(crate) async fn know_flavor(&mut self, flavor: Flavor) -> Result<(), StateError> {
        self.flavor = Some(flavor);
        if flavor == Flavor::TiDB {
            self.kill_id = self.query_first("SELECT CONNECTION_ID()").await?;
        }
        Ok(())
    }

    /// Whether the TLS handshake was made on this connection.
    pub fn is_tls(&self) -> bool {
        self.conn
            .as_ref()
            .is_some_and(|c| c.opts().ssl_opts().is_some())
    }

    /// The TLS protocol version the session negotiated (`TLSv1.3`), once
    /// [`Session::read_tls_version`] has read it; `None` without TLS.
    pub fn tls_version(&self) -> Option<&str> {
        self.tls_version.as_deref()
    }

    /// Reads the negotiated TLS version from the server's `Ssl_version`,
    /// once (a round trip, so only for sessions whose report shows it, not
    /// on every connect); `None` without TLS.
    pub async fn read_tls_version(&mut self) -> Option<&str> {
        if self.tls_version.is_none() && self.is_tls() {
            let row: Option<(String, String)> = self
                .query_first("SHOW SESSION STATUS LIKE 'Ssl_version'")
                .await
                .unwrap_or(None);
            self.tls_version = row.map(|(_, v)| v).filter(|v| !v.is_empty());
        }
        self.tls_version.as_deref()
    }

    /// Runs a text query and maps every row to `T`.
    pub async fn query<T: FromRow + Send + 'static>(
        &mut self,
        sql: &str,
    ) -> Result<Vec<T>, StateError> {
        guarded!(self, sql, |c| c.query(sql))
    }

    /// Runs a text query and maps its first row, if any.
    pub async fn query_first<T: FromRow + Send + 'static>(
        &mut self,
        sql: &str,
    ) -> Result<Option<T>, StateError> {
        guarded!(self, sql, |c| c.query_first(sql))
    }

    /// Runs a prepared statement with bound parameters and maps every row.
    pub async fn exec<T, P>(&mut self, sql: &str, params: P) -> Result<Vec<T>, StateError>
    where
        T: FromRow + Send + 'static,
        P: Into<Params> + Send,
    {
        let params = params.into();
        guarded!(self, sql, |c| c.exec(sql, params))
    }

    /// Runs a statement and returns the number of affected (changed) rows.
    pub async fn execute(&mut self, sql: &str) -> Result<u64, StateError> {
        guarded!(self, sql, |c| async {
            c.query_drop(sql).await?;
            Ok(c.affected_rows())
        })
    }

    /// Runs a prepared statement with bound parameters and returns the
    /// number of affected (changed) rows.
    pub async fn execute_with(
        &mut self,
        sql: &str,
        params: impl Into<Params> + Send,
    ) -> Result<u64, StateError> {
        let params = params.into();
        guarded!(self, sql, |c| async {
            c.exec_drop(sql, params).await?;
            Ok(c.affected_rows())
        })
    }

    /// Sends a protocol ping and returns the round-trip time.
    pub async fn ping(&mut self) -> Result<Duration, StateError> {
        let started = Instant::now();
        guarded!(self, "<ping>", |c| c.ping())?;
        Ok(started.elapsed())
    }

    /// Selects `database` as the default, as `USE` does. An unknown database
    /// (1049) or one the user has no rights on (1044) becomes a specific
    /// error that lists the databases this user can see.
    pub async fn use_database(&mut self, database: &str) -> Result<(), StateError> {
        let sql = format!("USE {}", quote_identifier(database));
        match self.execute(&sql).await {
            Ok(_) => Ok(()),
            Err(StateError::Server { code, .. }) if code == 1049 || code == 1044 => {
                let visible: Vec<String> = self.query("SHOW DATABASES").await.unwrap_or_default();
                Err(if code == 1049 {
                    StateError::UnknownDatabase {
                        database: database.to_string(),
                        address: self.address.clone(),
                        visible,
                    }
                } else {
                    StateError::DatabaseAccessDenied {
                        user: self.config.user.clone(),
                        database: database.to_string(),
                        visible,
                    }
                })
            }
            Err(e) => Err(e),
        }
    }

    /// Detects the server flavor and version.
    pub async fn server_info(&mut self) -> Result<ServerInfo, StateError> {
        let (version, comment): (String, Option<String>) = self
            .query_first("SELECT VERSION(), @@version_comment")
            .await?
            .ok_or_else(|| StateError::step("SELECT VERSION() returned no row"))?;
        let info = ServerInfo::from_version(&version, comment.as_deref().unwrap_or(""))
            .ok_or_else(|| {
                StateError::step(format!(
                    "cannot read a version from VERSION() = `{version}`"
                ))
            })?;
        self.flavor = Some(info.flavor);
        if info.flavor == Flavor::TiDB {
            // One round trip: the id KILL takes (see `kill_id`) and the build.
            let row: Option<(u64, String)> = self
                .query_first("SELECT CONNECTION_ID(), tidb_version()")
                .await?;
            let (id, text) = row.unzip();
            self.kill_id = id;
            return Ok(info.with_tidb_build(TidbBuild::parse(text.as_deref().unwrap_or(""))));
        }
        Ok(info)
    }

    /// The driver connection, for what this type does not wrap. Statement
    /// timeouts do not apply to calls made through it.
    pub fn driver(&mut self) -> Result<&mut Conn, StateError> {
        self.conn
            .as_mut()
            .ok_or(StateError::NoSession("the session was closed"))
    }

    /// Closes the connection politely.
    pub async fn close(mut self) -> Result<(), StateError> {
        match self.conn.take() {
            Some(c) => c.disconnect().await.map_err(StateError::from_driver),
            None => Ok(()),
        }
    }
}
