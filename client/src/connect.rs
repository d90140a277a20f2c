//! Channels to one service (several replicas balanced with tonic's `Channel::balance_list`, or
//! the addresses of a `dns:` target followed as they change, see `resolve`) and
//! the call helper: a deadline over the whole call, and bounded retries with exponential backoff
//! and full jitter when a replica is UNAVAILABLE.
//!
//! Every call carries W3C trace context (`traceparent`): the calls of one composed report share
//! the report's trace (see [`in_trace`]), so the servers' spans are children of the report's span.
//!
//! `https://` endpoints speak TLS with the CA and client certificate of
//! [`TlsSettings`](crate::TlsSettings); a bearer token goes on every attempt of every call.
//!
//! tonic has no retries of its own. Every call this client makes is a read, so retrying is safe.
//! The first attempt goes through the balancer; each retry goes to the next replica in turn, so a
//! replica that went away is stepped over within `replicas + 1` attempts.

use std::{
    future::Future,
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, Instant},
};

use tonic::{
    Code, Request, Response, Status,
    metadata::{Ascii, MetadataValue},
    transport::{Channel, Endpoint},
};

use crate::{
    config::{ClientConfig, RetryPolicy},
    endpoint::{endpoint, only_dns_target, replica_endpoint},
    error::{ClientError, Service, code_name},
    resolve::{DnsTarget, Follower, Replicas},
};

/// The channels to one service.
#[derive(Debug)]
pub(crate) struct ServiceChannel {
    service: Service,
    balanced: Channel,
    /// Each replica's own channel, for retries that step from one to the next.
    replicas: Replicas,
    /// Keeps `balanced` and `replicas` equal to a `dns:` target's addresses.
    follower: Option<Follower>,
    next_replica: AtomicUsize,
    deadline: Duration,
    retry: RetryPolicy,
    /// `Bearer {token}`, marked sensitive (its `Debug` shows no token).
    authorization: Option<MetadataValue<Ascii>>,
}

impl ServiceChannel {
    /// Channels to `urls` (one or more replicas). Connections are made on first use, so a
    /// service that is down only fails the calls that need it.
    pub(crate) fn connect(
        service: Service,
        urls: &[String],
        config: &ClientConfig,
    ) -> Result<Self, ClientError> {
        if let Some(target) = only_dns_target(service, urls)? {
            return Self::follow(service, target, config);
        }
        let endpoints = urls
            .iter()
            .map(|url| endpoint(service, url, config))
            .collect::<Result<Vec<_>, _>>()?;
        let (balanced, replicas) = match endpoints.as_slice() {
            [] => {
                return Err(ClientError::InvalidEndpoint {
                    service,
                    url: String::new(),
                    reason: "no endpoint given".to_owned(),
                });
            }
            [only] => {
                let channel = only.connect_lazy();
                (channel.clone(), vec![channel])
            }
            many => (
                Channel::balance_list(many.iter().cloned()),
                many.iter().map(Endpoint::connect_lazy).collect(),
            ),
        };
        Ok(Self::new(service, balanced, replicas, config))
    }

    /// A channel balancing over the addresses of `target`, kept current by a [`Follower`].
    fn follow(
        service: Service,
        target: DnsTarget,
        config: &ClientConfig,
    ) -> Result<Self, ClientError> {
        let url = format!("dns:///{}:{}", target.host, target.port);
        let invalid = |reason: String| ClientError::InvalidEndpoint {
            service,
            url: url.clone(),
            reason,
        };
        let make = replica_endpoint(service, &target, config)?;
        let (balanced, changes) = Channel::balance_channel(16);
        let mut channel = Self::new(service, balanced, Vec::new(), config);
        let follower = Follower::start(
            target,
            config.resolve_interval,
            make,
            changes,
            channel.replicas.clone(),
        )
        .map_err(invalid)?;
        channel.follower = Some(follower);
        Ok(channel)
    }

    /// A single existing channel (for tests and embedding).
    pub(crate) fn from_channel(service: Service, channel: Channel, config: &ClientConfig) -> Self {
        Self::new(service, channel.clone(), vec![channel], config)
    }

