//! The load mode's statement reader (`--sql-file`, `--sql`) on any text:
//! splitting never panics, and every statement that parses has one `?`
//! per bound placeholder more than its text had, and is its text with
//! each placeholder replaced by `?`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use test_rig::load::{split_statements, LoadStatement};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for (i, piece) in split_statements(text).iter().enumerate() {
        let Ok(s) = LoadStatement::parse(piece, i + 1) else {
            continue;
        };
        let marks = |t: &str| t.matches('?').count();
        assert_eq!(marks(&s.sql), marks(&s.text) + s.params.len(), "{piece:?}");
        let placeholders = s.text.matches("{participant}").count() + s.text.matches("{iteration}").count();
        assert!(s.params.len() <= placeholders, "{piece:?}");
        let shrunk: usize = s.params.len();
        assert!(s.sql.len() <= s.text.len() + shrunk, "{piece:?}");
    }
    // A single statement given whole (`--sql`) is read the same way.
    let _ = LoadStatement::parse(text, 1);
});
