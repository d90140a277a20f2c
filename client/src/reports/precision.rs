//! The precision a value carries: a stated value has the digits the report writes; a derived
//! value with a known interval the first decimal place its interval spans (19.27 … 19.41:
//! tenths), one without (a bound, an approximate input) no more significant digits than the
//! least precise of its inputs (from "below 0.1": one). Derived values are rounded to it (their
//! intervals outwards), so no output shows a float's noise (`0.009999999999999998`) or digits
//! nobody measured (`19.34153924732195`).

use crate::reports::model::{Point, Provenance, Qualifier};

/// The decimals of a growth rate that is a bound (0.01 percentage points of a fraction): its
/// interval's far end is only the limit (−100 %), which says nothing of its precision.
pub const BOUND_RATE_PLACES: i32 = 4;

/// How a number is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rounding {
    /// To the nearest.
    Nearest,
    /// Towards −∞ (the low end of an interval).
    Down,
    /// Towards +∞ (the high end of an interval).
    Up,
}

/// The significant digits of `value` as a report writes it: 10.7 → 3, 206.5 → 4, 0.1 → 1,
/// 20 → 2. At least 1.
pub fn significant_digits(value: f64) -> u32 {
    if !value.is_finite() || value == 0.0 {
        return 1;
    }
    // The shortest text that reads back as the value, without an exponent.
    let text = value.abs().to_string();
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_start_matches('0');
    u32::try_from(digits.len()).unwrap_or(u32::MAX).max(1)
}

/// The decimals that show `value` to `digits` significant digits (negative: tens, hundreds…).
pub(crate) fn decimals(value: f64, digits: u32) -> i32 {
    if !value.is_finite() || value == 0.0 {
        return 0;
    }
    let magnitude = value.abs().log10().floor() as i32;
    i32::try_from(digits).unwrap_or(i32::MAX) - 1 - magnitude
}

/// `value` rounded to `decimals` decimals (negative: to tens, hundreds…) as `rounding` says,
/// as the number nearest its decimal text (no float noise left).
pub(crate) fn round_to(value: f64, decimals: i32, rounding: Rounding) -> f64 {
    if !value.is_finite() {
        return value;
    }
    let decimals = decimals.clamp(-300, 300);
    let scaled = value * 10f64.powi(decimals);
    // A value a float's noise put just beside a step is taken as on it.
    let nudge = 1e-9 * scaled.abs().max(1.0);
    let whole = match rounding {
        Rounding::Nearest => scaled.round(),
        Rounding::Down => (scaled + nudge).floor(),
        Rounding::Up => (scaled - nudge).ceil(),
    };
    if decimals >= 0 {
        let places = usize::try_from(decimals).unwrap_or(0);
        let text = format!("{:.places$}", whole / 10f64.powi(decimals));
        text.parse().unwrap_or(value)
    } else {
        whole * 10f64.powi(-decimals)
    }
}

impl Point {
    /// The significant digits a derived value carries: those of the least precise of the
    /// inputs of its derivation; `None` for a stated value, or a derived one whose inputs the
    /// service did not send.
    pub fn carried_digits(&self) -> Option<u32> {
        if self.provenance != Provenance::Derived {
            return None;
        }
        self.derivation
            .as_ref()?
            .inputs
            .iter()
            .map(|input| significant_digits(input.value))
            .min()
    }

    /// The decimals a value is shown with: a stated one's rounding step; a derived one's
    /// interval, or without one its carried digits; `None` when neither is known (then it is
    /// shown as it is).
    pub fn decimals(&self) -> Option<i32> {
        match (self.places(), self.resolution) {
            (Some(places), _) => Some(places.max(0)),
            (None, Some(resolution)) if self.provenance == Provenance::Reported => {
                let places = (-resolution.log10()).ceil();
                Some(if places.is_finite() && places > 0.0 {
                    places.min(15.0) as i32
                } else {
                    0
                })
            }
            (None, _) => None,
        }
    }

    /// The decimal places a derived value carries (negative: tens, hundreds…): the first its
    /// known interval spans, else those of its carried digits; `None` for a stated value.
    fn places(&self) -> Option<i32> {
        Some(self.places_with(self.carried_digits()?))
    }

    /// The decimal places of a derived value whose least precise input has `digits`
    /// significant digits: the first its known interval spans, else those digits.
    pub fn places_with(&self, digits: u32) -> i32 {
        match (self.low, self.high) {
            (Some(low), Some(high)) if high > low => (-(high - low).log10()).ceil() as i32,
            _ => decimals(self.value, digits),
        }
    }

    /// A value the command derives itself (a growth rate, a share) from inputs whose least
    /// precise has `digits` significant digits, rounded as [`at_its_precision`] rounds the
    /// service's derived values.
    ///
    /// [`at_its_precision`]: Self::at_its_precision
    pub fn rounded_as_derived(self, digits: u32) -> Self {
        let places = self.places_with(digits);
        self.rounded(places, |p| p.places_with(digits))
    }

    /// This value as it is known: a derived value and its interval rounded to the digits it
    /// carries (the interval outwards, a bound's value with it: at most 1.414 is at most 1.5),
    /// and an approximate value of unknown width without the zero-width interval that would
    /// claim it exact.
    pub fn at_its_precision(mut self) -> Self {
        if self.width_unknown && self.low.is_some() && self.low == self.high {
            self.low = None;
            self.high = None;
        }
        match self.places() {
            Some(places) => self.rounded(places, |p| p.places().unwrap_or(places)),
            None => self,
        }
    }

    /// This value rounded to `places` decimals, as `rounded` says.
    pub fn rounded_to(self, places: i32) -> Self {
        self.rounded(places, |_| places)
    }

