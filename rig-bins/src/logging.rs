//! Structured logging for the tools: `tracing` to stderr, filtered by
//! `RUST_LOG` (default: warnings only, so normal output stays clean).

use tracing_subscriber::EnvFilter;

/// Installs the subscriber; a second call does nothing.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    // A subscriber may already be installed (tests); keep that one.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
