//! What a load run counts: each connection records its transactions'
//! latencies in an HDR histogram of its own (no lock shared with another
//! connection), with its error counts by class; every report interval the
//! run takes those in, giving the interval's figures and adding them to
//! the totals.

use crate::error::StateError;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Latencies are recorded in microseconds, up to an hour, to 3 significant
/// digits (HdrHistogram's usual precision: 0.1% error at any size).
const HIGHEST_MICROS: u64 = 3_600_000_000;

fn histogram() -> Result<Histogram<u64>, StateError> {
    Histogram::new_with_bounds(1, HIGHEST_MICROS, 3)
        .map_err(|e| StateError::step(format!("cannot make a latency histogram: {e:?}")))
}

/// Latency percentiles of a set of transactions, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Latency {
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// The slowest.
    pub max_ms: f64,
    /// The mean.
    pub mean_ms: f64,
}

impl Latency {
    fn of(h: &Histogram<u64>) -> Option<Latency> {
        let ms = |micros: u64| micros as f64 / 1000.0;
        (!h.is_empty()).then(|| Latency {
            p50_ms: ms(h.value_at_quantile(0.50)),
            p95_ms: ms(h.value_at_quantile(0.95)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            max_ms: ms(h.max()),
            mean_ms: h.mean() / 1000.0,
        })
    }
}

/// One report interval's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntervalStats {
    /// Start, in seconds since the load began.
    pub from_s: f64,
    /// End, in seconds since the load began.
    pub to_s: f64,
    /// Transactions (passes over the statements) that succeeded.
    pub transactions: u64,
    /// Successful transactions per second.
    pub tps: f64,
    /// Statements that succeeded.
    pub queries: u64,
    /// Transactions that failed.
    pub errors: u64,
    /// Latency of the successful transactions, if there were any.
    pub latency: Option<Latency>,
}

/// How often one kind of error happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorCount {
    /// `server error 1213 (deadlock)`, `connection lost`, `statement timeout`, ...
    pub class: String,
    /// The server's error code, when the server answered with one.
    pub code: Option<u16>,
    /// How many transactions failed so.
    pub count: u64,
    /// The first such error's message.
    pub example: String,
}

/// A name for an error that groups alike failures: the server's code (with
/// what the common ones mean), or the kind of client-side failure.
pub fn error_class(error: &StateError) -> String {
    if let Some(code) = error.server_code() {
        let meaning = match code {
            1205 => " (lock wait timeout)",
            1213 => " (deadlock)",
            1062 => " (duplicate key)",
            1146 => " (no such table)",
            1064 => " (syntax error)",
            1047 => " (node not ready)",
            8002 | 8005 | 9007 => " (write conflict)",
            8022 => " (commit failed, rolled back)",
            8028 => " (schema changed)",
            _ => "",
        };
        return format!("server error {code}{meaning}");
    }
    match error {
        StateError::StatementTimeout { .. } => "statement timeout".into(),
        e if e.is_connection_lost() => "connection lost".into(),
        e => e.class().as_str().to_string(),
    }
}

/// What one connection has recorded since the last interval, and when its
/// last pass ended.
#[derive(Debug)]
pub(crate) struct Recorder {
    latencies: Histogram<u64>,
    queries: u64,
    errors: u64,
    classes: BTreeMap<String, ErrorCount>,
    last_end: Option<Instant>,
}

impl Recorder {
    pub(crate) fn new() -> Result<Self, StateError> {
        Ok(Recorder {
            latencies: histogram()?,
            queries: 0,
            errors: 0,
            classes: BTreeMap::new(),
            last_end: None,
        })
    }

    /// A transaction of `statements` statements that took `took`, ending at `end`.
    pub(crate) fn passed(&mut self, took: Duration, statements: u64, end: Instant) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1);
        self.latencies.saturating_record(micros);
        self.queries += statements;
        self.last_end = Some(end);
    }

    /// A transaction that failed with `error` after `statements` succeeded,
    /// ending at `end`.
    pub(crate) fn failed(&mut self, error: &StateError, statements: u64, end: Instant) {
        self.queries += statements;
        self.errors += 1;
        self.last_end = Some(end);
        let count = ErrorCount {
            class: error_class(error),
            code: error.server_code(),
            count: 1,
            example: error.to_string(),
        };
        merge(&mut self.classes, count);
    }

    /// When its last pass ended, if one did.
    pub(crate) fn last_end(&self) -> Option<Instant> {
        self.last_end
    }
}

/// One connection's recorder, shared with the run's reporter.
pub(crate) type SharedRecorder = Arc<Mutex<Recorder>>;

/// The run's totals, and every interval so far.
#[derive(Debug)]
pub(crate) struct Totals {
    latencies: Histogram<u64>,
    /// Where each interval's latencies are gathered (emptied each time).
    interval: Histogram<u64>,
    pub(crate) queries: u64,
    pub(crate) errors: u64,
    classes: BTreeMap<String, ErrorCount>,
    pub(crate) intervals: Vec<IntervalStats>,
}

