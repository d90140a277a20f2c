//! Arithmetic on [`Range`]s, written once for every calculation that carries the rounding and
//! bounds of its inputs: sums, differences, ratios, scaling, geometric paths and increasing maps.
//!
//! The values these ranges describe are positive (a ratio or a geometric path needs that), so an
//! end that reaches zero or below tells nothing and stays open: a side is open (±∞) when any
//! input side it depends on is open. `width_unknown` spreads from any input.

use std::iter::Sum;

use crate::model::{Qualifier, Range};

impl Range {
    /// The range of a single known value.
    pub fn point(value: f64) -> Self {
        Self::new(value, value)
    }

    /// Whether nothing bounds the value below.
    pub fn open_below(self) -> bool {
        self.low == f64::NEG_INFINITY
    }

    /// Whether nothing bounds the value above.
    pub fn open_above(self) -> bool {
        self.high == f64::INFINITY
    }

    /// The same range, its width now unknown (a model or an approximate input was involved).
    pub fn vague(self) -> Self {
        Self {
            width_unknown: true,
            ..self
        }
    }

    fn with(low: f64, high: f64, width_unknown: bool) -> Self {
        Self {
            low,
            high,
            width_unknown,
        }
    }

    /// The range of a / b for a in `self` and b in `divisor`, both positive quantities. The
    /// quotient falls as b grows, so its low end comes from a's low and b's high end.
    pub fn ratio(self, divisor: Self) -> Self {
        let low = if self.low > 0.0 && divisor.high.is_finite() && divisor.high > 0.0 {
            self.low / divisor.high
        } else {
            f64::NEG_INFINITY
        };
        let high = if self.high.is_finite() && divisor.low > 0.0 {
            self.high / divisor.low
        } else {
            f64::INFINITY
        };
        Self::with(low, high, self.width_unknown || divisor.width_unknown)
    }

    /// The range of a − b for a in `self` and b in `other`.
    pub fn difference(self, other: Self) -> Self {
        Self::with(
            self.low - other.high,
            self.high - other.low,
            self.width_unknown || other.width_unknown,
        )
    }

    /// The range of a^(1 − w) × b^w for a in `self` and b in `to` (positive quantities, w in
    /// 0..=1): the geometric path from a to b at weight w.
    pub fn geometric(self, to: Self, weight: f64) -> Self {
        let path = |a: f64, b: f64| a.powf(1.0 - weight) * b.powf(weight);
        let low = if self.low > 0.0 && to.low > 0.0 {
            path(self.low, to.low)
        } else {
            f64::NEG_INFINITY
        };
        let high = if self.high.is_finite() && to.high.is_finite() {
            path(self.high, to.high)
        } else {
            f64::INFINITY
        };
        Self::with(low, high, self.width_unknown || to.width_unknown)
    }

    /// The range of x × `factor` + `offset` for x in `self` (`factor` positive); open sides stay
    /// open.
    pub fn scale(self, factor: f64, offset: f64) -> Self {
        self.map(|x| x * factor + offset)
    }

    /// The range of f(x) for x in `self`, for an increasing `f`; open sides stay open.
    pub fn map(self, f: impl Fn(f64) -> f64) -> Self {
        let end = |x: f64| if x.is_finite() { f(x) } else { x };
        Self::with(end(self.low), end(self.high), self.width_unknown)
    }

    /// Half the width: the most a value in the middle may be off either way.
    pub fn half_width(self) -> f64 {
        (self.high - self.low) / 2.0
    }

    /// The qualifier of a value over this range: a bound when exactly one side is open (the
    /// other end is the bound); exact when both sides are closed, the width is known and every
    /// input was exact (`exact_inputs`); approximate otherwise.
    pub fn qualifier(self, exact_inputs: bool) -> Qualifier {
        match (self.open_below(), self.open_above()) {
            (true, false) => Qualifier::UpperBound,
            (false, true) => Qualifier::LowerBound,
            (true, true) => Qualifier::Approximate,
            (false, false) if exact_inputs && !self.width_unknown => Qualifier::Exact,
            (false, false) => Qualifier::Approximate,
        }
    }
}

