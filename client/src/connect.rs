//! Channels to one service (several replicas balanced with tonic's `Channel::balance_list`) and
//! the call helper: a deadline over the whole call, and bounded retries with exponential backoff
//! and full jitter when a replica is UNAVAILABLE.
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
    transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity},
};

use crate::{
    config::{ClientConfig, RetryPolicy},
    error::{ClientError, Service, code_name},
};

/// The channels to one service.
#[derive(Debug)]
pub(crate) struct ServiceChannel {
    service: Service,
    balanced: Channel,
    replicas: Vec<Channel>,
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
            replicas,
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
                self.replicas[first.wrapping_add(step) % self.replicas.len()].clone()
            };
            let mut request = Request::new(message.clone());
            request.set_timeout(left);
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
            if !is_retryable(&status) || attempt >= self.retry.max_attempts {
                return Err(ClientError::call(self.service, call, &status));
            }
            let pause = jitter(self.retry.backoff(attempt));
            tracing::debug!(
                service = %self.service,
                call,
                attempt,
                code = code_name(status.code()),
                message = status.message(),
                ?pause,
                "retrying on the next replica"
            );
            let left = deadline_at.saturating_duration_since(Instant::now());
            if pause >= left {
                return Err(ClientError::call(self.service, call, &status));
            }
            tokio::time::sleep(pause).await;
            attempt += 1;
        }
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

/// How much earlier than our own timer a server may end a call on the deadline we sent
/// (llmarket's servers answer 1 ms early, so the answer arrives before the client gives up).
const SERVER_DEADLINE_LEAD: Duration = Duration::from_millis(10);

fn endpoint(service: Service, url: &str, config: &ClientConfig) -> Result<Endpoint, ClientError> {
    let invalid = |reason: String| ClientError::InvalidEndpoint {
        service,
        url: url.to_owned(),
        reason,
    };
    let tls = url.starts_with("https://");
    if !tls && !url.starts_with("http://") {
        return Err(invalid("the scheme must be http:// or https://".to_owned()));
    }
    let endpoint = Endpoint::from_shared(url.to_owned()).map_err(|e| invalid(e.to_string()))?;
    let host = endpoint.uri().host().unwrap_or_default();
    if host.is_empty() {
        return Err(invalid("the host is missing".to_owned()));
    }
    if !tls && config.token.is_some() && !is_loopback(host) {
        return Err(invalid(
            "a token would travel in clear over http:// to another host; use https://".to_owned(),
        ));
    }
    let endpoint = if tls {
        endpoint
            .tls_config(tls_config(&config.tls))
            .map_err(|e| invalid(format!("cannot use the TLS settings: {}", source_chain(&e))))?
    } else {
        endpoint
    };
    Ok(endpoint
        .connect_timeout(config.connect_timeout)
        .tcp_nodelay(true))
}

/// tonic's TLS config from ours: the CA given, else the system's roots; the client certificate
/// if given.
fn tls_config(settings: &crate::TlsSettings) -> ClientTlsConfig {
    let config = ClientTlsConfig::new();
    let config = match &settings.ca_cert {
        Some(pem) => config.ca_certificate(Certificate::from_pem(pem)),
        None => config.with_native_roots(),
    };
    match &settings.identity {
        Some(identity) => config.identity(Identity::from_pem(&identity.cert, &identity.key)),
        None => config,
    }
}

/// Whether `host` (as in a URI: an IPv6 address in brackets) is this machine.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// An error and its sources, `a: b: c`.
fn source_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let more = inner.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = inner.source();
    }
    text
}

/// Validates an endpoint URL as [`Client::connect`](crate::Client::connect) will.
pub fn check_endpoint(service: Service, url: &str) -> Result<(), ClientError> {
    endpoint(service, url, &ClientConfig::default()).map(|_| ())
}

/// Whether a failed call may be retried on another replica: the service was unavailable.
fn is_retryable(status: &Status) -> bool {
    status.code() == Code::Unavailable
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
