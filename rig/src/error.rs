//! `StateError`: the one error type of the runtime. Server errors keep the
//! driver error as `#[source]` and expose their code, so callers can match
//! deadlocks (1213), lock wait timeouts (1205) or TiDB write conflicts (9007).

use crate::config::ConfigError;
use std::time::Duration;

/// What went wrong while running a workflow or talking to the server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The connection settings are invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The host name does not resolve to an address.
    #[error("host `{host}` does not resolve: {reason}")]
    UnknownHost {
        /// The host as given.
        host: String,
        /// The resolver's answer.
        reason: String,
    },
    /// Nothing answered at the address (refused, unreachable, reset).
    #[error("cannot reach {address}: {reason}")]
    Unreachable {
        /// `host:port`.
        address: String,
        /// What the operating system or driver said.
        reason: String,
    },
    /// The server did not complete the handshake within the connect timeout.
    #[error("{address} did not answer within {:.1?} (connect timeout)", after)]
    ConnectTimeout {
        /// `host:port`.
        address: String,
        /// The timeout that expired.
        after: Duration,
    },
    /// The TLS mode requires TLS but the server does not offer it.
    #[error("{address} does not offer TLS, but the ssl mode is {mode}: set ssl-mode to preferred or disabled, or enable TLS on the server")]
    TlsUnavailable {
        /// `host:port`.
        address: String,
        /// The mode asked for.
        mode: crate::config::SslMode,
    },
    /// The client refused the server's TLS certificate (unknown issuer, a
    /// name it is not for, expired): a configuration to change, not a
    /// server that cannot be reached.
    #[error("TLS to {address} refused: {reason}")]
    TlsRefused {
        /// `host:port`.
        address: String,
        /// What was wrong and what to change.
        reason: String,
    },
    /// The server rejected the user name or password (error 1045; MariaDB's
    /// 1698 when no password was given). The
    /// server gives the same error to an account that requires TLS
    /// (`REQUIRE SSL`) when the connection has none, so with TLS disabled the
    /// message says that too.
    #[error("access denied for user `{user}` at {address}: wrong user name or password{}",
        if *.without_tls { ", or the account requires TLS (REQUIRE SSL) and ssl-mode is disabled" } else { "" })]
    AccessDenied {
        /// The user name.
        user: String,
        /// `host:port`.
        address: String,
        /// The connection was made with TLS disabled.
        without_tls: bool,
    },
    /// The database does not exist, or the user cannot see it (error 1049).
    #[error("database `{database}` does not exist on {address}{}", visible_list(.visible))]
    UnknownDatabase {
        /// The database asked for.
        database: String,
        /// `host:port`.
        address: String,
        /// The databases this user can see, to help spot a typo.
        visible: Vec<String>,
    },
    /// The user has no privileges on the database (error 1044).
    #[error("user `{user}` has no privileges on database `{database}`{}", visible_list(.visible))]
    DatabaseAccessDenied {
        /// The user name.
        user: String,
        /// The database asked for.
        database: String,
        /// The databases this user can see.
        visible: Vec<String>,
    },
    /// The server answered a statement with an error.
    #[error("server error {code} ({sqlstate}): {message}")]
    Server {
        /// The MySQL error code, e.g. 1213.
        code: u16,
        /// The SQLSTATE, e.g. `40001`.
        sqlstate: String,
        /// The server's message.
        message: String,
        /// The driver error.
        #[source]
        source: mysql_async::Error,
    },
    /// The connection broke or the driver failed.
    #[error("{}", describe_driver(.0))]
    Driver(#[source] mysql_async::Error),
    /// A statement did not finish within the session's statement timeout.
    /// The session is closed afterwards: its state on the server is unknown.
    #[error("statement did not finish within {:.1?}: `{sql}`", after)]
    StatementTimeout {
        /// The statement (first 200 characters).
        sql: String,
        /// The timeout that expired.
        after: Duration,
    },
    /// A step did not finish within its `timeout`.
    #[error("step `{step}` did not finish within {:.1?}", after)]
    StepTimeout {
        /// The step.
        step: &'static str,
        /// Its timeout.
        after: Duration,
    },
    /// The account lacks a privilege that the chosen way of working needs.
    #[error("{user} lacks the {privilege} privilege, which {needed_for} needs; {instead}")]
    MissingPrivilege {
        /// The account, as `user`.
        user: String,
        /// The privilege, e.g. `PROCESS`.
        privilege: &'static str,
        /// What needs it.
        needed_for: &'static str,
        /// What works without it.
        instead: &'static str,
    },
    /// A step needed a session but the context has none (or it was closed).
    #[error("no open session: {0}")]
    NoSession(&'static str),
    /// A barrier or receive gave up because another participant failed.
    #[error("{waiting_for}: participant `{peer}` failed ({reason})")]
    PeerFailed {
        /// What was being waited for, e.g. `barrier \`table-ready\``.
        waiting_for: String,
        /// The participant that failed.
        peer: String,
        /// Its error.
        reason: String,
    },
    /// A receive can never succeed: every participant that could send has finished.
    #[error("{waiting_for}: no participant that could send it is still running")]
    NoLivePeers {
        /// What was being waited for.
        waiting_for: String,
    },
    /// A barrier or receive did not complete within its timeout.
    #[error("{waiting_for}: nothing after {:.1?}", after)]
    WaitTimeout {
        /// What was being waited for.
        waiting_for: String,
        /// The timeout.
        after: Duration,
    },
    /// A message was addressed to a participant the run does not have.
    #[error("no participant named `{0}` in this run")]
    UnknownParticipant(String),
    /// A coordination call was made on a context that runs outside a coordinator.
    #[error(
        "this context is not part of a coordinated run: barriers and messages need a Coordinator"
    )]
    NotCoordinated,
    /// A session-init statement failed on a fresh session.
    #[error("session-init statement `{sql}` failed on {address}: {reason}")]
    SessionInit {
        /// The statement.
        sql: String,
        /// Where.
        address: String,
        /// The server's answer.
        reason: String,
    },
    /// The run was cancelled (Ctrl-C or a programmatic cancel) while this step ran.
    #[error("cancelled")]
    Cancelled,
    /// A step found something wrong: the test's own verdict, not a framework failure.
    #[error("{0}")]
    Step(String),
    /// The workflow ended in a terminal state it declares a failure
    /// (`#[terminal(failure)]`, or `terminal("Name", failure=True)` in Python).
    #[error("step `{step}` ended in `{state}`, which workflow `{workflow}` declares a failure")]
    FailureState {
        /// The workflow.
        workflow: &'static str,
        /// The step that moved into it.
        step: &'static str,
        /// The failure state.
        state: &'static str,
    },
}

