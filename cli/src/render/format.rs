//! Numbers as a person reads them: stated values to the digits the report gives, derived ones to
//! a sensible precision, qualifiers as signs (≈ about, ≤ at most, ≥ at least), rates and
//! fractions in percent, `*` on derived values and `†` on values past the report's horizon.

use llmarket_client::reports::model::{Point, Qualifier, StatedRate, Unit};

/// Whether values of `unit` read in percent: a fraction (a share, a year's growth) does, like
/// every rate the reports print.
fn in_percent(unit: Unit) -> bool {
    match unit {
        Unit::Fraction => true,
        Unit::UsdBillion | Unit::UsdPerMillionTokens | Unit::Index => false,
    }
}

/// A value of `unit` as a person reads it: a fraction in percent (0.2663 → 26.63), other units
/// as they are.
pub fn shown(unit: Unit, value: f64) -> f64 {
    if in_percent(unit) {
        value * 100.0
    } else {
        value
    }
}

/// What follows a value of `unit` shown by [`shown`]: `%` for a fraction, else nothing.
pub fn unit_sign(unit: Unit) -> &'static str {
    if in_percent(unit) { "%" } else { "" }
}

/// Decimals that show a value stated to the rounding step `resolution` (0.1 → 1).
fn decimals_of(resolution: f64) -> usize {
    let decimals = (-resolution.log10()).ceil();
    if decimals.is_finite() && decimals > 0.0 {
        decimals.min(9.0) as usize
    } else {
        0
    }
}

/// A number without a known rounding: one decimal from 10 up, two from 1, else three
/// significant digits (scientific below 0.0001).
pub fn number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude == 0.0 {
        "0".to_owned()
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else if magnitude >= 1.0 {
        format!("{value:.2}")
    } else if magnitude >= 0.0001 {
        let decimals = (2.0 - magnitude.log10().floor()).max(0.0) as usize;
        format!("{value:.decimals$}")
    } else {
        format!("{value:.2e}")
    }
}

/// A number with no more digits than it has, up to two decimals: 10.000000002 → "10".
pub fn trimmed(value: f64) -> String {
    trimmed_places(value, 2)
}

/// The sign of a qualifier: "" exact, "≈" approximate, "≤" upper bound, "≥" lower bound.
pub fn qualifier_sign(qualifier: Qualifier) -> &'static str {
    match qualifier {
        Qualifier::Exact => "",
        Qualifier::Approximate => "≈",
        Qualifier::UpperBound => "≤",
        Qualifier::LowerBound => "≥",
    }
}

/// A point's value with its qualifier, to its stated digits (or [`number`] when derived or of
/// unknown rounding), a fraction in percent ([`shown`]), and `*` when derived.
pub fn point_value(point: &Point) -> String {
    let value = shown(point.unit, point.value);
    // Percent moves the decimal point two places: 0.2663 to 4 places is 26.63 to 2.
    let percent_places = if in_percent(point.unit) { 2 } else { 0 };
    let digits = match point.decimals() {
        // To the digits the report states it with, or a derived value's inputs carry.
        Some(places) => fixed(value, places - percent_places),
        // A stated value of unknown rounding: as the report gives it, no digits added.
        None if !point.is_derived() && percent_places == 0 => value.to_string(),
        None if !point.is_derived() => trimmed_places(value, 4),
        None => number(value),
    };
    let unit = unit_sign(point.unit);
    let mark = if point.is_derived() { "*" } else { "" };
    let past = if point.past_horizon { "†" } else { "" };
    format!(
        "{}{digits}{unit}{mark}{past}",
        qualifier_sign(point.qualifier)
    )
}

