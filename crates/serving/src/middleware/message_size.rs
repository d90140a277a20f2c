//! Request messages over the size limit fail with RESOURCE_EXHAUSTED, as gRPC's status code
//! document says ("sent or received message was larger than configured limit").
//!
//! tonic checks the same limit itself but answers OUT_OF_RANGE. This layer reads each message's
//! 5-byte length prefix as the body streams in and fails the body with RESOURCE_EXHAUSTED as soon
//! as a prefix announces more than the limit, before the message is buffered. tonic turns a body
//! error that is a [`Status`] into that status, so the caller sees ours. The limit must not be above
//! tonic's own decoding limit (4 MiB by default), or tonic's check would answer first.

use std::{
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use bytes::{Buf as _, Bytes};
use http::{Request, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use tonic::{Status, body::Body};
use tower::{Layer, Service};

/// Length of the gRPC message prefix: a compressed flag and a big-endian u32 length.
const PREFIX_LEN: usize = 5;

/// The largest request message each method of one service can validly take, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestBounds {
    /// The fully qualified service name, e.g. `llmarket.taxonomy.v1.TaxonomyService`.
    pub service: &'static str,
    /// The bound of every method not in `methods`.
    pub default: usize,
    /// Methods with a bound of their own: (method name, bytes).
    pub methods: &'static [(&'static str, usize)],
}

impl RequestBounds {
    /// The bound of the method `path` (`/{service}/{method}`) calls; `None` for another service.
    pub fn of(&self, path: &str) -> Option<usize> {
        let method = path
            .strip_prefix('/')?
            .strip_prefix(self.service)?
            .strip_prefix('/')?;
        Some(
            self.methods
                .iter()
                .find(|(name, _)| *name == method)
                .map_or(self.default, |(_, bound)| *bound),
        )
    }

    /// The largest bound of any method: the most a request of this service may decompress to.
    pub fn largest(&self) -> usize {
        self.methods
            .iter()
            .map(|(_, bound)| *bound)
            .fold(self.default, usize::max)
    }
}

/// Layer that fails request bodies carrying a message over `limit` bytes, or over the bound of
/// the method called where its service declares [`RequestBounds`].
#[derive(Debug, Clone)]
pub struct MessageSizeLayer {
    limit: usize,
    bounds: Arc<[RequestBounds]>,
}

impl MessageSizeLayer {
    /// Messages of more than `limit` bytes (after the prefix) are refused.
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            bounds: Arc::default(),
        }
    }

    /// Calls to a method one of `bounds` (one per service) declares are held to its bound too,
    /// when that is lower.
    pub fn bounded(self, bounds: impl IntoIterator<Item = RequestBounds>) -> Self {
        Self {
            bounds: bounds.into_iter().collect(),
            ..self
        }
    }
}

impl<S> Layer<S> for MessageSizeLayer {
    type Service = MessageSize<S>;
    fn layer(&self, inner: S) -> Self::Service {
        MessageSize {
            inner,
            limit: self.limit,
            bounds: Arc::clone(&self.bounds),
        }
    }
}

/// Service made by [`MessageSizeLayer`]; it hands the inner service a [`tonic::body::Body`].
#[derive(Debug, Clone)]
pub struct MessageSize<S> {
    inner: S,
    limit: usize,
    bounds: Arc<[RequestBounds]>,
}

impl<S, B> Service<Request<B>> for MessageSize<S>
where
    S: Service<Request<Body>, Response = Response<Body>>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<tonic::codegen::StdError>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let path = request.uri().path();
        let bound = self.bounds.iter().find_map(|b| b.of(path));
        let limit = bound.map_or(self.limit, |bound| bound.min(self.limit));
        self.inner.call(request.map(|body| {
            Body::new(Limited {
                inner: Body::new(body),
                limit,
                scan: Scan::Prefix {
                    read: 0,
                    bytes: [0; PREFIX_LEN],
                },
                messages: 0,
                one_message: bound.is_some(),
            })
        }))
    }
}

/// Where the scan of the gRPC framing stands.
#[derive(Debug, Clone, Copy)]
enum Scan {
    /// Reading a prefix: `read` of its 5 bytes seen so far.
    Prefix {
        read: usize,
        bytes: [u8; PREFIX_LEN],
    },
    /// Inside a message: this many bytes of it still to pass.
    Message(usize),
    /// A message over the limit was announced; the body is failed.
    Refused,
}

