//! The mysql client's option files: `--defaults-file FILE`, else
//! `~/.my.cnf`. Only the `[client]` group (and test-rig's own
//! `[test-rig]`, which wins over it) is read, and of it only what names a
//! server: host, port, socket, user, password, database, ssl-mode, ssl-ca,
//! connect-timeout. Other options, which other clients use, are left alone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use test_rig::config::{parse_port, ConfigError, Password, SslMode};

/// The groups read, the later winning.
const GROUPS: [&str; 2] = ["client", "test-rig"];

/// What an option file says about the server.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ClientOptions {
    /// The file read.
    pub path: PathBuf,
    /// `host`.
    pub host: Option<String>,
    /// `port`.
    pub port: Option<u16>,
    /// `socket`.
    pub socket: Option<PathBuf>,
    /// `user`.
    pub user: Option<String>,
    /// `password`.
    pub password: Option<Password>,
    /// `database`.
    pub database: Option<String>,
    /// `ssl-mode`.
    pub ssl_mode: Option<SslMode>,
    /// `ssl-ca`.
    pub ssl_ca: Option<PathBuf>,
    /// `connect-timeout`, in seconds as for the mysql client.
    pub connect_timeout: Option<std::time::Duration>,
    /// `!include` and `!includedir` lines, which are not followed.
    pub not_followed: Vec<String>,
}

impl ClientOptions {
    /// Whether it names a server (host, port or socket).
    pub fn names_a_server(&self) -> bool {
        self.host.is_some() || self.port.is_some() || self.socket.is_some()
    }
}

/// Reads `--defaults-file` when given (it must exist), else `~/.my.cnf`
/// when there is one; `None` with `no_defaults` or no file.
pub fn load(
    defaults_file: Option<&Path>,
    no_defaults: bool,
) -> Result<Option<ClientOptions>, ConfigError> {
    let path = match defaults_file {
        Some(path) => path.to_path_buf(),
        None if no_defaults => return Ok(None),
        None => match std::env::var_os("HOME") {
            Some(home) => {
                let path = PathBuf::from(home).join(".my.cnf");
                if !path.is_file() {
                    return Ok(None);
                }
                path
            }
            None => return Ok(None),
        },
    };
    let text = test_rig::input_file::read_limited(&path).map_err(|e| {
        ConfigError::Invalid(format!("cannot read option file `{}`: {e}", path.display()))
    })?;
    parse(&text, &path).map(Some)
}

/// A value as the mysql client reads it: quotes taken off (with their
/// escapes), else a trailing `#` comment and spaces.
fn value_of(raw: &str) -> String {
    let raw = raw.trim();
    let quote = raw.chars().next().filter(|c| *c == '"' || *c == '\'');
    let Some(quote) = quote else {
        let cut = raw.find(" #").or_else(|| raw.find("\t#"));
        return cut.map_or(raw, |i| &raw[..i]).trim_end().to_string();
    };
    let mut out = String::new();
    let mut chars = raw[1..].chars();
    while let Some(c) = chars.next() {
        match c {
            c if c == quote => break,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('b') => out.push('\u{8}'),
                Some('s') => out.push(' '),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

/// Parses an option file's text; `path` names it in errors.
pub fn parse(text: &str, path: &Path) -> Result<ClientOptions, ConfigError> {
    let at = |line: usize, what: String| {
        ConfigError::Invalid(format!(
            "option file `{}`, line {line}: {what}",
            path.display()
        ))
    };
    let mut group = String::new();
    let mut values: BTreeMap<(usize, String), String> = BTreeMap::new();
    let mut options = ClientOptions {
        path: path.to_path_buf(),
        ..ClientOptions::default()
    };
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with("!include") {
            options.not_followed.push(line.to_string());
            continue;
        }
        if let Some(name) = line.strip_prefix('[') {
            let name = name.strip_suffix(']').ok_or_else(|| {
                at(
                    i + 1,
                    format!("`{line}` opens a group but does not close it with `]`"),
                )
            })?;
            group = name.trim().to_ascii_lowercase();
            continue;
        }
        let Some(rank) = GROUPS.iter().position(|g| *g == group) else {
            continue;
        };
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        let key = key.trim().to_ascii_lowercase().replace('_', "-");
        values.insert((rank, key), value_of(value));
    }
    for ((_, key), value) in values {
        let bad = |expected: &str| {
            ConfigError::Invalid(format!(
                "option file `{}`: {key} is `{value}`: expected {expected}",
                path.display()
            ))
        };
        match key.as_str() {
            "host" => options.host = Some(value),
            "port" => {
                options.port =
                    Some(parse_port(&value).map_err(|_| bad("a number from 1 to 65535"))?)
            }
            "socket" => options.socket = Some(PathBuf::from(value)),
            "user" => options.user = Some(value),
            "password" => options.password = Some(Password::new(value)),
            "database" => options.database = Some(value),
            "ssl-mode" => {
                options.ssl_mode = Some(value.parse().map_err(|_| {
                    bad("disabled, preferred, required, verify-ca or verify-identity")
                })?)
            }
            "ssl-ca" => options.ssl_ca = Some(PathBuf::from(value)),
            "connect-timeout" => {
                let seconds: u64 = value
                    .parse()
                    .ok()
                    .filter(|s| (1..=3600).contains(s))
                    .ok_or_else(|| bad("whole seconds from 1 to 3600"))?;
                options.connect_timeout = Some(std::time::Duration::from_secs(seconds));
            }
            _ => {}
        }
    }
    Ok(options)
}

#[cfg(test)]
#[path = "option_file_tests.rs"]
mod tests;
