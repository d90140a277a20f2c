//! The accept loop: takes TCP connections off the listener, holds them to the connection cap and
//! to the per-address cap ([`super::per_address`]), backs off when descriptors run out, and
//! hands each to [`super::connection`] on its own task, after the TLS handshake when TLS is on
//! ([`super::tls`]). A connection's first request is due `--first-request-timeout` after it was
//! accepted, its TLS handshake included. With a reserve for authenticated connections
//! ([`super::anonymous`]), a connection at the cap closes the oldest anonymous one instead of
//! being refused.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use tokio::{
    net::{TcpListener, TcpStream},
    sync::{OwnedSemaphorePermit, Semaphore, watch},
};
use tokio_rustls::TlsAcceptor;

use super::{
    anonymous::{Anonymous, AnonymousConnection},
    budget::ProcessBudget,
    connection::{self, ConnectionService, Unverified},
    limits::ConnectionLimits,
    log_limit::RateLimit,
    peer::Peer,
    per_address::{AddressSlot, PerAddress},
    phase::Phase,
    tls::{self, ServerTls},
};

/// TCP keepalive on accepted connections, so dead peers are noticed below HTTP/2 too.
const TCP_KEEPALIVE: Duration = Duration::from_secs(60);
/// First pause after the descriptors ran out; doubled on each failure up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(10);
/// Longest pause between accepts while descriptors are out.
const MAX_BACKOFF: Duration = Duration::from_secs(1);

static OVER_CAP: RateLimit = RateLimit::new(Duration::from_secs(10));
static OVER_ADDRESS_CAP: RateLimit = RateLimit::new(Duration::from_secs(10));
static EVICTED: RateLimit = RateLimit::new(Duration::from_secs(10));
static OUT_OF_FDS: RateLimit = RateLimit::new(Duration::from_secs(10));
static ACCEPT_FAILED: RateLimit = RateLimit::new(Duration::from_secs(10));
static HANDSHAKE_FAILED: RateLimit = RateLimit::new(Duration::from_secs(10));

/// Accepts connections on `listener` and serves each with `service` (over TLS when `tls` is given)
/// until `stop` completes. Connections then stay open: the caller ends them through `phase`. Each
/// connection holds one of `permits` (`limits.max_connections` of them) while open, so the
/// metrics can read how many are open.
pub(crate) async fn run<S>(
    listener: TcpListener,
    tls: Option<ServerTls>,
    service: S,
    (limits, budget): (ConnectionLimits, ProcessBudget),
    permits: Arc<Semaphore>,
    phase: watch::Receiver<Phase>,
    stop: impl Future<Output = ()>,
) where
    S: ConnectionService,
{
    let builder = connection::builder(&limits);
    let per_address = PerAddress::new(limits.max_connections_per_address);
    let anonymous = (limits.reserved_connections > 0).then(|| {
        Anonymous::new(
            limits
                .max_connections
                .saturating_sub(limits.reserved_connections),
        )
    });
    let mut backoff: Option<Duration> = None;
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, addr) = match accepted {
            Ok(accepted) => accepted,
            Err(e) if out_of_descriptors(&e) => {
                let pause = backoff.map_or(FIRST_BACKOFF, |b| (b * 2).min(MAX_BACKOFF));
                backoff = Some(pause);
                if let Some(suppressed) = OUT_OF_FDS.allow() {
                    tracing::warn!(
                        ?pause,
                        suppressed,
                        "cannot accept connections, out of file descriptors ({e}): backing off"
                    );
                }
                tokio::select! {
                    () = &mut stop => break,
                    () = tokio::time::sleep(pause) => continue,
                }
            }
            Err(e) => {
                // A connection that failed before we took it (e.g. reset by its peer).
                if let Some(suppressed) = ACCEPT_FAILED.allow() {
                    tracing::debug!(suppressed, "accept failed: {e}");
                }
                continue;
            }
        };
        backoff = None;
        let Some(address_slot) = per_address.try_take(addr.ip()) else {
            if let Some(suppressed) = OVER_ADDRESS_CAP.allow() {
                tracing::warn!(
                    peer = %addr.ip(),
                    max_connections_per_address = per_address.limit(),
                    suppressed,
                    "connection refused: its address is at the per-address cap"
                );
            }
            drop(stream);
            continue;
        };
        let admission = match permits.clone().try_acquire_owned() {
            Ok(permit) => Admission::Now(permit),
            // At the cap with anonymous connections open: the oldest makes room.
            Err(_) if anonymous.as_ref().is_some_and(Anonymous::evict_oldest) => {
                Admission::Waiting(permits.clone())
            }
            Err(_) => Admission::Refused,
        };
        if let Admission::Refused = admission {
            if let Some(suppressed) = OVER_CAP.allow() {
                tracing::warn!(
                    max_connections = limits.max_connections,
                    suppressed,
                    "connection refused: at the connection cap"
                );
            }
            drop(stream);
            continue;
        }
        let anonymous = anonymous.as_ref().map(Anonymous::admit);
        configure(&stream);
        // The handshake runs on the connection's own task, between accept and HTTP/2, so a slow
        // handshake never holds up this loop; it holds its connection slot meanwhile.
        let acceptor = tls.as_ref().map(|tls| (tls.acceptor(), tls.clone()));
        tokio::spawn(handle(
            Accepted {
                stream,
                addr,
                acceptor,
                admission,
                address_slot,
                anonymous,
            },
            service.clone(),
            builder.clone(),
            (limits, budget.clone()),
            phase.clone(),
        ));
    }
}

