//! Logging and tracing through `tracing`: log lines at the level `RUST_LOG` asks (default
//! `info`), text or JSON lines on stderr; and, when spans are exported, the
//! `tracing-opentelemetry` layer that turns each call's server span (target
//! [`RPC_TARGET`]) into an OpenTelemetry span. Each layer has its own filter: `RUST_LOG` never
//! hides server spans from the exporter, and log lines do not show them.

use std::io::IsTerminal as _;

use opentelemetry_sdk::trace::SdkTracer;
use tracing::Metadata;
use tracing_subscriber::{
    EnvFilter, Layer as _, filter::FilterExt as _, filter::filter_fn, fmt,
    layer::SubscriberExt as _, util::SubscriberInitExt as _,
};

use crate::{config::LogFormat, observe::layer::RPC_TARGET};

fn is_server_span(metadata: &Metadata<'_>) -> bool {
    metadata.is_span() && metadata.target() == RPC_TARGET
}

/// Installs the global subscriber; with `tracer`, server spans are exported through it.
/// Safe to call more than once (later calls do nothing).
pub fn init(format: LogFormat, tracer: Option<SdkTracer>) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = filter.and(filter_fn(|metadata| metadata.target() != RPC_TARGET));
    let ansi = std::io::stderr().is_terminal();
    let lines = match format {
        LogFormat::Text => fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .with_filter(logs)
            .boxed(),
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .with_filter(logs)
            .boxed(),
    };
    let spans = tracer.map(|tracer| {
        tracing_opentelemetry::layer()
            .with_tracer(tracer)
            // The span carries the RPC attributes only, as the gRPC conventions name them.
            .with_location(false)
            .with_tracked_inactivity(false)
            .with_threads(false)
            .with_target(false)
            .with_context_activation(false)
            .with_filter(filter_fn(is_server_span))
    });
    let result = tracing_subscriber::registry()
        .with(spans)
        .with(lines)
        .try_init();
    // An error here only means a subscriber is already installed (e.g. by a test).
    drop(result);
}
