//! A small service to serve for the tests: unary calls answered by real tonic (`Hold` waits to be
//! released, `Echo` answers at once) and a raw reply whose frames the test can watch (`Frames`),
//! served by `llmarket_serving::serve` behind a given load-shed limit, and a raw HTTP/2 client.

use std::{
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
use http::{Request, Response};
use http_body::Frame;
use hyper::body::Incoming;
use llmarket_serving::{
    ConnectionLimits, ServeOptions, ServiceRoutes,
    middleware::{CacheLayer, LoadShedLayer, ReplyCache, reply_cache::DataProbe},
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{Semaphore, oneshot, watch},
};
use tonic::{body::Body, server::NamedService};
use tower::{Layer as _, Service, ServiceBuilder, util::BoxCloneService};

/// The probe service's name.
pub(crate) const SERVICE: &str = "canary.v1.Probe";
/// Unary: answers once the test releases it (see [`Probe::release`]).
pub(crate) const HOLD: &str = "/canary.v1.Probe/Hold";
/// Unary: answers at once.
pub(crate) const ECHO: &str = "/canary.v1.Probe/Echo";
/// A reply of one data frame of [`FRAME`] bytes, then trailers (served by hyper alone, in the
/// canary, three frames).
pub(crate) const FRAMES: &str = "/canary.v1.Probe/Frames";
/// Unary: a reply of [`BIG`] bytes, whose trailers wait until the test releases them.
pub(crate) const LARGE: &str = "/canary.v1.Probe/Large";
/// Server streaming (in the descriptors the cache is given): answers without reading its request.
pub(crate) const WATCH: &str = "/canary.v1.Probe/Watch";
/// The size of a `Large` reply: over the reply cache's per-entry limit.
pub(crate) const BIG: usize = llmarket_serving::middleware::reply_cache::MAX_REPLY_BYTES + 1;
/// The size of each data frame of a `Frames` reply.
pub(crate) const FRAME: usize = 16 * 1024;

/// What the service tells the test.
#[derive(Clone)]
pub(crate) struct Probe {
    /// `Hold` handlers entered.
    held: Arc<watch::Sender<usize>>,
    /// Permits for `Hold` handlers to answer, and `Large` replies to end.
    release: Arc<Semaphore>,
    /// `Echo`, `Large` and `Watch` handlers run.
    runs: Arc<AtomicUsize>,
}

impl Probe {
    fn new() -> Self {
        Self {
            held: Arc::new(watch::channel(0).0),
            release: Arc::new(Semaphore::new(0)),
            runs: Arc::default(),
        }
    }

    /// `Hold` handlers entered so far.
    pub(crate) fn held(&self) -> usize {
        *self.held.borrow()
    }

    /// Waits until `n` `Hold` handlers have been entered.
    pub(crate) async fn wait_held(&self, n: usize) {
        let mut rx = self.held.subscribe();
        tokio::time::timeout(Duration::from_secs(10), rx.wait_for(|h| *h >= n))
            .await
            .expect("the Hold handler was entered in time")
            .expect("the probe lives");
    }

    /// `Echo`, `Large` and `Watch` handlers run so far.
    pub(crate) fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }

    /// Lets one `Hold` handler answer, or one `Large` reply end.
    pub(crate) fn release(&self) {
        self.release.add_permits(1);
    }
}

impl NamedService for Probe {
    const NAME: &'static str = SERVICE;
}

/// A unary handler of real tonic, for `Hold` (`hold: true`) or `Echo`.
struct Unary {
    probe: Probe,
    hold: bool,
}

impl tonic::server::UnaryService<()> for Unary {
    type Response = ();
    type Future = Pin<Box<dyn Future<Output = Result<tonic::Response<()>, tonic::Status>> + Send>>;

    fn call(&mut self, _: tonic::Request<()>) -> Self::Future {
        let (probe, hold) = (self.probe.clone(), self.hold);
        Box::pin(async move {
            if !hold {
                probe.runs.fetch_add(1, Ordering::SeqCst);
            }
            if hold {
                probe.held.send_modify(|h| *h += 1);
                probe
                    .release
                    .acquire()
                    .await
                    .expect("never closed")
                    .forget();
            }
            Ok(tonic::Response::new(()))
        })
    }
}

