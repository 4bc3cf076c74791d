//! Structured logging for the tools: `tracing` to stderr, filtered by
//! `RUST_LOG` (default: warnings only, so normal output stays clean), in
//! colour only on a terminal and only without `NO_COLOR`.

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Installs the subscriber; a second call does nothing.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    // A subscriber may already be installed (tests); keep that one.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // On a closed stderr (`2>&1 | head`) the subscriber would report
        // its failed write with `eprint!`, which panics there: a log line
        // that cannot be written is dropped instead.
        .log_internal_errors(false)
        .with_ansi(wants_colour(
            std::io::stderr().is_terminal(),
            std::env::var_os("NO_COLOR"),
        ))
        .try_init();
}

/// Colour for a terminal, unless `NO_COLOR` is set to anything non-empty
/// (<https://no-color.org>).
fn wants_colour(terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::wants_colour;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(wants_colour(true, None));
        assert!(wants_colour(true, Some("".into())));
        assert!(!wants_colour(true, Some("1".into())));
        assert!(!wants_colour(false, None));
    }
}
