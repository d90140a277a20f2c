//! Answering a repeated read call from the [`ReplyCache`]: the innermost layer, right before the
//! service (so authentication, quotas, metrics and the access log see every call, answered from
//! the cache or not).
//!
//! Every method of the service a listener serves is a unary read, a pure function of its
//! request message, what the caller may read ([`CacheScope`]) and the data version (and its compression, of the
//! compressions the caller accepts: a compressed reply is kept compressed, so it is compressed
//! once). For such a call the layer reads
//! the whole request (one message), and answers with the kept reply when there is one: the
//! same headers (the data version among them), the same framed message, `grpc-status: 0`. Else
//! it runs the service and keeps its reply if the call succeeded (an error, or a reply with
//! trailers beyond the status, is never kept). Health and reflection pass through untouched.

use std::{
    pin::Pin,
    task::{Context, Poll},
};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Request, Response};
use http_body::{Body as HttpBody, Frame};
use http_body_util::{BodyExt as _, Full};
use tonic::{Status, body::Body};
use tower::{Layer, Service};

use super::reply_cache::{CacheScope, CallKey, DataProbe, Reply, ReplyCache};

/// The answer of a [`Cached`] call, boxed: it reads the whole request before it runs the service.
type Answer<E> = Pin<Box<dyn Future<Output = Result<Response<Body>, E>> + Send>>;

/// Layer answering repeated calls to a service's methods from a [`ReplyCache`].
#[derive(Clone)]
pub struct CacheLayer {
    cache: ReplyCache,
    /// The path prefix of the cacheable service's methods (`/{service}/`), and its data's
    /// version.
    service: Option<(Box<str>, DataProbe)>,
}

impl std::fmt::Debug for CacheLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheLayer")
            .field("cache", &self.cache)
            .field("service", &self.service.as_ref().map(|(p, _)| p))
            .finish()
    }
}

impl CacheLayer {
    /// Keeps in `cache` the replies of the methods of `service`: its fully qualified name, and
    /// the version of the data it answers from now. No service: nothing is kept.
    pub fn new(cache: ReplyCache, service: Option<(&str, DataProbe)>) -> Self {
        Self {
            service: service
                .filter(|_| cache.is_on())
                .map(|(name, data)| (format!("/{name}/").into_boxed_str(), data)),
            cache,
        }
    }

    /// The version of the data a call to `path` reads, when its reply may be kept.
    fn version(&self, path: &str) -> Option<u64> {
        let (prefix, data) = self.service.as_ref()?;
        path.starts_with(&**prefix).then(|| data()).flatten()
    }
}

impl<S> Layer<S> for CacheLayer {
    type Service = Cached<S>;
    fn layer(&self, inner: S) -> Self::Service {
        Cached {
            inner,
            layer: self.clone(),
        }
    }
}

/// Service made by [`CacheLayer`].
#[derive(Debug, Clone)]
pub struct Cached<S> {
    inner: S,
    layer: CacheLayer,
}

impl<S> Service<Request<Body>> for Cached<S>
where
    S: Service<Request<Body>, Response = Response<Body>, Future: Send + 'static>
        + Clone
        + Send
        + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Answer<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let Some(version) = self.layer.version(request.uri().path()) else {
            return Box::pin(self.inner.call(request));
        };
        let cache = self.layer.cache.clone();
        let data = self.layer.service.as_ref().map(|(_, data)| data.clone());
        // The service is called only once the whole request has arrived: the ready one goes
        // into the answer, its clone stays (tower's rule for services called later).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let message = match body.collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(status) => return Ok(status.into_http()),
            };
            let scope = parts.extensions.get::<CacheScope>().cloned();
            let accept = parts.headers.get("grpc-accept-encoding").cloned();
            let accept = accept.as_ref().map_or(&b""[..], HeaderValue::as_bytes);
            let key = CallKey {
                version,
                accept,
                path: parts.uri.path(),
                request: &message,
                scope: scope.as_ref(),
            };
            if let Some(reply) = cache.get(&key) {
                return Ok(answer(reply));
            }
            let generation = cache.generation();
            let path = parts.uri.path().to_owned();
            let response = inner
                .call(Request::from_parts(
                    parts,
                    Body::new(Full::new(message.clone())),
                ))
                .await?;
            let (head, body) = response.into_parts();
            if head.headers.contains_key("grpc-status") {
                // Trailers-only: an error.
                return Ok(Response::from_parts(head, body));
            }
            let collected = match body.collect().await {
                Ok(collected) => collected,
                Err(status) => return Ok(status.into_http()),
            };
            let trailers = collected.trailers().cloned();
            let body = collected.to_bytes();
            let key = CallKey {
                version,
                accept,
                path: &path,
                request: &message,
                scope: scope.as_ref(),
            };
            // A reload during the call: the reply may be from either data, so it is not kept.
            let same_data = data.and_then(|data| data()) == Some(version);
            if same_data && trailers.as_ref().is_some_and(is_plain_ok) {
                let reply = Reply {
                    headers: head.headers.clone(),
                    body: body.clone(),
                };
                cache.put(generation, &key, &reply);
            }
            Ok(Response::from_parts(
                head,
                Body::new(Once {
                    data: Some(body),
                    trailers,
                }),
            ))
        })
    }
}

