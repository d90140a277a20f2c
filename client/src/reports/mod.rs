//! The composed queries: each fans out to both services concurrently and returns our own serde
//! type. When the taxonomy cannot answer, a report keeps its numbers and lists what is missing
//! in `warnings`; when the forecast cannot answer, a report of numbers fails, naming it.

pub mod analyst;
pub(crate) mod convert;
pub mod cost;
pub mod direct;
pub mod discovery;
pub mod model;
pub mod overview;
pub mod precision;
pub mod segment;
mod shared;
pub mod timeline;

pub use convert::pick_text;
pub use cost::{CostFall, CostOutlook};
pub use overview::MarketOverview;
pub use segment::SegmentReport;
pub use shared::{
    APPLICATIONS_SCHEME, BARRIERS_SCHEME, CAPABILITY_LEVELS_SCHEME, CURRENT_LEVEL_ATTRIBUTE,
    DRIVERS_SCHEME, INFERENCE_COST_SERIES, Language, MARKET_SIZE_SERIES, TRENDS_SCHEME,
    UNLOCKED_BY_ATTRIBUTE, Warning, YearSpan, short_concept, short_id,
};
pub use timeline::Timeline;
