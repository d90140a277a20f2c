//! What a derived value was computed from, as data rather than words: the method's kind, its
//! inputs and its parameters, so that a client can say it in any language; and [`Estimate`], a
//! derived number with the qualifier and range its inputs give it.

use super::values::{Provenance, Qualifier, Range, RateKind};

/// How a derived value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodKind {
    /// On the geometric (constant growth) path between two stated years.
    CagrInterpolation,
    /// value(y) / value(y − 1) − 1.
    YearOverYear,
    /// value(y) / value(base year) × 100.
    Index,
    /// value(y) / value of the parent series in year y.
    ShareOfParent,
    /// base × (1 + rate)^years.
    Projection,
}

/// One input of a derivation, as it stood when it was used.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Its year.
    pub year: i32,
    /// Its value.
    pub value: f64,
    /// Its qualifier.
    pub qualifier: Qualifier,
    /// Stated or derived.
    pub provenance: Provenance,
    /// Whether its range's width is unknown (an approximate figure without a resolution).
    pub width_unknown: bool,
}

/// What a derived value was computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct Derivation {
    /// The method.
    pub kind: MethodKind,
    /// The inputs in the order the method names them (interpolation: before, after; ratios:
    /// numerator, denominator; projection: the base).
    pub inputs: Vec<Input>,
    /// A projection's annual rate; 0 otherwise.
    pub rate: f64,
    /// A projection's years from the base; 0 otherwise.
    pub years: i32,
    /// What the rate of a projection that uses the source's own rate measures.
    pub stated_rate: Option<RateKind>,
    /// The section of the source stating that rate.
    pub rate_source: String,
    /// The parent series of a share, `datasets/{dataset}/series/{series}`; empty otherwise.
    pub parent: String,
}

/// A derived number with what it stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The central value.
    pub value: f64,
    /// Exact, approximate or a bound, following from `range` and the inputs.
    pub qualifier: Qualifier,
    /// Where the true value may lie.
    pub range: Range,
}

impl Estimate {
    /// `value` over `range`, computed by exact arithmetic from inputs that are all exact when
    /// `exact_inputs` holds (see [`Range::qualifier`]).
    pub fn new(value: f64, range: Range, exact_inputs: bool) -> Self {
        Self {
            value,
            qualifier: range.qualifier(exact_inputs),
            range,
        }
    }
}
