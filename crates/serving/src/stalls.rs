//! One check, for every connection of the process, of whether its peer stopped reading
//! (`--send-timeout`, and the shorter grace while the process is into its reserve of unsent
//! bytes, [`crate::budget::STALLED_GRACE`]).
//!
//! A task of the process looks at each connection's counters once per [`PERIOD`] and wakes only
//! the connections to close. A timer on each connection's own task would wake every connection,
//! idle or not, and each such wake-up polls the whole connection, socket included
//! (docs/benchmarks/2026-12-07-stalled-first.md, "One check for every connection").

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, Weak,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use tokio::{sync::oneshot, task::JoinHandle};

use crate::tracked::ConnState;

/// How often the connections are checked, at most: a peer that stopped reading is closed within
/// this of its timeout.
pub(crate) const PERIOD: Duration = Duration::from_secs(1);

/// The shortest period, for a tiny `--send-timeout` (a quarter of it otherwise).
const SHORTEST: Duration = Duration::from_millis(10);

/// The connections to check, shared by the whole process; the checking task starts with the
/// first connection watched and stops once the registry is gone.
#[derive(Default)]
pub(crate) struct Stalls(Arc<Registry>);

impl std::fmt::Debug for Stalls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stalls")
            .field("watched", &lock(&self.0.watched).len())
            .finish()
    }
}

#[derive(Default)]
struct Registry {
    watched: Mutex<HashMap<u64, Watched>>,
    next: AtomicU64,
    checker: Mutex<Option<JoinHandle<()>>>,
}

/// A connection being checked.
struct Watched {
    state: Arc<ConnState>,
    send_timeout: Duration,
    /// Sent when the connection's peer stopped reading.
    stop: oneshot::Sender<()>,
}

/// A connection's place among the watched: the connection is to close once `stopped` completes
/// with `Ok`; the place is given up when dropped.
pub(crate) struct WatchedConnection {
    registry: Arc<Registry>,
    id: u64,
    /// Completes with `Ok` when the peer stopped reading.
    pub(crate) stopped: oneshot::Receiver<()>,
}

impl Drop for WatchedConnection {
    fn drop(&mut self) {
        lock(&self.registry.watched).remove(&self.id);
    }
}

/// `mutex`'s guard; a panic while it was held leaves nothing half-done here.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Stalls {
    /// Checks `state` from now on against `send_timeout`. Starts the checking task (on the
    /// current Tokio runtime) when none runs.
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime.
    pub(crate) fn watch(&self, state: Arc<ConnState>, send_timeout: Duration) -> WatchedConnection {
        let (stop, stopped) = oneshot::channel();
        let id = self.0.next.fetch_add(1, Ordering::Relaxed);
        lock(&self.0.watched).insert(
            id,
            Watched {
                state,
                send_timeout,
                stop,
            },
        );
        let mut checker = lock(&self.0.checker);
        if checker.as_ref().is_none_or(JoinHandle::is_finished) {
            *checker = Some(tokio::spawn(check(
                Arc::downgrade(&self.0),
                period_for(send_timeout),
            )));
        }
        WatchedConnection {
            registry: self.0.clone(),
            id,
            stopped,
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        if let Some(checker) = lock(&self.checker).take() {
            checker.abort();
        }
    }
}

/// Every period (the first one `first`), signals each watched connection whose peer stopped
/// reading (and forgets it).
async fn check(registry: Weak<Registry>, first: Duration) {
    let mut period = first;
    loop {
        tokio::time::sleep(period).await;
        let Some(registry) = registry.upgrade() else {
            return;
        };
        let stops;
        (stops, period) = sweep(&registry);
        for stop in stops {
            let _ = stop.send(());
        }
    }
}

/// The period a connection checked against `send_timeout` asks for: [`PERIOD`], or a quarter of
/// the send timeout, if shorter.
fn period_for(send_timeout: Duration) -> Duration {
    (send_timeout / 4).clamp(SHORTEST, PERIOD)
}

