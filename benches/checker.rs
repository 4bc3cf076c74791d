//! The consistency checker's cost against history length: list-append
//! histories of 10,000, 100,000 and 1,000,000 transactions from the
//! in-memory serializable store (16 processes, 10 keys in play, the
//! workload's defaults), and a 10,000-transaction snapshot-isolation one
//! whose write skew gives the cycle search work to do. No server.
//!
//! `cargo bench --bench checker`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::time::Duration;
use test_rig::checker::simulate::{simulate, Store};
use test_rig::checker::{check, CheckOptions, Model};

const PROCESSES: u32 = 16;

fn by_length(c: &mut Criterion) {
    let mut group = c.benchmark_group("check list-append (serializable store)");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for txns in [10_000usize, 100_000, 1_000_000] {
        let history = simulate(
            Store::Serializable,
            1,
            PROCESSES,
            txns / PROCESSES as usize,
            10,
        );
        let options = CheckOptions::for_model(Model::StrictSerializable);
        assert!(check(&history, &options).anomaly_types.is_empty());
        group.throughput(Throughput::Elements(txns as u64));
        group.bench_with_input(BenchmarkId::from_parameter(txns), &history, |b, h| {
            b.iter(|| check(h, &options))
        });
    }
    group.finish();
}

fn with_cycles(c: &mut Criterion) {
    let mut group = c.benchmark_group("check list-append (snapshot-isolation store)");
    group.sample_size(10);
    let txns = 10_000usize;
    let history = simulate(
        Store::SnapshotIsolation,
        1,
        PROCESSES,
        txns / PROCESSES as usize,
        10,
    );
    let options = CheckOptions::for_model(Model::Serializable);
    let report = check(&history, &options);
    assert!(
        !report.anomaly_types.is_empty(),
        "the SI store made no cycle"
    );
    group.throughput(Throughput::Elements(txns as u64));
    group.bench_function(BenchmarkId::from_parameter(txns), |b| {
        b.iter(|| check(&history, &options))
    });
    group.finish();
}

criterion_group!(benches, by_length, with_cycles);
criterion_main!(benches);
