//! Domain types of the forecast service: datasets of yearly series with provenance. Plain Rust,
//! no tonic; built once by [`super::load`] and immutable afterwards.

use std::{collections::HashMap, fmt};

use llmarket_proto::names::series_name;

use super::error::Error;

/// The earliest year a dataset or a request may name.
pub const MIN_YEAR: i32 = 1900;
/// The latest year a dataset or a request may name.
pub const MAX_YEAR: i32 = 2200;

/// The unit of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Billions of US dollars.
    UsdBillion,
    /// US dollars per million tokens.
    UsdPerMillionTokens,
    /// A dimensionless fraction (0.25 means 25 %).
    Fraction,
    /// An index, with the first year of a span at 100.
    Index,
}

impl Unit {
    /// Every unit, with the name data files use for it.
    pub const NAMES: [(&'static str, Self); 4] = [
        ("usd-billion", Self::UsdBillion),
        ("usd-per-million-tokens", Self::UsdPerMillionTokens),
        ("fraction", Self::Fraction),
        ("index", Self::Index),
    ];
}

/// How precisely a value is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    /// As stated, to the rounding of its digits.
    Exact,
    /// About (约), or an estimate computed from one.
    Approximate,
    /// The true value is at most this (以下).
    UpperBound,
    /// The true value is at least this.
    LowerBound,
}

impl Qualifier {
    /// Every qualifier, with the name data files use for it.
    pub const NAMES: [(&'static str, Self); 4] = [
        ("exact", Self::Exact),
        ("approximate", Self::Approximate),
        ("upper-bound", Self::UpperBound),
        ("lower-bound", Self::LowerBound),
    ];

    /// The qualifier of a value computed from inputs with these qualifiers by a transform
    /// (a ratio): exact only when every input is exact.
    pub fn of_transform(inputs: &[Self]) -> Self {
        if inputs.iter().all(|q| *q == Self::Exact) {
            Self::Exact
        } else {
            Self::Approximate
        }
    }

    /// The qualifier of a projection from a base with this qualifier by a positive factor: a
    /// bound stays a bound, anything else becomes approximate.
    pub fn of_projection(self) -> Self {
        match self {
            Self::UpperBound | Self::LowerBound => self,
            Self::Exact | Self::Approximate => Self::Approximate,
        }
    }
}

/// Whether a value describes the past or the expected future.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A measured or estimated value of a past year.
    Actual,
    /// An expected value (预测, 预计).
    Forecast,
}

impl Kind {
    /// Every kind, with the name data files use for it.
    pub const NAMES: [(&'static str, Self); 2] =
        [("actual", Self::Actual), ("forecast", Self::Forecast)];

    /// The kind of a value derived from inputs of these kinds: actual only when every input is.
    pub fn of_derived(inputs: &[Self]) -> Self {
        if inputs.iter().all(|k| *k == Self::Actual) {
            Self::Actual
        } else {
            Self::Forecast
        }
    }
}

/// Where a value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// Stated by the source report.
    Reported,
    /// Computed by this service; the observation's `method` says how.
    Derived,
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Reported => "reported",
            Self::Derived => "derived",
        })
    }
}

/// What a stated rate measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateKind {
    /// Compound annual growth rate over a span of years.
    Cagr,
    /// A constant expected change per year.
    AnnualChange,
}

impl RateKind {
    /// Every rate kind, with the name data files use for it.
    pub const NAMES: [(&'static str, Self); 2] =
        [("cagr", Self::Cagr), ("annual-change", Self::AnnualChange)];
}

/// A transformation applied to each value of a span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// The values themselves.
    None,
    /// value(y) / value(y - 1) - 1.
    YearOverYear,
    /// value(y) / value(start of the span) * 100.
    Index,
    /// value(y) / value of the parent series in year y.
    ShareOfParent,
}

/// How years without a stated value are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Only stated values are used.
    None,
    /// A missing year between two stated years is derived on the geometric path between them.
    CagrInterpolate,
}

