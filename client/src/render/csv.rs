//! `--format csv`: a report's values as tidy CSV (RFC 4180), one row per value with what it
//! stands for: its interval, unit, qualifier, kind, provenance, method and source. Column names
//! and codes are the JSON's (snake_case, English in every language): they are data, not words.
//! The last two columns carry the report's own words for a stated value (`quote`) and the
//! source's note on what the series covers (`series_note`).

use std::{borrow::Cow, collections::BTreeSet};

use crate::render::format;
use crate::reports::{
    CostOutlook, MarketOverview, SegmentReport, Timeline,
    direct::{ConceptDetail, Milestones, SearchResults, SeriesList},
    discovery::{CapabilityLadder, ConceptList, SchemeList},
    model::{Estimate, Growth, Kind, MethodKind, Point, Provenance, Qualifier, SeriesValues, Unit},
    short_id,
};

/// The header row.
pub const COLUMNS: [&str; 17] = [
    "series",
    "measure",
    "year",
    "value",
    "low",
    "high",
    "width_unknown",
    "unit",
    "qualifier",
    "kind",
    "provenance",
    "method",
    "past_horizon",
    "source",
    "note",
    "quote",
    "series_note",
];

/// One value of a report: the series it belongs to, what it measures, and the value.
#[derive(Debug, Clone)]
pub struct Value<'a> {
    /// The series id (`market-size`).
    pub series: &'a str,
    /// What the value measures: `value` (the series itself), `share_of_parent`, `projection`,
    /// or `multiple` and `cagr` (the cost's fall between its stated values, derived).
    pub measure: &'a str,
    /// The value: the report's own, or one the command builds from a computed figure.
    pub point: Cow<'a, Point>,
    /// The source's note on what the series covers; empty when there is none.
    pub series_note: &'a str,
}

/// What a command prints as CSV: its values, or `None` for a command that prints no values.
pub trait Values {
    /// The values, in the order the report shows them; duplicates are dropped on output.
    fn values(&self) -> Option<Vec<Value<'_>>>;
}

/// `report`'s values as CSV (header first, CRLF line ends); `None` when it has no values.
pub fn render<R: Values + ?Sized>(report: &R) -> Option<String> {
    let values = report.values()?;
    let mut out = String::new();
    row(&mut out, COLUMNS.iter().map(|c| (*c).to_owned()));
    let mut seen = BTreeSet::new();
    for v in values {
        if !seen.insert((v.series, v.measure, v.point.year)) {
            continue;
        }
        let p = v.point.as_ref();
        // At the precision the value carries, in plain decimals (never 1e-7): a derived value's
        // interval to its digits, a stated one's as it is (10.65 for 10.7 to 0.1).
        let places = p.decimals();
        let value = places.map_or_else(|| p.value.to_string(), |d| format::fixed(p.value, d));
        let end = |x: Option<f64>| match (x, places) {
            (Some(x), Some(d)) if p.is_derived() => format::fixed(x, d),
            (Some(x), _) => x.to_string(),
            (None, _) => String::new(),
        };
        row(
            &mut out,
            [
                v.series.to_owned(),
                v.measure.to_owned(),
                p.year.to_string(),
                value,
                end(p.low),
                end(p.high),
                p.width_unknown.to_string(),
                unit(p.unit).to_owned(),
                qualifier(p.qualifier).to_owned(),
                kind(p.kind).to_owned(),
                provenance(p.provenance).to_owned(),
                method(p),
                p.past_horizon.to_string(),
                p.source.clone(),
                p.note.clone().unwrap_or_default(),
                p.quote.clone().unwrap_or_default(),
                v.series_note.to_owned(),
            ],
        );
    }
    Some(out)
}

/// Appends one record: fields with a comma, quote or line break quoted, quotes doubled.
fn row(out: &mut String, fields: impl IntoIterator<Item = String>) {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&field);
        }
    }
    out.push_str("\r\n");
}

fn unit(unit: Unit) -> &'static str {
    match unit {
        Unit::UsdBillion => "usd_billion",
        Unit::UsdPerMillionTokens => "usd_per_million_tokens",
        Unit::Fraction => "fraction",
        Unit::Index => "index",
    }
}

fn qualifier(qualifier: Qualifier) -> &'static str {
    match qualifier {
        Qualifier::Exact => "exact",
        Qualifier::Approximate => "approximate",
        Qualifier::UpperBound => "upper_bound",
        Qualifier::LowerBound => "lower_bound",
    }
}

fn kind(kind: Kind) -> &'static str {
    match kind {
        Kind::Actual => "actual",
        Kind::Forecast => "forecast",
    }
}

fn provenance(provenance: Provenance) -> &'static str {
    match provenance {
        Provenance::Reported => "reported",
        Provenance::Derived => "derived",
    }
}

/// A derived value's method as its code (`cagr_interpolation`), or the service's text when it
/// sends no code; empty for a stated value.
fn method(point: &Point) -> String {
    match (&point.derivation, &point.method) {
        (Some(d), _) => match d.method_kind {
            MethodKind::CagrInterpolation => "cagr_interpolation",
            MethodKind::YearOverYear => "year_over_year",
            MethodKind::Index => "index",
            MethodKind::ShareOfParent => "share_of_parent",
            MethodKind::Projection => "projection",
        }
        .to_owned(),
        (None, Some(text)) => text.clone(),
        (None, None) => String::new(),
    }
}