/// Whether trailers say OK and nothing else.
fn is_plain_ok(trailers: &HeaderMap) -> bool {
    trailers.len() == 1 && trailers.get("grpc-status").is_some_and(|s| s == "0")
}

/// The response for a kept reply.
fn answer(reply: Reply) -> Response<Body> {
    let mut trailers = HeaderMap::with_capacity(1);
    trailers.insert("grpc-status", HeaderValue::from_static("0"));
    let mut response = Response::new(Body::new(Once {
        data: Some(reply.body),
        trailers: Some(trailers),
    }));
    *response.headers_mut() = reply.headers;
    response
}

/// A body of one data frame, then trailers. Its size is not told: an exact size hint would
/// become a `content-length`, and gRPC-Web (tonic-web, outside) appends the trailers to the body.
struct Once {
    data: Option<Bytes>,
    trailers: Option<HeaderMap>,
}

impl HttpBody for Once {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        if let Some(data) = self.data.take().filter(|d| !d.is_empty()) {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        Poll::Ready(self.trailers.take().map(|t| Ok(Frame::trailers(t))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.as_ref().is_none_or(Bytes::is_empty) && self.trailers.is_none()
    }
}

#[cfg(test)]
mod tests {
    use std::{
        convert::Infallible,
        sync::{
            Arc,
            atomic::{AtomicU64, AtomicUsize, Ordering},
        },
    };

    use super::*;
    use tower::ServiceExt as _;

    const SERVICE: &str = "llmarket.forecast.v1.ForecastService";
    const CALL: &str = "/llmarket.forecast.v1.ForecastService/GetSeries";

    /// A stub service: answers each request message with itself and the number of calls it has
    /// run, `fail` with NOT_FOUND, `extra` with an extra trailer.
    #[derive(Clone, Default)]
    struct Replier {
        runs: Arc<AtomicUsize>,
    }

    impl Service<Request<Body>> for Replier {
        type Response = Response<Body>;
        type Error = Infallible;
        type Future = Answer<Infallible>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: Request<Body>) -> Self::Future {
            let runs = self.runs.clone();
            Box::pin(async move {
                let message = request.into_body().collect().await.unwrap().to_bytes();
                let run = runs.fetch_add(1, Ordering::SeqCst) + 1;
                if message == "fail" {
                    return Ok(Status::not_found("no such thing").into_http());
                }
                let mut trailers = HeaderMap::new();
                trailers.insert("grpc-status", HeaderValue::from_static("0"));
                if message == "extra" {
                    trailers.insert("x-per-call", HeaderValue::from_static("1"));
                }
                let mut response = Response::new(Body::new(Once {
                    data: Some(Bytes::from(format!("{}#{run}", message.escape_ascii()))),
                    trailers: Some(trailers),
                }));
                let headers = response.headers_mut();
                headers.insert("content-type", HeaderValue::from_static("application/grpc"));
                headers.insert("llmarket-data-version", HeaderValue::from_static("v"));
                Ok(response)
            })
        }
    }

