//! The `--config` TOML reader on any text: an error naming what is wrong,
//! or a list of connections, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::time::Duration;
use test_rig_bins::config_file::{parse, Defaults};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let defaults = Defaults {
        connect_timeout: Some(Duration::from_secs(10)),
        ssl_mode: None,
    };
    match parse(text, defaults) {
        Ok(list) => assert!(!list.is_empty()),
        Err(e) => assert!(!e.is_empty()),
    }
});
