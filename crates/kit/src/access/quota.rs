//! Quotas: a principal's call rate (`calls_per_second`, with up to `burst` calls at once), kept by
//! `governor`'s lock-free GCRA limiter. A call past it is refused with the time until one more
//! fits. A reload of the auth file keeps the limiter of a principal whose entry did not change
//! (the server's `Principals::keep_unchanged`).

use std::{num::NonZeroU32, time::Duration};

use governor::{
    Quota as Rate, RateLimiter,
    clock::{Clock, MonotonicClock},
    middleware::NoOpMiddleware,
    state::{InMemoryState, NotKeyed},
};

/// A principal's call rate and the calls it has left.
pub struct Quota<C: Clock = MonotonicClock> {
    calls_per_second: f64,
    burst: u32,
    clock: C,
    limiter: RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<C::Instant>>,
}

impl<C: Clock> std::fmt::Debug for Quota<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Quota")
            .field("calls_per_second", &self.calls_per_second)
            .field("burst", &self.burst)
            .finish_non_exhaustive()
    }
}

impl Quota {
    /// A rate of `calls_per_second` (above zero), with up to `burst` (at least 1) calls at once;
    /// every call is available at first.
    pub fn new(calls_per_second: f64, burst: u32) -> Self {
        Self::with_clock(calls_per_second, burst, MonotonicClock)
    }
}

impl<C: Clock + Clone> Quota<C> {
    /// [`Quota::new`] on `clock` (tests drive a fake one).
    pub fn with_clock(calls_per_second: f64, burst: u32, clock: C) -> Self {
        let burst = burst.max(1);
        // One call every period; a rate too high for a nanosecond period is one per nanosecond.
        let period = Duration::from_secs_f64(1.0 / calls_per_second).max(Duration::from_nanos(1));
        let rate = Rate::with_period(period)
            .expect("a period of at least a nanosecond")
            .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
        Self {
            calls_per_second,
            burst,
            limiter: RateLimiter::direct_with_clock(rate, clock.clone()),
            clock,
        }
    }

    /// The rate in calls per second.
    pub fn calls_per_second(&self) -> f64 {
        self.calls_per_second
    }

    /// The most calls at once.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// Takes one call now; when none is left, the time until one is.
    pub fn take(&self) -> Result<(), Duration> {
        self.limiter
            .check()
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    #[test]
    fn a_burst_goes_then_calls_wait_for_the_rate() {
        let clock = FakeRelativeClock::default();
        let quota = Quota::with_clock(2.0, 3, clock.clone());
        for _ in 0..3 {
            assert!(quota.take().is_ok());
        }
        let wait = quota.take().unwrap_err();
        assert!(
            (wait.as_secs_f64() - 0.5).abs() < 0.01,
            "one call in 1/2 s: {wait:?}"
        );
        clock.advance(Duration::from_millis(250));
        assert!(quota.take().is_err());
        clock.advance(Duration::from_millis(250));
        assert!(quota.take().is_ok());
        // A long pause refills to the burst, not beyond it.
        clock.advance(Duration::from_secs(60));
        for _ in 0..3 {
            assert!(quota.take().is_ok());
        }
        assert!(quota.take().is_err());
    }

    #[test]
    fn a_slow_rate_and_a_fast_one_keep_their_periods() {
        let clock = FakeRelativeClock::default();
        let slow = Quota::with_clock(1.0 / 60.0, 1, clock.clone());
        assert!(slow.take().is_ok());
        let wait = slow.take().unwrap_err();
        assert!((wait.as_secs_f64() - 60.0).abs() < 0.01, "{wait:?}");
        let fast = Quota::with_clock(1e12, 1, clock);
        assert!(fast.take().is_ok());
        assert!(fast.take().unwrap_err() <= Duration::from_nanos(1));
    }
}
