//! Builders for the gRPC statuses the services return, so every error has the same shape:
//! a lowercase message that names the thing at fault and, for INVALID_ARGUMENT, a
//! `google.rpc.BadRequest` field violation naming the field.

use llmarket_proto::names::NameError;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt as _};

/// Most characters of caller input that an error message repeats.
pub const MAX_ECHO_CHARS: usize = 100;
/// Most characters of an error message (and of a field violation's description). Messages travel
/// in HTTP/2 headers, so one that repeats a huge input must not outgrow the header limit.
pub const MAX_MESSAGE_CHARS: usize = 1024;

/// `text` cut to `max_chars` characters, with `…` marking the cut.
pub fn shorten(text: &str, max_chars: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max_chars) {
        None => text.into(),
        Some((cut, _)) => format!("{}…", &text[..cut]).into(),
    }
}

/// Caller input as an error message repeats it: quoted, and cut to [`MAX_ECHO_CHARS`].
pub fn echo(input: &str) -> String {
    format!("{:?}", shorten(input, MAX_ECHO_CHARS))
}

/// INVALID_ARGUMENT with a `google.rpc.BadRequest` violation for `field`.
///
/// The message is `"{field}: {description}"` so that clients that ignore details still see the field.
pub fn invalid_argument(field: &str, description: impl Into<String>) -> Status {
    let description = shorten(&description.into(), MAX_MESSAGE_CHARS).into_owned();
    let field = shorten(field, MAX_ECHO_CHARS);
    Status::with_error_details(
        Code::InvalidArgument,
        format!("{field}: {description}"),
        ErrorDetails::with_bad_request_violation(field, description),
    )
}

/// Maps a malformed resource name in request field `field` to INVALID_ARGUMENT naming the field:
/// `SchemeName::parse(&request.name).map_err(bad_name("name"))?`.
pub fn bad_name(field: &str) -> impl FnOnce(NameError) -> Status + '_ {
    move |error| invalid_argument(field, error.to_string())
}

/// NOT_FOUND naming the missing resource, e.g. `datasets/x`.
pub fn not_found(resource: &str) -> Status {
    Status::not_found(format!(
        "{} not found",
        shorten(resource, MAX_MESSAGE_CHARS)
    ))
}

/// FAILED_PRECONDITION: the request is well formed but the data cannot answer it as asked.
pub fn failed_precondition(message: impl Into<String>) -> Status {
    Status::failed_precondition(shorten(&message.into(), MAX_MESSAGE_CHARS))
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
    fn long_input_is_cut_in_messages() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "abc…");
        assert_eq!(shorten("推理模型", 2), "推理…");
        let huge = "x".repeat(50_000);
        assert_eq!(echo(&huge).chars().count(), MAX_ECHO_CHARS + 3);
        let status = invalid_argument("name", format!("{huge} is bad"));
        assert!(status.message().chars().count() <= MAX_MESSAGE_CHARS + 8);
        let details = status.get_error_details();
        let violation = &details.bad_request().expect("bad request").field_violations[0];
        assert!(violation.description.chars().count() <= MAX_MESSAGE_CHARS + 1);
        assert!(not_found(&huge).message().chars().count() <= MAX_MESSAGE_CHARS + 12);
    }

    #[test]
    fn a_bad_name_is_invalid_argument_naming_the_field() {
        let error = llmarket_proto::names::SchemeName::parse("schemes/A").unwrap_err();
        let status = bad_name("parent")(error);
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(
            status.message().starts_with(
                "parent: \"schemes/A\" is not a valid resource name; expected schemes/{scheme}"
            ),
            "{}",
            status.message()
        );
    }

    #[test]
    fn not_found_names_the_resource() {
        let status = not_found("datasets/nope");
        assert_eq!(status.code(), Code::NotFound);
        assert_eq!(status.message(), "datasets/nope not found");
    }
}