impl Sum for Range {
    /// The range of a sum of values, one from each range.
    fn sum<I: Iterator<Item = Self>>(ranges: I) -> Self {
        ranges.fold(Self::point(0.0), |acc, r| {
            Self::with(
                acc.low + r.low,
                acc.high + r.high,
                acc.width_unknown || r.width_unknown,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Qualifier, Range};

    const INF: f64 = f64::INFINITY;
    const NEG: f64 = f64::NEG_INFINITY;

    fn exact(v: f64, resolution: f64) -> Range {
        Range::of(v, Qualifier::Exact, resolution)
    }
    fn about(v: f64) -> Range {
        Range::of(v, Qualifier::Approximate, 0.0)
    }
    fn below(v: f64) -> Range {
        Range::of(v, Qualifier::UpperBound, 0.0)
    }
    fn above(v: f64) -> Range {
        Range::of(v, Qualifier::LowerBound, 0.0)
    }

    fn close(a: f64, b: f64) -> bool {
        a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
    }

    #[test]
    fn operations_keep_bounds_rounding_and_vagueness() {
        // (case, result, expected low, expected high, width unknown, qualifier of exact inputs)
        let cases: Vec<(&str, Range, f64, f64, bool, Qualifier)> = vec![
            (
                "exact / exact",
                exact(10.0, 1.0).ratio(exact(5.0, 1.0)),
                9.5 / 5.5,
                10.5 / 4.5,
                false,
                Qualifier::Exact,
            ),
            (
                "below / about: an approximate upper bound",
                below(0.1).ratio(about(20.0)),
                NEG,
                0.005,
                true,
                Qualifier::UpperBound,
            ),
            (
                "about / below: a lower bound",
                about(20.0).ratio(below(0.1)),
                200.0,
                INF,
                true,
                Qualifier::LowerBound,
            ),
            (
                "below / below: nothing known",
                below(1.0).ratio(below(0.1)),
                NEG,
                INF,
                false,
                Qualifier::Approximate,
            ),
            (
                "geometric midpoint of about 20 and below 0.1",
                about(20.0).geometric(below(0.1), 0.5),
                NEG,
                2f64.sqrt(),
                true,
                Qualifier::UpperBound,
            ),
            (
                "geometric path of exact values",
                exact(1.0, 0.0).geometric(exact(100.0, 0.0), 0.5),
                10.0,
                10.0,
                false,
                Qualifier::Exact,
            ),
            (
                "geometric path to a lower bound",
                exact(1.0, 0.0).geometric(above(100.0), 0.5),
                10.0,
                INF,
                false,
                Qualifier::LowerBound,
            ),
            (
                "scaled upper bound",
                below(0.1).scale(0.1, 0.0),
                NEG,
                0.01,
                false,
                Qualifier::UpperBound,
            ),
            (
                "increasing map of an upper bound (a CAGR)",
                below(0.005).map(|m| m.sqrt() - 1.0),
                NEG,
                0.005f64.sqrt() - 1.0,
                false,
                Qualifier::UpperBound,
            ),
            (
                "sum of exact values",
                [exact(10.0, 1.0), exact(5.0, 1.0)].into_iter().sum(),
                14.0,
                16.0,
                false,
                Qualifier::Exact,
            ),
            (
                "sum with an upper bound",
                [exact(10.0, 1.0), below(5.0)].into_iter().sum(),
                NEG,
                15.5,
                false,
                Qualifier::UpperBound,
            ),
            (
                "sum with an approximate value",
                [exact(10.0, 1.0), about(5.0)].into_iter().sum(),
                14.5,
                15.5,
                true,
                Qualifier::Approximate,
            ),
            (
                "difference of exact values",
                exact(10.0, 1.0).difference(exact(5.0, 1.0)),
                4.0,
                6.0,
                false,
                Qualifier::Exact,
            ),
            (
                "difference with a lower bound",
                exact(10.0, 1.0).difference(above(5.0)),
                NEG,
                5.5,
                false,
                Qualifier::UpperBound,
            ),
            (
                "ratio whose divisor may reach zero",
                exact(1.0, 0.0).ratio(exact(0.04, 0.1)),
                1.0 / 0.09,
                INF,
                false,
                Qualifier::LowerBound,
            ),
            (
                "a vague range is approximate",
                exact(2.0, 0.0).vague(),
                2.0,
                2.0,
                true,
                Qualifier::Approximate,
            ),
        ];
        for (case, r, low, high, vague, qualifier) in cases {
            assert!(close(r.low, low), "{case}: low {} != {low}", r.low);
            assert!(close(r.high, high), "{case}: high {} != {high}", r.high);
            assert_eq!(r.width_unknown, vague, "{case}");
            assert_eq!(r.qualifier(true), qualifier, "{case}");
        }
    }

    #[test]
    fn inexact_inputs_never_give_an_exact_value() {
        let r = exact(10.0, 1.0).ratio(exact(5.0, 1.0));
        assert_eq!(r.qualifier(false), Qualifier::Approximate);
        assert_eq!(below(1.0).qualifier(false), Qualifier::UpperBound);
        assert_eq!(exact(10.0, 1.0).half_width(), 0.5);
    }
}
