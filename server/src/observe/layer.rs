//! The metrics and access-log layer, innermost before the service: counts each call in the
//! grpc-ecosystem metrics, writes its access line, and records its server span: a `tracing`
//! span of target [`RPC_TARGET`] that `tracing-opentelemetry` exports, its parent the W3C trace
//! context in `traceparent`. The code is read where gRPC puts it: the response headers
//! of a trailers-only answer, else the trailers at the end of the body; a call dropped before
//! its answer ended is DeadlineExceeded when its deadline had passed, else Canceled.

use std::{
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Instant,
};

use http::{HeaderMap, Request, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use opentelemetry::trace::{Status, TraceContextExt as _, TraceId};
use tonic::{Code, body::Body};
use tower::{Layer, Service};
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use super::{
    access_log::{self, AccessLog, CallRecord},
    methods::{MethodMetrics, Methods},
    observer::Observer,
    trace_context,
};
use crate::auth::{Caller, Principal};
use llmarket_serving::{
    middleware::{
        deadline::CallDeadline,
        on_reply::{OnReply, OnReplyFuture},
    },
    peer::Peer,
};

/// The `tracing` target of server spans: only the OpenTelemetry layer records them (log
/// lines do not show them).
pub const RPC_TARGET: &str = "llmarket::rpc";

/// Layer that observes every call of the services it wraps.
#[derive(Debug, Clone)]
pub struct ObserveLayer {
    observer: Observer,
    methods: Option<Arc<Methods>>,
}

impl ObserveLayer {
    /// Observes calls with `observer`; `known` names the services routed behind it (calls to
    /// other paths are counted as `unknown`, so a caller cannot grow the metrics without bound).
    pub fn new(observer: Observer, known: &[&'static str]) -> Self {
        let methods = observer
            .metrics()
            .map(|metrics| Arc::new(Methods::new(metrics.clone(), known.into())));
        Self { observer, methods }
    }
}

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;
    fn layer(&self, inner: S) -> Self::Service {
        Observe {
            inner,
            layer: self.clone(),
        }
    }
}

/// Service made by [`ObserveLayer`]: `inner`, every call observed.
#[derive(Debug, Clone)]
pub struct Observe<S> {
    inner: S,
    layer: ObserveLayer,
}

/// The gRPC code in `headers`, when there is one.
fn code_in(headers: &HeaderMap) -> Option<Code> {
    headers
        .get("grpc-status")
        .map(|v| Code::from_bytes(v.as_bytes()))
}

/// One call being observed; finishing it (or dropping it) records it once.
pub struct Call {
    observer: Observer,
    methods: Option<Arc<Methods>>,
    method: Option<Arc<MethodMetrics>>,
    /// The request path, kept only where the method's labels do not tell it.
    path: Option<Box<str>>,
    start: Instant,
    peer: Option<Arc<Peer>>,
    /// The caller access control named (the authentication layer's [`Caller`]), if any.
    principal: Option<Arc<Principal>>,
    deadline: Option<tokio::time::Instant>,
    /// The trace the call belongs to, for its access line; worked out only when a line is written.
    trace: Option<TraceOf>,
    /// The server span, when spans are exported; closed when the call is recorded.
    span: Option<tracing::Span>,
    done: bool,
}

/// The W3C header naming a call's parent.
const TRACEPARENT: &str = "traceparent";

/// What names a call's trace: its exported span's id, or its `traceparent` header (kept as
/// sent, parsed only if the call's access line is written: most calls write none).
enum TraceOf {
    Span(TraceId),
    Header(Option<http::HeaderValue>),
}

impl TraceOf {
    /// The trace id: the span's, else the parent's, else a new one.
    fn id(self) -> TraceId {
        match self {
            Self::Span(id) => id,
            Self::Header(header) => {
                let mut headers = http::HeaderMap::new();
                if let Some(value) = header {
                    headers.insert(TRACEPARENT, value);
                }
                trace_context::remote(&trace_context::parent(&headers))
                    .map_or_else(trace_context::new_trace_id, |parent| parent.trace_id())
            }
        }
    }
}

impl Call {
    fn finish(&mut self, code: Code) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        let latency = self.start.elapsed();
        if let (Some(methods), Some(method)) = (&self.methods, &self.method) {
            let metrics = methods.metrics();
            metrics.in_flight.dec();
            let method = if code == Code::Unimplemented {
                methods.unknown()
            } else {
                method
            };
            method.handling.observe(latency.as_secs_f64());
            if method.labels.grpc_type == "unary" && code != Code::Unimplemented {
                method.received.inc();
                if code == Code::Ok {
                    method.sent.inc();
                }
            }
            method.count_handled(metrics, code);
        }
        let observer = &self.observer;
        if observer.access().logs(code, latency) {
            let trace_id = self.trace.take().map(|trace| trace.id().to_string());
            let path = match (&self.path, &self.method) {
                (Some(path), _) => path.to_string(),
                (None, Some(method)) => {
                    format!(
                        "/{}/{}",
                        method.labels.grpc_service, method.labels.grpc_method
                    )
                }
                (None, None) => String::new(),
            };
            access_log::write(&CallRecord {
                path: &path,
                code,
                latency,
                peer: self.peer.as_ref().and_then(|p| p.addr),
                principal: self.principal.as_ref().map(|p| p.name.as_str()),
                trace_id: trace_id.as_deref(),
            });
        }
        if let Some(span) = self.span.take() {
            span.record("rpc.grpc.status_code", i64::from(i32::from(code)));
            if is_server_error(code) {
                span.set_status(Status::error(format!("{code:?}")));
            }
            // Dropping the last handle ends the span.
        }
    }

    /// The code of a call that ended without telling us one.
    fn lost_code(&self) -> Code {
        let now = tokio::time::Instant::now();
        match self.deadline {
            Some(deadline) if now >= deadline => Code::DeadlineExceeded,
            Some(_) | None => Code::Cancelled,
        }
    }
}