/// The range a true value may lie in, as far as rounding and bounds tell.
///
/// For an exact or approximate value it is the value ± half its resolution (an approximate
/// value's own vagueness is not counted: the source does not quantify it); an upper bound
/// reaches down to −∞ and a lower bound up to +∞.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// The least the true value may be.
    pub low: f64,
    /// The most the true value may be.
    pub high: f64,
}

impl Range {
    /// The range of a value stated with `qualifier` to `resolution`.
    pub fn of(value: f64, qualifier: Qualifier, resolution: f64) -> Self {
        let half = resolution / 2.0;
        match qualifier {
            Qualifier::Exact | Qualifier::Approximate => Self {
                low: value - half,
                high: value + half,
            },
            Qualifier::UpperBound => Self {
                low: f64::NEG_INFINITY,
                high: value,
            },
            Qualifier::LowerBound => Self {
                low: value,
                high: f64::INFINITY,
            },
        }
    }

    /// Whether the two ranges share a point, allowing for floating-point noise.
    pub fn overlaps(self, other: Self) -> bool {
        let slack = 1e-9 * self.high.abs().max(other.high.abs()).min(1e300);
        self.low <= other.high + slack && other.low <= self.high + slack
    }
}

/// One yearly value of a series, stated or derived.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
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
    /// Stated by the source or derived.
    pub provenance: Provenance,
    /// For derived values, how they were computed, in words; empty for reported values.
    pub method: String,
    /// The section of the source the value (or its inputs) comes from.
    pub source: String,
    /// Rounding step of a reported value; 0 when unknown or derived.
    pub resolution: f64,
    /// A note on the value as the source gives it.
    pub note: String,
    /// The source's own words for a reported value.
    pub quote: String,
    /// Where the true value may lie (not sent on the wire; used by agreement checks).
    pub range: Range,
}

impl Observation {
    /// `2024 (10.7, reported)`: the year, value and provenance, for method descriptions.
    pub fn label(&self) -> String {
        let bound = match self.qualifier {
            Qualifier::Exact => "",
            Qualifier::Approximate => "about ",
            Qualifier::UpperBound => "at most ",
            Qualifier::LowerBound => "at least ",
        };
        format!(
            "{} ({bound}{}, {})",
            self.year,
            number(self.value),
            self.provenance
        )
    }
}

/// A value formatted for people: rounded to 10 significant digits (dropping floating-point
/// noise such as 0.010000000000000002), shortest form.
pub fn number(value: f64) -> String {
    // Stated values (10.7, 206.5) print short as they are; only noisy ones need rounding.
    let plain = value.to_string();
    if plain.len() <= 8 {
        return if value == 0.0 { "0".to_owned() } else { plain };
    }
    let rounded: f64 = format!("{value:.9e}").parse().unwrap_or(value);
    if rounded == 0.0 {
        "0".to_owned()
    } else {
        rounded.to_string()
    }
}

/// A rate the source states for a series.
#[derive(Debug, Clone, PartialEq)]
pub struct StatedRate {
    /// What the rate measures.
    pub rate_kind: RateKind,
    /// The rate as a fraction.
    pub value: f64,
    /// First year of the span; `None` when the source gives none.
    pub start_year: Option<i32>,
    /// Last year of the span; `None` when the source gives none.
    pub end_year: Option<i32>,
    /// How precisely the rate is known.
    pub qualifier: Qualifier,
    /// Actual or forecast.
    pub kind: Kind,
    /// The section of the source.
    pub source: String,
    /// Rounding step of the rate; 0 when unknown.
    pub resolution: f64,
    /// The source's own words.
    pub quote: String,
}

