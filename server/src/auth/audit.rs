//! The audit log: every refused call (UNAUTHENTICATED, PERMISSION_DENIED, a quota's
//! RESOURCE_EXHAUSTED) is one structured line with target `llmarket::audit`. It names the
//! principal (or `anonymous`), the method, the resource, the code and the peer address; it never
//! carries a credential.

use std::net::SocketAddr;

/// The log target of audit lines (`RUST_LOG=llmarket::audit=info` keeps only them).
pub const TARGET: &str = "llmarket::audit";

/// Logs one refused call. `resource` is the resource refused; a call refused before its request
/// is read (no credentials, a quota) names its method there.
pub fn denied(
    principal: Option<&str>,
    method: &str,
    resource: &str,
    code: tonic::Code,
    peer: Option<SocketAddr>,
) {
    tracing::info!(
        target: TARGET,
        principal = principal.unwrap_or("anonymous"),
        method,
        resource,
        code = ?code,
        peer = %peer.map_or_else(|| "unknown".to_owned(), |p| p.to_string()),
        "call denied"
    );
}