fn visible_list(visible: &[String]) -> String {
    if visible.is_empty() {
        " (this user can see no databases)".to_string()
    } else {
        format!(" (databases this user can see: {})", visible.join(", "))
    }
}

/// The broad class of an error: what a tool's exit code is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorClass {
    /// Bad settings, credentials, or a database the user cannot use.
    Configuration,
    /// The server could not be reached.
    Unreachable,
    /// The run was cancelled.
    Cancelled,
    /// Anything else: a check, a statement or the connection failed.
    Failed,
}

impl ErrorClass {
    /// The class's name as JSON and JUnit write it (`configuration`,
    /// `unreachable`, `cancelled`, `failed`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Configuration => "configuration",
            ErrorClass::Unreachable => "unreachable",
            ErrorClass::Cancelled => "cancelled",
            ErrorClass::Failed => "failed",
        }
    }
}

/// A driver error in words: a broken connection says so once, with the
/// operating system's reason, rather than the driver's nested
/// "Input/output error: Input/output error: ...".
fn describe_driver(error: &mysql_async::Error) -> String {
    match error {
        mysql_async::Error::Io(mysql_async::IoError::Io(io)) => {
            let reason = match io.kind() {
                std::io::ErrorKind::UnexpectedEof => "the server closed it".to_string(),
                _ => io.to_string(),
            };
            format!(
                "the connection was lost ({reason}): the server killed it, restarted or became unreachable"
            )
        }
        other => format!("connection error: {other}"),
    }
}

