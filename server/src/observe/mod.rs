//! What operators see: Prometheus metrics with the grpc-ecosystem names ([`metrics`]), an
//! access log ([`access_log`]), W3C trace context with OTLP export ([`trace_context`],
//! [`otlp`]), and the HTTP admin listener serving `/metrics`, `/readyz` and `/livez`
//! ([`admin`]).
//!
//! Calls are observed by two tower layers in the middleware's written order: [`DeniedLayer`]
//! just outside authentication (denied calls by code) and [`ObserveLayer`] innermost, before
//! the service (metrics, access line, server span). One [`Observer`] per process is shared by
//! every service it serves; [`Observer::default`] observes nothing and costs one branch a call.

use std::sync::Arc;

pub mod access_log;
pub mod admin;
pub mod collect;
pub mod denied;
pub mod layer;
pub mod methods;
pub mod metrics;
pub mod otlp;
pub mod trace_context;

pub use access_log::{AccessLog, AccessPolicy};
pub use denied::DeniedLayer;
pub use layer::ObserveLayer;
pub use metrics::{Metrics, SharedMetrics};
pub use trace_context::{Sampler, TraceContext};

/// Who a call comes from, as access control names them. The authentication layer inserts it
/// into a request's extensions (`request.extensions_mut().insert(Principal(name))`); the access
/// log writes it when present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal(pub Arc<str>);

/// How a process observes its calls; cheap to clone, shared by all its services.
#[derive(Debug, Clone, Default)]
pub struct Observer {
    inner: Option<Arc<Inner>>,
}

#[derive(Debug)]
struct Inner {
    metrics: Option<SharedMetrics>,
    access: AccessPolicy,
    exporter: Option<otlp::Exporter>,
    sampler: Sampler,
}

impl Observer {
    /// Observes with `metrics` (none: no metrics), the access-log `access` policy and, when
    /// given, spans exported by `exporter` under `sampler`.
    pub fn new(
        metrics: Option<SharedMetrics>,
        access: AccessPolicy,
        exporter: Option<otlp::Exporter>,
        sampler: Sampler,
    ) -> Self {
        let off = metrics.is_none() && access.level == AccessLog::Off && exporter.is_none();
        Self {
            inner: (!off).then(|| {
                Arc::new(Inner {
                    metrics,
                    access,
                    exporter,
                    sampler,
                })
            }),
        }
    }

    /// Whether nothing is observed.
    pub fn is_off(&self) -> bool {
        self.inner.is_none()
    }

    /// The metrics, when they are on.
    pub fn metrics(&self) -> Option<&SharedMetrics> {
        self.inner.as_ref().and_then(|i| i.metrics.as_ref())
    }

    fn access(&self) -> AccessPolicy {
        self.inner
            .as_ref()
            .map_or_else(AccessPolicy::default, |i| i.access)
    }

    fn exporter(&self) -> Option<&otlp::Exporter> {
        self.inner.as_ref().and_then(|i| i.exporter.as_ref())
    }

    fn sampler(&self) -> Sampler {
        self.inner.as_ref().map_or(Sampler::AlwaysOn, |i| i.sampler)
    }

    /// Whether calls need a trace context: for exported spans, or trace ids in access lines.
    fn traces(&self) -> bool {
        self.inner
            .as_ref()
            .is_some_and(|i| i.exporter.is_some() || i.access.level != AccessLog::Off)
    }

    /// The layer counting denied calls (placed just outside authentication).
    pub fn denied_layer(&self) -> DeniedLayer {
        DeniedLayer::new(self.metrics().map(|m| m.denied.clone()))
    }
}
