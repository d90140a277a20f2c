//! The accept loop: takes TCP connections off the listener, holds them to the connection cap and
//! to the per-address cap ([`super::per_address`]), backs off when descriptors run out, and
//! hands each to [`super::connection`] on its own task, after the TLS handshake when TLS is on
//! ([`super::tls`]). A connection's first request is due `--first-request-timeout` after it was
//! accepted, its TLS handshake included.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use tokio::{
    net::{TcpListener, TcpStream},
    sync::{OwnedSemaphorePermit, Semaphore, watch},
};
use tokio_rustls::TlsAcceptor;

use super::{
    connection::{self, ConnectionService},
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
    limits: ConnectionLimits,
    permits: Arc<Semaphore>,
    phase: watch::Receiver<Phase>,
    stop: impl Future<Output = ()>,
) where
    S: ConnectionService,
{
    let builder = connection::builder(&limits);
    let per_address = PerAddress::new(limits.max_connections_per_address);
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
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            if let Some(suppressed) = OVER_CAP.allow() {
                tracing::warn!(
                    max_connections = limits.max_connections,
                    suppressed,
                    "connection refused: at the connection cap"
                );
            }
            drop(stream);
            continue;
        };
        configure(&stream);
        // The handshake runs on the connection's own task, between accept and HTTP/2, so a slow
        // handshake never holds up this loop; it holds its connection slot meanwhile.
        let acceptor = tls.as_ref().map(ServerTls::acceptor);
        tokio::spawn(handle(
            stream,
            addr,
            acceptor,
            service.clone(),
            builder.clone(),
            limits,
            phase.clone(),
            (permit, address_slot),
        ));
    }
}

/// One accepted connection, on its own task: the TLS handshake if `acceptor` is given (given up
/// when the server begins to drain, or at the first-request deadline), then HTTP/2. `slots` (its
/// places in the connection cap and its address's cap) are held throughout.
#[allow(clippy::too_many_arguments)]
async fn handle<S>(
    stream: TcpStream,
    addr: SocketAddr,
    acceptor: Option<TlsAcceptor>,
    service: S,
    builder: connection::Builder,
    limits: ConnectionLimits,
    mut phase: watch::Receiver<Phase>,
    slots: (OwnedSemaphorePermit, AddressSlot),
) where
    S: ConnectionService,
{
    let mut peer = Peer {
        addr: Some(addr),
        certificate_names: Vec::new(),
    };
    let first_request = tokio::time::Instant::now() + limits.first_request_timeout;
    match acceptor {
        None => {
            connection::serve(stream, first_request, peer, service, builder, limits, phase).await;
        }
        Some(acceptor) => {
            let handshake = tokio::select! {
                result = tls::handshake(acceptor, stream) => result,
                _ = phase.wait_for(|now| *now != Phase::Serving) => return,
                () = tokio::time::sleep_until(first_request) => {
                    tracing::debug!(peer = %addr, "TLS handshake not done by the first-request deadline: closing");
                    return;
                }
            };
            match handshake {
                Ok(stream) => {
                    peer.certificate_names = tls::certificate_names(stream.get_ref().1);
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
    drop(slots);
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