/// Codes that mean "the transaction lost a race; running it again may
/// succeed". TiDB's are as its error reference (docs.pingcap.com/tidb/stable/error-codes)
/// describes them.
const TRANSIENT_CODES: &[u16] = &[
    1205, // lock wait timeout
    1213, // deadlock
    8002, // TiDB: a SELECT FOR UPDATE transaction met a commit conflict and was rolled back; "the application can safely retry the whole transaction"
    8005, // TiDB: "Write Conflict, txnStartTS is stale"; "retry the write operation"
    8022, // TiDB: "the transaction commit fails and has been rolled back"; "the application can safely retry the whole transaction"
    8028, // TiDB: the table schema changed during the transaction
    9007, // TiDB: write conflict (optimistic transactions)
];

/// Whether a server error code is one of those [`StateError::is_transient`]
/// retries the transaction on (deadlock, lock wait timeout, TiDB's write
/// conflicts).
pub fn is_transient_code(code: u16) -> bool {
    TRANSIENT_CODES.contains(&code)
}

impl StateError {
    /// A failure found by a step itself (a deviation, a wrong value).
    pub fn step(message: impl Into<String>) -> Self {
        StateError::Step(message.into())
    }

    /// Classifies a driver error, keeping it as the source.
    pub fn from_driver(error: mysql_async::Error) -> Self {
        match &error {
            mysql_async::Error::Server(server) => StateError::Server {
                code: server.code,
                sqlstate: server.state.clone(),
                message: server.message.clone(),
                source: error,
            },
            _ => StateError::Driver(error),
        }
    }

    /// The server's error code, when the server answered with an error.
    pub fn server_code(&self) -> Option<u16> {
        match self {
            StateError::Server { code, .. } => Some(*code),
            StateError::AccessDenied { .. } => Some(1045),
            StateError::UnknownDatabase { .. } => Some(1049),
            StateError::DatabaseAccessDenied { .. } => Some(1044),
            _ => None,
        }
    }

    /// Deadlock found when trying to get lock (1213).
    pub fn is_deadlock(&self) -> bool {
        self.server_code() == Some(1213)
    }

    /// Lock wait timeout exceeded (1205).
    pub fn is_lock_wait_timeout(&self) -> bool {
        self.server_code() == Some(1205)
    }

    /// TiDB write conflict in optimistic transactions (9007).
    pub fn is_write_conflict(&self) -> bool {
        self.server_code() == Some(9007)
    }

    /// The default retry predicate: deadlock, lock wait timeout, and TiDB's
    /// write conflicts (8005, 9007), rolled-back commits (8002, 8022) and
    /// schema changes (8028).
    ///
    /// These errors end the whole transaction, and TiDB's documentation says
    /// to retry *the whole transaction*. A step's `retry` re-runs that step
    /// only: it is the right tool when the step holds the whole transaction
    /// (`BEGIN` to `COMMIT`), not when the transaction spans several steps.
    pub fn is_transient(&self) -> bool {
        self.server_code().is_some_and(is_transient_code)
    }

    /// Whether the session's connection is gone: the driver lost it (no
    /// server answer), there is no session, or the server says it is
    /// ending the connection (MariaDB's 1927 "connection was killed", 1053
    /// server shutdown, MySQL's 4031 disconnected for inactivity, and the
    /// client codes 2006 and 2013 where a server relays them).
    pub fn is_connection_lost(&self) -> bool {
        match self {
            StateError::Server { code, .. } => {
                matches!(code, 1927 | 1053 | 4031 | 2006 | 2013)
            }
            StateError::Driver(_) | StateError::NoSession(_) => true,
            _ => false,
        }
    }

