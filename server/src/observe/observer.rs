//! [`Observer`]: how a process observes its calls (metrics, access log, span export), shared
//! by every service it serves.

use std::sync::Arc;

use super::{
    access_log::{AccessLog, AccessPolicy},
    denied::DeniedLayer,
    metrics::SharedMetrics,
    otlp,
    trace_context::Sampler,
};

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

    pub(crate) fn access(&self) -> AccessPolicy {
        self.inner
            .as_ref()
            .map_or_else(AccessPolicy::default, |i| i.access)
    }

    pub(crate) fn exporter(&self) -> Option<&otlp::Exporter> {
        self.inner.as_ref().and_then(|i| i.exporter.as_ref())
    }

    pub(crate) fn sampler(&self) -> Sampler {
        self.inner.as_ref().map_or(Sampler::AlwaysOn, |i| i.sampler)
    }

    /// Whether calls need a trace context: for exported spans, or trace ids in access lines.
    pub(crate) fn traces(&self) -> bool {
        self.inner
            .as_ref()
            .is_some_and(|i| i.exporter.is_some() || i.access.level != AccessLog::Off)
    }

    /// The layer counting denied calls (placed just outside authentication).
    pub fn denied_layer(&self) -> DeniedLayer {
        DeniedLayer::new(self.metrics().map(|m| m.denied.clone()))
    }
}
