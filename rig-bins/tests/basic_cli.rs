//! The `basic` binary against the real server: the happy path in both
//! formats, and every kind of bad input with its exit code and message.

mod common;
use common::*;

use mysql_async::prelude::Queryable;
use std::net::TcpListener;
use std::process::Output;
use std::time::{Duration, Instant};

/// Runs `basic` with `args`, no terminal, and none of the environment
/// fallbacks unless a test sets them.
fn basic(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = tool(env!("CARGO_BIN_EXE_basic"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("basic runs")
}

#[tokio::test]
async fn happy_path_human_shows_every_transition_and_the_server() {
    let out = basic(&["--url", &server_url()], &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    for (from, to, step) in [
        ("ParsingConfig", "Connecting", "parse_config"),
        ("Connecting", "TestingConnection", "connect"),
        ("TestingConnection", "VerifyingDatabase", "test_connection"),
        ("VerifyingDatabase", "GettingVersion", "verify_database"),
        ("GettingVersion", "Completed", "get_version"),
    ] {
        let line = stdout
            .lines()
            .find(|l| l.contains(step))
            .unwrap_or_else(|| panic!("no line for {step}:\n{stdout}"));
        assert!(
            line.contains(from) && line.contains(to) && line.contains(" ms"),
            "{line}"
        );
    }
    let mut c = admin().await;
    let version: String = c.query_first("SELECT VERSION()").await.unwrap().unwrap();
    assert!(
        stdout.contains(&version),
        "summary lacks `{version}`:\n{stdout}"
    );
    assert!(stdout.contains("database    test"), "{stdout}");
}

#[tokio::test]
async fn happy_path_json_matches_the_server() {
    let out = basic(&["--url", &server_url(), "--format", "json"], &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let doc: serde_json::Value =
        serde_json::from_str(&stdout).expect("stdout is one JSON document");
    let mut c = admin().await;
    let version: String = c.query_first("SELECT VERSION()").await.unwrap().unwrap();
    assert_eq!(doc["outcome"], "passed");
    assert_eq!(doc["exit_code"], 0);
    assert_eq!(doc["server"]["version_string"], version.as_str());
    let expected_flavor = if version.contains("MariaDB") {
        "mariadb"
    } else {
        "mysql"
    };
    assert_eq!(doc["server"]["flavor"], expected_flavor);
    assert_eq!(doc["database"], "test");
    assert!(doc["round_trip_ms"].as_f64().unwrap() > 0.0);
    let steps = step_names(&doc["transitions"]);
    assert_eq!(steps, COMMON_STEPS);
    assert!(doc["error"].is_null());
}

#[test]
fn malformed_url_is_a_usage_error_without_the_password() {
    let out = basic(&["--url", "mysql://root:hunter2@127.0.0.1:99999/test"], &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("invalid URL") && stderr.contains("1 to 65535"),
        "{stderr}"
    );
    assert!(!stdout.contains("hunter2") && !stderr.contains("hunter2"));
    assert_eq!(stderr.lines().count(), 1, "one line, no trace: {stderr}");
}

#[test]
fn empty_database_and_empty_url_user_are_usage_errors_before_connecting() {
    let out = basic(&["-D", ""], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).trim(),
        "basic: error: the database name is empty: name one, or leave it out for `test`"
    );
    let out = basic(&["--url", "mysql://@127.0.0.1:1/test"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the user name before `@` is empty"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn port_out_of_range_is_a_usage_error() {
    let out = basic(&["-P", "70000"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("'70000'"));
}

#[test]
fn conflicting_url_and_host_is_a_usage_error() {
    let out = basic(&["--url", &server_url(), "-h", "127.0.0.1"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("cannot be used with"));
}

#[test]
fn unresolvable_host_is_unreachable() {
    let out = basic(&["-h", "no-such-host.invalid"], &[]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("host `no-such-host.invalid` does not resolve"),
        "{stderr}"
    );
}

#[test]
fn nothing_listening_is_unreachable() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let out = basic(&["-h", "127.0.0.1", "-P", &port.to_string()], &[]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("connection refused"), "{stderr}");
}

#[test]
fn silent_server_is_bounded_by_connect_timeout() {
    // Accepts the TCP connection but never sends the greeting.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let started = Instant::now();
    let out = basic(
        &["-h", "127.0.0.1", "-P", &port, "--connect-timeout", "300ms"],
        &[],
    );
    let elapsed = started.elapsed();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("did not answer within 300.0ms"), "{stderr}");
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    drop(listener);
}

#[tokio::test]
async fn wrong_password_is_a_usage_error_and_never_echoed() {
    let user = TempUser::create("pw", "right-one", &[]).await;
    let out = basic(
        &[
            "--url",
            &url_for(&user.name, Some("Wr0ngSecret"), ""),
            "--format",
            "json",
        ],
        &[],
    );
    let (stdout, stderr) = text(&out);
    user.drop_now().await;
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("access denied for user"), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["error"]["class"], "configuration");
    assert_eq!(doc["error"]["state"], "Connecting");
    assert!(!stdout.contains("Wr0ngSecret") && !stderr.contains("Wr0ngSecret"));
    assert!(doc["target"]["url"].as_str().unwrap().contains(":***@"));
}

#[tokio::test]
async fn an_account_refused_without_tls_is_told_it_may_require_tls() {
    let user = TempUser::create("needtls", "tls-only-pw", &[]).await;
    let mut c = admin().await;
    c.query_drop(format!("ALTER USER '{}'@'%' REQUIRE SSL", user.name))
        .await
        .unwrap();
    let url = url_for(&user.name, Some("tls-only-pw"), "test");
    let out = basic(&["--url", &url, "--ssl-mode", "disabled"], &[]);
    user.drop_now().await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "wrong user name or password, or the account requires TLS (REQUIRE SSL) and ssl-mode is disabled"
        ),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn password_from_mysql_pwd_is_used() {
    let user = TempUser::create("env", "from-env", &["SELECT ON `test`.*"]).await;
    let s = server();
    let out = basic(
        &[
            "-h",
            &s.host,
            "-P",
            &s.port.to_string(),
            "-u",
            &user.name,
            "-D",
            "test",
        ],
        &[("MYSQL_PWD", "from-env")],
    );
    user.drop_now().await;
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
}

#[test]
fn unknown_database_lists_what_the_user_can_see() {
    let out = basic(&["--url", &url_for_db("rig_no_such_db")], &[]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("database `rig_no_such_db` does not exist"),
        "{stderr}"
    );
    assert!(stderr.contains("test"), "lists visible databases: {stderr}");
}

fn url_for_db(db: &str) -> String {
    let s = server();
    url_for(&s.user, s.password.as_ref().map(|p| p.expose()), db)
}

#[tokio::test]
async fn user_without_privileges_on_the_database_is_told_so() {
    let db = format!("rig_priv_{}", std::process::id());
    let mut c = admin().await;
    c.query_drop(format!("CREATE DATABASE IF NOT EXISTS `{db}`"))
        .await
        .unwrap();
    let user = TempUser::create("nopriv", "pw", &[]).await;
    let out = basic(&["--url", &url_for(&user.name, Some("pw"), &db)], &[]);
    user.drop_now().await;
    c.query_drop(format!("DROP DATABASE `{db}`")).await.unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("has no privileges on database `{db}`")),
        "{stderr}"
    );
}

#[test]
fn password_prompt_without_a_terminal_fails_fast() {
    let started = Instant::now();
    let out = basic(&["--url", &server_url(), "-p"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("standard input is not one"));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn tls_required_follows_what_the_server_offers() {
    let mut c = admin().await;
    let have_ssl: Option<String> = c.query_first("SELECT @@have_ssl").await.unwrap_or(None);
    let out = basic(&["--url", &server_url(), "--ssl-mode", "required"], &[]);
    let (_, stderr) = text(&out);
    if have_ssl.as_deref() == Some("YES") {
        assert_eq!(out.status.code(), Some(0), "{stderr}");
    } else {
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("does not offer TLS"), "{stderr}");
    }
}

#[test]
fn target_from_environment_url() {
    let out = basic(&["--format", "json"], &[("TEST_RIG_URL", &server_url())]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("target from TEST_RIG_URL"), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["target"]["address"], server().address());
}

/// A password given in the URL wins over `MYSQL_PWD`, which is only the
/// fallback when none is given (as for the mysql client).
#[tokio::test]
async fn a_password_in_the_url_wins_over_mysql_pwd() {
    let user = TempUser::create("urlpw", "in-the-url", &["SELECT ON `test`.*"]).await;
    let out = basic(
        &["--url", &url_for(&user.name, Some("in-the-url"), "test")],
        &[("MYSQL_PWD", "a-wrong-one")],
    );
    let wrong_in_url = basic(
        &["--url", &url_for(&user.name, Some("a-wrong-one"), "test")],
        &[("MYSQL_PWD", "in-the-url")],
    );
    user.drop_now().await;
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert_eq!(
        wrong_in_url.status.code(),
        Some(2),
        "{:?}",
        text(&wrong_in_url)
    );
}

/// `-h HOST` is the host, as for the mysql client: a CI step written the
/// mysql way must check that server, not print help and pass. Help is
/// `--help` or `-?`; `-H` still names the host.
#[test]
fn dash_h_is_the_host_and_help_is_dash_question_mark() {
    let s = server();
    let port = s.port.to_string();
    for flag in ["-h", "-H"] {
        let out = basic(&[flag, &s.host, "-P", &port, "--format", "json"], &[]);
        assert_eq!(out.status.code(), Some(0), "{flag}: {}", stderr(&out));
        assert_eq!(
            json(&out)["target"]["address"],
            format!("{}:{port}", s.host)
        );
    }
    let closed = closed_port().to_string();
    let out = basic(&["-h", "127.0.0.1", "-P", &closed], &[]);
    assert_eq!(out.status.code(), Some(3), "-h with nothing there fails");
    for help in ["-?", "--help"] {
        let out = basic(&[help], &[]);
        assert_eq!(out.status.code(), Some(0));
        assert!(text(&out).0.contains("-h, --host <HOST>"), "{help}");
    }
}

/// A flag that names the target wins over `TEST_RIG_URL`, and says so:
/// silently testing another server than the exported one misleads.
#[test]
fn flags_over_test_rig_url_are_announced() {
    let s = server();
    let port = s.port.to_string();
    let env = [("TEST_RIG_URL", "mysql://root@192.0.2.1:4000/test")];
    let out = basic(&["-h", &s.host, "-P", &port], &env);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "basic: TEST_RIG_URL is set but not used: --host/--port/--socket/--user/--database name the target"
        ),
        "{}",
        stderr(&out)
    );
    let out = basic(&["--url", &server_url()], &env);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("TEST_RIG_URL is set but not used: --url names the target"));
    // Without the variable, nothing to say.
    let out = basic(&["-h", &s.host, "-P", &port], &[]);
    assert!(!stderr(&out).contains("TEST_RIG_URL"), "{}", stderr(&out));
}

