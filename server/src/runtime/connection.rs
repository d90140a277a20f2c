//! One client connection: hyper's HTTP/2 server with our settings (stream limit, flow-control
//! windows, keepalive pings), or HTTP/1.1 for gRPC-Web from browsers (chosen by the connection's
//! first bytes: the HTTP/2 preface or not), and the timers that end it: the first request
//! (`--first-request-timeout`), idle (no handler running and no reply message sent; an open
//! stream that sends nothing does not keep a connection busy), maximum age (GOAWAY, then close
//! after a grace), a peer that stopped reading, and the server's drain.

use std::{
    convert::Infallible,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    service::TowerToHyperService,
};
use tokio::{
    io::{AsyncRead, AsyncWrite},
    sync::watch,
};
use tower::Service;

use super::{
    anonymous::AnonymousConnection,
    budget::{ProcessBudget, StreamPlace},
    held_writes::{Flushing, HeldIo, hold_writes},
    limits::{CONNECTION_WINDOW, ConnectionLimits, SEND_BUFFER_PER_STREAM, STREAM_WINDOW},
    log_limit::RateLimit,
    middleware::ConnectionStreams,
    peer::Peer,
    phase::Phase,
};

/// The process's budget refusing work is logged at most once per 10 s.
static OVER_BUDGET: RateLimit = RateLimit::new(Duration::from_secs(10));

/// What a connection serves: the middleware stack around the routes, answering every request
/// (errors are gRPC statuses inside the response, never a service error).
pub(crate) trait ConnectionService:
    Service<
        http::Request<Incoming>,
        Response = http::Response<tonic::body::Body>,
        Error = Infallible,
        Future: Send + 'static,
    > + Clone
    + Send
    + 'static
{
}

impl<S> ConnectionService for S where
    S: Service<
            http::Request<Incoming>,
            Response = http::Response<tonic::body::Body>,
            Error = Infallible,
            Future: Send + 'static,
        > + Clone
        + Send
        + 'static
{
}

/// Completes when the connection's client certificate no longer verifies after a TLS reload
/// (never for a connection without one): the connection then gets GOAWAY, and is closed after
/// `--max-connection-age-grace`.
pub(crate) type Unverified = Pin<Box<dyn Future<Output = ()> + Send>>;

/// How every connection is served: HTTP/2 with our settings, or HTTP/1.1 when the peer does not
/// open with the HTTP/2 preface (gRPC-Web from a browser; gRPC itself needs HTTP/2, and the
/// gRPC-Web layer answers any other HTTP/1.1 request with 400).
pub(crate) type Builder = hyper_util::server::conn::auto::Builder<TokioExecutor>;

/// The most an HTTP/1.1 connection buffers, and so the largest request head it reads: 16 KiB, the
/// header list HTTP/2 allows.
const HTTP1_MAX_BUF: usize = 16 * 1024;

/// The settings every connection is served with.
pub(crate) fn builder(limits: &ConnectionLimits) -> Builder {
    let mut builder = Builder::new(TokioExecutor::new());
    // HTTP/1.1 (gRPC-Web): a request's head must arrive within hyper's 30 s and, as over HTTP/2,
    // be at most 16 KiB (hyper's HTTP/1 default buffer is about 400 KB, held per connection).
    builder
        .http1()
        .timer(TokioTimer::new())
        .max_buf_size(HTTP1_MAX_BUF);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(limits.max_concurrent_streams)
        .initial_stream_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .max_send_buf_size(SEND_BUFFER_PER_STREAM)
        .keep_alive_interval(limits.keepalive_interval)
        .keep_alive_timeout(limits.keepalive_timeout);
    builder
}