/// Whether OpenTelemetry's gRPC conventions count `code` as a server span error.
fn is_server_error(code: Code) -> bool {
    matches!(
        code,
        Code::Unknown
            | Code::DeadlineExceeded
            | Code::Unimplemented
            | Code::Internal
            | Code::Unavailable
            | Code::DataLoss
    )
}

/// The server span of a call to `service`/`method` from `peer`, its parent the context of
/// `headers` (W3C `traceparent`).
fn server_span(
    headers: &HeaderMap,
    service: &str,
    method: &str,
    peer: Option<std::net::SocketAddr>,
) -> tracing::Span {
    let span = tracing::info_span!(
        target: RPC_TARGET,
        "rpc",
        otel.name = %format_args!("{service}/{method}"),
        otel.kind = "server",
        rpc.system = "grpc",
        rpc.service = service,
        rpc.method = method,
        rpc.grpc.status_code = Empty,
        client.address = Empty,
        client.port = Empty,
    );
    if let Some(peer) = peer {
        span.record("client.address", peer.ip().to_string());
        span.record("client.port", i64::from(peer.port()));
    }
    // An error only says no OpenTelemetry layer is installed (nothing is exported then).
    let _ = span.set_parent(trace_context::parent(headers));
    span
}

/// `rpc.service` and `rpc.method` of a call, from its method's labels or its path.
fn split_path(path: Option<&str>, method: Option<&MethodMetrics>) -> (String, String) {
    if let Some(method) = method.filter(|m| m.labels.grpc_service != "unknown") {
        return (
            method.labels.grpc_service.clone(),
            method.labels.grpc_method.clone(),
        );
    }
    let (service, method) = path
        .and_then(|p| p.strip_prefix('/'))
        .and_then(|p| p.split_once('/'))
        .unwrap_or(("unknown", "unknown"));
    (service.to_owned(), method.to_owned())
}

impl Drop for Call {
    fn drop(&mut self) {
        if !self.done {
            let code = self.lost_code();
            self.finish(code);
        }
    }
}

impl ObserveLayer {
    /// The record of a call to `request`, started now; none when nothing is observed.
    fn start<B>(&self, request: &Request<B>) -> Option<Call> {
        if self.observer.is_off() {
            return None;
        }
        let path = request.uri().path();
        let method = self.methods.as_ref().map(|methods| {
            let method = methods.of(path);
            method.started.inc();
            methods.metrics().in_flight.inc();
            method
        });
        let named = method
            .as_ref()
            .is_some_and(|m| m.labels.grpc_service != "unknown");
        let extensions = request.extensions();
        let peer = extensions.get::<Arc<Peer>>().cloned();
        let span = self.observer.exports_spans().then(|| {
            let (service, method) = split_path(Some(path), method.as_deref());
            server_span(
                request.headers(),
                &service,
                &method,
                peer.as_ref().and_then(|p| p.addr),
            )
        });
        // The access line names the trace: the span's, else the parent's, else a new one.
        let trace = (self.observer.access().level != AccessLog::Off).then(|| {
            span.as_ref()
                .map(|span| span.context().span().span_context().trace_id())
                .filter(|id| *id != TraceId::INVALID)
                .map_or_else(
                    || TraceOf::Header(request.headers().get(TRACEPARENT).cloned()),
                    TraceOf::Span,
                )
        });
        let path = (!named).then(|| Box::<str>::from(path));
        Some(Call {
            observer: self.observer.clone(),
            methods: self.methods.clone(),
            method,
            path,
            start: Instant::now(),
            peer,
            principal: extensions.get::<Caller>().map(|c| c.principal.clone()),
            deadline: extensions.get::<CallDeadline>().map(|d| d.0),
            trace,
            span,
            done: false,
        })
    }
}

impl<S, B> Service<Request<B>> for Observe<S>
where
    S: Service<Request<B>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = OnReplyFuture<S::Future, Call>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let record = self.layer.start(&request);
        OnReplyFuture::new(self.inner.call(request), record)
    }
}

