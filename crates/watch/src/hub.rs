//! The hub: the current state, a bounded history of recent reloads, and the broadcast channel
//! every subscriber reads them from.
//!
//! Publishing and subscribing take one short lock (so a subscriber starts exactly after the
//! state it was shown, missing nothing and seeing nothing twice); handing a reload to the
//! subscribers takes none: each reads it from its own place in a [`broadcast`] channel. A slow
//! subscriber holds no one up; one that falls behind by more than the channel holds catches up
//! from the history, or, if it fell further behind than the history reaches, is told to list
//! again.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use llmarket_kit::data::DataVersion;
use llmarket_proto::llmarket::watch::v2::ResourceChange;
use tokio::sync::{broadcast, watch};

/// How many recent reloads a hub remembers for resuming watches, by default.
pub const DEFAULT_HISTORY: usize = 256;

/// Default `--watch-heartbeat`: how long a watch stays silent before it sends a heartbeat.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(15);

/// What a process serves of one dataset, as a watch reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetState {
    /// The dataset's id (`{dataset}` of `datasets/{dataset}`): what grants name it by.
    pub id: String,
    /// The ids the data version's parts name this dataset's editions by (each edition's v1
    /// dataset id), so that a watch of this dataset is shown a version of its editions alone.
    pub version_parts: Vec<String>,
    /// A hash of the dataset's content; it changes whenever any of it changes.
    pub content_version: String,
    /// The dataset's latest edition, `datasets/{dataset}/editions/{edition}`; empty when the
    /// data does not say.
    pub latest_edition: String,
}

/// What a process serves: its data version and each dataset's state, in id order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    /// The data version, with each dataset's part, so it can be scoped to what a caller may
    /// read ([`DataVersion::scoped`]).
    pub version: DataVersion,
    /// Every dataset, in id order.
    pub datasets: Vec<DatasetState>,
}

/// One accepted reload, as the reload path publishes it.
#[derive(Debug, Clone, Default)]
pub struct Reload {
    /// The state after the reload.
    pub state: State,
    /// What it added, changed and removed, by v2 resource name, in name order.
    pub changes: Vec<ResourceChange>,
}

/// One published reload: its place in the sequence and the states before and after it.
#[derive(Debug)]
pub(crate) struct Event {
    /// 1 for the first reload a hub publishes, then one more for each.
    pub(crate) seq: u64,
    /// The state before the reload.
    pub(crate) previous: Arc<State>,
    /// The state after it.
    pub(crate) state: Arc<State>,
    /// What it changed, by v2 resource name, in name order.
    pub(crate) changes: Vec<ResourceChange>,
}

/// Where a new subscriber starts: the state now, the reloads remembered, and a receiver that
/// gets every reload after them.
pub(crate) struct Start {
    /// The state now.
    pub(crate) state: Arc<State>,
    /// The remembered reloads, oldest first; the last one's `state` is `state`.
    pub(crate) history: Vec<Arc<Event>>,
    /// The sequence number of the next reload.
    pub(crate) next_seq: u64,
    /// Every reload from `next_seq` on.
    pub(crate) receiver: broadcast::Receiver<Arc<Event>>,
}

/// The current state and the recent reloads, shared by every clone.
#[derive(Debug, Clone)]
pub struct Hub(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    sender: broadcast::Sender<Arc<Event>>,
    /// Set once the server stops: every watch ends.
    closing: watch::Sender<bool>,
    log: Mutex<Log>,
    heartbeat: Duration,
    history: usize,
}

#[derive(Debug)]
struct Log {
    state: Arc<State>,
    next_seq: u64,
    events: VecDeque<Arc<Event>>,
}

impl Hub {
    /// A hub serving `state`, remembering the last [`DEFAULT_HISTORY`] reloads, whose watches
    /// send a heartbeat after `heartbeat` of silence.
    pub fn new(state: State, heartbeat: Duration) -> Self {
        Self::with_history(state, heartbeat, DEFAULT_HISTORY)
    }

    /// A hub remembering the last `history` reloads (at least 1).
    pub fn with_history(state: State, heartbeat: Duration, history: usize) -> Self {
        let history = history.max(1);
        let (sender, _) = broadcast::channel(history);
        Self(Arc::new(Inner {
            sender,
            closing: watch::Sender::new(false),
            log: Mutex::new(Log {
                state: Arc::new(state),
                next_seq: 1,
                events: VecDeque::with_capacity(history),
            }),
            heartbeat: heartbeat.max(Duration::from_millis(1)),
            history,
        }))
    }

    /// Publishes one accepted reload to every watch, and remembers it for resuming ones.
    pub fn publish(&self, reload: Reload) {
        let mut log = self.0.log.lock().unwrap_or_else(PoisonError::into_inner);
        let event = Arc::new(Event {
            seq: log.next_seq,
            previous: log.state.clone(),
            state: Arc::new(reload.state),
            changes: reload.changes,
        });
        log.next_seq += 1;
        log.state = event.state.clone();
        if log.events.len() == self.0.history {
            log.events.pop_front();
        }
        log.events.push_back(event.clone());
        // No receiver is no error: nobody is watching.
        let _ = self.0.sender.send(event);
    }

    /// The state now.
    pub fn state(&self) -> Arc<State> {
        self.0
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .state
            .clone()
    }

    /// How long a watch stays silent before it sends a heartbeat.
    pub fn heartbeat(&self) -> Duration {
        self.0.heartbeat
    }

    /// Ends every watch, open or to come, with UNAVAILABLE: the server is shutting down, and a
    /// watch held open would hold its drain until the grace period ends. Its clients resume
    /// (from the last version they saw) on another replica or after the restart.
    pub fn close(&self) {
        self.0.closing.send_replace(true);
    }

    /// Completes once [`Hub::close`] has been called.
    pub(crate) fn closed(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut closing = self.0.closing.subscribe();
        async move {
            // An error: the hub is gone, which closes it too.
            let _ = closing.wait_for(|closing| *closing).await;
        }
    }

    /// Whether [`Hub::close`] has been called.
    pub(crate) fn is_closed(&self) -> bool {
        *self.0.closing.borrow()
    }

    /// Watches open now.
    pub fn watchers(&self) -> usize {
        self.0.sender.receiver_count()
    }

    /// Where a new subscriber starts.
    pub(crate) fn start(&self) -> Start {
        let log = self.0.log.lock().unwrap_or_else(PoisonError::into_inner);
        Start {
            state: log.state.clone(),
            history: log.events.iter().cloned().collect(),
            next_seq: log.next_seq,
            receiver: self.0.sender.subscribe(),
        }
    }

    /// The remembered reloads from `seq` on, oldest first; `None` when the reload `seq` is no
    /// longer remembered (a subscriber that fell that far behind must list again).
    pub(crate) fn since(&self, seq: u64) -> Option<Vec<Arc<Event>>> {
        let log = self.0.log.lock().unwrap_or_else(PoisonError::into_inner);
        let oldest = log.events.front().map_or(log.next_seq, |e| e.seq);
        (seq >= oldest).then(|| {
            log.events
                .iter()
                .filter(|e| e.seq >= seq)
                .cloned()
                .collect()
        })
    }
}