/// Serves one accepted connection (plain TCP, or TLS after its handshake) until the peer leaves, a
/// timer ends it, its client certificate stops verifying, or the server closes; the caller runs
/// it on the connection's own task. `peer` goes into every request's extensions, with the
/// connection's place among the anonymous connections, when it has one (so authentication can
/// end it). `first_request` is when the connection must have sent
/// its first request (`--first-request-timeout` after it was accepted). What the connection
/// holds is counted in `budget` too, the process's, shared by every connection.
pub(crate) async fn serve<I, S>(
    io: I,
    first_request: tokio::time::Instant,
    peer: (Peer, Option<AnonymousConnection>, Unverified),
    service: S,
    builder: Builder,
    (limits, budget): (ConnectionLimits, ProcessBudget),
    phase: watch::Receiver<Phase>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: ConnectionService,
{
    // hyper writes into `io`; what it wrote in one wake-up of this task leaves in one write.
    let (io, writer) = hold_writes(io);
    Flushing::new(
        writer,
        serve_held(
            io,
            first_request,
            peer,
            service,
            builder,
            (limits, budget),
            phase,
        ),
    )
    .await;
}

/// [`serve`], on the connection's IO with its writes held.
async fn serve_held<I, S>(
    io: HeldIo<I>,
    first_request: tokio::time::Instant,
    (peer, anonymous, unverified): (Peer, Option<AnonymousConnection>, Unverified),
    service: S,
    builder: Builder,
    (limits, budget): (ConnectionLimits, ProcessBudget),
    mut phase: watch::Receiver<Phase>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: ConnectionService,
{
    let state = Arc::new(ConnState::new(
        (limits.max_unsent_bytes, limits.max_reply_size),
        budget,
    ));
    let peer_addr = peer.addr;
    let tracked = Tracked {
        inner: service,
        state: state.clone(),
        peer: Arc::new(peer),
        streams: ConnectionStreams::new(limits.max_streaming_calls_per_connection),
        anonymous,
    };
    let conn = builder.serve_connection(TokioIo::new(io), TowerToHyperService::new(tracked));
    tokio::pin!(conn);
    let idle = idle(state.clone(), limits.idle_timeout);
    tokio::pin!(idle);
    let first = tokio::time::sleep_until(first_request);
    tokio::pin!(first);
    // Whether the first-request timer still runs: until the first request, and once more after
    // the GOAWAY it gets a connection that sent none.
    let mut awaiting_first = true;
    let age = tokio::time::sleep(limits.max_connection_age);
    tokio::pin!(age);
    let mut aged = false;
    let mut going_away = false;
    let mut unverified = unverified;
    let mut revoked = false;
    let grace = tokio::time::sleep(Duration::MAX / 4);
    tokio::pin!(grace);
    let mut stall_check =
        tokio::time::interval((limits.send_timeout / 4).max(Duration::from_millis(10)));
    stall_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);

    loop {
        tokio::select! {
            result = &mut conn => {
                if let Err(e) = result {
                    tracing::debug!("connection ended: {e}");
                }
                break;
            }
            () = &mut first, if awaiting_first => {
                if state.seen_request.load(Ordering::Relaxed) {
                    awaiting_first = false;
                } else if going_away {
                    tracing::debug!("no request after the GOAWAY for a late first request: closing");
                    break;
                } else {
                    tracing::debug!(first_request_timeout = ?limits.first_request_timeout, "no first request in time: GOAWAY");
                    conn.as_mut().graceful_shutdown();
                    going_away = true;
                    first.as_mut().reset(tokio::time::Instant::now() + limits.first_request_timeout);
                }
            }
            () = &mut idle => {
                if going_away {
                    // Only quiet streams are left after the GOAWAY: they end with the connection.
                    tracing::debug!(idle_timeout = ?limits.idle_timeout, "still idle after GOAWAY: closing");
                    break;
                }
                tracing::debug!(idle_timeout = ?limits.idle_timeout, "idle connection: GOAWAY");
                conn.as_mut().graceful_shutdown();
                going_away = true;
                idle.set(self::idle(state.clone(), limits.idle_timeout));
            }
            () = &mut age, if !aged => {
                tracing::debug!(max_connection_age = ?limits.max_connection_age, "connection reached its maximum age: GOAWAY");
                aged = true;
                if !going_away {
                    conn.as_mut().graceful_shutdown();
                    going_away = true;
                }
                grace.as_mut().reset(tokio::time::Instant::now() + limits.max_connection_age_grace);
            }
            () = &mut unverified, if !revoked => {
                tracing::info!(peer = ?peer_addr, "the client certificate no longer verifies after a TLS reload: GOAWAY, closing the connection");
                revoked = true;
                if !going_away {
                    conn.as_mut().graceful_shutdown();
                    going_away = true;
                }
                if !aged {
                    aged = true;
                    grace.as_mut().reset(tokio::time::Instant::now() + limits.max_connection_age_grace);
                }
            }
            () = &mut grace, if aged => {
                tracing::debug!("connection age grace over: closing");
                break;
            }
            _ = stall_check.tick() => {
                if state.stalled(limits.send_timeout) {
                    tracing::info!(send_timeout = ?limits.send_timeout, "closing a connection whose peer stopped reading");
                    break;
                }
            }
            changed = phase.changed() => {
                let now = if changed.is_ok() { *phase.borrow_and_update() } else { Phase::Closing };
                match now {
                    Phase::Serving => {}
                    Phase::Draining => if !going_away {
                        conn.as_mut().graceful_shutdown();
                        going_away = true;
                    },
                    Phase::Closing => break,
                }
            }
        }
    }
}

/// Completes once, for `timeout`, no handler of the connection has run and no reply frame has
/// been sent: an open stream that sends nothing does not keep the connection busy.
async fn idle(state: Arc<ConnState>, timeout: Duration) {
    let mut handling = state.handling.subscribe();
    loop {
        if *handling.borrow_and_update() > 0 {
            if handling.changed().await.is_err() {
                return std::future::pending().await;
            }
            continue;
        }
        let quiet = state.quiet();
        if quiet >= timeout {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(timeout - quiet) => {}
            changed = handling.changed() => if changed.is_err() {
                return std::future::pending().await;
            },
        }
    }
}

/// What a connection's calls report to its task.
struct ConnState {
    /// Calls being handled: from the request's arrival until its response (head) is ready.
    handling: watch::Sender<usize>,
    /// Calls open: from the request's arrival until its response body is done with.
    open: AtomicUsize,
    /// When a call last arrived, was answered or ended, or a reply frame was sent, in
    /// milliseconds since `start`.
    activity_ms: AtomicU64,
    /// Whether a request has arrived on the connection.
    seen_request: AtomicBool,
    /// Response bytes handed to hyper and not yet taken by the peer: a body's last data frame
    /// counts until hyper polls that body again, which it does once the frame has left its
    /// send buffer (see [`SEND_BUFFER_PER_STREAM`]).
    unsent: AtomicUsize,
    /// Most bytes `unsent` may reach; a reply that would go over gets RESOURCE_EXHAUSTED.
    max_unsent: usize,
    /// Largest reply frame sent; a larger one gets RESOURCE_EXHAUSTED.
    max_reply: usize,
    /// The process's budget, where `unsent` and the open calls are counted too.
    budget: ProcessBudget,
    /// When a response body was last polled, in milliseconds since `start`.
    progress_ms: AtomicU64,
    /// Tokio's clock, so tests can pause it.
    start: tokio::time::Instant,
}

impl ConnState {
    fn new((max_unsent, max_reply): (usize, usize), budget: ProcessBudget) -> Self {
        Self {
            max_reply,
            handling: watch::Sender::new(0),
            open: AtomicUsize::new(0),
            activity_ms: AtomicU64::new(0),
            seen_request: AtomicBool::new(false),
            unsent: AtomicUsize::new(0),
            max_unsent,
            budget,
            progress_ms: AtomicU64::new(0),
            start: tokio::time::Instant::now(),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Notes activity now (see `activity_ms`).
    fn touch(&self) {
        self.activity_ms.store(self.now_ms(), Ordering::Relaxed);
    }

    /// How long since the last activity.
    fn quiet(&self) -> Duration {
        Duration::from_millis(
            self.now_ms()
                .saturating_sub(self.activity_ms.load(Ordering::Relaxed)),
        )
    }

    /// Whether replies wait to be sent and none moved for `timeout`: the peer stopped reading.
    fn stalled(&self, timeout: Duration) -> bool {
        let quiet = self
            .now_ms()
            .saturating_sub(self.progress_ms.load(Ordering::Relaxed));
        self.unsent.load(Ordering::Relaxed) > 0
            && quiet >= u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX)
    }

    /// The status of a reply this connection has no room for.
    fn exhausted(&self) -> tonic::Status {
        tonic::Status::resource_exhausted(format!(
            "this connection holds more than {} bytes of replies its client has not read; \
             read the replies, or spread the calls over time or connections",
            self.max_unsent
        ))
    }

    /// Why a new call gets no work done, if it gets none: the process has no place for another
    /// open call, or this connection (or, while it holds unsent replies, the process) is full
    /// of unread replies. Otherwise the call's place in the process's budget.
    fn admit(&self) -> Result<StreamPlace, tonic::Status> {
        let place = self
            .budget
            .open_stream(self.open.load(Ordering::Relaxed))
            .ok_or_else(|| over_budget(self.budget.streams_exhausted()))?;
        let unsent = self.unsent.load(Ordering::Relaxed);
        if unsent >= self.max_unsent {
            return Err(self.exhausted());
        }
        if !self.budget.admits(unsent) {
            return Err(over_budget(self.budget.unsent_exhausted()));
        }
        Ok(place)
    }

    /// Counts `len` more unsent bytes, unless they are more than one reply may be, or would go
    /// over the connection's budget while other replies are unsent (one reply alone always goes,
    /// however large), or over the process's: then the status to end the reply with.
    fn try_add_unsent(&self, len: usize) -> Result<(), tonic::Status> {
        if len > self.max_reply {
            return Err(tonic::Status::resource_exhausted(format!(
                "the reply is {len} bytes, more than --max-reply-size {} allows; ask for less \
                 (a smaller page_size, fewer names)",
                self.max_reply
            )));
        }
        let before = self.unsent.fetch_add(len, Ordering::Relaxed);
        let refused = if before > 0 && before.saturating_add(len) > self.max_unsent {
            self.exhausted()
        } else if !self.budget.try_add_unsent(len, before) {
            over_budget(self.budget.unsent_exhausted())
        } else {
            return Ok(());
        };
        self.unsent.fetch_sub(len, Ordering::Relaxed);
        Err(refused)
    }

    /// Gives back `len` unsent bytes, to the connection and the process.
    fn release_unsent(&self, len: usize) {
        self.unsent.fetch_sub(len, Ordering::Relaxed);
        self.budget.release_unsent(len);
    }
}

/// Logs (rate-limited) that the process's budget refused work, and returns its status.
fn over_budget(status: tonic::Status) -> tonic::Status {
    if let Some(suppressed) = OVER_BUDGET.allow() {
        tracing::warn!(suppressed, "refusing work: {}", status.message());
    }
    status
}

/// One call of the connection: open until dropped (with its place in the process's budget),
/// counted as being handled until [`CallGuard::answered`] (or its drop), and noted as activity
/// when it arrives, is answered and ends.
struct CallGuard {
    state: Arc<ConnState>,
    handling: bool,
    _place: Option<StreamPlace>,
}

impl CallGuard {
    fn enter(state: Arc<ConnState>, place: Option<StreamPlace>) -> Self {
        state.seen_request.store(true, Ordering::Relaxed);
        state.touch();
        state.handling.send_modify(|calls| *calls += 1);
        state.open.fetch_add(1, Ordering::Relaxed);
        Self {
            state,
            handling: true,
            _place: place,
        }
    }

    /// The call's response is ready: only its reply frames count as activity from now on.
    fn answered(&mut self) {
        if std::mem::replace(&mut self.handling, false) {
            self.state.touch();
            self.state
                .handling
                .send_modify(|calls| *calls = calls.saturating_sub(1));
        }
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        self.answered();
        self.state.open.fetch_sub(1, Ordering::Relaxed);
        self.state.touch();
    }
}

/// The service, with each call and its response body tracked in the connection's state.
#[derive(Clone)]
struct Tracked<S> {
    inner: S,
    state: Arc<ConnState>,
    /// The caller, put into every request's extensions.
    peer: Arc<Peer>,
    /// The connection's count of streaming calls, put into every request's extensions.
    streams: ConnectionStreams,
    /// The connection's place among the anonymous ones, while it has one, put into every
    /// request's extensions.
    anonymous: Option<AnonymousConnection>,
}

impl<S> Service<http::Request<Incoming>> for Tracked<S>
where
    S: Service<
            http::Request<Incoming>,
            Response = http::Response<tonic::body::Body>,
            Error = Infallible,
        >,
    S::Future: Send + 'static,
{
    type Response = http::Response<TrackedBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<Incoming>) -> Self::Future {
        let place = match self.state.admit() {
            Ok(place) => place,
            // No new work: its reply would be built only to be dropped, or the process has no
            // room left for it. The request is dropped unread.
            Err(status) => {
                let mut call = CallGuard::enter(self.state.clone(), None);
                call.answered();
                let (parts, ()) = status.into_http::<()>().into_parts();
                let body = TrackedBody {
                    inner: tonic::body::Body::empty(),
                    unsent: 0,
                    call,
                    early: None,
                };
                return Box::pin(std::future::ready(Ok(http::Response::from_parts(
                    parts, body,
                ))));
            }
        };
        request.extensions_mut().insert(self.peer.clone());
        request.extensions_mut().insert(self.streams.clone());
        if let Some(anonymous) = &self.anonymous {
            request.extensions_mut().insert(anonymous.clone());
        }
        let mut call = CallGuard::enter(self.state.clone(), Some(place));
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await?;
            call.answered();
            let (parts, body) = response.into_parts();
            let mut body = TrackedBody {
                inner: body,
                unsent: 0,
                call,
                early: None,
            };
            std::future::poll_fn(|cx| {
                body.poll_early(cx);
                Poll::Ready(())
            })
            .await;
            Ok(http::Response::from_parts(parts, body))
        })
    }
}

