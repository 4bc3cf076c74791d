//! "Never printed", through the tools themselves: a random password enters
//! by every way a tool takes one (`--url` raw and percent-encoded, `-p`,
//! `--password=`, `MYSQL_PWD`, `TEST_RIG_URL`, a TOML `password`,
//! `password_env` and `url`) and the run ends in every way a tool can end or
//! report (success, malformed input, unreachable server, wrong password,
//! refused TLS (on the TLS server of `scripts/tls-db`), missing database, JSON, JUnit, `RUST_LOG=trace`,
//! `--explain`). No output may hold the password in any encoding, and each
//! run must end the way its path says, so that a path that never used the
//! password cannot pass for one that kept it secret.

mod common;
use common::*;
#[path = "../../testing/passwords.rs"]
mod passwords;
use passwords::{cases, password};

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Output;

/// A password and every form in which printing it would give it away.
struct Secret {
    raw: String,
    /// Raw, percent-encoded (ours and the `url` crate's), and escaped as
    /// JSON, TOML, XML and Rust's `Debug` would escape it.
    forms: Vec<String>,
    /// Long runs of it between URL delimiters: what a redaction that cut
    /// the password at a `/`, `?`, `#`, `@` or `:` would leave visible.
    pieces: Vec<String>,
}

impl Secret {
    fn new(raw: &str) -> Secret {
        let mut url = url::Url::parse("mysql://u@h").unwrap();
        url.set_password(Some(raw)).unwrap();
        let quoted = |s: String| s[1..s.len() - 1].to_string();
        let mut forms = vec![
            raw.to_string(),
            utf8_percent_encode(raw, NON_ALPHANUMERIC).to_string(),
            url.password().unwrap().to_string(),
            quoted(serde_json::to_string(raw).unwrap()),
            quoted(toml::Value::String(raw.into()).to_string()),
            quick_xml::escape::escape(raw).into_owned(),
            quoted(format!("{raw:?}")),
        ];
        forms.sort();
        forms.dedup();
        let pieces = raw
            .split(['/', '?', '#', '@', ':'])
            .filter(|p| distinctive(p) && p.len() >= 6)
            .map(str::to_string)
            .collect();
        Secret {
            raw: raw.to_string(),
            forms,
            pieces,
        }
    }

    /// Percent-encoded, as a URL must carry it.
    fn encoded(&self) -> String {
        utf8_percent_encode(&self.raw, NON_ALPHANUMERIC).to_string()
    }

    /// As a TOML string literal, quotes included.
    fn toml(&self) -> String {
        toml::Value::String(self.raw.clone()).to_string()
    }

    /// The form of the password that `text` holds, if any. `whole_only`
    /// leaves out the pieces: a raw URL whose password holds `@` or `/`
    /// reads as another host or database, which the tool rightly shows.
    fn found_in(&self, text: &str, whole_only: bool) -> Option<String> {
        let pieces: &[String] = if whole_only { &[] } else { &self.pieces };
        self.forms
            .iter()
            .chain(pieces)
            .find(|form| text.contains(form.as_str()))
            .cloned()
    }
}

/// Whether a text cannot occur by chance in a tool's output (`test`,
/// `3306`, a run of spaces): eight characters or more with four different
/// ones, or anything outside ASCII.
fn distinctive(text: &str) -> bool {
    let mut distinct: Vec<char> = text.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    !text.is_ascii() || (text.chars().count() >= 8 && distinct.len() >= 4)
}

/// How a run must end for its path to have been exercised.
#[derive(Debug, Clone, Copy)]
enum Ends {
    /// This exit code.
    Code(i32),
    /// Any failure the tool reports (exit 1, 2 or 3).
    Refused,
    /// Whatever the URL turns out to mean, as long as the tool did not
    /// crash: a raw password can make a valid URL or a broken one.
    Either,
}

/// One invocation of a tool.
struct Run {
    label: &'static str,
    binary: &'static str,
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
    /// Files the run writes (JUnit), read back and checked too.
    writes: Vec<PathBuf>,
    ends: Ends,
    whole_only: bool,
}

impl Run {
    fn new<A: AsRef<str>>(
        label: &'static str,
        binary: &'static str,
        args: &[A],
        ends: Ends,
    ) -> Run {
        Run {
            label,
            binary,
            args: args.iter().map(|a| a.as_ref().to_string()).collect(),
            env: Vec::new(),
            writes: Vec::new(),
            ends,
            whole_only: false,
        }
    }

    fn env(mut self, key: &'static str, value: &str) -> Run {
        self.env.push((key, value.to_string()));
        self
    }

    fn junit(mut self, path: &Path) -> Run {
        self.args.push("--junit".into());
        self.args.push(path.display().to_string());
        self.writes.push(path.to_path_buf());
        self
    }

