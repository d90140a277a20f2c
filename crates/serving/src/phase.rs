//! The phases of a server's life, which the accept loop and every connection watch.

/// Where a server is in its life; every connection watches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Accepting and serving.
    Serving,
    /// GOAWAY sent: calls in flight finish, no new ones start.
    Draining,
    /// The grace period is over: connections close now.
    Closing,
}
