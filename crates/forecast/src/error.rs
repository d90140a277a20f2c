//! The forecast service's domain errors and the one exhaustive mapping to gRPC statuses.
//!
//! The domain (`model`, `analysis`) returns these errors with the data of what went wrong and
//! never names a request field; this module alone decides each error's code, the field a
//! BadRequest violation names, and the words a caller reads. The `Display` of an error that
//! maps to FAILED_PRECONDITION is the message the caller sees.

use llmarket_proto::names::{dataset_name, series_name};
use tonic::Status;

use super::model::values::{Span, number};
use llmarket_kit::{
    nearest::NotFound,
    status::{failed_precondition, invalid_argument, not_found},
};

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
        /// The dataset's series nearest to it (full names, nearest first, at most 3).
        nearest: Vec<String>,
    },
    /// No edition of the dataset has this id.
    #[error("{} not found", llmarket_proto::names::v2::edition_name(.dataset, .edition))]
    EditionNotFound {
        /// The v2 dataset id.
        dataset: String,
        /// The edition id.
        edition: String,
        /// The dataset's editions nearest to it (full names, nearest first, at most 3).
        nearest: Vec<String>,
    },
    /// No edition of the dataset was surely published by the as-of date.
    #[error("{} has no edition published by {as_of}", dataset_name(.dataset))]
    NoEditionAsOf {
        /// The v2 dataset id.
        dataset: String,
        /// The as-of date, `YYYY-MM-DD`.
        as_of: String,
    },
    /// The span starts after it ends (once its open ends are the series' stated years).
    #[error("the span {start}..={end} is inverted")]
    SpanInverted {
        /// The span as asked.
        span: Span,
        /// Its first year.
        start: i32,
        /// Its last year.
        end: i32,
    },
    /// Growth was asked over a span of one year.
    #[error("growth needs two different years, but the span is {year} alone")]
    YearsEqual {
        /// The span as asked.
        span: Span,
        /// The one year.
        year: i32,
    },
    /// A projection's end year is not after its base year.
    #[error("the projection ends in {end}, which is not after its base year {base}")]
    EndNotAfterBase {
        /// The base year (as asked, or the series' default).
        base: i32,
        /// The end year.
        end: i32,
    },
    /// A rate compounded over the projected years leaves the range of a double.
    #[error("{rate} compounded over {years} years exceeds the range of a double")]
    RateOverflow {
        /// The annual rate.
        rate: f64,
        /// The number of years compounded.
        years: i32,
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
    /// A share of the parent was asked of a series without one.
    #[error("{series} has no parent series; TRANSFORM_SHARE_OF_PARENT applies to component series")]
    NoParent {
        /// The series resource name.
        series: String,
    },
    /// A breakdown was asked of a series without components.
    #[error("{series} has no component series to break down into")]
    NoComponents {
        /// The series resource name.
        series: String,
    },
    /// No year has a value for a series and all its components.
    #[error(
        "{series} and its components have no year in which all of them have a value{}",
        fill_hint(.fill_asked)
    )]
    NoCommonYear {
        /// The series resource name.
        series: String,
        /// Whether the caller asked for FILL_CAGR_INTERPOLATE.
        fill_asked: bool,
    },
    /// A projection at the stated rate was asked of a series that states none.
    #[error("{series} states no rate to project with; set annual_rate instead")]
    NoStatedRate {
        /// The series resource name.
        series: String,
    },
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

/// What a caller who did not ask for a fill could try.
fn fill_hint(fill_asked: &bool) -> &'static str {
    if *fill_asked {
        ""
    } else {
        "; fill=FILL_CAGR_INTERPOLATE may derive one"
    }
}

