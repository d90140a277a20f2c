//! Answering a repeated read call from the [`ReplyCache`]: the innermost layer, right before the
//! service (so authentication, quotas, metrics and the access log see every call, answered from
//! the cache or not).
//!
//! Which calls may be answered so is declared in the contract, per method: a unary method with
//! `option idempotency_level = NO_SIDE_EFFECTS;` (read from the compiled file descriptor set,
//! [`cacheable_methods`]) is a read whose reply is a pure function of its request message, what
//! the caller may read ([`CacheScope`]) and the data version (and of the compressions the caller
//! accepts: a compressed reply is kept compressed, so it is compressed once). Every other call,
//! streaming methods among them, passes through untouched, as do health and reflection.
//!
//! For a cacheable call the layer reads the whole request (one message, as tonic would), and
//! answers with the kept reply when there is one: the same headers (the data version among them),
//! the same framed message, `grpc-status: 0`. Else it runs the service and passes its reply on
//! frame by frame as it comes, keeping a copy while the reply is within the cache's per-entry
//! limit ([`MAX_REPLY_BYTES`]): a larger reply streams through and is not kept. A reply is kept
//! once its trailers say OK and nothing else (an error, or a reply with more trailers, never is).

use std::{
    collections::HashSet,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, Request, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::{BodyExt as _, Full};
use prost::Message as _;
use prost_types::{FileDescriptorSet, method_options::IdempotencyLevel};
use tonic::{Status, body::Body};
use tower::{Layer, Service};

use super::reply_cache::{
    CacheScope, CallKey, DataProbe, Generation, MAX_REPLY_BYTES, Reply, ReplyCache,
};

/// The paths (`/{package}.{Service}/{Method}`) of the methods of `service` (fully qualified) that
/// the encoded file descriptor set `descriptors` declares cacheable: unary, with
/// `idempotency_level = NO_SIDE_EFFECTS`.
pub fn cacheable_methods(
    descriptors: &[u8],
    service: &str,
) -> Result<Vec<String>, prost::DecodeError> {
    let set = FileDescriptorSet::decode(descriptors)?;
    let mut paths = Vec::new();
    for file in &set.file {
        for declared in &file.service {
            let name = match file.package() {
                "" => declared.name().to_owned(),
                package => format!("{package}.{}", declared.name()),
            };
            if name != service {
                continue;
            }
            for method in &declared.method {
                let no_side_effects = method.options.as_ref().is_some_and(|options| {
                    options.idempotency_level() == IdempotencyLevel::NoSideEffects
                });
                if no_side_effects && !method.client_streaming() && !method.server_streaming() {
                    paths.push(format!("/{service}/{}", method.name()));
                }
            }
        }
    }
    Ok(paths)
}

/// Layer answering repeated calls to a service's cacheable methods from a [`ReplyCache`].
#[derive(Clone)]
pub struct CacheLayer {
    cache: ReplyCache,
    /// The paths of the methods whose replies may be kept, and the version of their data.
    cacheable: Option<Arc<(HashSet<Box<str>>, DataProbe)>>,
}

impl std::fmt::Debug for CacheLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CacheLayer")
            .field("cache", &self.cache)
            .field("methods", &self.cacheable.as_ref().map(|c| &c.0))
            .finish()
    }
}

impl CacheLayer {
    /// Keeps in `cache` the replies of the methods of `services` (fully qualified names, all
    /// answering from the data whose version `data` reads now) that the llmarket contract
    /// declares cacheable ([`cacheable_methods`] of [`llmarket_proto::FILE_DESCRIPTOR_SET`]).
    /// None: nothing is kept.
    pub fn new(cache: ReplyCache, services: Option<(&[&str], DataProbe)>) -> Self {
        Self::declared_in(llmarket_proto::FILE_DESCRIPTOR_SET, cache, services)
    }

    /// [`CacheLayer::new`], with the methods declared in the encoded file descriptor set
    /// `descriptors`; one that does not decode declares none (and says so in the log).
    pub fn declared_in(
        descriptors: &[u8],
        cache: ReplyCache,
        services: Option<(&[&str], DataProbe)>,
    ) -> Self {
        let declared = |names: &[&str]| -> Result<HashSet<Box<str>>, prost::DecodeError> {
            let mut paths = HashSet::new();
            for name in names {
                let methods = cacheable_methods(descriptors, name)?;
                paths.extend(methods.into_iter().map(String::into_boxed_str));
            }
            Ok(paths)
        };
        let cacheable = services
            .filter(|_| cache.is_on())
            .and_then(|(names, data)| match declared(names) {
                Ok(paths) => Some((paths, data)),
                Err(e) => {
                    tracing::error!(
                        "the file descriptor set does not decode, no reply is kept: {e}"
                    );
                    None
                }
            })
            .filter(|(paths, _): &(HashSet<Box<str>>, _)| !paths.is_empty())
            .map(Arc::new);
        Self { cache, cacheable }
    }

