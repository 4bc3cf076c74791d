//! TLS against a real TLS server: the second MariaDB that `scripts/tls-db`
//! starts on 127.0.0.1:3310 (certificates in `$TMPDIR/test-rig-tls-db`),
//! whose certificate is for `localhost` only and
//! signed by its own CA. verify-ca checks the chain and not the name,
//! verify-identity checks both, and every refusal is a configuration error
//! (exit 2) that names its cause and the CA file.

mod common;
use common::*;

use std::process::Output;

const TLS_SERVER: &str = "127.0.0.1:3310";

fn certs(file: &str) -> String {
    let dir = std::env::temp_dir().join("test-rig-tls-db").join("certs");
    let full = dir.join(file).display().to_string();
    assert!(
        std::path::Path::new(&full).exists(),
        "{full} is missing: run scripts/tls-db (scripts/test does) to start the TLS server"
    );
    full
}

fn basic_on(host: &str, args: &[&str]) -> Output {
    let url = format!("mysql://root@{host}:3310/test");
    tool(env!("CARGO_BIN_EXE_basic"))
        .args(["--url", &url])
        .args(args)
        .output()
        .expect("basic runs")
}

#[test]
fn the_tls_server_is_up() {
    let out = basic_on("127.0.0.1", &["--ssl-mode", "required"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "no TLS server at {TLS_SERVER}: run scripts/tls-db. {}",
        stderr(&out)
    );
}

#[test]
fn verify_ca_checks_the_chain_and_not_the_name() {
    let ca = certs("ca.pem");
    let out = basic_on("127.0.0.1", &["--ssl-mode", "verify-ca", "--ssl-ca", &ca]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.contains("address     127.0.0.1:3310 (TLS, TLSv1."),
        "{stdout}"
    );
}

#[test]
fn verify_identity_checks_the_name_too_and_says_which_names_would_do() {
    let ca = certs("ca.pem");
    let out = basic_on(
        "127.0.0.1",
        &["--ssl-mode", "verify-identity", "--ssl-ca", &ca],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        "basic: error: TLS to 127.0.0.1:3310 refused: its certificate is for `localhost`, not `127.0.0.1`: connect by one of those names, or set ssl-mode to verify-ca to check the CA only"
    );
    let out = basic_on(
        "localhost",
        &["--ssl-mode", "verify-identity", "--ssl-ca", &ca],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_certificate_from_another_ca_is_a_configuration_error_naming_the_file() {
    let other = certs("other-ca.pem");
    for mode in ["verify-ca", "verify-identity"] {
        let out = basic_on("localhost", &["--ssl-mode", mode, "--ssl-ca", &other]);
        assert_eq!(out.status.code(), Some(2), "{mode}");
        assert_eq!(
            stderr(&out).trim(),
            format!("basic: error: TLS to localhost:3310 refused: its certificate is not signed by the CA in `{other}` (unknown issuer)")
        );
    }
    let out = basic_on("localhost", &["--ssl-mode", "verify-identity"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "not signed by a CA this system trusts (unknown issuer): give its CA file (ssl-ca)"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_ca_file_that_is_not_pem_is_named_before_connecting() {
    let not_pem = certs("not-pem.pem");
    let out = basic_on(
        "localhost",
        &["--ssl-mode", "verify-ca", "--ssl-ca", &not_pem],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).trim(),
        format!("basic: error: cannot use CA file `{not_pem}`: it holds no PEM certificate (a `-----BEGIN CERTIFICATE-----` block)")
    );
}

#[test]
fn the_json_report_gives_the_negotiated_tls_version() {
    let out = basic_on("127.0.0.1", &["--ssl-mode", "required", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["target"]["tls"], true);
    let version = doc["target"]["tls_version"].as_str().unwrap();
    assert!(version.starts_with("TLSv1."), "{version}");
    // The same server without TLS says so, with no version.
    let out = basic_on("127.0.0.1", &["--ssl-mode", "disabled", "--format", "json"]);
    let doc = json(&out);
    assert_eq!(doc["target"]["tls"], false);
    assert!(doc["target"]["tls_version"].is_null());
}

/// Each participant's `tls_version` in a fan-out tool's JSON report, with
/// TLS required and then disabled.
fn participants_tls_versions(tool_path: &str, extra: &[&str]) -> [Vec<serde_json::Value>; 2] {
    ["required", "disabled"].map(|mode| {
        let out = tool(tool_path)
            .args(["--url", "mysql://root@127.0.0.1:3310/test", "-n", "2"])
            .args(["--ssl-mode", mode, "--format", "json"])
            .args(extra)
            .output()
            .expect("the tool runs");
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        json(&out)["participants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["tls_version"].clone())
            .collect()
    })
}

fn assert_tls_then_none([with_tls, without]: [Vec<serde_json::Value>; 2]) {
    assert_eq!(with_tls.len(), 2);
    for version in with_tls {
        let version = version.as_str().unwrap_or_default().to_string();
        assert!(version.starts_with("TLSv1."), "{version:?}");
    }
    assert_eq!(without, [serde_json::Value::Null, serde_json::Value::Null]);
}

#[test]
fn simple_multi_connection_reports_each_participants_tls_version() {
    assert_tls_then_none(participants_tls_versions(
        env!("CARGO_BIN_EXE_simple_multi_connection"),
        &[],
    ));
}

#[cfg(feature = "python")]
#[test]
fn python_demo_reports_each_participants_tls_version() {
    let plugin = format!("{}/../examples/plugins/demo.py", env!("CARGO_MANIFEST_DIR"));
    assert_tls_then_none(participants_tls_versions(
        env!("CARGO_BIN_EXE_python_demo"),
        &["--plugin", &plugin],
    ));
}
