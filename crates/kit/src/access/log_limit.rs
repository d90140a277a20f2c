//! Rate-limited logging per peer address, for refusals a hostile client can cause in bulk, so
//! the log cannot become the next exhausted resource.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

/// At most one log line per `every` for each peer address (the port left out, so new
/// connections do not buy new lines); the events in between are counted per peer and reported
/// with that peer's next line. At most `peers` addresses are tracked at once: past that, the
/// addresses not tracked share one limit.
#[derive(Debug)]
pub struct PeerRateLimit {
    every: Duration,
    peers: usize,
    state: Mutex<PeerState>,
}

#[derive(Debug, Default)]
struct PeerState {
    /// Each tracked address's last line and the events since.
    by_peer: HashMap<IpAddr, (Instant, u64)>,
    /// The shared limit of the addresses not tracked.
    others: Option<(Instant, u64)>,
}

impl PeerRateLimit {
    /// A limit of one line per `every` for each of up to `peers` addresses.
    pub fn new(every: Duration, peers: usize) -> Self {
        Self {
            every,
            peers,
            state: Mutex::default(),
        }
    }

    /// Records one event of `peer` at `now`. Returns `Some(n)` when it may be logged, `n` being
    /// how many of this peer's events were not logged since its last line; `None` when not.
    pub fn allow(&self, peer: IpAddr, now: Instant) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let every = self.every;
        if !state.by_peer.contains_key(&peer) && state.by_peer.len() >= self.peers {
            // Forget the peers whose period has passed with nothing held back; they start over.
            state
                .by_peer
                .retain(|_, (at, held)| *held > 0 || now.duration_since(*at) < every);
        }
        let slot = if state.by_peer.len() < self.peers || state.by_peer.contains_key(&peer) {
            state.by_peer.entry(peer).or_insert((now, u64::MAX))
        } else {
            state.others.get_or_insert((now, u64::MAX))
        };
        // u64::MAX marks a slot just made: its first event is logged.
        if slot.1 == u64::MAX {
            *slot = (now, 0);
            return Some(0);
        }
        if now.duration_since(slot.0) < every {
            slot.1 += 1;
            return None;
        }
        let held = std::mem::take(&mut slot.1);
        slot.0 = now;
        Some(held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_peer_gets_one_line_per_period_with_what_it_held_back() {
        let limit = PeerRateLimit::new(Duration::from_secs(1), 2);
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let c: IpAddr = [10, 0, 0, 3].into();
        let d: IpAddr = [10, 0, 0, 4].into();
        assert_eq!(limit.allow(a, at(0)), Some(0));
        assert_eq!(limit.allow(a, at(10)), None);
        assert_eq!(limit.allow(a, at(999)), None);
        // Another peer is not held back by the first.
        assert_eq!(limit.allow(b, at(20)), Some(0));
        assert_eq!(limit.allow(b, at(30)), None);
        assert_eq!(limit.allow(a, at(1000)), Some(2));
        assert_eq!(limit.allow(a, at(1001)), None);
        // Past the tracked peers (both holding lines back), the others share one limit.
        assert_eq!(limit.allow(c, at(1010)), Some(0));
        assert_eq!(limit.allow(d, at(1020)), None);
        assert_eq!(limit.allow(c, at(2100)), Some(1));
        // A tracked peer whose period passed with nothing held back makes room.
        let fresh = PeerRateLimit::new(Duration::from_secs(1), 1);
        assert_eq!(fresh.allow(a, at(0)), Some(0));
        assert_eq!(fresh.allow(b, at(2000)), Some(0), "a made room");
        assert_eq!(fresh.allow(b, at(2001)), None);
    }
}