/// A response body that reports its progress to the connection, and is cut short with
/// RESOURCE_EXHAUSTED when the connection, or the process, already holds too many unsent
/// bytes.
///
/// Its first frame is polled as soon as the response is ready, when it is ready too
/// ([`TrackedBody::poll_early`]): a reply is counted from the moment it exists, not only once
/// HTTP/2 has flow-control room to take it, so replies waiting behind a client that reads
/// nothing are counted as well.
pub(crate) struct TrackedBody {
    inner: tonic::body::Body,
    /// Bytes of this body's last data frame, counted in the connection's `unsent`.
    unsent: usize,
    call: CallGuard,
    /// What a poll before hyper asked gave: a frame (counted in `unsent` when it holds data),
    /// or the end.
    early: Option<Option<Result<Frame<bytes::Bytes>, tonic::Status>>>,
}

impl TrackedBody {
    fn release_unsent(&mut self) {
        if self.unsent > 0 {
            self.call.state.release_unsent(self.unsent);
            self.unsent = 0;
        }
    }

    /// Polls the inner body once, keeping a frame that is ready for hyper's first poll.
    fn poll_early(&mut self, cx: &mut Context<'_>) {
        if let Poll::Ready(polled) = self.poll_counted(cx) {
            self.early = Some(polled);
        }
    }

