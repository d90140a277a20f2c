//! The serde types the reports are built from (stable JSON, independent of the prost types), and
//! their checked conversions from the wire: a response missing a required field is bad data.

use std::collections::BTreeMap;

use llmarket_proto::{forecast as fpb, taxonomy as tpb};
use serde::{Deserialize, Serialize};

use crate::{
    error::{ClientError, Service},
    reports::Language,
};

/// The unit of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Billions of US dollars.
    UsdBillion,
    /// US dollars per million tokens.
    UsdPerMillionTokens,
    /// A dimensionless fraction (0.25 means 25 %).
    Fraction,
    /// An index, the first year of the span at 100.
    Index,
}

impl Unit {
    /// The unit as a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            Self::UsdBillion => "USD billion",
            Self::UsdPerMillionTokens => "USD per million tokens",
            Self::Fraction => "fraction",
            Self::Index => "index",
        }
    }
}

/// How precisely a value is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    /// As stated, to the rounding of its digits.
    Exact,
    /// About this much (约).
    Approximate,
    /// At most this much (以下).
    UpperBound,
    /// At least this much.
    LowerBound,
}

/// Whether a value describes the past or the expected future.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A measured or estimated value of a past year.
    Actual,
    /// An expected value.
    Forecast,
}

/// Where a value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// Stated by the source report.
    Reported,
    /// Computed by the forecast service (`method` says how).
    Derived,
}

/// One yearly value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Calendar year.
    pub year: i32,
    /// The value, in `unit`.
    pub value: f64,
    /// The unit of `value`.
    pub unit: Unit,
    /// How precisely the value is known.
    pub qualifier: Qualifier,
    /// Actual or forecast.
    pub kind: Kind,
    /// Stated by the report, or derived by the service.
    pub provenance: Provenance,
    /// For a derived value, how it was computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The section of the source report, e.g. "1.2".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// The rounding step of a stated value (0.1 means ±0.05), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<f64>,
    /// A note on the value as the source gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Point {
    /// Whether the service derived this value rather than the report stating it.
    pub fn is_derived(&self) -> bool {
        self.provenance == Provenance::Derived
    }
}

/// What a stated rate measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateKind {
    /// Compound annual growth rate over `start_year..end_year`.
    Cagr,
    /// A constant expected change per year (-0.9 is a tenfold fall a year).
    AnnualChange,
}

/// A rate the source report states.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatedRate {
    /// What the rate measures.
    pub rate_kind: RateKind,
    /// The rate as a fraction (0.807 is 80.7 %).
    pub value: f64,
    /// First year of the span the rate covers, if the report gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_year: Option<i32>,
    /// Last year of the span the rate covers, if the report gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_year: Option<i32>,
    /// How precisely the rate is known.
    pub qualifier: Qualifier,
    /// Actual or forecast.
    pub kind: Kind,
    /// The section of the source report.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// The rounding step of the rate (0.001 means ±0.0005), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<f64>,
}

/// A dataset: the figures of one source report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    /// `datasets/{dataset}`.
    pub name: String,
    /// The title in the requested language.
    pub title: String,
    /// The title in the source language (zh-Hans).
    pub title_zh_hans: String,
    /// The title in English.
    pub title_en: String,
    /// Who published the report.
    pub publisher: String,
    /// The year of publication.
    pub year: i32,
    /// ISO 4217 code of monetary values.
    pub currency: String,
    /// The terms of use of the source, in the requested language.
    pub notice: String,
}

/// A series' values over a span of years.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesValues {
    /// `datasets/{dataset}/series/{series}`.
    pub name: String,
    /// The title in the requested language.
    pub title: String,
    /// The unit of the values.
    pub unit: Unit,
    /// The values in year order; stated and derived ones flagged by `provenance`.
    pub points: Vec<Point>,
}

/// Growth between two years of a series, computed by the forecast service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Growth {
    /// The series.
    pub series: String,
    /// The value at the first year.
    pub start: Point,
    /// The value at the last year.
    pub end: Point,
    /// Years between the two.
    pub years: i32,
    /// The computed compound annual growth rate (derived).
    pub cagr: f64,
    /// The lowest CAGR the rounding of the endpoints allows; absent when unbounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cagr_low: Option<f64>,
    /// The highest CAGR the rounding of the endpoints allows; absent when unbounded (an
    /// endpoint that is only a bound opens the interval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cagr_high: Option<f64>,
    /// end / start (derived).
    pub multiple: f64,
    /// How the CAGR was computed, in words.
    pub method: String,
    /// The CAGR the report states for exactly this span, if it states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated: Option<StatedRate>,
    /// Whether the stated CAGR agrees with the computed one within rounding; absent when the
    /// report states none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agrees_with_stated: Option<bool>,
}

