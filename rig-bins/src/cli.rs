//! Connection options shared by every tool, in the mysql client's habits,
//! and how they become a `ConnectionConfig`: `--url`, else the flags, else
//! `TEST_RIG_URL`, else the first local server that answers.

use crate::option_file::ClientOptions;
use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;
use test_rig::config::{
    parse_duration, parse_port, password_from_env, DEFAULT_CONNECT_TIMEOUT, URL_ENV,
};
use test_rig::{ConfigError, ConnectionConfig, ErrorClass, Password, SslMode};

/// The database a tool checks and selects when nothing names one (the
/// mysql client selects none; TiDB creates `test` on bootstrap).
pub const DEFAULT_DATABASE: &str = "test";

/// What a tool connects to where nothing (flag, URL, environment, option
/// file) names a setting: the library's defaults (`127.0.0.1:3306`, user
/// `root`) and [`DEFAULT_DATABASE`]. Written once, for every tool and the
/// `--config` file's entries.
pub fn default_target() -> ConnectionConfig {
    ConnectionConfig {
        database: Some(DEFAULT_DATABASE.into()),
        ..ConnectionConfig::default()
    }
}

pub use crate::report_output::OutputFormat;

/// Where and how to connect.
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// Server URL: mysql://user:password@host:port/database?ssl-mode=MODE (all but
    /// the host optional). Give it more than once for a cluster's nodes:
    /// sessions are spread over them round-robin.
    /// Without --url and without --host/--port/--user/--database, TEST_RIG_URL is used; without
    /// that either, 127.0.0.1:4000 (TiDB) then 127.0.0.1:3306 are tried.
    #[arg(long, value_name = "URL", conflicts_with_all = ["host", "port", "user", "database", "socket"])]
    pub url: Vec<String>,

    /// A statement to run on every session right after it connects (and
    /// reconnects); repeatable, run in order. E.g.
    /// "SET SESSION wsrep_sync_wait = 1" (Galera: reads wait for the
    /// cluster), "SET SESSION tidb_txn_mode = 'pessimistic'".
    #[arg(long, value_name = "SQL")]
    pub session_init: Vec<String>,

    /// Server host name or IP address [default: MYSQL_HOST, else 127.0.0.1].
    /// `-h` as for the mysql client (`-H` is kept as an alias); help is
    /// `--help` or `-?`.
    #[arg(short = 'h', short_alias = 'H', long, value_name = "HOST")]
    pub host: Option<String>,

    /// Print help (`-h` is the host, as for the mysql client).
    #[arg(short = '?', long = "help", action = clap::ArgAction::Help)]
    pub help: Option<bool>,

    /// Server TCP port [default: MYSQL_TCP_PORT, else 3306].
    #[arg(short = 'P', long, value_name = "PORT", value_parser = port_arg)]
    pub port: Option<u16>,

    /// A Unix socket to connect through instead of TCP, as the mysql
    /// client's -S [default: MYSQL_UNIX_PORT when no host or port is given].
    #[arg(short = 'S', long, value_name = "FILE", conflicts_with_all = ["host", "port"])]
    pub socket: Option<PathBuf>,

    /// User name [default: root].
    #[arg(short = 'u', long, value_name = "USER")]
    pub user: Option<String>,

    /// Password. `-p` alone asks for it on the terminal; `-pSECRET` or
    /// `--password=SECRET` give it inline (visible to other users of the
    /// machine: prefer MYSQL_PWD). Without it, MYSQL_PWD is used if set.
    #[arg(short = 'p', long, value_name = "PASSWORD", num_args = 0..=1)]
    pub password: Option<Option<String>>,

    /// Database to check and use [default: test].
    #[arg(short = 'D', long, value_name = "DATABASE")]
    pub database: Option<String>,

    /// Limit on resolving the host, connecting and the handshake, e.g. 500ms, 10s
    /// [default: the URL's connect-timeout, else 10s].
    #[arg(long, value_name = "DURATION", value_parser = duration_arg)]
    pub connect_timeout: Option<Duration>,

    /// TLS: disabled, preferred (TLS when offered), required, verify-ca,
    /// verify-identity (what TiDB Cloud needs) [default: preferred].
    #[arg(long, value_name = "MODE", value_parser = ssl_mode_arg)]
    pub ssl_mode: Option<SslMode>,

    /// PEM file of CA certificates to verify the server with (verify-ca, verify-identity).
    #[arg(long, value_name = "FILE")]
    pub ssl_ca: Option<PathBuf>,

    /// An option file to read instead of ~/.my.cnf: its `[client]` and
    /// `[test-rig]` groups give host, port, socket, user, password,
    /// database, ssl-mode, ssl-ca, connect-timeout where nothing else does.
    #[arg(long, value_name = "FILE", conflicts_with = "no_defaults")]
    pub defaults_file: Option<PathBuf>,

    /// Reads no option file, not even ~/.my.cnf.
    #[arg(long)]
    pub no_defaults: bool,
}

