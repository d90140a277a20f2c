//! The call metrics, named and labelled as the grpc-ecosystem Go middleware names them
//! (`grpc_server_started_total`, `grpc_server_handled_total`, `grpc_server_handling_seconds`,
//! `grpc_server_msg_received_total`, `grpc_server_msg_sent_total`), plus ours (`llmarket_…`),
//! in one [`prometheus_client`] registry per process, written in the Prometheus text format.

use std::sync::{Arc, Mutex, PoisonError};

use prometheus_client::{
    collector::Collector,
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

/// Upper bounds of the `grpc_server_handling_seconds` buckets: 25 µs to 1 s. Our calls take tens
/// to hundreds of microseconds, far below the Go middleware's default first bucket (5 ms).
pub const HANDLING_BUCKETS: [f64; 15] = [
    0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1,
    0.25, 0.5, 1.0,
];

/// The labels of a method: `grpc_type`, `grpc_service`, `grpc_method`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct MethodLabels {
    /// `unary`, `client_stream`, `server_stream` or `bidi_stream`.
    pub grpc_type: &'static str,
    /// Fully qualified service name.
    pub grpc_service: String,
    /// Method name.
    pub grpc_method: String,
}

/// The labels of a finished call: the method's and `grpc_code` (e.g. `OK`, `NotFound`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct CodeLabels {
    /// `unary`, `client_stream`, `server_stream` or `bidi_stream`.
    pub grpc_type: &'static str,
    /// Fully qualified service name.
    pub grpc_service: String,
    /// Method name.
    pub grpc_method: String,
    /// The status code as the Go middleware writes it (`OK`, `InvalidArgument`, …).
    pub grpc_code: &'static str,
}

/// Labels with only a gRPC code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct GrpcCode {
    /// The status code as the Go middleware writes it.
    pub grpc_code: &'static str,
}

/// Labels with a result (`ok`, `rejected`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct Outcome {
    /// What happened.
    pub result: &'static str,
}

/// Every metric a process exports; cheap to share (`Arc`), and every handle is lock-free after
/// its labels were first seen.
#[derive(Debug)]
pub struct Metrics {
    registry: Mutex<Registry>,
    /// `grpc_server_started_total`.
    pub started: Family<MethodLabels, Counter>,
    /// `grpc_server_handled_total`.
    pub handled: Family<CodeLabels, Counter>,
    /// `grpc_server_handling_seconds`.
    pub handling: Family<MethodLabels, Histogram>,
    /// `grpc_server_msg_received_total`.
    pub received: Family<MethodLabels, Counter>,
    /// `grpc_server_msg_sent_total`.
    pub sent: Family<MethodLabels, Counter>,
    /// `llmarket_calls_in_flight`.
    pub in_flight: Gauge,
    /// `llmarket_calls_shed_total`.
    pub shed: Counter,
    /// `llmarket_calls_denied_total{grpc_code}`.
    pub denied: Family<GrpcCode, Counter>,
    /// `llmarket_reloads_total{result}`.
    pub reloads: Family<Outcome, Counter>,
    /// What is read at each scrape: process, open connections, data versions.
    pub runtime: Arc<super::collect::Runtime>,
}

