//! `--format csv`: a report's values as tidy CSV (RFC 4180), one row per value with what it
//! stands for: its interval, unit, qualifier, kind, provenance, method and source. Column names
//! and codes are the JSON's (snake_case, English in every language): they are data, not words.
//! The last two columns carry the report's own words for a stated value (`quote`) and the
//! source's note on what the series covers (`series_note`). A rate (a CAGR, a multiple) is a
//! row whose `from_year` and `year` are the ends of its span. Commands whose results are not
//! values (milestones, concepts; the timeline's milestones beside its values) print their own
//! records (`records`).

use std::{borrow::Cow, collections::BTreeSet};

use crate::render::format;
use llmarket_client::reports::{
    CostOutlook, MarketOverview, SegmentReport,
    direct::{ConceptDetail, SearchResults, SeriesList},
    discovery::SchemeList,
    model::{
        Breakdown, Component, Derivation, DerivationInput, Estimate, Growth, Kind, MethodKind,
        Point, Provenance, Qualifier, RateKind, SeriesValues, StatedRate, Unit,
    },
    precision::{BOUND_RATE_PLACES, significant_digits},
    short_id,
};

/// The header row.
pub use llmarket_proto::csv::VALUE_COLUMNS as COLUMNS;

/// One value of a report: the series it belongs to, what it measures, and the value.
#[derive(Debug, Clone)]
pub struct Value<'a> {
    /// The series id (`market-size`).
    pub series: &'a str,
    /// What the value measures: `value` (the series itself), `share_of_parent`, `projection`,
    /// or a rate over a span: `multiple` (end / start, derived), `cagr` (computed, derived, or
    /// as the report states it, reported) and `annual_change` (a yearly rate the report states).
    pub measure: &'a str,
    /// The value: the report's own, or one the command builds from a computed figure.
    pub point: Cow<'a, Point>,
    /// The source's note on what the series covers; empty when there is none.
    pub series_note: &'a str,
    /// The first year of a rate's span (its last is the point's year); `None` for a value of
    /// one year.
    pub from_year: Option<i32>,
    /// Whether the value belongs to no year (a yearly rate stated without a span): `year` is
    /// then empty.
    pub yearless: bool,
    /// The decimals of a value the command derived itself (not the service), whose point
    /// cannot say them; `None` for the others.
    pub places: Option<i32>,
}

impl<'a> Value<'a> {
    /// The value `point` of one year.
    pub(super) fn of_year(
        series: &'a str,
        measure: &'a str,
        point: Cow<'a, Point>,
        note: &'a str,
    ) -> Self {
        Self {
            series,
            measure,
            point,
            series_note: note,
            from_year: None,
            yearless: false,
            places: None,
        }
    }
}

/// Records of one kind under their header: what [`render`] prints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Records {
    /// The column names (codes, the same in every language).
    pub header: Vec<&'static str>,
    /// The records, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

/// What a command prints as CSV: its values, or `None` for a command that prints no values.
pub trait Values {
    /// The values, in the order the report shows them; duplicates are dropped on output.
    fn values(&self) -> Option<Vec<Value<'_>>>;

    /// The records the command prints as CSV: its values by default; a command whose results
    /// are not (only) values gives its own. `None` when it has nothing to print as CSV.
    fn records(&self) -> Option<Records> {
        self.values().map(value_records)
    }
}

/// `report`'s records as CSV (header first, CRLF line ends); `None` when it has none.
pub fn render<R: Values + ?Sized>(report: &R) -> Option<String> {
    let records = report.records()?;
    let mut out = String::new();
    row(&mut out, records.header.iter().map(|c| (*c).to_owned()));
    for record in records.rows {
        row(&mut out, record);
    }
    Some(out)
}

