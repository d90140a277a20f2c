//! Conversions between the wire (`llmarket.forecast.v1`) and the domain: [`request`] validates
//! requests into queries, [`response`] turns domain values into messages, `wire` maps the
//! domain's enums onto both contracts' (v2's handlers use it too).

pub mod request;
pub mod response;
pub(crate) mod wire;

pub use self::{
    request::{
        BreakdownQuery, GrowthQuery, ObservationsQuery, Projecting, ProjectionQuery, Query,
        Reading, SeriesId, Target,
    },
    response::{
        breakdown_response, checks_response, dataset, growth_response, projection_response, series,
    },
};