/// Each value of `series` as a `value`.
fn series_values(series: &SeriesValues) -> impl Iterator<Item = Value<'_>> {
    series.points.iter().map(|point| Value {
        series: short_id(&series.name),
        measure: "value",
        point: Cow::Borrowed(point),
        series_note: &series.note,
    })
}

/// A growth's multiple (`multiple`, end / start) and CAGR (`cagr`) as two derived values in
/// its last year, each with its interval and the method that computed it.
fn growth_values<'a>(g: &'a Growth, series_note: &'a str) -> [Value<'a>; 2] {
    let point = |value: f64, estimate: Option<Estimate>, low, high, method: String| {
        let qualifier = estimate.map_or(Qualifier::Exact, |e| e.qualifier);
        Point {
            year: g.end.year,
            value,
            unit: Unit::Fraction,
            qualifier,
            kind: g.end.kind,
            provenance: Provenance::Derived,
            method: Some(method),
            source: String::new(),
            resolution: None,
            note: None,
            quote: None,
            width_unknown: estimate.is_some_and(|e| e.width_unknown),
            low,
            high,
            derivation: None,
            past_horizon: false,
        }
    };
    let multiple = g.multiple_estimate;
    [
        Value {
            series: short_id(&g.series),
            measure: "multiple",
            point: Cow::Owned(point(
                g.multiple,
                multiple,
                multiple.and_then(|e| e.low),
                multiple.and_then(|e| e.high),
                format!("value {} / value {}", g.end.year, g.start.year),
            )),
            series_note,
        },
        Value {
            series: short_id(&g.series),
            measure: "cagr",
            point: Cow::Owned(point(
                g.cagr,
                g.cagr_estimate,
                g.cagr_low,
                g.cagr_high,
                g.method.clone(),
            )),
            series_note,
        },
    ]
}

impl Values for MarketOverview {
    fn values(&self) -> Option<Vec<Value<'_>>> {
        let mut values: Vec<Value<'_>> = series_values(&self.market).collect();
        let b = &self.breakdown;
        // The breakdown's total is the market series; the components' notes are not fetched.
        let total_note = if b.series == self.market.name {
            self.market.note.as_str()
        } else {
            ""
        };
        values.push(Value {
            series: short_id(&b.series),
            measure: "value",
            point: Cow::Borrowed(&b.total),
            series_note: total_note,
        });
        values.extend(b.components.iter().map(|c| Value {
            series: short_id(&c.series),
            measure: "value",
            point: Cow::Borrowed(&c.value),
            series_note: "",
        }));
        Some(values)
    }
}

impl Values for SegmentReport {
    fn values(&self) -> Option<Vec<Value<'_>>> {
        let mut values = Vec::new();
        for s in &self.series {
            values.extend(series_values(&s.values));
            values.extend(s.share_of_parent.iter().map(|point| Value {
                series: short_id(&s.values.name),
                measure: "share_of_parent",
                point: Cow::Borrowed(point),
                series_note: &s.values.note,
            }));
        }
        Some(values)
    }
}

impl Values for Timeline {
    fn values(&self) -> Option<Vec<Value<'_>>> {
        Some(
            self.years
                .iter()
                .filter_map(|y| y.market_size.as_ref())
                .map(|point| Value {
                    series: short_id(&self.series),
                    measure: "value",
                    point: Cow::Borrowed(point),
                    series_note: &self.note,
                })
                .collect(),
        )
    }
}

impl Values for CostOutlook {
    fn values(&self) -> Option<Vec<Value<'_>>> {
        let series = short_id(&self.cost.name);
        // The fall so far leads, as in the other formats: its multiple and CAGR, derived.
        let mut values: Vec<Value<'_>> = self
            .fall_so_far
            .iter()
            .flat_map(|fall| growth_values(&fall.growth, &self.cost.note))
            .collect();
        values.extend(series_values(&self.cost));
        values.extend(self.projection.points.iter().map(|point| Value {
            series,
            measure: "projection",
            point: Cow::Borrowed(point),
            series_note: &self.cost.note,
        }));
        Some(values)
    }
}

/// Commands that print no values.
macro_rules! no_values {
    ($($report:ty),*) => {$(
        impl Values for $report {
            fn values(&self) -> Option<Vec<Value<'_>>> {
                None
            }
        }
    )*};
}

no_values!(
    SeriesList,
    ConceptDetail,
    SearchResults,
    Milestones,
    SchemeList,
    ConceptList,
    CapabilityLadder
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_as_rfc_4180_says() {
        let mut out = String::new();
        row(
            &mut out,
            [
                "plain".to_owned(),
                "a, b".to_owned(),
                "say \"hi\"".to_owned(),
                "two\nlines".to_owned(),
                String::new(),
            ],
        );
        assert_eq!(out, "plain,\"a, b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
    }
}
