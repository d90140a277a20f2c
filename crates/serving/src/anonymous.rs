//! The part of the connection cap kept for connections that have authenticated
//! (`--reserved-connections`). A connection is anonymous from its accept until it authenticates:
//! its mutual-TLS handshake completes (the client certificate verified), or one of its calls
//! passes authentication against `--auth-file`. Anonymous connections hold at most the cap less
//! the reserve; one more arriving then closes the oldest anonymous connection instead of being
//! refused, so a caller with credentials always gets in and authenticates on its first call,
//! while connections that never authenticate cannot hold the listener.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, PoisonError},
};

use tokio::sync::Notify;

/// The anonymous connections of one listener, oldest first.
#[derive(Debug, Clone)]
pub(crate) struct Anonymous {
    state: Arc<Mutex<State>>,
    limit: usize,
}

#[derive(Debug, Default)]
struct State {
    next: u64,
    /// Each anonymous connection's eviction signal, by admission order.
    open: BTreeMap<u64, Arc<Notify>>,
}

/// One connection while anonymous: dropped (or authenticated) it leaves the count. Put into every
/// request's extensions, so the authentication layer can mark the connection authenticated.
#[derive(Debug, Clone)]
pub struct AnonymousConnection(Arc<Slot>);

#[derive(Debug)]
struct Slot {
    state: Arc<Mutex<State>>,
    id: u64,
    evicted: Arc<Notify>,
}

impl Anonymous {
    /// At most `limit` anonymous connections at once (at least 1).
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            state: Arc::default(),
            limit: limit.max(1),
        }
    }

    /// Counts a new connection as anonymous; when that makes one too many, the oldest other
    /// anonymous connection is told to close.
    pub(crate) fn admit(&self) -> AnonymousConnection {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.open.len() >= self.limit {
            state.evict_oldest();
        }
        let id = state.next;
        state.next += 1;
        let evicted = Arc::new(Notify::new());
        state.open.insert(id, evicted.clone());
        AnonymousConnection(Arc::new(Slot {
            state: self.state.clone(),
            id,
            evicted,
        }))
    }

    /// Tells the oldest anonymous connection to close, to make room for a new one; false when
    /// there is none.
    pub(crate) fn evict_oldest(&self) -> bool {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .evict_oldest()
    }
}

impl State {
    fn evict_oldest(&mut self) -> bool {
        match self.open.pop_first() {
            Some((_, evicted)) => {
                // Stored if the connection is not waiting yet.
                evicted.notify_one();
                true
            }
            None => false,
        }
    }
}

impl AnonymousConnection {
    /// The connection has authenticated: it leaves the anonymous count and is never evicted.
    pub fn authenticated(&self) {
        self.0.leave();
    }

    /// Completes when the connection is evicted to make room (never, once authenticated).
    pub(crate) async fn evicted(&self) {
        self.0.evicted.notified().await;
    }
}

impl Slot {
    fn leave(&self) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .open
            .remove(&self.id);
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.leave();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    async fn is_evicted(connection: &AnonymousConnection) -> bool {
        tokio::time::timeout(Duration::from_millis(10), connection.evicted())
            .await
            .is_ok()
    }

    fn count(anonymous: &Anonymous) -> usize {
        anonymous.state.lock().unwrap().open.len()
    }

    #[tokio::test(start_paused = true)]
    async fn one_too_many_evicts_the_oldest_anonymous_connection() {
        let anonymous = Anonymous::new(2);
        let (first, second) = (anonymous.admit(), anonymous.admit());
        let third = anonymous.admit();
        assert!(is_evicted(&first).await, "the oldest goes");
        assert!(!is_evicted(&second).await && !is_evicted(&third).await);
        assert_eq!(count(&anonymous), 2);
        // Authenticated connections leave the count and are never evicted.
        second.authenticated();
        let fourth = anonymous.admit();
        assert_eq!(count(&anonymous), 2, "the third and the fourth");
        let fifth = anonymous.admit();
        assert!(is_evicted(&third).await);
        assert!(!is_evicted(&second).await, "authenticated");
        assert!(anonymous.evict_oldest());
        assert!(is_evicted(&fourth).await);
        drop(fifth);
        assert!(!anonymous.evict_oldest(), "none left");
        assert_eq!(count(&anonymous), 0);
        drop((first, second, third));
    }
}
