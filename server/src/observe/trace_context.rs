//! W3C trace context (`traceparent`, version 00): the ids a call belongs to, read from a request's
//! headers and written into the headers of the calls it makes, and the parent-based sampler.

use std::fmt;

/// The header W3C trace context travels in.
pub const TRACEPARENT: &str = "traceparent";

/// One span's place in a trace: the trace id, the span id, and whether the trace is sampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceContext {
    /// 16 bytes, never all zero.
    pub trace_id: u128,
    /// 8 bytes, never all zero.
    pub span_id: u64,
    /// The `sampled` flag: the trace is being recorded.
    pub sampled: bool,
}

fn nonzero_u64() -> u64 {
    loop {
        let id = fastrand::u64(..);
        if id != 0 {
            return id;
        }
    }
}

fn nonzero_u128() -> u128 {
    loop {
        let id = fastrand::u128(..);
        if id != 0 {
            return id;
        }
    }
}

impl TraceContext {
    /// The first span of a new trace.
    pub fn root(sampled: bool) -> Self {
        Self {
            trace_id: nonzero_u128(),
            span_id: nonzero_u64(),
            sampled,
        }
    }

    /// A new span under this one: same trace and sampling, a new span id.
    pub fn child(&self) -> Self {
        Self {
            span_id: nonzero_u64(),
            ..*self
        }
    }

    /// Parses a `traceparent` value (`00-<32 hex>-<16 hex>-<2 hex>`); `None` when it is
    /// malformed or has an all-zero id, in which case the receiver starts a new trace.
    /// Versions above 00 are read by their first four fields, as the specification asks.
    pub fn parse(value: &[u8]) -> Option<Self> {
        let text = std::str::from_utf8(value).ok()?.trim();
        let mut parts = text.split('-');
        let version = parts.next()?;
        let trace = parts.next()?;
        let span = parts.next()?;
        let flags = parts.next()?;
        let valid_version = version.len() == 2 && version != "ff";
        if !valid_version || (version == "00" && parts.next().is_some()) {
            return None;
        }
        if trace.len() != 32 || span.len() != 16 || flags.len() != 2 {
            return None;
        }
        let lower_hex = |s: &str| s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if ![version, trace, span, flags].into_iter().all(lower_hex) {
            return None;
        }
        let trace_id = u128::from_str_radix(trace, 16).ok()?;
        let span_id = u64::from_str_radix(span, 16).ok()?;
        let flags = u8::from_str_radix(flags, 16).ok()?;
        (trace_id != 0 && span_id != 0).then_some(Self {
            trace_id,
            span_id,
            sampled: flags & 1 == 1,
        })
    }

    /// The trace id as 32 lowercase hex digits.
    pub fn trace_id_hex(&self) -> String {
        format!("{:032x}", self.trace_id)
    }
}

/// The `traceparent` value: `00-<trace id>-<span id>-<flags>`.
impl fmt::Display for TraceContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "00-{:032x}-{:016x}-{:02x}",
            self.trace_id,
            self.span_id,
            u8::from(self.sampled)
        )
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

    /// The context of a server span: a child of `parent` following its decision, or a new
    /// root this sampler decides on.
    pub fn server_span(&self, parent: Option<&TraceContext>) -> TraceContext {
        match parent {
            Some(parent) => parent.child(),
            None => {
                let mut root = TraceContext::root(true);
                root.sampled = self.samples(root.trace_id);
                root
            }
        }
    }

    fn samples(&self, trace_id: u128) -> bool {
        match *self {
            Self::AlwaysOn => true,
            Self::AlwaysOff => false,
            Self::Ratio(ratio) => {
                // As the SDKs do: the low 63 bits of the trace id against ratio × 2^63.
                let low = (trace_id as u64) & (u64::MAX >> 1);
                (low as f64) < ratio * (1u64 << 63) as f64
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_traceparent_reads_back_as_written() {
        let context = TraceContext::root(true);
        let text = context.to_string();
        assert_eq!(text.len(), 55);
        assert_eq!(TraceContext::parse(text.as_bytes()), Some(context));
        let example = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let parsed = TraceContext::parse(example).unwrap();
        assert_eq!(parsed.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(parsed.span_id, 0x00f0_67aa_0ba9_02b7);
        assert!(parsed.sampled);
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
            assert_eq!(
                TraceContext::parse(bad),
                None,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn the_sampler_follows_the_parent_and_its_ratio() {
        let parent =
            TraceContext::parse(b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
                .unwrap();
        let child = Sampler::AlwaysOn.server_span(Some(&parent));
        assert_eq!(child.trace_id, parent.trace_id);
        assert!(!child.sampled);
        assert!(!Sampler::AlwaysOff.server_span(None).sampled);
        assert!(!Sampler::Ratio(0.0).server_span(None).sampled);
        assert!(Sampler::Ratio(1.0).server_span(None).sampled);
        assert_eq!(
            Sampler::from_env(Some("parentbased_traceidratio"), Some("0.25")),
            Sampler::Ratio(0.25)
        );
    }
}
