//! "Never printed", as a property: whatever the password looks like, and
//! however the URL it sits in is broken, no error, `Debug` or `Display` of
//! the configuration holds it, raw or percent-encoded.

use super::*;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use proptest::prelude::*;

#[path = "../../testing/passwords.rs"]
mod passwords;
use passwords::{cases, password};

/// A password can be checked for only where it cannot appear by chance in
/// the surrounding text ("u", "@", "3306"...): four characters or more, or
/// anything outside ASCII.
fn distinctive(pw: &str) -> bool {
    pw.chars().count() >= 4 || !pw.is_ascii()
}

/// The URL shapes a password travels in: well-formed, and broken in each
/// way a user breaks them.
fn urls(pw: &str) -> Vec<String> {
    let enc = utf8_percent_encode(pw, NON_ALPHANUMERIC).to_string();
    let mut all = Vec::new();
    for p in [pw, enc.as_str()] {
        all.extend([
            format!("mysql://u:{p}@127.0.0.1:3306/test"),
            format!("mysql://u:{p}@127.0.0.1:99999/test"),
            format!("mysql://u:{p}@127.0.0.1:x/test"),
            format!("mysql://u:{p}@/test"),
            format!("mysql://u:{p}@h/a/b"),
            format!("mysql://u:{p}@h/d?nope=1"),
            format!("mysql://u:{p}@h/d?ssl-mode=bogus"),
            format!("postgres://u:{p}@h/d"),
            format!("u:{p}@h"),
        ]);
        // The host forgotten: only where no `@` in the password makes the
        // rest read as a host (`mysql://u:@h` is a valid URL naming h).
        if !p.contains('@') {
            all.push(format!("mysql://u:{p}"));
        }
    }
    all
}

fn leaks(text: &str, pw: &str) -> bool {
    let enc = utf8_percent_encode(pw, NON_ALPHANUMERIC).to_string();
    text.contains(pw) || (enc != pw && text.contains(&enc))
}

/// No URL built around `pw` parses into, or fails with, a text holding it.
fn never_shown(pw: &str) -> Result<(), TestCaseError> {
    for url in urls(pw) {
        let shown = match ConnectionConfig::from_url(&url) {
            // Without an `@` there is no password: what parses is a
            // host, a port and a database, shown as such.
            Ok(_) if !url.contains('@') => continue,
            Ok(config) => format!("{config:?} {config}"),
            Err(e) => format!("{e} {e:?}"),
        };
        prop_assert!(!leaks(&shown, pw), "{url} -> {shown}");
    }
    Ok(())
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn no_url_error_or_rendering_holds_the_password(pw in password()) {
        prop_assume!(distinctive(&pw));
        never_shown(&pw)?;
    }
}

/// What the property test found before the fixes, shrunk.
#[test]
fn passwords_the_property_test_found_stay_hidden() {
    for pw in ["///:", "0//:", "é:", "@::/", "//é"] {
        never_shown(pw).unwrap();
    }
}

#[test]
fn the_issue_s_passwords_are_hidden_and_explained() {
    for pw in ["se/cret", "pa#ss", "pa?ss"] {
        let e = ConnectionConfig::from_url(&format!("mysql://u:{pw}@127.0.0.1/d"))
            .unwrap_err()
            .to_string();
        assert!(!e.contains(pw), "{e}");
        assert!(e.contains("percent-encode"), "{e}");
        assert!(
            !e.contains("the port must"),
            "the port is not what is wrong: {e}"
        );
    }
}
