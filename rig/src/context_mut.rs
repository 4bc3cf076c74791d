//! `ContextMut`: what code between steps may change in a typed handle's
//! context (its session and the typed step data) without being able to put
//! another context, session owner or participant under the handle.

use crate::context::StateContext;
use crate::error::StateError;
use crate::session::Session;
use std::any::Any;
use std::ops::Deref;

/// Mutable access to a handle's context, short of replacing it. Reads go
/// through `Deref` to [`StateContext`]; the changes allowed are running
/// statements on the session and the typed step data.
#[derive(Debug)]
pub struct ContextMut<'a>(&'a mut StateContext);

impl<'a> ContextMut<'a> {
    /// Wraps a handle's context; used by the code `#[workflow]` generates.
    #[doc(hidden)]
    pub fn new(cx: &'a mut StateContext) -> Self {
        ContextMut(cx)
    }

    /// The open session, or [`StateError::NoSession`] before connecting.
    pub fn session(&mut self) -> Result<&mut Session, StateError> {
        self.0.session()
    }

    /// Stores a value of type `T` for later steps, replacing any earlier one.
    pub fn insert<T: Any + Send>(&mut self, value: T) -> Option<T> {
        self.0.insert(value)
    }

    /// The stored value of type `T`, mutably.
    pub fn get_mut<T: Any + Send>(&mut self) -> Option<&mut T> {
        self.0.get_mut()
    }

    /// Removes and returns the stored value of type `T`.
    pub fn remove<T: Any + Send>(&mut self) -> Option<T> {
        self.0.remove()
    }
}

impl Deref for ContextMut<'_> {
    type Target = StateContext;

    fn deref(&self) -> &StateContext {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConnectionConfig;

    #[test]
    fn step_data_changes_through_the_view() {
        let mut cx = StateContext::new("p", ConnectionConfig::default());
        let mut view = ContextMut::new(&mut cx);
        assert_eq!(view.insert(5u32), None);
        *view.get_mut::<u32>().unwrap() += 1;
        assert_eq!(view.get::<u32>(), Some(&6));
        assert_eq!(view.participant(), "p");
        assert!(view.session().is_err());
        assert_eq!(view.remove::<u32>(), Some(6));
    }
}
