//! Overhead of the runtime per transition, with no server: a step that
//! does nothing, driven 1,000 times through the erased runner, the typed
//! handles, and the whole coordinator (channel to the dispatcher, shared
//! state, report).
//!
//! `cargo bench --bench erased_runner`

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use test_rig::prelude::*;
use test_rig::{Transition, TransitionObserver};

const TRANSITIONS: u64 = 1_000;

struct Count(u64);

#[test_rig::workflow]
mod spin {
    use super::{Count, TRANSITIONS};
    use test_rig::prelude::*;

    #[initial]
    pub struct Spinning;
    #[terminal]
    pub struct Done;

    #[step(Spinning -> Spinning | Done)]
    async fn turn(cx: &mut StateContext) -> Result<Turn, StateError> {
        let n = cx.get::<Count>().map_or(0, |c| c.0) + 1;
        cx.insert(Count(n));
        Ok(if n >= TRANSITIONS {
            Turn::Done
        } else {
            Turn::Spinning
        })
    }
}

struct Discard;

impl TransitionObserver for Discard {
    fn on_transition(&self, t: &Transition) {
        std::hint::black_box(t);
    }
}

fn context() -> StateContext {
    StateContext::new("bench", ConnectionConfig::default())
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("per_transition");
    group.throughput(Throughput::Elements(TRANSITIONS));

    group.bench_function("erased_runner", |b| {
        b.to_async(&rt).iter_batched(
            context,
            |cx| async move { spin::WORKFLOW.run(cx).await.unwrap() },
            BatchSize::SmallInput,
        )
    });

    group.bench_function("erased_runner_with_observer", |b| {
        b.to_async(&rt).iter_batched(
            || {
                let mut cx = context();
                cx.set_observer(std::sync::Arc::new(Discard));
                cx
            },
            |cx| async move { spin::WORKFLOW.run(cx).await.unwrap() },
            BatchSize::SmallInput,
        )
    });

    group.bench_function("typed_handles", |b| {
        b.to_async(&rt).iter_batched(
            context,
            |cx| async move {
                let mut conn = spin::Conn::start(cx);
                loop {
                    match conn.turn().await.unwrap() {
                        spin::TurnOutcome::Spinning(next) => conn = next,
                        spin::TurnOutcome::Done(done) => break done,
                    }
                }
            },
            BatchSize::SmallInput,
        )
    });

    group.bench_function("coordinator_one_participant", |b| {
        b.to_async(&rt).iter(|| async {
            let mut coordinator = Coordinator::new();
            coordinator
                .add_workflow("p", ConnectionConfig::default(), &spin::WORKFLOW)
                .unwrap();
            let report = coordinator.run().await;
            assert!(report.passed());
            report
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