/// A reply body of `count` data frames of [`FRAME`] bytes, then `grpc-status: 0`; it counts in
/// `polled` the data frames it was polled for.
pub(crate) struct Frames {
    count: usize,
    sent: usize,
    polled: watch::Sender<usize>,
}

impl Frames {
    pub(crate) fn new(count: usize, polled: watch::Sender<usize>) -> Self {
        Self {
            count,
            sent: 0,
            polled,
        }
    }
}

impl http_body::Body for Frames {
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, tonic::Status>>> {
        let frame = if self.sent < self.count {
            self.polled.send_modify(|p| *p += 1);
            Frame::data(Bytes::from(vec![0; FRAME]))
        } else if self.sent == self.count {
            let mut trailers = http::HeaderMap::new();
            trailers.insert("grpc-status", http::HeaderValue::from_static("0"));
            Frame::trailers(trailers)
        } else {
            return Poll::Ready(None);
        };
        self.sent += 1;
        Poll::Ready(Some(Ok(frame)))
    }
}

/// A `Large` reply: one data frame, then trailers once `end` completes.
struct Large {
    data: Option<Bytes>,
    end: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl http_body::Body for Large {
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, tonic::Status>>> {
        if let Some(data) = self.data.take() {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        let Some(end) = &mut self.end else {
            return Poll::Ready(None);
        };
        std::task::ready!(end.as_mut().poll(cx));
        self.end = None;
        let mut trailers = http::HeaderMap::new();
        trailers.insert("grpc-status", http::HeaderValue::from_static("0"));
        Poll::Ready(Some(Ok(Frame::trailers(trailers))))
    }
}

impl Service<Request<Body>> for Probe {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let probe = self.clone();
        Box::pin(async move {
            let hold = match request.uri().path() {
                HOLD => true,
                ECHO => false,
                LARGE => {
                    probe.runs.fetch_add(1, Ordering::SeqCst);
                    let release = probe.release.clone();
                    let body = Large {
                        data: Some(Bytes::from(vec![1; BIG])),
                        end: Some(Box::pin(async move {
                            release.acquire().await.expect("never closed").forget();
                        })),
                    };
                    let mut response = Response::new(Body::new(body));
                    response.headers_mut().insert(
                        http::header::CONTENT_TYPE,
                        http::HeaderValue::from_static("application/grpc"),
                    );
                    return Ok(response);
                }
                FRAMES | WATCH => {
                    if request.uri().path() == WATCH {
                        probe.runs.fetch_add(1, Ordering::SeqCst);
                    }
                    let frames = Frames::new(1, watch::Sender::new(0));
                    let mut response = Response::new(Body::new(frames));
                    response.headers_mut().insert(
                        http::header::CONTENT_TYPE,
                        http::HeaderValue::from_static("application/grpc"),
                    );
                    return Ok(response);
                }
                _ => return Ok(tonic::Status::unimplemented("no such method").into_http()),
            };
            let mut grpc = tonic::server::Grpc::new(tonic_prost::ProstCodec::<(), ()>::default());
            Ok(grpc.unary(Unary { probe, hold }, request).await)
        })
    }
}

/// A probe served by `llmarket_serving::serve`, with load shedding past `max_in_flight` calls
/// as the only layer; it stops when dropped.
pub(crate) struct Server {
    pub(crate) addr: String,
    pub(crate) probe: Probe,
    _stop: oneshot::Sender<()>,
}

impl Server {
    pub(crate) async fn start(max_in_flight: usize) -> Self {
        Self::with_limits(max_in_flight, ConnectionLimits::default()).await
    }

    /// [`Server::start`], its connections held to `limits`.
    pub(crate) async fn with_limits(max_in_flight: usize, limits: ConnectionLimits) -> Self {
        let shed = LoadShedLayer::new(max_in_flight);
        Self::serving(limits, move |routes| {
            BoxCloneService::new(shed.layer(routes))
        })
        .await
    }

