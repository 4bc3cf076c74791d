//! The `--config FILE.toml` format: a list of named connections, each a URL
//! or host/port/user/database, with the password inline or in a named
//! environment variable, and statements to run on each new session. Unknown keys, duplicate ids and empty lists are
//! errors that name the file.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use test_rig::config::{parse_duration, parse_port, url_sets, DEFAULT_CONNECT_TIMEOUT};
use test_rig::{ConnectionConfig, Password, SslMode};

/// One `[[connection]]` entry as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: String,
    url: Option<String>,
    host: Option<String>,
    port: Option<toml::Value>,
    user: Option<String>,
    database: Option<String>,
    password: Option<String>,
    password_env: Option<String>,
    ssl_mode: Option<String>,
    ssl_ca: Option<PathBuf>,
    connect_timeout: Option<String>,
    session_init: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    connection: Vec<Entry>,
}

/// A named connection from the file.
#[derive(Debug, Clone)]
pub struct NamedConnection {
    /// The entry's `id`.
    pub id: String,
    /// Where it connects.
    pub config: ConnectionConfig,
}

/// Defaults from the command line for what an entry leaves out.
#[derive(Debug, Clone, Copy)]
pub struct Defaults {
    /// `--connect-timeout`, if given: for entries whose own `connect_timeout`
    /// key and URL say nothing.
    pub connect_timeout: Option<Duration>,
    /// `--ssl-mode`, if given: likewise a default for the entries.
    pub ssl_mode: Option<SslMode>,
}

/// Reads and checks a connections file.
pub fn load(path: &Path, defaults: Defaults) -> Result<Vec<NamedConnection>, String> {
    let shown = path.display();
    let text = test_rig::input_file::read_limited(path)
        .map_err(|e| format!("cannot read config `{shown}`: {e}"))?;
    parse(&text, defaults).map_err(|e| format!("config `{shown}`: {e}"))
}

/// Parses the text of a connections file.
pub fn parse(text: &str, defaults: Defaults) -> Result<Vec<NamedConnection>, String> {
    let file: File = toml::from_str(text).map_err(|e| describe_toml_error(text, &e))?;
    if file.connection.is_empty() {
        return Err("lists no connections: add at least one [[connection]] with an id".into());
    }
    let mut seen = std::collections::HashSet::new();
    file.connection
        .into_iter()
        .map(|entry| {
            if !seen.insert(entry.id.clone()) {
                return Err(format!(
                    "two connections have id `{}`: ids must be unique",
                    entry.id
                ));
            }
            let id = entry.id.clone();
            match entry.into_config(defaults) {
                Ok(config) => Ok(NamedConnection { id, config }),
                Err(e) => Err(format!("connection `{id}`: {e}")),
            }
        })
        .collect()
}

