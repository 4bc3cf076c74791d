//! `ConnectionConfig::from_url` on any text: an error is fine, a panic or a
//! hang is not, and what a parsed URL shows must not depend on the
//! password's value (it is shown as `***` or not at all).

#![no_main]

use libfuzzer_sys::fuzz_target;
use test_rig::{ConnectionConfig, Password};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match ConnectionConfig::from_url(text) {
        Ok(config) => {
            let mut other = config.clone();
            if other.password.is_some() {
                other.password = Some(Password::new("another password"));
            }
            assert_eq!(format!("{config}"), format!("{other}"));
            assert_eq!(format!("{config:?}"), format!("{other:?}"));
        }
        Err(e) => {
            let _ = format!("{e} {e:?}");
        }
    }
});
