//! Conversions between the wire (`llmarket.forecast.v1`) and the domain: [`request`] validates
//! requests into queries, [`response`] turns domain values into messages.

pub mod request;
pub mod response;

pub use self::{
    request::{
        BreakdownQuery, GrowthQuery, ObservationsQuery, Projecting, ProjectionQuery, Query,
        Reading, SeriesId, Target,
    },
    response::{
        breakdown_response, checks_response, dataset, fill_to_pb, growth_response,
        projection_response, series, transform_to_pb,
    },
};
