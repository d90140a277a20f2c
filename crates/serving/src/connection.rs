//! One client connection: hyper's HTTP/2 server with our settings (stream limit, flow-control
//! windows, keepalive pings), or HTTP/1.1 for gRPC-Web from browsers (chosen by the connection's
//! first bytes: the HTTP/2 preface or not), and the timers that end it: the first request
//! (`--first-request-timeout`), idle (no handler running and no reply message sent; an open
//! stream that sends nothing does not keep a connection busy), maximum age (GOAWAY, then close
//! after a grace), a peer that stopped reading (found by the process's one check of every
//! connection, `crate::stalls`), and the server's drain.

use std::{
    convert::Infallible,
    pin::Pin,
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

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
    budget::ProcessBudget,
    held_writes::{Flushing, HeldIo, hold_writes},
    limits::{CONNECTION_WINDOW, ConnectionLimits, SEND_BUFFER_PER_STREAM, STREAM_WINDOW},
    middleware::ConnectionStreams,
    peer::Peer,
    phase::Phase,
    tracked::{ConnState, Tracked},
};

/// What a connection serves: the middleware stack around the routes, answering every request
/// (errors are gRPC statuses inside the response, never a service error).
pub trait ConnectionService:
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
    // hyper writes into `io`; what it wrote in one wake-up of this task leaves in one write
    // (docs/adr/0004-transport-below-hyper.md).
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
    // Checked with every other connection, by one task of the process (`crate::stalls`).
    let mut watched = state
        .budget
        .watch_stalls(state.clone(), limits.send_timeout);
    let mut watching = true;

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
            stopped = &mut watched.stopped, if watching => {
                watching = false;
                if stopped.is_ok() {
                    tracing::info!(
                        send_timeout = ?limits.send_timeout,
                        process_into_reserve = state.budget.unsent_in_reserve(),
                        "closing a connection whose peer stopped reading"
                    );
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracked::CallGuard;

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
