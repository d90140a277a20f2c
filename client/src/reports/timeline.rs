//! `timeline`: per year, the milestones of that year beside the market size of that year
//! (stated or derived, flagged).

use llmarket_proto::llmarket::forecast::v2 as f2;
use serde::{Deserialize, Serialize};

use crate::{
    Client,
    error::ClientError,
    reports::{
        convert,
        model::{MilestoneItem, Point, Unit},
        shared::{Language, MARKET_SIZE_SERIES, Warning, YearSpan, optional},
    },
};

/// Milestones year by year beside the market size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// The language of the texts.
    pub language: Language,
    /// The market series, `datasets/{dataset}/series/market-size`.
    pub series: String,
    /// Its title in the requested language.
    pub title: String,
    /// The unit of the market sizes.
    pub unit: Unit,
    /// How the source defines the market series (its scope).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// One row per year of the span (an open end stops at the last year with data).
    pub years: Vec<TimelineYear>,
    /// What is missing from this report, and why.
    pub warnings: Vec<Warning>,
}

/// One year of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineYear {
    /// Calendar year.
    pub year: i32,
    /// The market size that year, stated or derived; absent where the data has none (before
    /// the first or after the last stated year).
    pub market_size: Option<Point>,
    /// The milestones of the year; absent when the taxonomy could not say (see `warnings`).
    pub milestones: Option<Vec<MilestoneItem>>,
}

impl Client {
    /// The timeline over `years` in the default dataset, texts in `language`.
    pub async fn timeline(
        &self,
        years: YearSpan,
        language: Language,
    ) -> Result<Timeline, ClientError> {
        crate::connect::traced(async move {
            years.check()?;
            let series = self.series_name(MARKET_SIZE_SERIES);
            // The whole series is asked for and cut here: a span reaching before the first stated
            // year is not an error for a timeline, it just has no market size there.
            let numbers = async {
                tokio::try_join!(
                    self.get_series(&series),
                    self.query_observations(convert::observations_request(
                        &series,
                        YearSpan::all(),
                        f2::Transform::None,
                        f2::Fill::CagrInterpolate,
                    )),
                )
            };
            let words = async {
                let filter = years.milestone_filter();
                let milestones = self
                    .list_milestones(self.dataset(), &filter)
                    .await
                    .and_then(|all| {
                        all.into_iter()
                            .map(|m| convert::milestone("ListMilestones", language, m))
                            .collect::<Result<Vec<_>, _>>()
                    });
                Ok::<_, ClientError>(milestones)
            };
            let ((info, observations), milestones) = tokio::try_join!(numbers, words)?;

            let points: Vec<Point> =
                convert::points("GetObservations", &series, observations.observations)?
                    .into_iter()
                    .filter(|p| years.contains(p.year))
                    .collect();
            let mut warnings = Vec::new();
            let milestones = optional("milestones", milestones, &mut warnings);
            let milestone_years = milestones.iter().flatten().map(|m| m.year);
            let data_years = points.iter().map(|p| p.year).chain(milestone_years);
            let first = years.start.or_else(|| data_years.clone().min());
            let last = years.end.or_else(|| data_years.max());
            let rows = match (first, last) {
                (Some(first), Some(last)) => (first..=last)
                    .map(|year| TimelineYear {
                        year,
                        market_size: points.iter().find(|p| p.year == year).cloned(),
                        milestones: milestones
                            .as_ref()
                            .map(|all| all.iter().filter(|m| m.year == year).cloned().collect()),
                    })
                    .collect(),
                _ => Vec::new(),
            };
            Ok(Timeline {
                language,
                title: convert::pick_text(language, &info.titles),
                unit: convert::unit("GetSeries", &series, info.unit.as_ref())?,
                note: convert::series_note(language, &info),
                series,
                years: rows,
                warnings,
            })
        })
        .await
    }
}
