//! The duration grammar (`500ms`, `10s`, `2m`, `1.5h`) on any text: an
//! error or a positive duration under 10^9 s, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use test_rig::config::parse_duration;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = parse_duration("fuzz", text) {
        assert!(!d.is_zero() && d.as_secs_f64() < 1e9, "{text:?} -> {d:?}");
    }
});