/// A connection's place in the connection cap.
enum Admission {
    /// Taken.
    Now(OwnedSemaphorePermit),
    /// To take once the anonymous connection evicted for it has closed.
    Waiting(Arc<Semaphore>),
    /// None: the connection is refused.
    Refused,
}

/// One accepted connection and its places in the caps.
struct Accepted {
    stream: TcpStream,
    addr: SocketAddr,
    /// The TLS handshake to make first, when TLS is on, and the TLS it is from (whose reloads
    /// check a client certificate again).
    acceptor: Option<(TlsAcceptor, ServerTls)>,
    admission: Admission,
    address_slot: AddressSlot,
    /// The connection's place among the anonymous ones, when authenticated ones have a reserve.
    anonymous: Option<AnonymousConnection>,
}

/// One accepted connection, on its own task: its place in the connection cap (waited for until
/// the first-request deadline, when an anonymous connection was evicted for it), then
/// [`serve_accepted`], cut short if the connection is evicted while anonymous. Its places in the
/// caps are held throughout.
async fn handle<S>(
    accepted: Accepted,
    service: S,
    builder: connection::Builder,
    (limits, budget): (ConnectionLimits, ProcessBudget),
    phase: watch::Receiver<Phase>,
) where
    S: ConnectionService,
{
    let first_request = tokio::time::Instant::now() + limits.first_request_timeout;
    let Accepted {
        stream,
        addr,
        acceptor,
        admission,
        address_slot,
        anonymous,
    } = accepted;
    let permit = match admission {
        Admission::Now(permit) => permit,
        Admission::Waiting(permits) => {
            match tokio::time::timeout_at(first_request, permits.acquire_owned()).await {
                Ok(Ok(permit)) => permit,
                _ => return,
            }
        }
        Admission::Refused => return,
    };
    let evicted = {
        let anonymous = anonymous.clone();
        async move {
            match anonymous {
                Some(anonymous) => anonymous.evicted().await,
                None => std::future::pending().await,
            }
        }
    };
    let serving = serve_accepted(
        stream,
        addr,
        acceptor,
        anonymous,
        first_request,
        (service, builder, (limits, budget), phase),
    );
    tokio::select! {
        () = serving => {}
        () = evicted => {
            if let Some(suppressed) = EVICTED.allow() {
                tracing::info!(
                    peer = %addr,
                    suppressed,
                    "closing the oldest connection not authenticated, to make room for a new one"
                );
            }
        }
    }
    drop((permit, address_slot));
}

