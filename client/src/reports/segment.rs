//! `segment_report`: one concept (definition, place in the hierarchy, related concepts) joined
//! with the series it links to (values, growth, share of the parent series).
//!
//! The concept comes first (it names the series); then the labels of its neighbours and, for each
//! linked series, its metadata, values, growth and share all go out at once.

use std::collections::BTreeMap;

use llmarket_proto::llmarket::forecast::v2 as f2;
use serde::{Deserialize, Serialize};

use crate::{
    Client,
    error::ClientError,
    reports::{
        convert,
        model::{ConceptRef, ConceptSummary, Growth, Point, SeriesValues, StatedRate},
        shared::{Language, Warning, YearSpan, optional},
    },
};

/// A concept and the numbers behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentReport {
    /// The language of the texts.
    pub language: Language,
    /// The concept and its neighbourhood.
    pub concept: SegmentConcept,
    /// The series the concept links to, in the order the concept lists them.
    pub series: Vec<SegmentSeries>,
    /// What is missing from this report, and why.
    pub warnings: Vec<Warning>,
}

/// A concept with its place in the hierarchy and its relations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentConcept {
    /// The concept itself.
    #[serde(flatten)]
    pub concept: ConceptSummary,
    /// The scheme, `schemes/{scheme}`.
    pub scheme: String,
    /// The path to the top of the hierarchy: the broader concept first, the top concept last.
    pub ancestors: Vec<ConceptRef>,
    /// The narrower concepts.
    pub narrower: Vec<ConceptRef>,
    /// Related concepts, possibly in other schemes.
    pub related: Vec<ConceptRef>,
}

/// One series a concept links to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentSeries {
    /// The values over the span, stated and derived (interpolated) ones flagged.
    pub values: SeriesValues,
    /// The series this one is a component of, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The parent's title in the requested language; absent without a parent or when it could
    /// not be looked up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_title: Option<String>,
    /// Rates the report states for the series.
    pub stated_rates: Vec<StatedRate>,
    /// Growth over the span; absent when the series has fewer than two values to compare.
    pub growth: Option<Growth>,
    /// Why `growth` is absent (in English; renderers word it from `stated_in_span`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub growth_note: Option<String>,
    /// How many values the report states for the series within the span.
    #[serde(default)]
    pub stated_in_span: usize,
    /// The series' share of its parent in each year both have a value (derived); empty
    /// without a parent.
    pub share_of_parent: Vec<Point>,
}

impl Client {
    /// The segment report of `concept` (`schemes/{scheme}/concepts/{concept}`) over `years`.
    ///
    /// The concept comes from the taxonomy, so without it there is no report; the labels of its
    /// neighbours are optional (a warning names them when missing).
    pub async fn segment_report(
        &self,
        concept: &str,
        years: YearSpan,
        language: Language,
    ) -> Result<SegmentReport, ClientError> {
        crate::connect::traced(async move {
            years.check()?;
            let raw = self.get_concept(&self.concept_ref(concept)).await?;
            let scheme = super::direct::scheme_of(&raw.name).to_owned();
            let ancestors = raw.ancestors.clone();
            let narrower = raw.narrower.clone();
            let related = raw.related.clone();
            let summary = convert::concept("GetConcept", language, raw)?;

            let mut neighbours: Vec<String> = Vec::new();
            for name in ancestors.iter().chain(&narrower).chain(&related) {
                if !neighbours.contains(name) {
                    neighbours.push(name.clone());
                }
            }
            let labels = async {
                let concepts = self.batch_get_concepts(neighbours).await?;
                Ok::<_, ClientError>(
                    concepts
                        .into_iter()
                        .map(|c| (convert::concept_label(language, &c), c.name))
                        .map(|(label, name)| (name, label))
                        .collect::<BTreeMap<_, _>>(),
                )
            };
            let series = futures_util::future::join_all(
                summary
                    .series
                    .iter()
                    .map(|name| self.segment_series(name, years, language)),
            );
            let (labels, series) = tokio::join!(labels, series);
            let series = series.into_iter().collect::<Result<Vec<_>, _>>()?;

            let mut warnings = Vec::new();
            let labels = optional("labels of related concepts", labels, &mut warnings);
            let refs = |names: Vec<String>| -> Vec<ConceptRef> {
                names
                    .into_iter()
                    .map(|name| ConceptRef {
                        label: labels.as_ref().and_then(|l| l.get(&name).cloned()),
                        name,
                    })
                    .collect()
            };
            Ok(SegmentReport {
                language,
                concept: SegmentConcept {
                    concept: summary,
                    scheme,
                    ancestors: refs(ancestors),
                    narrower: refs(narrower),
                    related: refs(related),
                },
                series,
                warnings,
            })
        })
        .await
    }

    /// One linked series: metadata, values, growth and share of parent, all at once. Growth and
    /// share are asked for before knowing whether the series has enough values or a parent;
    /// the metadata then says whether their failure means "nothing to compute".
    async fn segment_series(
        &self,
        name: &str,
        years: YearSpan,
        language: Language,
    ) -> Result<SegmentSeries, ClientError> {
        let values_request = |transform| {
            convert::observations_request(name, years, transform, f2::Fill::CagrInterpolate)
        };
        let (info, values, growth, share) = tokio::join!(
            self.get_series(name),
            self.query_observations(values_request(f2::Transform::None)),
            self.compute_growth(convert::growth_request(
                name,
                years,
                f2::Fill::CagrInterpolate
            )),
            self.query_observations(values_request(f2::Transform::ShareOfParent)),
        );
        let info = info?;
        let values = values?;
        let stated_in_span = info
            .observations
            .iter()
            .filter(|o| years.contains(o.year))
            .count();
        let (growth, growth_note) = match growth {
            Ok(growth) => (Some(convert::growth("ComputeGrowth", growth)?), None),
            Err(_) if stated_in_span < 2 => (
                None,
                Some(format!(
                    "the report states {stated_in_span} {} of this series in the span: no growth \
                     to compute",
                    if stated_in_span == 1 {
                        "value"
                    } else {
                        "values"
                    }
                )),
            ),
            Err(error) => return Err(error),
        };
        let parent = (!info.parent.is_empty()).then(|| info.parent.clone());
        // The parent's title, for the share's heading; the share stands without it.
        let parent_title = match &parent {
            Some(parent) => self
                .get_series(parent)
                .await
                .ok()
                .map(|p| convert::pick_text(language, &p.titles)),
            None => None,
        };
        let share_of_parent = match (&parent, share) {
            (None, _) => Vec::new(),
            (Some(_), Ok(share)) => convert::points("GetObservations", name, share.observations)?,
            (Some(_), Err(error)) => return Err(error),
        };
        let points = convert::points("GetObservations", name, values.observations)?;
        Ok(SegmentSeries {
            values: convert::series_values(language, name, &info, points)?,
            stated_rates: convert::stated_rates("GetSeries", name, info.stated_rates)?,
            parent,
            parent_title,
            growth,
            growth_note,
            stated_in_span,
            share_of_parent,
        })
    }
}
