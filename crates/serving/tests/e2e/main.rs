//! End-to-end tests of llmarket-serving: real servers (its `serve`, on hyper and tonic) on
//! ephemeral loopback ports, called over raw HTTP/2.
//!
//! - [`canary`]: the behaviour of hyper, h2 and tonic that the serving code rests on without
//!   their promising it (docs/adr/0004-transport-below-hyper.md); a failure here means a
//!   dependency changed under us, not that our code broke.

//! - [`budget`]: the unsent-bytes budget against clients that read slowly.
//! - [`cache`]: the reply cache's per-method declarations, and replies that stream through it.

mod budget;
mod cache;
mod canary;
mod probe;