/// What serves a connection: the service, the connection settings, the limits with the
/// process's budget, and the server's phase.
type Serving<S> = (
    S,
    connection::Builder,
    (ConnectionLimits, ProcessBudget),
    watch::Receiver<Phase>,
);

/// Serves an admitted connection: the TLS handshake if `tls` is given (given up when the server
/// begins to drain, or at the first-request deadline; a completed one authenticates the
/// connection when TLS is mutual), then HTTP/2.
async fn serve_accepted<S>(
    stream: TcpStream,
    addr: SocketAddr,
    tls: Option<(TlsAcceptor, ServerTls)>,
    anonymous: Option<AnonymousConnection>,
    first_request: tokio::time::Instant,
    (service, builder, limits, mut phase): Serving<S>,
) where
    S: ConnectionService,
{
    let mut peer = Peer {
        addr: Some(addr),
        certificate_names: Vec::new(),
    };
    match tls {
        None => {
            let peer = (
                peer,
                anonymous,
                Box::pin(std::future::pending()) as Unverified,
            );
            connection::serve(stream, first_request, peer, service, builder, limits, phase).await;
        }
        Some((acceptor, tls)) => {
            // A completed handshake authenticates when TLS verifies client certificates.
            let mutual = tls.mutual();
            let handshake = tokio::select! {
                result = tls::handshake(acceptor, stream, limits.0.tls_handshake_timeout) => result,
                _ = phase.wait_for(|now| *now != Phase::Serving) => return,
                () = tokio::time::sleep_until(first_request) => {
                    tracing::debug!(peer = %addr, "TLS handshake not done by the first-request deadline: closing");
                    return;
                }
            };
            match handshake {
                Ok(stream) => {
                    peer.certificate_names = tls::certificate_names(stream.get_ref().1);
                    if mutual && let Some(anonymous) = &anonymous {
                        // The client certificate was verified: the connection is authenticated.
                        anonymous.authenticated();
                    }
                    let unverified: Unverified = if mutual {
                        let chain = stream
                            .get_ref()
                            .1
                            .peer_certificates()
                            .unwrap_or_default()
                            .iter()
                            .map(|c| c.clone().into_owned())
                            .collect();
                        Box::pin(async move { tls.until_unverified(chain).await })
                    } else {
                        Box::pin(std::future::pending())
                    };
                    let peer = (peer, anonymous, unverified);
                    connection::serve(stream, first_request, peer, service, builder, limits, phase)
                        .await;
                }
                Err(e) => {
                    if let Some(suppressed) = HANDSHAKE_FAILED.allow() {
                        tracing::info!(peer = %addr, suppressed, "TLS handshake failed: {e}");
                    }
                }
            }
        }
    }
}

/// TCP_NODELAY (small unary responses must not wait for Nagle's algorithm and the peer's delayed
/// ACK, about 40 ms a call otherwise) and TCP keepalive.
fn configure(stream: &TcpStream) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!("cannot set TCP_NODELAY: {e}");
    }
    let keepalive = socket2::TcpKeepalive::new().with_time(TCP_KEEPALIVE);
    if let Err(e) = socket2::SockRef::from(stream).set_tcp_keepalive(&keepalive) {
        tracing::debug!("cannot set TCP keepalive: {e}");
    }
}

/// Whether accept failed for lack of descriptors or kernel memory (EMFILE, ENFILE, ENOBUFS,
/// ENOMEM): retrying at once would spin.
fn out_of_descriptors(error: &std::io::Error) -> bool {
    const EMFILE: i32 = 24;
    const ENFILE: i32 = 23;
    const ENOMEM: i32 = 12;
    #[cfg(target_os = "linux")]
    const ENOBUFS: i32 = 105;
    #[cfg(not(target_os = "linux"))]
    const ENOBUFS: i32 = 55;
    matches!(
        error.raw_os_error(),
        Some(EMFILE | ENFILE | ENOMEM | ENOBUFS)
    )
}