impl Totals {
    pub(crate) fn new() -> Result<Self, StateError> {
        Ok(Totals {
            latencies: histogram()?,
            interval: histogram()?,
            queries: 0,
            errors: 0,
            classes: BTreeMap::new(),
            intervals: Vec::new(),
        })
    }

    /// Takes in what every recorder holds, as the interval `from_s` to
    /// `to_s`; gives the interval's figures.
    pub(crate) fn take_interval(
        &mut self,
        recorders: &[SharedRecorder],
        from_s: f64,
        to_s: f64,
    ) -> IntervalStats {
        self.interval.reset();
        let (mut queries, mut errors) = (0, 0);
        for recorder in recorders {
            let mut r = recorder.lock().unwrap_or_else(|p| p.into_inner());
            // Every histogram here has the same bounds, so adding cannot fail.
            let _ = self.interval.add(&r.latencies);
            r.latencies.reset();
            queries += std::mem::take(&mut r.queries);
            errors += std::mem::take(&mut r.errors);
            for (_, count) in std::mem::take(&mut r.classes) {
                merge(&mut self.classes, count);
            }
        }
        let _ = self.latencies.add(&self.interval);
        self.queries += queries;
        self.errors += errors;
        let transactions = self.interval.len();
        let span = to_s - from_s;
        let stats = IntervalStats {
            from_s,
            to_s,
            transactions,
            tps: if span > 0.0 {
                transactions as f64 / span
            } else {
                0.0
            },
            queries,
            errors,
            latency: Latency::of(&self.interval),
        };
        self.intervals.push(stats.clone());
        stats
    }

    /// Successful transactions in all.
    pub(crate) fn transactions(&self) -> u64 {
        self.latencies.len()
    }

    /// The latency over the whole run.
    pub(crate) fn latency(&self) -> Option<Latency> {
        Latency::of(&self.latencies)
    }

    /// Error classes, the most frequent first.
    pub(crate) fn error_classes(&self) -> Vec<ErrorCount> {
        let mut classes: Vec<ErrorCount> = self.classes.values().cloned().collect();
        classes.sort_by(|a, b| b.count.cmp(&a.count).then(a.class.cmp(&b.class)));
        classes
    }
}

