//! Direct access to single resources, as our own serde types: the series of a dataset, one series
//! with its values, one concept, a concept search, and the milestones.

use std::collections::BTreeMap;

use llmarket_proto::llmarket::{forecast::v2 as f2, taxonomy::v2 as t2};
use serde::{Deserialize, Serialize};

use crate::{
    Client,
    error::ClientError,
    reports::{
        convert,
        model::{ConceptSummary, MilestoneItem, SeriesValues, StatedRate, Unit},
        shared::{Language, UNLOCKED_BY_ATTRIBUTE, YearSpan},
    },
};

/// The series of a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesList {
    /// `datasets/{dataset}`.
    pub dataset: String,
    /// The series in name order.
    pub series: Vec<SeriesInfo>,
    /// The language of the fixed words when rendered; not part of the JSON, whose fields stay as
    /// they were (the language of the data texts is that of the request).
    #[serde(skip)]
    pub language: Language,
}

/// A series' metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesInfo {
    /// `datasets/{dataset}/series/{series}`.
    pub name: String,
    /// The title in the requested language.
    pub title: String,
    /// The unit of its values.
    pub unit: Unit,
    /// The series it is a component of, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The series that add up to it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<String>,
    /// First year with a stated value.
    pub first_year: i32,
    /// Last year with a stated value.
    pub last_year: i32,
    /// The section of the source report.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
}

/// One series with its values over a span.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesDetail {
    /// The metadata.
    pub info: SeriesInfo,
    /// Rates the report states for it.
    pub stated_rates: Vec<StatedRate>,
    /// The values; derived ones (when interpolation or a transform was asked for) flagged,
    /// with their method.
    pub values: SeriesValues,
    /// The transform applied to the values (`--transform`), if any: they are then derived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transform: Option<crate::reports::model::Transform>,
    /// The series projected at its stated rate after its last year (`--project-to`), if asked
    /// for: derived, the years after the report's horizon flagged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projection: Option<crate::reports::cost::Projection>,
    /// The language of the fixed words when rendered; not part of the JSON, whose fields stay as
    /// they were (the language of the data texts is that of the request).
    #[serde(skip)]
    pub language: Language,
}

/// One concept with the names of its neighbours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConceptDetail {
    /// The concept; its broader concepts are its summary's
    /// [`broader`](ConceptSummary::broader), one `broader` key in the JSON.
    #[serde(flatten)]
    pub concept: ConceptSummary,
    /// Its scheme, `schemes/{scheme}`.
    pub scheme: String,
    /// Narrower concepts.
    pub narrower: Vec<String>,
    /// Related concepts.
    pub related: Vec<String>,
    /// The path to the top of the hierarchy.
    pub ancestors: Vec<String>,
    /// The labels of the concepts it names (neighbours, and the concept an `unlocked_by`
    /// attribute names), by name, so a reader sees words rather than identifiers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// The language of the fixed words when rendered; not part of the JSON, whose fields stay as
    /// they were (the language of the data texts is that of the request).
    #[serde(skip)]
    pub language: Language,
}

/// The results of a concept search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// The text searched for.
    pub query: String,
    /// The hits, best first.
    pub hits: Vec<SearchHit>,
    /// Hits over all pages.
    pub total: i32,
    /// The language of the fixed words when rendered; not part of the JSON, whose fields stay as
    /// they were (the language of the data texts is that of the request).
    #[serde(skip)]
    pub language: Language,
}

/// One search hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// The concept found.
    pub concept: ConceptSummary,
    /// Relevance in (0, 1].
    pub score: f64,
    /// The text that matched.
    pub matched_text: String,
}

/// Milestones in date order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Milestones {
    /// The milestones.
    pub milestones: Vec<MilestoneItem>,
    /// The language of the fixed words when rendered; not part of the JSON, whose fields stay as
    /// they were (the language of the data texts is that of the request).
    #[serde(skip)]
    pub language: Language,
}

/// How years without a stated value are treated when reading a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fill {
    /// Only stated values.
    #[default]
    None,
    /// Years between stated ones derived at constant growth (flagged as derived).
    Interpolate,
}

pub(crate) fn series_info(
    call: &'static str,
    language: Language,
    s: &f2::Series,
) -> Result<SeriesInfo, ClientError> {
    Ok(SeriesInfo {
        name: s.name.clone(),
        title: convert::pick_text(language, &s.titles),
        unit: convert::unit(call, &s.name, s.unit.as_ref())?,
        parent: (!s.parent.is_empty()).then(|| s.parent.clone()),
        components: s.components.clone(),
        first_year: s.first_year.unwrap_or_default(),
        last_year: s.last_year.unwrap_or_default(),
        source: s.source.clone(),
    })
}

fn concept_detail(
    call: &'static str,
    language: Language,
    c: t2::Concept,
    labels: BTreeMap<String, String>,
) -> Result<ConceptDetail, ClientError> {
    let scheme = scheme_of(&c.name).to_owned();
    let narrower = c.narrower.clone();
    let related = c.related.clone();
    let ancestors = c.ancestors.clone();
    Ok(ConceptDetail {
        concept: convert::concept(call, language, c)?,
        scheme,
        narrower,
        related,
        ancestors,
        labels,
        language,
    })
}

