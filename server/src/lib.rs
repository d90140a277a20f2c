//! The llmarket server binary's library: its command line ([`config`]), the process ([`app`]:
//! what it serves, the one layer order, the one reload path), access control ([`auth`]: the
//! principals file, tokens and the authentication layer), observability ([`observe`]: metrics,
//! access log, traces, the admin listener) and logging ([`telemetry`]).
//!
//! The services themselves are the `llmarket-forecast` and `llmarket-taxonomy` crates, on the
//! `llmarket-kit` they share; the transport is `llmarket-serving`.

#![forbid(unsafe_code)]

pub mod app;
pub mod auth;
pub mod commands;
pub mod config;
pub mod observe;
pub mod telemetry;