/// `values` under [`COLUMNS`], each once.
pub fn value_records(values: Vec<Value<'_>>) -> Records {
    let mut rows = Vec::new();
    let mut seen = BTreeSet::new();
    for v in values {
        let key = (
            v.series,
            v.measure,
            v.point.year,
            v.point.provenance == Provenance::Derived,
        );
        if !seen.insert(key) {
            continue;
        }
        let p = v.point.as_ref();
        // At the precision the value carries, in plain decimals (never 1e-7): a derived value's
        // interval to its digits, a stated one's as it is (10.65 for 10.7 to 0.1).
        let places = v.places.or_else(|| p.decimals()).map(|d| d.max(0));
        let value = places.map_or_else(|| p.value.to_string(), |d| format::fixed(p.value, d));
        let end = |x: Option<f64>| match (x, places) {
            (Some(x), Some(d)) if p.is_derived() => format::fixed(x, d),
            // A stated value's rounding interval: one place more than the value (10.65).
            (Some(x), Some(d)) if p.resolution.is_some() => format::fixed(x, d + 1),
            (Some(x), _) => x.to_string(),
            (None, _) => String::new(),
        };
        let year = if v.yearless {
            String::new()
        } else {
            p.year.to_string()
        };
        rows.push(Vec::from([
            v.series.to_owned(),
            v.measure.to_owned(),
            v.from_year.map(|y| y.to_string()).unwrap_or_default(),
            year,
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
        ]));
    }
    Records {
        header: COLUMNS.to_vec(),
        rows,
    }
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
    series.points.iter().map(|point| {
        Value::of_year(
            short_id(&series.name),
            "value",
            Cow::Borrowed(point),
            &series.note,
        )
    })
}

/// A rate or multiple of `series` over `from..=point.year`, derived from inputs whose least
/// precise has `digits` significant digits.
fn rate<'a>(
    series: &'a str,
    measure: &'a str,
    from: i32,
    (point, digits): (Point, u32),
    note: &'a str,
) -> Value<'a> {
    Value {
        from_year: Some(from),
        places: Some(match point.qualifier {
            Qualifier::UpperBound | Qualifier::LowerBound if measure == "cagr" => BOUND_RATE_PLACES,
            _ => point.places_with(digits),
        }),
        ..Value::of_year(series, measure, Cow::Owned(point), note)
    }
}

/// A growth's multiple (`multiple`, end / start) and CAGR (`cagr`) as two derived values over
/// its span, each with its interval, at the precision of its inputs; then the CAGR the report
/// states for the span, if any (reported).
fn growth_values<'a>(g: &'a Growth, series_note: &'a str) -> Vec<Value<'a>> {
    let digits = significant_digits(g.start.value).min(significant_digits(g.end.value));
    let point = |value: f64, estimate: Option<Estimate>, low, high, method: &str| {
        let qualifier = estimate.map_or(Qualifier::Exact, |e| e.qualifier);
        let point = Point {
            year: g.end.year,
            value,
            unit: Unit::Fraction,
            qualifier,
            kind: g.end.kind,
            provenance: Provenance::Derived,
            // A code, as for the service's derived values; the formula is in the JSON.
            method: Some(method.to_owned()),
            source: g.end.source.clone(),
            resolution: None,
            note: None,
            quote: None,
            note_zh_hans: None,
            width_unknown: estimate.is_some_and(|e| e.width_unknown),
            low,
            high,
            derivation: None,
            past_horizon: g.end.past_horizon,
        };
        let bound = matches!(qualifier, Qualifier::UpperBound | Qualifier::LowerBound);
        let point = if bound && method == "cagr" {
            // To 0.01 percentage points, as the tables show it, towards its open side.
            point.rounded_to(BOUND_RATE_PLACES)
        } else {
            point.rounded_as_derived(digits)
        };
        (point, digits)
    };
    let series = short_id(&g.series);
    let multiple = g.multiple_estimate;
    let mut values = vec![
        rate(
            series,
            "multiple",
            g.start.year,
            point(
                g.multiple,
                multiple,
                multiple.and_then(|e| e.low),
                multiple.and_then(|e| e.high),
                "multiple",
            ),
            series_note,
        ),
        rate(
            series,
            "cagr",
            g.start.year,
            point(g.cagr, g.cagr_estimate, g.cagr_low, g.cagr_high, "cagr"),
            series_note,
        ),
    ];
    values.extend(
        g.stated
            .as_ref()
            .map(|r| stated_rate(series, r, series_note)),
    );
    values
}

/// A rate the report states, as it states it: `cagr` over its span, or `annual_change` (of no
/// year when the report gives none), reported, with the report's words.
fn stated_rate<'a>(series: &'a str, r: &'a StatedRate, series_note: &'a str) -> Value<'a> {
    let half = r
        .resolution
        .filter(|_| r.qualifier == Qualifier::Exact)
        .map(|s| s / 2.0);
    let point = Point {
        year: r.end_year.unwrap_or_default(),
        value: r.value,
        unit: Unit::Fraction,
        qualifier: r.qualifier,
        kind: r.kind,
        provenance: Provenance::Reported,
        method: None,
        source: r.source.clone(),
        resolution: r.resolution,
        note: None,
        quote: r.quote.clone(),
        note_zh_hans: None,
        // "约 -90%": about, to a width the report does not give.
        width_unknown: r.qualifier == Qualifier::Approximate && r.resolution.is_none(),
        low: half.map(|h| r.value - h),
        high: half.map(|h| r.value + h),
        derivation: None,
        past_horizon: false,
    };
    let measure = match r.rate_kind {
        RateKind::Cagr => "cagr",
        RateKind::AnnualChange => "annual_change",
    };
    Value {
        from_year: r.start_year,
        yearless: r.end_year.is_none(),
        ..Value::of_year(series, measure, Cow::Owned(point), series_note)
    }
}

