//! `cost_outlook`: the inference-cost series, its stated rate of fall, a projection at that rate,
//! and the applications the cost decline unlocks.

use llmarket_proto::llmarket::forecast::v2 as f2;
use serde::{Deserialize, Serialize};

use crate::{
    Client,
    error::{ClientError, Service},
    reports::{
        convert,
        model::{ConceptSummary, Growth, Point, Provenance, RateKind, SeriesValues, StatedRate},
        shared::{
            APPLICATIONS_SCHEME, INFERENCE_COST_SERIES, Language, UNLOCKED_BY_ATTRIBUTE, Warning,
            YearSpan, optional,
        },
    },
};

/// Where the cost of inference is heading and what that makes possible.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostOutlook {
    /// The language of the texts.
    pub language: Language,
    /// How far the cost fell from the first to the last value the report states (2022 → 2024 in
    /// the built-in data): the multiple and the CAGR, both derived from the stated values;
    /// absent when the service could not compute them (a warning says why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fall_so_far: Option<CostFall>,
    /// The stated values of the cost series within the span.
    pub cost: SeriesValues,
    /// The yearly change the report states for the cost (-0.9 is a tenfold fall a year).
    pub stated_rate: Option<StatedRate>,
    /// The cost projected at the stated rate (derived).
    pub projection: Projection,
    /// Applications the cost decline unlocks; absent when the taxonomy could not say.
    pub unlocked_applications: Option<Vec<UnlockedApplication>>,
    /// What is missing from this report, and why.
    pub warnings: Vec<Warning>,
}

/// The cost's fall between two values the report states: its multiple and CAGR are computed
/// by the forecast service, so the whole is marked derived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostFall {
    /// Always [`Provenance::Derived`]: the report states the two values, not their ratio.
    pub provenance: Provenance,
    /// The two stated values, the multiple and the CAGR between them.
    #[serde(flatten)]
    pub growth: Growth,
}

/// A series projected at a constant annual rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    /// The value projected from.
    pub base: Point,
    /// The annual rate used, as a fraction.
    pub annual_rate: f64,
    /// The projected values, one per year after the base year (all derived); those after
    /// `horizon_year` are flagged `past_horizon`.
    pub points: Vec<Point>,
    /// The last year the report states any value for, when the service says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon_year: Option<i32>,
}

/// An application that falling cost makes viable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnlockedApplication {
    /// The application.
    pub application: ConceptSummary,
    /// What unlocks it, as its `unlocked_by` attribute says (a concept name).
    pub unlocked_by: String,
    /// The label of that concept; absent when it could not be looked up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unlocked_by_label: Option<String>,
}

impl Client {
    /// Labels what unlocks each of `apps`, so the report names it in words; without the labels
    /// (the lookup failed) the names stay.
    async fn label_unlockers(&self, apps: &mut [UnlockedApplication], language: Language) {
        let mut names: Vec<String> = Vec::new();
        for app in apps.iter() {
            if !names.contains(&app.unlocked_by) {
                names.push(app.unlocked_by.clone());
            }
        }
        let Ok(concepts) = self.batch_get_concepts(names).await else {
            return;
        };
        for app in apps {
            app.unlocked_by_label = concepts
                .iter()
                .find(|c| c.name == app.unlocked_by)
                .map(|c| convert::concept_label(language, c));
        }
    }

    /// The cost outlook in the default dataset: stated costs within `years`, a projection at
    /// the stated rate from the last actual year up to `years.end` (required).
    pub async fn cost_outlook(
        &self,
        years: YearSpan,
        language: Language,
    ) -> Result<CostOutlook, ClientError> {
        crate::connect::traced(self.cost_outlook_calls(years, language)).await
    }

    /// The calls and assembly of [`Client::cost_outlook`], inside its trace.
    async fn cost_outlook_calls(
        &self,
        years: YearSpan,
        language: Language,
    ) -> Result<CostOutlook, ClientError> {
        years.check()?;
        let Some(end_year) = years.end else {
            return Err(ClientError::InvalidArgument {
                argument: "end year",
                reason: "a cost outlook needs the last year to project to".to_owned(),
            });
        };
        let series = self.series_name(INFERENCE_COST_SERIES);
        let numbers = async {
            tokio::try_join!(
                self.get_series(&series),
                self.project_series(f2::ProjectSeriesRequest {
                    name: series.clone(),
                    edition: None,
                    base_year: None,
                    end_year,
                    scenario: Some(f2::project_series_request::Scenario::StatedRate(true)),
                    fill: f2::Fill::None as i32,
                }),
            )
        };
        // The whole stated series (0 to 0: its first and last stated years), whatever the span.
        let fall = self.compute_growth(convert::growth_request(
            &series,
            YearSpan::all(),
            f2::Fill::None,
        ));
        let applications_scheme = self.scheme_name(APPLICATIONS_SCHEME);
        let words =
            async { Ok::<_, ClientError>(self.concepts_of(&applications_scheme, language).await) };
        let (numbers, applications, fall) = tokio::join!(numbers, words, fall);
        let (mut info, projected) = numbers?;
        let applications = applications?;

        let points = convert::points("GetSeries", &series, std::mem::take(&mut info.observations))?
            .into_iter()
            .filter(|p| years.contains(p.year))
            .collect();
        let stated_rates =
            convert::stated_rates("GetSeries", &series, std::mem::take(&mut info.stated_rates))?;
        let stated_rate = match projected.stated_rate {
            Some(rate) => Some(convert::stated_rate("ProjectSeries", &series, rate)?),
            None => stated_rates
                .into_iter()
                .find(|r| r.rate_kind == RateKind::AnnualChange),
        };
        let base = convert::point(
            "ProjectSeries",
            &series,
            crate::error::required(Service::Forecast, "ProjectSeries", "base", projected.base)?,
        )?;
        let mut warnings = Vec::new();
        let fall_so_far = optional("fall of the stated cost", fall, &mut warnings)
            .map(|growth| convert::growth("ComputeGrowth", growth))
            .transpose()?
            .map(|growth| CostFall {
                provenance: Provenance::Derived,
                growth,
            });
        let unlocked_applications = optional("unlocked applications", applications, &mut warnings)
            .map(|applications| {
                applications
                    .into_iter()
                    .filter_map(|application| {
                        let unlocked_by =
                            application.attributes.get(UNLOCKED_BY_ATTRIBUTE)?.clone();
                        Some(UnlockedApplication {
                            application,
                            unlocked_by,
                            unlocked_by_label: None,
                        })
                    })
                    .collect::<Vec<_>>()
            });
        let mut unlocked_applications = unlocked_applications;
        if let Some(apps) = unlocked_applications.as_mut() {
            self.label_unlockers(apps, language).await;
        }
        if unlocked_applications.as_ref().is_some_and(Vec::is_empty) {
            warnings.push(Warning::absent(
                "unlocked applications",
                Service::Taxonomy,
                format!(
                    "no concept of {applications_scheme} carries the attribute {UNLOCKED_BY_ATTRIBUTE}"
                ),
            ));
        }
        Ok(CostOutlook {
            language,
            fall_so_far,
            cost: convert::series_values(language, &series, &info, points)?,
            stated_rate,
            projection: Projection {
                base,
                annual_rate: projected.annual_rate,
                points: convert::points("ProjectSeries", &series, projected.projections)?,
                horizon_year: projected.horizon_year,
            },
            unlocked_applications,
            warnings,
        })
    }
}