/// `-p word` means "ask, and `word` is the database" to the mysql client;
/// it is refused rather than taken as the password.
#[test]
fn a_password_flag_then_a_separate_word_is_a_usage_error() {
    let out = basic(&["--url", &server_url(), "-p", "test"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("basic: error: `-p test`: a password is given attached"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_mysql_clients_host_and_port_variables_choose_the_server_and_flags_win() {
    let s = server();
    let basic = || {
        let mut cmd = common::tool(env!("CARGO_BIN_EXE_basic"));
        cmd.env("MYSQL_HOST", &s.host);
        if let Some(p) = s.password.as_ref() {
            cmd.env("MYSQL_PWD", p.expose());
        }
        cmd
    };
    let ok = basic()
        .env("MYSQL_TCP_PORT", s.port.to_string())
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(
        stderr(&ok).contains("target from MYSQL_HOST/MYSQL_TCP_PORT"),
        "{}",
        stderr(&ok)
    );
    let closed = closed_port().to_string();
    let down = basic().env("MYSQL_TCP_PORT", &closed).output().unwrap();
    assert_eq!(down.status.code(), Some(3), "{}", stderr(&down));
    assert!(stderr(&down).contains(&closed), "{}", stderr(&down));
    // -P wins over MYSQL_TCP_PORT.
    let flag = basic()
        .env("MYSQL_TCP_PORT", &closed)
        .args(["-P", &s.port.to_string()])
        .output()
        .unwrap();
    assert_eq!(flag.status.code(), Some(0), "{}", stderr(&flag));
    let bad = basic().env("MYSQL_TCP_PORT", "33o6").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("MYSQL_TCP_PORT is `33o6`: expected a number from 1 to 65535"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn dash_e_runs_one_statement_after_the_checks_and_shows_its_result() {
    let basic = || {
        let mut cmd = common::tool(env!("CARGO_BIN_EXE_basic"));
        cmd.args(["--url", &server_url()]);
        cmd
    };
    let out = basic()
        .args(["-e", "SELECT 1 AS one, NULL AS nothing, 'Zoë' AS name"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (stdout, _) = text(&out);
    assert!(
        stdout.ends_with(
            "+-----+---------+------+\n| one | nothing | name |\n+-----+---------+------+\n| 1   | NULL    | Zoë  |\n+-----+---------+------+\n1 row in set\n"
        ),
        "{stdout}"
    );
    let out = basic()
        .args(["-e", "SELECT 2 AS two UNION SELECT 3", "--format", "json"])
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(doc["result"]["columns"], serde_json::json!(["two"]));
    assert_eq!(doc["result"]["rows"], serde_json::json!([["2"], ["3"]]));
    let changed = basic().args(["-e", "DO 1"]).output().unwrap();
    assert!(text(&changed).0.ends_with("Query OK, 0 rows affected\n"));
    // A statement the server refuses fails the run, as for the mysql client.
    let bad = basic()
        .args(["-e", "SELEC 1", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let doc = json(&bad);
    assert_eq!(doc["outcome"], "failed");
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("the -e statement failed: server error 1064"),
        "{message}"
    );
    assert!(stderr(&bad).contains("basic: error: the -e statement failed"));
}

/// The server's own socket path, asked over TCP (`@@socket`).
async fn server_socket() -> String {
    let mut conn = mysql_async::Conn::new(mysql_async::Opts::from_url(&server_url()).unwrap())
        .await
        .unwrap();
    let socket: Option<String> = conn.query_first("SELECT @@socket").await.unwrap();
    socket.expect("the server has a socket")
}

/// `-S` (and `MYSQL_UNIX_PORT`) connect through the Unix socket, as the
/// mysql client does: the server sees the session come from `localhost`,
/// not from a TCP address; a socket that is not there is unreachable.
#[tokio::test]
async fn a_unix_socket_is_used_instead_of_tcp() {
    let socket = server_socket().await;
    let host_sql = "SELECT HOST FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()";
    for (args, env) in [
        (vec!["-S", socket.as_str()], vec![]),
        (vec![], vec![("MYSQL_UNIX_PORT", socket.as_str())]),
    ] {
        let mut all = args.clone();
        all.extend(["-e", host_sql, "--format", "json"]);
        let out = basic(&all, &env);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let doc = json(&out);
        assert_eq!(
            doc["result"]["rows"],
            serde_json::json!([["localhost"]]),
            "{args:?}"
        );
        assert_eq!(doc["target"]["address"], socket.as_str(), "{doc:#}");
    }
    // Over TCP the same query names an address and port.
    let tcp = basic(
        &["--url", &server_url(), "-e", host_sql, "--format", "json"],
        &[],
    );
    let host = json(&tcp)["result"]["rows"][0][0]
        .as_str()
        .unwrap()
        .to_string();
    assert!(host.contains(':'), "{host}");

    let missing = basic(&["-S", "/nonexistent/mysqld.sock", "--format", "json"], &[]);
    assert_eq!(missing.status.code(), Some(3), "{}", stderr(&missing));
    let message = json(&missing)["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.starts_with("cannot reach /nonexistent/mysqld.sock: "),
        "{message}"
    );
    // A socket and a host name two different servers: refused.
    let both = basic(&["-S", &socket, "-h", "127.0.0.1"], &[]);
    assert_eq!(both.status.code(), Some(2));
}

/// `--diagram` prints the checks as Mermaid without connecting (the URL
/// here has nothing listening), and every transition a real run takes is
/// an edge of it.
#[test]
fn the_diagram_has_every_transition_a_run_takes_and_needs_no_server() {
    let dead = format!("mysql://root@127.0.0.1:{}/test", closed_port());
    let run = basic(&["--url", &server_url(), "--format", "json"], &[]);
    let doc = json(&run);
    for path in [
        env!("CARGO_BIN_EXE_basic"),
        env!("CARGO_BIN_EXE_simple_multi_connection"),
    ] {
        let out = tool(path)
            .args(["--url", &dead, "--diagram"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{path}: {}", stderr(&out));
        let diagram = text(&out).0;
        assert!(
            diagram.starts_with("stateDiagram-v2\n    [*] --> ParsingConfig\n"),
            "{diagram}"
        );
        for t in doc["transitions"].as_array().unwrap() {
            let edge = format!(
                "    {} --> {}: {}\n",
                t["from"].as_str().unwrap(),
                t["to"].as_str().unwrap(),
                t["step"].as_str().unwrap()
            );
            assert!(
                diagram.contains(&edge),
                "{path}: {edge} missing from\n{diagram}"
            );
        }
        assert!(diagram.ends_with("    Completed --> [*]\n"), "{diagram}");
    }
}

/// `--junit`: one test case per check, in the workflow's order, each with
/// its own verdict; `-e`'s statement is a case of its own.
#[test]
fn junit_has_a_test_case_per_check_and_for_the_statement() {
    let dir = scratch_dir("basic-junit");
    let path = dir.join("basic.xml");
    let junit = path.to_str().unwrap();
    let checks = [
        "parse_config",
        "connect",
        "test_connection",
        "verify_database",
        "get_version",
    ];

    let out = basic(
        &["--url", &server_url(), "-e", "SELECT 1", "--junit", junit],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (cases, counts) = junit_cases(&path);
    let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names[..5], checks);
    assert_eq!(names[5], "SELECT 1");
    assert!(cases.iter().all(|c| c.status == "passed"), "{cases:?}");
    assert_eq!(cases[0].classname, "basic.common");
    assert_eq!(cases[5].classname, "basic.execute");
    assert_eq!(counts, [6, 0, 0, 0]);

    // A database that does not exist: that check fails, as a configuration
    // problem, and the one after it never ran.
    let out = basic(
        &["--url", &url_for_db("rig_no_such_db"), "--junit", junit],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let (cases, counts) = junit_cases(&path);
    let status: Vec<&str> = cases.iter().map(|c| c.status.as_str()).collect();
    assert_eq!(status, ["passed", "passed", "passed", "failure", "skipped"]);
    assert!(cases[3].message.contains("rig_no_such_db"), "{cases:?}");
    assert_eq!(
        cases[4].message,
        "not run: `verify_database` failed before it"
    );
    assert_eq!(counts, [5, 1, 0, 1]);

    // Nothing listening: connect fails, and so does a statement never run.
    let down = format!("mysql://root@127.0.0.1:{}/test", closed_port());
    let out = basic(&["--url", &down, "-e", "SELECT 1", "--junit", junit], &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let (cases, _) = junit_cases(&path);
    let status: Vec<&str> = cases.iter().map(|c| c.status.as_str()).collect();
    assert_eq!(
        status,
        ["passed", "failure", "skipped", "skipped", "skipped", "skipped"]
    );
    assert_eq!(cases[5].message, "not run: the checks did not pass");

    // A statement the server refuses fails its own case only.
    let out = basic(
        &[
            "--url",
            &server_url(),
            "-e",
            "SELECT * FROM rig_no_such_table",
            "--junit",
            junit,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let (cases, _) = junit_cases(&path);
    assert!(cases[..5].iter().all(|c| c.status == "passed"), "{cases:?}");
    assert_eq!(cases[5].status, "failure");
    assert!(cases[5].message.contains("rig_no_such_table"), "{cases:?}");
    std::fs::remove_dir_all(dir).unwrap();
}
