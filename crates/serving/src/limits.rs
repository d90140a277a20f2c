//! The limits every connection is held to, with their defaults (the `--help` defaults of the
//! flags that set them, see `config`).

use std::time::Duration;

/// Default `--max-concurrent-streams`: calls one connection may have open at once, advertised in
/// the HTTP/2 SETTINGS frame.
pub const DEFAULT_MAX_CONCURRENT_STREAMS: u32 = 100;
/// Default `--max-connections`.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
/// Default `--idle-timeout`.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// Default `--keepalive-interval`.
pub const DEFAULT_KEEPALIVE_INTERVAL: Duration = Duration::from_secs(60);
/// Default `--keepalive-timeout`.
pub const DEFAULT_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(20);
/// Default `--max-connection-age`.
pub const DEFAULT_MAX_CONNECTION_AGE: Duration = Duration::from_secs(30 * 60);
/// Default `--max-connection-age-grace`.
pub const DEFAULT_MAX_CONNECTION_AGE_GRACE: Duration = Duration::from_secs(30);
/// Default `--max-unsent-bytes`: 16 MiB, about 13 of the largest replies (a BatchGetConcepts of
/// 1,000 concepts, about 1.2 MiB).
pub const DEFAULT_MAX_UNSENT_BYTES: usize = 16 * 1024 * 1024;
/// Default `--max-reply-size`: 4 MiB, what gRPC clients accept by default (a larger reply would
/// fail in the client anyway, after the server spent the memory and the bandwidth).
pub const DEFAULT_MAX_REPLY_SIZE: usize = 4 * 1024 * 1024;
/// Default `--send-timeout`.
pub const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Default `--max-streaming-calls-per-connection`: a gRPC client watches health with one stream
/// per connection, and a reflection client (grpcurl) opens one; 8 leaves room for both.
pub const DEFAULT_MAX_STREAMING_CALLS_PER_CONNECTION: usize = 8;
/// Default `--first-request-timeout`.
pub const DEFAULT_FIRST_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The default `--reserved-connections` for a connection cap of `max_connections` when
/// connections can authenticate: a quarter of it.
pub fn default_reserved(max_connections: usize) -> usize {
    max_connections / 4
}

/// The default `--max-connections-per-address` for a connection cap of `max_connections`: a
/// quarter of it (at least 1), so one address never holds more than its share.
pub fn default_per_address(max_connections: usize) -> usize {
    (max_connections / 4).max(1)
}

/// HTTP/2 receive window per stream. Our requests are small (the largest, a BatchGetConcepts of
/// 1,000 names, is about 50 KiB), so this bounds what a client can park in request bodies.
pub const STREAM_WINDOW: u32 = 256 * 1024;
/// HTTP/2 receive window for a whole connection.
pub const CONNECTION_WINDOW: u32 = 1024 * 1024;
/// Bytes hyper buffers per stream ahead of the peer's flow-control window.
pub const SEND_BUFFER_PER_STREAM: usize = 64 * 1024;

/// How connections are accepted, served and ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Streams (calls) one connection may have open at once.
    pub max_concurrent_streams: u32,
    /// Connections open at once; one over the cap is closed at once.
    pub max_connections: usize,
    /// Connections open at once from one client address (an IPv4 address, or an IPv6 /64
    /// network; any port); one over is closed at once. At most `max_connections`.
    pub max_connections_per_address: usize,
    /// A new connection that has not sent its first request this long after it was accepted
    /// (TLS handshake included) gets GOAWAY, and is closed if it still sends none.
    pub first_request_timeout: Duration,
    /// How long a client may take to finish the TLS handshake (and never past
    /// `first_request_timeout`): one that never does holds its connection slot no longer.
    pub tls_handshake_timeout: Duration,
    /// Streaming calls (health `Watch`, reflection) one connection may have open at once.
    pub max_streaming_calls_per_connection: usize,
    /// Connection slots kept for connections that have authenticated (see `--reserved-connections`);
    /// 0: none, and connections are never told apart.
    pub reserved_connections: usize,
    /// A connection with no handler running and no reply message sent for this long gets
    /// GOAWAY; if it is still that quiet this long after, it is closed.
    pub idle_timeout: Duration,
    /// How often an HTTP/2 ping checks that the peer is alive.
    pub keepalive_interval: Duration,
    /// How long a ping may go unanswered before the connection is closed.
    pub keepalive_timeout: Duration,
    /// A connection this old gets GOAWAY, so clients behind L4 balancers spread again.
    pub max_connection_age: Duration,
    /// How long calls may still finish after the age's GOAWAY before the connection is closed.
    pub max_connection_age_grace: Duration,
    /// A connection whose responses wait on the peer's window with no progress for this long is
    /// closed: its peer stopped reading, and what it left unread is freed.
    pub send_timeout: Duration,
    /// Most reply bytes one connection may hold unread by its peer; a reply that would go over
    /// gets RESOURCE_EXHAUSTED (one reply alone always goes).
    pub max_unsent_bytes: usize,
    /// Largest reply message (as one HTTP/2 body frame) sent; a larger one is dropped and its
    /// call ends with RESOURCE_EXHAUSTED.
    pub max_reply_size: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_concurrent_streams: DEFAULT_MAX_CONCURRENT_STREAMS,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_address: default_per_address(DEFAULT_MAX_CONNECTIONS),
            first_request_timeout: DEFAULT_FIRST_REQUEST_TIMEOUT,
            tls_handshake_timeout: crate::tls::DEFAULT_HANDSHAKE_TIMEOUT,
            max_streaming_calls_per_connection: DEFAULT_MAX_STREAMING_CALLS_PER_CONNECTION,
            reserved_connections: 0,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            keepalive_interval: DEFAULT_KEEPALIVE_INTERVAL,
            keepalive_timeout: DEFAULT_KEEPALIVE_TIMEOUT,
            max_connection_age: DEFAULT_MAX_CONNECTION_AGE,
            max_connection_age_grace: DEFAULT_MAX_CONNECTION_AGE_GRACE,
            send_timeout: DEFAULT_SEND_TIMEOUT,
            max_unsent_bytes: DEFAULT_MAX_UNSENT_BYTES,
            max_reply_size: DEFAULT_MAX_REPLY_SIZE,
        }
    }
}
