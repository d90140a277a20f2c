//! What an analyst reaches for beyond the composed reports: the datasets with their editions
//! and data versions, a search of the series by words, a series transformed (growth over the
//! year, an index, a share of its parent) or projected at its stated rate, and several series
//! side by side, and one year of a series split into its components.

mod breakdown;
mod datasets;
mod search;
mod view;

pub use crate::reports::model::Transform;
pub use breakdown::SeriesBreakdown;
pub use datasets::{DatasetList, DatasetSummary};
pub use search::{SeriesHit, SeriesSearch};
pub use view::{SeriesComparison, SeriesQuery};
