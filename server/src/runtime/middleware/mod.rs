//! The per-call middleware every request passes through before its service, in one written order
//! (inside CORS and the gRPC-Web translation, which [`crate::runtime::web`] describes and the
//! runtime's `stack` puts outside it, so gRPC-Web calls arrive here as gRPC):
//!
//! 1. **content type** ([`content_type`]): not gRPC → HTTP 415, and nothing else runs;
//! 2. **message size** ([`message_size`]): a request message over `--max-message-size` →
//!    RESOURCE_EXHAUSTED as soon as its length prefix arrives (it only wraps the body, so it costs
//!    nothing until the service reads);
//! 3. **load shed** ([`load_shed`]): past `--max-concurrent-calls` in flight → RESOURCE_EXHAUSTED
//!    at once, never queued; health (`grpc.health.v1.Health`) is exempt. A call is counted from
//!    the end of its request body, so a client that stalls its body holds no place (its stream is
//!    bounded by the deadline instead), and a call the deadline layer refuses on its headers alone
//!    gets that code, not this one;
//! 4. **streaming calls** ([`streams`]): health `Watch` and reflection streams past
//!    `--max-streaming-calls` on the listener or `--max-streaming-calls-per-connection` on their
//!    connection → RESOURCE_EXHAUSTED at once; a stream holds its places until it ends;
//! 5. **deadline** ([`deadline`]): the earlier of `grpc-timeout` and `--max-call-time`, then
//!    DEADLINE_EXCEEDED and the handler is dropped, and a reply stream still open is ended with
//!    DEADLINE_EXCEEDED in its trailers; a malformed `grpc-timeout` → INVALID_ARGUMENT;
//! 6. **authentication and quotas** ([`authenticate`]): with a principals file, a call without
//!    a known credential → UNAUTHENTICATED, past its principal's quota → RESOURCE_EXHAUSTED with
//!    a retry hint, past `--max-calls-per-principal` in flight ([`principal_calls`]) →
//!    RESOURCE_EXHAUSTED; health (and reflection with `--reflection on`) is open. An
//!    authenticated call's reply ends with UNAUTHENTICATED once a reload revokes its credentials
//!    ([`recheck`]). The principal goes
//!    into the request's extensions as an [`crate::auth::Caller`], and the services check their
//!    resources against its grants (PERMISSION_DENIED) with [`crate::auth::Access`];
//!    [`DeniedLayer`](crate::observe::DeniedLayer), right outside it, counts the calls it denies
//!    by code (`llmarket_calls_denied_total`);
//! 7. **metrics and access log** ([`crate::observe::ObserveLayer`]): the grpc-ecosystem
//!    metrics, one access line per call as `--access-log` asks, and the call's server span
//!    under its `traceparent`;
//! 8. **reply cache** ([`cache`], added by the runtime around its routes): a repeated read call
//!    of the served service is answered with its kept encoded reply ([`reply_cache`]: keyed on
//!    method, request message and grants, emptied on every data reload); health and reflection
//!    pass through;
//! 9. the service (routes: the service itself, health, reflection), where the codec of
//!    `llmarket_proto::codec` answers INVALID_ARGUMENT to an undecodable message.
//!
//! Shedding comes before the deadline so a shed call costs no timer; the deadline comes before
//! authentication so a slow credential check is bounded too. [`stack`] builds the whole order; it
//! is a plain [`tower::Layer`] over `http::Request<B>` → `http::Response<tonic::body::Body>`, so
//! it fits tonic's `Server::layer` as well as an accept loop of our own. Each layer but message
//! size writes only what it does to a call ([`service::Around`]); [`service::Wrapped`] is the
//! one `tower::Service` they all make.

use std::time::Duration;

use tower::{
    ServiceBuilder,
    layer::util::{Identity, Stack},
};

pub mod authenticate;
pub mod cache;
pub mod content_type;
pub mod deadline;
pub mod load_shed;
pub mod message_size;
mod places;
pub mod principal_calls;
pub mod recheck;
pub mod reply_cache;
pub mod service;
pub mod streams;
#[cfg(test)]
pub(crate) mod testing;

pub use authenticate::{AuthenticateLayer, Reflection};
pub use cache::CacheLayer;
pub use content_type::ContentTypeLayer;
pub use deadline::DeadlineLayer;
pub use load_shed::LoadShedLayer;
pub use message_size::{MessageSizeLayer, RequestBounds};
pub use principal_calls::PrincipalCalls;
pub use reply_cache::ReplyCache;
pub use streams::{ConnectionStreams, StreamLimitLayer};

use crate::observe::{DeniedLayer, ObserveLayer, Observer};

/// Default `--max-concurrent-calls`. Measured with ghz on loopback against the release build
/// (2 cores): a call costs the server about 0.12 ms of CPU (SearchConcepts, the heaviest common
/// one), and at 1,024 concurrent client calls the server never had more than 2 to 4 in flight (a
/// limit of 4 shed none, 2 shed 0.6 %, 1 shed half). 256 leaves 64 times that headroom for calls
/// that wait, while bounding what in-flight calls hold.
pub const DEFAULT_MAX_CONCURRENT_CALLS: usize = 256;
/// Default `--max-streaming-calls`: a health `Watch` costs the server about 8 KB while open, so
/// 512 hold about 4 MB.
pub const DEFAULT_MAX_STREAMING_CALLS: usize = 512;
/// Default `--max-call-time`.
pub const DEFAULT_MAX_CALL_TIME: Duration = Duration::from_secs(30);
/// Default and highest `--max-message-size`: tonic's own decoding limit, 4 MiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 4 * 1024 * 1024;

