//! [`Observer`]: how a process observes its calls (metrics, access log, server spans), shared
//! by every service it serves.

use std::sync::Arc;

use super::{
    access_log::{AccessLog, AccessPolicy},
    denied::DeniedLayer,
    metrics::SharedMetrics,
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
    spans: bool,
}

impl Observer {
    /// Observes with `metrics` (none: no metrics), the access-log `access` policy and, when
    /// `spans`, a server span per call (exported by the process's OpenTelemetry layer, see
    /// [`crate::telemetry::init`]).
    pub fn new(metrics: Option<SharedMetrics>, access: AccessPolicy, spans: bool) -> Self {
        let off = metrics.is_none() && access.level == AccessLog::Off && !spans;
        Self {
            inner: (!off).then(|| {
                Arc::new(Inner {
                    metrics,
                    access,
                    spans,
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

    /// Whether each call gets a server span.
    pub(crate) fn exports_spans(&self) -> bool {
        self.inner.as_ref().is_some_and(|i| i.spans)
    }

    /// The layer counting denied calls (placed just outside authentication).
    pub fn denied_layer(&self) -> DeniedLayer {
        DeniedLayer::new(self.metrics().map(|m| m.denied.clone()))
    }
}