    /// Polls the inner body, counting a data frame in the budgets (or ending the reply with
    /// RESOURCE_EXHAUSTED when there is no room for it).
    fn poll_counted(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<bytes::Bytes>, tonic::Status>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(_))) = &polled {
            self.call.state.touch();
        }
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            let len = data.len();
            if let Err(status) = self.call.state.try_add_unsent(len) {
                // Drop the reply now: its memory is what the budget protects.
                self.inner = tonic::body::Body::empty();
                return Poll::Ready(Some(Ok(trailers(&status))));
            }
            self.unsent = len;
        }
        polled
    }
}

/// The trailers that end a reply with `status`.
fn trailers(status: &tonic::Status) -> Frame<bytes::Bytes> {
    let mut trailers = http::HeaderMap::new();
    if status.add_header(&mut trailers).is_err() {
        trailers.insert("grpc-status", http::HeaderValue::from_static("8"));
    }
    Frame::trailers(trailers)
}

impl Body for TrackedBody {
    type Data = bytes::Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        let state = &this.call.state;
        state.progress_ms.store(state.now_ms(), Ordering::Relaxed);
        if let Some(early) = this.early.take() {
            // Still counted: it is released at the next poll, as any frame.
            return Poll::Ready(early);
        }
        this.release_unsent();
        this.poll_counted(cx)
    }

    fn is_end_stream(&self) -> bool {
        match &self.early {
            None => self.inner.is_end_stream(),
            Some(early) => early.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.early {
            None => self.inner.size_hint(),
            Some(None) => SizeHint::with_exact(0),
            Some(Some(_)) => SizeHint::default(),
        }
    }
}

