//! The taxonomy service's domain errors and the one exhaustive mapping to gRPC statuses.

use tonic::Status;

use crate::{
    names::{concept_name, milestone_name, scheme_name},
    status::{invalid_argument, not_found},
};

/// Why a taxonomy request cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The scheme does not exist.
    #[error("{} not found", scheme_name(.scheme))]
    SchemeNotFound {
        /// The scheme id.
        scheme: String,
    },
    /// The concept does not exist (or its scheme does not).
    #[error("{} not found", concept_name(.scheme, .concept))]
    ConceptNotFound {
        /// The scheme id.
        scheme: String,
        /// The concept id.
        concept: String,
    },
    /// The milestone does not exist.
    #[error("{} not found", milestone_name(.milestone))]
    MilestoneNotFound {
        /// The milestone id.
        milestone: String,
    },
    /// A request field is invalid (known only once the request is read against the data, or
    /// checked by the domain itself, like a search query).
    #[error("{field}: {reason}")]
    InvalidArgument {
        /// The request field at fault, e.g. `query` or `names[3]`.
        field: String,
        /// What is wrong and what would be valid.
        reason: String,
    },
}

impl Error {
    /// An [`Error::InvalidArgument`] for `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidArgument {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        match error {
            Error::SchemeNotFound { scheme } => not_found(&scheme_name(&scheme)),
            Error::ConceptNotFound { scheme, concept } => {
                not_found(&concept_name(&scheme, &concept))
            }
            Error::MilestoneNotFound { milestone } => not_found(&milestone_name(&milestone)),
            Error::InvalidArgument { field, reason } => invalid_argument(&field, reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use tonic::Code;
    use tonic_types::StatusExt as _;

    use super::*;

    #[test]
    fn not_found_errors_name_the_resource() {
        let cases = [
            (
                Error::SchemeNotFound {
                    scheme: "nope".into(),
                },
                "schemes/nope not found",
            ),
            (
                Error::ConceptNotFound {
                    scheme: "a".into(),
                    concept: "b".into(),
                },
                "schemes/a/concepts/b not found",
            ),
            (
                Error::MilestoneNotFound {
                    milestone: "m".into(),
                },
                "milestones/m not found",
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
            let status = Status::from(error);
            assert_eq!(status.code(), Code::NotFound);
            assert_eq!(status.message(), message);
        }
    }

    #[test]
    fn invalid_arguments_carry_the_field() {
        let status = Status::from(Error::invalid("names[2]", "is not a concept name"));
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), "names[2]: is not a concept name");
        let details = status.get_error_details();
        let violations = &details.bad_request().expect("bad request").field_violations;
        assert_eq!(violations[0].field, "names[2]");
    }
}
