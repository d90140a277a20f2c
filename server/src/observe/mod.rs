//! What operators see: Prometheus metrics with the grpc-ecosystem names ([`metrics`]), an
//! access log ([`access_log`]), server spans with W3C trace context exported over OTLP by the
//! OpenTelemetry crates ([`trace_context`], [`otlp`]), and the HTTP admin listener serving `/metrics`, `/readyz` and `/livez`
//! ([`admin`]).
//!
//! Calls are observed by two tower layers in the middleware's written order: [`DeniedLayer`]
//! just outside authentication (denied calls by code) and [`ObserveLayer`] innermost, before
//! the service (metrics, access line, server span). One [`Observer`] per process is shared by
//! every service it serves; [`Observer::default`] observes nothing and costs one branch a call.

pub mod access_log;
pub mod admin;
pub mod collect;
pub mod denied;
pub mod layer;
pub mod methods;
pub mod metrics;
pub mod observer;
pub mod otlp;
pub mod trace_context;

pub use access_log::{AccessLog, AccessPolicy};
pub use denied::DeniedLayer;
pub use layer::ObserveLayer;
pub use metrics::{Metrics, SharedMetrics};
pub use observer::Observer;
pub use trace_context::Sampler;
