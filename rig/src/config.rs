//! `ConnectionConfig`: where and how to connect (host, port, user, password,
//! database, timeouts, TLS), built from a `mysql://` URL, the environment or
//! by hand. The password is redacted in every `Debug` and `Display`.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Environment variable naming the server URL, e.g. `mysql://root@127.0.0.1:4000/test`.
pub const URL_ENV: &str = "TEST_RIG_URL";
/// The local development server (`scripts/dev-db` starts it): what tests use
/// when `TEST_RIG_URL` is not set (feature `testing`).
#[cfg(any(test, feature = "testing"))]
pub const LOCAL_TEST_URL: &str = "mysql://root@127.0.0.1:3306/test";
/// Environment variable holding the password, as the mysql client reads it.
pub const PASSWORD_ENV: &str = "MYSQL_PWD";

/// A bad connection setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The URL does not parse.
    #[error(
        "invalid URL `{url}`: {reason}; expected mysql://user[:password]@host[:port][/database]"
    )]
    InvalidUrl {
        /// The URL with any password replaced by `***`.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The port is not a number from 1 to 65535.
    #[error("invalid port `{0}`: expected a number from 1 to 65535")]
    InvalidPort(String),
    /// The TLS mode is not one of the known ones.
    #[error("invalid ssl mode `{0}`: expected one of disabled, preferred, required, verify-ca, verify-identity")]
    InvalidSslMode(String),
    /// A CA file was given but cannot be read, or holds no certificate.
    #[error("cannot use CA file `{path}`: {reason}")]
    CaFile {
        /// The path as given.
        path: String,
        /// The I/O error, or what the file lacks.
        reason: String,
    },
    /// A CA file was given with a mode that does not verify certificates.
    #[error(
        "a CA file (ssl-ca) only applies to ssl-mode verify-ca and verify-identity (got `{0}`)"
    )]
    CaWithoutVerify(SslMode),
    /// A duration setting is invalid.
    #[error("invalid {what} `{value}`: {why}")]
    InvalidDuration {
        /// Which setting.
        what: &'static str,
        /// The value as given.
        value: String,
        /// What is wrong with it, and the grammar.
        why: test_rig_rules::duration::DurationError,
    },
    /// Any other invalid setting.
    #[error("{0}")]
    Invalid(String),
}

/// A password that never shows itself in `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(secret: impl Into<String>) -> Self {
        Password(secret.into())
    }

    /// The secret itself, for the driver only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// TLS modes, named as the mysql client names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    /// Plain TCP.
    Disabled,
    /// TLS without certificate checks when the server offers it, plain TCP otherwise.
    #[default]
    Preferred,
    /// TLS without certificate checks; fail when the server does not offer it.
    Required,
    /// TLS, certificate chain checked against the CA (system roots unless `--ssl-ca`), host name not checked.
    VerifyCa,
    /// TLS, certificate chain and host name checked (what TiDB Cloud needs).
    VerifyIdentity,
}

impl SslMode {
    /// The mode's name as accepted on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disabled => "disabled",
            SslMode::Preferred => "preferred",
            SslMode::Required => "required",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyIdentity => "verify-identity",
        }
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SslMode {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "disabled" | "false" | "0" => Ok(SslMode::Disabled),
            "preferred" => Ok(SslMode::Preferred),
            "required" | "true" | "1" => Ok(SslMode::Required),
            "verify-ca" => Ok(SslMode::VerifyCa),
            "verify-identity" => Ok(SslMode::VerifyIdentity),
            _ => Err(ConfigError::InvalidSslMode(s.to_string())),
        }
    }
}

/// TLS settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsConfig {
    /// The mode.
    pub mode: SslMode,
    /// A PEM file of CA certificates to trust instead of the system roots.
    pub ca: Option<PathBuf>,
}

/// Where and how to connect.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionConfig {
    /// Host name or IP address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// A Unix socket to connect through instead of TCP (as the mysql
    /// client's `--socket`): host and port are then not used.
    pub socket: Option<PathBuf>,
    /// User name.
    pub user: String,
    /// Password, if any.
    pub password: Option<Password>,
    /// Database to check and use, if any.
    pub database: Option<String>,
    /// Limit on resolving, connecting and the handshake.
    pub connect_timeout: Duration,
    /// Limit on each statement; `None` waits as long as the server takes.
    pub statement_timeout: Option<Duration>,
    /// TLS settings.
    pub tls: TlsConfig,
    /// Statements run on every session right after it connects (and
    /// after each reconnect), in order: `SET SESSION wsrep_sync_wait = 1`,
    /// `SET SESSION tidb_txn_mode = 'pessimistic'`.
    pub session_init: Vec<String>,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        ConnectionConfig {
            host: "127.0.0.1".into(),
            port: 3306,
            socket: None,
            user: "root".into(),
            password: None,
            database: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            statement_timeout: None,
            tls: TlsConfig::default(),
            session_init: Vec::new(),
        }
    }
}