    /// This value rounded to `places` decimals (a bound's value towards its open side) and its
    /// interval outwards, at the places `again` gives for the rounded value.
    fn rounded(mut self, places: i32, again: impl Fn(&Self) -> i32) -> Self {
        let rounding = match self.qualifier {
            Qualifier::UpperBound => Rounding::Up,
            Qualifier::LowerBound => Rounding::Down,
            Qualifier::Exact | Qualifier::Approximate => Rounding::Nearest,
        };
        self.value = round_to(self.value, places, rounding);
        // The places of the rounded value (0.00999… → 0.01 has one place fewer).
        let places = again(&self);
        self.value = round_to(self.value, places, rounding);
        self.low = self.low.map(|low| round_to(low, places, Rounding::Down));
        self.high = self.high.map(|high| round_to(high, places, Rounding::Up));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::model::{Derivation, DerivationInput, Kind, MethodKind, Unit};

    fn derived(value: f64, low: Option<f64>, high: Option<f64>, inputs: &[f64]) -> Point {
        Point {
            provenance: Provenance::Derived,
            kind: Kind::Forecast,
            low,
            high,
            derivation: Some(Derivation {
                method_kind: MethodKind::CagrInterpolation,
                inputs: inputs
                    .iter()
                    .map(|value| DerivationInput {
                        year: 2024,
                        value: *value,
                        qualifier: Qualifier::Exact,
                        provenance: Provenance::Reported,
                        width_unknown: false,
                    })
                    .collect(),
                annual_rate: None,
                years: None,
                stated_rate_kind: None,
                rate_source: String::new(),
                parent: String::new(),
            }),
            ..Point::stated(2025, value, Unit::UsdBillion, Qualifier::Approximate)
        }
    }

    #[test]
    fn digits_are_counted_as_the_report_writes_them() {
        assert_eq!(significant_digits(10.7), 3);
        assert_eq!(significant_digits(206.5), 4);
        assert_eq!(significant_digits(0.1), 1);
        assert_eq!(significant_digits(20.0), 2);
        assert_eq!(significant_digits(55.0), 2);
        assert_eq!(significant_digits(0.0), 1);
    }

    #[test]
    fn derived_values_lose_the_digits_their_inputs_do_not_have() {
        let p = derived(
            19.34153924732195,
            Some(19.268267353501194),
            Some(19.41475038768418),
            &[10.7, 206.5],
        )
        .at_its_precision();
        assert_eq!((p.value, p.low, p.high), (19.3, Some(19.2), Some(19.5)));
        assert_eq!(p.decimals(), Some(1));
        let mut at_most = derived(
            0.009999999999999998,
            None,
            Some(0.009999999999999998),
            &[0.1],
        );
        at_most.qualifier = Qualifier::UpperBound;
        let p = at_most.at_its_precision();
        assert_eq!((p.value, p.low, p.high), (0.01, None, Some(0.01)));
        assert_eq!(p.decimals(), Some(2));
        let p = derived(9.99999999999999e-6, None, None, &[0.1]).at_its_precision();
        assert_eq!(p.value, 0.00001);
        let p = derived(114.23858110496234, None, None, &[10.7, 206.5]).at_its_precision();
        assert_eq!((p.value, p.decimals()), (114.0, Some(0)));
        // With its interval, to the first place the interval spans.
        let p = derived(
            114.23858110496234,
            Some(114.1095075993162),
            Some(114.3672957757174),
            &[10.7, 206.5],
        )
        .at_its_precision();
        assert_eq!((p.value, p.low, p.high), (114.2, Some(114.1), Some(114.4)));
        let share = derived(
            0.26634382566585957,
            Some(0.26604),
            Some(0.26665),
            &[55.0, 206.5],
        )
        .at_its_precision();
        assert_eq!((share.value, share.decimals()), (0.2663, Some(4)));
        // At most about 1.414, from about 20 and below 0.1: a bound rounds with its interval.
        let mut at_most = derived(
            (20.0f64 * 0.1).sqrt(),
            None,
            Some((20.0f64 * 0.1).sqrt()),
            &[20.0, 0.1],
        );
        at_most.qualifier = Qualifier::UpperBound;
        let p = at_most.at_its_precision();
        assert_eq!((p.value, p.high), (2.0, Some(2.0)));
    }

    #[test]
    fn an_approximate_value_of_unknown_width_has_no_interval() {
        let mut about = Point::stated(
            2022,
            20.0,
            Unit::UsdPerMillionTokens,
            Qualifier::Approximate,
        );
        about.width_unknown = true;
        about.low = Some(20.0);
        about.high = Some(20.0);
        let about = about.at_its_precision();
        assert_eq!((about.low, about.high), (None, None));
        // A stated value keeps its digits and its rounding interval.
        let mut stated = Point::stated(2024, 10.7, Unit::UsdBillion, Qualifier::Exact);
        stated.resolution = Some(0.1);
        stated.low = Some(10.65);
        stated.high = Some(10.75);
        assert_eq!(stated.clone().at_its_precision(), stated);
        assert_eq!(stated.decimals(), Some(1));
    }

    #[test]
    fn rounding_goes_the_way_it_is_asked_to() {
        assert_eq!(round_to(19.268, 1, Rounding::Down), 19.2);
        assert_eq!(round_to(19.268, 1, Rounding::Up), 19.3);
        assert_eq!(round_to(19.268, 1, Rounding::Nearest), 19.3);
        // Noise just under a step is taken as on it.
        assert_eq!(round_to(0.009999999999999998, 2, Rounding::Down), 0.01);
        assert_eq!(round_to(1234.0, -2, Rounding::Nearest), 1200.0);
    }
}
