//! `StateContext`: what every step works with: the participant's name, its
//! connection configuration, its session once connected, what is known of
//! the server, and a typed map for data that one step leaves for another.

use crate::config::ConnectionConfig;
use crate::error::StateError;
use crate::flavor::ServerInfo;
use crate::run::cancel::Cancel;
use crate::run::shared::{Message, SharedState};
use crate::run::transition::TransitionObserver;
use crate::session::Session;
use rustc_hash::FxHashMap;
use std::any::{Any, TypeId};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The context a workflow's steps share.
pub struct StateContext {
    participant: Arc<str>,
    config: ConnectionConfig,
    session: Option<Session>,
    /// The TLS version of the last session installed, kept after it is gone.
    tls_version: Option<String>,
    server: Option<ServerInfo>,
    /// Keyed by `TypeId`, itself a hash: a fast hasher suffices.
    locals: FxHashMap<TypeId, Box<dyn Any + Send>>,
    observer: Option<Arc<dyn TransitionObserver>>,
    shared: Option<SharedState>,
    /// Shared: each step takes a handle, and the coordinator's executor
    /// keeps one to fire it.
    cancel: Option<Arc<Cancel>>,
}

impl fmt::Debug for StateContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StateContext")
            .field("participant", &self.participant)
            .field("config", &self.config)
            .field("session", &self.session)
            .field("server", &self.server)
            .field("locals", &self.locals.len())
            .finish()
    }
}

impl StateContext {
    /// A context for one participant, not yet connected.
    pub fn new(participant: impl Into<String>, config: ConnectionConfig) -> Self {
        StateContext {
            participant: Arc::from(participant.into()),
            config,
            session: None,
            tls_version: None,
            server: None,
            locals: FxHashMap::default(),
            observer: None,
            shared: None,
            cancel: None,
        }
    }

    /// The participant's name.
    pub fn participant(&self) -> &str {
        &self.participant
    }

    /// The participant's name, shared (cheap to clone, for events).
    pub fn participant_name(&self) -> Arc<str> {
        self.participant.clone()
    }

    /// The connection configuration.
    pub fn config(&self) -> &ConnectionConfig {
        &self.config
    }

    /// The open session, or [`StateError::NoSession`] before connecting.
    pub fn session(&mut self) -> Result<&mut Session, StateError> {
        // `ok_or_else`: built eagerly, the error would be made and dropped
        // at every statement of every step.
        self.session
            .as_mut()
            .ok_or_else(|| StateError::NoSession("no step has connected this participant yet"))
    }

    /// Whether a session is open.
    pub fn is_connected(&self) -> bool {
        self.session.is_some()
    }

    /// Installs the session (replacing and returning any earlier one).
    pub fn set_session(&mut self, session: Session) -> Option<Session> {
        self.tls_version = session.tls_version().map(str::to_string);
        self.session.replace(session)
    }

    /// The TLS protocol version (`TLSv1.3`) of the last session installed,
    /// even once it is closed, as [`Session::read_tls_version`] read it (the
    /// common workflow's connect step and [`StateContext::reconnect`] do);
    /// `None` if it had no TLS, was not read, or there was none.
    pub fn tls_version(&self) -> Option<&str> {
        self.tls_version.as_deref()
    }

    /// Takes the session out, e.g. to close it.
    pub fn take_session(&mut self) -> Option<Session> {
        self.session.take()
    }

    /// What is known of the server, once a step has detected it.
    pub fn server(&self) -> Option<&ServerInfo> {
        self.server.as_ref()
    }

    /// Records what the server is.
    pub fn set_server(&mut self, info: ServerInfo) {
        self.server = Some(info);
    }

    /// Stores a value of type `T` for later steps, replacing any earlier one.
    pub fn insert<T: Any + Send>(&mut self, value: T) -> Option<T> {
        self.locals
            .insert(TypeId::of::<T>(), Box::new(value))
            .and_then(|old| old.downcast::<T>().ok().map(|b| *b))
    }

    /// The stored value of type `T`, if any.
    pub fn get<T: Any + Send>(&self) -> Option<&T> {
        self.locals
            .get(&TypeId::of::<T>())
            .and_then(|b| b.downcast_ref())
    }

    /// The stored value of type `T`, mutably.
    pub fn get_mut<T: Any + Send>(&mut self) -> Option<&mut T> {
        self.locals
            .get_mut(&TypeId::of::<T>())
            .and_then(|b| b.downcast_mut())
    }

    /// Removes and returns the stored value of type `T`.
    pub fn remove<T: Any + Send>(&mut self) -> Option<T> {
        self.locals
            .remove(&TypeId::of::<T>())
            .and_then(|b| b.downcast().ok().map(|b| *b))
    }

    /// Sends every step attempt of this context to `observer` from now on.
    pub fn set_observer(&mut self, observer: Arc<dyn TransitionObserver>) {
        self.observer = Some(observer);
    }

    pub(crate) fn observer(&self) -> Option<&Arc<dyn TransitionObserver>> {
        self.observer.as_ref()
    }

