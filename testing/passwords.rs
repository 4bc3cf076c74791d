//! The passwords the "never printed" property tests try, shared by the
//! tests of `test-rig` (URL redaction) and `test-rig-bins` (every tool's
//! output), which include this file by path.

use proptest::prelude::*;

/// Passwords people use: ASCII punctuation with the URL delimiters, spaces,
/// percent signs, letters, digits and some Unicode; 1 to 200 characters.
pub(crate) fn password() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(
                "/?#@:%!$&'()*+,;=[]{}<>|\\^`~\" .-_"
                    .chars()
                    .collect::<Vec<_>>()
            ),
            prop::char::range('a', 'z'),
            prop::char::range('A', 'Z'),
            prop::char::range('0', '9'),
            prop::sample::select(vec!['é', 'ß', '密', '码', '🔑', 'Ж']),
        ],
        1..200,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// `default` cases, or `PROPTEST_CASES` when set (an explicit count in a
/// config otherwise overrides the variable).
pub(crate) fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig::with_cases(cases)
}
