//! `market_overview`: a dataset's total market over the years, its growth (computed and as
//! stated), the latest breakdown into components, the drivers, trends and barriers, and the
//! capability level the report calls current — ten calls, all at once.

use llmarket_proto::llmarket::forecast::v2 as f2;
use serde::{Deserialize, Serialize};

use crate::{
    Client,
    error::{ClientError, Service},
    reports::{
        convert,
        model::{Breakdown, ConceptSummary, DatasetInfo, Growth, SeriesValues},
        shared::{
            BARRIERS_SCHEME, CAPABILITY_LEVELS_SCHEME, CURRENT_LEVEL_ATTRIBUTE, DRIVERS_SCHEME,
            Language, MARKET_SIZE_SERIES, TRENDS_SCHEME, Warning, YearSpan, optional,
        },
    },
};

/// A market at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketOverview {
    /// The language of the texts.
    pub language: Language,
    /// The dataset: title and terms of use.
    pub dataset: DatasetInfo,
    /// The total market over the span: stated values, and derived ones (interpolated at
    /// constant growth between stated years) flagged as such.
    pub market: SeriesValues,
    /// The compound annual growth over the span, computed, and as stated with the agreement check.
    pub growth: Growth,
    /// The latest year with every component stated, split into components with shares.
    pub breakdown: Breakdown,
    /// What drives the market; absent when the taxonomy could not say (see `warnings`).
    pub drivers: Option<Vec<ConceptSummary>>,
    /// Where the market is heading; absent when the taxonomy could not say.
    pub trends: Option<Vec<ConceptSummary>>,
    /// What protects the leaders; absent when the taxonomy could not say.
    pub barriers: Option<Vec<ConceptSummary>>,
    /// The capability level the report calls current; absent when unknown (see `warnings`).
    pub current_capability: Option<CurrentCapability>,
    /// What is missing from this report, and why.
    pub warnings: Vec<Warning>,
}

/// The capability level the report calls current, and where models stand on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentCapability {
    /// The level.
    pub level: ConceptSummary,
    /// Where models stand on it, as the `current_level` attribute says (e.g. "border").
    pub position: String,
}

/// The taxonomy's half of the overview; each part on its own, so one failure loses one part.
struct Words {
    drivers: Result<Vec<ConceptSummary>, ClientError>,
    trends: Result<Vec<ConceptSummary>, ClientError>,
    barriers: Result<Vec<ConceptSummary>, ClientError>,
    levels: Result<Vec<ConceptSummary>, ClientError>,
}

impl Client {
    /// The market overview of `dataset` (`datasets/{dataset}`) over `years`, texts in
    /// `language`. Every call goes out at once; the taxonomy's parts are optional.
    pub async fn market_overview(
        &self,
        dataset: &str,
        years: YearSpan,
        language: Language,
    ) -> Result<MarketOverview, ClientError> {
        crate::connect::traced(async move {
            years.check()?;
            let series = format!("{dataset}/series/{MARKET_SIZE_SERIES}");
            let numbers = async {
                tokio::try_join!(
                    self.get_dataset(dataset),
                    // Every edition, to find the one the series is read from without a call
                    // after the others.
                    self.list_editions(dataset),
                    self.get_series(&series),
                    self.query_observations(convert::observations_request(
                        &series,
                        years,
                        f2::Transform::None,
                        f2::Fill::CagrInterpolate,
                    )),
                    self.compute_growth(convert::growth_request(
                        &series,
                        years,
                        f2::Fill::CagrInterpolate,
                    )),
                    self.compute_breakdown(f2::ComputeBreakdownRequest {
                        name: series.clone(),
                        edition: None,
                        year: None,
                        fill: f2::Fill::None as i32,
                    }),
                )
            };
            let scheme = |id| format!("{dataset}/schemes/{id}");
            let levels_scheme = scheme(CAPABILITY_LEVELS_SCHEME);
            let [drivers_scheme, trends_scheme, barriers_scheme] =
                [DRIVERS_SCHEME, TRENDS_SCHEME, BARRIERS_SCHEME].map(scheme);
            let words = async {
                let (drivers, trends, barriers, levels) = tokio::join!(
                    self.concepts_of(&drivers_scheme, language),
                    self.concepts_of(&trends_scheme, language),
                    self.concepts_of(&barriers_scheme, language),
                    self.concepts_of(&levels_scheme, language),
                );
                Ok::<_, ClientError>(Words {
                    drivers,
                    trends,
                    barriers,
                    levels,
                })
            };
            let ((dataset_info, editions, info, observations, growth, breakdown), words) =
                tokio::try_join!(numbers, words)?;
            let points = convert::points("GetObservations", &series, observations.observations)?;
            let market = convert::series_values(language, &series, &info, points)?;
            let edition = editions
                .into_iter()
                .find(|e| e.name == info.edition)
                .ok_or_else(|| {
                    ClientError::bad_data(
                        Service::Forecast,
                        "ListEditions",
                        format!(
                            "{series} is read from {:?}, an edition not listed",
                            info.edition
                        ),
                    )
                })?;
            let mut warnings = Vec::new();
            let drivers = optional("drivers", words.drivers, &mut warnings);
            let trends = optional("trends", words.trends, &mut warnings);
            let barriers = optional("barriers", words.barriers, &mut warnings);
            let current_capability =
                optional("current capability level", words.levels, &mut warnings)
                    .and_then(|levels| current_capability(&levels_scheme, levels, &mut warnings));
            Ok(MarketOverview {
                language,
                dataset: convert::dataset(
                    "GetDataset",
                    language,
                    dataset_info,
                    edition,
                    info.unit
                        .as_ref()
                        .map(|u| u.currency_code.clone())
                        .unwrap_or_default(),
                )?,
                market,
                growth: convert::growth("ComputeGrowth", growth)?,
                breakdown: convert::breakdown("GetBreakdown", language, breakdown)?,
                drivers,
                trends,
                barriers,
                current_capability,
                warnings,
            })
        })
        .await
    }

    /// Every concept of `scheme`, checked.
    pub(crate) async fn concepts_of(
        &self,
        scheme: &str,
        language: Language,
    ) -> Result<Vec<ConceptSummary>, ClientError> {
        self.list_concepts(scheme)
            .await?
            .into_iter()
            .map(|c| convert::concept("ListConcepts", language, c))
            .collect()
    }
}

/// The level carrying the `current_level` attribute, or a warning that none does.
fn current_capability(
    scheme: &str,
    levels: Vec<ConceptSummary>,
    warnings: &mut Vec<Warning>,
) -> Option<CurrentCapability> {
    let found = levels.into_iter().find_map(|level| {
        let position = level.attributes.get(CURRENT_LEVEL_ATTRIBUTE)?.clone();
        Some(CurrentCapability { level, position })
    });
    if found.is_none() {
        warnings.push(Warning::absent(
            "current capability level",
            Service::Taxonomy,
            format!("no concept of {scheme} carries the attribute {CURRENT_LEVEL_ATTRIBUTE}"),
        ));
    }
    found
}
