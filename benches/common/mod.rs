//! What the hand-rolled benches share: their one numeric argument and the
//! median of their rounds.
// Each bench uses its own subset.
#![allow(dead_code)]

/// The first command-line argument that parses as a number (cargo bench
/// passes flags of its own, e.g. `--bench`), or `default`.
pub fn number_arg(default: usize) -> usize {
    std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(default)
}

/// The median of `values` (the upper one of an even count).
pub fn median<T: PartialOrd + Copy>(mut values: Vec<T>) -> T {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    values[values.len() / 2]
}

use std::time::Duration;

/// CPU time (user + system) this process has used, to the nanosecond
/// (`CLOCK_PROCESS_CPUTIME_ID`): a round of a throughput bench takes a few
/// hundred milliseconds, which `/proc`'s 10 ms ticks would cut to within a
/// few percent.
pub fn cpu_time() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}
