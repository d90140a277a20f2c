//! Test helpers for the layers: a stub inner service that counts its calls, requests, bodies, and
//! the gRPC status of a response.

use std::{
    collections::VecDeque,
    convert::Infallible,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use bytes::Bytes;
use http::{Request, Response, header::CONTENT_TYPE, request::Builder};
use http_body::Frame;
use http_body_util::BodyExt as _;
use tokio::sync::watch;
use tonic::body::Body;
use tower::Service;

/// A stub service answering OK after `delay`, counting calls arrived, finished and dropped.
#[derive(Debug, Clone)]
pub struct Echo {
    delay: Duration,
    arrived: Arc<watch::Sender<usize>>,
    finished: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
}

impl Default for Echo {
    fn default() -> Self {
        Self::slow(Duration::ZERO)
    }
}

/// Counts a dropped handler future unless it finished.
struct DropGuard {
    dropped: Arc<AtomicUsize>,
    done: bool,
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if !self.done {
            self.dropped.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Echo {
    /// A stub whose calls take `delay`.
    pub fn slow(delay: Duration) -> Self {
        Self {
            delay,
            arrived: Arc::new(watch::channel(0).0),
            finished: Arc::default(),
            dropped: Arc::default(),
        }
    }
    /// Calls that reached the stub's handler (after their whole request arrived).
    pub fn calls(&self) -> usize {
        *self.arrived.borrow()
    }
    /// Calls that ran to the end.
    pub fn finished(&self) -> usize {
        self.finished.load(Ordering::SeqCst)
    }
    /// Calls whose future was dropped before the end.
    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }
    /// Waits until `n` calls have reached the stub's handler.
    pub async fn wait_for_calls(&self, n: usize) {
        let mut rx = self.arrived.subscribe();
        rx.wait_for(|c| *c >= n).await.unwrap();
    }
}

impl<B> Service<Request<B>> for Echo
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<tonic::codegen::StdError>,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let (delay, finished, arrived) = (self.delay, self.finished.clone(), self.arrived.clone());
        let guard = DropGuard {
            dropped: self.dropped.clone(),
            done: false,
        };
        Box::pin(async move {
            let mut guard = guard;
            // Like tonic, read the whole request before handling it.
            if let Err(error) = request.into_body().collect().await {
                return Ok(tonic::Status::from_error(error.into()).into_http());
            }
            arrived.send_modify(|c| *c += 1);
            tokio::time::sleep(delay).await;
            guard.done = true;
            finished.fetch_add(1, Ordering::SeqCst);
            Ok(tonic::Status::ok("").into_http())
        })
    }
}

/// A gRPC request to `path`, shaped further by `build`.
pub fn request_with(path: &str, build: impl FnOnce(Builder) -> Builder) -> Request<Body> {
    build(Request::builder().method("POST").uri(path))
        .body(Body::empty())
        .unwrap()
}

/// A request to `path` whose body never ends.
pub fn stalled_request(path: &str) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri(path)
        .body(Body::new(Stalled))
        .unwrap()
}

struct Stalled;

impl http_body::Body for Stalled {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Pending
    }
}

/// A gRPC request to `path` with the gRPC content type.
pub fn grpc_request(path: &str) -> Request<Body> {
    request_with(path, |r| r.header(CONTENT_TYPE, "application/grpc"))
}

/// The gRPC status code and message a (trailers-only) response carries.
pub fn grpc_status(response: &Response<Body>) -> (tonic::Code, String) {
    let status = tonic::Status::from_header_map(response.headers()).unwrap();
    (status.code(), status.message().to_owned())
}

/// What a client decodes of a RESOURCE_EXHAUSTED refusal ([`crate::refusal`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The status code.
    pub code: tonic::Code,
    /// The `google.rpc.RetryInfo` delay, if any.
    pub retry_delay: Option<Duration>,
    /// The `google.rpc.ErrorInfo` reason (its domain checked), or empty.
    pub reason: String,
    /// The `grpc-retry-pushback-ms` value, or empty.
    pub pushback: String,
}

/// Decodes `status` as a client would: its details and its pushback trailer.
pub fn refusal(status: &tonic::Status) -> Refusal {
    use tonic_types::StatusExt as _;
    let reason = status.get_details_error_info().map(|e| {
        assert_eq!(e.domain, crate::refusal::DOMAIN, "{status:?}");
        e.reason
    });
    Refusal {
        code: status.code(),
        retry_delay: status.get_details_retry_info().and_then(|r| r.retry_delay),
        reason: reason.unwrap_or_default(),
        pushback: status
            .metadata()
            .get(crate::refusal::PUSHBACK)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    }
}

/// The refusal a response carries in its headers (a call refused before the service).
pub fn response_refusal(response: &Response<Body>) -> Refusal {
    refusal(&tonic::Status::from_header_map(response.headers()).unwrap())
}

/// `message` framed as one uncompressed gRPC message.
pub fn frame(message: &[u8]) -> Vec<u8> {
    let mut wire = vec![0];
    wire.extend(u32::try_from(message.len()).unwrap().to_be_bytes());
    wire.extend(message);
    wire
}

/// A body that yields `chunks` one data frame each.
pub fn chunked(chunks: Vec<Vec<u8>>) -> Body {
    Body::new(Chunks(chunks.into_iter().map(Bytes::from).collect()))
}

struct Chunks(VecDeque<Bytes>);

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.0.pop_front().map(|d| Ok(Frame::data(d))))
    }
}
