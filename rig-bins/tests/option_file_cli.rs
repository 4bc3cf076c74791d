//! The mysql client's option files against the real server: a
//! `--defaults-file` (and `~/.my.cnf` through `HOME`) names the server and
//! the credentials where nothing else does; flags, the URL and `MYSQL_PWD`
//! win over it; a file that cannot be read is a usage error.

mod common;
use common::*;

use mysql_async::prelude::Queryable;
use std::path::PathBuf;
use std::process::Output;

/// One user per test: tests run at once, and one dropping the other's
/// user would fail it.
const USER: &str = "rig_option_file";
const HOME_USER: &str = "rig_option_home";
/// Holds a `#` and spaces: only a quoted value keeps them.
const PASSWORD: &str = "pw # with spaces";

async fn create_user(user: &str) {
    let mut admin = admin().await;
    for sql in [
        format!("DROP USER IF EXISTS '{user}'@'%'"),
        format!(
            "CREATE USER '{user}'@'%' IDENTIFIED BY {}",
            sql_string(PASSWORD)
        ),
        format!("GRANT ALL ON test.* TO '{user}'@'%'"),
    ] {
        admin.query_drop(sql).await.unwrap();
    }
}

fn dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rig-option-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn option_file(name: &str, text: &str) -> PathBuf {
    let path = dir().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn client_group(user: &str) -> String {
    let s = server();
    format!(
        "[client]\nhost={}\nport={}\nuser={user}\npassword=\"{PASSWORD}\"\ndatabase=test\n",
        s.host, s.port
    )
}

fn basic(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = tool(env!("CARGO_BIN_EXE_basic"));
    cmd.args(args).args(["--format", "json"]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn user_of(out: &Output) -> String {
    json(out)["result"]["rows"][0][0]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn a_defaults_file_gives_server_and_credentials_and_the_rest_wins_over_it() {
    create_user(USER).await;
    let file = option_file("client.cnf", &client_group(USER));
    let file = file.to_str().unwrap();
    let who = ["-e", "SELECT CURRENT_USER()"];

    let out = basic(&[&["--defaults-file", file][..], &who].concat(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        user_of(&out).starts_with(&format!("{USER}@")),
        "{}",
        user_of(&out)
    );
    assert!(stderr(&out).contains(&format!("target from option file `{file}`")));
    let (stdout, err) = text(&out);
    assert!(!stdout.contains(PASSWORD) && !err.contains(PASSWORD));

    // MYSQL_PWD wins over the file's password: a wrong one is refused.
    let out = basic(&["--defaults-file", file], &[("MYSQL_PWD", "wrong")]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // So does -p.
    let out = basic(&["--defaults-file", file, "--password=wrong"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // A flag's user wins over the file's, and then the file's password is
    // still the one tried (mysql does the same): root with it is refused
    // unless root has that password, which the test server's has not.
    let out = basic(&["--defaults-file", file, "-u", "root"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    // A URL without a password takes the file's.
    let url = url_for(USER, None, "test");
    let out = basic(
        &[&["--defaults-file", file, "--url", &url][..], &who].concat(),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(user_of(&out).starts_with(&format!("{USER}@")));
}

#[tokio::test]
async fn home_s_my_cnf_is_read_unless_no_defaults() {
    create_user(HOME_USER).await;
    let home = dir().join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join(".my.cnf"), client_group(HOME_USER)).unwrap();
    let home = home.to_str().unwrap();
    let who = ["-e", "SELECT CURRENT_USER()"];
    let out = basic(&who, &[("HOME", home)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        user_of(&out).starts_with(&format!("{HOME_USER}@")),
        "{}",
        user_of(&out)
    );
    assert!(stderr(&out).contains(".my.cnf`"), "{}", stderr(&out));
    // --no-defaults: not read (the tool finds a server on its own, as root).
    let out = basic(&[&["--no-defaults"][..], &who].concat(), &[("HOME", home)]);
    assert!(!stderr(&out).contains(".my.cnf"), "{}", stderr(&out));
    assert!(!user_of(&out).starts_with(HOME_USER), "{}", user_of(&out));
}

#[test]
fn an_unreadable_or_malformed_option_file_is_a_usage_error_naming_it() {
    let out = basic(&["--defaults-file", "/nonexistent/client.cnf"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let message = json(&out)["error"]["message"].as_str().unwrap().to_string();
    assert!(
        message.starts_with("cannot read option file `/nonexistent/client.cnf`"),
        "{message}"
    );
    let bad = option_file("bad.cnf", "[client]\nport=33o6\n");
    let out = basic(&["--defaults-file", bad.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(2));
    let message = json(&out)["error"]["message"].as_str().unwrap().to_string();
    assert!(
        message.ends_with("port is `33o6`: expected a number from 1 to 65535"),
        "{message}"
    );
}