/// Adds `count` to its class in `into`; the first of a class keeps its example.
fn merge(into: &mut BTreeMap<String, ErrorCount>, count: ErrorCount) {
    match into.get_mut(&count.class) {
        Some(existing) => existing.count += count.count,
        None => {
            into.insert(count.class.clone(), count);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::error::server_answer as server_error;

    /// Within HdrHistogram's 0.1% at 3 significant digits.
    fn close(got: f64, want: f64) -> bool {
        (got - want).abs() <= want * 0.001 + 1e-9
    }

    fn shared() -> SharedRecorder {
        Arc::new(Mutex::new(Recorder::new().unwrap()))
    }

    #[test]
    fn percentiles_come_from_every_connection_and_intervals_add_up() {
        let (a, b) = (shared(), shared());
        // 100 transactions of 1..=100 ms across two connections.
        for ms in 1..=100u64 {
            let r = if ms % 2 == 0 { &a } else { &b };
            r.lock()
                .unwrap()
                .passed(Duration::from_millis(ms), 2, Instant::now());
        }
        let mut totals = Totals::new().unwrap();
        let first = totals.take_interval(&[a.clone(), b.clone()], 0.0, 2.0);
        assert_eq!(first.transactions, 100);
        assert_eq!(first.queries, 200);
        assert!((first.tps - 50.0).abs() < 1e-9);
        let l = first.latency.unwrap();
        for (got, want) in [
            (l.p50_ms, 50.0),
            (l.p95_ms, 95.0),
            (l.p99_ms, 99.0),
            (l.max_ms, 100.0),
        ] {
            assert!(close(got, want), "{got} vs {want}");
        }
        assert!((l.mean_ms - 50.5).abs() < 0.1, "{}", l.mean_ms);

        // The recorders were emptied: the next interval has only what came after.
        a.lock()
            .unwrap()
            .passed(Duration::from_millis(500), 2, Instant::now());
        let error = server_error(1213, "Deadlock found");
        b.lock().unwrap().failed(&error, 1, Instant::now());
        b.lock().unwrap().failed(&error, 0, Instant::now());
        let second = totals.take_interval(&[a, b], 2.0, 3.0);
        assert_eq!(
            (second.transactions, second.errors, second.queries),
            (1, 2, 3)
        );
        // One transaction in that one second.
        assert!((second.tps - 1.0).abs() < 1e-9, "{}", second.tps);
        assert!(close(second.latency.unwrap().p50_ms, 500.0));
        assert_eq!(totals.transactions(), 101);
        assert!(close(totals.latency().unwrap().max_ms, 500.0));
        assert_eq!(totals.errors, 2);
        assert_eq!(totals.queries, 203);
        let classes = totals.error_classes();
        assert_eq!(classes.len(), 1);
        assert_eq!(classes[0].class, "server error 1213 (deadlock)");
        assert_eq!((classes[0].code, classes[0].count), (Some(1213), 2));
        assert_eq!(totals.intervals.len(), 2);
    }

    /// The names follow the servers' error references: MariaDB's
    /// ("MariaDB Error Codes": 1047 ER_UNKNOWN_COM_ERROR, which Galera
    /// returns while a node is not ready; 1062 ER_DUP_ENTRY; 1064
    /// ER_PARSE_ERROR; 1146 ER_NO_SUCH_TABLE; 1205 ER_LOCK_WAIT_TIMEOUT;
    /// 1213 ER_LOCK_DEADLOCK) and TiDB's ("Error Codes and
    /// Troubleshooting": 8002, 8005, 9007 write conflicts; 8022 a commit
    /// that failed and was rolled back; 8028 the table's schema changed).
    #[test]
    fn each_known_code_is_named_by_what_it_means() {
        for (code, class) in [
            (1047, "server error 1047 (node not ready)"),
            (1062, "server error 1062 (duplicate key)"),
            (1064, "server error 1064 (syntax error)"),
            (1146, "server error 1146 (no such table)"),
            (1205, "server error 1205 (lock wait timeout)"),
            (1213, "server error 1213 (deadlock)"),
            (8002, "server error 8002 (write conflict)"),
            (8005, "server error 8005 (write conflict)"),
            (8022, "server error 8022 (commit failed, rolled back)"),
            (9007, "server error 9007 (write conflict)"),
            (8028, "server error 8028 (schema changed)"),
            (1317, "server error 1317"),
        ] {
            assert_eq!(error_class(&server_error(code, "m")), class);
        }
        assert_eq!(error_class(&StateError::Cancelled), "cancelled");
    }

    /// The same class from several connections, and over several
    /// intervals, adds up to one count.
    #[test]
    fn a_class_seen_by_several_connections_and_intervals_is_counted_once_in_all() {
        let (a, b) = (shared(), shared());
        let deadlock = server_error(1213, "first");
        a.lock().unwrap().failed(&deadlock, 0, Instant::now());
        b.lock()
            .unwrap()
            .failed(&server_error(1213, "second"), 0, Instant::now());
        let mut totals = Totals::new().unwrap();
        totals.take_interval(&[a.clone(), b.clone()], 0.0, 1.0);
        a.lock().unwrap().failed(&deadlock, 0, Instant::now());
        b.lock().unwrap().failed(&deadlock, 0, Instant::now());
        b.lock().unwrap().failed(&deadlock, 0, Instant::now());
        totals.take_interval(&[a, b], 1.0, 2.0);
        let classes = totals.error_classes();
        assert_eq!(classes.len(), 1);
        assert_eq!(classes[0].count, 5);
        assert_eq!(classes[0].example, "server error 1213 (HY000): first");
        assert_eq!(totals.errors, 5);
    }

    #[test]
    fn an_empty_interval_has_no_latency_and_no_rate() {
        let mut totals = Totals::new().unwrap();
        let i = totals.take_interval(&[shared()], 1.0, 1.0);
        assert_eq!((i.transactions, i.tps, i.latency), (0, 0.0, None));
    }

    #[test]
    fn errors_are_grouped_by_code_or_kind_and_sorted_by_count() {
        let r = shared();
        let server = |code| server_error(code, &format!("error {code}"));
        for _ in 0..3 {
            r.lock().unwrap().failed(&server(1062), 0, Instant::now());
        }
        r.lock().unwrap().failed(&server(4242), 0, Instant::now());
        r.lock()
            .unwrap()
            .failed(&StateError::NoSession("gone"), 0, Instant::now());
        r.lock().unwrap().failed(
            &StateError::StatementTimeout {
                sql: "SELECT SLEEP(9)".into(),
                after: Duration::from_secs(1),
            },
            0,
            Instant::now(),
        );
        let mut totals = Totals::new().unwrap();
        totals.take_interval(&[r], 0.0, 1.0);
        let classes: Vec<(String, u64)> = totals
            .error_classes()
            .into_iter()
            .map(|c| (c.class, c.count))
            .collect();
        assert_eq!(
            classes,
            [
                ("server error 1062 (duplicate key)".to_string(), 3),
                ("connection lost".to_string(), 1),
                ("server error 4242".to_string(), 1),
                ("statement timeout".to_string(), 1),
            ]
        );
        assert_eq!(
            totals.error_classes()[0].example,
            "server error 1062 (HY000): error 1062"
        );
    }
}