    fn new(
        service: Service,
        balanced: Channel,
        replicas: Vec<Channel>,
        config: &ClientConfig,
    ) -> Self {
        Self {
            service,
            balanced,
            replicas: std::sync::Arc::new(std::sync::RwLock::new(replicas)),
            follower: None,
            next_replica: AtomicUsize::new(0),
            deadline: config.deadline,
            retry: config.retry,
            authorization: config.token.as_ref().map(|token| token.header().clone()),
        }
    }

    /// Calls `rpc` (named `call` in errors) with `message` within the deadline, retrying while
    /// the service is UNAVAILABLE and attempts remain.
    ///
    /// `rpc` gets the channel of the attempt and the request, whose `grpc-timeout` is the time
    /// left; e.g. `|channel, request| async move { Client::new(channel).get_x(request).await }`.
    pub(crate) async fn call<Req, Resp, F, Fut>(
        &self,
        call: &'static str,
        message: Req,
        rpc: F,
    ) -> Result<Resp, ClientError>
    where
        Req: Clone,
        F: Fn(Channel, Request<Req>) -> Fut,
        Fut: Future<Output = Result<Response<Resp>, Status>>,
    {
        self.attempts(call, message, rpc, true).await
    }

    /// Opens the server stream `rpc` (named `call` in errors) as [`call`](Self::call) makes a
    /// call, with its deadline and retries over the opening only (until the server answers with
    /// its headers): no `grpc-timeout` is sent, so the stream lasts as long as the server keeps
    /// it open.
    pub(crate) async fn open_stream<Req, Resp, F, Fut>(
        &self,
        call: &'static str,
        message: Req,
        rpc: F,
    ) -> Result<Resp, ClientError>
    where
        Req: Clone,
        F: Fn(Channel, Request<Req>) -> Fut,
        Fut: Future<Output = Result<Response<Resp>, Status>>,
    {
        self.attempts(call, message, rpc, false).await
    }

    /// The attempts of [`call`](Self::call) and [`open_stream`](Self::open_stream); the time
    /// left goes to the server as `grpc-timeout` when `send_timeout`.
    async fn attempts<Req, Resp, F, Fut>(
        &self,
        call: &'static str,
        message: Req,
        rpc: F,
        send_timeout: bool,
    ) -> Result<Resp, ClientError>
    where
        Req: Clone,
        F: Fn(Channel, Request<Req>) -> Fut,
        Fut: Future<Output = Result<Response<Resp>, Status>>,
    {
        let deadline_at = Instant::now() + self.deadline;
        let mut attempt: u32 = 1;
        // The replica of the first retry; later retries take the ones after it, so one call
        // walks consecutive replicas whatever other calls do meanwhile.
        let mut first_retry_replica = None;
        loop {
            let left = deadline_at.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(self.deadline_exceeded(call));
            }
            let channel = if attempt == 1 {
                self.balanced.clone()
            } else {
                let first = *first_retry_replica
                    .get_or_insert_with(|| self.next_replica.fetch_add(1, Ordering::Relaxed));
                let step = usize::try_from(attempt - 2).unwrap_or(0);
                let replicas = self
                    .replicas
                    .read()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                match replicas.len() {
                    0 => self.balanced.clone(),
                    n => replicas[first.wrapping_add(step) % n].clone(),
                }
            };
            let mut request = Request::new(message.clone());
            if send_timeout {
                request.set_timeout(left);
            }
            let trace = current_trace().unwrap_or_default();
            if let Ok(value) = trace.to_string().parse() {
                request.metadata_mut().insert(TRACEPARENT, value);
            }
            if let Some(authorization) = &self.authorization {
                request
                    .metadata_mut()
                    .insert("authorization", authorization.clone());
            }
            let status = match tokio::time::timeout(left, rpc(channel, request)).await {
                Err(_elapsed) => return Err(self.deadline_exceeded(call)),
                Ok(Ok(response)) => return Ok(response.into_inner()),
                Ok(Err(status)) => status,
            };
            // The server enforces the grpc-timeout we sent (DEADLINE_EXCEEDED, or CANCELLED from
            // servers that cancel), a moment before our own timer would fire.
            let ours = Instant::now() + SERVER_DEADLINE_LEAD >= deadline_at;
            if ours && matches!(status.code(), Code::Cancelled | Code::DeadlineExceeded) {
                return Err(self.deadline_exceeded(call));
            }
            // A connection lost under the call (tonic says UNKNOWN or CANCELLED with a transport
            // cause) counts as UNAVAILABLE, as the error reported says.
            let failed = ClientError::call(self.service, call, &status);
            let code = failed.code().unwrap_or(status.code());
            if let (Some(follower), Code::Unavailable) = (&self.follower, code) {
                follower.refresh();
            }
            let pause = match retry_pause(&status, code) {
                Some(_) if attempt >= self.retry.max_attempts => None,
                Some(RetryPause::Backoff) => Some(jitter(self.retry.backoff(attempt))),
                Some(RetryPause::AsTold(hint)) => Some(hint),
                None => None,
            };
            let Some(pause) = pause else {
                return Err(failed);
            };
            tracing::debug!(
                service = %self.service,
                call,
                attempt,
                code = code_name(code),
                message = status.message(),
                ?pause,
                "retrying on the next replica"
            );
            let left = deadline_at.saturating_duration_since(Instant::now());
            if pause >= left {
                return Err(failed);
            }
            tokio::time::sleep(pause).await;
            attempt += 1;
        }
    }

    /// The retry policy of this service's calls.
    pub(crate) fn retry(&self) -> RetryPolicy {
        self.retry
    }

    fn deadline_exceeded(&self, call: &'static str) -> ClientError {
        ClientError::Call {
            service: self.service,
            call,
            code: Code::DeadlineExceeded,
            message: format!(
                "no answer within the deadline of {}",
                format_duration(self.deadline)
            ),
        }
    }
}

