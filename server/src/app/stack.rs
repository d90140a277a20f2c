//! The one written order of the layers every call passes through, and [`serve`], which puts
//! them around a service's routes and hands the result to the serving runtime.

use std::time::Duration;

use llmarket_serving::{
    self as serving, ConnectionService, ConnectionWatch, LameDuck, Readiness, Routed, ServeError,
    ServiceRoutes,
    budget::ProcessBudget,
    middleware::{
        CacheLayer, ContentTypeLayer, DEFAULT_MAX_MESSAGE_SIZE, DeadlineLayer, LoadShedLayer,
        MessageSizeLayer, ReplyCache, RequestBounds, ShedCounter, StreamLimitLayer,
    },
    tls::ServerTls,
    web::CorsOrigins,
};
use tokio::net::TcpListener;
use tower::{
    ServiceBuilder,
    layer::util::{Identity, Stack},
};

use crate::{
    auth::{
        AuthenticateLayer, Reflection, SharedPrincipals,
        principal_calls::{DEFAULT_MAX_CALLS_PER_PRINCIPAL, PrincipalCalls},
    },
    observe::{DeniedLayer, ObserveLayer, Observer},
};

pub use llmarket_serving::middleware::Limits;

/// How [`serve`] holds connections, admits and observes callers, and shuts down.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Limits on connections (their number, streams, timers).
    pub connections: serving::ConnectionLimits,
    /// How long in-flight calls may run after shutdown begins.
    pub grace: Duration,
    /// Limits on each call (load shed, deadline, message size), enforced by the middleware.
    pub calls: Limits,
    /// The principals in force (`--auth-file`); none: every caller may read everything.
    pub auth: Option<SharedPrincipals>,
    /// Calls one principal may have in flight on a listener (`--max-calls-per-principal`).
    pub max_calls_per_principal: usize,
    /// The process's budget for unsent replies and open calls, shared by every listener given a
    /// clone.
    pub budget: ProcessBudget,
    /// Who may use server reflection.
    pub reflection: Reflection,
    /// How calls are observed (metrics, access log, traces); the default observes nothing.
    pub observer: Observer,
    /// Where the admin listener's `/readyz` learns that this service is serving.
    pub readiness: Readiness,
    /// TLS (and mutual TLS) on every connection; plaintext HTTP/2 without.
    pub tls: Option<ServerTls>,
    /// Once entered, health and readiness say NOT_SERVING while calls are still served.
    pub lame_duck: LameDuck,
    /// The browser origins allowed to call across origins (`--cors-origin`); none: CORS is off.
    pub cors: CorsOrigins,
    /// The encoded replies of repeated read calls (`--reply-cache`), shared by every listener
    /// given a clone; whoever reloads the data must [`invalidate`](ReplyCache::invalidate) it.
    pub replies: ReplyCache,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            connections: serving::ConnectionLimits::default(),
            grace: serving::DEFAULT_SHUTDOWN_GRACE,
            calls: Limits::default(),
            auth: None,
            max_calls_per_principal: DEFAULT_MAX_CALLS_PER_PRINCIPAL,
            budget: ProcessBudget::default(),
            reflection: Reflection::On,
            observer: Observer::default(),
            readiness: Readiness::default(),
            tls: None,
            lame_duck: LameDuck::default(),
            cors: CorsOrigins::default(),
            replies: ReplyCache::default(),
        }
    }
}

/// Serves `service`, health and reflection on `listener` until `shutdown` completes, then
/// drains (see [`llmarket_serving::serve`]), every call passing through [`stack`].
pub async fn serve(
    listener: TcpListener,
    service: ServiceRoutes,
    shutdown: impl Future<Output = ()> + Send + 'static,
    options: ServeOptions,
) -> Result<(), ServeError> {
    let connection_watch: Option<ConnectionWatch> = options.observer.metrics().map(|metrics| {
        let metrics = metrics.clone();
        let watch: ConnectionWatch = std::sync::Arc::new(move |name, permits, cap| {
            metrics.runtime.watch_connections(name, permits, cap);
        });
        watch
    });
    let serving = serving::ServeOptions {
        connections: options.connections,
        grace: options.grace,
        reflection: options.reflection != Reflection::Off,
        readiness: options.readiness.clone(),
        tls: options.tls.clone(),
        lame_duck: options.lame_duck.clone(),
        connection_watch,
        budget: options.budget.clone(),
    };
    serving::serve(listener, service, shutdown, serving, |routed| {
        stack(routed, &options)
    })
    .await
}

