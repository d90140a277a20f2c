//! One yearly observation of a series, stated or derived, with the range its true value may lie
//! in and, for a derived one, what it was computed from.

use super::{
    derivation::{Derivation, Input, MethodKind},
    values::{Kind, Provenance, Qualifier, Range, Unit, number},
};

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
    /// `note` in the source language (zh-Hans); empty when the data gives none.
    pub note_zh_hans: String,
    /// The source's own words for a reported value.
    pub quote: String,
    /// Where the true value may lie.
    pub range: Range,
    /// For a derived value, what it was computed from, for clients to word in any language.
    pub derivation: Option<Derivation>,
    /// Whether the year lies after the dataset's horizon (its last stated year).
    pub past_horizon: bool,
}

impl Observation {
    /// `2024 (10.7, reported)`: the year, value and provenance, for method descriptions.
    pub fn label(&self) -> String {
        let bound = match (self.qualifier, self.range.width_unknown) {
            (Qualifier::Exact, _) => "",
            (Qualifier::Approximate, _) => "about ",
            (Qualifier::UpperBound, false) => "at most ",
            (Qualifier::UpperBound, true) => "at most about ",
            (Qualifier::LowerBound, false) => "at least ",
            (Qualifier::LowerBound, true) => "at least about ",
        };
        format!(
            "{} ({bound}{}, {})",
            self.year,
            number(self.value),
            self.provenance
        )
    }
}

impl From<&Observation> for Input {
    fn from(o: &Observation) -> Self {
        Self {
            year: o.year,
            value: o.value,
            qualifier: o.qualifier,
            provenance: o.provenance,
            width_unknown: o.range.width_unknown,
        }
    }
}

impl Derivation {
    /// A derivation of `kind` from `inputs`, without parameters.
    pub fn of(kind: MethodKind, inputs: &[&Observation]) -> Self {
        Self {
            kind,
            inputs: inputs.iter().map(|o| Input::from(*o)).collect(),
            rate: 0.0,
            years: 0,
            stated_rate: None,
            rate_source: String::new(),
            parent: String::new(),
        }
    }
}