/// A request body that checks each message's announced length against the limit.
struct Limited {
    inner: Body,
    limit: usize,
    scan: Scan,
    /// Messages whose prefix has arrived.
    messages: usize,
    /// The method takes exactly one message: a body without one is refused.
    one_message: bool,
}

impl Limited {
    /// Follows the framing through `data`; the status when a prefix announces too much.
    fn check(&mut self, data: &Bytes) -> Result<(), Status> {
        let mut rest = data.clone();
        while rest.has_remaining() {
            match &mut self.scan {
                Scan::Refused => break,
                Scan::Message(left) => {
                    let step = (*left).min(rest.remaining());
                    rest.advance(step);
                    *left -= step;
                    if *left == 0 {
                        self.scan = Scan::Prefix {
                            read: 0,
                            bytes: [0; PREFIX_LEN],
                        };
                    }
                }
                Scan::Prefix { read, bytes } => {
                    let step = (PREFIX_LEN - *read).min(rest.remaining());
                    bytes[*read..*read + step].copy_from_slice(&rest[..step]);
                    rest.advance(step);
                    *read += step;
                    if *read == PREFIX_LEN {
                        self.messages += 1;
                        let len = u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
                        let len = usize::try_from(len).unwrap_or(usize::MAX);
                        if len > self.limit {
                            self.scan = Scan::Refused;
                            return Err(crate::refusal::no_retry(
                                "MESSAGE_TOO_LARGE",
                                format!(
                                    "request message of {len} bytes is over the limit of {} bytes",
                                    self.limit
                                ),
                            ));
                        }
                        self.scan = if len == 0 {
                            Scan::Prefix {
                                read: 0,
                                bytes: [0; PREFIX_LEN],
                            }
                        } else {
                            Scan::Message(len)
                        };
                    }
                }
            }
        }
        Ok(())
    }
}

impl Limited {
    /// The status when the body ended where a well-formed request cannot.
    fn at_end(&self) -> Result<(), Status> {
        match self.scan {
            Scan::Message(left) => Err(Status::invalid_argument(format!(
                "the request body ended inside a message, {left} bytes short of its length prefix"
            ))),
            Scan::Prefix { read, .. } if read > 0 => Err(Status::invalid_argument(format!(
                "the request body ended inside a message prefix ({read} of its {PREFIX_LEN} bytes)"
            ))),
            _ if self.one_message && self.messages == 0 => Err(Status::invalid_argument(
                "the request has no message; this method takes exactly one",
            )),
            _ => Ok(()),
        }
    }
}

