//! The dispatcher owns the run's state: it consumes every executor's events
//! in order, keeps each participant's record and the shared state up to
//! date, feeds observers, and ends when every participant has finished.

use crate::report::{ParticipantReport, TransitionRecord};
use crate::run::events::{RunEvent, RunObserver};
use crate::run::phase::Phase;
use crate::run::shared::SharedState;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc::UnboundedReceiver;

pub(crate) struct Dispatcher {
    shared: SharedState,
    observers: Vec<Arc<dyn RunObserver>>,
    records: Vec<ParticipantReport>,
    index: HashMap<String, usize>,
    started: Instant,
    keep: Option<usize>,
}

impl Dispatcher {
    pub(crate) fn new(
        shared: SharedState,
        observers: Vec<Arc<dyn RunObserver>>,
        records: Vec<ParticipantReport>,
        started: Instant,
        keep: Option<usize>,
    ) -> Self {
        let index = records
            .iter()
            .enumerate()
            .map(|(i, r)| (r.name.clone(), i))
            .collect();
        Dispatcher {
            shared,
            observers,
            records,
            index,
            started,
            keep,
        }
    }

    /// Consumes events until every participant has finished (or every
    /// executor is gone), and returns the participants' records.
    pub(crate) async fn run(
        mut self,
        mut events: UnboundedReceiver<Vec<RunEvent>>,
    ) -> Vec<ParticipantReport> {
        let mut running = self.records.len();
        while running > 0 {
            let Some(batch) = events.recv().await else {
                break;
            };
            for event in batch {
                if matches!(event, RunEvent::Finished { .. }) {
                    running -= 1;
                }
                self.apply(&event);
                for observer in &self.observers {
                    observer.on_event(&event);
                }
            }
        }
        self.records
    }

    fn apply(&mut self, event: &RunEvent) {
        let Some(&i) = self.index.get(event.participant()) else {
            return;
        };
        let now = self.started.elapsed();
        let record = &mut self.records[i];
        match event {
            RunEvent::Started { .. } => record.started = Some(now),
            RunEvent::Transition(t) => {
                record.record(TransitionRecord::of(t, self.started), self.keep);
                record.last_state = Some(t.to.unwrap_or(t.from).to_string());
                if let Some(to) = t.to {
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
