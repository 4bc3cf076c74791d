//! A participant's outbox, between its task and the dispatcher: its
//! report's step log, recorded on the participant's own task as each step
//! ends, and the events the dispatcher must see, waiting in order until it
//! collects them (every `COLLECT_EVERY`, and at once when the participant
//! starts or finishes).
//!
//! Steps are recorded where they run rather than by the dispatcher: a
//! busy run's transitions then cross no thread (a copy into a queue, out
//! of it into the record, and the cache lines between two cores, at every
//! step), and one dispatcher does not have every participant's steps to
//! go through. A transition still goes to the dispatcher when it enters a
//! state (the shared state must learn it) and, when the run has observers,
//! every one does.

use crate::report::{ParticipantReport, TransitionRecord};
use crate::run::events::RunEvent;
use crate::run::transition::{same_static_name, Transition, TransitionObserver};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long an event may wait in an outbox; displays stay live at that pace.
pub(crate) const COLLECT_EVERY: Duration = Duration::from_millis(50);

pub(crate) struct Outbox {
    events: Mutex<Vec<RunEvent>>,
    steps: Mutex<StepLog>,
    /// Whether the run has observers, who see every transition.
    observed: bool,
    run_started: Instant,
    keep: Option<usize>,
}

/// What the participant's steps have left in its report so far.
pub(crate) struct StepLog {
    pub(crate) report: ParticipantReport,
    /// The state the last transition reached (the report's `last_state`,
    /// kept as the workflow's static until the report is handed over).
    pub(crate) reached: Option<&'static str>,
    /// The state last sent to the dispatcher as entered.
    entered: Option<&'static str>,
}

impl Outbox {
    /// The outbox of the participant `report` is for, in a run that started
    /// at `run_started` and keeps each participant's last `keep` attempts.
    pub(crate) fn new(
        report: ParticipantReport,
        observed: bool,
        run_started: Instant,
        keep: Option<usize>,
    ) -> Self {
        Outbox {
            events: Mutex::new(Vec::new()),
            steps: Mutex::new(StepLog {
                report,
                reached: None,
                entered: None,
            }),
            observed,
            run_started,
            keep,
        }
    }

    fn events(&self) -> MutexGuard<'_, Vec<RunEvent>> {
        self.events.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The step log: the participant's task records into it, the
    /// dispatcher reads and completes it at the start and the end.
    pub(crate) fn steps(&self) -> MutexGuard<'_, StepLog> {
        self.steps.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn push(&self, event: RunEvent) {
        self.events().push(event);
    }

    /// Exchanges everything waiting (oldest first) for `emptied`, which the
    /// caller has emptied. The two buffers' room goes back and forth
    /// between the dispatcher and the outboxes, so that a busy run
    /// allocates no buffer per collection and grows none from nothing.
    pub(crate) fn swap(&self, emptied: &mut Vec<RunEvent>) {
        debug_assert!(emptied.is_empty());
        std::mem::swap(&mut *self.events(), emptied);
    }

    /// The participant's report, handed over when the run is over.
    pub(crate) fn take_report(&self) -> ParticipantReport {
        let empty = ParticipantReport::new(String::new(), String::new(), String::new());
        std::mem::replace(&mut self.steps().report, empty)
    }

    /// Records `transition` in the step log; gives whether the dispatcher
    /// must see it too.
    fn record(&self, transition: &Transition) -> bool {
        let mut log = self.steps();
        log.report.record(
            TransitionRecord::of(transition, self.run_started),
            self.keep,
        );
        log.reached = Some(transition.to.unwrap_or(transition.from));
        let enters = transition
            .to
            .filter(|to| !log.entered.is_some_and(|e| same_static_name(e, to)));
        if enters.is_some() {
            log.entered = enters;
        }
        self.observed || enters.is_some()
    }
}

impl TransitionObserver for Outbox {
    fn on_transition(&self, transition: &Transition) {
        if self.record(transition) {
            self.push(RunEvent::Transition(transition.clone()));
        }
    }

    fn on_transition_owned(&self, transition: Transition) {
        if self.record(&transition) {
            self.push(RunEvent::Transition(transition));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transition(from: &'static str, to: Option<&'static str>) -> Transition {
        Transition {
            participant: "p".into(),
            workflow: "w",
            step: "go",
            from,
            to,
            attempt: 1,
            started: Instant::now(),
            duration: Duration::from_millis(1),
            error: None,
            error_code: None,
            will_retry: false,
        }
    }

    /// Lent or handed over, each attempt is recorded; only those entering
    /// a new state reach the dispatcher, unless the run has observers.
    #[test]
    fn every_attempt_is_recorded_and_only_what_the_dispatcher_needs_is_sent() {
        for observed in [false, true] {
            let report = ParticipantReport::new("p".into(), "w".into(), "t".into());
            let outbox = Outbox::new(report, observed, Instant::now(), Some(10));
            outbox.on_transition(&transition("A", Some("B")));
            outbox.on_transition_owned(transition("B", Some("B")));
            outbox.on_transition(&transition("B", Some("B")));
            outbox.on_transition_owned(transition("B", None));
            outbox.on_transition(&transition("B", Some("C")));
            let mut sent = Vec::new();
            outbox.swap(&mut sent);
            let sent: Vec<_> = sent
                .iter()
                .filter_map(|e| match e {
                    RunEvent::Transition(t) => Some((t.from, t.to)),
                    _ => None,
                })
                .collect();
            let expected = if observed {
                vec![
                    ("A", Some("B")),
                    ("B", Some("B")),
                    ("B", Some("B")),
                    ("B", None),
                    ("B", Some("C")),
                ]
            } else {
                vec![("A", Some("B")), ("B", Some("C"))]
            };
            assert_eq!(sent, expected, "observed: {observed}");
            assert_eq!(outbox.steps().reached, Some("C"));
            let report = outbox.take_report();
            assert_eq!((report.steps_run, report.transitions.len()), (5, 5));
            assert_eq!(report.step_stats[0].failed, 1);
        }
    }
}
