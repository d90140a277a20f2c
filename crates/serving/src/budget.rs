//! The process's budget (`--max-unsent-bytes-total`, `--max-streams-total`): every other limit
//! is per connection or per listener, so many connections together could still hold more memory
//! than the process has. This one counts, across every listener of the process, the reply bytes
//! handed to HTTP/2 and not yet taken by their clients, and the streams (calls of any kind) open.
//! Past either, new work gets RESOURCE_EXHAUSTED.
//!
//! A part of each is kept back (an eighth on top of the budget) for connections that hold
//! little: a connection with no unsent reply may send one more reply, and one with fewer than
//! [`FEW_STREAMS`] calls open may open one more, until that reserve is spent too. So clients that
//! pile up unread replies or stalled streams on their connections are refused, and a caller on a
//! connection of its own (one call at a time) keeps being answered.
//!
//! A flood spread over many connections, a few stalled calls or one unread reply each, looks like
//! that crowd of lone callers and takes the reserve as well. So while the process is into its
//! reserve, what is stalled goes first: a call still unanswered [`STALLED_GRACE`] after it
//! arrived (its request never ended, say) is ended, and its connection may not use the reserve
//! again; a connection whose replies have not moved for [`STALLED_GRACE`] (its client reads
//! nothing, or too slowly to take a message within it) is closed, as `--send-timeout` would
//! close it later.
//!
//! The defaults come from the memory limit of the process's cgroup ([`memory_limit`]): a quarter
//! of it for unsent bytes, and a quarter of it divided by [`STREAM_COST`] for streams; without a
//! limit, those of a 1 GiB one.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use crate::{
    stalls::{Stalls, WatchedConnection},
    tracked::ConnState,
};

/// What one open stream costs the process, counted for the default `--max-streams-total`: 40,000
/// stalled streams measured 228 MB (about 5.7 KB each), rounded up.
pub const STREAM_COST: u64 = 8 * 1024;

/// The memory limit the defaults assume when the process has none: 1 GiB.
pub const NO_LIMIT_DEFAULT: u64 = 1024 * 1024 * 1024;

/// A connection with fewer calls than this open may use the streams' reserve.
pub const FEW_STREAMS: usize = 4;

/// How long a call may stay unanswered, or a client leave its replies unread, while the process
/// is into its reserve.
pub const STALLED_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// cgroup v2's limit file, then cgroup v1's.
const CGROUP_LIMITS: [&str; 2] = [
    "/sys/fs/cgroup/memory.max",
    "/sys/fs/cgroup/memory/memory.limit_in_bytes",
];

/// The process's memory limit from its cgroup (v2 `memory.max`, else v1
/// `memory.limit_in_bytes`); `None` when there is none (`max`, or v1's "no limit", a value near
/// 2^63) or the files cannot be read.
pub fn memory_limit() -> Option<u64> {
    CGROUP_LIMITS
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .and_then(|text| parse_limit(&text))
}

/// A cgroup limit file's content as bytes; `None` for no limit.
fn parse_limit(text: &str) -> Option<u64> {
    let bytes: u64 = text.trim().parse().ok()?;
    // cgroup v1 writes "no limit" as the largest page-aligned i64.
    (bytes < 1 << 60).then_some(bytes)
}

/// The process-wide limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetLimits {
    /// Reply bytes the whole process may hold unread by their clients.
    pub max_unsent_bytes: usize,
    /// Streams (calls of any kind) the whole process may have open.
    pub max_streams: usize,
}

impl BudgetLimits {
    /// The defaults for a process with `memory` bytes of memory (`None`: no limit, taken as
    /// [`NO_LIMIT_DEFAULT`]): a quarter of it for unsent bytes, a quarter for streams.
    pub fn for_memory(memory: Option<u64>) -> Self {
        let quarter = memory.unwrap_or(NO_LIMIT_DEFAULT) / 4;
        Self {
            max_unsent_bytes: usize::try_from(quarter).unwrap_or(usize::MAX).max(1),
            max_streams: usize::try_from(quarter / STREAM_COST)
                .unwrap_or(usize::MAX)
                .max(1),
        }
    }
}

impl Default for BudgetLimits {
    fn default() -> Self {
        Self::for_memory(None)
    }
}