    /// Closes the session, if any, and opens a new one (with the configured
    /// database selected). A cleanup uses it after a cancel, when the
    /// interrupted statement took the old session down with it.
    pub async fn reconnect(&mut self) -> Result<&mut Session, StateError> {
        if let Some(old) = self.session.take() {
            // The old session may already be broken; closing it is a courtesy.
            let _ = old.close().await;
        }
        let mut session = Session::connect(&self.config).await?;
        session.read_tls_version().await;
        self.set_session(session);
        self.session()
    }

    /// Joins this context to a run's shared state (the coordinator does this).
    pub fn set_shared(&mut self, shared: SharedState) {
        self.shared = Some(shared);
    }

    /// The run's shared state, or [`StateError::NotCoordinated`].
    pub fn shared(&self) -> Result<&SharedState, StateError> {
        self.shared.as_ref().ok_or(StateError::NotCoordinated)
    }

    /// Lets `token` cancel this context's steps; each step then races the
    /// token itself. (The coordinator uses a cheaper flag it fires.)
    pub fn set_cancellation(&mut self, token: CancellationToken) {
        self.cancel = Some(Arc::new(Cancel::on_token(token)));
    }

    /// The same, for an owner that calls [`Cancel::fire`] on the handle
    /// returned as soon as `token` fires (the coordinator's executor): steps
    /// then wait on a flag instead of on the token.
    pub(crate) fn set_fed_cancellation(&mut self, token: CancellationToken) -> Arc<Cancel> {
        let cancel = Arc::new(Cancel::fed_from(token));
        self.cancel = Some(cancel.clone());
        cancel
    }

    /// The token that cancels this context's steps, if any.
    pub fn cancellation(&self) -> Option<&CancellationToken> {
        self.cancel.as_deref().map(Cancel::token)
    }

    /// A handle on what cancels this context's steps, if anything.
    pub(crate) fn cancellation_handle(&self) -> Option<Arc<Cancel>> {
        self.cancel.clone()
    }

    /// Whether the run was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(|c| c.is_cancelled())
    }

    // The waits below return futures that own what they need instead of
    // borrowing the context, so a scenario may hold them across `.await`
    // without the context having to be `Sync`.

    /// Waits until every participant still running reaches barrier `name`.
    /// Fails at once if a participant failed; fails after `limit` otherwise.
    pub fn barrier(
        &self,
        name: &str,
        limit: Duration,
    ) -> impl std::future::Future<Output = Result<(), StateError>> + Send + 'static {
        let (shared, me, name) = (
            self.shared.clone(),
            self.participant.clone(),
            name.to_string(),
        );
        async move {
            let shared = shared.ok_or(StateError::NotCoordinated)?;
            shared.barrier(&me, &name, limit).await
        }
    }

    /// Sends `body` (anything serializable) to participant `to` under `topic`.
    pub fn send(
        &self,
        to: &str,
        topic: &str,
        body: impl serde::Serialize,
    ) -> Result<(), StateError> {
        let body = serde_json::to_value(body).map_err(|e| {
            StateError::step(format!("message `{topic}` cannot be serialized: {e}"))
        })?;
        self.shared()?.send(&self.participant, to, topic, body)
    }

    /// Receives the oldest message under `topic`, from anyone.
    pub fn recv(
        &self,
        topic: &str,
        limit: Duration,
    ) -> impl std::future::Future<Output = Result<Message, StateError>> + Send + 'static {
        self.receive(None, topic, limit)
    }

    /// Receives the oldest message under `topic` from participant `from`.
    pub fn recv_from(
        &self,
        from: &str,
        topic: &str,
        limit: Duration,
    ) -> impl std::future::Future<Output = Result<Message, StateError>> + Send + 'static {
        self.receive(Some(from), topic, limit)
    }

    fn receive(
        &self,
        from: Option<&str>,
        topic: &str,
        limit: Duration,
    ) -> impl std::future::Future<Output = Result<Message, StateError>> + Send + 'static {
        let (shared, me) = (self.shared.clone(), self.participant.clone());
        let (from, topic) = (from.map(str::to_string), topic.to_string());
        async move {
            let shared = shared.ok_or(StateError::NotCoordinated)?;
            shared.recv(&me, &topic, from.as_deref(), limit).await
        }
    }

    /// Adds an application event to the run's log and broadcast.
    pub fn publish(&self, name: &str, data: impl serde::Serialize) -> Result<(), StateError> {
        let data = serde_json::to_value(data)
            .map_err(|e| StateError::step(format!("event `{name}` cannot be serialized: {e}")))?;
        self.shared()?.publish(&self.participant, name, data);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Rows(u64);

    #[test]
    fn typed_locals_round_trip() {
        let mut cx = StateContext::new("t1", ConnectionConfig::default());
        assert_eq!(cx.get::<Rows>(), None);
        assert_eq!(cx.insert(Rows(3)), None);
        cx.get_mut::<Rows>().unwrap().0 += 1;
        assert_eq!(cx.insert(Rows(9)), Some(Rows(4)));
        assert_eq!(cx.remove::<Rows>(), Some(Rows(9)));
        assert_eq!(cx.get::<Rows>(), None);
    }

    #[test]
    fn no_session_is_an_error_not_a_panic() {
        let mut cx = StateContext::new("t1", ConnectionConfig::default());
        assert!(matches!(cx.session(), Err(StateError::NoSession(_))));
    }
}