impl HttpBody for Limited {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        if matches!(self.scan, Scan::Refused) {
            return Poll::Ready(None);
        }
        let frame = match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => frame,
            Poll::Ready(None) => return Poll::Ready(self.at_end().err().map(Err)),
            other => return other,
        };
        if let Some(data) = frame.data_ref()
            && let Err(status) = self.check(data)
        {
            return Poll::Ready(Some(Err(status)));
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.scan, Scan::Refused) || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::testing::{chunked, frame, refusal};
    use http_body_util::BodyExt as _;

    /// Streams `chunks` through a [`Limited`] body; the first error, if any.
    async fn scan(limit: usize, chunks: Vec<Vec<u8>>) -> Result<usize, Status> {
        let mut body = Limited {
            inner: chunked(chunks),
            limit,
            scan: Scan::Prefix {
                read: 0,
                bytes: [0; PREFIX_LEN],
            },
            messages: 0,
            one_message: false,
        };
        let mut seen = 0;
        while let Some(frame) = body.frame().await {
            seen += frame?.into_data().map_or(0, |d| d.len());
        }
        Ok(seen)
    }

    #[tokio::test]
    async fn messages_within_the_limit_pass_unchanged_whatever_the_chunking() {
        let mut wire = frame(&[7; 10]);
        wire.extend(frame(&[]));
        wire.extend(frame(&[1; 100]));
        let total = wire.len();
        // One chunk, then one byte at a time (prefixes split across chunks).
        assert_eq!(scan(100, vec![wire.clone()]).await.unwrap(), total);
        let bytes: Vec<Vec<u8>> = wire.iter().map(|b| vec![*b]).collect();
        assert_eq!(scan(100, bytes).await.unwrap(), total);
    }

    const BOUNDS: RequestBounds = RequestBounds {
        service: "pkg.Service",
        default: 100,
        methods: &[("Batch", 1000)],
    };

    #[test]
    fn a_method_gets_its_own_bound_or_the_services_default_and_other_services_none() {
        assert_eq!(BOUNDS.of("/pkg.Service/Batch"), Some(1000));
        assert_eq!(BOUNDS.of("/pkg.Service/Get"), Some(100));
        assert_eq!(BOUNDS.of("/pkg.ServiceB/Batch"), None);
        assert_eq!(BOUNDS.of("/grpc.health.v1.Health/Check"), None);
        assert_eq!(BOUNDS.of("pkg.Service/Batch"), None);
        assert_eq!(BOUNDS.largest(), 1000);
    }

    /// The code of `path` called with one message of `len` bytes through a
    /// [`MessageSize`] with `limit` and [`BOUNDS`].
    async fn call(limit: usize, path: &str, len: usize) -> tonic::Code {
        call_with(limit, path, frame(&vec![0; len])).await
    }

    /// The code of `path` called with the body `wire`, as [`call`] does.
    async fn call_with(limit: usize, path: &str, wire: Vec<u8>) -> tonic::Code {
        use crate::middleware::testing::{Echo, grpc_status};
        use tower::ServiceExt as _;
        let service = MessageSizeLayer::new(limit)
            .bounded(Some(BOUNDS))
            .layer(Echo::default());
        let chunks = if wire.is_empty() {
            Vec::new()
        } else {
            vec![wire]
        };
        let request = Request::builder()
            .uri(path)
            .header("content-type", "application/grpc")
            .body(chunked(chunks))
            .unwrap();
        let response = service.oneshot(request).await.unwrap();
        grpc_status(&response).0
    }

    #[tokio::test]
    async fn a_call_is_held_to_the_lower_of_the_limit_and_its_methods_bound() {
        use tonic::Code::{Ok as Passed, ResourceExhausted};
        assert_eq!(call(4096, "/pkg.Service/Get", 100).await, Passed);
        assert_eq!(call(4096, "/pkg.Service/Get", 101).await, ResourceExhausted);
        assert_eq!(call(4096, "/pkg.Service/Batch", 1000).await, Passed);
        assert_eq!(
            call(4096, "/pkg.Service/Batch", 1001).await,
            ResourceExhausted
        );
        // The process-wide limit still holds below a bound, and alone for other services.
        assert_eq!(
            call(500, "/pkg.Service/Batch", 501).await,
            ResourceExhausted
        );
        assert_eq!(call(4096, "/other.Service/Get", 4096).await, Passed);
        assert_eq!(
            call(4096, "/other.Service/Get", 4097).await,
            ResourceExhausted
        );
    }

    #[tokio::test]
    async fn a_body_cut_short_or_without_its_one_message_is_invalid_argument() {
        use tonic::Code::{InvalidArgument, Ok as Passed};
        // Cut inside a message, and inside a prefix.
        let mut cut = frame(&[7; 10]);
        cut.truncate(9);
        let error = scan(100, vec![cut]).await.unwrap_err();
        assert_eq!(error.code(), InvalidArgument);
        assert!(error.message().contains("6 bytes short"), "{error:?}");
        let error = scan(100, vec![vec![0, 0, 0]]).await.unwrap_err();
        assert_eq!(error.code(), InvalidArgument);
        assert!(error.message().contains("3 of its 5 bytes"), "{error:?}");
        // An empty body: refused for a method of a bounded service, passed on elsewhere.
        assert_eq!(
            call_with(4096, "/pkg.Service/Get", Vec::new()).await,
            InvalidArgument
        );
        assert_eq!(
            call_with(4096, "/other.Service/Get", Vec::new()).await,
            Passed
        );
        assert_eq!(call(4096, "/pkg.Service/Get", 0).await, Passed);
    }

    #[tokio::test]
    async fn a_prefix_over_the_limit_fails_with_resource_exhausted_before_the_message() {
        let mut wire = frame(&[0; 8]);
        // Only the prefix of a 4 GiB message: refused without waiting for its bytes.
        wire.extend([0, 0xff, 0xff, 0xff, 0xff]);
        let error = scan(64, vec![wire]).await.unwrap_err();
        assert_eq!(error.code(), tonic::Code::ResourceExhausted);
        assert!(error.message().contains("limit of 64 bytes"), "{error:?}");
        // No retry cures it: no RetryInfo, and a pushback that tells a retry policy not to.
        let refusal = refusal(&error);
        assert_eq!(refusal.retry_delay, None);
        assert_eq!(refusal.reason, "MESSAGE_TOO_LARGE");
        assert_eq!(refusal.pushback, "-1");
        let error = scan(64, vec![frame(&[0; 65])]).await.unwrap_err();
        assert_eq!(error.code(), tonic::Code::ResourceExhausted);
    }
}
