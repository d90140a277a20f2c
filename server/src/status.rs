//! Builders for the gRPC statuses the services return, so every error has the same shape:
//! a lowercase message that names the thing at fault and, for INVALID_ARGUMENT, a
//! `google.rpc.BadRequest` field violation naming the field.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt as _};

/// INVALID_ARGUMENT with a `google.rpc.BadRequest` violation for `field`.
///
/// The message is `"{field}: {description}"` so that clients that ignore details still see the field.
pub fn invalid_argument(field: &str, description: impl Into<String>) -> Status {
    let description = description.into();
    Status::with_error_details(
        Code::InvalidArgument,
        format!("{field}: {description}"),
        ErrorDetails::with_bad_request_violation(field, description),
    )
}

/// NOT_FOUND naming the missing resource, e.g. `datasets/x`.
pub fn not_found(resource: &str) -> Status {
    Status::not_found(format!("{resource} not found"))
}

/// FAILED_PRECONDITION: the request is well formed but the data cannot answer it as asked.
pub fn failed_precondition(message: impl Into<String>) -> Status {
    Status::failed_precondition(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_argument_carries_a_field_violation() {
        let status = invalid_argument("page_size", "must not be negative");
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), "page_size: must not be negative");
        let details = status.get_error_details();
        let violations = &details
            .bad_request()
            .expect("bad request detail")
            .field_violations;
        assert_eq!(violations.len(), 1);
        assert_eq!(violations[0].field, "page_size");
        assert_eq!(violations[0].description, "must not be negative");
    }

    #[test]
    fn not_found_names_the_resource() {
        let status = not_found("datasets/nope");
        assert_eq!(status.code(), Code::NotFound);
        assert_eq!(status.message(), "datasets/nope not found");
    }
}
