//! The taxonomy service's domain errors and the one exhaustive mapping to gRPC statuses. Request
//! shape (names, years, the search query, page tokens) is checked at the edge, in
//! [`super::convert`]; what is left for the domain is what only the data can tell: a resource
//! that does not exist.

use llmarket_proto::names::{concept_name, milestone_name, scheme_name};
use tonic::Status;

use llmarket_kit::status::not_found;

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
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        match error {
            Error::SchemeNotFound { scheme } => not_found(&scheme_name(&scheme)),
            Error::ConceptNotFound { scheme, concept } => {
                not_found(&concept_name(&scheme, &concept))
            }
            Error::MilestoneNotFound { milestone } => not_found(&milestone_name(&milestone)),
        }
    }
}

#[cfg(test)]
mod tests {
    use tonic::Code;

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
}