/// The header W3C trace context travels in.
const TRACEPARENT: &str = "traceparent";

/// A report's place in a distributed trace: the trace id, the report's own span id (the parent
/// of every server span of the report), and whether the trace is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trace {
    /// 16 bytes, never zero.
    pub trace_id: u128,
    /// 8 bytes, never zero: the report's span, parent of the servers' spans.
    pub span_id: u64,
    /// Whether the trace is recorded (`OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` decide
    /// for new traces, read once).
    pub sampled: bool,
}

impl Trace {
    /// A new trace, sampled as the standard variables ask (default: always).
    pub fn new() -> Self {
        let trace_id = fastrand::u128(1..);
        Self {
            trace_id,
            span_id: fastrand::u64(1..),
            sampled: root_sampled(trace_id),
        }
    }
}

impl Default for Trace {
    fn default() -> Self {
        Self::new()
    }
}

/// The `traceparent` value: `00-<trace id>-<span id>-<flags>`.
impl std::fmt::Display for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "00-{:032x}-{:016x}-{:02x}",
            self.trace_id,
            self.span_id,
            u8::from(self.sampled)
        )
    }
}

/// Whether a new trace is recorded: `OTEL_TRACES_SAMPLER` (`parentbased_always_on` by
/// default, `…_always_off`, `…_traceidratio` with `OTEL_TRACES_SAMPLER_ARG`), as the servers do.
fn root_sampled(trace_id: u128) -> bool {
    static RATIO: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    let ratio = *RATIO.get_or_init(|| {
        let sampler = std::env::var("OTEL_TRACES_SAMPLER").unwrap_or_default();
        let arg = std::env::var("OTEL_TRACES_SAMPLER_ARG").ok();
        match sampler.trim() {
            "parentbased_always_off" | "always_off" => 0.0,
            "parentbased_traceidratio" | "traceidratio" => arg
                .and_then(|a| a.trim().parse::<f64>().ok())
                .filter(|r| (0.0..=1.0).contains(r))
                .unwrap_or(1.0),
            _ => 1.0,
        }
    });
    let low = (trace_id as u64) & (u64::MAX >> 1);
    (low as f64) < ratio * (1u64 << 63) as f64
}

tokio::task_local! {
    static CURRENT: Trace;
}

/// Runs `report` as one trace: every call it makes sends `traceparent` with `trace`'s ids, so
/// the servers' spans are children of `trace.span_id`. Composed reports do this themselves
/// with a new trace; call it to put a report under a trace of your own.
pub async fn in_trace<F: Future>(trace: Trace, report: F) -> F::Output {
    CURRENT.scope(trace, report).await
}