/// The open end of a span, as messages about it name it.
const LAST_STATED: &str = "end_year (the series' last stated year)";

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        match error {
            Error::DatasetNotFound { dataset } => not_found(&dataset_name(&dataset)),
            Error::SeriesNotFound {
                dataset,
                series,
                nearest,
            } => {
                let name = series_name(&dataset, &series);
                NotFound {
                    kind: "llmarket.forecast.v1.Series",
                    domain: "llmarket.forecast.v1",
                    nearest,
                    name: name.clone(),
                }
                .status(not_found(&name).message())
            }
            Error::EditionNotFound {
                dataset,
                edition,
                nearest,
            } => {
                let name = llmarket_proto::names::v2::edition_name(&dataset, &edition);
                NotFound {
                    kind: "llmarket.forecast.v2.Edition",
                    domain: "llmarket.forecast.v2",
                    nearest,
                    name: name.clone(),
                }
                .status(not_found(&name).message())
            }
            e @ Error::NoEditionAsOf { .. } => Status::not_found(e.to_string()),
            Error::SpanInverted { span, start, end } => invalid_argument(
                "start_year",
                match (span.start, span.end) {
                    (Some(_), Some(_)) => format!(
                        "{start} is after end_year {end}; give a start_year at or before end_year"
                    ),
                    (None, Some(_)) => format!(
                        "{start} is after end_year {end}; give a start_year at or before the end"
                    ),
                    (_, None) => format!(
                        "{start} is after end_year {end} (the series' last stated year); give a \
                         start_year at or before the end"
                    ),
                },
            ),
            Error::YearsEqual { span, year } => match (span.start, span.end) {
                (Some(_), Some(_)) => invalid_argument(
                    "end_year",
                    format!(
                        "{year} is not after start_year {year}; growth needs two different years"
                    ),
                ),
                (None, Some(_)) => invalid_argument(
                    "end_year",
                    format!(
                        "growth needs two different years, but both are {year}; make start_year \
                         differ"
                    ),
                ),
                (_, None) => invalid_argument(
                    "start_year",
                    format!(
                        "growth needs two different years, but both are {year}; make \
                         {LAST_STATED} differ"
                    ),
                ),
            },
            Error::EndNotAfterBase { base, end } => invalid_argument(
                "end_year",
                format!("{end} is not after base_year {base}; give a later end_year"),
            ),
            Error::RateOverflow { rate, years } => invalid_argument(
                "annual_rate",
                format!(
                    "{} compounded over {years} years exceeds the range of a double; give a \
                     smaller rate or an earlier end_year",
                    number(rate)
                ),
            ),
            e @ (Error::MissingYear { .. }
            | Error::NotPositive { .. }
            | Error::NoParent { .. }
            | Error::NoComponents { .. }
            | Error::NoCommonYear { .. }
            | Error::NoStatedRate { .. }) => failed_precondition(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use tonic::Code;
    use tonic_types::StatusExt as _;

    use super::*;

    fn span(start: Option<i32>, end: Option<i32>) -> Span {
        Span { start, end }
    }

    #[test]
    fn maps_each_error_to_its_code_field_and_message() {
        let series = || "datasets/d/series/s".to_owned();
        let cases = [
            (
                Error::DatasetNotFound {
                    dataset: "nope".into(),
                },
                Code::NotFound,
                None,
                "datasets/nope not found",
            ),
            (
                Error::SeriesNotFound {
                    dataset: "d".into(),
                    series: "s".into(),
                    nearest: Vec::new(),
                },
                Code::NotFound,
                None,
                "datasets/d/series/s not found",
            ),
            (
                Error::SpanInverted {
                    span: span(Some(2029), Some(2024)),
                    start: 2029,
                    end: 2024,
                },
                Code::InvalidArgument,
                Some("start_year"),
                "start_year: 2029 is after end_year 2024; give a start_year at or before end_year",
            ),
            (
                Error::SpanInverted {
                    span: span(Some(2030), None),
                    start: 2030,
                    end: 2029,
                },
                Code::InvalidArgument,
                Some("start_year"),
                "start_year: 2030 is after end_year 2029 (the series' last stated year); give a \
                 start_year at or before the end",
            ),
            (
                Error::YearsEqual {
                    span: span(Some(2024), Some(2024)),
                    year: 2024,
                },
                Code::InvalidArgument,
                Some("end_year"),
                "end_year: 2024 is not after start_year 2024; growth needs two different years",
            ),
            (
                Error::YearsEqual {
                    span: span(Some(2029), None),
                    year: 2029,
                },
                Code::InvalidArgument,
                Some("start_year"),
                "start_year: growth needs two different years, but both are 2029; make end_year \
                 (the series' last stated year) differ",
            ),
            (
                Error::EndNotAfterBase {
                    base: 2024,
                    end: 2024,
                },
                Code::InvalidArgument,
                Some("end_year"),
                "end_year: 2024 is not after base_year 2024; give a later end_year",
            ),
            (
                Error::RateOverflow {
                    rate: 2.0,
                    years: 2000,
                },
                Code::InvalidArgument,
                Some("annual_rate"),
                "annual_rate: 2 compounded over 2000 years exceeds the range of a double; give \
                 a smaller rate or an earlier end_year",
            ),
            (
                Error::NoParent { series: series() },
                Code::FailedPrecondition,
                None,
                "datasets/d/series/s has no parent series; TRANSFORM_SHARE_OF_PARENT applies to \
                 component series",
            ),
            (
                Error::NoCommonYear {
                    series: series(),
                    fill_asked: false,
                },
                Code::FailedPrecondition,
                None,
                "datasets/d/series/s and its components have no year in which all of them have \
                 a value; fill=FILL_CAGR_INTERPOLATE may derive one",
            ),
            (
                Error::NoStatedRate { series: series() },
                Code::FailedPrecondition,
                None,
                "datasets/d/series/s states no rate to project with; set annual_rate instead",
            ),
        ];
        for (error, code, field, message) in cases {
            let status = Status::from(error);
            assert_eq!(status.code(), code, "{status:?}");
            assert_eq!(status.message(), message);
            let violation = status
                .get_error_details()
                .bad_request()
                .map(|b| b.field_violations[0].field.clone());
            assert_eq!(violation.as_deref(), field);
        }
    }

    #[test]
    fn missing_year_says_whether_fill_would_help() {
        let status = Status::from(Error::missing(
            "datasets/d/series/s".into(),
            2026,
            "x".into(),
            false,
            Some((2024, 2029)),
        ));
        assert_eq!(status.code(), Code::FailedPrecondition);
        assert_eq!(
            status.message(),
            "datasets/d/series/s has no value for 2026, which x needs; \
             fill=FILL_CAGR_INTERPOLATE would derive it from 2024 and 2029"
        );
        let e = Error::missing("s".into(), 2031, "x".into(), false, None);
        assert!(
            e.to_string().contains("not between two stated years"),
            "{e}"
        );
    }
}
