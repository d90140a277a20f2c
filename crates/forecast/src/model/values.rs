//! The values of the forecast domain: unit, qualifier, kind and provenance of an observation,
//! the range its true value may lie in, stated rates, and what a request asks of a span
//! (transform, fill, years). Plain Rust, no tonic.

use std::fmt;

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

/// The years a request asks about. An open end stands for the series' first or last stated
/// year; whether the caller gave an end matters to how an error about the span is worded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// The first year, when given.
    pub start: Option<i32>,
    /// The last year, when given.
    pub end: Option<i32>,
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
/// For an exact or approximate value it is the value ± half its resolution; an upper bound
/// reaches down to −∞ (an open side) and a lower bound up to +∞. An approximate value without
/// a resolution, and anything computed from one or by a model (interpolation, projection), has
/// `width_unknown`: its finite ends are themselves approximate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// The least the true value may be; −∞ when nothing bounds it below.
    pub low: f64,
    /// The most the true value may be; +∞ when nothing bounds it above.
    pub high: f64,
    /// Whether the true value may lie outside the finite ends by an amount nobody states.
    pub width_unknown: bool,
}

impl Range {
    /// The range of a value stated with `qualifier` to `resolution` (0 when unknown).
    pub fn of(value: f64, qualifier: Qualifier, resolution: f64) -> Self {
        let half = resolution / 2.0;
        let (low, high) = match qualifier {
            Qualifier::Exact | Qualifier::Approximate => {
                (denoise(value - half), denoise(value + half))
            }
            Qualifier::UpperBound => (f64::NEG_INFINITY, value),
            Qualifier::LowerBound => (value, f64::INFINITY),
        };
        Self {
            low,
            high,
            width_unknown: qualifier == Qualifier::Approximate && resolution <= 0.0,
        }
    }

    /// The range `low..=high` with a known width.
    pub fn new(low: f64, high: f64) -> Self {
        Self {
            low,
            high,
            width_unknown: false,
        }
    }

    /// Whether the two ranges share a point, allowing for floating-point noise.
    pub fn overlaps(self, other: Self) -> bool {
        let slack = 1e-9 * self.high.abs().max(other.high.abs()).min(1e300);
        self.low <= other.high + slack && other.low <= self.high + slack
    }
}

/// `x` rounded to 12 significant digits: a stated value ± half its resolution (10.7 − 0.05)
/// comes out as the decimal it is (10.65), not with binary noise (10.649999999999999).
pub(crate) fn denoise(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let magnitude = x.abs().log10().floor() as i32;
    let scale = 10f64.powi(11 - magnitude);
    let rounded = (x * scale).round() / scale;
    if rounded.is_finite() { rounded } else { x }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_kind_rules() {
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
        // The ends are the decimals a reader would write, without binary noise.
        let r = Range::of(10.7, Qualifier::Exact, 0.1);
        assert_eq!((r.low, r.high), (10.65, 10.75));
        let r = Range::of(0.807, Qualifier::Approximate, 0.001);
        assert_eq!((r.low, r.high), (0.8065, 0.8075));
        let r = Range::of(1.5e-7, Qualifier::Exact, 1e-8);
        assert_eq!((r.low, r.high), (1.45e-7, 1.55e-7));
        let r = Range::of(0.1, Qualifier::UpperBound, 0.0);
        assert_eq!((r.low, r.high), (f64::NEG_INFINITY, 0.1));
        let r = Range::of(5.0, Qualifier::LowerBound, 0.0);
        assert_eq!((r.low, r.high), (5.0, f64::INFINITY));
        let point = |v| Range::new(v, v);
        assert!(Range::of(20.0, Qualifier::Approximate, 0.0).width_unknown);
        assert!(!Range::of(20.0, Qualifier::Approximate, 1.0).width_unknown);
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