/// The command line, parsed as `T`, after one check clap cannot make: a
/// password flag followed by a separate word. The mysql client reads
/// `-p word` as "ask for the password" and `word` as the database; taking
/// `word` as the password instead would test other credentials than meant.
/// Such a line is refused with exit 2 and how to write either meaning.
pub fn parse_args<T: clap::Parser>(tool: &str) -> T {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Err(message) = check_password_spacing(&args) {
        err!("{tool}: error: {message}");
        std::process::exit(i32::from(crate::exit_code::USAGE));
    }
    T::parse_from(attached_passwords_verbatim(args))
}

/// `-pSECRET` as `--password=SECRET`, so that a password beginning with
/// `=` keeps it: clap reads `-p=x` as the value `x`, the mysql client as
/// the password `=x`.
fn attached_passwords_verbatim(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    args.into_iter()
        .map(|arg| match arg.to_str() {
            Some(text) if text.len() > 2 && text.starts_with("-p") => {
                format!("--password={}", &text[2..]).into()
            }
            _ => arg,
        })
        .collect()
}

fn check_password_spacing(args: &[std::ffi::OsString]) -> Result<(), String> {
    for pair in args.windows(2) {
        let (flag, next) = (pair[0].to_string_lossy(), pair[1].to_string_lossy());
        if (flag == "-p" || flag == "--password") && !next.starts_with('-') {
            return Err(format!(
                "`{flag} {next}`: a password is given attached, `-p{next}` or `--password={next}` (better: MYSQL_PWD); `{flag}` alone asks for it, and `{next}` would then be the database, which is `-D {next}`"
            ));
        }
    }
    Ok(())
}

fn port_arg(value: &str) -> Result<u16, String> {
    parse_port(value).map_err(|_| "expected a number from 1 to 65535".to_string())
}

/// Reads a duration flag in the one grammar (see the README's "Durations");
/// clap names the flag and the value, this says what is wrong with it.
pub fn duration_arg(value: &str) -> Result<Duration, String> {
    parse_duration("duration", value).map_err(|e| match e {
        test_rig::ConfigError::InvalidDuration { why, .. } => why.to_string(),
        other => other.to_string(),
    })
}

fn ssl_mode_arg(value: &str) -> Result<SslMode, String> {
    value.parse().map_err(|e: ConfigError| {
        e.to_string()
            .trim_start_matches(&format!("invalid ssl mode `{value}`: "))
            .to_string()
    })
}

/// What the tool will connect to, and how it was chosen.
#[derive(Debug, Clone)]
pub struct Target {
    /// The configuration: the first endpoint.
    pub config: ConnectionConfig,
    /// Every endpoint (one per `--url`; else just `config`), each with the
    /// same overrides, for tools that spread sessions over them.
    pub endpoints: Vec<ConnectionConfig>,
    /// A sentence for the user when the target was found rather than given.
    pub note: Option<String>,
}

