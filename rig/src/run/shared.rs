//! `SharedState`: what the participants of one run share: each one's
//! current state and outcome, an event log with a broadcast, barriers and
//! named messages. Every wait has a timeout, and a participant's failure
//! ends every pending and future wait at once instead of letting it hang.

use crate::error::StateError;
use crate::run::phase::Phase;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, watch};

/// A participant as the others can see it.
#[derive(Debug, Clone, Serialize)]
pub struct ParticipantStatus {
    /// Its current (or last) state, once a step has run.
    pub state: Option<&'static str>,
    /// Running or how it ended.
    pub phase: Phase,
    /// Its error, when it failed.
    pub error: Option<String>,
}

/// A message between participants.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// The sender.
    pub from: String,
    /// The topic it was sent under.
    pub topic: String,
    /// The content.
    pub body: serde_json::Value,
}

impl Message {
    /// The body as the type the sender sent (`cx.send(to, topic, value)`
    /// serializes it), or an error naming the topic, the sender and the
    /// type expected.
    pub fn body_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, StateError> {
        serde_json::from_value(self.body.clone()).map_err(|e| {
            StateError::step(format!(
                "message `{}` from `{}` is not a {}: {e}",
                self.topic,
                self.from,
                std::any::type_name::<T>()
            ))
        })
    }
}

/// Something that happened in the run, as the event log records it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SharedEvent {
    /// A participant finished.
    Finished {
        /// Who.
        participant: String,
        /// How.
        phase: Phase,
    },
    /// A barrier let everyone through.
    BarrierReleased {
        /// Its name.
        barrier: String,
        /// Who had arrived.
        participants: Vec<String>,
    },
    /// A message was sent.
    Sent {
        /// Sender.
        from: String,
        /// Recipient.
        to: String,
        /// Topic.
        topic: String,
    },
    /// Something a step published.
    Published {
        /// Who.
        participant: String,
        /// What kind of thing.
        name: String,
        /// Its data.
        data: serde_json::Value,
    },
}

/// One entry of the event log.
#[derive(Debug, Clone, Serialize)]
pub struct LoggedEvent {
    /// Time since the run started.
    #[serde(
        rename = "at_ms",
        serialize_with = "crate::run::serialize::serialize_millis"
    )]
    pub at: Duration,
    /// The event.
    #[serde(flatten)]
    pub event: SharedEvent,
}

#[derive(Default)]
struct Barrier {
    arrived: HashSet<String>,
    generation: u64,
}

#[derive(Default)]
struct Shared {
    participants: BTreeMap<String, ParticipantStatus>,
    barriers: HashMap<String, Barrier>,
    mailboxes: HashMap<String, VecDeque<Message>>,
    log: Vec<LoggedEvent>,
    first_failure: Option<(String, String)>,
}

struct Inner {
    shared: Mutex<Shared>,
    changed: watch::Sender<u64>,
    events: broadcast::Sender<LoggedEvent>,
    started: Instant,
}

/// The state every participant of a run shares. Cheap to clone.
#[derive(Clone)]
pub struct SharedState {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SharedState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedState")
            .field("participants", &self.participants())
            .finish()
    }
}

