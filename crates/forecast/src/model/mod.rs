//! Domain types of the forecast service: datasets of yearly series with provenance. Plain Rust,
//! no tonic; built once by [`super::load`] and immutable afterwards.
//!
//! [`values`] holds what describes an observation; [`observation`] one observation;
//! [`derivation`] what a derived value was computed from; [`catalog`] the series, datasets and the catalog that index them; `v2_names` the names contract v2 gives them, made at load.

pub mod catalog;
pub mod derivation;
pub mod observation;
mod v2_names;
pub mod values;

pub use self::{
    catalog::{
        Catalog, ConceptLink, Dataset, DatasetInfo, EditionChoice, Editions, LinkedConcept, Names,
        Series, SeriesRef,
    },
    derivation::{Derivation, Estimate, Input, MethodKind},
    observation::Observation,
    values::{
        Fill, Kind, MAX_YEAR, MIN_YEAR, Provenance, Qualifier, Range, RateKind, Span, StatedRate,
        Transform, Unit, number,
    },
};