/// Why the options do not make a usable target.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// A setting is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// `-p` without a value, but there is no terminal to ask on.
    #[error("-p asks for the password on a terminal, but standard input is not one: set MYSQL_PWD, or give it with --password=... or in --url")]
    NoTerminal,
    /// The terminal prompt failed.
    #[error("could not read the password: {0}")]
    Prompt(String),
    /// Nothing given and nothing found.
    #[error("{0}")]
    NothingFound(String),
}

impl TargetError {
    /// The documented exit code: unreachable when nothing answered, usage otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            TargetError::NothingFound(_) => crate::exit_code::UNREACHABLE,
            _ => crate::exit_code::USAGE,
        }
    }
}

impl ConnectionArgs {
    /// [`resolve`](Self::resolve) for a tool named `tool`: prints the note
    /// on how the target was found on stderr; on error reports it (with
    /// `--format json`, as a document on stdout too) and gives the exit code.
    pub async fn resolve_for(&self, tool: &str, format: OutputFormat) -> Result<Target, u8> {
        use crate::report_output::{fail_with, interrupted};
        let Some(resolved) = crate::signals::unless_interrupted(self.resolve()).await else {
            return Err(interrupted(tool, format, "finding the server"));
        };
        match resolved {
            Ok(target) => {
                if let Some(note) = &target.note {
                    err!("{tool}: {note}");
                }
                Ok(target)
            }
            Err(e) => {
                let class = match e {
                    TargetError::NothingFound(_) => ErrorClass::Unreachable,
                    _ => ErrorClass::Configuration,
                };
                Err(fail_with(tool, format, class, &e.to_string(), None))
            }
        }
    }

    /// [`resolve_for`](Self::resolve_for) for a tool that runs against one
    /// server: more than one `--url` is refused (exit 2) rather than all
    /// but the first silently ignored.
    pub async fn resolve_single_for(&self, tool: &str, format: OutputFormat) -> Result<Target, u8> {
        if self.url.len() > 1 {
            let message = format!(
                "{tool} runs against one server, but --url is given {} times: give one (consistency, simple_multi_connection and python_demo spread sessions over several)",
                self.url.len()
            );
            return Err(crate::report_output::fail_with(
                tool,
                format,
                ErrorClass::Configuration,
                &message,
                None,
            ));
        }
        self.resolve_for(tool, format).await
    }

    /// The flags' host and port, else the mysql client's environment
    /// (`MYSQL_HOST`, `MYSQL_TCP_PORT`), else the defaults.
    fn flags_target(&self, env: &ClientEnv, file: Option<&ClientOptions>) -> ConnectionConfig {
        let socket = self.socket_of(env, file);
        let defaults = default_target();
        // As the mysql client: a socket is the local server, `localhost`.
        let default_host = if socket.is_some() {
            "localhost".to_string()
        } else {
            defaults.host.clone()
        };
        ConnectionConfig {
            host: self
                .host
                .clone()
                .or_else(|| env.host.clone())
                .or_else(|| file.and_then(|f| f.host.clone()))
                .unwrap_or(default_host),
            port: self
                .port
                .or(env.port)
                .or(file.and_then(|f| f.port))
                .unwrap_or(defaults.port),
            socket,
            user: self
                .user
                .clone()
                .or_else(|| file.and_then(|f| f.user.clone()))
                .unwrap_or(defaults.user.clone()),
            database: self
                .database
                .clone()
                .or_else(|| file.and_then(|f| f.database.clone()))
                .or(defaults.database.clone()),
            ..defaults
        }
    }

