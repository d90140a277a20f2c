//! The serde types the reports are built from: stable JSON, independent of the prost types
//! (their checked conversions from the wire are in `convert`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
    /// The report's own words for a stated value, as the source writes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// `note` in the source language (zh-Hans), when the data gives it (Chinese output puts
    /// it in `note` too, see `Render::localize`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_zh_hans: Option<String>,
    /// Whether the value is approximate to an unstated degree (an approximate figure without a
    /// rounding, or a value computed from one or by a model): with a bound qualifier, the bound
    /// is itself approximate ("at most about 1.41").
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub width_unknown: bool,
    /// The least the true value may be (from its rounding, or propagated through a derivation);
    /// absent when nothing bounds it below or the service gives no interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    /// The most the true value may be; absent when nothing bounds it above or the service gives
    /// no interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    /// For a derived value, the method and its inputs as data (for words in any language).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derivation: Option<Derivation>,
    /// Whether the year lies after the last year the report states any value for.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub past_horizon: bool,
}

/// A transform of a series' values, computed by the forecast service; the values it gives
/// are derived, each with its method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    /// Growth over the previous year, as a fraction: value(y) / value(y−1) − 1.
    YearOverYear,
    /// value(y) / value(first year) × 100.
    Index,
    /// value(y) / the parent series' value that year, as a fraction.
    ShareOfParent,
}

/// How a derived value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    /// On the geometric path between two stated years (inputs: before, after).
    CagrInterpolation,
    /// `inputs[0] / inputs[1] − 1`.
    YearOverYear,
    /// `inputs[0] / inputs[1] × 100`.
    Index,
    /// `inputs[0] / inputs[1]`, the parent's value.
    ShareOfParent,
    /// `inputs[0] × (1 + annual_rate)^years`.
    Projection,
}

/// One input of a derivation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DerivationInput {
    /// Its year.
    pub year: i32,
    /// Its value.
    pub value: f64,
    /// Its qualifier.
    pub qualifier: Qualifier,
    /// Stated or derived.
    pub provenance: Provenance,
    /// Whether it is approximate to an unstated degree.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub width_unknown: bool,
}

/// What a derived value was computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Derivation {
    /// The method.
    pub method_kind: MethodKind,
    /// The inputs, in the order the method names them.
    pub inputs: Vec<DerivationInput>,
    /// A projection's annual rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual_rate: Option<f64>,
    /// A projection's years from its base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub years: Option<i32>,
    /// What the rate of a projection at the report's own rate measures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stated_rate_kind: Option<RateKind>,
    /// The section of the report stating that rate.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub rate_source: String,
    /// The parent series of a share.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub parent: String,
}

/// A derived number with what it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The central value.
    pub value: f64,
    /// Exact, approximate or a bound.
    pub qualifier: Qualifier,
    /// The least the true value may be; absent when unbounded below.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    /// The most the true value may be; absent when unbounded above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
    /// Whether the ends are themselves approximate.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub width_unknown: bool,
}

impl Point {
    /// Whether the service derived this value rather than the report stating it.
    pub fn is_derived(&self) -> bool {
        self.provenance == Provenance::Derived
    }

    /// A value of `year` the report states (an actual, from section 2.1), with no interval,
    /// note or source: a starting point for tests, which change the fields they are about.
    pub fn stated(year: i32, value: f64, unit: Unit, qualifier: Qualifier) -> Self {
        Self {
            year,
            value,
            unit,
            qualifier,
            kind: Kind::Actual,
            provenance: Provenance::Reported,
            method: None,
            source: "2.1".to_owned(),
            resolution: None,
            note: None,
            quote: None,
            note_zh_hans: None,
            width_unknown: false,
            low: None,
            high: None,
            derivation: None,
            past_horizon: false,
        }
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
    /// The report's own words for the rate, as the source writes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
}

/// A dataset: the figures of one source report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    /// `datasets/{dataset}`.
    pub name: String,
    /// The edition read, `datasets/{dataset}/editions/{edition}`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub edition: String,
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
    /// How the source defines the series (its scope, e.g. what revenue it leaves out), in the
    /// requested language where the data has it in that language.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
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
    /// The CAGR with its qualifier and interval, when the service gives them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cagr_estimate: Option<Estimate>,
    /// The multiple with its qualifier and interval, when the service gives them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiple_estimate: Option<Estimate>,
    /// Whether both endpoints are derived: the CAGR is then only the rate of their derivation
    /// (the interpolation rate), not a growth figure.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub only_derived_endpoints: bool,
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
    /// The label, alternative labels and definition in every language the concept has, the
    /// source's language first as the taxonomy sends them; empty when the service sends none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<ConceptTexts>,
}

/// A concept's words in one language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConceptTexts {
    /// The BCP-47 code: `zh-Hans` or `en`.
    pub language_code: String,
    /// The preferred label; empty when the concept has none in this language.
    pub label: String,
    /// The alternative labels (synonyms, abbreviations), in the taxonomy's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alt_labels: Vec<String>,
    /// The definition; empty when the concept has none in this language.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub definition: String,
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
