//! `series breakdown ID`: one year of a series split into its components, each with its share
//! of the total (derived by the service).

use llmarket_proto::llmarket::forecast::v2 as f2;
use serde::{Deserialize, Serialize};

use crate::{
    Client,
    error::ClientError,
    reports::{convert, direct::Fill, model::Breakdown, shared::Language},
};

/// A series split into its components in one year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesBreakdown {
    /// The title of the series split, in the requested language.
    pub title: String,
    /// Its note on what it covers; empty when it has none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// The split: the total, each component with its share, their sum and the residual.
    pub breakdown: Breakdown,
    /// The language of the fixed words when rendered; not part of the JSON.
    #[serde(skip)]
    pub language: Language,
}

impl Client {
    /// `series` split into its components in `year` (none: the last year all have a value).
    pub async fn series_breakdown(
        &self,
        series: &str,
        year: Option<i32>,
        fill: Fill,
        language: Language,
    ) -> Result<SeriesBreakdown, ClientError> {
        let name = self.series_name(series);
        let fill = match fill {
            Fill::None => f2::Fill::None,
            Fill::Interpolate => f2::Fill::CagrInterpolate,
        };
        let (info, breakdown) = tokio::join!(
            self.get_series(&name),
            self.compute_breakdown(f2::ComputeBreakdownRequest {
                name: name.clone(),
                edition: None,
                year,
                fill: fill as i32,
            }),
        );
        let (info, breakdown) = (info?, breakdown?);
        Ok(SeriesBreakdown {
            title: convert::pick_text(language, &info.titles),
            note: convert::series_note(language, &info),
            breakdown: convert::breakdown("GetBreakdown", language, breakdown)?,
            language,
        })
    }
}
