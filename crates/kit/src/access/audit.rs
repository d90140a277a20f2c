//! The audit log: every refused call (UNAUTHENTICATED, PERMISSION_DENIED, a quota's
//! RESOURCE_EXHAUSTED) is counted, and logged as one structured line with target
//! `llmarket::audit`. It names the principal (or `anonymous`), the method (`unknown` for a path
//! that names no routed method), the resource, the code and the peer address; it never carries
//! a credential, and what it repeats of the caller's input is cut to [`MAX_ECHO_CHARS`].
//!
//! A flood of refusals must not become a flood of log: each peer address gets at most one line
//! per [`LINE_EVERY`], and that line says how many of its refusals were not logged since its
//! last one (`suppressed`). `llmarket_calls_denied_total` still counts every one.

use std::{
    net::SocketAddr,
    sync::LazyLock,
    time::{Duration, Instant},
};

use super::log_limit::PeerRateLimit;
use crate::status::{MAX_ECHO_CHARS, shorten};

/// The log target of audit lines (`RUST_LOG=llmarket::audit=info` keeps only them).
pub const TARGET: &str = "llmarket::audit";

/// Each peer address gets at most one audit line per this period.
pub const LINE_EVERY: Duration = Duration::from_secs(1);

/// Peer addresses limited one by one; past them, the others share one limit.
pub const TRACKED_PEERS: usize = 4096;

static LIMIT: LazyLock<PeerRateLimit> =
    LazyLock::new(|| PeerRateLimit::new(LINE_EVERY, TRACKED_PEERS));

/// Logs one refused call, unless its peer had a line within [`LINE_EVERY`]. `method` is the
/// method as the metrics name it (`unknown` when it names no routed method); `resource` is the
/// resource refused, when the request was read (a call refused before, for its credentials or
/// its quota, has none). A call without a peer address (in-process tests) is always logged.
pub fn denied(
    principal: Option<&str>,
    method: &str,
    resource: Option<&str>,
    code: tonic::Code,
    peer: Option<SocketAddr>,
) {
    let suppressed = match peer {
        Some(addr) => match LIMIT.allow(addr.ip(), Instant::now()) {
            Some(suppressed) => suppressed,
            None => return,
        },
        None => 0,
    };
    let method = shorten(method, MAX_ECHO_CHARS);
    let resource = resource.map(|r| shorten(r, MAX_ECHO_CHARS));
    tracing::info!(
        target: TARGET,
        principal = principal.unwrap_or("anonymous"),
        method = &*method,
        resource = resource.as_deref(),
        code = ?code,
        peer = %peer.map_or_else(|| "unknown".to_owned(), |p| p.to_string()),
        suppressed,
        "call denied"
    );
}
