//! What every CLI test shares: the test server and its URL, a tool run with
//! no terminal and none of the environment fallbacks, and its output read
//! back as text or JSON.
// Each test binary uses its own subset.
#![allow(dead_code)]

#[path = "../../../testing/processlist.rs"]
pub mod processlist;

use mysql_async::prelude::Queryable;
use std::process::{Command, Output, Stdio};

#[path = "../../../testing/server.rs"]
mod test_server;
pub use test_server::server;

/// A plain driver connection to the test server, for setting up and
/// inspecting what a tool does.
pub async fn admin() -> mysql_async::Conn {
    let s = server();
    let opts = mysql_async::OptsBuilder::default()
        .ip_or_hostname(s.host.clone())
        .tcp_port(s.port)
        .user(Some(s.user.clone()))
        .pass(s.password.as_ref().map(|p| p.expose().to_string()))
        .db_name(s.database.clone())
        .prefer_socket(false);
    mysql_async::Conn::new(opts)
        .await
        .expect("admin connection to the test server")
}

/// A user that exists only for one test, dropped by
/// [`drop_now`](Self::drop_now).
pub struct TempUser {
    /// The user name, `rig_<tag>_<pid>`.
    pub name: String,
}

impl TempUser {
    /// Creates `rig_<tag>_<pid>`@`%` with `password` and each of `grants`
    /// (`"SELECT ON `test`.*"`, `"PROCESS ON *.*"`).
    pub async fn create(tag: &str, password: &str, grants: &[&str]) -> TempUser {
        let name = format!("rig_{tag}_{}", std::process::id());
        let mut c = admin().await;
        c.query_drop(format!("DROP USER IF EXISTS '{name}'@'%'"))
            .await
            .unwrap();
        c.query_drop(format!(
            "CREATE USER '{name}'@'%' IDENTIFIED BY {}",
            sql_string(password)
        ))
        .await
        .unwrap();
        for grant in grants {
            c.query_drop(format!("GRANT {grant} TO '{name}'@'%'"))
                .await
                .unwrap();
        }
        TempUser { name }
    }

    /// Gives the user a new password.
    pub async fn set_password(&self, password: &str) {
        let mut c = admin().await;
        c.query_drop(format!(
            "ALTER USER '{}'@'%' IDENTIFIED BY {}",
            self.name,
            sql_string(password)
        ))
        .await
        .unwrap();
    }

    /// Drops the user.
    pub async fn drop_now(self) {
        let mut c = admin().await;
        c.query_drop(format!("DROP USER IF EXISTS '{}'@'%'", self.name))
            .await
            .unwrap();
    }
}

/// `text` as a quoted SQL string literal, backslashes and quotes escaped.
pub fn sql_string(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A URL for the test server with another user, password or database.
pub fn url_for(user: &str, password: Option<&str>, database: &str) -> String {
    let auth = match password {
        Some(p) => format!("{user}:{p}"),
        None => user.to_string(),
    };
    format!("mysql://{auth}@{}/{database}", server().address())
}

/// The test server's URL, password included.
pub fn server_url() -> String {
    let s = server();
    url_for(
        &s.user,
        s.password.as_ref().map(|p| p.expose()),
        s.database.as_deref().unwrap_or("test"),
    )
}

/// The binary at `path` with no terminal on stdin and none of
/// `TEST_RIG_URL`, `MYSQL_PWD`, `MYSQL_HOST` and `MYSQL_TCP_PORT` unless
/// the test sets them.
pub fn tool(path: &str) -> Command {
    let mut cmd = Command::new(path);
    cmd.env_remove("TEST_RIG_URL")
        .env_remove("MYSQL_PWD")
        .env_remove("MYSQL_HOST")
        .env_remove("MYSQL_TCP_PORT")
        .env_remove("MYSQL_UNIX_PORT")
        .stdin(Stdio::null());
    cmd
}

/// Sends SIGINT (what Ctrl-C sends) to a running tool.
pub fn interrupt(child: &std::process::Child) {
    send_signal(child, "INT");
}

/// Sends the signal `name` (`INT`, `TERM`) to a running tool.
pub fn send_signal(child: &std::process::Child, name: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "SIG{name} was delivered");
}

/// The ids of the connections running a statement that holds `marker`.
pub async fn statements_running(marker: &str) -> Vec<u64> {
    admin()
        .await
        .query(processlist::statements_holding(marker))
        .await
        .expect("the processlist is readable")
}

