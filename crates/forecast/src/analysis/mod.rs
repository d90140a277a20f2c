//! The arithmetic of the forecast service: gap filling, transforms, growth, breakdowns,
//! projections and consistency checks. Plain Rust over [`SeriesRef`](crate::model::SeriesRef)s, no tonic, no I/O; each
//! call touches only the series it is about (found by id, never by a scan).
//!
//! Rules for derived values (see `forecast.proto`):
//! - every derived value's range is computed from its inputs' ranges (`range`): a side is open
//!   when an input side it depends on is; interpolations and projections (models) and anything
//!   from an approximate input have a range of unknown width;
//! - the qualifier follows from the range: one open side makes a bound; otherwise EXACT only
//!   when every input is exact and the width is known, APPROXIMATE else;
//! - a derived value is ACTUAL only when every input is ACTUAL; projections are FORECAST, and
//!   flagged past the dataset's horizon.
//!
//! Layout: [`fill`] (stated or interpolated values of a year), [`transform`] (spans of values,
//! year-over-year, index, share), [`mod@growth`], [`mod@breakdown`], [`projection`], [`checks`]
//! (consistency of the stated figures), `derived` (building a derived observation, the span's years) and `range` (the arithmetic
//! of value ranges).

pub mod breakdown;
pub mod checks;
mod derived;
pub mod fill;
pub mod growth;
pub mod projection;
mod range;
pub mod transform;

pub use self::{
    breakdown::{Breakdown, Part, breakdown},
    checks::{Check, CheckKind, check},
    growth::{Growth, growth},
    projection::{Projection, Scenario, project, projection_rate},
    transform::observations,
};
#[cfg(test)]
mod testing {
    //! What the analysis tests share: the built-in catalog and a float comparison.

    use crate::model::Catalog;

    /// The built-in dataset's id.
    pub(super) const D: &str = "cic-global-llm-2026";

    /// The catalog of the built-in data.
    pub(super) fn builtin() -> Catalog {
        Catalog::load(&[llmarket_kit::data::builtin()]).unwrap()
    }

    /// Whether `a` and `b` agree to about 9 significant digits.
    pub(super) fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }
}