    /// The version of the data a call to `path` reads, when its reply may be kept.
    fn version(&self, path: &str) -> Option<u64> {
        let cacheable = self.cacheable.as_ref()?;
        if cacheable.0.contains(path) {
            (cacheable.1)()
        } else {
            None
        }
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

/// The answer of a [`Cached`] service.
pub type CachedAnswer<E> = Pin<Box<dyn Future<Output = Result<Response<Body>, E>> + Send>>;

impl<S> Service<Request<Body>> for Cached<S>
where
    S: Service<Request<Body>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = CachedAnswer<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let Some(version) = self.layer.version(request.uri().path()) else {
            return Box::pin(self.inner.call(request));
        };
        let cache = self.layer.cache.clone();
        let data = self.layer.cacheable.as_ref().map(|c| c.1.clone());
        // The service is called only once the whole request has arrived: the ready one goes
        // into the answer, its clone stays (tower's rule for services called later).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            // A unary request: one message, bounded by the message size layer outside.
            let message = match body.collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(status) => return Ok(status.into_http()),
            };
            let call = KeptCall {
                version,
                accept: parts.headers.get("grpc-accept-encoding").cloned(),
                path: parts.uri.path().into(),
                request: message.clone(),
                scope: parts.extensions.get::<CacheScope>().cloned(),
            };
            if let Some(reply) = cache.get(&call.key()) {
                return Ok(answer(reply));
            }
            let generation = cache.generation();
            let response = inner
                .call(Request::from_parts(parts, Body::new(Full::new(message))))
                .await?;
            if response.headers().contains_key("grpc-status") {
                // Trailers-only: an error.
                return Ok(response);
            }
            let (head, body) = response.into_parts();
            let keeping = Keeping {
                inner: body,
                copy: Some(Vec::new()),
                copied: 0,
                store: Some(Store {
                    cache,
                    generation,
                    call,
                    headers: head.headers.clone(),
                    data,
                }),
            };
            Ok(Response::from_parts(head, Body::new(keeping)))
        })
    }
}

/// What a call is keyed on, owned for as long as its reply streams.
struct KeptCall {
    version: u64,
    accept: Option<HeaderValue>,
    path: Box<str>,
    request: Bytes,
    scope: Option<CacheScope>,
}

impl KeptCall {
    fn key(&self) -> CallKey<'_> {
        CallKey {
            version: self.version,
            accept: self.accept.as_ref().map_or(&b""[..], HeaderValue::as_bytes),
            path: &self.path,
            request: &self.request,
            scope: self.scope.as_ref(),
        }
    }
}

/// Where a reply is kept once it has ended well.
struct Store {
    cache: ReplyCache,
    generation: Generation,
    call: KeptCall,
    headers: HeaderMap,
    /// The data version now, to tell a reload during the call.
    data: Option<DataProbe>,
}

/// A reply passed on frame by frame, a copy of its data kept while within [`MAX_REPLY_BYTES`]
/// and stored when its trailers say OK and nothing else.
struct Keeping {
    inner: Body,
    /// The data frames so far; none once the reply is too large, or failed.
    copy: Option<Vec<Bytes>>,
    copied: usize,
    store: Option<Store>,
}

impl Keeping {
    fn copy(&mut self, data: &Bytes) {
        let Some(copy) = &mut self.copy else { return };
        self.copied += data.len();
        if self.copied > MAX_REPLY_BYTES {
            self.copy = None;
        } else {
            copy.push(data.clone());
        }
    }

    fn store(&mut self, trailers: &HeaderMap) {
        let (Some(copy), Some(store)) = (self.copy.take(), self.store.take()) else {
            return;
        };
        // A reload during the call: the reply may be from either data, so it is not kept.
        let same_data = store.data.and_then(|data| data()) == Some(store.call.version);
        if !same_data || !is_plain_ok(trailers) {
            return;
        }
        let body = match <[Bytes; 1]>::try_from(copy) {
            Ok([one]) => one,
            Err(copy) => copy
                .iter()
                .fold(BytesMut::with_capacity(self.copied), |mut all, data| {
                    all.extend_from_slice(data);
                    all
                })
                .freeze(),
        };
        let reply = Reply {
            headers: store.headers,
            body,
        };
        store.cache.put(store.generation, &store.call.key(), &reply);
    }
}