/// Takes out the connections whose peers stopped reading, in one pass over all of them that
/// also finds the period until the next check (the shortest any of them asks for).
fn sweep(registry: &Registry) -> (Vec<oneshot::Sender<()>>, Duration) {
    let mut period = PERIOD;
    let stops = lock(&registry.watched)
        .extract_if(|_, w| {
            period = period.min(period_for(w.send_timeout));
            w.state.stopped_reading(w.send_timeout)
        })
        .map(|(_, w)| w.stop)
        .collect();
    (stops, period)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::{BudgetLimits, ProcessBudget};

    fn state(budget: &ProcessBudget) -> Arc<ConnState> {
        Arc::new(ConnState::new((1 << 20, 1 << 20), budget.clone()))
    }

    #[tokio::test(start_paused = true)]
    async fn a_peer_that_stopped_reading_is_signalled_within_a_period_of_its_timeout() {
        let budget = ProcessBudget::default();
        let stalls = Stalls::default();
        let (reading, stuck) = (state(&budget), state(&budget));
        let mut reading_watch = stalls.watch(reading.clone(), Duration::from_secs(10));
        let mut stuck_watch = stalls.watch(stuck.clone(), Duration::from_secs(10));
        stuck.try_add_unsent(100).expect("within the budgets");
        let started = tokio::time::Instant::now();
        (&mut stuck_watch.stopped).await.expect("signalled");
        let took = started.elapsed();
        assert!(
            took >= Duration::from_secs(10) && took <= Duration::from_secs(10) + PERIOD,
            "{took:?}"
        );
        assert!(
            reading_watch.stopped.try_recv().is_err(),
            "nothing unsent: not stopped"
        );
        assert_eq!(
            lock(&stalls.0.watched).len(),
            1,
            "the stopped one is forgotten"
        );
        drop(reading_watch);
        assert!(lock(&stalls.0.watched).is_empty(), "a dropped watch leaves");
    }

    #[tokio::test(start_paused = true)]
    async fn into_the_reserve_a_second_without_progress_is_enough() {
        let budget = ProcessBudget::new(BudgetLimits {
            max_unsent_bytes: 100,
            max_streams: 1,
        });
        let stalls = Stalls::default();
        let stuck = state(&budget);
        let mut watch = stalls.watch(stuck.clone(), Duration::from_secs(60));
        stuck.try_add_unsent(150).expect("into an empty process");
        let started = tokio::time::Instant::now();
        (&mut watch.stopped).await.expect("signalled");
        assert!(
            started.elapsed() <= Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_checker_stops_with_its_registry_and_restarts_when_needed() {
        let stalls = Stalls::default();
        let budget = ProcessBudget::default();
        let watch = stalls.watch(state(&budget), Duration::from_secs(4));
        let checker = lock(&stalls.0.checker).take().expect("started");
        checker.abort();
        let _ = checker.await;
        let second = stalls.watch(state(&budget), Duration::from_secs(4));
        assert!(
            lock(&stalls.0.checker)
                .as_ref()
                .is_some_and(|c| !c.is_finished()),
            "restarted"
        );
        drop((watch, second));
        let registry = Arc::downgrade(&stalls.0);
        drop(stalls);
        assert!(
            registry.upgrade().is_none(),
            "the checker holds no strong reference"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_next_check_comes_as_soon_as_the_shortest_send_timeout_asks() {
        assert_eq!(period_for(Duration::from_secs(10)), PERIOD);
        assert_eq!(period_for(Duration::ZERO), SHORTEST);
        let (stalls, budget) = (Stalls::default(), ProcessBudget::default());
        assert_eq!(sweep(&stalls.0).1, PERIOD, "nothing watched");
        let _long = stalls.watch(state(&budget), Duration::from_secs(10));
        let _short = stalls.watch(state(&budget), Duration::from_secs(2));
        let (stops, period) = sweep(&stalls.0);
        assert!(stops.is_empty());
        assert_eq!(period, Duration::from_millis(500));
    }
}
