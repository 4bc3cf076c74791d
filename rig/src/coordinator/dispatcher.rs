//! The dispatcher owns the run's state: it collects every executor's events
//! in order from their outboxes, keeps each participant's record and the
//! shared state up to date, feeds observers, and ends when every
//! participant has finished.

use crate::coordinator::executor::{Outbox, COLLECT_EVERY};
use crate::report::{ParticipantReport, TransitionRecord};
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
    /// Participant `i`'s record; its events come from outbox `i`.
    records: Vec<ParticipantReport>,
    /// The state each participant last entered in the shared state (only
    /// the dispatcher enters states there).
    entered: Vec<Option<&'static str>>,
    /// The state each participant's record last named as reached.
    reached: Vec<Option<&'static str>>,
    started: Instant,
    keep: Option<usize>,
    /// An emptied buffer to exchange for an outbox's events (see
    /// [`Outbox::swap`]).
    spare: Vec<RunEvent>,
}

impl Dispatcher {
    pub(crate) fn new(
        shared: SharedState,
        observers: Vec<Arc<dyn RunObserver>>,
        records: Vec<ParticipantReport>,
        started: Instant,
        keep: Option<usize>,
    ) -> Self {
        Dispatcher {
            entered: vec![None; records.len()],
            reached: vec![None; records.len()],
            shared,
            observers,
            records,
            started,
            keep,
            spare: Vec::new(),
        }
    }

    /// Collects events until every participant has finished (or every
    /// executor is gone), and returns the participants' records.
    /// `outboxes[i]` is participant `i`'s; `wake` says whose to collect now.
    pub(crate) async fn run(
        mut self,
        outboxes: Vec<Arc<Outbox>>,
        mut wake: UnboundedReceiver<usize>,
    ) -> Vec<ParticipantReport> {
        let mut running = self.records.len();
        let mut tick = tokio::time::interval(COLLECT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while running > 0 {
            let woken = tokio::select! {
                woken = wake.recv() => woken,
                _ = tick.tick() => {
                    for (i, outbox) in outboxes.iter().enumerate() {
                        running -= self.collect(i, outbox);
                    }
                    continue;
                }
            };
            match woken {
                Some(i) => running -= self.collect(i, &outboxes[i]),
                None => {
                    // Every executor is gone: what they left is all there is.
                    for (i, outbox) in outboxes.iter().enumerate() {
                        self.collect(i, outbox);
                    }
                    break;
                }
            }
        }
        self.records
    }

    /// Applies what participant `i`'s `outbox` holds; gives how many
    /// participants finished.
    fn collect(&mut self, i: usize, outbox: &Outbox) -> usize {
        let mut finished = 0;
        let mut events = std::mem::take(&mut self.spare);
        outbox.swap(&mut events);
        for event in events.drain(..) {
            if matches!(event, RunEvent::Finished { .. }) {
                finished += 1;
            }
            self.apply(i, &event);
            for observer in &self.observers {
                observer.on_event(&event);
            }
        }
        self.spare = events;
        finished
    }

    fn apply(&mut self, i: usize, event: &RunEvent) {
        let record = &mut self.records[i];
        match event {
            RunEvent::Started { .. } => record.started = Some(self.started.elapsed()),
            RunEvent::Transition(t) => {
                record.record(TransitionRecord::of(t, self.started), self.keep);
                // Many steps stay in the state they left (a loop): then
                // neither the record's name (an allocation) nor the shared
                // state (a lock) needs touching. State names are the
                // workflow's statics, so the same address is the same name.
                let reached = t.to.unwrap_or(t.from);
                if !same_name(self.reached[i], reached) {
                    self.reached[i] = Some(reached);
                    record.last_state = Some(reached.to_string());
                }
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
                record.phase = *phase;
                if let Some(keep) = self.keep {
                    record.trim(keep);
                }
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
