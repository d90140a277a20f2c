//! The generic per-call layers an llmarket process puts around its routes, each a plain
//! [`tower::Layer`] over `http::Request<B>` → `http::Response<tonic::body::Body>`:
//! [`content_type`] (not gRPC → HTTP 415), [`message_size`] (a request over its bound →
//! RESOURCE_EXHAUSTED from its length prefix), [`load_shed`] (past the calls in flight →
//! RESOURCE_EXHAUSTED, never queued), [`streams`] (the streaming-call caps), [`deadline`] (the
//! call time limit, reply streams included) and [`cache`] (repeated read calls answered from
//! [`reply_cache`]). The server binary's `app::stack` writes the one order they run in, with its
//! own authentication and observation layers between them. Each layer makes its own
//! `tower::Service` with a named future, so a call passes a layer without an allocation; a layer
//! that does something with the reply once the service answers (holds a place until it ends,
//! watches its code) returns an [`on_reply::OnReplyFuture`]. Only the cache's future is boxed:
//! it reads the whole request before it runs the service.

use std::{fmt, sync::Arc, time::Duration};

pub mod cache;
pub mod content_type;
pub mod deadline;
pub mod load_shed;
pub mod message_size;
pub mod on_reply;
mod places;
pub mod reply_cache;
pub mod streams;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use cache::CacheLayer;
pub use content_type::ContentTypeLayer;
pub use deadline::DeadlineLayer;
pub use load_shed::LoadShedLayer;
pub use message_size::{MessageSizeLayer, RequestBounds};
pub use reply_cache::{CacheScope, ReplyCache};
pub use streams::{ConnectionStreams, StreamLimitLayer};

/// Told of every call refused by load shedding or a streaming-call cap (the server counts them
/// as `llmarket_calls_shed_total`).
#[derive(Clone)]
pub struct ShedCounter(Arc<dyn Fn() + Send + Sync>);

impl ShedCounter {
    /// Calls `count` once for every refused call.
    pub fn new(count: impl Fn() + Send + Sync + 'static) -> Self {
        Self(Arc::new(count))
    }

    fn inc(&self) {
        (self.0)();
    }
}

impl fmt::Debug for ShedCounter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ShedCounter")
    }
}

/// Default `--max-concurrent-calls` (docs/adr/0003-default-call-limits.md).
pub const DEFAULT_MAX_CONCURRENT_CALLS: usize = 256;
/// Default `--max-streaming-calls` (docs/adr/0003-default-call-limits.md).
pub const DEFAULT_MAX_STREAMING_CALLS: usize = 512;
/// Default `--max-call-time`.
pub const DEFAULT_MAX_CALL_TIME: Duration = Duration::from_secs(30);
/// Default and highest `--max-message-size`: tonic's own decoding limit, 4 MiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 4 * 1024 * 1024;

/// The per-call limits, from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Calls in flight (health checks not counted) before more are shed.
    pub max_concurrent_calls: usize,
    /// Streaming calls (health `Watch`, reflection) open at once before more are refused.
    pub max_streaming_calls: usize,
    /// The longest any call may run, reply stream included, whatever deadline its caller sets.
    pub max_call_time: Duration,
    /// The largest request message, in bytes (at most [`DEFAULT_MAX_MESSAGE_SIZE`]).
    pub max_message_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_concurrent_calls: DEFAULT_MAX_CONCURRENT_CALLS,
            max_streaming_calls: DEFAULT_MAX_STREAMING_CALLS,
            max_call_time: DEFAULT_MAX_CALL_TIME,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
        }
    }
}
