//! How a [`Client`](crate::Client) reaches the services: endpoints per service, the per-call
//! deadline, the connect timeout, the retry policy, and the credentials (TLS, bearer token).

use std::time::Duration;

use crate::credentials::{BearerToken, TlsSettings};

/// Default address of the forecast service (`llmarket-server all`).
pub const DEFAULT_FORECAST_URL: &str = "http://127.0.0.1:50051";
/// Default address of the taxonomy service (`llmarket-server all`).
pub const DEFAULT_TAXONOMY_URL: &str = "http://127.0.0.1:50052";
/// Default [`ClientConfig::resolve_interval`].
pub const DEFAULT_RESOLVE_INTERVAL: Duration = Duration::from_secs(30);
/// The built-in dataset of the servers.
pub const DEFAULT_DATASET: &str = "datasets/cic-global-llm";

/// Everything a [`Client`](crate::Client) needs to know to reach the two services.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientConfig {
    /// Forecast service replicas (`http://host:port`, or `https://` for TLS); calls are balanced
    /// across them. Or one `dns:///host:port` (`dns://RESOLVER:PORT/host:port`) naming every
    /// replica, followed as its addresses change (TLS when a CA or client certificate is given).
    pub forecast: Vec<String>,
    /// Taxonomy service replicas, as [`forecast`](Self::forecast).
    pub taxonomy: Vec<String>,
    /// How often a `dns:` target is resolved again (also at once when a call finds the service
    /// unavailable).
    pub resolve_interval: Duration,
    /// Time budget of one call, retries included; also sent to the server as `grpc-timeout`.
    pub deadline: Duration,
    /// Time budget of establishing one connection.
    pub connect_timeout: Duration,
    /// How calls that find a service UNAVAILABLE are retried.
    pub retry: RetryPolicy,
    /// What `https://` endpoints are trusted with and shown (CA, client certificate).
    pub tls: TlsSettings,
    /// A bearer token sent as `authorization: Bearer …` on every call. It is refused over
    /// `http://` to any host but loopback, where it would travel in clear.
    pub token: Option<BearerToken>,
    /// Which edition every read of values uses (contract v2's edition selector); the default
    /// is the edition the dataset names (a v1 id), else the latest.
    pub edition: EditionSelection,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            forecast: vec![DEFAULT_FORECAST_URL.to_owned()],
            taxonomy: vec![DEFAULT_TAXONOMY_URL.to_owned()],
            deadline: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(3),
            resolve_interval: DEFAULT_RESOLVE_INTERVAL,
            retry: RetryPolicy::default(),
            tls: TlsSettings::default(),
            token: None,
            edition: EditionSelection::Default,
        }
    }
}

impl ClientConfig {
    /// The default configuration with these endpoints.
    pub fn new(forecast: Vec<String>, taxonomy: Vec<String>) -> Self {
        Self {
            forecast,
            taxonomy,
            ..Self::default()
        }
    }

    /// This configuration with another per-call deadline.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// This configuration with these TLS settings for `https://` endpoints.
    pub fn with_tls(mut self, tls: TlsSettings) -> Self {
        self.tls = tls;
        self
    }

    /// This configuration sending `token` on every call.
    pub fn with_token(mut self, token: BearerToken) -> Self {
        self.token = Some(token);
        self
    }

    /// This configuration resolving `dns:` targets again every `interval`.
    pub fn with_resolve_interval(mut self, interval: Duration) -> Self {
        self.resolve_interval = interval;
        self
    }

    /// This configuration reading values from the edition `selection` chooses.
    pub fn with_edition(mut self, selection: EditionSelection) -> Self {
        self.edition = selection;
        self
    }

    /// This configuration with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
}

/// Which edition of the dataset reads use: carried by the configuration, so every read of the
/// client (and every report composed of them) follows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EditionSelection {
    /// The edition the dataset's name pins (a v1 id such as `datasets/cic-global-llm-2026`),
    /// else the dataset's latest.
    #[default]
    Default,
    /// This edition: its id (`2027`) or full name (`datasets/{d}/editions/{e}`).
    Edition(String),
    /// The edition current on this day: the latest published on or before it.
    AsOf(Day),
}

impl EditionSelection {
    /// Whether a selection was made (not [`EditionSelection::Default`]).
    pub fn is_chosen(&self) -> bool {
        !matches!(self, Self::Default)
    }
}

