//! How a run went, said the same way by every report: it passed, it failed
//! (with the class of what went wrong), or it was interrupted. A tool maps
//! a verdict to its exit code in one place.

use crate::error::ErrorClass;

/// How a run went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunVerdict {
    /// Everything passed.
    Passed,
    /// Something failed; the class says what kind of failure decides it
    /// (a configuration mistake, a server out of reach, a failed check).
    Failed(ErrorClass),
    /// Cancelled (Ctrl-C, SIGTERM) before it could finish.
    Interrupted,
}

/// A report that can say how its run went.
pub trait Judged {
    /// The run's verdict.
    fn verdict(&self) -> RunVerdict;
}

/// The class that decides a failure among several: a configuration mistake
/// over everything (nothing can pass until it is fixed), a server out of
/// reach only when nothing got through (`any_passed` false), else a failed
/// check.
pub fn deciding_class(classes: &[ErrorClass], any_passed: bool) -> ErrorClass {
    if classes.contains(&ErrorClass::Configuration) {
        ErrorClass::Configuration
    } else if !any_passed
        && !classes.is_empty()
        && classes.iter().all(|c| *c == ErrorClass::Unreachable)
    {
        ErrorClass::Unreachable
    } else {
        ErrorClass::Failed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ErrorClass::*;

    #[test]
    fn configuration_decides_then_unreachable_only_when_nothing_got_through() {
        assert_eq!(
            deciding_class(&[Failed, Configuration], true),
            Configuration
        );
        assert_eq!(
            deciding_class(&[Unreachable, Unreachable], false),
            Unreachable
        );
        assert_eq!(deciding_class(&[Unreachable], true), Failed);
        assert_eq!(deciding_class(&[Unreachable, Failed], false), Failed);
        assert_eq!(deciding_class(&[], false), Failed);
        assert_eq!(deciding_class(&[Cancelled], false), Failed);
    }
}