/// One component in a breakdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    /// The component series.
    pub series: String,
    /// Its title in the requested language.
    pub title: String,
    /// Its value that year.
    pub value: Point,
    /// Its share of the total that year (derived).
    pub share: f64,
}

/// One year of a series split into its components.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    /// The series split.
    pub series: String,
    /// The year.
    pub year: i32,
    /// The series' own value that year.
    pub total: Point,
    /// The components with their shares.
    pub components: Vec<Component>,
    /// The sum of the components (derived).
    pub components_sum: f64,
    /// total − components_sum (derived).
    pub residual: f64,
    /// Whether the residual is within the rounding of the values.
    pub components_add_up: bool,
}

/// A concept, in the requested language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConceptSummary {
    /// `schemes/{scheme}/concepts/{concept}`.
    pub name: String,
    /// A short code such as "L3", if the concept has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notation: Option<String>,
    /// The preferred label.
    pub label: String,
    /// The definition.
    pub definition: String,
    /// The section of the source report.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// Broader concepts (`schemes/{scheme}/concepts/{concept}`); empty for a top concept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub broader: Vec<String>,
    /// Forecast series the concept explains.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series: Vec<String>,
    /// Free attributes, e.g. `current_level`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
}

/// A reference to another concept, with its label when it could be looked up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConceptRef {
    /// `schemes/{scheme}/concepts/{concept}`.
    pub name: String,
    /// Its preferred label; absent when the lookup failed (see the warnings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// A dated event the report names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MilestoneItem {
    /// `milestones/{milestone}`.
    pub name: String,
    /// Calendar year.
    pub year: i32,
    /// Month 1..=12 where the report gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<u32>,
    /// Whether the report places it at the end of the year.
    #[serde(default)]
    pub end_of_year: bool,
    /// Title in the requested language.
    pub title: String,
    /// Description in the requested language.
    pub description: String,
    /// Concepts the event concerns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub concepts: Vec<String>,
    /// The section of the source report.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
}

// ---- conversions from the wire ----

fn forecast_bad(call: &'static str, problem: String) -> ClientError {
    ClientError::bad_data(Service::Forecast, call, problem)
}

fn taxonomy_bad(call: &'static str, problem: String) -> ClientError {
    ClientError::bad_data(Service::Taxonomy, call, problem)
}

/// A required message field, or bad data naming it.
pub(crate) fn required<T>(
    service: Service,
    call: &'static str,
    field: &str,
    value: Option<T>,
) -> Result<T, ClientError> {
    value.ok_or_else(|| {
        ClientError::bad_data(
            service,
            call,
            format!("the response has no {field} (a required field)"),
        )
    })
}

pub(crate) fn unit(call: &'static str, what: &str, raw: i32) -> Result<Unit, ClientError> {
    match fpb::Unit::try_from(raw) {
        Ok(fpb::Unit::UsdBillion) => Ok(Unit::UsdBillion),
        Ok(fpb::Unit::UsdPerMillionTokens) => Ok(Unit::UsdPerMillionTokens),
        Ok(fpb::Unit::Fraction) => Ok(Unit::Fraction),
        Ok(fpb::Unit::Index) => Ok(Unit::Index),
        Ok(fpb::Unit::Unspecified) | Err(_) => Err(forecast_bad(
            call,
            format!("{what} has no valid unit ({raw})"),
        )),
    }
}

fn qualifier(call: &'static str, what: &str, raw: i32) -> Result<Qualifier, ClientError> {
    match fpb::Qualifier::try_from(raw) {
        Ok(fpb::Qualifier::Exact) => Ok(Qualifier::Exact),
        Ok(fpb::Qualifier::Approximate) => Ok(Qualifier::Approximate),
        Ok(fpb::Qualifier::UpperBound) => Ok(Qualifier::UpperBound),
        Ok(fpb::Qualifier::LowerBound) => Ok(Qualifier::LowerBound),
        Ok(fpb::Qualifier::Unspecified) | Err(_) => Err(forecast_bad(
            call,
            format!("{what} has no valid qualifier ({raw})"),
        )),
    }
}

fn kind(call: &'static str, what: &str, raw: i32) -> Result<Kind, ClientError> {
    match fpb::ObservationKind::try_from(raw) {
        Ok(fpb::ObservationKind::Actual) => Ok(Kind::Actual),
        Ok(fpb::ObservationKind::Forecast) => Ok(Kind::Forecast),
        Ok(fpb::ObservationKind::Unspecified) | Err(_) => Err(forecast_bad(
            call,
            format!("{what} has no valid kind, actual or forecast ({raw})"),
        )),
    }
}

fn provenance(call: &'static str, what: &str, raw: i32) -> Result<Provenance, ClientError> {
    match fpb::Provenance::try_from(raw) {
        Ok(fpb::Provenance::Reported) => Ok(Provenance::Reported),
        Ok(fpb::Provenance::Derived) => Ok(Provenance::Derived),
        Ok(fpb::Provenance::Unspecified) | Err(_) => Err(forecast_bad(
            call,
            format!("{what} has no valid provenance ({raw})"),
        )),
    }
}