    /// A probe with the reply cache as the only layer, the probe's methods declared in
    /// `descriptors` (an encoded file descriptor set).
    pub(crate) async fn cached(descriptors: Vec<u8>) -> Self {
        Self::serving(ConnectionLimits::default(), move |routes| {
            let data: DataProbe = Arc::new(|| Some(1));
            let cache = CacheLayer::declared_in(
                &descriptors,
                ReplyCache::default(),
                Some((&[SERVICE][..], data)),
            );
            BoxCloneService::new(cache.layer(routes))
        })
        .await
    }

    /// A probe served with `layers` around its routes.
    async fn serving(
        limits: ConnectionLimits,
        layers: impl FnOnce(
            tonic::service::Routes,
        ) -> BoxCloneService<Request<Body>, Response<Body>, Infallible>
        + Send
        + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address").to_string();
        let probe = Probe::new();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(llmarket_serving::serve(
            listener,
            ServiceRoutes::new(probe.clone()),
            async move {
                let _ = stopped.await;
            },
            ServeOptions {
                connections: limits,
                ..ServeOptions::default()
            },
            move |routed| {
                ServiceBuilder::new()
                    .map_request(|request: Request<Incoming>| request.map(Body::new))
                    .service(layers(routed.routes))
            },
        ));
        Self {
            addr,
            probe,
            _stop: stop,
        }
    }
}

/// A raw HTTP/2 client connection with a stream window of `window` bytes (its connection window
/// stays at the default): the server may send each stream that much before the client reads.
pub(crate) async fn connect(addr: &str, window: u32) -> h2::client::SendRequest<Bytes> {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let (send, conn) = h2::client::Builder::new()
        .initial_window_size(window)
        .handshake::<_, Bytes>(tcp)
        .await
        .expect("h2 handshake");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    send.ready().await.expect("ready")
}

/// Opens a gRPC call to `path`; the request body is the caller's to send.
pub(crate) async fn open(
    client: &mut h2::client::SendRequest<Bytes>,
    path: &str,
) -> (h2::client::ResponseFuture, h2::SendStream<Bytes>) {
    let request = Request::post(format!("http://canary{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .expect("request");
    let ready = client.clone().ready().await.expect("ready");
    *client = ready;
    client.send_request(request, false).expect("send request")
}

/// The empty message `()`, framed.
pub(crate) const EMPTY_MESSAGE: &[u8] = &[0, 0, 0, 0, 0];

/// Makes a whole unary call to `path` with the empty message; its gRPC status code and message.
pub(crate) async fn call(
    client: &mut h2::client::SendRequest<Bytes>,
    path: &str,
) -> (tonic::Code, String) {
    let (response, mut body) = open(client, path).await;
    body.send_data(Bytes::from_static(EMPTY_MESSAGE), true)
        .expect("send the request");
    status(response).await
}

/// The gRPC status code and message of a response.
pub(crate) async fn status(response: h2::client::ResponseFuture) -> (tonic::Code, String) {
    let status = whole_status(response).await;
    (status.code(), status.message().to_owned())
}

/// The gRPC status of a response, details and metadata with it: from its headers
/// (trailers-only) or its trailers.
pub(crate) async fn whole_status(response: h2::client::ResponseFuture) -> tonic::Status {
    let response = tokio::time::timeout(Duration::from_secs(10), response)
        .await
        .expect("answered in time")
        .expect("a response");
    if let Some(status) = tonic::Status::from_header_map(response.headers()) {
        return status;
    }
    let mut body = response.into_body();
    while let Some(data) = body.data().await {
        let data = data.expect("reply data");
        let _ = body.flow_control().release_capacity(data.len());
    }
    let trailers = body
        .trailers()
        .await
        .expect("trailers")
        .expect("the reply ends with trailers");
    tonic::Status::from_header_map(&trailers).expect("a grpc-status trailer")
}