/// `value` with at most `places` decimals, trailing zeros dropped: 80.7000 → "80.7".
pub fn trimmed_places(value: f64, places: usize) -> String {
    let text = format!("{value:.places$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// `value` with `places` decimals (none for 0 or fewer), never in scientific notation.
pub fn fixed(value: f64, places: i32) -> String {
    let places = usize::try_from(places).unwrap_or(0);
    format!("{value:.places$}")
}

/// A number to three significant digits without trailing zeros: 0.00500 → "0.005".
pub fn significant(value: f64) -> String {
    let text = number(value);
    if text.contains('.') && !text.contains('e') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// The sign of the opposite bound: what a bound on x is on 1/x.
pub fn reciprocal_qualifier(qualifier: Qualifier) -> Qualifier {
    match qualifier {
        Qualifier::UpperBound => Qualifier::LowerBound,
        Qualifier::LowerBound => Qualifier::UpperBound,
        Qualifier::Exact | Qualifier::Approximate => qualifier,
    }
}

/// A fraction in percent with `decimals` decimals: 0.8077 → "80.77%".
pub fn percent(fraction: f64, decimals: usize) -> String {
    format!("{:.decimals$}%", fraction * 100.0)
}

/// A stated rate in percent, to the digits it is stated to, with its qualifier.
pub fn stated_rate(rate: &StatedRate) -> String {
    let digits = match rate.resolution {
        Some(r) => percent(rate.value, decimals_of(r * 100.0)),
        None => percent_trimmed(rate.value),
    };
    format!("{}{digits}", qualifier_sign(rate.qualifier))
}

/// A fraction in percent with no more digits than it has (up to four decimals): -0.9 → "-90%".
pub fn percent_trimmed(fraction: f64) -> String {
    format!("{}%", trimmed_places(fraction * 100.0, 4))
}

/// "2024–2029", or the one year.
pub fn span(start: Option<i32>, end: Option<i32>) -> String {
    match (start, end) {
        (Some(s), Some(e)) if s == e => s.to_string(),
        (Some(s), Some(e)) => format!("{s}–{e}"),
        (Some(s), None) => format!("from {s}"),
        (None, Some(e)) => format!("to {e}"),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use llmarket_client::reports::model::{Kind, Provenance, Unit};

    fn point(value: f64, qualifier: Qualifier, provenance: Provenance) -> Point {
        Point {
            provenance,
            source: "1.2".to_owned(),
            resolution: Some(0.1),
            ..Point::stated(2024, value, Unit::UsdBillion, qualifier)
        }
    }

    #[test]
    fn stated_values_keep_their_digits_and_qualifiers() {
        assert_eq!(
            point_value(&point(55.0, Qualifier::Exact, Provenance::Reported)),
            "55.0"
        );
        assert_eq!(
            point_value(&point(0.1, Qualifier::UpperBound, Provenance::Reported)),
            "≤0.1"
        );
        let mut about_20 = point(20.0, Qualifier::Approximate, Provenance::Reported);
        about_20.resolution = Some(1.0);
        assert_eq!(point_value(&about_20), "≈20");
        about_20.resolution = None;
        assert_eq!(point_value(&about_20), "≈20");
    }

    #[test]
    fn derived_values_are_marked() {
        assert_eq!(
            point_value(&point(19.342, Qualifier::Exact, Provenance::Derived)),
            "19.3*"
        );
        let mut past = point(1e-77, Qualifier::UpperBound, Provenance::Derived);
        past.past_horizon = true;
        assert_eq!(point_value(&past), "≤1.00e-77*†");
        assert_eq!(significant(0.005), "0.005");
        assert_eq!(significant(200.0), "200");
        assert_eq!(significant(1.00e-6), "1.00e-6");
    }

    #[test]
    fn numbers_scale_their_precision() {
        assert_eq!(number(206.5), "206.5");
        assert_eq!(number(1.934), "1.93");
        assert_eq!(number(0.01), "0.0100");
        assert_eq!(number(0.0123), "0.0123");
        assert_eq!(number(0.000001), "1.00e-6");
        assert_eq!(number(0.001), "0.00100");
        assert_eq!(trimmed(10.000000000000002), "10");
        assert_eq!(trimmed(2.5), "2.5");
        assert_eq!(number(0.0), "0");
    }

    #[test]
    fn fractions_read_in_percent_to_their_digits() {
        let fraction = |value: f64, resolution: Option<f64>, provenance: Provenance| Point {
            unit: Unit::Fraction,
            resolution,
            ..point(value, Qualifier::Exact, provenance)
        };
        // Four decimals of a fraction are two of a percent.
        let share = fraction(0.2663, Some(0.0001), Provenance::Reported);
        assert_eq!(point_value(&share), "26.63%");
        let about = Point {
            qualifier: Qualifier::Approximate,
            ..fraction(0.81, Some(0.01), Provenance::Reported)
        };
        assert_eq!(point_value(&about), "≈81%");
        assert_eq!(
            point_value(&fraction(0.807, None, Provenance::Reported)),
            "80.7%"
        );
        // A derived value of unknown precision: three significant digits, as any other.
        let derived = fraction(0.12345, None, Provenance::Derived);
        assert_eq!(point_value(&derived), "12.3%*");
        // Other units are shown as they are.
        assert_eq!(shown(Unit::UsdBillion, 10.7), 10.7);
        assert_eq!(unit_sign(Unit::Index), "");
    }

    #[test]
    fn rates_read_in_percent() {
        assert_eq!(percent(0.80766, 2), "80.77%");
        let rate = StatedRate {
            rate_kind: llmarket_client::reports::model::RateKind::Cagr,
            value: 0.807,
            start_year: Some(2024),
            end_year: Some(2029),
            qualifier: Qualifier::Exact,
            kind: Kind::Forecast,
            source: "1.2".to_owned(),
            resolution: Some(0.001),
            quote: None,
        };
        assert_eq!(stated_rate(&rate), "80.7%");
        assert_eq!(percent_trimmed(-0.9), "-90%");
        assert_eq!(percent_trimmed(0.807), "80.7%");
        assert_eq!(span(Some(2024), Some(2029)), "2024–2029");
    }
}