fn finite(call: &'static str, what: &str, value: f64) -> Result<f64, ClientError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(forecast_bad(call, format!("{what} is not a finite number")))
    }
}

/// An interval end: finite, or infinite for an open end; NaN is bad data.
fn bound(call: &'static str, what: &str, value: f64) -> Result<Option<f64>, ClientError> {
    if value.is_nan() {
        Err(forecast_bad(call, format!("{what} is not a number")))
    } else {
        Ok(value.is_finite().then_some(value))
    }
}

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn positive(value: f64) -> Option<f64> {
    (value.is_finite() && value > 0.0).then_some(value)
}

fn year(value: i32) -> Option<i32> {
    (value != 0).then_some(value)
}

/// An observation of `series`, checked.
pub(crate) fn point(
    call: &'static str,
    series: &str,
    o: fpb::Observation,
) -> Result<Point, ClientError> {
    let what = format!("the {} observation of {series}", o.year);
    if o.year == 0 {
        return Err(forecast_bad(
            call,
            format!("an observation of {series} has no year"),
        ));
    }
    let provenance = provenance(call, &what, o.provenance)?;
    Ok(Point {
        year: o.year,
        value: finite(call, &what, o.value)?,
        unit: unit(call, &what, o.unit)?,
        qualifier: qualifier(call, &what, o.qualifier)?,
        kind: kind(call, &what, o.kind)?,
        provenance,
        method: non_empty(o.method),
        source: o.source,
        resolution: positive(o.resolution),
        note: non_empty(o.note),
    })
}

/// Observations of `series`, checked and in year order.
pub(crate) fn points(
    call: &'static str,
    series: &str,
    observations: Vec<fpb::Observation>,
) -> Result<Vec<Point>, ClientError> {
    let mut points = observations
        .into_iter()
        .map(|o| point(call, series, o))
        .collect::<Result<Vec<_>, _>>()?;
    points.sort_by_key(|p| p.year);
    Ok(points)
}

/// A stated rate of `series`, checked.
pub(crate) fn stated_rate(
    call: &'static str,
    series: &str,
    r: fpb::StatedRate,
) -> Result<StatedRate, ClientError> {
    let what = format!("a stated rate of {series}");
    let rate_kind = match fpb::RateKind::try_from(r.rate_kind) {
        Ok(fpb::RateKind::Cagr) => RateKind::Cagr,
        Ok(fpb::RateKind::AnnualChange) => RateKind::AnnualChange,
        Ok(fpb::RateKind::Unspecified) | Err(_) => {
            return Err(forecast_bad(
                call,
                format!("{what} has no valid rate kind ({})", r.rate_kind),
            ));
        }
    };
    Ok(StatedRate {
        rate_kind,
        value: finite(call, &what, r.value)?,
        start_year: year(r.start_year),
        end_year: year(r.end_year),
        qualifier: qualifier(call, &what, r.qualifier)?,
        kind: kind(call, &what, r.kind)?,
        source: r.source,
        resolution: positive(r.resolution),
    })
}

/// The title of a forecast resource in `language`, falling back to the other language.
pub(crate) fn pick_title(language: Language, en: &str, zh_hans: &str) -> String {
    let (first, second) = match language {
        Language::En => (en, zh_hans),
        Language::Zh => (zh_hans, en),
    };
    if first.is_empty() { second } else { first }.to_owned()
}

/// A dataset, checked.
pub(crate) fn dataset(
    call: &'static str,
    language: Language,
    d: fpb::Dataset,
) -> Result<DatasetInfo, ClientError> {
    if d.name.is_empty() {
        return Err(forecast_bad(call, "the dataset has no name".to_owned()));
    }
    Ok(DatasetInfo {
        title: pick_title(language, &d.title_en, &d.title_zh_hans),
        notice: pick_title(language, &d.notice_en, &d.notice_zh_hans),
        name: d.name,
        title_zh_hans: d.title_zh_hans,
        title_en: d.title_en,
        publisher: d.publisher,
        year: d.year,
        currency: d.currency,
    })
}

/// A growth computation, checked.
pub(crate) fn growth(
    call: &'static str,
    g: fpb::ComputeGrowthResponse,
) -> Result<Growth, ClientError> {
    let series = g.series;
    let start = point(
        call,
        &series,
        required(Service::Forecast, call, "start", g.start)?,
    )?;
    let end = point(
        call,
        &series,
        required(Service::Forecast, call, "end", g.end)?,
    )?;
    let stated = g
        .stated_rate
        .map(|r| stated_rate(call, &series, r))
        .transpose()?;
    Ok(Growth {
        start,
        end,
        years: g.years,
        cagr: finite(call, "the cagr", g.cagr)?,
        cagr_low: bound(call, "cagr_low", g.cagr_low)?,
        cagr_high: bound(call, "cagr_high", g.cagr_high)?,
        multiple: finite(call, "the multiple", g.multiple)?,
        method: g.method,
        agrees_with_stated: stated.as_ref().map(|_| g.agrees_with_stated),
        stated,
        series,
    })
}