fn handling_histogram() -> Histogram {
    Histogram::new(HANDLING_BUCKETS)
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let started = Family::<MethodLabels, Counter>::default();
        let handled = Family::<CodeLabels, Counter>::default();
        let handling = Family::<MethodLabels, Histogram>::new_with_constructor(
            handling_histogram as fn() -> Histogram,
        );
        let received = Family::<MethodLabels, Counter>::default();
        let sent = Family::<MethodLabels, Counter>::default();
        let in_flight = Gauge::default();
        let shed = Counter::default();
        let denied = Family::<GrpcCode, Counter>::default();
        let reloads = Family::<Outcome, Counter>::default();
        registry.register(
            "grpc_server_started",
            "Total number of RPCs started on the server",
            started.clone(),
        );
        registry.register(
            "grpc_server_handled",
            "Total number of RPCs completed on the server, regardless of success or failure",
            handled.clone(),
        );
        // Registered with its unit in the name, as the Go middleware names it.
        let handling_for_registry: Family<MethodLabels, Histogram> = handling.clone();
        registry.register(
            "grpc_server_handling_seconds",
            "Histogram of response latency (seconds) of gRPC that had been application-level handled by the server",
            handling_for_registry,
        );
        registry.register(
            "grpc_server_msg_received",
            "Total number of RPC stream messages received on the server",
            received.clone(),
        );
        registry.register(
            "grpc_server_msg_sent",
            "Total number of gRPC stream messages sent by the server",
            sent.clone(),
        );
        registry.register(
            "llmarket_calls_in_flight",
            "Calls being handled now (health checks included)",
            in_flight.clone(),
        );
        registry.register(
            "llmarket_calls_shed",
            "Calls refused with RESOURCE_EXHAUSTED by load shedding (--max-concurrent-calls) or the streaming-call caps (--max-streaming-calls, --max-streaming-calls-per-connection)",
            shed.clone(),
        );
        registry.register(
            "llmarket_calls_denied",
            "Calls refused by access control, by gRPC code (Unauthenticated, PermissionDenied)",
            denied.clone(),
        );
        registry.register(
            "llmarket_reloads",
            "Data reloads (SIGHUP) by result: ok, or rejected (the previous data kept)",
            reloads.clone(),
        );
        // Series that are zero until something goes wrong exist from the start, so rate() and
        // alerts see them before the first event.
        for result in ["ok", "rejected"] {
            drop(reloads.get_or_create(&Outcome { result }));
        }
        for code in [tonic::Code::Unauthenticated, tonic::Code::PermissionDenied] {
            drop(denied.get_or_create(&GrpcCode {
                grpc_code: code_label(code),
            }));
        }
        let runtime = Arc::new(super::collect::Runtime::default());
        registry.register_collector(Box::new(runtime.clone()));
        Self {
            runtime,
            registry: Mutex::new(registry),
            started,
            handled,
            handling,
            received,
            sent,
            in_flight,
            shed,
            denied,
            reloads,
        }
    }

    /// Adds a collector read at each scrape (process metrics, open connections, data versions).
    pub fn register_collector(&self, collector: Box<dyn Collector>) {
        self.registry
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .register_collector(collector);
    }

    /// Counts a data reload: `ok` or `rejected`.
    pub fn count_reload(&self, ok: bool) {
        let result = if ok { "ok" } else { "rejected" };
        self.reloads.get_or_create(&Outcome { result }).inc();
    }

    /// Every metric in the Prometheus text format (version 0.0.4).
    pub fn encode(&self) -> String {
        let mut text = String::new();
        let registry = self.registry.lock().unwrap_or_else(PoisonError::into_inner);
        // Writing into a String cannot fail; a collector that fails leaves what it wrote.
        if let Err(e) = prometheus_client::encoding::prometheus_text::encode(&mut text, &registry) {
            tracing::warn!("cannot encode the metrics: {e}");
        }
        text
    }
}

/// Shared handle to the metrics.
pub type SharedMetrics = Arc<Metrics>;

/// The name the Go middleware gives a gRPC code in `grpc_code` (Go's `codes.Code.String()`).
pub fn code_label(code: tonic::Code) -> &'static str {
    use tonic::Code;
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "Canceled",
        Code::Unknown => "Unknown",
        Code::InvalidArgument => "InvalidArgument",
        Code::DeadlineExceeded => "DeadlineExceeded",
        Code::NotFound => "NotFound",
        Code::AlreadyExists => "AlreadyExists",
        Code::PermissionDenied => "PermissionDenied",
        Code::ResourceExhausted => "ResourceExhausted",
        Code::FailedPrecondition => "FailedPrecondition",
        Code::Aborted => "Aborted",
        Code::OutOfRange => "OutOfRange",
        Code::Unimplemented => "Unimplemented",
        Code::Internal => "Internal",
        Code::Unavailable => "Unavailable",
        Code::DataLoss => "DataLoss",
        Code::Unauthenticated => "Unauthenticated",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> CodeLabels {
        CodeLabels {
            grpc_type: "unary",
            grpc_service: "llmarket.forecast.v1.ForecastService".to_owned(),
            grpc_method: "GetSeries".to_owned(),
            grpc_code: code_label(tonic::Code::Ok),
        }
    }

    #[test]
    fn names_and_labels_are_the_go_middlewares() {
        let metrics = Metrics::new();
        metrics.handled.get_or_create(&labels()).inc();
        metrics.count_reload(false);
        let text = metrics.encode();
        assert!(text.contains(
            "grpc_server_handled_total{grpc_type=\"unary\",grpc_service=\"llmarket.forecast.v1.ForecastService\",grpc_method=\"GetSeries\",grpc_code=\"OK\"} 1"
        ), "{text}");
        assert!(
            text.contains("# TYPE grpc_server_handled_total counter"),
            "{text}"
        );
        assert!(
            text.contains("llmarket_reloads_total{result=\"rejected\"} 1"),
            "{text}"
        );
    }

    #[test]
    fn the_histogram_starts_at_25_microseconds() {
        let metrics = Metrics::new();
        let method = MethodLabels {
            grpc_type: "unary",
            grpc_service: "s".to_owned(),
            grpc_method: "m".to_owned(),
        };
        metrics.handling.get_or_create(&method).observe(0.000_01);
        let text = metrics.encode();
        assert!(
            text.contains("grpc_server_handling_seconds_bucket{grpc_type=\"unary\",grpc_service=\"s\",grpc_method=\"m\",le=\"2.5e-05\"} 1"),
            "{text}"
        );
        assert!(text.contains("le=\"+Inf\""), "{text}");
    }
}
