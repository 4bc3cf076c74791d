//! How every JSON document writes a duration: milliseconds with
//! microsecond precision.

use serde::Serializer;
use std::time::Duration;

/// Serializes a duration as milliseconds with microsecond precision.
pub(crate) fn serialize_millis<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(millis(*d))
}

/// Milliseconds with microsecond precision, as every JSON document writes durations.
pub fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}