/// A calendar day, as `--as-of` takes it (`YYYY-MM-DD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day {
    /// The year, 1..=9999.
    pub year: i32,
    /// The month, 1..=12.
    pub month: u32,
    /// The day of the month, 1..=31 as the month has.
    pub day: u32,
}

impl std::str::FromStr for Day {
    type Err = String;

    /// `YYYY-MM-DD`, a day that exists (`2027-02-29` does not).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("{text:?} is not a date; give YYYY-MM-DD, e.g. 2027-01-01");
        let parts: Vec<&str> = text.trim().split('-').collect();
        let [year, month, day] = parts.as_slice() else {
            return Err(bad());
        };
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !(digits(year, 4) && digits(month, 2) && digits(day, 2)) {
            return Err(bad());
        }
        let (year, month, day): (i32, u32, u32) = (
            year.parse().map_err(|_| bad())?,
            month.parse().map_err(|_| bad())?,
            day.parse().map_err(|_| bad())?,
        );
        if year == 0 || !(1..=12).contains(&month) {
            return Err(bad());
        }
        let last = days_in_month(year, month);
        if !(1..=last).contains(&day) {
            return Err(format!(
                "{text:?} is not a date: {year}-{month:02} has {last} days"
            ));
        }
        Ok(Self { year, month, day })
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Days in `month` of `year` (Gregorian).
fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Bounded retries with exponential backoff and jitter, for calls that find a service
/// UNAVAILABLE. Every call this client makes is a read, so a retry is always safe.
///
/// The first attempt goes through the balancer; each retry goes to the next replica in turn, so
/// with `n` replicas, `n + 1` attempts reach every replica at least once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 means no retry.
    pub max_attempts: u32,
    /// Backoff before the first retry.
    pub initial_backoff: Duration,
    /// Upper bound of any backoff.
    pub max_backoff: Duration,
    /// Factor by which the backoff grows after each retry.
    pub multiplier: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(1),
            multiplier: 2.0,
        }
    }
}

impl RetryPolicy {
    /// No retries: every call is attempted once.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The backoff before retry number `retry` (1 for the first retry), before jitter:
    /// `initial_backoff * multiplier^(retry - 1)`, capped at `max_backoff`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exponent = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
        let grown = self.initial_backoff.as_secs_f64() * self.multiplier.max(1.0).powi(exponent);
        let capped = grown.min(self.max_backoff.as_secs_f64());
        if capped.is_finite() && capped >= 0.0 {
            Duration::from_secs_f64(capped)
        } else {
            self.max_backoff
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_up_to_the_cap() {
        let policy = RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(300),
            multiplier: 2.0,
        };
        assert_eq!(policy.backoff(1), Duration::from_millis(50));
        assert_eq!(policy.backoff(2), Duration::from_millis(100));
        assert_eq!(policy.backoff(3), Duration::from_millis(200));
        assert_eq!(policy.backoff(4), Duration::from_millis(300));
        assert_eq!(policy.backoff(60), Duration::from_millis(300));
    }

    #[test]
    fn days_are_checked_against_the_calendar() {
        let day: Day = "2027-01-01".parse().unwrap();
        assert_eq!(
            day,
            Day {
                year: 2027,
                month: 1,
                day: 1
            }
        );
        assert_eq!(day.to_string(), "2027-01-01");
        assert!("2028-02-29".parse::<Day>().is_ok(), "a leap day");
        for bad in [
            "2027-02-29",
            "2027-13-01",
            "2027-00-10",
            "2027-04-31",
            "1900-02-29",
        ] {
            let error = bad.parse::<Day>().unwrap_err();
            assert!(error.contains("is not a date"), "{bad}: {error}");
        }
        for bad in [
            "2027-1-1",
            "27-01-01",
            "2027/01/01",
            "yesterday",
            "",
            "2027-01-01-01",
        ] {
            let error = bad.parse::<Day>().unwrap_err();
            assert!(error.contains("YYYY-MM-DD"), "{bad}: {error}");
        }
    }

    #[test]
    fn a_multiplier_below_one_does_not_shrink_the_backoff() {
        let policy = RetryPolicy {
            multiplier: 0.1,
            ..RetryPolicy::default()
        };
        assert_eq!(policy.backoff(3), policy.initial_backoff);
    }
}