    /// The socket: `-S`; else, where no flag names a host or port,
    /// `MYSQL_UNIX_PORT`; else, where the environment names neither, the
    /// option file's.
    fn socket_of(&self, env: &ClientEnv, file: Option<&ClientOptions>) -> Option<PathBuf> {
        if self.socket.is_some() || self.host.is_some() || self.port.is_some() {
            return self.socket.clone();
        }
        if env.socket.is_some() || env.host.is_some() || env.port.is_some() {
            return env.socket.clone();
        }
        file.and_then(|f| f.socket.clone())
    }

    fn names_a_target(&self) -> bool {
        self.host.is_some()
            || self.port.is_some()
            || self.socket.is_some()
            || self.user.is_some()
            || self.database.is_some()
    }

    /// Builds the target: `--url`, else the flags (with `MYSQL_HOST`,
    /// `MYSQL_TCP_PORT`, `MYSQL_UNIX_PORT`, then the option file, where they
    /// leave something out), else `TEST_RIG_URL`, else those variables,
    /// else the option file when it names a server, else auto-detection.
    /// Prompts for the password when `-p` was given alone.
    pub async fn resolve(&self) -> Result<Target, TargetError> {
        let mut note = None;
        let client_env = ClientEnv::read(|name| std::env::var(name).ok())?;
        let file = crate::option_file::load(self.defaults_file.as_deref(), self.no_defaults)?;
        let file_note = file
            .as_ref()
            .filter(|f| !f.not_followed.is_empty())
            .map(|f| {
                format!(
                    "option file `{}`: not followed: {}",
                    f.path.display(),
                    f.not_followed.join(", ")
                )
            });
        // Flags silently winning over the environment's URL would leave a
        // user testing another server than the one they exported.
        let env_set = std::env::var_os(URL_ENV).is_some_and(|v| !v.is_empty());
        if env_set && (!self.url.is_empty() || self.names_a_target()) {
            let by = if !self.url.is_empty() {
                "--url names"
            } else {
                "--host/--port/--socket/--user/--database name"
            };
            note = Some(format!("{URL_ENV} is set but not used: {by} the target"));
        }
        let mut configs = self
            .url
            .iter()
            .map(|url| ConnectionConfig::from_url(url))
            .collect::<Result<Vec<_>, _>>()?;
        // The raw URL each config came from, where one did: its own
        // settings win over the option file's.
        let mut raw_urls: Vec<Option<String>> = self.url.iter().cloned().map(Some).collect();
        let first = if let Some(first) = configs.first() {
            first.clone()
        } else if self.names_a_target() {
            self.flags_target(&client_env, file.as_ref())
        } else if let Some(config) = ConnectionConfig::from_env()? {
            note = Some(format!("target from {URL_ENV}: {config}"));
            raw_urls.push(std::env::var(URL_ENV).ok());
            config
        } else if client_env.is_set() {
            let config = self.flags_target(&client_env, file.as_ref());
            note = Some(format!(
                "target from MYSQL_HOST/MYSQL_TCP_PORT/MYSQL_UNIX_PORT: {config}"
            ));
            config
        } else if let Some(f) = file.as_ref().filter(|f| f.names_a_server()) {
            let config = self.flags_target(&client_env, Some(f));
            note = Some(format!(
                "target from option file `{}`: {config}",
                f.path.display()
            ));
            config
        } else {
            let probe = self
                .connect_timeout
                .unwrap_or(DEFAULT_CONNECT_TIMEOUT)
                .min(Duration::from_secs(1));
            let (host, port, found) = crate::target::detect(probe)
                .await
                .ok_or_else(|| TargetError::NothingFound(crate::target::nothing_found()))?;
            note = Some(found);
            ConnectionConfig {
                host: host.into(),
                port,
                ..default_target()
            }
        };
        if configs.is_empty() {
            configs.push(first);
        }
        let password = match &self.password {
            Some(Some(inline)) => Some(Password::new(inline.clone())),
            Some(None) => Some(prompt_password()?),
            None => None,
        };
        for (i, config) in configs.iter_mut().enumerate() {
            if let Some(f) = &file {
                apply_option_file(config, f, raw_urls.get(i).cloned().flatten().as_deref());
            }
            self.override_settings(config, password.as_ref(), file.as_ref());
            config.validate()?;
        }
        let note = match (note, file_note) {
            (Some(n), Some(f)) => Some(format!("{n}; {f}")),
            (n, f) => n.or(f),
        };
        Ok(Target {
            config: configs[0].clone(),
            endpoints: configs,
            note,
        })
    }