/// A yearly series of one quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The series id, unique within its dataset.
    pub id: String,
    /// Title in the source language (zh-Hans).
    pub title_zh_hans: String,
    /// Title in English.
    pub title_en: String,
    /// Unit of the stated observations.
    pub unit: Unit,
    /// Id of the series this one is a component of.
    pub parent: Option<String>,
    /// Ids of the series that add up to this one, in the order the data lists them.
    pub components: Vec<String>,
    /// Rates the source states.
    pub stated_rates: Vec<StatedRate>,
    /// Stated observations in year order, one per year, at least one.
    pub observations: Vec<Observation>,
    /// The section of the source the series comes from.
    pub source: String,
    /// How the source defines the series.
    pub note: String,
}

impl Series {
    /// The first year with a stated value.
    pub fn first_year(&self) -> i32 {
        self.observations.first().map_or(0, |o| o.year)
    }

    /// The last year with a stated value.
    pub fn last_year(&self) -> i32 {
        self.observations.last().map_or(0, |o| o.year)
    }

    /// The stated observation of `year`, found by binary search.
    pub fn stated(&self, year: i32) -> Option<&Observation> {
        self.observations
            .binary_search_by_key(&year, |o| o.year)
            .ok()
            .and_then(|i| self.observations.get(i))
    }

    /// The stated observations just before and just after `year`, when `year` lies strictly
    /// between two stated years and is not stated itself.
    pub fn neighbours(&self, year: i32) -> Option<(&Observation, &Observation)> {
        let index = self
            .observations
            .binary_search_by_key(&year, |o| o.year)
            .err()?;
        let before = self.observations.get(index.checked_sub(1)?)?;
        let after = self.observations.get(index)?;
        Some((before, after))
    }

    /// The stated CAGR for exactly `start..=end`, if the source states one.
    pub fn stated_cagr(&self, start: i32, end: i32) -> Option<&StatedRate> {
        self.stated_rates.iter().find(|r| {
            r.rate_kind == RateKind::Cagr && r.start_year == Some(start) && r.end_year == Some(end)
        })
    }
}

/// The metadata of a dataset.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DatasetInfo {
    /// Title in the source language (zh-Hans).
    pub title_zh_hans: String,
    /// Title in English.
    pub title_en: String,
    /// Who published the report.
    pub publisher: String,
    /// The year the report was published.
    pub year: i32,
    /// ISO 4217 currency code of monetary values.
    pub currency: String,
    /// The source document.
    pub source_document: String,
    /// The language of the source (BCP-47).
    pub source_language_code: String,
    /// Terms of use in the source's words.
    pub notice_zh_hans: String,
    /// Terms of use in English.
    pub notice_en: String,
}

/// A dataset: the series of one source report, indexed by id.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// The dataset id.
    pub id: String,
    /// Its metadata.
    pub info: DatasetInfo,
    /// Hash of the data file's text, in hex.
    pub version: String,
    /// The series in id order.
    series: Vec<Series>,
    /// Position of each series in `series`, by id.
    index: HashMap<String, usize>,
}

impl Dataset {
    /// A dataset of `series`, sorted by id and indexed. Ids must be unique (the loader checks).
    pub fn new(id: String, info: DatasetInfo, version: String, mut series: Vec<Series>) -> Self {
        series.sort_by(|a, b| a.id.cmp(&b.id));
        let index = series
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        Self {
            id,
            info,
            version,
            series,
            index,
        }
    }

    /// Every series, in id order.
    pub fn series(&self) -> &[Series] {
        &self.series
    }

    /// The series with this id, without a scan.
    pub fn get(&self, id: &str) -> Option<&Series> {
        self.index.get(id).and_then(|&i| self.series.get(i))
    }

    /// The series with this id, with this dataset beside it.
    pub fn series_ref(&self, id: &str) -> Option<SeriesRef<'_>> {
        self.get(id).map(|series| SeriesRef {
            dataset: self,
            series,
        })
    }
}

/// Every forecast dataset a process serves, indexed by id; immutable once loaded.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Catalog {
    /// The datasets in id order.
    datasets: Vec<Dataset>,
    /// Position of each dataset in `datasets`, by id.
    index: HashMap<String, usize>,
}

