//! The forecast service's domain errors and the one exhaustive mapping to gRPC statuses.

use llmarket_proto::names::{dataset_name, series_name};
use tonic::Status;

use crate::status::{failed_precondition, invalid_argument, not_found};

/// Why a forecast request cannot be answered.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The dataset does not exist.
    #[error("{} not found", dataset_name(.dataset))]
    DatasetNotFound {
        /// The dataset id.
        dataset: String,
    },
    /// The series does not exist in an existing dataset.
    #[error("{} not found", series_name(.dataset, .series))]
    SeriesNotFound {
        /// The dataset id.
        dataset: String,
        /// The series id.
        series: String,
    },
    /// A request field is invalid once the data is known (e.g. a span that ends before it starts).
    #[error("{field}: {reason}")]
    InvalidArgument {
        /// The request field at fault.
        field: &'static str,
        /// What is wrong and what would be valid.
        reason: String,
    },
    /// A calculation needs a year the series has no value for.
    #[error("{series} has no value for {year}, which {needed_for} needs; {hint}")]
    MissingYear {
        /// The series resource name.
        series: String,
        /// The missing year.
        year: i32,
        /// What needed it, e.g. "the growth from 2025".
        needed_for: String,
        /// How the caller could get a value, or why none can be had.
        hint: String,
    },
    /// A calculation needs a positive value (a ratio or a geometric path) and got another.
    #[error("{series} has {value} in {year}, but {needed_for} needs a positive value")]
    NotPositive {
        /// The series resource name.
        series: String,
        /// The year of the value.
        year: i32,
        /// The value.
        value: f64,
        /// What needed it.
        needed_for: String,
    },
    /// The data has nothing to answer the request with (no parent, no components, no rate...).
    #[error("{0}")]
    NotApplicable(String),
}

impl Error {
    /// A [`Error::MissingYear`] for a year with no stated value: says whether
    /// FILL_CAGR_INTERPOLATE would derive it (`between` holds the stated years around it).
    pub fn missing(
        series: String,
        year: i32,
        needed_for: String,
        fill_asked: bool,
        between: Option<(i32, i32)>,
    ) -> Self {
        let hint = match (between, fill_asked) {
            (Some((before, after)), false) => {
                format!("fill=FILL_CAGR_INTERPOLATE would derive it from {before} and {after}")
            }
            (Some(_), true) | (None, _) => {
                "no value can be derived for it either: it is not between two stated years"
                    .to_owned()
            }
        };
        Self::MissingYear {
            series,
            year,
            needed_for,
            hint,
        }
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        match error {
            Error::DatasetNotFound { dataset } => not_found(&dataset_name(&dataset)),
            Error::SeriesNotFound { dataset, series } => not_found(&series_name(&dataset, &series)),
            Error::InvalidArgument { field, reason } => invalid_argument(field, reason),
            e @ Error::MissingYear { .. } => failed_precondition(e.to_string()),
            e @ Error::NotPositive { .. } => failed_precondition(e.to_string()),
            e @ Error::NotApplicable(_) => failed_precondition(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    #[test]
    fn maps_each_error_to_its_code() {
        let status = Status::from(Error::DatasetNotFound {
            dataset: "nope".into(),
        });
        assert_eq!(status.code(), Code::NotFound);
        assert_eq!(status.message(), "datasets/nope not found");
        let status = Status::from(Error::SeriesNotFound {
            dataset: "d".into(),
            series: "s".into(),
        });
        assert_eq!(status.message(), "datasets/d/series/s not found");
        let status = Status::from(Error::InvalidArgument {
            field: "end_year",
            reason: "must be after start_year".into(),
        });
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), "end_year: must be after start_year");
        let status = Status::from(Error::NotApplicable("no parent".into()));
        assert_eq!(status.code(), Code::FailedPrecondition);
    }

    #[test]
    fn missing_year_says_whether_fill_would_help() {
        let e = Error::missing(
            "datasets/d/series/s".into(),
            2026,
            "x".into(),
            false,
            Some((2024, 2029)),
        );
        let status = Status::from(e);
        assert_eq!(status.code(), Code::FailedPrecondition);
        assert!(
            status.message().contains("no value for 2026"),
            "{}",
            status.message()
        );
        assert!(
            status
                .message()
                .contains("fill=FILL_CAGR_INTERPOLATE would derive it")
        );
        let e = Error::missing("s".into(), 2031, "x".into(), false, None);
        assert!(
            e.to_string().contains("not between two stated years"),
            "{e}"
        );
    }
}