/// The budget, shared by every connection of every listener given a clone.
#[derive(Debug, Clone)]
pub struct ProcessBudget(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    limits: BudgetLimits,
    unsent: AtomicUsize,
    streams: AtomicUsize,
    /// The process's one check of its connections for peers that stopped reading.
    stalls: Stalls,
}

impl Default for ProcessBudget {
    fn default() -> Self {
        Self::new(BudgetLimits::default())
    }
}

/// An open stream's place in the budget, given back when dropped.
#[derive(Debug)]
pub(crate) struct StreamPlace(Arc<Shared>);

impl Drop for StreamPlace {
    fn drop(&mut self) {
        self.0.streams.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The reserve on top of `limit`: an eighth of it, at least 1.
fn with_reserve(limit: usize) -> usize {
    limit.saturating_add((limit / 8).max(1))
}

impl ProcessBudget {
    /// A budget of `limits`.
    pub fn new(limits: BudgetLimits) -> Self {
        Self(Arc::new(Shared {
            limits,
            unsent: AtomicUsize::new(0),
            streams: AtomicUsize::new(0),
            stalls: Stalls::default(),
        }))
    }

    /// The limits.
    pub fn limits(&self) -> BudgetLimits {
        self.0.limits
    }

    /// Reply bytes held unsent now, across the process.
    pub fn unsent(&self) -> usize {
        self.0.unsent.load(Ordering::Relaxed)
    }

    /// Streams open now, across the process.
    pub fn streams(&self) -> usize {
        self.0.streams.load(Ordering::Relaxed)
    }

    /// A place for one more stream; `None` past the budget (or past its reserve, for a
    /// connection that `may_use_reserve`).
    pub(crate) fn open_stream(&self, may_use_reserve: bool) -> Option<StreamPlace> {
        let limit = self.0.limits.max_streams;
        let cap = if may_use_reserve {
            with_reserve(limit)
        } else {
            limit
        };
        let before = self.0.streams.fetch_add(1, Ordering::Relaxed);
        if before >= cap {
            self.0.streams.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        Some(StreamPlace(self.0.clone()))
    }

    /// Checks the connection of `state` from now on for a peer that stopped reading (for
    /// `send_timeout`, or [`STALLED_GRACE`] while the process is into its reserve), with every
    /// other connection of the process, in one task ([`crate::stalls`]).
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime.
    pub(crate) fn watch_stalls(
        &self,
        state: Arc<ConnState>,
        send_timeout: std::time::Duration,
    ) -> WatchedConnection {
        self.0.stalls.watch(state, send_timeout)
    }

    /// Whether more streams are open than the budget: some hold the reserve.
    pub(crate) fn streams_in_reserve(&self) -> bool {
        self.streams() > self.0.limits.max_streams
    }

    /// Whether more reply bytes are unsent than the budget: some are in the reserve.
    pub(crate) fn unsent_in_reserve(&self) -> bool {
        self.unsent() > self.0.limits.max_unsent_bytes
    }

    /// Whether a connection holding `held` unsent bytes may start new work: always when it holds
    /// none (the reserve is for it), else while the process is under its budget.
    pub(crate) fn admits(&self, held: usize) -> bool {
        held == 0 || self.unsent() < self.0.limits.max_unsent_bytes
    }

    /// Counts `len` more unsent bytes of a connection that holds `held`, unless that goes over
    /// the budget (or its reserve, for a connection that holds none). A reply into an empty
    /// process always goes, however large.
    pub(crate) fn try_add_unsent(&self, len: usize, held: usize) -> bool {
        let limit = self.0.limits.max_unsent_bytes;
        let cap = if held == 0 {
            with_reserve(limit)
        } else {
            limit
        };
        let before = self.0.unsent.fetch_add(len, Ordering::Relaxed);
        if before > 0 && before.saturating_add(len) > cap {
            self.0.unsent.fetch_sub(len, Ordering::Relaxed);
            return false;
        }
        true
    }

    /// Gives back `len` unsent bytes (sent, or dropped).
    pub(crate) fn release_unsent(&self, len: usize) {
        self.0.unsent.fetch_sub(len, Ordering::Relaxed);
    }

    /// The status of new work past the unsent budget.
    pub(crate) fn unsent_exhausted(&self) -> tonic::Status {
        crate::refusal::retry_after(
            "UNREAD_REPLIES_LIMIT",
            crate::refusal::UNREAD_RETRY,
            format!(
                "server overloaded: its clients have not read {} bytes of replies, more than \
                 --max-unsent-bytes-total allows; retry with backoff",
                self.0.limits.max_unsent_bytes
            ),
        )
    }

    /// The status of a call past the streams' budget.
    pub(crate) fn streams_exhausted(&self) -> tonic::Status {
        crate::refusal::retry_after(
            "OPEN_CALLS_LIMIT",
            crate::refusal::CALL_RETRY,
            format!(
                "server overloaded: {} calls already open, the most --max-streams-total allows; \
                 retry with backoff",
                self.0.limits.max_streams
            ),
        )
    }

    /// The status of a call ended because it was still unanswered after [`STALLED_GRACE`] while
    /// the process was into its reserve of open calls.
    pub(crate) fn stalled_call_ended() -> tonic::Status {
        crate::refusal::retry_after(
            "STALLED_CALL_ENDED",
            crate::refusal::CALL_RETRY,
            "server overloaded: more calls open than --max-streams-total allows, and this one was \
             still unanswered a second after it arrived (its request not yet sent in full); \
             send the request whole, and retry with backoff",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cgroup_limit_is_read_and_no_limit_is_none() {
        assert_eq!(parse_limit("134217728\n"), Some(134_217_728));
        assert_eq!(parse_limit("max\n"), None);
        assert_eq!(parse_limit("9223372036854771712\n"), None);
        assert_eq!(parse_limit(""), None);
    }

    #[test]
    fn the_defaults_are_a_quarter_of_the_memory_each() {
        let pod = BudgetLimits::for_memory(Some(128 * 1024 * 1024));
        assert_eq!(pod.max_unsent_bytes, 32 * 1024 * 1024);
        assert_eq!(pod.max_streams, 4096);
        let none = BudgetLimits::for_memory(None);
        assert_eq!(none.max_unsent_bytes, 256 * 1024 * 1024);
        assert_eq!(none.max_streams, 32 * 1024);
        assert_eq!(BudgetLimits::for_memory(Some(1)).max_streams, 1);
    }

    #[test]
    fn streams_past_the_budget_are_refused_and_the_reserve_is_for_quiet_connections() {
        let budget = ProcessBudget::new(BudgetLimits {
            max_unsent_bytes: 1,
            max_streams: 8,
        });
        let busy: Vec<_> = (0..8).map(|_| budget.open_stream(false).unwrap()).collect();
        assert!(!budget.streams_in_reserve(), "exactly the budget");
        assert!(
            budget.open_stream(false).is_none(),
            "a busy connection is refused"
        );
        let quiet = budget.open_stream(true).expect("the reserve: one more");
        assert!(budget.open_stream(true).is_none(), "the reserve is spent");
        assert_eq!(budget.streams(), 9);
        assert!(budget.streams_in_reserve());
        drop(quiet);
        drop(busy);
        assert_eq!(budget.streams(), 0, "places are given back");
        assert!(budget.open_stream(false).is_some());
    }

    #[test]
    fn unsent_bytes_past_the_budget_are_refused_except_from_a_connection_that_holds_none() {
        let budget = ProcessBudget::new(BudgetLimits {
            max_unsent_bytes: 800,
            max_streams: 1,
        });
        assert!(budget.try_add_unsent(5000, 0), "into an empty process");
        assert!(!budget.admits(10), "over budget: a connection holding some");
        assert!(budget.admits(0), "a connection holding none");
        budget.release_unsent(5000);
        assert!(budget.try_add_unsent(700, 0));
        assert!(!budget.try_add_unsent(200, 700), "over the budget");
        assert!(!budget.unsent_in_reserve());
        assert!(budget.try_add_unsent(200, 0), "within the reserve");
        assert!(budget.unsent_in_reserve());
        assert!(!budget.try_add_unsent(1, 0), "past the reserve");
        assert_eq!(budget.unsent(), 900);
    }
}