/// The per-call limits, from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Calls in flight (health checks not counted) before more are shed.
    pub max_concurrent_calls: usize,
    /// Streaming calls (health `Watch`, reflection) open at once before more are refused.
    pub max_streaming_calls: usize,
    /// The longest any call may run, reply stream included, whatever deadline its caller sets.
    pub max_call_time: Duration,
    /// The largest request message, in bytes (at most [`DEFAULT_MAX_MESSAGE_SIZE`]).
    pub max_message_size: usize,
    /// Calls in flight per authenticated principal, from authentication to the reply's end.
    pub max_calls_per_principal: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_concurrent_calls: DEFAULT_MAX_CONCURRENT_CALLS,
            max_streaming_calls: DEFAULT_MAX_STREAMING_CALLS,
            max_call_time: DEFAULT_MAX_CALL_TIME,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_calls_per_principal: principal_calls::DEFAULT_MAX_CALLS_PER_PRINCIPAL,
        }
    }
}

/// The whole stack as one layer, outermost first.
pub type Middleware = ServiceBuilder<
    Stack<
        ObserveLayer,
        Stack<
            AuthenticateLayer,
            Stack<
                DeniedLayer,
                Stack<
                    DeadlineLayer,
                    Stack<
                        StreamLimitLayer,
                        Stack<
                            LoadShedLayer,
                            Stack<MessageSizeLayer, Stack<ContentTypeLayer, Identity>>,
                        >,
                    >,
                >,
            >,
        >,
    >,
>;

/// Builds the middleware in its written order (see the module documentation). The load-shed
/// and streaming-call limits are shared by every service the returned layer wraps, so build it once per process
/// listener and clone it. `authenticate` carries the principals in force (none: every call
/// passes); calls are observed with `observer`, and `known` names the services routed behind it
/// (other paths are labelled `unknown` in the metrics); `bounds`, where given, holds each
/// method of that service to the largest request it can validly take.
pub fn stack(
    limits: &Limits,
    bounds: Option<RequestBounds>,
    authenticate: AuthenticateLayer,
    observer: &Observer,
    known: &[&'static str],
) -> Middleware {
    let shed = observer.metrics().map(|m| m.shed.clone());
    ServiceBuilder::new()
        .layer(ContentTypeLayer)
        .layer(
            MessageSizeLayer::new(limits.max_message_size.min(DEFAULT_MAX_MESSAGE_SIZE))
                .bounded(bounds),
        )
        .layer(LoadShedLayer::new(limits.max_concurrent_calls).counting(shed.clone()))
        .layer(StreamLimitLayer::new(limits.max_streaming_calls).counting(shed))
        .layer(DeadlineLayer::new(limits.max_call_time))
        .layer(observer.denied_layer())
        .layer(authenticate.knowing(known))
        .layer(ObserveLayer::new(observer.clone(), known))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::middleware::testing::{Echo, grpc_request, grpc_status, request_with};
    use http::StatusCode;
    use tower::ServiceExt as _;

    const CALL: &str = "/llmarket.forecast.v1.ForecastService/ListDatasets";

    fn open() -> AuthenticateLayer {
        AuthenticateLayer::new(None, Reflection::On)
    }

    fn limits(max_concurrent_calls: usize) -> Limits {
        Limits {
            max_concurrent_calls,
            ..Limits::default()
        }
    }

    #[tokio::test]
    async fn content_type_is_checked_before_load_is_shed() {
        let echo = Echo::slow(Duration::from_secs(3600));
        let service =
            stack(&limits(1), None, open(), &Observer::default(), &[]).service(echo.clone());
        let held = tokio::spawn(service.clone().oneshot(grpc_request(CALL)));
        echo.wait_for_calls(1).await;
        let json = request_with(CALL, |r| r.header("content-type", "application/json"));
        let response = service.clone().oneshot(json).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let response = service.oneshot(grpc_request(CALL)).await.unwrap();
        assert_eq!(grpc_status(&response).0, tonic::Code::ResourceExhausted);
        held.abort();
    }

    #[tokio::test]
    async fn under_load_a_call_refused_on_its_headers_gets_its_own_code() {
        // Shedding counts a call once its whole request has arrived, so a call that a later
        // layer refuses on its headers alone never takes a place and gets that layer's code.
        let echo = Echo::slow(Duration::from_secs(3600));
        let service =
            stack(&limits(1), None, open(), &Observer::default(), &[]).service(echo.clone());
        let held = tokio::spawn(service.clone().oneshot(grpc_request(CALL)));
        echo.wait_for_calls(1).await;
        let bad_deadline = request_with(CALL, |r| {
            r.header("content-type", "application/grpc")
                .header("grpc-timeout", "never")
        });
        let response = service.clone().oneshot(bad_deadline).await.unwrap();
        assert_eq!(grpc_status(&response).0, tonic::Code::InvalidArgument);
        let response = service.oneshot(grpc_request(CALL)).await.unwrap();
        assert_eq!(grpc_status(&response).0, tonic::Code::ResourceExhausted);
        held.abort();
    }

    #[tokio::test]
    async fn a_good_call_passes_every_layer() {
        let echo = Echo::default();
        let service = stack(&Limits::default(), None, open(), &Observer::default(), &[])
            .service(echo.clone());
        let response = service.oneshot(grpc_request(CALL)).await.unwrap();
        assert_eq!(grpc_status(&response).0, tonic::Code::Ok);
        assert_eq!(echo.finished(), 1);
    }
}