impl fmt::Debug for ConnectionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("socket", &self.socket)
            .field("user", &self.user)
            .field("password", &self.password)
            .field("database", &self.database)
            .field("connect_timeout", &self.connect_timeout)
            .field("statement_timeout", &self.statement_timeout)
            .field("tls", &self.tls)
            .field("session_init", &self.session_init)
            .finish()
    }
}

impl fmt::Display for ConnectionConfig {
    /// The URL form with the password shown as `***`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = percent_encoding::utf8_percent_encode(&self.user, USERINFO);
        write!(f, "mysql://{user}")?;
        if self.password.is_some() {
            f.write_str(":***")?;
        }
        write!(f, "@{}:{}", host_for_url(&self.host), self.port)?;
        if let Some(db) = &self.database {
            write!(f, "/{db}")?;
        }
        if let Some(socket) = &self.socket {
            let path = socket.to_string_lossy();
            let path = percent_encoding::utf8_percent_encode(&path, QUERY_VALUE);
            write!(f, "?{SOCKET}={path}")?;
        }
        Ok(())
    }
}

const USERINFO: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// What a socket path keeps unencoded in a URL's query.
const QUERY_VALUE: &percent_encoding::AsciiSet = &USERINFO.remove(b'/');

fn host_for_url(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// The scheme with its `://` (`mysql://`), or nothing when there is none.
fn scheme_prefix(raw: &str) -> &str {
    &raw[..raw.find("://").map_or(0, |i| i + 3)]
}

/// Replaces the password in a URL-like string by `***`, even when the rest
/// does not parse, so that error messages never echo a secret. The user
/// part ends at the *last* `@` (a password may hold `@`, `/`, `?` or `#`),
/// and what follows the user's `:` up to there is hidden; a URL with no
/// `@` has everything after its first `host:` hidden, because a password
/// with the host forgotten (`user:secret`) cannot be told from a port.
pub fn redact_url(raw: &str) -> String {
    let (head, rest) = raw.split_at(scheme_prefix(raw).len());
    match rest.rfind('@') {
        Some(at) => {
            let userinfo = &rest[..at];
            match userinfo.find(':') {
                Some(colon) => format!("{head}{}:***{}", &userinfo[..colon], &rest[at..]),
                // No `:` before the last `@`: but a `/`, `?` or `#` there may
                // still cut a password out of what looks like the user.
                None if userinfo.contains(['/', '?', '#']) => format!("{head}***{}", &rest[at..]),
                None => raw.to_string(),
            }
        }
        None => {
            let authority = authority(raw);
            match authority.find(':') {
                // Errors only come here: a `host:port` is shown as `host:***`,
                // since `user:password` with the host forgotten looks the same.
                Some(colon) if !authority.starts_with('[') => {
                    format!("{head}{}:***", &authority[..colon])
                }
                _ => raw.to_string(),
            }
        }
    }
}

/// Whether the password of `raw` holds a `/`, `?` or `#` that cuts the
/// user part short: the first of them comes before every `@`, a `:` before
/// it, and an `@` after it.
fn password_cut_short(raw: &str) -> bool {
    let rest = &raw[scheme_prefix(raw).len()..];
    let Some(cut) = rest.find(['/', '?', '#']) else {
        return false;
    };
    let before = &rest[..cut];
    before.contains(':') && !before.contains('@') && rest[cut..].contains('@')
}

/// The connect timeout when nothing sets one.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

const SSL_MODE: &str = "ssl-mode";
const SSL_CA: &str = "ssl-ca";
const CONNECT_TIMEOUT: &str = "connect-timeout";
const STATEMENT_TIMEOUT: &str = "statement-timeout";
const SOCKET: &str = "socket";
/// The query parameters a URL may give, by their canonical names.
const URL_PARAMETERS: [&str; 5] = [SSL_MODE, SSL_CA, CONNECT_TIMEOUT, STATEMENT_TIMEOUT, SOCKET];

/// The canonical name of a URL query parameter, in any spelling accepted
/// (`ssl_mode`, `sslmode`, `connect_timeout`...), or `None` if unknown.
fn url_parameter(key: &str) -> Option<&'static str> {
    let key = key.replace('_', "-");
    let key = if key == "sslmode" { SSL_MODE } else { &key };
    URL_PARAMETERS.into_iter().find(|p| *p == key)
}

