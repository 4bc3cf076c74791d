//! The documented exit codes shared by every tool, and how errors map to them.

use test_rig::{ErrorClass, RunVerdict, StateError};

/// Everything passed.
pub const OK: u8 = 0;
/// A test failed or found a deviation.
pub const FAILED: u8 = 1;
/// Bad usage or configuration: flags, URL, credentials, database.
pub const USAGE: u8 = 2;
/// The server could not be reached: host unknown, nothing listening, no answer.
pub const UNREACHABLE: u8 = 3;
/// Interrupted: SIGINT (Ctrl-C) or SIGTERM.
pub const INTERRUPTED: u8 = 130;

/// The exit code for an error of class `class`.
pub fn for_class(class: ErrorClass) -> u8 {
    match class {
        ErrorClass::Unreachable => UNREACHABLE,
        ErrorClass::Configuration => USAGE,
        ErrorClass::Cancelled => INTERRUPTED,
        ErrorClass::Failed => FAILED,
    }
}

/// The exit code a run's verdict earns: the one place a report becomes
/// an exit code.
pub fn for_verdict(verdict: RunVerdict) -> u8 {
    match verdict {
        RunVerdict::Passed => OK,
        RunVerdict::Interrupted => INTERRUPTED,
        RunVerdict::Failed(class) => for_class(class),
    }
}

/// The exit code for a run that ended with `error`.
pub fn for_error(error: &StateError) -> u8 {
    for_class(error.class())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn maps_error_classes() {
        let unreachable = StateError::ConnectTimeout {
            address: "h:1".into(),
            after: Duration::from_secs(1),
        };
        assert_eq!(for_error(&unreachable), UNREACHABLE);
        let denied = StateError::AccessDenied {
            user: "u".into(),
            address: "h:1".into(),
            without_tls: false,
        };
        assert_eq!(for_error(&denied), USAGE);
        assert_eq!(for_error(&StateError::step("wrong row count")), FAILED);
        assert_eq!(for_error(&StateError::Cancelled), INTERRUPTED);
    }
}
