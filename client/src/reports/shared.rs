//! What the reports share: the language, the span of years, warnings about missing parts, and
//! the series, schemes and attributes they read.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{ClientError, Service, code_name};

/// The series of the total market, in any dataset these reports read.
pub const MARKET_SIZE_SERIES: &str = "market-size";
/// The series of the inference cost, in any dataset these reports read.
pub const INFERENCE_COST_SERIES: &str = "inference-cost";
/// The scheme of growth drivers.
pub const DRIVERS_SCHEME: &str = "drivers";
/// The scheme of trends.
pub const TRENDS_SCHEME: &str = "trends";
/// The scheme of competitive barriers.
pub const BARRIERS_SCHEME: &str = "barriers";
/// The scheme of capability levels.
pub const CAPABILITY_LEVELS_SCHEME: &str = "capability-levels";
/// The scheme of applications.
pub const APPLICATIONS_SCHEME: &str = "applications";
/// The attribute marking the capability level the report calls current.
pub const CURRENT_LEVEL_ATTRIBUTE: &str = "current_level";
/// The attribute marking an application that the cost decline unlocks.
pub const UNLOCKED_BY_ATTRIBUTE: &str = "unlocked_by";

/// The language of labels, definitions and titles in a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Language {
    /// English.
    #[default]
    #[serde(rename = "en")]
    En,
    /// Chinese, the source language (zh-Hans).
    #[serde(rename = "zh-Hans")]
    Zh,
}

impl Language {
    /// The BCP-47 code sent to the taxonomy service.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Zh => "zh-Hans",
        }
    }
}

/// A span of years; an open end means as far as the data goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct YearSpan {
    /// First year, if bounded.
    pub start: Option<i32>,
    /// Last year, if bounded.
    pub end: Option<i32>,
}

impl YearSpan {
    /// Every year the data has.
    pub fn all() -> Self {
        Self::default()
    }

    /// `start..=end`.
    pub fn between(start: i32, end: i32) -> Self {
        Self {
            start: Some(start),
            end: Some(end),
        }
    }

    /// Whether `year` is within the span.
    pub fn contains(&self, year: i32) -> bool {
        self.start.is_none_or(|s| year >= s) && self.end.is_none_or(|e| year <= e)
    }

    /// The AIP-160 filter of ListMilestones for the span: empty for every year.
    pub(crate) fn milestone_filter(&self) -> String {
        let start = self.start.map(|start| format!("year >= {start}"));
        let end = self.end.map(|end| format!("year <= {end}"));
        start
            .into_iter()
            .chain(end)
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// Rejects a span that ends before it starts.
    pub(crate) fn check(&self) -> Result<(), ClientError> {
        match (self.start, self.end) {
            (Some(start), Some(end)) if end < start => Err(ClientError::InvalidArgument {
                argument: "years",
                reason: format!("the span {start}–{end} ends before it starts"),
            }),
            _ => Ok(()),
        }
    }
}

/// A part of a report that is missing, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// What is missing, e.g. "drivers".
    pub missing: String,
    /// The service that could not supply it.
    pub service: Service,
    /// The call that failed, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<String>,
    /// The gRPC code of the failure, e.g. "UNAVAILABLE", if a call failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Why it is missing.
    pub reason: String,
}

impl Warning {
    /// `missing` could not be had because of `error`.
    pub fn from_error(missing: impl Into<String>, error: &ClientError) -> Self {
        Self {
            missing: missing.into(),
            service: error.service().unwrap_or(Service::Taxonomy),
            call: error.rpc().map(str::to_owned),
            code: error.code().map(|c| code_name(c).to_owned()),
            reason: error.to_string(),
        }
    }

    /// `missing` is absent from data that was had.
    pub fn absent(missing: impl Into<String>, service: Service, reason: impl Into<String>) -> Self {
        Self {
            missing: missing.into(),
            service,
            call: None,
            code: None,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} missing: {}", self.missing, self.reason)
    }
}

/// A taxonomy part of a report: the value, or `None` and a warning naming what is missing.
pub(crate) fn optional<T>(
    missing: &str,
    result: Result<T, ClientError>,
    warnings: &mut Vec<Warning>,
) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(error) => {
            warnings.push(Warning::from_error(missing, &error));
            None
        }
    }
}

/// `{scheme}/{concept}`, the short form people type, of a concept's name
/// (`datasets/{dataset}/schemes/{scheme}/concepts/{concept}`, or without the dataset).
pub fn short_concept(name: &str) -> String {
    let relative = match name.find("schemes/") {
        Some(at) => &name[at + "schemes/".len()..],
        None => name,
    };
    relative.replacen("/concepts/", "/", 1)
}

/// The short id of a resource name: its last path segment.
pub fn short_id(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concepts_shorten_to_scheme_and_id() {
        for name in [
            "datasets/cic-global-llm/schemes/industry/concepts/maas",
            "schemes/industry/concepts/maas",
        ] {
            assert_eq!(short_concept(name), "industry/maas");
        }
    }

    #[test]
    fn spans_contain_their_years() {
        let span = YearSpan::between(2024, 2026);
        assert!(span.contains(2024) && span.contains(2026));
        assert!(!span.contains(2023) && !span.contains(2027));
        assert!(YearSpan::all().contains(1900));
        assert!(YearSpan::between(2026, 2024).check().is_err());
        assert!(YearSpan::between(2024, 2024).check().is_ok());
        assert_eq!(
            YearSpan::between(2022, 2029).milestone_filter(),
            "year >= 2022 AND year <= 2029"
        );
        assert_eq!(YearSpan::all().milestone_filter(), "");
    }

    #[test]
    fn languages_have_codes_and_stable_json() {
        assert_eq!(Language::Zh.code(), "zh-Hans");
        assert_eq!(serde_json::to_string(&Language::En).unwrap(), "\"en\"");
    }

    #[test]
    fn a_warning_names_the_service_and_call() {
        let error = ClientError::call(
            Service::Taxonomy,
            "ListConcepts",
            &tonic::Status::unavailable("down"),
        );
        let warning = Warning::from_error("drivers", &error);
        assert_eq!(warning.code.as_deref(), Some("UNAVAILABLE"));
        assert_eq!(warning.call.as_deref(), Some("ListConcepts"));
        assert_eq!(
            warning.to_string(),
            "drivers missing: taxonomy service: ListConcepts failed: UNAVAILABLE: down"
        );
    }
}
