//! Quotas: a principal's call rate as a token bucket (`calls_per_second` refilled continuously,
//! up to `burst` calls at once). A call past it is refused with the time until one more fits.
//! A reload of the auth file keeps the bucket of a principal whose entry did not change
//! ([`super::Principals::keep_unchanged`]).

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

/// A principal's call rate and the calls it has left.
#[derive(Debug)]
pub struct Quota {
    calls_per_second: f64,
    burst: f64,
    bucket: Mutex<Bucket>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    calls: f64,
    at: Instant,
}

impl Quota {
    /// A rate of `calls_per_second` (above zero), with up to `burst` (at least 1) calls at once;
    /// the bucket starts full.
    pub fn new(calls_per_second: f64, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            calls_per_second,
            burst,
            bucket: Mutex::new(Bucket {
                calls: burst,
                at: Instant::now(),
            }),
        }
    }

    /// The rate in calls per second.
    pub fn calls_per_second(&self) -> f64 {
        self.calls_per_second
    }

    /// The most calls at once.
    pub fn burst(&self) -> f64 {
        self.burst
    }

    /// Takes one call at `now`; when none is left, the time until one is.
    pub fn take(&self, now: Instant) -> Result<(), Duration> {
        // A poisoned lock only means another call panicked mid-update; the numbers are still
        // numbers.
        let mut bucket = self
            .bucket
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.calls = (bucket.calls + elapsed * self.calls_per_second).min(self.burst);
        bucket.at = bucket.at.max(now);
        if bucket.calls >= 1.0 {
            bucket.calls -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.calls) / self.calls_per_second;
            Err(Duration::from_secs_f64(wait.clamp(0.001, 86_400.0)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_goes_then_calls_wait_for_the_rate() {
        let quota = Quota::new(2.0, 3);
        let start = Instant::now();
        for _ in 0..3 {
            assert!(quota.take(start).is_ok());
        }
        let wait = quota.take(start).unwrap_err();
        assert!(
            (wait.as_secs_f64() - 0.5).abs() < 0.01,
            "one call in 1/2 s: {wait:?}"
        );
        assert!(quota.take(start + Duration::from_millis(250)).is_err());
        assert!(quota.take(start + Duration::from_millis(500)).is_ok());
        // A long pause refills to the burst, not beyond it.
        let later = start + Duration::from_secs(60);
        for _ in 0..3 {
            assert!(quota.take(later).is_ok());
        }
        assert!(quota.take(later).is_err());
    }
}
