//! A series as an analyst asks for it: transformed by the forecast service (growth over the
//! year, an index, a share of its parent), projected at the rate the report states, and
//! several series side by side.

use llmarket_proto::llmarket::forecast::v2 as f2;
use serde::{Deserialize, Serialize};

use crate::{
    Client,
    error::{ClientError, Service},
    reports::{
        convert,
        cost::Projection,
        direct::{Fill, SeriesDetail, series_info},
        model::{SeriesValues, Transform},
        shared::{Language, YearSpan},
    },
};

/// What to read of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeriesQuery {
    /// The span of years.
    pub years: YearSpan,
    /// Whether the years between stated ones are derived.
    pub fill: Fill,
    /// A transform of the values, if any.
    pub transform: Option<Transform>,
    /// The last year to project the series to at its stated rate, if any.
    pub project_to: Option<i32>,
}

/// Several series side by side, each with its values over the same span.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesComparison {
    /// The series, in the order asked for.
    pub series: Vec<SeriesDetail>,
    /// The language of the fixed words when rendered; not part of the JSON.
    #[serde(skip)]
    pub language: Language,
}

/// The transform as the protos name it.
fn proto(transform: Transform) -> f2::Transform {
    match transform {
        Transform::YearOverYear => f2::Transform::YearOverYear,
        Transform::Index => f2::Transform::Index,
        Transform::ShareOfParent => f2::Transform::ShareOfParent,
    }
}

impl Client {
    /// One series (a full name, or a short id in the default dataset) with its values over
    /// `years`; metadata and values are fetched at once. [`Client::series_view`] also
    /// transforms or projects it.
    pub async fn series_detail(
        &self,
        series: &str,
        years: YearSpan,
        fill: Fill,
        language: Language,
    ) -> Result<SeriesDetail, ClientError> {
        let query = SeriesQuery {
            years,
            fill,
            ..Default::default()
        };
        self.series_view(series, query, language).await
    }

    /// One series (a full name, or a short id in the default dataset) as `query` asks: its
    /// values over a span, transformed or not, and projected at its stated rate from its last
    /// year when asked.
    pub async fn series_view(
        &self,
        series: &str,
        query: SeriesQuery,
        language: Language,
    ) -> Result<SeriesDetail, ClientError> {
        query.years.check()?;
        let name = self.series_name(series);
        let fill = match query.fill {
            Fill::None => f2::Fill::None,
            Fill::Interpolate => f2::Fill::CagrInterpolate,
        };
        let transform = query.transform.map_or(f2::Transform::None, proto);
        // Metadata and values at once; their errors in a fixed order (GetSeries first), so the
        // same command always names the same failing call.
        let (info, values) = tokio::join!(
            self.get_series(&name),
            self.query_observations(convert::observations_request(
                &name,
                query.years,
                transform,
                fill
            )),
        );
        let (info, values) = (info?, values?);
        // The projection starts from the series' last year, so it extends the data.
        let projected = match query.project_to {
            Some(end_year) => Some(
                self.project_series(f2::ProjectSeriesRequest {
                    name: name.clone(),
                    edition: None,
                    base_year: info.last_year,
                    end_year,
                    scenario: Some(f2::project_series_request::Scenario::StatedRate(true)),
                    fill: fill as i32,
                })
                .await?,
            ),
            None => None,
        };
        let series_info = series_info("GetSeries", language, &info)?;
        let note = convert::series_note(language, &info);
        let stated_rates = convert::stated_rates("GetSeries", &name, info.stated_rates)?;
        let points = convert::points("GetObservations", &name, values.observations)?;
        // A transform changes the unit (a fraction, an index): the values carry theirs.
        let unit = points.first().map_or(series_info.unit, |p| p.unit);
        let projection = projected
            .map(|p| -> Result<Projection, ClientError> {
                let base =
                    crate::error::required(Service::Forecast, "ProjectSeries", "base", p.base)?;
                Ok(Projection {
                    base: convert::point("ProjectSeries", &name, base)?,
                    annual_rate: p.annual_rate,
                    points: convert::points("ProjectSeries", &name, p.projections)?,
                    horizon_year: p.horizon_year,
                })
            })
            .transpose()?;
        Ok(SeriesDetail {
            values: SeriesValues {
                name: name.clone(),
                title: series_info.title.clone(),
                unit,
                note,
                points,
            },
            info: series_info,
            stated_rates,
            transform: query.transform,
            projection,
            language,
        })
    }

    /// Each of `series` as `query` asks (no projection), side by side.
    pub async fn series_compare(
        &self,
        series: &[String],
        query: SeriesQuery,
        language: Language,
    ) -> Result<SeriesComparison, ClientError> {
        let query = SeriesQuery {
            project_to: None,
            ..query
        };
        let views = futures_util::future::join_all(
            series.iter().map(|s| self.series_view(s, query, language)),
        )
        .await;
        Ok(SeriesComparison {
            series: views.into_iter().collect::<Result<_, _>>()?,
            language,
        })
    }
}
