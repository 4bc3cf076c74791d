//! Small formatting helpers shared by the tools' human output.

use std::time::Duration;

/// `0.42 ms`, `12.3 ms`, `1.25 s`: precise for short spans, short for long ones.
pub fn duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// Milliseconds as a float, for JSON.
pub fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_units() {
        assert_eq!(duration(Duration::from_micros(420)), "0.42 ms");
        assert_eq!(duration(Duration::from_micros(12_340)), "12.3 ms");
        assert_eq!(duration(Duration::from_millis(1250)), "1.25 s");
        assert_eq!(millis(Duration::from_micros(1234)), 1.234);
    }
}