impl SharedState {
    /// A shared state for a run with these participants, all `Running`.
    pub fn new<I, S>(participants: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut shared = Shared::default();
        for name in participants {
            shared.participants.insert(
                name.into(),
                ParticipantStatus {
                    state: None,
                    phase: Phase::Running,
                    error: None,
                },
            );
        }
        SharedState {
            inner: Arc::new(Inner {
                shared: Mutex::new(shared),
                changed: watch::channel(0).0,
                events: broadcast::channel(1024).0,
                started: Instant::now(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // A panic while holding the lock cannot leave `Shared` half-updated
        // in a way that matters more than losing the run; keep going.
        self.inner.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn log(&self, shared: &mut Shared, event: SharedEvent) {
        let entry = LoggedEvent {
            at: self.inner.started.elapsed(),
            event,
        };
        // No subscriber is fine: the log keeps everything anyway.
        let _ = self.inner.events.send(entry.clone());
        shared.log.push(entry);
    }

    fn wake(&self) {
        self.inner.changed.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Every participant's status, by name.
    pub fn participants(&self) -> BTreeMap<String, ParticipantStatus> {
        self.lock().participants.clone()
    }

    /// The event log so far.
    pub fn events(&self) -> Vec<LoggedEvent> {
        self.lock().log.clone()
    }

    /// A live feed of events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<LoggedEvent> {
        self.inner.events.subscribe()
    }

    /// Records that `participant` reached `state`. Not logged as an event:
    /// transitions are in the report, and this runs once per step.
    pub fn enter(&self, participant: &str, state: &'static str) {
        if let Some(p) = self.lock().participants.get_mut(participant) {
            p.state = Some(state);
        }
    }

    /// Records how `participant` ended; releases barriers it no longer
    /// holds up, and (on failure) ends every wait.
    pub fn finish(&self, participant: &str, phase: Phase, error: Option<String>) {
        let mut shared = self.lock();
        if let Some(p) = shared.participants.get_mut(participant) {
            p.phase = phase;
            p.error = error.clone();
        }
        if phase != Phase::Passed && shared.first_failure.is_none() {
            let reason = error.unwrap_or_else(|| phase.to_string());
            shared.first_failure = Some((participant.to_string(), reason));
        }
        self.log(
            &mut shared,
            SharedEvent::Finished {
                participant: participant.into(),
                phase,
            },
        );
        // A peer that passed no longer holds a barrier up; one that failed
        // ends the waits with an error instead (see `peer_failed`).
        if phase == Phase::Passed {
            let names: Vec<String> = shared.barriers.keys().cloned().collect();
            for name in names {
                self.release_if_complete(&mut shared, &name);
            }
        }
        drop(shared);
        self.wake();
    }

    /// Adds an application event (e.g. a job seen by a monitor) to the log.
    pub fn publish(&self, participant: &str, name: &str, data: serde_json::Value) {
        let mut shared = self.lock();
        self.log(
            &mut shared,
            SharedEvent::Published {
                participant: participant.into(),
                name: name.into(),
                data,
            },
        );
        drop(shared);
        self.wake();
    }

    fn live(shared: &Shared) -> impl Iterator<Item = &String> {
        shared
            .participants
            .iter()
            .filter(|(_, p)| p.phase == Phase::Running)
            .map(|(n, _)| n)
    }

    fn release_if_complete(&self, shared: &mut Shared, name: &str) {
        let Some(barrier) = shared.barriers.get(name) else {
            return;
        };
        if barrier.arrived.is_empty() || !Self::live(shared).all(|n| barrier.arrived.contains(n)) {
            return;
        }
        let mut arrived: Vec<String> = barrier.arrived.iter().cloned().collect();
        arrived.sort();
        if let Some(b) = shared.barriers.get_mut(name) {
            b.arrived.clear();
            b.generation += 1;
        }
        self.log(
            shared,
            SharedEvent::BarrierReleased {
                barrier: name.into(),
                participants: arrived,
            },
        );
    }

    fn peer_failed(shared: &Shared, me: &str, waiting_for: &str) -> Option<StateError> {
        shared
            .first_failure
            .as_ref()
            .filter(|(peer, _)| peer != me)
            .map(|(peer, reason)| StateError::PeerFailed {
                waiting_for: waiting_for.to_string(),
                peer: peer.clone(),
                reason: reason.clone(),
            })
    }

    /// Waits until `check` gives an answer, re-checking on every change,
    /// for at most `limit`.
    async fn wait_for<T>(
        &self,
        waiting_for: &str,
        limit: Duration,
        mut check: impl FnMut(&mut Shared) -> Option<Result<T, StateError>>,
    ) -> Result<T, StateError> {
        let deadline = tokio::time::Instant::now() + limit;
        let mut changes = self.inner.changed.subscribe();
        loop {
            changes.borrow_and_update();
            if let Some(answer) = check(&mut self.lock()) {
                return answer;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => continue,
                // The sender lives as long as `self`; treat its loss as a timeout.
                Ok(Err(_)) | Err(_) => {
                    return Err(StateError::WaitTimeout {
                        waiting_for: waiting_for.to_string(),
                        after: limit,
                    })
                }
            }
        }
    }

    /// Waits until every participant still running has reached barrier
    /// `name`. Fails at once if a participant has failed.
    pub async fn barrier(&self, me: &str, name: &str, limit: Duration) -> Result<(), StateError> {
        let what = format!("barrier `{name}`");
        let generation = {
            let mut shared = self.lock();
            if let Some(e) = Self::peer_failed(&shared, me, &what) {
                return Err(e);
            }
            let barrier = shared.barriers.entry(name.to_string()).or_default();
            barrier.arrived.insert(me.to_string());
            let generation = barrier.generation;
            self.release_if_complete(&mut shared, name);
            generation
        };
        self.wake();
        self.wait_for(&what, limit, |shared| {
            if shared
                .barriers
                .get(name)
                .is_some_and(|b| b.generation != generation)
            {
                return Some(Ok(()));
            }
            Self::peer_failed(shared, me, &what).map(Err)
        })
        .await
    }

    /// Sends `body` to participant `to` under `topic`.
    pub fn send(
        &self,
        from: &str,
        to: &str,
        topic: &str,
        body: serde_json::Value,
    ) -> Result<(), StateError> {
        let mut shared = self.lock();
        if !shared.participants.contains_key(to) {
            return Err(StateError::UnknownParticipant(to.to_string()));
        }
        shared
            .mailboxes
            .entry(to.to_string())
            .or_default()
            .push_back(Message {
                from: from.into(),
                topic: topic.into(),
                body,
            });
        self.log(
            &mut shared,
            SharedEvent::Sent {
                from: from.into(),
                to: to.into(),
                topic: topic.into(),
            },
        );
        drop(shared);
        self.wake();
        Ok(())
    }

    /// Receives the oldest message to `me` under `topic`, from anyone (or
    /// only from `from`). Fails at once when a participant has failed, or
    /// when no participant that could send is still running.
    pub async fn recv(
        &self,
        me: &str,
        topic: &str,
        from: Option<&str>,
        limit: Duration,
    ) -> Result<Message, StateError> {
        let what = match from {
            Some(f) => format!("message `{topic}` from `{f}`"),
            None => format!("message `{topic}`"),
        };
        if let Some(f) = from {
            if !self.lock().participants.contains_key(f) {
                return Err(StateError::UnknownParticipant(f.to_string()));
            }
        }
        self.wait_for(&what, limit, |shared| {
            let queue = shared.mailboxes.entry(me.to_string()).or_default();
            let found = queue
                .iter()
                .position(|m| m.topic == topic && from.is_none_or(|f| m.from == f));
            if let Some(i) = found {
                return queue.remove(i).map(Ok);
            }
            if let Some(e) = Self::peer_failed(shared, me, &what) {
                return Some(Err(e));
            }
            let senders_left = Self::live(shared)
                .filter(|n| n.as_str() != me)
                .any(|n| from.is_none_or(|f| n == f));
            (!senders_left).then(|| {
                Err(StateError::NoLivePeers {
                    waiting_for: what.clone(),
                })
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const LONG: Duration = Duration::from_secs(5);

    #[tokio::test]
    async fn barrier_releases_when_every_live_participant_arrives() {
        let shared = SharedState::new(["a", "b", "c"]);
        let (s1, s2) = (shared.clone(), shared.clone());
        let a = tokio::spawn(async move { s1.barrier("a", "go", LONG).await });
        let b = tokio::spawn(async move { s2.barrier("b", "go", LONG).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!a.is_finished() && !b.is_finished());
        // `c` finishes without reaching the barrier: the others go on.
        shared.finish("c", Phase::Passed, None);
        a.await.unwrap().unwrap();
        b.await.unwrap().unwrap();
        assert!(shared.events().iter().any(|e| matches!(
            &e.event,
            SharedEvent::BarrierReleased { barrier, participants } if barrier == "go" && participants == &["a", "b"]
        )));
    }

    #[tokio::test]
    async fn a_failed_peer_ends_a_barrier_wait_at_once() {
        let shared = SharedState::new(["a", "b"]);
        let s1 = shared.clone();
        let started = Instant::now();
        let a = tokio::spawn(async move { s1.barrier("a", "go", LONG).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        shared.finish("b", Phase::Failed, Some("boom".into()));
        let err = a.await.unwrap().unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(1));
        assert!(
            matches!(&err, StateError::PeerFailed { peer, reason, .. } if peer == "b" && reason == "boom"),
            "{err}"
        );
        // And a later wait fails before waiting at all.
        assert!(shared.barrier("a", "later", LONG).await.is_err());
    }

    /// The peer named is the one that failed first, the cause, not one
    /// that failed later (often because of it).
    #[tokio::test]
    async fn a_wait_names_the_first_peer_to_fail() {
        let shared = SharedState::new(["a", "b", "c"]);
        shared.finish("b", Phase::Failed, Some("first boom".into()));
        shared.finish("c", Phase::Failed, Some("second boom".into()));
        let err = shared.barrier("a", "go", LONG).await.unwrap_err();
        assert!(
            matches!(&err, StateError::PeerFailed { peer, reason, .. } if peer == "b" && reason == "first boom"),
            "{err}"
        );
    }

    /// A participant that failed first (and waits in its cleanup) is not
    /// told that a peer failed: it is the one that did.
    #[tokio::test]
    async fn a_participant_is_not_told_of_its_own_failure() {
        let shared = SharedState::new(["a", "b"]);
        shared.finish("a", Phase::Failed, Some("mine".into()));
        let err = shared
            .barrier("a", "go", Duration::from_millis(50))
            .await
            .unwrap_err();
        assert!(
            !matches!(&err, StateError::PeerFailed { .. }),
            "told of its own failure: {err}"
        );
    }

    #[tokio::test]
    async fn barrier_can_be_reused_round_after_round() {
        let shared = SharedState::new(["a", "b"]);
        for _ in 0..3 {
            let s1 = shared.clone();
            let a = tokio::spawn(async move { s1.barrier("a", "round", LONG).await });
            shared.barrier("b", "round", LONG).await.unwrap();
            a.await.unwrap().unwrap();
        }
    }

    #[tokio::test]
    async fn barrier_times_out() {
        let shared = SharedState::new(["a", "b"]);
        let err = shared
            .barrier("a", "go", Duration::from_millis(30))
            .await
            .unwrap_err();
        assert!(matches!(err, StateError::WaitTimeout { .. }), "{err}");
    }

    #[tokio::test]
    async fn messages_are_delivered_by_topic_and_sender() {
        let shared = SharedState::new(["w1", "w2", "checker"]);
        shared.send("w1", "checker", "count", json!(3)).unwrap();
        shared.send("w2", "checker", "count", json!(4)).unwrap();
        let m = shared
            .recv("checker", "count", Some("w2"), LONG)
            .await
            .unwrap();
        assert_eq!((m.from.as_str(), m.body.clone()), ("w2", json!(4)));
        let m = shared.recv("checker", "count", None, LONG).await.unwrap();
        assert_eq!(m.body, json!(3));
        assert!(matches!(
            shared.send("w1", "nobody", "x", json!(null)),
            Err(StateError::UnknownParticipant(_))
        ));
    }

    #[test]
    fn a_body_reads_back_as_the_type_sent_or_says_why_not() {
        let m = Message {
            from: "w1".into(),
            topic: "count".into(),
            body: serde_json::to_value((3u64, "rows")).unwrap(),
        };
        assert_eq!(
            m.body_as::<(u64, String)>().unwrap(),
            (3, "rows".to_string())
        );
        let err = m.body_as::<bool>().unwrap_err().to_string();
        assert!(
            err.starts_with("message `count` from `w1` is not a bool: invalid type"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn receive_fails_when_no_sender_is_left() {
        let shared = SharedState::new(["a", "b"]);
        shared.finish("b", Phase::Passed, None);
        let err = shared.recv("a", "x", None, LONG).await.unwrap_err();
        assert!(matches!(err, StateError::NoLivePeers { .. }), "{err}");
    }

    #[test]
    fn phases_are_named_alike_in_text_and_json() {
        for (phase, name) in [
            (Phase::Running, "running"),
            (Phase::Passed, "passed"),
            (Phase::Failed, "failed"),
            (Phase::Interrupted, "interrupted"),
        ] {
            assert_eq!(phase.to_string(), name);
            assert_eq!(serde_json::to_value(phase).unwrap(), json!(name));
        }
    }

    #[tokio::test]
    async fn the_others_see_each_state_outcome_and_event() {
        let shared = SharedState::new(["a", "b"]);
        let mut feed = shared.subscribe();
        shared.enter("a", "Connected");
        shared.enter("nobody", "Connected");
        shared.publish("a", "job", json!({"id": 7}));
        shared.finish("b", Phase::Failed, Some("boom".into()));
        let seen = shared.participants();
        assert_eq!(seen.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(
            (seen["a"].state, seen["a"].phase),
            (Some("Connected"), Phase::Running)
        );
        assert_eq!(
            (seen["b"].phase, seen["b"].error.as_deref()),
            (Phase::Failed, Some("boom"))
        );
        let events: Vec<serde_json::Value> = shared
            .events()
            .iter()
            .map(|e| {
                let mut v = serde_json::to_value(e).unwrap();
                v.as_object_mut().unwrap().remove("at_ms");
                v
            })
            .collect();
        assert_eq!(
            events,
            [
                json!({"event": "published", "participant": "a", "name": "job", "data": {"id": 7}}),
                json!({"event": "finished", "participant": "b", "phase": "failed"}),
            ]
        );
        // The live feed carries the same events, in order.
        let first = feed.recv().await.unwrap();
        assert!(matches!(first.event, SharedEvent::Published { ref name, .. } if name == "job"));
        assert!(matches!(
            feed.recv().await.unwrap().event,
            SharedEvent::Finished { .. }
        ));
        assert!(format!("{shared:?}").contains("boom"));
    }

    #[tokio::test]
    async fn a_message_under_another_topic_or_from_another_sender_waits() {
        let shared = SharedState::new(["a", "b", "c"]);
        shared.send("b", "a", "other", json!(1)).unwrap();
        shared.send("c", "a", "ready", json!(2)).unwrap();
        let short = Duration::from_millis(30);
        let err = shared
            .recv("a", "ready", Some("b"), short)
            .await
            .unwrap_err();
        assert!(matches!(err, StateError::WaitTimeout { .. }), "{err}");
        assert_eq!(
            shared.recv("a", "ready", None, short).await.unwrap().from,
            "c"
        );
        assert!(matches!(
            shared.recv("a", "ready", Some("nobody"), short).await,
            Err(StateError::UnknownParticipant(name)) if name == "nobody"
        ));
    }

    /// Waiting for one sender that has finished fails at once, even while
    /// another participant is still running.
    #[tokio::test]
    async fn waiting_for_a_finished_sender_fails_at_once() {
        let shared = SharedState::new(["a", "b", "c"]);
        shared.finish("b", Phase::Passed, None);
        let err = shared.recv("a", "x", Some("b"), LONG).await.unwrap_err();
        assert!(matches!(err, StateError::NoLivePeers { .. }), "{err}");
    }

    #[tokio::test]
    async fn receive_wakes_on_a_later_send() {
        let shared = SharedState::new(["a", "b"]);
        let s = shared.clone();
        let r = tokio::spawn(async move { s.recv("a", "ready", None, LONG).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        shared.send("b", "a", "ready", json!("yes")).unwrap();
        assert_eq!(r.await.unwrap().unwrap().body, json!("yes"));
    }
}