/// The call is recorded when its answer carries its code, else when its reply ends (a call
/// whose service fails, or that is dropped first, is recorded as lost when its record drops).
impl OnReply for Call {
    fn on_reply(mut self, reply: Response<Body>) -> Response<Body> {
        if let Some(code) = code_in(reply.headers()) {
            self.finish(code);
            return reply;
        }
        reply.map(|inner| Body::new(Watched { inner, call: self }))
    }
}

/// A response body that records its call when its trailers (and code) arrive or it ends.
struct Watched {
    inner: Body,
    call: Call,
}

impl HttpBody for Watched {
    type Data = bytes::Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(trailers) = frame.trailers_ref() {
                    this.call.finish(code_in(trailers).unwrap_or(Code::Unknown));
                }
            }
            Poll::Ready(Some(Err(status))) => this.call.finish(status.code()),
            Poll::Ready(None) => this.call.finish(Code::Unknown),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tower::ServiceExt as _;

    use super::*;
    use llmarket_serving::middleware::{
        Limits,
        testing::{Echo, grpc_request, grpc_status},
    };

    use crate::{
        app::stack::{Middleware, calls},
        auth::{AuthenticateLayer, Reflection},
        observe::{AccessLog, AccessPolicy, Metrics},
    };

    const SERVICE: &str = "llmarket.forecast.v1.ForecastService";

    fn observed() -> (Arc<Metrics>, Observer) {
        let metrics = Arc::new(Metrics::new());
        let observer = Observer::new(
            Some(metrics.clone()),
            AccessPolicy::at(AccessLog::All),
            false,
        );
        (metrics, observer)
    }

    /// The whole middleware, without credentials, observed by `observer`, around `echo`.
    fn stacked(
        limits: &Limits,
        observer: &Observer,
        echo: Echo,
    ) -> <Middleware as Layer<Echo>>::Service {
        calls(
            limits,
            &[],
            AuthenticateLayer::new(None, Reflection::On),
            observer,
            &[SERVICE],
        )
        .service(echo)
    }

    fn handled(metrics: &Metrics, service: &str, method: &str, code: Code) -> u64 {
        metrics
            .handled
            .get_or_create(&crate::observe::metrics::CodeLabels {
                grpc_type: "unary",
                grpc_service: service.to_owned(),
                grpc_method: method.to_owned(),
                grpc_code: crate::observe::metrics::code_label(code),
            })
            .get()
    }

    #[tokio::test]
    async fn a_call_is_started_handled_and_timed_under_its_method() {
        let (metrics, observer) = observed();
        let service = stacked(&Limits::default(), &observer, Echo::default());
        let path = format!("/{SERVICE}/GetSeries");
        for _ in 0..3 {
            let response = service.clone().oneshot(grpc_request(&path)).await.unwrap();
            assert_eq!(grpc_status(&response).0, Code::Ok);
        }
        assert_eq!(handled(&metrics, SERVICE, "GetSeries", Code::Ok), 3);
        let method = crate::observe::metrics::MethodLabels {
            grpc_type: "unary",
            grpc_service: SERVICE.to_owned(),
            grpc_method: "GetSeries".to_owned(),
        };
        assert_eq!(metrics.started.get_or_create(&method).get(), 3);
        assert_eq!(metrics.received.get_or_create(&method).get(), 3);
        assert_eq!(metrics.sent.get_or_create(&method).get(), 3);
        assert_eq!(metrics.in_flight.get(), 0);
        let text = metrics.encode();
        assert!(text.contains("grpc_server_handling_seconds_count{grpc_type=\"unary\",grpc_service=\"llmarket.forecast.v1.ForecastService\",grpc_method=\"GetSeries\"} 3"), "{text}");
    }

    #[tokio::test]
    async fn a_call_past_its_deadline_is_handled_as_deadline_exceeded() {
        let limits = Limits {
            max_call_time: Duration::from_millis(20),
            ..Limits::default()
        };
        let (metrics, observer) = observed();
        let service = stacked(&limits, &observer, Echo::slow(Duration::from_secs(3600)));
        let response = service
            .oneshot(grpc_request(&format!("/{SERVICE}/GetSeries")))
            .await
            .unwrap();
        assert_eq!(grpc_status(&response).0, Code::DeadlineExceeded);
        assert_eq!(
            handled(&metrics, SERVICE, "GetSeries", Code::DeadlineExceeded),
            1
        );
        assert_eq!(metrics.in_flight.get(), 0);
    }

    #[tokio::test]
    async fn calls_to_services_not_routed_are_labelled_unknown() {
        let (metrics, observer) = observed();
        let service = stacked(&Limits::default(), &observer, Echo::default());
        for path in ["/evil.Service/One", "/evil.Service/Two", "/nonsense"] {
            service.clone().oneshot(grpc_request(path)).await.unwrap();
        }
        assert_eq!(handled(&metrics, "unknown", "unknown", Code::Ok), 3);
    }

    #[tokio::test]
    async fn with_nothing_observed_calls_pass_untouched() {
        let service = stacked(&Limits::default(), &Observer::default(), Echo::default());
        let response = service
            .oneshot(grpc_request(&format!("/{SERVICE}/GetSeries")))
            .await
            .unwrap();
        assert_eq!(grpc_status(&response).0, Code::Ok);
    }
}