    fn raw_url(mut self) -> Run {
        self.whole_only = true;
        self
    }

    /// Runs the tool with tracing at its most verbose and checks how it
    /// ended and everything it printed or wrote.
    fn check(&self, secret: &Secret) -> Result<(), TestCaseError> {
        for file in &self.writes {
            let _ = std::fs::remove_file(file);
        }
        let mut cmd = tool(self.binary);
        cmd.args(&self.args).env("RUST_LOG", "trace");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let out: Output = cmd.output().expect("the tool runs");
        let (stdout, stderr) = text(&out);
        let mut outputs = vec![("stdout", stdout), ("stderr", stderr.clone())];
        for file in &self.writes {
            // Every run that gets as far as a report writes it, failed or not.
            let written = std::fs::read_to_string(file);
            prop_assert!(written.is_ok(), "{}: no {}", self.label, file.display());
            if let Ok(written) = written {
                // Whichever way the writer escapes (`&apos;` or `&#39;`).
                if let Ok(plain) = quick_xml::escape::unescape(&written) {
                    outputs.push(("the JUnit file, unescaped", plain.into_owned()));
                }
                outputs.push(("the JUnit file", written));
            }
        }
        let code = out.status.code();
        let what = format!("{} ({})", self.label, self.args.join(" "));
        prop_assert!(
            code.is_some() && code != Some(101) && !stderr.contains("panicked"),
            "{what}: crashed ({:?}): {stderr}",
            out.status
        );
        let code = code.unwrap_or_default();
        let as_expected = match self.ends {
            Ends::Code(expected) => code == expected,
            Ends::Refused => (1..=3).contains(&code),
            Ends::Either => (0..=3).contains(&code),
        };
        prop_assert!(
            as_expected,
            "{what}: exit {code}, expected {:?}: {stderr}",
            self.ends
        );
        for (place, output) in &outputs {
            if let Some(form) = secret.found_in(output, self.whole_only) {
                prop_assert!(false, "{what}: {place} holds `{form}`:\n{output}");
            }
        }
        Ok(())
    }
}

/// Where the runs of one test keep their files (named after its user,
/// which holds the process id), removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("rig_secrets_{tag}"));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const BASIC: &str = env!("CARGO_BIN_EXE_basic");
const MULTI: &str = env!("CARGO_BIN_EXE_simple_multi_connection");
const ISOLATION: &str = env!("CARGO_BIN_EXE_isolation");
const JOBS: &str = env!("CARGO_BIN_EXE_job_monitor");

