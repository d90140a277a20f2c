//! Assertions on the `Status` of a failed gRPC call, shared by the end-to-end tests.

use std::fmt::Debug;

use tonic::{Code, Status};
use tonic_types::StatusExt as _;

/// Asserts `result` is INVALID_ARGUMENT carrying exactly one `google.rpc.BadRequest` field
/// violation, for `field`, and a message that starts with `"{field}: "`.
#[track_caller]
pub fn assert_invalid<T: Debug>(result: Result<T, Status>, field: &str) {
    let status = result.expect_err("expected INVALID_ARGUMENT");
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let details = status.get_error_details();
    let violations = &details
        .bad_request()
        .unwrap_or_else(|| panic!("no BadRequest detail in {status:?}"))
        .field_violations;
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].field, field, "{status:?}");
    assert!(
        status.message().starts_with(&format!("{field}: ")),
        "{status:?}"
    );
}

/// Asserts `result` is NOT_FOUND with the message `"{resource} not found"`, followed by
/// `"; the nearest names: …"` when there are any; returns those names. A status with
/// `google.rpc.ResourceInfo` and `google.rpc.ErrorInfo` details must name the same resource
/// and the same names in them.
#[track_caller]
pub fn assert_not_found<T: Debug>(result: Result<T, Status>, resource: &str) -> Vec<String> {
    let status = result.expect_err("expected NOT_FOUND");
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    let plain = format!("{resource} not found");
    let nearest: Vec<String> = match status.message().strip_prefix(&plain) {
        Some("") => Vec::new(),
        Some(rest) => rest
            .strip_prefix("; the nearest names: ")
            .unwrap_or_else(|| panic!("{status:?}"))
            .split(", ")
            .map(str::to_owned)
            .collect(),
        None => panic!("{:?} does not start with {plain:?}", status.message()),
    };
    let details = status.get_error_details();
    if let Some(info) = details.resource_info() {
        assert_eq!(info.resource_name, resource, "{status:?}");
        let error = details
            .error_info()
            .unwrap_or_else(|| panic!("no ErrorInfo: {status:?}"));
        assert_eq!(error.reason, "RESOURCE_NOT_FOUND", "{status:?}");
        assert_eq!(error.metadata["nearest"], nearest.join(","), "{status:?}");
    }
    nearest
}

/// Asserts `status` is a RESOURCE_EXHAUSTED refusal a retry can cure, decoded as a client
/// would: `google.rpc.RetryInfo` with `delay`, `google.rpc.ErrorInfo` with `reason`, and the
/// same delay in the `grpc-retry-pushback-ms` metadata a gRPC retry policy follows.
#[track_caller]
pub fn assert_retry_after(status: &Status, reason: &str, delay: std::time::Duration) {
    assert_refusal(status, reason);
    let retry = status.get_details_retry_info().map(|r| r.retry_delay);
    assert_eq!(retry, Some(Some(delay)), "{status:?}");
    assert_eq!(
        pushback(status),
        delay.as_millis().to_string(),
        "{status:?}"
    );
}

/// Asserts `status` is a RESOURCE_EXHAUSTED refusal no retry cures: ErrorInfo with `reason`,
/// no RetryInfo, and a negative pushback (a gRPC retry policy does not retry it).
#[track_caller]
pub fn assert_no_retry(status: &Status, reason: &str) {
    assert_refusal(status, reason);
    assert!(status.get_details_retry_info().is_none(), "{status:?}");
    assert_eq!(pushback(status), "-1", "{status:?}");
}

#[track_caller]
fn assert_refusal(status: &Status, reason: &str) {
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    let info = status
        .get_details_error_info()
        .unwrap_or_else(|| panic!("no ErrorInfo in {status:?}"));
    assert_eq!(
        (info.reason.as_str(), info.domain.as_str()),
        (reason, llmarket_serving::refusal::DOMAIN),
        "{status:?}"
    );
}

fn pushback(status: &Status) -> String {
    let value = status.metadata().get(llmarket_serving::refusal::PUSHBACK);
    value
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}