/// Waits (at most `limit`) until a statement holding `marker` runs.
pub async fn wait_until_running(marker: &str, limit: std::time::Duration) {
    let ids = processlist::poll(limit, || statements_running(marker), |ids| !ids.is_empty()).await;
    assert!(
        !ids.is_empty(),
        "no statement holding {marker} started within {limit:?}"
    );
}

/// The statements holding `marker` still listed after up to `limit`: a
/// killed thread stays listed a moment after its KILL returns, a statement
/// nobody stopped for minutes.
pub async fn still_listed(marker: &str, limit: std::time::Duration) -> Vec<u64> {
    processlist::poll(limit, || statements_running(marker), <[u64]>::is_empty).await
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The JSON document a tool printed for a run that failed before it had a
/// report: checks it names the tool, the exit code and the error's class,
/// and gives its message.
pub fn failure_document(out: &Output, tool: &str, exit: i32, class: &str) -> String {
    assert_eq!(out.status.code(), Some(exit), "{}", stderr(out));
    let doc = json(out);
    assert_eq!(doc["tool"], tool);
    assert_eq!(doc["outcome"], "failed");
    assert_eq!(doc["exit_code"], exit);
    assert_eq!(doc["error"]["class"], class);
    doc["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Standard output and standard error, as text.
pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Standard error, as text.
pub fn stderr(o: &Output) -> String {
    text(o).1
}

/// Standard output, parsed as one JSON document.
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is JSON ({e}): {}",
            String::from_utf8_lossy(&o.stdout)
        )
    })
}

/// The `step` of each entry of a JSON `transitions` array, in order.
pub fn step_names(transitions: &serde_json::Value) -> Vec<&str> {
    transitions
        .as_array()
        .expect("transitions is an array")
        .iter()
        .map(|t| t["step"].as_str().expect("each transition names its step"))
        .collect()
}

/// The steps of the common states, in the order a passing run takes them
/// against a server with a database to check.
pub const COMMON_STEPS: [&str; 5] = [
    "parse_config",
    "connect",
    "test_connection",
    "verify_database",
    "get_version",
];

/// One `<testcase>` of a JUnit file: its class, name and how it ended
/// (`passed`, `failure`, `error` or `skipped`) with that element's message.
#[derive(Debug, Clone, PartialEq)]
pub struct JunitCase {
    pub classname: String,
    pub name: String,
    pub status: String,
    pub message: String,
}

/// The test cases of the JUnit file at `path`, read with a conforming XML
/// parser (a document that is not well-formed fails the test), and the
/// `<testsuite>`'s `tests`, `failures`, `errors` and `skipped` counts.
pub fn junit_cases(path: &std::path::Path) -> (Vec<JunitCase>, [usize; 4]) {
    use quick_xml::events::Event;
    let xml = std::fs::read_to_string(path).expect("the JUnit file was written");
    let mut reader = quick_xml::Reader::from_str(&xml);
    let attr = |e: &quick_xml::events::BytesStart, key: &str| -> String {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == key.as_bytes())
            .map(|a| a.unescape_value().unwrap().into_owned())
            .unwrap_or_default()
    };
    let mut cases: Vec<JunitCase> = Vec::new();
    let mut counts = [0; 4];
    loop {
        match reader.read_event() {
            Err(e) => panic!("not well-formed XML ({e}): {xml}"),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e) | Event::Empty(e)) => match e.name().as_ref() {
                b"testsuite" => {
                    for (i, key) in ["tests", "failures", "errors", "skipped"]
                        .iter()
                        .enumerate()
                    {
                        counts[i] = attr(&e, key).parse().unwrap_or(0);
                    }
                }
                b"testcase" => cases.push(JunitCase {
                    classname: attr(&e, "classname"),
                    name: attr(&e, "name"),
                    status: "passed".into(),
                    message: String::new(),
                }),
                tag @ (b"failure" | b"error" | b"skipped") => {
                    let case = cases.last_mut().expect("a status inside a testcase");
                    case.status = String::from_utf8_lossy(tag).into_owned();
                    case.message = attr(&e, "message");
                }
                _ => {}
            },
            Ok(_) => {}
        }
    }
    (cases, counts)
}

/// A fresh directory of this test process for `tag`'s files.
pub fn scratch_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rig-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