/// A component's share of the breakdown's total (derived), its interval from theirs.
fn share(b: &Breakdown, c: &Component) -> Point {
    let (part, total) = (&c.value, &b.total);
    let exact = part.qualifier == Qualifier::Exact && total.qualifier == Qualifier::Exact;
    let input = |p: &Point| DerivationInput {
        year: p.year,
        value: p.value,
        qualifier: p.qualifier,
        provenance: p.provenance,
        width_unknown: p.width_unknown,
    };
    let (low, high) = match (part.low, part.high, total.low, total.high) {
        (Some(pl), Some(ph), Some(tl), Some(th)) if exact && tl > 0.0 => {
            (Some(pl / th), Some(ph / tl))
        }
        _ => (None, None),
    };
    Point {
        year: b.year,
        value: c.share,
        unit: Unit::Fraction,
        qualifier: if exact {
            Qualifier::Exact
        } else {
            Qualifier::Approximate
        },
        kind: part.kind,
        provenance: Provenance::Derived,
        method: None,
        source: part.source.clone(),
        resolution: None,
        note: None,
        quote: None,
        note_zh_hans: None,
        width_unknown: !exact || part.width_unknown || total.width_unknown,
        low,
        high,
        derivation: Some(Derivation {
            method_kind: MethodKind::ShareOfParent,
            inputs: vec![input(part), input(total)],
            annual_rate: None,
            years: None,
            stated_rate_kind: None,
            rate_source: String::new(),
            parent: b.series.clone(),
        }),
        past_horizon: part.past_horizon,
    }
    .at_its_precision()
}

impl Values for MarketOverview {
    fn values(&self) -> Option<Vec<Value<'_>>> {
        let mut values: Vec<Value<'_>> = series_values(&self.market).collect();
        // The growth over the span: computed (derived) and as the report states it (reported).
        let growth_note = if self.growth.series == self.market.name {
            self.market.note.as_str()
        } else {
            ""
        };
        values.extend(growth_values(&self.growth, growth_note));
        let b = &self.breakdown;
        // The breakdown's total is the market series; the components' notes are not fetched.
        let total_note = if b.series == self.market.name {
            self.market.note.as_str()
        } else {
            ""
        };
        values.push(Value::of_year(
            short_id(&b.series),
            "value",
            Cow::Borrowed(&b.total),
            total_note,
        ));
        for c in &b.components {
            let series = short_id(&c.series);
            values.push(Value::of_year(series, "value", Cow::Borrowed(&c.value), ""));
            values.push(Value::of_year(
                series,
                "share_of_parent",
                Cow::Owned(share(b, c)),
                "",
            ));
        }
        Some(values)
    }
}

impl Values for SegmentReport {
    fn values(&self) -> Option<Vec<Value<'_>>> {
        let mut values = Vec::new();
        for s in &self.series {
            values.extend(series_values(&s.values));
            values.extend(s.share_of_parent.iter().map(|point| {
                Value::of_year(
                    short_id(&s.values.name),
                    "share_of_parent",
                    Cow::Borrowed(point),
                    &s.values.note,
                )
            }));
        }
        Some(values)
    }
}

impl Values for CostOutlook {
    fn values(&self) -> Option<Vec<Value<'_>>> {
        let series = short_id(&self.cost.name);
        // The fall so far leads, as in the other formats: its multiple and CAGR, derived; then
        // the rate the report states.
        let mut values: Vec<Value<'_>> = self
            .fall_so_far
            .iter()
            .flat_map(|fall| growth_values(&fall.growth, &self.cost.note))
            .collect();
        values.extend(
            self.stated_rate
                .iter()
                .map(|r| stated_rate(series, r, &self.cost.note)),
        );
        values.extend(series_values(&self.cost));
        values.extend(self.projection.points.iter().map(|point| {
            Value::of_year(series, "projection", Cow::Borrowed(point), &self.cost.note)
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

no_values!(SeriesList, ConceptDetail, SearchResults, SchemeList);

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
