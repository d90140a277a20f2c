//! A fixed number of places that calls take and give back: what load shedding and the streaming
//! caps count with.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// At most `limit` places; clones share them.
#[derive(Debug, Clone)]
pub(crate) struct Places {
    permits: Arc<Semaphore>,
    limit: usize,
}

impl Places {
    /// `limit` places (at least 1, at most what a semaphore holds).
    pub(crate) fn new(limit: usize) -> Self {
        let limit = limit.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            permits: Arc::new(Semaphore::new(limit)),
            limit,
        }
    }

    /// How many places there are.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// A place, held until the permit is dropped; `None` when every place is taken.
    pub(crate) fn take(&self) -> Option<OwnedSemaphorePermit> {
        self.permits.clone().try_acquire_owned().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_taken_up_to_the_limit_and_given_back_on_drop() {
        let places = Places::new(0);
        assert_eq!(places.limit(), 1, "at least one place");
        let held = places.clone().take().expect("the one place");
        assert!(places.take().is_none(), "clones share the places");
        drop(held);
        assert!(places.take().is_some());
    }
}