    struct Setup {
        service: Cached<Replier>,
        runs: Arc<AtomicUsize>,
        version: Arc<AtomicU64>,
    }

    fn setup() -> Setup {
        let replier = Replier::default();
        let version = Arc::new(AtomicU64::new(1));
        let probe = version.clone();
        let data: DataProbe = Arc::new(move || Some(probe.load(Ordering::SeqCst)));
        let layer = CacheLayer::new(ReplyCache::default(), Some((SERVICE, data)));
        Setup {
            runs: replier.runs.clone(),
            service: layer.layer(replier),
            version,
        }
    }

    fn request(path: &str, message: &'static str, scope: Option<&str>) -> Request<Body> {
        let mut request = Request::builder()
            .method("POST")
            .uri(path)
            .body(Body::new(Full::new(Bytes::from_static(message.as_bytes()))))
            .unwrap();
        if let Some(scope) = scope {
            request.extensions_mut().insert(CacheScope::new(scope));
        }
        request
    }

    /// The headers, body and trailers of a call's answer.
    async fn call(
        service: &Cached<Replier>,
        request: Request<Body>,
    ) -> (HeaderMap, Bytes, Option<HeaderMap>) {
        let response = service.clone().oneshot(request).await.unwrap();
        let (head, body) = response.into_parts();
        let collected = body.collect().await.unwrap();
        let trailers = collected.trailers().cloned();
        (head.headers, collected.to_bytes(), trailers)
    }

    #[tokio::test]
    async fn a_repeated_call_gets_the_same_answer_without_running_the_service() {
        let s = setup();
        let first = call(&s.service, request(CALL, "a", None)).await;
        assert_eq!(first.1, "a#1");
        assert_eq!(first.0.get("llmarket-data-version").unwrap(), "v");
        assert_eq!(first.2.as_ref().unwrap().get("grpc-status").unwrap(), "0");
        let second = call(&s.service, request(CALL, "a", None)).await;
        assert_eq!(second, first);
        assert_eq!(s.runs.load(Ordering::SeqCst), 1);
        assert_eq!(call(&s.service, request(CALL, "b", None)).await.1, "b#2");
    }

    #[tokio::test]
    async fn errors_and_replies_with_more_trailers_are_never_kept() {
        let s = setup();
        for _ in 0..2 {
            let response = s
                .service
                .clone()
                .oneshot(request(CALL, "fail", None))
                .await
                .unwrap();
            let status = Status::from_header_map(response.headers()).unwrap();
            assert_eq!(status.code(), tonic::Code::NotFound);
            call(&s.service, request(CALL, "extra", None)).await;
        }
        assert_eq!(s.runs.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn callers_with_other_scopes_get_their_own_answer() {
        let s = setup();
        let narrow = || Some("datasets/x");
        assert_eq!(
            call(&s.service, request(CALL, "a", narrow())).await.1,
            "a#1"
        );
        let everything = Some("datasets/*");
        assert_eq!(
            call(&s.service, request(CALL, "a", everything)).await.1,
            "a#2"
        );
        assert_eq!(call(&s.service, request(CALL, "a", None)).await.1, "a#3");
        assert_eq!(
            call(&s.service, request(CALL, "a", narrow())).await.1,
            "a#1"
        );
    }

    #[tokio::test]
    async fn new_data_is_answered_afresh() {
        let s = setup();
        assert_eq!(call(&s.service, request(CALL, "a", None)).await.1, "a#1");
        s.version.store(2, Ordering::SeqCst);
        assert_eq!(call(&s.service, request(CALL, "a", None)).await.1, "a#2");
        assert_eq!(call(&s.service, request(CALL, "a", None)).await.1, "a#2");
    }

    #[tokio::test]
    async fn other_services_pass_through() {
        let s = setup();
        for path in [
            "/grpc.health.v1.Health/Check",
            "/llmarket.taxonomy.v1.TaxonomyService/GetConcept",
        ] {
            call(&s.service, request(path, "a", None)).await;
            call(&s.service, request(path, "a", None)).await;
        }
        assert_eq!(s.runs.load(Ordering::SeqCst), 4);
    }
}
