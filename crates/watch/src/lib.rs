//! The watch service (`llmarket.watch.v2.WatchService`): callers hear when the data a server
//! answers from changes instead of polling.
//!
//! The [`Hub`] holds the current [`State`] and a bounded history of recent reloads; the one
//! reload path publishes each accepted reload into it ([`Hub::publish`]) with its changes
//! already named (v2 resource names, built by the server). Each subscriber reads the reloads
//! from a broadcast channel, so no subscriber (however slow) holds up a reload or another
//! subscriber: one that falls further behind than the history ends with ABORTED and lists again.
//! [`WatchApi`] is the gRPC handler: it scopes everything to what the caller may read
//! ([`llmarket_kit::access::Access`]) and sends heartbeats when nothing happens.
//!
//! Like the other services it has no transport: the serving runtime routes it, and the layers
//! around it (streaming-call caps, deadline, authentication) treat it as any streaming call.

mod hub;
mod scope;
mod service;

pub use self::{
    hub::{DEFAULT_HEARTBEAT, DEFAULT_HISTORY, DatasetState, Hub, Reload, State},
    service::{RESUME_VERSION_UNKNOWN, WatchApi, WatchStream},
};
