//! The dispatcher owns the run's shared state: it collects every
//! executor's events in order from their outboxes, completes each
//! participant's report when it starts and ends (its steps are recorded by
//! the participant itself, see `outbox`), keeps the shared state up to
//! date, feeds observers, and ends when every executor has.

use crate::coordinator::outbox::{Outbox, StepLog, COLLECT_EVERY};
use crate::report::ParticipantReport;
use crate::run::events::{RunEvent, RunObserver};
use crate::run::phase::Phase;
use crate::run::shared::SharedState;
use crate::run::transition::same_static_name;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc::UnboundedReceiver;

pub(crate) struct Dispatcher {
    shared: SharedState,
    observers: Vec<Arc<dyn RunObserver>>,
    /// Participant `i`'s outbox.
    outboxes: Vec<Arc<Outbox>>,
    /// The state each participant last entered in the shared state (only
    /// the dispatcher enters states there).
    entered: Vec<Option<&'static str>>,
    started: Instant,
    /// An emptied buffer to exchange for an outbox's events (see
    /// [`Outbox::swap`]).
    spare: Vec<RunEvent>,
}

impl Dispatcher {
    pub(crate) fn new(
        shared: SharedState,
        observers: Vec<Arc<dyn RunObserver>>,
        outboxes: Vec<Arc<Outbox>>,
        started: Instant,
    ) -> Self {
        Dispatcher {
            entered: vec![None; outboxes.len()],
            shared,
            observers,
            outboxes,
            started,
            spare: Vec::new(),
        }
    }

    /// Collects events until every executor is gone, and returns the
    /// participants' reports, in the order of the outboxes. `wake` says
    /// whose outbox to collect now; it closes when the last executor,
    /// having sent its participant's `Finished`, drops its sender, so its
    /// end is the run's end (a count of finished participants would only
    /// repeat it).
    pub(crate) async fn run(
        mut self,
        mut wake: UnboundedReceiver<usize>,
    ) -> Vec<ParticipantReport> {
        let mut tick = tokio::time::interval(COLLECT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                woken = wake.recv() => match woken {
                    Some(i) => self.collect(i),
                    None => {
                        // Every executor is gone: what they left is all there is.
                        for i in 0..self.outboxes.len() {
                            self.collect(i);
                        }
                        break;
                    }
                },
                _ = tick.tick() => {
                    for i in 0..self.outboxes.len() {
                        self.collect(i);
                    }
                }
            }
        }
        self.outboxes.iter().map(|o| o.take_report()).collect()
    }

    /// Applies what participant `i`'s outbox holds.
    fn collect(&mut self, i: usize) {
        let mut events = std::mem::take(&mut self.spare);
        self.outboxes[i].swap(&mut events);
        for event in events.drain(..) {
            self.apply(i, &event);
            for observer in &self.observers {
                observer.on_event(&event);
            }
        }
        self.spare = events;
    }

    fn apply(&mut self, i: usize, event: &RunEvent) {
        match event {
            RunEvent::Started { .. } => {
                self.outboxes[i].steps().report.started = Some(self.started.elapsed());
            }
            RunEvent::Transition(t) => {
                // Many steps stay in the state they left (a loop): the
                // shared state (a lock) is touched only when it changes.
                // State names are the workflow's statics, so the same
                // address is the same name.
                if let Some(to) = t.to.filter(|to| !same_name(self.entered[i], to)) {
                    self.entered[i] = Some(to);
                    self.shared.enter(&t.participant, to);
                }
            }
            RunEvent::Finished {
                participant,
                phase,
                error,
                tls_version,
            } => {
                let mut log = self.outboxes[i].steps();
                let StepLog {
                    report: record,
                    reached,
                    ..
                } = &mut *log;
                record.last_state = reached.map(str::to_string);
                record.phase = *phase;
                record.tls_version = tls_version.clone();
                let now = self.started.elapsed();
                record.elapsed = now.saturating_sub(record.started.unwrap_or_default());
                let mut error = error.clone();
                if let Some(e) = error.as_mut() {
                    // A failure outside any step after steps ran (a
                    // scenario's own check) happened after the last state,
                    // not in it; one before any step, in the state it
                    // never left.
                    if e.state.is_none() && e.step.is_none() && record.steps_run > 0 {
                        e.after = record.last_state.clone();
                    } else if e.state.is_none() {
                        e.state = record.last_state.clone();
                    }
                    // Failed before any step ran (e.g. a server found silent
                    // before the run): the state it failed in is its last.
                    if record.last_state.is_none() {
                        record.last_state = e.state.clone();
                    }
                }
                record.error = error.clone();
                drop(log);
                let reason = error.map(|e| e.message);
                self.shared.finish(participant, *phase, reason);
                debug_assert!(*phase != Phase::Running);
            }
        }
    }
}

/// Whether `known` is `name`.
fn same_name(known: Option<&'static str>, name: &str) -> bool {
    known.is_some_and(|k| same_static_name(k, name))
}