    /// The error's class.
    pub fn class(&self) -> ErrorClass {
        if self.is_unreachable() {
            ErrorClass::Unreachable
        } else if self.is_configuration() {
            ErrorClass::Configuration
        } else if matches!(self, StateError::Cancelled) {
            ErrorClass::Cancelled
        } else {
            ErrorClass::Failed
        }
    }

    /// Whether this failure means the server could not be reached at all
    /// (as opposed to a configuration or test failure).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            StateError::UnknownHost { .. }
                | StateError::Unreachable { .. }
                | StateError::ConnectTimeout { .. }
        )
    }

    /// Whether this failure is a configuration mistake: bad settings,
    /// credentials, or a database the user cannot use.
    pub fn is_configuration(&self) -> bool {
        matches!(
            self,
            StateError::Config(_)
                | StateError::SessionInit { .. }
                | StateError::TlsUnavailable { .. }
                | StateError::TlsRefused { .. }
                | StateError::AccessDenied { .. }
                | StateError::UnknownDatabase { .. }
                | StateError::DatabaseAccessDenied { .. }
                | StateError::MissingPrivilege { .. }
        )
    }
}

impl From<mysql_async::Error> for StateError {
    fn from(error: mysql_async::Error) -> Self {
        StateError::from_driver(error)
    }
}

