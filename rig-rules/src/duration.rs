//! The one duration grammar of test-rig, for flags, configuration files,
//! URLs and the `#[step]` attribute alike: `humantime`'s (`500ms`, `10s`,
//! `2m`, `1h 30m`, `1min`, `2 hours`), or a number alone, read as seconds
//! (`30`, `0.5`), as the MySQL clients' own timeouts are written.

use std::time::Duration;

/// What a duration may look like, for messages and documentation.
pub const GRAMMAR: &str =
    "a positive duration such as 500ms, 10s, 1m 30s or 2h (a number alone is seconds)";

/// The longest duration accepted: about 31 years, far past any timeout,
/// and small enough that adding it to a clock reading cannot overflow.
pub const LONGEST: Duration = Duration::from_secs(999_999_999);

/// Why a text is not a duration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    /// Not in the grammar; `humantime`'s reason.
    Unreadable(String),
    /// Zero (or below a nanosecond): no time at all.
    Zero,
    /// Longer than [`LONGEST`].
    TooLong,
}

impl std::fmt::Display for DurationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DurationError::Unreadable(why) => write!(f, "{why}; expected {GRAMMAR}"),
            DurationError::Zero => write!(f, "it is no time at all; expected {GRAMMAR}"),
            DurationError::TooLong => write!(
                f,
                "it is longer than {} seconds; expected {GRAMMAR}",
                LONGEST.as_secs()
            ),
        }
    }
}

impl std::error::Error for DurationError {}

/// Reads `text` as a duration (surrounding spaces ignored).
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let text = text.trim();
    let duration = if text.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && text.chars().all(|c| c.is_ascii_digit() || c == '.')
    {
        let secs: f64 = text
            .parse()
            .map_err(|_| DurationError::Unreadable(format!("`{text}` is not a number")))?;
        if secs > LONGEST.as_secs_f64() {
            return Err(DurationError::TooLong);
        }
        Duration::from_secs_f64(secs)
    } else {
        humantime::parse_duration(text).map_err(|e| DurationError::Unreadable(e.to_string()))?
    };
    if duration.is_zero() {
        Err(DurationError::Zero)
    } else if duration > LONGEST {
        Err(DurationError::TooLong)
    } else {
        Ok(duration)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_and_a_bare_number() {
        for (text, millis) in [
            ("500ms", 500),
            ("10s", 10_000),
            ("2m", 120_000),
            ("1m 30s", 90_000),
            ("1h", 3_600_000),
            ("1min", 60_000),
            ("2 hours", 7_200_000),
            ("30", 30_000),
            ("0.5", 500),
            (".5", 500),
            (" 5s ", 5_000),
            ("999999999", 999_999_999_000),
        ] {
            assert_eq!(parse(text).map(|d| d.as_millis()), Ok(millis), "{text}");
        }
    }

    #[test]
    fn zero_too_long_and_unreadable_are_refused_with_the_grammar() {
        assert_eq!(parse("0"), Err(DurationError::Zero));
        assert_eq!(parse("0s"), Err(DurationError::Zero));
        assert_eq!(parse("0.0000000001"), Err(DurationError::Zero));
        assert_eq!(parse("1000000000"), Err(DurationError::TooLong));
        assert_eq!(parse("300000h"), Err(DurationError::TooLong));
        for bad in ["", "s", "ten seconds", "-5s", "5x", "1.2.3", "5 s s"] {
            let error = parse(bad).unwrap_err();
            assert!(
                matches!(error, DurationError::Unreadable(_)),
                "{bad}: {error:?}"
            );
            assert!(error.to_string().contains("such as 500ms"), "{error}");
        }
    }
}