/// The stack around a service's routes, the one place its order is written, outermost first:
///
/// 1. **CORS**, only for the origins of `--cors-origin` ([`llmarket_serving::web`]): it answers
///    preflights before anything else looks at them (the content type check would refuse an
///    `OPTIONS` without one), and lets the allowed origins read every answer, errors included;
/// 2. **gRPC-Web → gRPC** (tonic-web): a gRPC-Web request becomes a gRPC request here and its
///    answer gRPC-Web again, so everything inside sees and counts plain gRPC; any other
///    HTTP/1.1 request gets 400;
/// 3. **content type**: not gRPC → HTTP 415, and nothing else runs;
/// 4. **message size**: a request message over `--max-message-size`, or over the bound its
///    method declares → RESOURCE_EXHAUSTED as soon as its length prefix arrives;
/// 5. **load shed**: past `--max-concurrent-calls` in flight → RESOURCE_EXHAUSTED at once, never
///    queued; health is exempt. A call is counted from the end of its request body, so a client
///    that stalls its body holds no place (the deadline bounds it instead);
/// 6. **streaming calls**: health `Watch`, reflection streams and watches
///    (`llmarket.watch.v2.WatchService/Watch`, routed beside each service) past
///    `--max-streaming-calls` on the listener or `--max-streaming-calls-per-connection` on their
///    connection → RESOURCE_EXHAUSTED at once; each holds its places until its stream ends;
/// 7. **deadline**: the earlier of `grpc-timeout` and `--max-call-time`, then DEADLINE_EXCEEDED,
///    reply streams included; a malformed `grpc-timeout` → INVALID_ARGUMENT;
/// 8. **denied calls counted** ([`DeniedLayer`]): the calls the next layer refuses, by code;
/// 9. **authentication and quotas** ([`AuthenticateLayer`]): with a principals file, a call
///    without a known credential → UNAUTHENTICATED, past its principal's quota →
///    RESOURCE_EXHAUSTED with a retry hint; the caller goes into the request's extensions for
///    the services' grant checks, with the scope the reply cache keys on;
/// 10. **metrics, access log and trace span** ([`ObserveLayer`]);
/// 11. **reply cache**: a repeated call to a method the contract declares cacheable (unary,
///     `idempotency_level = NO_SIDE_EFFECTS`) of a service the listener routes (v1 and v2) is
///     answered with its kept encoded reply (keyed on method, request, the caller's scope and
///     the data version); watches, health and reflection pass through;
/// 12. the routes: the service, the services beside it (contract v2, the watch service), health
///     and reflection, where the codec answers INVALID_ARGUMENT to an undecodable message.
///
/// A watch is a call like any other: shed only while its first reply is made, ended by the
/// deadline, counted in its principal's calls until its stream ends, and in the process's
/// `--max-streams-total` by the connection.
///
/// Shedding comes before the deadline so a shed call costs no timer; the deadline comes before
/// authentication so a slow credential check is bounded too.
pub fn stack(routed: Routed, options: &ServeOptions) -> impl ConnectionService {
    let authenticate = AuthenticateLayer::new(options.auth.clone(), options.reflection)
        .limiting(PrincipalCalls::new(options.max_calls_per_principal));
    // Every service a listener routes answers from the same data; the contract says which of
    // their methods may be kept (health, reflection and watches are not).
    let cached = routed.data.map(|data| (routed.known.as_slice(), data));
    let calls = calls(
        &options.calls,
        &routed.bounds,
        authenticate,
        &options.observer,
        &routed.known,
    )
    .layer(CacheLayer::new(options.replies.clone(), cached))
    .service(routed.routes);
    ServiceBuilder::new()
        .option_layer(options.cors.layer())
        .layer(tonic_web::GrpcWebLayer::new())
        .service(calls)
}

/// The per-call layers as one layer, outermost first.
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

/// Builds the per-call layers in their written order (see [`stack`]). The load-shed
/// and streaming-call limits are shared by every service the returned layer wraps, so build it once per process
/// listener and clone it. `authenticate` carries the principals in force (none: every call
/// passes); calls are observed with `observer`, and `known` names the services routed behind it
/// (other paths are labelled `unknown` in the metrics); `bounds` holds each method of the
/// services they name to the largest request it can validly take.
pub fn calls(
    limits: &Limits,
    bounds: &[RequestBounds],
    authenticate: AuthenticateLayer,
    observer: &Observer,
    known: &[&'static str],
) -> Middleware {
    let shed = observer.metrics().map(|m| {
        let shed = m.shed.clone();
        ShedCounter::new(move || {
            shed.inc();
        })
    });
    ServiceBuilder::new()
        .layer(ContentTypeLayer)
        .layer(
            MessageSizeLayer::new(limits.max_message_size.min(DEFAULT_MAX_MESSAGE_SIZE))
                .bounded(bounds.iter().copied()),
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
    use http::StatusCode;
    use llmarket_serving::middleware::testing::{Echo, grpc_request, grpc_status, request_with};
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
            calls(&limits(1), &[], open(), &Observer::default(), &[]).service(echo.clone());
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
            calls(&limits(1), &[], open(), &Observer::default(), &[]).service(echo.clone());
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
        let service =
            calls(&Limits::default(), &[], open(), &Observer::default(), &[]).service(echo.clone());
        let response = service.oneshot(grpc_request(CALL)).await.unwrap();
        assert_eq!(grpc_status(&response).0, tonic::Code::Ok);
        assert_eq!(echo.finished(), 1);
    }
}
