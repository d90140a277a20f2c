//! Reports with missing parts: what a report lacks is said on stderr, one line per part, and
//! `--strict` turns a report with any part missing into a failure (exit 69) instead of output.

use sysexits::ExitCode as Sysexit;

use crate::{
    explain::{Context, who_answers},
    failure::Failure,
};
use llmarket_client::{
    Client, Service,
    reports::{
        CostOutlook, MarketOverview, SegmentReport, Timeline, Warning,
        direct::{ConceptDetail, Milestones, SearchResults, SeriesDetail, SeriesList},
        discovery::{CapabilityLadder, ConceptList, SchemeList},
    },
};

/// What the command prints, with the parts it lacks.
pub(super) trait Partial {
    /// The parts missing from this result, and why; none for a complete one.
    fn missing(&self) -> &[Warning] {
        &[]
    }

    /// The same, to complete their reasons; none for a result that cannot lack parts.
    fn missing_mut(&mut self) -> Option<&mut Vec<Warning>> {
        None
    }
}

/// [`Partial`] for reports whose `warnings` list their missing parts.
macro_rules! partial {
    ($($report:ty),*) => {$(
        impl Partial for $report {
            fn missing(&self) -> &[Warning] {
                &self.warnings
            }

            fn missing_mut(&mut self) -> Option<&mut Vec<Warning>> {
                Some(&mut self.warnings)
            }
        }
    )*};
}

partial!(MarketOverview, SegmentReport, Timeline, CostOutlook);

/// Completes the reason of each part of `result` missing because the service's URL answered
/// UNIMPLEMENTED with which service answers there (`answers`, from [`unimplemented`]), so the
/// JSON says what stderr says instead of an empty "UNIMPLEMENTED: ".
pub(super) fn explain_unimplemented(result: &mut impl Partial, answers: &[(Service, String)]) {
    let Some(missing) = result.missing_mut() else {
        return;
    };
    for warning in missing.iter_mut() {
        let answer = answers.iter().find(|(s, _)| *s == warning.service);
        if let (Some((_, answer)), Some(UNIMPLEMENTED)) = (answer, warning.code.as_deref()) {
            let reason = warning.reason.trim_end();
            warning.reason = if reason.ends_with(':') {
                format!("{reason} {answer}")
            } else {
                format!("{reason}; {answer}")
            };
        }
    }
}

impl Partial for SeriesList {}
impl Partial for SeriesDetail {}
impl Partial for llmarket_client::reports::analyst::DatasetList {}
impl Partial for llmarket_client::editions::EditionList {}
impl Partial for llmarket_client::editions::SeriesRevisions {}
impl Partial for llmarket_client::reports::analyst::SeriesSearch {}
impl Partial for llmarket_client::reports::analyst::SeriesComparison {}
impl Partial for llmarket_client::reports::analyst::SeriesBreakdown {}
impl Partial for ConceptDetail {}
impl Partial for SearchResults {}
impl Partial for Milestones {}
impl Partial for SchemeList {}
impl Partial for ConceptList {}
impl Partial for CapabilityLadder {}

/// What the service at a URL that answered UNIMPLEMENTED is: for each service that answered so
/// for a part of `result`, which service answers there (asked once of its health service).
pub(super) async fn unimplemented(
    result: &impl Partial,
    client: &Client,
    context: &Context,
) -> Vec<(Service, String)> {
    let mut answers = Vec::new();
    for service in [Service::Forecast, Service::Taxonomy] {
        let refused = result
            .missing()
            .iter()
            .any(|w| w.service == service && w.code.as_deref() == Some(UNIMPLEMENTED));
        if refused {
            answers.push((service, who_answers(client, context, service).await));
        }
    }
    answers
}

/// The gRPC code of a call the server at a URL does not have.
const UNIMPLEMENTED: &str = "UNIMPLEMENTED";

/// One stderr line per missing part of `result` (a service that could not be reached named
/// with the URLs tried), except the parts a URL serving another service could not give, said
/// in one line with `answers` (from [`unimplemented`]); with `strict`, a failure (69) when
/// any part is missing.
pub(super) fn check(
    result: &impl Partial,
    strict: bool,
    context: &Context,
    answers: &[(Service, String)],
) -> Result<(), Failure> {
    let missing = result.missing();
    for (service, answer) in answers {
        let parts: Vec<&str> = missing
            .iter()
            .filter(|w| w.service == *service && w.code.as_deref() == Some(UNIMPLEMENTED))
            .map(|w| w.missing.as_str())
            .collect();
        eprintln!(
            "llmarket: warning: the report has no {}: {answer}",
            parts.join(", ")
        );
    }
    let explained = |w: &&Warning| {
        w.code.as_deref() == Some(UNIMPLEMENTED) && answers.iter().any(|(s, _)| *s == w.service)
    };
    for warning in missing.iter().filter(|w| !explained(w)) {
        let unreachable = matches!(
            warning.code.as_deref(),
            Some("UNAVAILABLE" | "DEADLINE_EXCEEDED")
        );
        let tried = if unreachable {
            format!("; {}", context.tried(warning.service))
        } else {
            String::new()
        };
        eprintln!(
            "llmarket: warning: the report has no {}: {}{tried}",
            warning.missing, warning.reason
        );
    }
    if strict && !missing.is_empty() {
        let parts: Vec<&str> = missing.iter().map(|w| w.missing.as_str()).collect();
        return Err(Failure::new(
            Sysexit::Unavailable,
            format!(
                "--strict: the report is incomplete ({} {} missing: {}); nothing printed",
                parts.len(),
                if parts.len() == 1 { "part" } else { "parts" },
                parts.join(", ")
            ),
        ));
    }
    Ok(())
}