impl Catalog {
    /// A catalog of `datasets`, sorted by id and indexed. Ids must be unique (the loader checks).
    pub fn new(mut datasets: Vec<Dataset>) -> Self {
        datasets.sort_by(|a, b| a.id.cmp(&b.id));
        let index = datasets
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.clone(), i))
            .collect();
        Self { datasets, index }
    }

    /// Every dataset, in id order.
    pub fn datasets(&self) -> &[Dataset] {
        &self.datasets
    }

    /// The dataset with this id.
    pub fn dataset(&self, id: &str) -> Result<&Dataset, Error> {
        self.index
            .get(id)
            .and_then(|&i| self.datasets.get(i))
            .ok_or_else(|| Error::DatasetNotFound {
                dataset: id.to_owned(),
            })
    }

    /// The series `series` of dataset `dataset`.
    pub fn series(&self, dataset: &str, series: &str) -> Result<SeriesRef<'_>, Error> {
        let dataset = self.dataset(dataset)?;
        dataset
            .series_ref(series)
            .ok_or_else(|| Error::SeriesNotFound {
                dataset: dataset.id.clone(),
                series: series.to_owned(),
            })
    }
}

/// A series together with the dataset it belongs to (for names, parent and components).
#[derive(Debug, Clone, Copy)]
pub struct SeriesRef<'a> {
    /// The dataset.
    pub dataset: &'a Dataset,
    /// The series.
    pub series: &'a Series,
}

impl<'a> SeriesRef<'a> {
    /// The resource name, `datasets/{dataset}/series/{series}`.
    pub fn name(&self) -> String {
        series_name(&self.dataset.id, &self.series.id)
    }

    /// The series this one is a component of.
    pub fn parent(&self) -> Option<SeriesRef<'a>> {
        self.series
            .parent
            .as_deref()
            .and_then(|id| self.dataset.series_ref(id))
    }

    /// The component series, in the order the data lists them.
    pub fn components(&self) -> Vec<SeriesRef<'a>> {
        self.series
            .components
            .iter()
            .filter_map(|id| self.dataset.series_ref(id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_qualifier_and_kind_rules() {
        use Qualifier::*;
        assert_eq!(Qualifier::of_transform(&[Exact, Exact]), Exact);
        assert_eq!(Qualifier::of_transform(&[Exact, UpperBound]), Approximate);
        assert_eq!(UpperBound.of_projection(), UpperBound);
        assert_eq!(LowerBound.of_projection(), LowerBound);
        assert_eq!(Exact.of_projection(), Approximate);
        assert_eq!(
            Kind::of_derived(&[Kind::Actual, Kind::Actual]),
            Kind::Actual
        );
        assert_eq!(
            Kind::of_derived(&[Kind::Actual, Kind::Forecast]),
            Kind::Forecast
        );
    }

    #[test]
    fn ranges_follow_qualifier_and_rounding() {
        let r = Range::of(10.7, Qualifier::Exact, 0.1);
        assert!((r.low - 10.65).abs() < 1e-12 && (r.high - 10.75).abs() < 1e-12);
        let r = Range::of(0.1, Qualifier::UpperBound, 0.0);
        assert_eq!((r.low, r.high), (f64::NEG_INFINITY, 0.1));
        let r = Range::of(5.0, Qualifier::LowerBound, 0.0);
        assert_eq!((r.low, r.high), (5.0, f64::INFINITY));
        let point = |v| Range { low: v, high: v };
        assert!(point(0.1 + 0.2).overlaps(point(0.3)));
        assert!(!point(1.0).overlaps(point(1.001)));
    }

    #[test]
    fn numbers_print_without_noise() {
        assert_eq!(number(206.5), "206.5");
        assert_eq!(number(55.0), "55");
        assert_eq!(number(0.010000000000000002), "0.01");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(1e-11), "0.00000000001");
        assert_eq!(number(0.807620490403123), "0.8076204904");
        assert_eq!(number(123456789.0), "123456789");
        assert_eq!(number(f64::INFINITY), "inf");
    }
}