/// The concepts `c` names: its neighbours and the concept of its `unlocked_by` attribute.
/// The scheme, `datasets/{d}/schemes/{s}`, of a concept name under it.
pub(crate) fn scheme_of(concept: &str) -> &str {
    concept.split("/concepts/").next().unwrap_or(concept)
}

fn named_concepts(c: &ConceptDetail) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let attribute = c.concept.attributes.get(UNLOCKED_BY_ATTRIBUTE);
    for name in c
        .concept
        .broader
        .iter()
        .chain(&c.narrower)
        .chain(&c.related)
        .chain(attribute)
    {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    names
}

impl Client {
    /// The series of `dataset` (`datasets/{dataset}`), titles in `language`.
    pub async fn series_list(
        &self,
        dataset: &str,
        language: Language,
    ) -> Result<SeriesList, ClientError> {
        let series = self
            .list_series(dataset)
            .await?
            .iter()
            .map(|s| series_info("ListSeries", language, s))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SeriesList {
            dataset: dataset.to_owned(),
            series,
            language,
        })
    }

    /// One concept, `schemes/{scheme}/concepts/{concept}`.
    pub async fn concept(
        &self,
        name: &str,
        language: Language,
    ) -> Result<ConceptDetail, ClientError> {
        let concept = self.get_concept(&self.concept_ref(name)).await?;
        let mut detail = concept_detail("GetConcept", language, concept, BTreeMap::new())?;
        detail.labels = self
            .batch_get_concepts(named_concepts(&detail))
            .await?
            .into_iter()
            .map(|c| (convert::concept_label(language, &c), c.name))
            .map(|(label, name)| (name, label))
            .collect();
        Ok(detail)
    }

    /// Concepts whose label or definition contains `query`, in `schemes` (all when empty).
    pub async fn search(
        &self,
        query: &str,
        schemes: Vec<String>,
        language: Language,
    ) -> Result<SearchResults, ClientError> {
        let parents = if schemes.is_empty() {
            vec![format!("{}/schemes/-", self.dataset())]
        } else {
            schemes.iter().map(|s| self.scheme_name(s)).collect()
        };
        let responses = futures_util::future::try_join_all(
            parents
                .iter()
                .map(|parent| self.search_concepts(query, parent)),
        )
        .await?;
        let total = responses.iter().map(|r| r.total_size).sum();
        let mut found: Vec<t2::SearchHit> = responses.into_iter().flat_map(|r| r.hits).collect();
        // Hits of several schemes, best first (a stable sort keeps each scheme's order on ties).
        found.sort_by(|a, b| b.score.total_cmp(&a.score));
        let hits = found
            .into_iter()
            .map(|hit| {
                let concept = crate::error::required(
                    crate::error::Service::Taxonomy,
                    "SearchConcepts",
                    "hit concept",
                    hit.concept,
                )?;
                Ok(SearchHit {
                    concept: convert::concept("SearchConcepts", language, concept)?,
                    score: hit.score,
                    matched_text: hit.matched_text,
                })
            })
            .collect::<Result<Vec<_>, ClientError>>()?;
        Ok(SearchResults {
            query: query.to_owned(),
            hits,
            total,
            language,
        })
    }

    /// The milestones within `years`, optionally only those concerning `concept`.
    pub async fn milestones(
        &self,
        years: YearSpan,
        concept: Option<&str>,
        language: Language,
    ) -> Result<Milestones, ClientError> {
        years.check()?;
        let mut filter = years.milestone_filter();
        if let Some(concept) = concept {
            let concept = format!("concepts:{:?}", self.concept_ref(concept));
            filter = if filter.is_empty() {
                concept
            } else {
                format!("{filter} AND {concept}")
            };
        }
        let milestones = self
            .list_milestones(self.dataset(), &filter)
            .await?
            .into_iter()
            .map(|m| convert::milestone("ListMilestones", language, m))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Milestones {
            milestones,
            language,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_concept_names_its_broader_concepts_once() {
        let detail = ConceptDetail {
            concept: ConceptSummary {
                name: "schemes/industry/concepts/maas".to_owned(),
                notation: None,
                label: "MaaS".to_owned(),
                definition: "Model as a service.".to_owned(),
                source: "1.2".to_owned(),
                broader: vec!["schemes/industry/concepts/model-based-revenue".to_owned()],
                series: Vec::new(),
                attributes: BTreeMap::new(),
                languages: Vec::new(),
            },
            scheme: "schemes/industry".to_owned(),
            narrower: Vec::new(),
            related: Vec::new(),
            ancestors: Vec::new(),
            labels: BTreeMap::new(),
            language: Language::En,
        };
        let json = serde_json::to_string(&detail).unwrap();
        assert_eq!(json.matches("\"broader\"").count(), 1, "{json}");
        let back: ConceptDetail = serde_json::from_str(&json).unwrap();
        assert_eq!(back, detail);
    }
}
