//! Reports with missing parts: what a report lacks is said on stderr, one line per part, and
//! `--strict` turns a report with any part missing into a failure (exit 69) instead of output.

use llmarket_proto::exit;

use crate::{
    cli::{explain::Context, failure::Failure},
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
}

impl Partial for MarketOverview {
    fn missing(&self) -> &[Warning] {
        &self.warnings
    }
}

impl Partial for SegmentReport {
    fn missing(&self) -> &[Warning] {
        &self.warnings
    }
}

impl Partial for Timeline {
    fn missing(&self) -> &[Warning] {
        &self.warnings
    }
}

impl Partial for CostOutlook {
    fn missing(&self) -> &[Warning] {
        &self.warnings
    }
}

impl Partial for SeriesList {}
impl Partial for SeriesDetail {}
impl Partial for ConceptDetail {}
impl Partial for SearchResults {}
impl Partial for Milestones {}
impl Partial for SchemeList {}
impl Partial for ConceptList {}
impl Partial for CapabilityLadder {}

/// One stderr line per missing part of `result` (a service that could not be reached named
/// with the URLs tried); with `strict`, a failure (69) when any part is missing.
pub(super) fn check(result: &impl Partial, strict: bool, context: &Context) -> Result<(), Failure> {
    let missing = result.missing();
    for warning in missing {
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
            exit::UNAVAILABLE,
            format!(
                "--strict: the report is incomplete ({} part(s) missing: {}); nothing printed",
                parts.len(),
                parts.join(", ")
            ),
        ));
    }
    Ok(())
}
