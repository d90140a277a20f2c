//! The llmarket servers: the forecast and taxonomy gRPC services, the runtime they share (config,
//! telemetry, health, reflection, shutdown, reload), and the built-in CIC dataset.
//!
//! The binary (`llmarket-server`) is thin: it parses [`config::Cli`], loads the data, binds, and
//! hands each listener to [`runtime::serve`].

#![forbid(unsafe_code)]

pub mod auth;
pub mod compression;
pub mod config;
pub mod data;
pub mod fields;
pub mod file_mode;
pub mod forecast;
pub mod hash;
pub mod metadata;
pub mod nearest;
pub mod observe;
pub mod paging;
pub mod quoted;
pub mod runtime;
pub mod status;
pub mod taxonomy;
pub mod telemetry;