/// The trace the current task's calls belong to, inside [`in_trace`].
pub fn current_trace() -> Option<Trace> {
    CURRENT.try_with(|trace| *trace).ok()
}

/// Runs `report` in the current trace, or in a new one when there is none. The report's state
/// goes on the heap: a composed report's calls make a future of tens of KiB, which a caller
/// awaiting several in one task would otherwise carry (and, unoptimised, copy) on its stack.
pub(crate) fn traced<F: Future>(report: F) -> impl Future<Output = F::Output> {
    let report = Box::pin(report);
    async move {
        match current_trace() {
            Some(_) => report.await,
            None => in_trace(Trace::new(), report).await,
        }
    }
}

/// How much earlier than our own timer a server may end a call on the deadline we sent
/// (llmarket's servers answer 1 ms early, so the answer arrives before the client gives up).
const SERVER_DEADLINE_LEAD: Duration = Duration::from_millis(10);

/// Validates an endpoint URL as [`Client::connect`](crate::Client::connect) will.
pub fn check_endpoint(service: Service, url: &str) -> Result<(), ClientError> {
    let invalid = |reason: String| ClientError::InvalidEndpoint {
        service,
        url: url.to_owned(),
        reason,
    };
    match DnsTarget::parse(url).map_err(invalid)? {
        Some(_) => Ok(()),
        None => endpoint(service, url, &ClientConfig::default()).map(|_| ()),
    }
}

/// Whether a failed call may be retried on another replica: the service was unavailable.
/// How long to wait before a call that failed with `status` is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RetryPause {
    /// The replica was unavailable: back off (with jitter) and try the next one.
    Backoff,
    /// The server refused for now and said when to come back (`google.rpc.RetryInfo` on
    /// RESOURCE_EXHAUSTED, e.g. a caller's quota): wait that long.
    AsTold(Duration),
}

/// Whether a call that failed with `status` (taken as `code`) may be tried again, and after what
/// pause; `None` when trying again would only fail again.
fn retry_pause(status: &Status, code: Code) -> Option<RetryPause> {
    use tonic_types::StatusExt as _;
    match code {
        Code::Unavailable => Some(RetryPause::Backoff),
        Code::ResourceExhausted => status
            .get_details_retry_info()
            .and_then(|info| info.retry_delay)
            .map(RetryPause::AsTold),
        _ => None,
    }
}

/// "Full jitter": a pause drawn uniformly from `[0, backoff)`, so clients that failed together
/// spread their retries over the whole window instead of retrying in lockstep. tower's
/// `ExponentialBackoff` does not fit this loop (it hands out a `Sleep`, not the pause, and the
/// loop must compare the pause with the time left before the deadline); `fastrand`'s per-thread
/// generator, randomly seeded, is all the randomness spreading needs.
fn jitter(backoff: Duration) -> Duration {
    backoff.mul_f64(fastrand::f64())
}

