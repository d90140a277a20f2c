//! A derived observation as the analysis modules build it, and the years a span covers on a
//! series (the one place a span's order is checked).

use crate::{
    error::Error,
    model::{Derivation, Kind, Observation, Provenance, Qualifier, Range, SeriesRef, Span, Unit},
};

/// A derived observation, before its sources are merged.
pub(super) struct Derived {
    pub(super) year: i32,
    pub(super) value: f64,
    pub(super) unit: Unit,
    pub(super) qualifier: Qualifier,
    pub(super) kind: Kind,
    pub(super) method: String,
    pub(super) sources: Vec<String>,
    pub(super) range: Range,
    pub(super) derivation: Derivation,
    pub(super) past_horizon: bool,
}

impl From<Derived> for Observation {
    fn from(d: Derived) -> Self {
        let mut sources: Vec<String> = Vec::with_capacity(d.sources.len());
        for source in d.sources {
            if !source.is_empty() && !sources.contains(&source) {
                sources.push(source);
            }
        }
        Observation {
            year: d.year,
            value: d.value,
            unit: d.unit,
            qualifier: d.qualifier,
            kind: d.kind,
            provenance: Provenance::Derived,
            method: d.method,
            source: sources.join(", "),
            resolution: 0.0,
            note: String::new(),
            note_zh_hans: String::new(),
            quote: String::new(),
            range: d.range,
            derivation: Some(d.derivation),
            past_horizon: d.past_horizon,
        }
    }
}

/// The years `first..=last` of `span` on `series`, each open end defaulting to the first or last
/// stated year. The one place a span's order is checked.
pub(super) fn years(series: SeriesRef<'_>, span: Span) -> Result<(i32, i32), Error> {
    let first = span.start.unwrap_or_else(|| series.series.first_year());
    let last = span.end.unwrap_or_else(|| series.series.last_year());
    if first > last {
        return Err(Error::SpanInverted {
            span,
            start: first,
            end: last,
        });
    }
    Ok((first, last))
}