impl HttpBody for Keeping {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    self.copy(data);
                } else if let Some(trailers) = frame.trailers_ref() {
                    self.store(trailers);
                }
            }
            Poll::Ready(_) => self.copy = None,
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
        sync::atomic::{AtomicU64, AtomicUsize, Ordering},
    };

    use prost_types::{
        FileDescriptorProto, MethodDescriptorProto, MethodOptions, ServiceDescriptorProto,
    };
    use tokio::sync::Notify;

    use super::*;
    use tower::ServiceExt as _;

    const SERVICE: &str = "test.v1.Fake";
    /// Unary, NO_SIDE_EFFECTS: cacheable.
    const GET: &str = "/test.v1.Fake/Get";
    /// Unary, NO_SIDE_EFFECTS: answers with a reply just over the cache's per-entry limit, in
    /// two frames, the second only once the test lets it.
    const BIG: &str = "/test.v1.Fake/Big";
    /// Unary, no idempotency level declared.
    const PUT: &str = "/test.v1.Fake/Put";
    /// Server streaming, NO_SIDE_EFFECTS: never buffered.
    const WATCH: &str = "/test.v1.Fake/Watch";

    /// The encoded descriptor set of [`SERVICE`], and of another service with the same methods.
    fn descriptors() -> Vec<u8> {
        let method =
            |name: &str, level: Option<IdempotencyLevel>, streaming: bool| MethodDescriptorProto {
                name: Some(name.into()),
                input_type: Some(".google.protobuf.Empty".into()),
                output_type: Some(".google.protobuf.Empty".into()),
                options: level.map(|level| MethodOptions {
                    idempotency_level: Some(level as i32),
                    ..MethodOptions::default()
                }),
                server_streaming: Some(streaming),
                ..MethodDescriptorProto::default()
            };
        let service = |name: &str| ServiceDescriptorProto {
            name: Some(name.into()),
            method: vec![
                method("Get", Some(IdempotencyLevel::NoSideEffects), false),
                method("Big", Some(IdempotencyLevel::NoSideEffects), false),
                method("Put", None, false),
                method("Idempotent", Some(IdempotencyLevel::Idempotent), false),
                method("Watch", Some(IdempotencyLevel::NoSideEffects), true),
            ],
            ..ServiceDescriptorProto::default()
        };
        FileDescriptorSet {
            file: vec![FileDescriptorProto {
                name: Some("test/v1/fake.proto".into()),
                package: Some("test.v1".into()),
                service: vec![service("Fake"), service("Other")],
                ..FileDescriptorProto::default()
            }],
        }
        .encode_to_vec()
    }

    /// A fake service: answers each request message with itself and the number of calls it has
    /// run; `fail` with NOT_FOUND, `extra` with an extra trailer. `Watch` answers without
    /// reading its request; `Big` with a reply over the per-entry limit whose end waits for
    /// `finish`.
    #[derive(Clone, Default)]
    struct Fake {
        runs: Arc<AtomicUsize>,
        finish: Arc<Notify>,
    }

    /// A body of the given data frames, then `grpc-status: 0` (and `extra`, when set); it waits
    /// for `wait` before its last data frame, when given.
    struct Frames {
        data: Vec<Bytes>,
        extra: bool,
        wait: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    }

    impl HttpBody for Frames {
        type Data = Bytes;
        type Error = Status;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
            if self.data.len() == 1
                && let Some(wait) = &mut self.wait
            {
                std::task::ready!(wait.as_mut().poll(cx));
                self.wait = None;
            }
            if !self.data.is_empty() {
                return Poll::Ready(Some(Ok(Frame::data(self.data.remove(0)))));
            }
            if std::mem::take(&mut self.extra) {
                let mut trailers = HeaderMap::new();
                trailers.insert("grpc-status", HeaderValue::from_static("0"));
                trailers.insert("x-per-call", HeaderValue::from_static("1"));
                return Poll::Ready(Some(Ok(Frame::trailers(trailers))));
            }
            Poll::Ready(None)
        }
    }

    impl Service<Request<Body>> for Fake {
        type Response = Response<Body>;
        type Error = Infallible;
        type Future = CachedAnswer<Infallible>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: Request<Body>) -> Self::Future {
            let (runs, finish) = (self.runs.clone(), self.finish.clone());
            Box::pin(async move {
                let run = runs.fetch_add(1, Ordering::SeqCst) + 1;
                let path = request.uri().path().to_owned();
                let (data, extra, wait) = match path.as_str() {
                    WATCH => (vec![Bytes::from(format!("watch#{run}"))], false, None),
                    BIG => {
                        let wait: Pin<Box<dyn Future<Output = ()> + Send>> =
                            Box::pin(async move { finish.notified().await });
                        let big = Bytes::from(vec![b'x'; MAX_REPLY_BYTES]);
                        (vec![big, Bytes::from(format!("#{run}"))], false, Some(wait))
                    }
                    _ => {
                        let message = request.into_body().collect().await.unwrap().to_bytes();
                        if message == "fail" {
                            return Ok(Status::not_found("no such thing").into_http());
                        }
                        // Two frames: a reply is kept whole however it is framed.
                        let reply = vec![
                            Bytes::from(message.escape_ascii().to_string()),
                            Bytes::from(format!("#{run}")),
                        ];
                        (reply, message == "extra", None)
                    }
                };
                let mut response = Response::new(Body::new(Ended {
                    frames: Frames { data, extra, wait },
                    ended: false,
                }));
                let headers = response.headers_mut();
                headers.insert("content-type", HeaderValue::from_static("application/grpc"));
                headers.insert("llmarket-data-version", HeaderValue::from_static("v"));
                Ok(response)
            })
        }
    }

    /// [`Frames`], then `grpc-status: 0` when they did not end with trailers of their own.
    struct Ended {
        frames: Frames,
        ended: bool,
    }

    impl HttpBody for Ended {
        type Data = Bytes;
        type Error = Status;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
            if self.ended {
                return Poll::Ready(None);
            }
            match std::task::ready!(Pin::new(&mut self.frames).poll_frame(cx)) {
                Some(frame) => {
                    if frame.as_ref().is_ok_and(Frame::is_trailers) {
                        self.ended = true;
                    }
                    Poll::Ready(Some(frame))
                }
                None => {
                    self.ended = true;
                    let mut trailers = HeaderMap::new();
                    trailers.insert("grpc-status", HeaderValue::from_static("0"));
                    Poll::Ready(Some(Ok(Frame::trailers(trailers))))
                }
            }
        }
    }

    struct Setup {
        service: Cached<Fake>,
        fake: Fake,
        version: Arc<AtomicU64>,
    }

    fn setup() -> Setup {
        let fake = Fake::default();
        let version = Arc::new(AtomicU64::new(1));
        let probe = version.clone();
        let data: DataProbe = Arc::new(move || Some(probe.load(Ordering::SeqCst)));
        let layer = CacheLayer::declared_in(
            &descriptors(),
            ReplyCache::default(),
            Some((&[SERVICE][..], data)),
        );
        Setup {
            service: layer.layer(fake.clone()),
            fake,
            version,
        }
    }

    impl Setup {
        fn runs(&self) -> usize {
            self.fake.runs.load(Ordering::SeqCst)
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
        service: &Cached<Fake>,
        request: Request<Body>,
    ) -> (HeaderMap, Bytes, Option<HeaderMap>) {
        let response = service.clone().oneshot(request).await.unwrap();
        let (head, body) = response.into_parts();
        let collected = body.collect().await.unwrap();
        let trailers = collected.trailers().cloned();
        (head.headers, collected.to_bytes(), trailers)
    }

    #[test]
    fn cacheable_methods_are_the_unary_ones_declared_without_side_effects() {
        let mut methods = cacheable_methods(&descriptors(), SERVICE).unwrap();
        methods.sort();
        assert_eq!(methods, [BIG, GET]);
        assert!(
            cacheable_methods(&descriptors(), "test.v1.Missing")
                .unwrap()
                .is_empty()
        );
        assert!(cacheable_methods(b"\xff\xff", SERVICE).is_err());
    }

    #[test]
    fn the_contract_declares_every_read_method_of_both_services_cacheable() {
        let set = FileDescriptorSet::decode(llmarket_proto::FILE_DESCRIPTOR_SET).unwrap();
        for file in &set.file {
            for service in &file.service {
                let name = format!("{}.{}", file.package(), service.name());
                let cacheable =
                    cacheable_methods(llmarket_proto::FILE_DESCRIPTOR_SET, &name).unwrap();
                assert!(!service.method.is_empty());
                // Every unary method of the contract is a read; streams are never cached.
                let unary = service
                    .method
                    .iter()
                    .filter(|m| !m.client_streaming() && !m.server_streaming())
                    .count();
                assert_eq!(cacheable.len(), unary, "{name}: {cacheable:?}");
            }
        }
    }

    #[test]
    fn a_descriptor_set_that_does_not_decode_keeps_nothing() {
        let data: DataProbe = Arc::new(|| Some(1));
        let layer = CacheLayer::declared_in(
            b"\xff\xff",
            ReplyCache::default(),
            Some((&[SERVICE][..], data)),
        );
        assert!(layer.version(GET).is_none());
    }

    #[tokio::test]
    async fn a_repeated_call_gets_the_same_answer_without_running_the_service() {
        let s = setup();
        let first = call(&s.service, request(GET, "a", None)).await;
        assert_eq!(first.1, "a#1");
        assert_eq!(first.0.get("llmarket-data-version").unwrap(), "v");
        assert_eq!(first.2.as_ref().unwrap().get("grpc-status").unwrap(), "0");
        let second = call(&s.service, request(GET, "a", None)).await;
        assert_eq!(second, first);
        assert_eq!(s.runs(), 1);
        assert_eq!(call(&s.service, request(GET, "b", None)).await.1, "b#2");
    }

    #[tokio::test]
    async fn errors_and_replies_with_more_trailers_are_never_kept() {
        let s = setup();
        for _ in 0..2 {
            let response = s
                .service
                .clone()
                .oneshot(request(GET, "fail", None))
                .await
                .unwrap();
            let status = Status::from_header_map(response.headers()).unwrap();
            assert_eq!(status.code(), tonic::Code::NotFound);
            call(&s.service, request(GET, "extra", None)).await;
        }
        assert_eq!(s.runs(), 4);
    }

    #[tokio::test]
    async fn callers_with_other_scopes_get_their_own_answer() {
        let s = setup();
        let narrow = || Some("datasets/x");
        assert_eq!(call(&s.service, request(GET, "a", narrow())).await.1, "a#1");
        let everything = Some("datasets/*");
        assert_eq!(
            call(&s.service, request(GET, "a", everything)).await.1,
            "a#2"
        );
        assert_eq!(call(&s.service, request(GET, "a", None)).await.1, "a#3");
        assert_eq!(call(&s.service, request(GET, "a", narrow())).await.1, "a#1");
    }

    #[tokio::test]
    async fn new_data_is_answered_afresh() {
        let s = setup();
        assert_eq!(call(&s.service, request(GET, "a", None)).await.1, "a#1");
        s.version.store(2, Ordering::SeqCst);
        assert_eq!(call(&s.service, request(GET, "a", None)).await.1, "a#2");
        assert_eq!(call(&s.service, request(GET, "a", None)).await.1, "a#2");
    }

    #[tokio::test]
    async fn undeclared_methods_and_other_services_pass_through() {
        let s = setup();
        for path in [
            PUT,
            "/test.v1.Fake/Idempotent",
            "/test.v1.Other/Get",
            "/grpc.health.v1.Health/Check",
        ] {
            assert_eq!(
                call(&s.service, request(path, "a", None)).await.1,
                format!("a#{}", s.runs())
            );
            call(&s.service, request(path, "a", None)).await;
        }
        assert_eq!(s.runs(), 8);
    }

    #[tokio::test]
    async fn a_streaming_method_is_never_buffered() {
        let s = setup();
        // A request whose body never ends: the service is called at once all the same.
        let stalled = crate::middleware::testing::stalled_request(WATCH);
        let answered =
            tokio::time::timeout(std::time::Duration::from_secs(5), call(&s.service, stalled))
                .await
                .expect("a streaming call is passed on before its request ends");
        assert_eq!(answered.1, "watch#1");
        call(&s.service, request(WATCH, "a", None)).await;
        assert_eq!(s.runs(), 2, "a streaming reply is never kept");
    }

    #[tokio::test]
    async fn a_reply_over_the_entry_limit_streams_through_and_is_not_kept() {
        let s = setup();
        let mut body = s
            .service
            .clone()
            .oneshot(request(BIG, "a", None))
            .await
            .unwrap()
            .into_body();
        // The first frame arrives while the reply has not ended: it is passed on, not collected.
        let first = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
            .await
            .expect("the reply streams before it ends")
            .unwrap()
            .unwrap()
            .into_data()
            .unwrap();
        assert_eq!(first.len(), MAX_REPLY_BYTES);
        s.fake.finish.notify_one();
        let rest = body.collect().await.unwrap();
        assert_eq!(rest.trailers().unwrap().get("grpc-status").unwrap(), "0");
        assert_eq!(rest.to_bytes(), "#1");

        // Not kept: the next call runs the service again.
        let again = s
            .service
            .clone()
            .oneshot(request(BIG, "a", None))
            .await
            .unwrap();
        s.fake.finish.notify_one();
        let again = again.into_body().collect().await.unwrap().to_bytes();
        assert!(again.ends_with(b"#2"));
        assert_eq!(s.runs(), 2);
    }
}