/// The error a server's answer `code` with `message` becomes, for unit
/// tests that need one without a server.
#[cfg(test)]
pub(crate) fn server_answer(code: u16, message: &str) -> StateError {
    StateError::from_driver(mysql_async::Error::Server(mysql_async::ServerError {
        code,
        message: message.into(),
        state: "HY000".into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_class_name_is_the_one_json_writes() {
        for class in [
            ErrorClass::Configuration,
            ErrorClass::Unreachable,
            ErrorClass::Cancelled,
            ErrorClass::Failed,
        ] {
            let json = serde_json::to_string(&class).unwrap();
            assert_eq!(json, format!("\"{}\"", class.as_str()));
        }
    }

    /// Every error a user can meet, with the class (and so the exit code)
    /// the README's table gives it.
    #[test]
    fn each_error_falls_in_its_documented_class() {
        let address = || "h:1".to_string();
        let cases = [
            (
                StateError::UnknownHost {
                    host: "h".into(),
                    reason: "r".into(),
                },
                ErrorClass::Unreachable,
            ),
            (
                StateError::Unreachable {
                    address: address(),
                    reason: "refused".into(),
                },
                ErrorClass::Unreachable,
            ),
            (
                StateError::ConnectTimeout {
                    address: address(),
                    after: Duration::from_secs(1),
                },
                ErrorClass::Unreachable,
            ),
            (
                StateError::Config(ConfigError::InvalidPort("0".into())),
                ErrorClass::Configuration,
            ),
            (
                StateError::TlsUnavailable {
                    address: address(),
                    mode: crate::config::SslMode::Required,
                },
                ErrorClass::Configuration,
            ),
            (
                StateError::AccessDenied {
                    user: "u".into(),
                    address: address(),
                    without_tls: false,
                },
                ErrorClass::Configuration,
            ),
            (
                StateError::UnknownDatabase {
                    database: "d".into(),
                    address: address(),
                    visible: vec![],
                },
                ErrorClass::Configuration,
            ),
            (
                StateError::DatabaseAccessDenied {
                    user: "u".into(),
                    database: "d".into(),
                    visible: vec![],
                },
                ErrorClass::Configuration,
            ),
            (server(1213), ErrorClass::Failed),
            (StateError::step("wrong row count"), ErrorClass::Failed),
            (
                StateError::FailureState {
                    workflow: "w",
                    step: "check",
                    state: "Missing",
                },
                ErrorClass::Failed,
            ),
            (StateError::Cancelled, ErrorClass::Cancelled),
        ];
        for (error, class) in cases {
            assert_eq!(error.class(), class, "{error}");
            assert_eq!(
                error.is_unreachable(),
                class == ErrorClass::Unreachable,
                "{error}"
            );
            assert_eq!(
                error.is_configuration(),
                class == ErrorClass::Configuration,
                "{error}"
            );
        }
    }

    #[test]
    fn connect_errors_keep_their_server_codes() {
        let denied = StateError::AccessDenied {
            user: "u".into(),
            address: "h:1".into(),
            without_tls: false,
        };
        let unknown = StateError::UnknownDatabase {
            database: "d".into(),
            address: "h:1".into(),
            visible: vec![],
        };
        let no_rights = StateError::DatabaseAccessDenied {
            user: "u".into(),
            database: "d".into(),
            visible: vec![],
        };
        assert_eq!(denied.server_code(), Some(1045));
        assert_eq!(unknown.server_code(), Some(1049));
        assert_eq!(no_rights.server_code(), Some(1044));
        assert_eq!(StateError::step("x").server_code(), None);
    }

    #[test]
    fn each_retry_predicate_matches_its_code_only() {
        type Predicate = fn(&StateError) -> bool;
        let predicates: [(Predicate, u16); 3] = [
            (StateError::is_deadlock, 1213),
            (StateError::is_lock_wait_timeout, 1205),
            (StateError::is_write_conflict, 9007),
        ];
        for (predicate, code) in predicates {
            assert!(predicate(&server(code)), "{code}");
            for other in [1213, 1205, 9007, 1062].into_iter().filter(|c| *c != code) {
                assert!(!predicate(&server(other)), "{code} matched {other}");
            }
            assert!(!predicate(&StateError::step("x")));
        }
    }

    #[test]
    fn a_lost_connection_is_said_once_with_its_reason() {
        let lost = |kind, text: &str| {
            StateError::from_driver(mysql_async::Error::Io(mysql_async::IoError::Io(
                std::io::Error::new(kind, text.to_string()),
            )))
            .to_string()
        };
        assert_eq!(
            lost(std::io::ErrorKind::UnexpectedEof, "connection closed"),
            "the connection was lost (the server closed it): the server killed it, restarted or became unreachable"
        );
        let broken = lost(std::io::ErrorKind::BrokenPipe, "Broken pipe");
        assert!(
            broken.starts_with("the connection was lost (Broken pipe)"),
            "{broken}"
        );
        assert!(!broken.contains("Input/output error"), "{broken}");
    }

    fn server(code: u16) -> StateError {
        StateError::from_driver(mysql_async::Error::Server(mysql_async::ServerError {
            code,
            message: "m".into(),
            state: "40001".into(),
        }))
    }

    #[test]
    fn classifies_transient_codes() {
        assert!(server(1213).is_deadlock() && server(1213).is_transient());
        assert!(server(1205).is_lock_wait_timeout() && server(1205).is_transient());
        assert!(server(9007).is_write_conflict() && server(9007).is_transient());
        // TiDB's "retry the whole transaction" (8002, 8022) and write-conflict (8005) codes.
        for code in [8002, 8005, 8022, 8028] {
            assert!(server(code).is_transient(), "{code}");
        }
        assert!(!server(1062).is_transient());
        assert!(!StateError::step("x").is_transient());
    }

    #[test]
    fn server_error_keeps_code_and_source() {
        let e = server(1213);
        assert_eq!(e.server_code(), Some(1213));
        assert_eq!(e.to_string(), "server error 1213 (40001): m");
        assert!(std::error::Error::source(&e).is_some());
    }

    #[test]
    fn unknown_database_lists_visible_ones() {
        let e = StateError::UnknownDatabase {
            database: "tset".into(),
            address: "127.0.0.1:3306".into(),
            visible: vec!["test".into(), "information_schema".into()],
        };
        assert_eq!(
            e.to_string(),
            "database `tset` does not exist on 127.0.0.1:3306 (databases this user can see: test, information_schema)"
        );
    }
}
