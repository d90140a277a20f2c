//! W3C trace context (`traceparent`): a call's parent read from its headers by
//! OpenTelemetry's standard [`TraceContextPropagator`], and the parent-based sampler the
//! standard variables choose.

use http::HeaderMap;
use opentelemetry::{
    Context,
    propagation::TextMapPropagator as _,
    trace::{SpanContext, TraceContextExt as _, TraceId},
};
use opentelemetry_http::HeaderExtractor;
use opentelemetry_sdk::{propagation::TraceContextPropagator, trace as sdk};

/// The context a call continues: its `traceparent` (and `tracestate`) read by the W3C
/// propagator; an empty context (a new trace) when there is none or it is malformed.
pub fn parent(headers: &HeaderMap) -> Context {
    TraceContextPropagator::new().extract(&HeaderExtractor(headers))
}

/// The span context `parent` carries, when it is a valid remote one.
pub fn remote(parent: &Context) -> Option<SpanContext> {
    let span = parent.span();
    let context = span.span_context();
    context.is_valid().then(|| context.clone())
}

/// A new trace id, never all zero (for access lines of calls that start a trace when spans
/// are not exported).
pub fn new_trace_id() -> TraceId {
    loop {
        let id = fastrand::u128(..);
        if id != 0 {
            return TraceId::from_bytes(id.to_be_bytes());
        }
    }
}

/// Which new traces are recorded (`OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`). A call
/// with a parent always follows its parent's decision (parent-based); the root sampler decides
/// for calls that start a trace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sampler {
    /// Record every new trace (`parentbased_always_on`, the default).
    AlwaysOn,
    /// Record no new trace (`parentbased_always_off`).
    AlwaysOff,
    /// Record this fraction of new traces, by trace id (`parentbased_traceidratio`).
    Ratio(f64),
}

impl Sampler {
    /// The sampler the standard variables name; unknown names fall back to the default with a
    /// warning, as the OpenTelemetry SDKs do.
    pub fn from_env(name: Option<&str>, arg: Option<&str>) -> Self {
        let ratio = || {
            arg.and_then(|a| a.trim().parse::<f64>().ok())
                .filter(|r| (0.0..=1.0).contains(r))
                .unwrap_or(1.0)
        };
        match name.map(str::trim) {
            None | Some("" | "parentbased_always_on" | "always_on") => Self::AlwaysOn,
            Some("parentbased_always_off" | "always_off") => Self::AlwaysOff,
            Some("parentbased_traceidratio" | "traceidratio") => Self::Ratio(ratio()),
            Some(other) => {
                tracing::warn!(
                    sampler = other,
                    "unknown OTEL_TRACES_SAMPLER; valid are parentbased_always_on, parentbased_always_off, parentbased_traceidratio: using parentbased_always_on"
                );
                Self::AlwaysOn
            }
        }
    }

    /// The SDK's sampler: parent-based, with this one deciding for new traces.
    pub fn to_sdk(self) -> sdk::Sampler {
        let root = match self {
            Self::AlwaysOn => sdk::Sampler::AlwaysOn,
            Self::AlwaysOff => sdk::Sampler::AlwaysOff,
            Self::Ratio(ratio) => sdk::Sampler::TraceIdRatioBased(ratio),
        };
        sdk::Sampler::ParentBased(Box::new(root))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(value: &[u8]) -> Option<SpanContext> {
        let mut headers = HeaderMap::new();
        headers.insert("traceparent", http::HeaderValue::from_bytes(value).unwrap());
        remote(&parent(&headers))
    }

    #[test]
    fn a_traceparent_is_read_as_the_parent() {
        let parsed = read(b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
        assert_eq!(
            parsed.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(parsed.span_id().to_string(), "00f067aa0ba902b7");
        assert!(parsed.is_sampled());
        assert!(parsed.is_remote());
        assert!(remote(&parent(&HeaderMap::new())).is_none());
    }

    #[test]
    fn malformed_or_zero_ids_start_a_new_trace() {
        for bad in [
            &b""[..],
            b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            b"00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            b"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            b"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            b"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        ] {
            assert_eq!(read(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn the_sampler_follows_the_parent_and_its_ratio() {
        use opentelemetry::trace::SpanKind;
        use opentelemetry_sdk::trace::SamplingDecision;
        use opentelemetry_sdk::trace::ShouldSample as _;
        let mut headers = HeaderMap::new();
        headers.insert(
            "traceparent",
            http::HeaderValue::from_static(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
            ),
        );
        let unsampled = parent(&headers);
        let decide = |sampler: Sampler, parent: Option<&Context>| {
            sampler
                .to_sdk()
                .should_sample(parent, new_trace_id(), "x", &SpanKind::Server, &[], &[])
                .decision
        };
        assert_eq!(
            decide(Sampler::AlwaysOn, Some(&unsampled)),
            SamplingDecision::Drop
        );
        assert_eq!(decide(Sampler::AlwaysOff, None), SamplingDecision::Drop);
        assert_eq!(decide(Sampler::Ratio(0.0), None), SamplingDecision::Drop);
        assert_eq!(
            decide(Sampler::Ratio(1.0), None),
            SamplingDecision::RecordAndSample
        );
        assert_eq!(
            Sampler::from_env(Some("parentbased_traceidratio"), Some("0.25")),
            Sampler::Ratio(0.25)
        );
    }
}