/// Every way in and every way out, for `user`, whose password is `secret`
/// (`root`'s is not).
fn runs(secret: &Secret, user: &str, scratch: &Scratch) -> Vec<Run> {
    let s = server();
    let (host, port) = (s.host.as_str(), s.port.to_string());
    let admin_user = s.user.as_str();
    let (raw, enc, pw_toml) = (secret.raw.as_str(), secret.encoded(), secret.toml());
    let url = |user: &str, pw: &str, port: &str, db: &str| {
        format!("mysql://{user}:{pw}@{host}:{port}/{db}")
    };
    let good = url(user, &enc, &port, "test");
    let raw_url = url(user, raw, &port, "test");
    let down = url(user, &enc, &closed_port().to_string(), "test");
    let no_db = url(user, &enc, &port, "rig_secrets_no_such_db");
    let bad_port = url(user, &enc, "notaport", "test");
    let wrong = url(admin_user, &enc, &port, "test");
    let flags = ["-h", host, "-P", &port];
    let with_flags = |extra: &[&str]| -> Vec<String> {
        flags.iter().chain(extra).map(|a| a.to_string()).collect()
    };
    let password_flag = format!("--password={raw}");
    let attached_flag = format!("-p{raw}");
    let not_pem = scratch.write("not-a-ca.pem", "not a certificate\n");
    let not_pem = not_pem.display().to_string();
    let junit = scratch.path("report.xml");
    let tls_refused = format!("mysql://{user}:{enc}@localhost:3310/test");
    let other_ca = std::env::temp_dir()
        .join("test-rig-tls-db/certs/other-ca.pem")
        .display()
        .to_string();

    let good_toml = format!(
        "[[connection]]\nid = \"inline\"\nhost = \"{host}\"\nport = {port}\nuser = \"{user}\"\npassword = {pw_toml}\n\n\
         [[connection]]\nid = \"from-env\"\nhost = \"{host}\"\nport = {port}\nuser = \"{user}\"\npassword_env = \"RIG_SECRET_PW\"\n\n\
         [[connection]]\nid = \"url\"\nurl = \"{good}\"\n"
    );
    let failing_toml = format!(
        "[[connection]]\nid = \"wrong\"\nhost = \"{host}\"\nport = {port}\nuser = \"{admin_user}\"\npassword = {pw_toml}\n\n\
         [[connection]]\nid = \"down\"\nurl = \"{down}\"\n\n\
         [[connection]]\nid = \"no-db\"\nurl = \"{no_db}\"\n"
    );
    let syntax_toml = format!("[[connection]]\nid = \"a\"\npassword = {pw_toml} junk\n");
    let raw_url_toml = format!(
        "[[connection]]\nid = \"raw\"\nurl = {}\n",
        toml::Value::String(raw_url.clone())
    );
    let good_cfg = scratch.write("good.toml", &good_toml);
    let failing_cfg = scratch.write("failing.toml", &failing_toml);
    let syntax_cfg = scratch.write("syntax.toml", &syntax_toml);
    let raw_url_cfg = scratch.write("raw-url.toml", &raw_url_toml);
    let cfg = |p: &PathBuf| p.display().to_string();

    let mut all = vec![
        // basic: every way in.
        Run::new(
            "url",
            BASIC,
            &["--url", &good, "--format", "json"],
            Ends::Code(0),
        ),
        Run::new("raw url", BASIC, &["--url", &raw_url], Ends::Either).raw_url(),
        Run::new(
            "raw url, json",
            BASIC,
            &["--url", &raw_url, "--format", "json"],
            Ends::Either,
        )
        .raw_url(),
        Run::new(
            "-pSECRET",
            BASIC,
            &with_flags(&["-u", user, &attached_flag]),
            Ends::Code(0),
        ),
        Run::new(
            "MYSQL_PWD",
            BASIC,
            &with_flags(&["-u", user, "--format", "json"]),
            Ends::Code(0),
        )
        .env("MYSQL_PWD", raw),
        Run::new("TEST_RIG_URL", BASIC, &[] as &[&str], Ends::Code(0)).env("TEST_RIG_URL", &good),
        Run::new("raw TEST_RIG_URL", BASIC, &[] as &[&str], Ends::Either)
            .env("TEST_RIG_URL", &raw_url)
            .raw_url(),
        // basic: every way out.
        Run::new("unreachable", BASIC, &["--url", &down], Ends::Code(3)),
        Run::new(
            "unreachable, json",
            BASIC,
            &["--url", &down, "--format", "json"],
            Ends::Code(3),
        ),
        Run::new(
            "wrong password",
            BASIC,
            &with_flags(&["-u", admin_user, &password_flag]),
            Ends::Code(2),
        ),
        Run::new(
            "wrong password, MYSQL_PWD, json",
            BASIC,
            &with_flags(&["-u", admin_user, "--format", "json"]),
            Ends::Code(2),
        )
        .env("MYSQL_PWD", raw),
        Run::new(
            "wrong password in a url",
            BASIC,
            &["--url", &wrong],
            Ends::Code(2),
        ),
        Run::new(
            "no such database",
            BASIC,
            &["--url", &no_db, "--format", "json"],
            Ends::Refused,
        ),
        Run::new("malformed url", BASIC, &["--url", &bad_port], Ends::Code(2)),
        Run::new(
            "CA file not PEM",
            BASIC,
            &[
                "--url",
                &good,
                "--ssl-mode",
                "verify-ca",
                "--ssl-ca",
                &not_pem,
            ],
            Ends::Refused,
        ),
        Run::new(
            "TLS required",
            BASIC,
            &["--url", &good, "--ssl-mode", "required"],
            Ends::Either,
        ),
        // The TLS server of scripts/tls-db: a certificate from another CA.
        Run::new(
            "TLS refused",
            BASIC,
            &[
                "--url",
                &tls_refused,
                "--ssl-mode",
                "verify-ca",
                "--ssl-ca",
                &other_ca,
            ],
            Ends::Code(2),
        ),
        Run::new(
            "TLS refused, json",
            BASIC,
            &[
                "--url",
                &tls_refused,
                "--ssl-mode",
                "verify-ca",
                "--ssl-ca",
                &other_ca,
                "--format",
                "json",
            ],
            Ends::Code(2),
        ),
        Run::new(
            "misspelt flag",
            BASIC,
            &["--url", &good, &format!("--pasword={raw}")],
            Ends::Code(2),
        ),
        Run::new(
            "password flag twice",
            BASIC,
            &with_flags(&["-u", user, &password_flag, &password_flag]),
            Ends::Code(2),
        ),
        // simple_multi_connection: TOML and reports.
        Run::new(
            "toml password, password_env, url",
            MULTI,
            &["--config", &cfg(&good_cfg), "--format", "json"],
            Ends::Code(0),
        )
        .env("RIG_SECRET_PW", raw)
        .junit(&junit),
        Run::new(
            "toml wrong, down, no database",
            MULTI,
            &["--config", &cfg(&failing_cfg), "--format", "json"],
            Ends::Refused,
        )
        .junit(&junit),
        Run::new(
            "toml wrong, down, no database, human",
            MULTI,
            &["--config", &cfg(&failing_cfg)],
            Ends::Refused,
        ),
        Run::new(
            "toml syntax error on the password line",
            MULTI,
            &["--config", &cfg(&syntax_cfg)],
            Ends::Code(2),
        ),
        Run::new(
            "toml raw url",
            MULTI,
            &["--config", &cfg(&raw_url_cfg), "--format", "json"],
            Ends::Either,
        )
        .raw_url(),
        Run::new("copies", MULTI, &["-n", "2", "--url", &good], Ends::Code(0)).junit(&junit),
        Run::new(
            "copies, wrong password",
            MULTI,
            &with_flags(&[
                "-n",
                "2",
                "-u",
                admin_user,
                &password_flag,
                "--format",
                "json",
            ]),
            Ends::Refused,
        )
        .junit(&junit),
        // isolation
        Run::new(
            "isolation",
            ISOLATION,
            &[
                "--url",
                &good,
                "--tests",
                "g0",
                "--levels",
                "serializable",
                "--format",
                "json",
            ],
            Ends::Code(0),
        ),
        Run::new(
            "isolation, wrong password",
            ISOLATION,
            &["--url", &wrong, "--tests", "g0", "--levels", "serializable"],
            Ends::Code(2),
        ),
        Run::new(
            "isolation --explain",
            ISOLATION,
            &["--url", &good, "--explain", "g0"],
            Ends::Code(0),
        ),
        // job_monitor
        Run::new(
            "job_monitor",
            JOBS,
            &[
                "--url",
                &good,
                "--source",
                "processlist",
                "--duration",
                "200ms",
                "--interval",
                "100ms",
                "--format",
                "json",
            ],
            Ends::Code(0),
        ),
        Run::new(
            "job_monitor, wrong password",
            JOBS,
            &with_flags(&[
                "-u",
                admin_user,
                &password_flag,
                "--source",
                "processlist",
                "--duration",
                "200ms",
            ]),
            Ends::Code(2),
        ),
    ];
    all.extend(python_runs(&good, &wrong, &junit));
    all
}