/// Whether a URL's query sets the parameter `key` (its canonical name:
/// `connect-timeout`, `ssl-mode`...), so that a caller can let what the URL
/// says win over its own default.
pub fn url_sets(raw: &str, key: &str) -> bool {
    url::Url::parse(raw.trim()).is_ok_and(|url| {
        url.query_pairs()
            .any(|(k, _)| url_parameter(&k) == Some(key))
    })
}

/// The authority part of a URL: between `://` and the first `/`, `?` or
/// `#` (a password holding one of those ends it early: see
/// `password_cut_short`).
fn authority(raw: &str) -> &str {
    let rest = &raw[scheme_prefix(raw).len()..];
    rest.split(['/', '?', '#']).next().unwrap_or("")
}

/// Parses a duration in test-rig's one grammar ([`test_rig_rules::duration`]): `500ms`,
/// `10s`, `1m 30s`, `2h`, or a number alone, in seconds.
pub fn parse_duration(what: &'static str, value: &str) -> Result<Duration, ConfigError> {
    test_rig_rules::duration::parse(value).map_err(|why| ConfigError::InvalidDuration {
        what,
        value: value.to_string(),
        why,
    })
}

/// Parses a port number, rejecting 0 and anything above 65535.
pub fn parse_port(value: &str) -> Result<u16, ConfigError> {
    match value.trim().parse::<u32>() {
        Ok(n) if (1..=65535).contains(&n) => Ok(n as u16),
        _ => Err(ConfigError::InvalidPort(value.to_string())),
    }
}

impl ConnectionConfig {
    /// `host:port`, or the socket's path, as used in messages.
    pub fn address(&self) -> String {
        match &self.socket {
            Some(socket) => socket.display().to_string(),
            None => format!("{}:{}", host_for_url(&self.host), self.port),
        }
    }

