//! Arithmetic on [`Range`]s, written once for every calculation that carries the rounding and
//! bounds of its inputs: sums, ratios, scaling and the clamp to non-negative values.

use std::iter::Sum;

use crate::forecast::model::Range;

impl Range {
    /// The range of a single known value.
    pub fn point(value: f64) -> Self {
        Self {
            low: value,
            high: value,
        }
    }

    /// The range of a / b for a in `self` and b in `divisor` (b positive); unbounded above when
    /// `divisor` may reach zero, and unbounded both ways when `self` may be negative.
    pub fn ratio(self, divisor: Self) -> Self {
        if self.low >= 0.0 && divisor.low > 0.0 {
            Self {
                low: self.low / divisor.high,
                high: self.high / divisor.low,
            }
        } else if self.low >= 0.0 {
            Self {
                low: self.low / divisor.high,
                high: f64::INFINITY,
            }
        } else {
            Self {
                low: f64::NEG_INFINITY,
                high: f64::INFINITY,
            }
        }
    }

    /// The range of x × `factor` + `offset` for x in `self` (`factor` positive).
    pub fn scale(self, factor: f64, offset: f64) -> Self {
        Self {
            low: self.low * factor + offset,
            high: self.high * factor + offset,
        }
    }

    /// The range cut below at zero: what a quantity that cannot be negative may be.
    pub fn non_negative(self) -> Self {
        Self {
            low: self.low.max(0.0),
            high: self.high,
        }
    }

    /// The range of f(x) for x in `self`, for an increasing `f`.
    pub fn map(self, f: impl Fn(f64) -> f64) -> Self {
        Self {
            low: f(self.low),
            high: f(self.high),
        }
    }

    /// Half the width: the most a value in the middle may be off either way.
    pub fn half_width(self) -> f64 {
        (self.high - self.low) / 2.0
    }
}

impl Sum for Range {
    /// The range of a sum of values, one from each range.
    fn sum<I: Iterator<Item = Self>>(ranges: I) -> Self {
        ranges.fold(Self::point(0.0), |acc, r| Self {
            low: acc.low + r.low,
            high: acc.high + r.high,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::forecast::model::{Qualifier, Range};

    #[test]
    fn sums_ratios_and_scales_carry_the_bounds() {
        let a = Range::of(10.0, Qualifier::Exact, 1.0);
        let b = Range::of(5.0, Qualifier::Exact, 1.0);
        let sum: Range = [a, b].into_iter().sum();
        assert_eq!((sum.low, sum.high), (14.0, 16.0));
        let ratio = a.ratio(b);
        assert_eq!((ratio.low, ratio.high), (9.5 / 5.5, 10.5 / 4.5));
        let upper = Range::of(0.1, Qualifier::UpperBound, 0.0);
        assert_eq!(upper.ratio(b).low, f64::NEG_INFINITY);
        assert_eq!(b.ratio(upper.non_negative()).high, f64::INFINITY);
        let scaled = a.scale(2.0, -1.0);
        assert_eq!((scaled.low, scaled.high), (18.0, 20.0));
        assert_eq!(a.half_width(), 0.5);
    }
}