#[cfg(feature = "python")]
fn python_runs(good: &str, wrong: &str, junit: &Path) -> Vec<Run> {
    const PYTHON: &str = env!("CARGO_BIN_EXE_python_demo");
    let plugin = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/plugins/demo.py");
    vec![
        Run::new(
            "python_demo",
            PYTHON,
            &[
                "--url", good, "--plugin", plugin, "-n", "1", "--format", "json",
            ],
            Ends::Code(0),
        )
        .junit(junit),
        Run::new(
            "python_demo, wrong password",
            PYTHON,
            &["--url", wrong, "--plugin", plugin, "-n", "1"],
            Ends::Refused,
        )
        .junit(junit),
    ]
}

#[cfg(not(feature = "python"))]
fn python_runs(_: &str, _: &str, _: &Path) -> Vec<Run> {
    Vec::new()
}

/// Gives the test's user `password` and puts it through every run.
fn check_everywhere(
    user: &TempUser,
    password: &str,
    runtime: &tokio::runtime::Runtime,
) -> Result<(), TestCaseError> {
    let secret = Secret::new(password);
    runtime.block_on(user.set_password(password));
    let scratch = Scratch::new(&user.name);
    for run in runs(&secret, &user.name, &scratch) {
        run.check(&secret)?;
    }
    Ok(())
}

const GRANTS: &[&str] = &["ALL ON `test`.*", "PROCESS ON *.*"];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// 8 passwords a run by default, each through about thirty tool runs.
#[test]
fn random_passwords_never_appear_in_any_output() {
    let rt = runtime();
    let user = rt.block_on(TempUser::create("secrets_prop", "initial-pw", GRANTS));
    let result = proptest::test_runner::TestRunner::new(cases(8)).run(&password(), |pw| {
        prop_assume!(distinctive(&pw));
        check_everywhere(&user, &pw, &rt)
    });
    rt.block_on(user.drop_now());
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The passwords the issue reported, and the delimiters in each position.
#[test]
fn reported_passwords_never_appear_in_any_output() {
    let rt = runtime();
    let user = rt.block_on(TempUser::create("secrets_fixed", "initial-pw", GRANTS));
    let mut failures = Vec::new();
    for pw in [
        "se/cret-password",
        "pa#ss-word-123",
        "pa?ss-word-123",
        "p@ss:w%rd/?#end",
        "@leading-at-sign",
        "trailing-slash/",
        "%2Fpercent%zzform",
        "密码-with-ünïcode 🔑",
        "-starts-with-dash",
        "quote\"and\\backslash'",
    ] {
        if let Err(e) = check_everywhere(&user, pw, &rt) {
            failures.push(format!("{pw}: {e}"));
        }
    }
    rt.block_on(user.drop_now());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
