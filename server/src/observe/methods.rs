//! The metric handles of each method, resolved once per method and then shared, so a call
//! costs atomic increments rather than label hashing and allocations. At most [`MAX_METHODS`]
//! methods are tracked per listener; calls to any other (and to services not routed) count
//! under `grpc_service="unknown", grpc_method="unknown"`, so callers cannot grow the metrics.

use std::{
    collections::HashMap,
    sync::{Arc, OnceLock, PoisonError, RwLock},
};

use prometheus_client::metrics::{counter::Counter, histogram::Histogram};
use tonic::Code;

use super::metrics::{CodeLabels, MethodLabels, Metrics, code_label};

/// Most methods one listener tracks by name.
pub const MAX_METHODS: usize = 256;

/// The handles of one method.
#[derive(Debug)]
pub(crate) struct MethodMetrics {
    pub(crate) labels: MethodLabels,
    pub(crate) started: Counter,
    pub(crate) handling: Histogram,
    pub(crate) received: Counter,
    pub(crate) sent: Counter,
    /// `grpc_server_handled_total` by code (indexed by the code's number), made on first use.
    handled: [OnceLock<Counter>; 17],
}

impl MethodMetrics {
    fn new(metrics: &Metrics, labels: MethodLabels) -> Self {
        Self {
            started: metrics.started.get_or_create(&labels).clone(),
            handling: metrics.handling.get_or_create(&labels).clone(),
            received: metrics.received.get_or_create(&labels).clone(),
            sent: metrics.sent.get_or_create(&labels).clone(),
            labels,
            handled: Default::default(),
        }
    }

    /// Counts one call of this method ending with `code`.
    pub(crate) fn count_handled(&self, metrics: &Metrics, code: Code) {
        let slot = usize::try_from(i32::from(code)).unwrap_or(0) % self.handled.len();
        self.handled[slot]
            .get_or_init(|| {
                let labels = CodeLabels {
                    grpc_type: self.labels.grpc_type,
                    grpc_service: self.labels.grpc_service.clone(),
                    grpc_method: self.labels.grpc_method.clone(),
                    grpc_code: code_label(code),
                };
                metrics.handled.get_or_create(&labels).clone()
            })
            .inc();
    }
}

/// Handles by request path, for one listener.
#[derive(Debug)]
pub(crate) struct Methods {
    metrics: Arc<Metrics>,
    known: Arc<[&'static str]>,
    by_path: RwLock<HashMap<Box<str>, Arc<MethodMetrics>>>,
    unknown: Arc<MethodMetrics>,
}

/// `unary`, or the streaming kind of the few streaming methods routed (health's `Watch`,
/// reflection's `ServerReflectionInfo`).
fn grpc_type(service: &str, method: &str) -> &'static str {
    match (service, method) {
        ("grpc.health.v1.Health" | "llmarket.watch.v2.WatchService", "Watch") => "server_stream",
        (_, "ServerReflectionInfo") => "bidi_stream",
        _ => "unary",
    }
}

impl Methods {
    /// Tracks methods of the `known` services into `metrics`.
    pub(crate) fn new(metrics: Arc<Metrics>, known: Arc<[&'static str]>) -> Self {
        let unknown = Arc::new(MethodMetrics::new(
            &metrics,
            MethodLabels {
                grpc_type: "unary",
                grpc_service: "unknown".to_owned(),
                grpc_method: "unknown".to_owned(),
            },
        ));
        Self {
            metrics,
            known,
            by_path: RwLock::default(),
            unknown,
        }
    }

    /// The metrics everything counts into.
    pub(crate) fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The handles for calls that name no known method.
    pub(crate) fn unknown(&self) -> &Arc<MethodMetrics> {
        &self.unknown
    }

    /// The handles of the method `path` calls (`/package.Service/Method`).
    pub(crate) fn of(&self, path: &str) -> Arc<MethodMetrics> {
        if let Some(found) = self
            .by_path
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(path)
        {
            return found.clone();
        }
        let Some((service, method)) = path
            .strip_prefix('/')
            .and_then(|p| p.split_once('/'))
            .filter(|(service, method)| {
                !method.is_empty() && !method.contains('/') && self.known.contains(service)
            })
        else {
            return self.unknown.clone();
        };
        let mut by_path = self.by_path.write().unwrap_or_else(PoisonError::into_inner);
        if by_path.len() >= MAX_METHODS {
            return self.unknown.clone();
        }
        by_path
            .entry(path.into())
            .or_insert_with(|| {
                Arc::new(MethodMetrics::new(
                    &self.metrics,
                    MethodLabels {
                        grpc_type: grpc_type(service, method),
                        grpc_service: service.to_owned(),
                        grpc_method: method.to_owned(),
                    },
                ))
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_past_the_cap_and_unknown_services_count_as_unknown() {
        let methods = Methods::new(Arc::new(Metrics::new()), Arc::from(["a.S"].as_slice()));
        assert_eq!(methods.of("/a.S/M").labels.grpc_method, "M");
        assert!(Arc::ptr_eq(&methods.of("/a.S/M"), &methods.of("/a.S/M")));
        assert!(Arc::ptr_eq(&methods.of("/b.S/M"), methods.unknown()));
        assert!(Arc::ptr_eq(&methods.of("/nonsense"), methods.unknown()));
        for n in 0..MAX_METHODS * 2 {
            methods.of(&format!("/a.S/M{n}"));
        }
        assert!(Arc::ptr_eq(&methods.of("/a.S/Other"), methods.unknown()));
        assert_eq!(
            methods
                .of("/grpc.health.v1.Health/Watch")
                .labels
                .grpc_service,
            "unknown"
        );
    }
}