    /// Parses `mysql://user[:password]@host[:port][/database][?ssl-mode=...&ssl-ca=...]`.
    /// `tidb://` and `mariadb://` are accepted as synonyms. A URL without a
    /// port uses 3306; without a database, none is checked.
    pub fn from_url(raw: &str) -> Result<Self, ConfigError> {
        let invalid = |reason: &str| ConfigError::InvalidUrl {
            url: redact_url(raw),
            reason: reason.to_string(),
        };
        if password_cut_short(raw.trim()) {
            return Err(invalid(
                "the password contains `/`, `?` or `#`: percent-encode it (`%2F`, `%3F`, `%23`) or give it apart from the URL (-p, MYSQL_PWD)",
            ));
        }
        // Where the host itself does not parse, the last `@` may sit inside
        // the password: nothing after the scheme can be shown safely.
        let hidden = |reason: &str| ConfigError::InvalidUrl {
            url: format!("{}***", scheme_prefix(raw)),
            reason: reason.to_string(),
        };
        let url = url::Url::parse(raw.trim()).map_err(|e| match e {
            url::ParseError::InvalidPort => invalid("the port must be a number from 1 to 65535"),
            url::ParseError::RelativeUrlWithoutBase => invalid("it has no scheme"),
            url::ParseError::EmptyHost
            | url::ParseError::IdnaError
            | url::ParseError::InvalidIpv4Address
            | url::ParseError::InvalidIpv6Address
            | url::ParseError::InvalidDomainCharacter => {
                hidden(&format!("the host does not parse ({e})"))
            }
            other => invalid(&other.to_string()),
        })?;
        if !matches!(url.scheme(), "mysql" | "tidb" | "mariadb") {
            // What looks like a scheme may be the start of `user:password`.
            return Err(hidden(&format!(
                "unsupported scheme `{}` (use mysql://)",
                url.scheme()
            )));
        }
        let host = match url.host() {
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            Some(h) => h.to_string(),
            None => return Err(hidden("it names no host")),
        };
        if host.is_empty() {
            return Err(hidden("it names no host"));
        }
        let port = url.port().unwrap_or(3306);
        if port == 0 {
            return Err(invalid("the port must be a number from 1 to 65535"));
        }
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| {
                    invalid("the user or password is not valid UTF-8 after percent-decoding")
                })
        };
        let mut config = ConnectionConfig {
            host,
            port,
            ..ConnectionConfig::default()
        };
        if !url.username().is_empty() {
            config.user = decode(url.username())?;
        } else if authority(raw.trim()).contains('@') {
            // `mysql://@host` or `mysql://:pw@host`: a user was meant to be
            // given; defaulting to root would connect as someone else.
            return Err(invalid("the user name before `@` is empty"));
        }
        if let Some(p) = url.password() {
            config.password = Some(Password(decode(p)?));
        }
        let db = url.path().trim_start_matches('/');
        if db.contains('/') {
            return Err(invalid("the path must be a single database name"));
        }
        if !db.is_empty() {
            config.database = Some(decode(db)?);
        }
        for (key, value) in url.query_pairs() {
            match url_parameter(&key) {
                Some(SSL_MODE) => config.tls.mode = value.parse()?,
                Some(SSL_CA) => config.tls.ca = Some(PathBuf::from(value.as_ref())),
                Some(CONNECT_TIMEOUT) => {
                    config.connect_timeout = parse_duration("connect timeout", &value)?
                }
                Some(SOCKET) => config.socket = Some(PathBuf::from(value.as_ref())),
                // STATEMENT_TIMEOUT, the one name left.
                Some(_) => {
                    config.statement_timeout = Some(parse_duration("statement timeout", &value)?)
                }
                None => {
                    return Err(invalid(&format!(
                        "unknown parameter `{key}` (known: {})",
                        URL_PARAMETERS.join(", ")
                    )))
                }
            }
        }
        Ok(config)
    }

    /// The configuration from `TEST_RIG_URL` (and `MYSQL_PWD` when the URL
    /// has no password), or `None` when `TEST_RIG_URL` is unset or empty.
    pub fn from_env() -> Result<Option<Self>, ConfigError> {
        Self::from_variables(|name| std::env::var(name).ok())
    }

    /// [`Self::from_env`] over any source of variables, so that the rule
    /// can be tested without changing the process environment.
    fn from_variables(
        variable: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ConfigError> {
        let Some(url) = variable(URL_ENV).filter(|u| !u.trim().is_empty()) else {
            return Ok(None);
        };
        let mut config = Self::from_url(&url)?;
        if config.password.is_none() {
            config.password = variable(PASSWORD_ENV).map(Password);
        }
        Ok(Some(config))
    }

    /// The server tests run against: `TEST_RIG_URL`, else [`LOCAL_TEST_URL`]
    /// (feature `testing`: test plumbing, not for tools).
    #[cfg(any(test, feature = "testing"))]
    pub fn for_tests() -> Result<Self, ConfigError> {
        match Self::from_env()? {
            Some(config) => Ok(config),
            None => Self::from_url(LOCAL_TEST_URL),
        }
    }

    /// Checks settings that only make sense together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.host.trim().is_empty() {
            return Err(ConfigError::Invalid("the host is empty".into()));
        }
        if self.user.is_empty() {
            return Err(ConfigError::Invalid("the user name is empty".into()));
        }
        if self
            .database
            .as_deref()
            .is_some_and(|d| d.trim().is_empty())
        {
            return Err(ConfigError::Invalid(
                "the database name is empty: name one, or leave it out for `test`".into(),
            ));
        }
        if let Some(ca) = &self.tls.ca {
            if !matches!(self.tls.mode, SslMode::VerifyCa | SslMode::VerifyIdentity) {
                return Err(ConfigError::CaWithoutVerify(self.tls.mode));
            }
            let ca_error = |reason: String| ConfigError::CaFile {
                path: ca.display().to_string(),
                reason,
            };
            let text = crate::input_file::read_limited(ca).map_err(|e| ca_error(e.to_string()))?;
            if !text.contains("-----BEGIN CERTIFICATE-----") {
                return Err(ca_error(
                    "it holds no PEM certificate (a `-----BEGIN CERTIFICATE-----` block)".into(),
                ));
            }
        }
        Ok(())
    }
}

