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

/// Asserts `result` is NOT_FOUND with the message `"{resource} not found"`.
#[track_caller]
pub fn assert_not_found<T: Debug>(result: Result<T, Status>, resource: &str) {
    let status = result.expect_err("expected NOT_FOUND");
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    assert_eq!(status.message(), format!("{resource} not found"));
}
