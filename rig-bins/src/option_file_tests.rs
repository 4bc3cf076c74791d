//! Option files as MySQL documents them ("Using Option Files",
//! dev.mysql.com/doc/refman/8.4/en/option-files.html): groups in
//! brackets, `opt_name=value` with `-` and `_` alike, `#` and `;`
//! comment lines, a `#` comment after a value, quoted values with
//! `\n`, `\t`, `\\`, `\s` escapes, the last setting of an option winning.

use super::*;

fn parsed(text: &str) -> ClientOptions {
    parse(text, Path::new("my.cnf")).unwrap()
}

#[test]
fn the_client_group_names_the_server() {
    let o = parsed(
        "# a comment\n; another\n[mysqld]\nport=9999\nuser=mysql\n\n\
         [client]\nhost = db7.example\nport=3307\nuser=tester\n\
         password=\"s3cr#t \\\"quoted\\\"\"\ndatabase=shop  # the shop\n\
         ssl_mode=VERIFY_CA\nssl-ca=/etc/ca.pem\nconnect-timeout=5\n\
         default-character-set=utf8mb4\n",
    );
    assert_eq!(o.host.as_deref(), Some("db7.example"));
    assert_eq!(o.port, Some(3307), "[mysqld]'s port is not the client's");
    assert_eq!(o.user.as_deref(), Some("tester"));
    assert_eq!(
        o.password.as_ref().map(Password::expose),
        Some("s3cr#t \"quoted\"")
    );
    assert_eq!(o.database.as_deref(), Some("shop"));
    assert_eq!(o.ssl_mode, Some(SslMode::VerifyCa));
    assert_eq!(o.ssl_ca.as_deref(), Some(Path::new("/etc/ca.pem")));
    assert_eq!(o.connect_timeout, Some(std::time::Duration::from_secs(5)));
    assert!(o.names_a_server());
}

#[test]
fn test_rigs_own_group_wins_and_the_last_setting_wins() {
    let o = parsed(
        "[test-rig]\nport=4000\n[client]\nport=3306\nport=3308\nsocket='/run/my sql.sock'\n",
    );
    assert_eq!(o.port, Some(4000));
    assert_eq!(o.socket.as_deref(), Some(Path::new("/run/my sql.sock")));
    let o = parsed("[client]\nport=3306\nport=3308\n");
    assert_eq!(o.port, Some(3308));
}

#[test]
fn nothing_about_a_server_names_none() {
    let o = parsed("[client]\nuser=me\n[mysql]\nhost=elsewhere\n");
    assert!(!o.names_a_server());
    assert_eq!(o.user.as_deref(), Some("me"));
    assert_eq!(o.host, None, "the [mysql] group is the mysql client's own");
}

#[test]
fn includes_are_reported_not_followed() {
    let o = parsed("!includedir /etc/mysql/conf.d/\n[client]\nuser=me\n");
    assert_eq!(o.not_followed, ["!includedir /etc/mysql/conf.d/"]);
}

#[test]
fn bad_values_are_named_with_the_file() {
    let err = |text: &str| {
        parse(text, Path::new("/home/me/.my.cnf"))
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err("[client]\nport=33o6\n"),
        "option file `/home/me/.my.cnf`: port is `33o6`: expected a number from 1 to 65535"
    );
    assert!(err("[client]\nssl-mode=sometimes\n")
        .contains("ssl-mode is `sometimes`: expected disabled"));
    assert!(err("[client]\nconnect-timeout=2s\n").contains("expected whole seconds"));
    assert_eq!(
        err("[client\nport=1\n"),
        "option file `/home/me/.my.cnf`, line 1: `[client` opens a group but does not close it with `]`"
    );
}

/// A password is never part of an error about its file, and an empty one
/// is a password (nothing about a password can be invalid).
#[test]
fn errors_never_show_the_password() {
    let err = parse(
        "[client]\npassword=s3cr3t\nport=33o6\n",
        Path::new("my.cnf"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("port is `33o6`") && !err.contains("s3cr3t"),
        "{err}"
    );
    let o = parsed("[client]\npassword=\n");
    assert_eq!(o.password.as_ref().map(Password::expose), Some(""));
}

#[test]
fn a_named_file_must_exist_and_none_is_read_with_no_defaults() {
    let missing = load(Some(Path::new("/nonexistent/my.cnf")), false).unwrap_err();
    assert!(
        missing
            .to_string()
            .starts_with("cannot read option file `/nonexistent/my.cnf`: "),
        "{missing}"
    );
    assert_eq!(load(None, true).unwrap(), None);
}