/// `1.5s`, `200ms`.
pub(crate) fn format_duration(duration: Duration) -> String {
    if duration.subsec_millis() == 0 && duration.as_secs() > 0 {
        format!("{}s", duration.as_secs())
    } else if duration.as_secs() == 0 {
        format!("{}ms", duration.as_millis())
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_report_runs_in_one_trace_and_writes_a_w3c_traceparent() {
        assert_eq!(current_trace(), None);
        let trace = Trace {
            trace_id: 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736,
            span_id: 0x00f0_67aa_0ba9_02b7,
            sampled: true,
        };
        assert_eq!(
            trace.to_string(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        );
        let (outer, inner) = in_trace(trace, async {
            (current_trace(), traced(async { current_trace() }).await)
        })
        .await;
        assert_eq!(outer, Some(trace));
        assert_eq!(inner, Some(trace));
        let fresh = traced(async { current_trace() }).await.unwrap();
        assert_ne!(fresh.trace_id, trace.trace_id);
        assert_ne!(fresh.trace_id, 0);
    }

    #[test]
    fn endpoints_are_checked() {
        assert!(check_endpoint(Service::Forecast, "http://127.0.0.1:50051").is_ok());
        assert!(check_endpoint(Service::Forecast, "https://forecast.example:443").is_ok());
        let error = check_endpoint(Service::Forecast, "ftp://forecast.example").unwrap_err();
        assert!(error.to_string().contains("http:// or https://"), "{error}");
        let error = check_endpoint(Service::Taxonomy, "127.0.0.1:50052").unwrap_err();
        assert!(
            error.to_string().contains("invalid taxonomy endpoint"),
            "{error}"
        );
        assert!(check_endpoint(Service::Forecast, "http://").is_err());
        assert!(check_endpoint(Service::Forecast, "dns:///forecast.example:50051").is_ok());
        let error = check_endpoint(Service::Forecast, "dns:///forecast.example").unwrap_err();
        assert!(error.to_string().contains("has no port"), "{error}");
        assert!(check_endpoint(Service::Forecast, "http://a b").is_err());
    }

    #[test]
    fn a_token_goes_in_clear_only_to_loopback() {
        let config = ClientConfig::default().with_token(crate::BearerToken::new("t0ken").unwrap());
        for url in [
            "http://127.0.0.1:1",
            "http://[::1]:1",
            "http://localhost:1",
            "https://a.example",
        ] {
            assert!(endpoint(Service::Forecast, url, &config).is_ok(), "{url}");
        }
        let error = endpoint(Service::Forecast, "http://a.example:1", &config).unwrap_err();
        assert!(error.to_string().contains("use https://"), "{error}");
    }

    #[tokio::test]
    async fn a_dns_target_stands_alone_and_keeps_a_token_off_plaintext() {
        let config = ClientConfig::default();
        let urls = [
            "dns:///a.example:1".to_owned(),
            "http://127.0.0.1:1".to_owned(),
        ];
        let error = ServiceChannel::connect(Service::Forecast, &urls, &config).unwrap_err();
        assert!(error.to_string().contains("give it alone"), "{error}");
        let with_token = config.with_token(crate::BearerToken::new("t0ken").unwrap());
        let urls = ["dns://127.0.0.1:53/a.example:1".to_owned()];
        let error = ServiceChannel::connect(Service::Forecast, &urls, &with_token).unwrap_err();
        assert!(error.to_string().contains("use https://"), "{error}");
        let urls = ["dns://127.0.0.1:53/localhost:1".to_owned()];
        assert!(ServiceChannel::connect(Service::Forecast, &urls, &with_token).is_ok());
    }

    #[test]
    fn a_bad_client_certificate_is_an_invalid_endpoint() {
        let config = ClientConfig::default().with_tls(crate::TlsSettings {
            ca_cert: None,
            identity: Some(crate::ClientIdentity {
                cert: "not pem".to_owned(),
                key: "not pem".to_owned(),
            }),
        });
        let error = endpoint(Service::Taxonomy, "https://a.example", &config).unwrap_err();
        assert!(
            error.to_string().contains("cannot use the TLS settings"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn an_unreachable_service_is_unavailable_after_the_retries() {
        // Port 1 on loopback: nothing listens there.
        let config = ClientConfig {
            retry: RetryPolicy {
                max_attempts: 3,
                initial_backoff: Duration::from_millis(1),
                max_backoff: Duration::from_millis(2),
                multiplier: 2.0,
            },
            ..ClientConfig::default()
        };
        let channel = ServiceChannel::connect(
            Service::Forecast,
            &["http://127.0.0.1:1".to_owned()],
            &config,
        )
        .unwrap();
        let attempts = std::sync::atomic::AtomicU32::new(0);
        let error = channel
            .call("GetDataset", llmarket_proto::forecast::GetDatasetRequest::default(), |ch, req| {
                attempts.fetch_add(1, Ordering::Relaxed);
                async move {
                    llmarket_proto::forecast::forecast_service_client::ForecastServiceClient::new(ch)
                        .get_dataset(req)
                        .await
                }
            })
            .await
            .unwrap_err();
        assert_eq!(error.code(), Some(Code::Unavailable), "{error}");
        assert_eq!(error.rpc(), Some("GetDataset"));
        assert_eq!(attempts.load(Ordering::Relaxed), 3);
    }
}
