//! Logging and tracing through `tracing`: log lines at the level `RUST_LOG` asks (default
//! `info`), text or JSON lines on stderr; and, when spans are exported, the
//! `tracing-opentelemetry` layer that turns each call's server span (target
//! [`RPC_TARGET`]) into an OpenTelemetry span. Each layer has its own filter: `RUST_LOG` never
//! hides server spans from the exporter, and log lines do not show them.

use std::io::IsTerminal as _;

use opentelemetry_sdk::trace::SdkTracer;
use tracing::Metadata;
use tracing_subscriber::{
    EnvFilter, Layer as _,
    filter::{LevelFilter, filter_fn},
    fmt,
    layer::SubscriberExt as _,
    util::SubscriberInitExt as _,
};

use crate::{config::LogFormat, observe::layer::RPC_TARGET};

fn is_server_span(metadata: &Metadata<'_>) -> bool {
    metadata.is_span() && metadata.target() == RPC_TARGET
}

/// Installs the global subscriber; with `tracer`, server spans are exported through it.
/// Safe to call more than once (later calls do nothing).
pub fn init(format: LogFormat, tracer: Option<SdkTracer>) {
    // An error here only means a subscriber is already installed (e.g. by a test).
    drop(subscriber(format, tracer).try_init());
}

/// The subscriber [`init`] installs.
fn subscriber(
    format: LogFormat,
    tracer: Option<SdkTracer>,
) -> impl tracing::Subscriber + Send + Sync {
    // Server spans never reach the log lines. Written as a directive, not a filter function, so
    // the filter keeps its static interest and its level hint: without them every `trace!` of
    // hyper and h2 is evaluated per call (docs/benchmarks/2026-12-06-house.md).
    let logs = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info"))
        .add_directive(
            format!("{RPC_TARGET}=off")
                .parse()
                .expect("a valid directive"),
        );
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
            // Server spans are INFO spans: the hint keeps every more verbose callsite off.
            .with_filter(filter_fn(is_server_span).with_max_level_hint(LevelFilter::INFO))
    });
    tracing_subscriber::registry().with(spans).with(lines)
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::TracerProvider as _;
    use tracing::Subscriber as _;

    use super::*;

    #[test]
    fn the_subscriber_keeps_more_verbose_callsites_off_with_and_without_export() {
        // Without a level hint every `trace!` of hyper and h2 is evaluated on every call.
        let tracer = opentelemetry_sdk::trace::SdkTracerProvider::builder()
            .build()
            .tracer("test");
        for tracer in [None, Some(tracer)] {
            let hint = subscriber(LogFormat::Text, tracer).max_level_hint();
            assert!(
                hint.is_some_and(|level| level <= LevelFilter::INFO),
                "{hint:?}"
            );
        }
    }
}