/// A TOML error as `line L, column C: message`, without toml's excerpt of
/// the source: the excerpt can hold a password (`password = "..." junk`, or
/// any line of a multi-line string), and line and column say where to look.
/// Values of `password` keys that toml quotes in its message (`invalid type:
/// integer `1234`...`) are masked as well.
fn describe_toml_error(text: &str, e: &toml::de::Error) -> String {
    let mut message = e.message().trim_end().replace('\n', " ");
    for secret in password_values(text) {
        message = message.replace(&secret, "***");
    }
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// What `password` keys hold, when the text is valid TOML at all (a syntax
/// error's message quotes no values).
fn password_values(text: &str) -> Vec<String> {
    let Ok(table) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    collect_passwords(&toml::Value::Table(table), &mut found);
    found.retain(|s| !s.is_empty());
    found
}

fn collect_passwords(value: &toml::Value, found: &mut Vec<String>) {
    match value {
        toml::Value::Table(table) => {
            for (key, v) in table {
                if key == "password" {
                    match v {
                        toml::Value::String(s) => found.push(s.clone()),
                        toml::Value::Table(_) | toml::Value::Array(_) => {}
                        other => found.push(other.to_string()),
                    }
                }
                collect_passwords(v, found);
            }
        }
        toml::Value::Array(items) => items.iter().for_each(|v| collect_passwords(v, found)),
        _ => {}
    }
}

impl Entry {
    fn into_config(self, defaults: Defaults) -> Result<ConnectionConfig, String> {
        if self.id.trim().is_empty() {
            return Err("the id is empty".into());
        }
        let defaults_of = crate::cli::default_target();
        let mut config = match &self.url {
            Some(url) => {
                if self.host.is_some()
                    || self.port.is_some()
                    || self.user.is_some()
                    || self.database.is_some()
                {
                    return Err("give either `url` or host/port/user/database, not both".into());
                }
                ConnectionConfig::from_url(url).map_err(|e| e.to_string())?
            }
            None => ConnectionConfig {
                host: self.host.clone().unwrap_or(defaults_of.host.clone()),
                port: match &self.port {
                    None => defaults_of.port,
                    Some(toml::Value::Integer(n)) => {
                        parse_port(&n.to_string()).map_err(|e| e.to_string())?
                    }
                    Some(toml::Value::String(s)) => parse_port(s).map_err(|e| e.to_string())?,
                    Some(other) => {
                        return Err(format!(
                            "invalid port `{other}`: expected a number from 1 to 65535"
                        ))
                    }
                },
                user: self.user.clone().unwrap_or(defaults_of.user.clone()),
                database: self.database.clone().or(defaults_of.database.clone()),
                ..crate::cli::default_target()
            },
        };
        // The entry's own keys, then its URL, then the command line's
        // defaults, then the built-in ones.
        let url_sets = |key| self.url.as_deref().is_some_and(|u| url_sets(u, key));
        match &self.connect_timeout {
            Some(t) => {
                config.connect_timeout =
                    parse_duration("connect_timeout", t).map_err(|e| e.to_string())?
            }
            None if url_sets("connect-timeout") => {}
            None => {
                config.connect_timeout = defaults.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT)
            }
        }
        let own_mode = self
            .ssl_mode
            .as_deref()
            .map(str::parse::<SslMode>)
            .transpose()
            .map_err(|e| e.to_string())?;
        match (own_mode, defaults.ssl_mode) {
            (Some(mode), _) => config.tls.mode = mode,
            (None, _) if url_sets("ssl-mode") => {}
            (None, Some(mode)) => config.tls.mode = mode,
            (None, None) => {}
        }
        if let Some(ca) = self.ssl_ca {
            config.tls.ca = Some(ca);
        }
        match (self.password, self.password_env) {
            (Some(_), Some(_)) => {
                return Err("give either `password` or `password_env`, not both".into())
            }
            (Some(p), None) => config.password = Some(Password::new(p)),
            (None, Some(var)) => {
                let value = std::env::var(&var)
                    .map_err(|_| format!("password_env names `{var}`, which is not set"))?;
                config.password = Some(Password::new(value));
            }
            (None, None) => {}
        }
        config.session_init = self.session_init.unwrap_or_default();
        config.validate().map_err(|e| e.to_string())?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULTS: Defaults = Defaults {
        connect_timeout: Some(Duration::from_secs(3)),
        ssl_mode: None,
    };

    #[test]
    fn reads_urls_and_fields() {
        std::env::set_var("RIG_TEST_PW_A", "s3cret");
        let list = parse(
            r#"
            [[connection]]
            id = "a"
            host = "db1"
            port = 4000
            password_env = "RIG_TEST_PW_A"

            [[connection]]
            id = "b"
            url = "mysql://app@db2:4001/shop"
            connect_timeout = "1s"
            session_init = ["SET SESSION wsrep_sync_wait = 1", "SET @a = 1"]
            "#,
            DEFAULTS,
        )
        .unwrap();
        assert!(list[0].config.session_init.is_empty());
        assert_eq!(
            list[1].config.session_init,
            ["SET SESSION wsrep_sync_wait = 1", "SET @a = 1"]
        );
        assert_eq!(list[0].config.address(), "db1:4000");
        assert_eq!(list[0].config.password.as_ref().unwrap().expose(), "s3cret");
        assert_eq!(list[0].config.connect_timeout, Duration::from_secs(3));
        assert_eq!(list[1].config.database.as_deref(), Some("shop"));
        assert_eq!(list[1].config.connect_timeout, Duration::from_secs(1));
    }

    #[test]
    fn an_entry_s_url_wins_over_the_command_line_defaults() {
        let defaults = Defaults {
            connect_timeout: Some(Duration::from_secs(3)),
            ssl_mode: Some(SslMode::Disabled),
        };
        let list = parse(
            "[[connection]]\nid = \"url\"\nurl = \"mysql://h/d?connect-timeout=7s&ssl-mode=required\"\n\n\
             [[connection]]\nid = \"plain\"\nurl = \"mysql://h/d\"\n\n\
             [[connection]]\nid = \"keys\"\nurl = \"mysql://h/d?connect-timeout=7s\"\nconnect_timeout = \"1s\"\nssl_mode = \"preferred\"\n",
            defaults,
        )
        .unwrap();
        let got: Vec<(Duration, SslMode)> = list
            .iter()
            .map(|c| (c.config.connect_timeout, c.config.tls.mode))
            .collect();
        assert_eq!(
            got,
            [
                (Duration::from_secs(7), SslMode::Required),
                (Duration::from_secs(3), SslMode::Disabled),
                (Duration::from_secs(1), SslMode::Preferred),
            ]
        );
    }

    #[test]
    fn names_each_mistake() {
        let cases = [
            (
                "[[connection]]\nid = \"a\"\nhots = \"x\"\n",
                "unknown field `hots`",
            ),
            (
                "[[connection]]\nid = \"a\"\n[[connection]]\nid = \"a\"\n",
                "two connections have id `a`",
            ),
            ("", "lists no connections"),
            (
                "[[connection]]\nid = \"a\"\nport = 70000\n",
                "invalid port `70000`",
            ),
            (
                "[[connection]]\nid = \"a\"\nurl = \"mysql://h\"\nhost = \"h\"\n",
                "either `url` or host",
            ),
            (
                "[[connection]]\nid = \"a\"\npassword_env = \"RIG_SURELY_UNSET\"\n",
                "`RIG_SURELY_UNSET`, which is not set",
            ),
            (
                "[[connection]]\nid = \"a\"\nssl_mode = \"sometimes\"\n",
                "invalid ssl mode `sometimes`",
            ),
            ("[[connection]\nid = 1", "line 1, column"),
            (
                "[[connection]]\nid = \"a\"\npassword = 12345678\n",
                "line 3, column 12: invalid type: integer `***`",
            ),
        ];
        for (text, needle) in cases {
            let err = parse(text, DEFAULTS).unwrap_err();
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn a_syntax_error_on_the_password_line_does_not_show_the_password() {
        for text in [
            "[[connection]]\nid = \"a\"\npassword = \"s3cr3t-pw\" junk\n",
            "[[connection]]\nid = \"a\"\npassword = \"\"\"\ns3cr3t-pw\" junk\n",
            "[[connection]]\nid = \"a\"\npassword = 's3cr3t-pw\n",
            "[[connection]]\nid = \"a\"\npassword = [\"s3cr3t-pw\"]\n",
            "[[connection]]\nid = \"a\"\npassword = \"s3cr3t-pw\"\npassword = \"x\"\n",
        ] {
            let err = parse(text, DEFAULTS).unwrap_err();
            assert!(!err.contains("s3cr3t"), "{text:?}: {err}");
            assert!(err.starts_with("line "), "{text:?}: {err}");
        }
    }

    #[test]
    fn invalid_toml_names_line_and_column() {
        let err = parse("[[connection]]\nid = \"a\"\nport = \n", DEFAULTS).unwrap_err();
        assert!(err.contains("line 3, column"), "{err}");
    }
}
