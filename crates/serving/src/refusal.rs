//! RESOURCE_EXHAUSTED refusals, each saying whether a retry can cure it. A momentary refusal (a
//! limit on what is in flight or queued right now, a principal's quota) carries
//! `google.rpc.RetryInfo` with the delay to wait, `google.rpc.ErrorInfo` with its reason, and
//! the `grpc-retry-pushback-ms` trailer a gRPC client's retry policy follows (gRFC A6); a
//! refusal no retry cures (a message or reply over its size limit) carries the ErrorInfo and a
//! negative pushback, which tells a gRPC client's retry policy not to retry it.

use std::time::Duration;

use tonic::{Code, Status, metadata::MetadataMap};
use tonic_types::{ErrorDetails, StatusExt as _};

/// The `google.rpc.ErrorInfo` domain of every refusal.
pub const DOMAIN: &str = "llmarket.dev";

/// The trailer with which a server tells a gRPC client's retry policy when to retry (gRFC A6).
pub const PUSHBACK: &str = "grpc-retry-pushback-ms";

/// How long a refused unary call is told to wait: calls end within milliseconds, so a place is
/// soon free; the service config's first backoff (`proto/llmarket/service_config.json`) is the
/// same.
pub const CALL_RETRY: Duration = Duration::from_millis(100);

/// How long a refusal for unread replies is told to wait: long enough for a slow reader to
/// take some of them.
pub const UNREAD_RETRY: Duration = Duration::from_millis(500);

/// How long a refused streaming call is told to wait: streams (watches above all) stay open
/// long, so a place frees up more slowly than a unary call's.
pub const STREAM_RETRY: Duration = Duration::from_secs(1);

/// RESOURCE_EXHAUSTED that a retry after `delay` can cure, with ErrorInfo `reason`.
pub fn retry_after(reason: &str, delay: Duration, message: impl Into<String>) -> Status {
    let millis = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
    let mut details = ErrorDetails::with_retry_info(Some(delay));
    details.set_error_info(
        reason,
        DOMAIN,
        [("retry_delay_ms".to_owned(), millis.to_string())],
    );
    refusal(details, &millis.to_string(), message)
}

/// RESOURCE_EXHAUSTED that no retry cures (the same call is refused again), with ErrorInfo
/// `reason` and no RetryInfo.
pub fn no_retry(reason: &str, message: impl Into<String>) -> Status {
    let details = ErrorDetails::with_error_info(reason, DOMAIN, []);
    refusal(details, "-1", message)
}

fn refusal(details: ErrorDetails, pushback: &str, message: impl Into<String>) -> Status {
    let mut metadata = MetadataMap::new();
    metadata.insert(
        PUSHBACK,
        pushback.parse().expect("digits are a header value"),
    );
    Status::with_error_details_and_metadata(Code::ResourceExhausted, message, details, metadata)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::testing::{Refusal, refusal};

    #[test]
    fn a_momentary_refusal_says_when_to_retry_and_a_size_refusal_not_to() {
        let status = retry_after("OVERLOADED", Duration::from_millis(250), "busy");
        assert_eq!(
            refusal(&status),
            Refusal {
                code: Code::ResourceExhausted,
                retry_delay: Some(Duration::from_millis(250)),
                reason: "OVERLOADED".into(),
                pushback: "250".into(),
            }
        );
        assert_eq!(status.message(), "busy");
        // The details and the trailer survive the trip through HTTP headers.
        let mut headers = http::HeaderMap::new();
        status.add_header(&mut headers).unwrap();
        let back = Status::from_header_map(&headers).unwrap();
        assert_eq!(refusal(&back), refusal(&status));

        let status = no_retry("MESSAGE_TOO_LARGE", "too big");
        assert_eq!(
            refusal(&status),
            Refusal {
                code: Code::ResourceExhausted,
                retry_delay: None,
                reason: "MESSAGE_TOO_LARGE".into(),
                pushback: "-1".into(),
            }
        );
    }
}