/// The password from `MYSQL_PWD`, if set.
pub fn password_from_env() -> Option<Password> {
    std::env::var(PASSWORD_ENV).ok().map(Password)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A password shows as a mask, so that a report or log still says one
    /// was given.
    #[test]
    fn a_password_shows_as_a_mask() {
        let p = Password::new("s3cret-pw");
        assert_eq!(format!("{p}"), "***");
        assert_eq!(format!("{p:?}"), "\"***\"");
        assert_eq!(p.expose(), "s3cret-pw");
    }

    /// Each mode prints as the name the command line takes back.
    #[test]
    fn ssl_modes_print_as_they_are_parsed() {
        for (mode, name) in [
            (SslMode::Disabled, "disabled"),
            (SslMode::Preferred, "preferred"),
            (SslMode::Required, "required"),
            (SslMode::VerifyCa, "verify-ca"),
            (SslMode::VerifyIdentity, "verify-identity"),
        ] {
            assert_eq!(mode.to_string(), name);
            assert_eq!(name.parse::<SslMode>().unwrap(), mode);
        }
    }

    #[test]
    fn durations_in_every_unit_and_at_the_bounds() {
        for (text, secs) in [
            ("2m", 120.0),
            ("1m 30s", 90.0),
            ("1h", 3600.0),
            ("5 s", 5.0),
            ("0.5", 0.5),
            ("999999999", 999_999_999.0),
        ] {
            assert_eq!(
                parse_duration("t", text).unwrap().as_secs_f64(),
                secs,
                "{text}"
            );
        }
        for too_long in ["1000000000", "99999999999s", "300000h"] {
            let error = parse_duration("t", too_long).unwrap_err().to_string();
            assert!(
                error.contains(&format!("invalid t `{too_long}`")),
                "{error}"
            );
            assert!(error.contains("longer than"), "{error}");
        }
    }

    /// `Debug` shows every setting for diagnosis, the password masked.
    #[test]
    fn debug_shows_the_settings_and_masks_the_password() {
        let config = ConnectionConfig::from_url("mysql://app:s3cret-pw@db1:4000/shop").unwrap();
        let shown = format!("{config:?}");
        for part in ["db1", "4000", "app", "shop", "\"***\""] {
            assert!(shown.contains(part), "{part} in {shown}");
        }
        assert!(!shown.contains("s3cret-pw"), "{shown}");
    }

    #[test]
    fn url_sets_names_the_parameters_a_url_gives() {
        let url = "mysql://h/d?connect_timeout=2s&sslmode=required";
        assert!(url_sets(url, "connect-timeout"));
        assert!(url_sets(url, "ssl-mode"));
        assert!(!url_sets(url, "ssl-ca"));
        assert!(!url_sets("mysql://h/d", "connect-timeout"));
        assert!(!url_sets("mysql://h/d?connect-timeout=1s", "ssl-mode"));
    }

    #[test]
    fn an_empty_user_before_the_at_sign_is_refused_not_read_as_root() {
        for url in ["mysql://@h/d", "mysql://:secret-pw@h/d"] {
            let e = ConnectionConfig::from_url(url).unwrap_err().to_string();
            assert!(e.contains("the user name before `@` is empty"), "{e}");
            assert!(!e.contains("secret-pw"), "{e}");
        }
        assert_eq!(
            ConnectionConfig::from_url("mysql://h/d").unwrap().user,
            "root"
        );
    }

    #[test]
    fn an_empty_database_name_is_refused() {
        let config = ConnectionConfig {
            database: Some(String::new()),
            ..ConnectionConfig::default()
        };
        let e = config.validate().unwrap_err().to_string();
        assert!(e.contains("the database name is empty"), "{e}");
    }

    #[test]
    fn parses_full_url() {
        let c = ConnectionConfig::from_url(
            "mysql://app%40x:s%3Acret@db.example:4000/shop?ssl-mode=verify-identity&connect-timeout=3s",
        )
        .unwrap();
        assert_eq!(c.host, "db.example");
        assert_eq!(c.port, 4000);
        assert_eq!(c.user, "app@x");
        assert_eq!(c.password.as_ref().unwrap().expose(), "s:cret");
        assert_eq!(c.database.as_deref(), Some("shop"));
        assert_eq!(c.tls.mode, SslMode::VerifyIdentity);
        assert_eq!(c.connect_timeout, Duration::from_secs(3));
    }

    #[test]
    fn defaults_port_and_leaves_database_empty() {
        let c = ConnectionConfig::from_url("mysql://root@[::1]").unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.database.as_deref()),
            ("::1", 3306, None)
        );
        assert_eq!(c.address(), "[::1]:3306");
    }

    #[test]
    fn password_never_shows() {
        let c = ConnectionConfig::from_url("mysql://root:hunter2@h:1/d").unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
        assert_eq!(c.to_string(), "mysql://root:***@h:1/d");
    }

    #[test]
    fn bad_urls_are_named_without_the_password() {
        for (raw, needle) in [
            (
                "mysql://root:hunter2@h:99999/d",
                "port must be a number from 1 to 65535",
            ),
            (
                "mysql://root:hunter2@h:0/d",
                "port must be a number from 1 to 65535",
            ),
            (
                "postgres://root:hunter2@h/d",
                "unsupported scheme `postgres`",
            ),
            ("root:hunter2@h", "unsupported scheme"),
            (
                "mysql://root:hunter2@h/d?sslmode=maybe",
                "invalid ssl mode `maybe`",
            ),
            (
                "mysql://root:hunter2@h/d?colour=blue",
                "unknown parameter `colour`",
            ),
            ("mysql://root:hunter2@h/a/b", "single database name"),
        ] {
            let e = ConnectionConfig::from_url(raw).unwrap_err().to_string();
            assert!(e.contains(needle), "{raw}: {e}");
            assert!(!e.contains("hunter2"), "{raw}: {e}");
        }
    }

    #[test]
    fn redacts_passwords_that_hold_url_delimiters() {
        for pw in ["se/cret", "pa#ss", "pa?ss", "a@b/c?d#e", "x:y@z"] {
            let raw = format!("mysql://u:{pw}@127.0.0.1/d");
            assert_eq!(redact_url(&raw), "mysql://u:***@127.0.0.1/d", "{pw}");
            match ConnectionConfig::from_url(&raw) {
                Err(e) => {
                    let e = e.to_string();
                    assert!(!e.contains(pw), "{e}");
                    // With an `@` before the `/`, the URL reads as another
                    // host: still redacted, but not recognised as a cut password.
                    if !pw.starts_with("a@") {
                        assert!(e.contains("percent-encode"), "{e}");
                    }
                }
                Ok(c) => assert!(!pw.starts_with("se") && !pw.starts_with("pa"), "{c:?}"),
            }
        }
        // The host forgotten: `u:secret` is no host:port.
        assert_eq!(redact_url("mysql://root:secret"), "mysql://root:***");
        assert_eq!(redact_url("mysql://root:123/x"), "mysql://root:***");
        assert_eq!(redact_url("mysql://h/d"), "mysql://h/d");
        assert_eq!(redact_url("mysql://[::1]:3306/d"), "mysql://[::1]:3306/d");
        // No `:`, but a delimiter before the last `@`: hide all of it.
        assert_eq!(redact_url("mysql://u/secret@h/d"), "mysql://***@h/d");
    }

    #[test]
    fn redacts_even_unparseable_urls() {
        assert_eq!(redact_url("mysql://u:p@ss@h:x/d"), "mysql://u:***@h:x/d");
        assert_eq!(redact_url("mysql://u@h/d"), "mysql://u@h/d");
        assert_eq!(redact_url("not a url"), "not a url");
        assert_eq!(redact_url("root:pw@h"), "root:***@h");
    }

    #[test]
    fn durations_and_ports() {
        assert_eq!(
            parse_duration("t", "250ms").unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(parse_duration("t", "2").unwrap(), Duration::from_secs(2));
        assert_eq!(
            parse_duration("t", "1.5s").unwrap(),
            Duration::from_millis(1500)
        );
        // The last was found by `cargo fuzz run duration`: it rounds to 0 ns.
        for bad in ["", "0", "-1s", "ten", "5 parsecs", "0.0000000000003ms"] {
            assert!(parse_duration("t", bad).is_err(), "{bad}");
        }
        assert_eq!(parse_port("4000").unwrap(), 4000);
        for bad in ["0", "65536", "-1", "x"] {
            assert_eq!(parse_port(bad), Err(ConfigError::InvalidPort(bad.into())));
        }
    }

    #[test]
    fn a_socket_in_the_url_reads_back_and_is_the_address() {
        let c = ConnectionConfig::from_url("mysql://u@localhost/d?socket=/run/my%20sql/s.sock")
            .unwrap();
        assert_eq!(
            c.socket.as_deref(),
            Some(std::path::Path::new("/run/my sql/s.sock"))
        );
        assert_eq!(c.address(), "/run/my sql/s.sock");
        assert_eq!(
            c.to_string(),
            "mysql://u@localhost:3306/d?socket=/run/my%20sql/s.sock"
        );
        assert_eq!(ConnectionConfig::from_url(&c.to_string()).unwrap(), c);
        assert!(url_sets("mysql://h/?socket=/s", "socket"));
        assert_eq!(ConnectionConfig::default().address(), "127.0.0.1:3306");
    }

    #[test]
    fn ca_needs_a_verifying_mode() {
        let mut c = ConnectionConfig::default();
        c.tls.ca = Some("/nonexistent/ca.pem".into());
        assert_eq!(
            c.validate(),
            Err(ConfigError::CaWithoutVerify(SslMode::Preferred))
        );
        c.tls.mode = SslMode::VerifyCa;
        assert!(matches!(c.validate(), Err(ConfigError::CaFile { .. })));
    }

    #[test]
    fn a_ca_file_must_hold_a_pem_certificate_and_either_verifying_mode_takes_it() {
        let dir = std::env::temp_dir();
        let pem = dir.join(format!("test-rig-ca-{}.pem", std::process::id()));
        let der = dir.join(format!("test-rig-ca-{}.der", std::process::id()));
        std::fs::write(
            &pem,
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let text = dir.join(format!("test-rig-ca-{}.txt", std::process::id()));
        std::fs::write(&der, [0x30u8, 0x82, 0x01, 0x0a]).unwrap();
        std::fs::write(&text, "not a certificate\n").unwrap();
        for mode in [SslMode::VerifyCa, SslMode::VerifyIdentity] {
            let mut c = ConnectionConfig::default();
            c.tls.mode = mode;
            c.tls.ca = Some(pem.clone());
            assert_eq!(c.validate(), Ok(()), "{mode}");
            c.tls.ca = Some(text.clone());
            assert!(
                matches!(c.validate(), Err(ConfigError::CaFile { ref reason, .. }) if reason.contains("no PEM certificate")),
                "{mode}"
            );
            // A DER certificate is binary: refused before the PEM check.
            c.tls.ca = Some(der.clone());
            assert!(
                matches!(c.validate(), Err(ConfigError::CaFile { ref reason, .. }) if reason.contains("not UTF-8")),
                "{mode}"
            );
        }
        for mode in [SslMode::Disabled, SslMode::Required] {
            let mut c = ConnectionConfig::default();
            c.tls.mode = mode;
            c.tls.ca = Some(pem.clone());
            assert_eq!(c.validate(), Err(ConfigError::CaWithoutVerify(mode)));
        }
        let _ = std::fs::remove_file(pem);
        let _ = std::fs::remove_file(der);
        let _ = std::fs::remove_file(text);
    }

    /// `TEST_RIG_URL` unset or blank means no configuration; `MYSQL_PWD`
    /// fills in a password the URL lacks and never replaces one it gives.
    #[test]
    fn the_environment_gives_a_url_and_a_password_only_where_the_url_has_none() {
        let vars = |url: Option<&'static str>, pwd: Option<&'static str>| {
            move |name: &str| match name {
                URL_ENV => url.map(String::from),
                PASSWORD_ENV => pwd.map(String::from),
                _ => None,
            }
        };
        assert_eq!(
            ConnectionConfig::from_variables(vars(None, Some("x"))),
            Ok(None)
        );
        assert_eq!(
            ConnectionConfig::from_variables(vars(Some("  "), None)),
            Ok(None)
        );
        let c = ConnectionConfig::from_variables(vars(Some("mysql://u@h:1/d"), Some("envpw")))
            .unwrap()
            .unwrap();
        assert_eq!((c.user.as_str(), c.host.as_str(), c.port), ("u", "h", 1));
        assert_eq!(c.password.as_ref().map(Password::expose), Some("envpw"));
        let c = ConnectionConfig::from_variables(vars(Some("mysql://u:urlpw@h/d"), Some("envpw")))
            .unwrap()
            .unwrap();
        assert_eq!(c.password.as_ref().map(Password::expose), Some("urlpw"));
        assert!(ConnectionConfig::from_variables(vars(Some("postgres://h"), None)).is_err());
    }
}

#[cfg(test)]
#[path = "config_redaction_tests.rs"]
mod redaction_tests;