    /// Another endpoint for a run already resolved to `target` (a session
    /// placed on another node): `url` with the same flags applied; its
    /// password, when the URL has none, is the target's.
    pub fn configure_url(
        &self,
        url: &str,
        target: &Target,
    ) -> Result<ConnectionConfig, TargetError> {
        let mut config = ConnectionConfig::from_url(url)?;
        let given = self.password.as_ref().and(target.config.password.as_ref());
        self.override_settings(&mut config, given, None);
        if config.password.is_none() {
            config.password = target.config.password.clone();
        }
        config.validate()?;
        Ok(config)
    }

    /// The flags that apply to any target: an explicit flag wins over the
    /// URL, which wins over the default; where neither gave a password,
    /// `MYSQL_PWD`'s, else the option file's.
    fn override_settings(
        &self,
        config: &mut ConnectionConfig,
        password: Option<&Password>,
        file: Option<&ClientOptions>,
    ) {
        if let Some(t) = self.connect_timeout {
            config.connect_timeout = t;
        }
        if let Some(mode) = self.ssl_mode {
            config.tls.mode = mode;
        }
        if let Some(ca) = &self.ssl_ca {
            config.tls.ca = Some(ca.clone());
            if self.ssl_mode.is_none() && config.tls.mode == SslMode::Preferred {
                config.tls.mode = SslMode::VerifyCa;
            }
        }
        match password {
            Some(given) => config.password = Some(given.clone()),
            None if config.password.is_none() => {
                config.password =
                    password_from_env().or_else(|| file.and_then(|f| f.password.clone()))
            }
            None => {}
        }
        config
            .session_init
            .extend(self.session_init.iter().cloned());
    }
}

/// What an option file gives besides the address and the password: TLS
/// and connect-timeout settings the URL (`url`) does not set (the flags,
/// applied after, win over them).
fn apply_option_file(config: &mut ConnectionConfig, file: &ClientOptions, url: Option<&str>) {
    let url_sets = |key: &str| url.is_some_and(|u| test_rig::config::url_sets(u, key));
    if let Some(mode) = file.ssl_mode.filter(|_| !url_sets("ssl-mode")) {
        config.tls.mode = mode;
    }
    if let Some(ca) = file.ssl_ca.as_ref().filter(|_| !url_sets("ssl-ca")) {
        config.tls.ca = Some(ca.clone());
        // As --ssl-ca: a CA with no mode given means verifying with it.
        if config.tls.mode == SslMode::Preferred && file.ssl_mode.is_none() {
            config.tls.mode = SslMode::VerifyCa;
        }
    }
    if let Some(t) = file
        .connect_timeout
        .filter(|_| !url_sets("connect-timeout"))
    {
        config.connect_timeout = t;
    }
}

/// The mysql client's environment variables for the server's address.
#[derive(Debug, Default, PartialEq)]
struct ClientEnv {
    /// `MYSQL_HOST`.
    host: Option<String>,
    /// `MYSQL_TCP_PORT`.
    port: Option<u16>,
    /// `MYSQL_UNIX_PORT`: the socket's path, despite the name.
    socket: Option<PathBuf>,
}