impl Drop for TrackedBody {
    fn drop(&mut self) {
        self.release_unsent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDLE: Duration = Duration::from_secs(60);

    /// Whether `idle` completes within `within` (of paused, auto-advancing time).
    async fn idle_within(idle: Pin<&mut impl Future<Output = ()>>, within: Duration) -> bool {
        tokio::time::timeout(within, idle).await.is_ok()
    }

    #[tokio::test(start_paused = true)]
    async fn a_running_handler_keeps_a_connection_busy_and_a_quiet_stream_does_not() {
        let state = Arc::new(ConnState::new((1024, 1024), ProcessBudget::default()));
        let idle = idle(state.clone(), IDLE);
        tokio::pin!(idle);
        let mut call = CallGuard::enter(state.clone(), None);
        assert!(
            !idle_within(idle.as_mut(), 10 * IDLE).await,
            "busy while handled"
        );
        // Answered: a stream left open and sending nothing.
        call.answered();
        assert!(!idle_within(idle.as_mut(), IDLE / 2).await);
        // A reply frame is activity: the idle period starts again from it.
        state.touch();
        assert!(!idle_within(idle.as_mut(), IDLE * 3 / 4).await);
        assert!(
            idle_within(idle.as_mut(), IDLE).await,
            "idle with only a quiet stream open"
        );
        drop(call);
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_without_calls_is_idle_after_the_timeout() {
        let state = Arc::new(ConnState::new((1024, 1024), ProcessBudget::default()));
        let idle = idle(state.clone(), IDLE);
        tokio::pin!(idle);
        assert!(!idle_within(idle.as_mut(), IDLE / 2).await);
        assert!(!state.seen_request.load(Ordering::Relaxed));
        drop(CallGuard::enter(state.clone(), None));
        assert!(state.seen_request.load(Ordering::Relaxed));
        assert!(
            !idle_within(idle.as_mut(), IDLE * 3 / 4).await,
            "a call ended just now"
        );
        assert!(idle_within(idle.as_mut(), IDLE).await);
    }
}
