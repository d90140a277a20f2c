//! What the transport knows about a caller. The accept loop puts one [`Peer`] (shared by every
//! call of a connection) into each request's extensions, where middleware and services read it:
//! `request.extensions().get::<Arc<Peer>>()`.

use std::net::SocketAddr;

/// The caller at the other end of a connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Peer {
    /// The caller's address, when the transport has one.
    pub addr: Option<SocketAddr>,
    /// The names (DNS and URI subject alternative names, typed as `dns:…` and `uri:…`) of the
    /// client certificate the caller presented and the server verified; empty without mutual
    /// TLS.
    pub certificate_names: Vec<String>,
}