impl ClientEnv {
    /// Reads them through `lookup` (the process environment, or a test's);
    /// empty values count as unset.
    fn read(lookup: impl Fn(&str) -> Option<String>) -> Result<ClientEnv, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let port = match get("MYSQL_TCP_PORT") {
            Some(text) => Some(parse_port(text.trim()).map_err(|_| {
                ConfigError::Invalid(format!(
                    "MYSQL_TCP_PORT is `{text}`: expected a number from 1 to 65535"
                ))
            })?),
            None => None,
        };
        Ok(ClientEnv {
            host: get("MYSQL_HOST").map(|h| h.trim().to_string()),
            port,
            socket: get("MYSQL_UNIX_PORT").map(PathBuf::from),
        })
    }

    fn is_set(&self) -> bool {
        self.host.is_some() || self.port.is_some() || self.socket.is_some()
    }
}

fn prompt_password() -> Result<Password, TargetError> {
    if !std::io::stdin().is_terminal() {
        return Err(TargetError::NoTerminal);
    }
    rpassword::prompt_password("Enter password: ")
        .map(Password::new)
        .map_err(|e| TargetError::Prompt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// As every tool declares it: the host takes `-h`, so the command's
    /// own `-h` for help is off.
    #[derive(Parser)]
    #[command(disable_help_flag = true)]
    struct Cli {
        #[command(flatten)]
        conn: ConnectionArgs,
    }

    fn parse(args: &[&str]) -> Result<ConnectionArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("tool").chain(args.iter().copied())).map(|c| c.conn)
    }

    #[test]
    fn an_attached_password_is_taken_verbatim_even_after_an_equals_sign() {
        let args: Vec<std::ffi::OsString> = ["basic", "-p=se=cret", "-pplain", "-P", "3306", "-p"]
            .iter()
            .map(Into::into)
            .collect();
        let out: Vec<String> = attached_passwords_verbatim(args)
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect();
        assert_eq!(
            out,
            [
                "basic",
                "--password==se=cret",
                "--password=plain",
                "-P",
                "3306",
                "-p"
            ]
        );
        let parsed = Cli::try_parse_from(["tool", "--password==se=cret"]).unwrap();
        assert_eq!(parsed.conn.password, Some(Some("=se=cret".to_string())));
    }

    #[test]
    fn a_password_flag_then_a_separate_word_is_refused() {
        let check = |line: &[&str]| {
            let args: Vec<std::ffi::OsString> = line.iter().map(Into::into).collect();
            check_password_spacing(&args)
        };
        assert!(check(&["basic", "-psecret", "-u", "me"]).is_ok());
        assert!(check(&["basic", "--password=secret"]).is_ok());
        assert!(check(&["basic", "-p", "-u", "me"]).is_ok(), "-p alone asks");
        assert!(check(&["basic", "-u", "me", "-p"]).is_ok());
        assert_eq!(
            check(&["basic", "-p", "shop"]).unwrap_err(),
            "`-p shop`: a password is given attached, `-pshop` or `--password=shop` (better: MYSQL_PWD); `-p` alone asks for it, and `shop` would then be the database, which is `-D shop`"
        );
        assert!(check(&["basic", "--password", "x"]).is_err());
    }

    #[test]
    fn the_mysql_clients_environment_fills_in_what_the_flags_leave_out() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            ClientEnv::read(move |name| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            })
        };
        let e = env(&[("MYSQL_HOST", "db7"), ("MYSQL_TCP_PORT", "4000")]).unwrap();
        assert_eq!((e.host.as_deref(), e.port), (Some("db7"), Some(4000)));
        let flags = parse(&["-u", "me"]).unwrap();
        let c = flags.flags_target(&e, None);
        assert_eq!(
            (c.host.as_str(), c.port, c.user.as_str()),
            ("db7", 4000, "me")
        );
        // A flag wins over the environment.
        let c = parse(&["-h", "db1", "-P", "3307"])
            .unwrap()
            .flags_target(&e, None);
        assert_eq!((c.host.as_str(), c.port), ("db1", 3307));
        // Unset or empty: the defaults.
        let none = env(&[("MYSQL_HOST", " ")]).unwrap();
        assert!(!none.is_set());
        let c = parse(&["-u", "me"]).unwrap().flags_target(&none, None);
        assert_eq!((c.host.as_str(), c.port), ("127.0.0.1", 3306));
        // A socket from the environment only where no host or port is given.
        let s = env(&[("MYSQL_UNIX_PORT", "/run/m.sock")]).unwrap();
        assert!(s.is_set());
        let c = parse(&["-u", "me"]).unwrap().flags_target(&s, None);
        assert_eq!(
            (c.host.as_str(), c.socket.as_deref()),
            ("localhost", Some(std::path::Path::new("/run/m.sock")))
        );
        let c = parse(&["-P", "3307"]).unwrap().flags_target(&s, None);
        assert_eq!((c.host.as_str(), c.socket), ("127.0.0.1", None));
        let c = parse(&["-S", "/tmp/x.sock"])
            .unwrap()
            .flags_target(&s, None);
        assert_eq!(
            c.socket.as_deref(),
            Some(std::path::Path::new("/tmp/x.sock"))
        );
        assert!(parse(&["-S", "/tmp/x.sock", "--url", "mysql://h"]).is_err());
        let bad = env(&[("MYSQL_TCP_PORT", "33o6")]).unwrap_err().to_string();
        assert!(
            bad.contains("MYSQL_TCP_PORT is `33o6`: expected a number from 1 to 65535"),
            "{bad}"
        );
    }

    #[tokio::test]
    async fn flags_fill_in_defaults() {
        let args = parse(&["-h", "db1", "-pse:cret", "--ssl-mode", "REQUIRED"]).unwrap();
        let target = args.resolve().await.unwrap();
        let c = target.config;
        assert_eq!(
            (c.host.as_str(), c.port, c.user.as_str()),
            ("db1", 3306, "root")
        );
        assert_eq!(c.database.as_deref(), Some("test"));
        assert_eq!(c.password.unwrap().expose(), "se:cret");
        assert_eq!(c.tls.mode, SslMode::Required);
    }

    #[tokio::test]
    async fn connect_timeout_flag_then_url_then_default() {
        let resolved = |args: &[&str]| {
            let args = parse(args).unwrap();
            async move { args.resolve().await.unwrap().config.connect_timeout }
        };
        let url = "mysql://root@h/d?connect-timeout=7s";
        assert_eq!(resolved(&["--url", url]).await, Duration::from_secs(7));
        assert_eq!(
            resolved(&["--url", url, "--connect-timeout", "2s"]).await,
            Duration::from_secs(2)
        );
        assert_eq!(
            resolved(&["--url", "mysql://root@h/d"]).await,
            DEFAULT_CONNECT_TIMEOUT
        );
        assert_eq!(resolved(&["-h", "h"]).await, DEFAULT_CONNECT_TIMEOUT);
    }

    #[test]
    fn url_conflicts_with_host() {
        let e = parse(&["--url", "mysql://root@h/d", "-h", "x"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::ArgumentConflict);
    }

    #[test]
    fn bad_port_and_timeout_are_rejected_by_name() {
        let e = parse(&["-P", "70000"]).unwrap_err().to_string();
        assert!(e.contains("70000") && e.contains("1 to 65535"), "{e}");
        let e = parse(&["--connect-timeout", "soon"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("soon") && e.contains("500ms"), "{e}");
    }

    #[test]
    fn password_flag_forms() {
        assert_eq!(parse(&["-p"]).unwrap().password, Some(None));
        assert_eq!(
            parse(&["--password=x"]).unwrap().password,
            Some(Some("x".into()))
        );
        assert_eq!(
            parse(&["-psecret"]).unwrap().password,
            Some(Some("secret".into()))
        );
        assert_eq!(parse(&["-p", "-D", "x"]).unwrap().password, Some(None));
        assert_eq!(parse(&[]).unwrap().password, None);
    }
}