/// A breakdown, checked.
pub(crate) fn breakdown(
    call: &'static str,
    language: Language,
    b: fpb::GetBreakdownResponse,
) -> Result<Breakdown, ClientError> {
    let series = b.series;
    let total = point(
        call,
        &series,
        required(Service::Forecast, call, "total", b.total)?,
    )?;
    let components = b
        .components
        .into_iter()
        .map(|c| {
            let value = point(
                call,
                &c.series,
                required(Service::Forecast, call, "component value", c.value)?,
            )?;
            Ok(Component {
                title: pick_title(language, &c.title_en, &c.title_zh_hans),
                share: finite(call, "a component share", c.share)?,
                value,
                series: c.series,
            })
        })
        .collect::<Result<Vec<_>, ClientError>>()?;
    Ok(Breakdown {
        year: b.year,
        total,
        components,
        components_sum: finite(call, "components_sum", b.components_sum)?,
        residual: finite(call, "the residual", b.residual)?,
        components_add_up: b.components_add_up,
        series,
    })
}

/// A concept, checked.
pub(crate) fn concept(call: &'static str, c: tpb::Concept) -> Result<ConceptSummary, ClientError> {
    if c.name.is_empty() {
        return Err(taxonomy_bad(call, "a concept has no name".to_owned()));
    }
    if c.pref_label.is_empty() {
        return Err(taxonomy_bad(
            call,
            format!("concept {} has no preferred label", c.name),
        ));
    }
    Ok(ConceptSummary {
        name: c.name,
        notation: non_empty(c.notation),
        label: c.pref_label,
        definition: c.definition,
        source: c.source,
        broader: c.broader,
        series: c.series,
        attributes: c.attributes.into_iter().collect(),
    })
}

/// A milestone, checked.
pub(crate) fn milestone(
    call: &'static str,
    m: tpb::Milestone,
) -> Result<MilestoneItem, ClientError> {
    if m.name.is_empty() || m.year == 0 {
        return Err(taxonomy_bad(
            call,
            format!("milestone {:?} has no name or no year", m.name),
        ));
    }
    Ok(MilestoneItem {
        name: m.name,
        year: m.year,
        month: u32::try_from(m.month).ok().filter(|m| (1..=12).contains(m)),
        end_of_year: m.end_of_year,
        title: m.title,
        description: m.description,
        concepts: m.concepts,
        source: m.source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observation() -> fpb::Observation {
        fpb::Observation {
            year: 2024,
            value: 10.7,
            unit: fpb::Unit::UsdBillion as i32,
            qualifier: fpb::Qualifier::Exact as i32,
            kind: fpb::ObservationKind::Actual as i32,
            provenance: fpb::Provenance::Reported as i32,
            source: "1.2".to_owned(),
            resolution: 0.1,
            ..Default::default()
        }
    }

    #[test]
    fn an_observation_converts_with_its_provenance() {
        let p = point("GetSeries", "s", observation()).unwrap();
        assert_eq!(p.year, 2024);
        assert_eq!(p.unit, Unit::UsdBillion);
        assert!(!p.is_derived());
        assert_eq!(p.resolution, Some(0.1));
        assert_eq!(p.method, None);
    }

    #[test]
    fn an_observation_missing_an_enum_is_bad_data() {
        let mut o = observation();
        o.provenance = 0;
        let error = point("GetSeries", "datasets/d/series/s", o).unwrap_err();
        assert!(matches!(error, ClientError::BadData { .. }), "{error}");
        assert!(error.to_string().contains("provenance"), "{error}");
        let mut o = observation();
        o.unit = 99;
        assert!(point("GetSeries", "s", o).is_err());
        let mut o = observation();
        o.value = f64::NAN;
        assert!(point("GetSeries", "s", o).is_err());
    }

    #[test]
    fn a_missing_message_is_bad_data() {
        let error = growth("ComputeGrowth", fpb::ComputeGrowthResponse::default()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "forecast service: ComputeGrowth returned bad data: the response has no start (a required field)"
        );
    }

    #[test]
    fn titles_fall_back_to_the_other_language() {
        assert_eq!(pick_title(Language::En, "Market", "市场"), "Market");
        assert_eq!(pick_title(Language::Zh, "Market", "市场"), "市场");
        assert_eq!(pick_title(Language::Zh, "Market", ""), "Market");
    }
}
