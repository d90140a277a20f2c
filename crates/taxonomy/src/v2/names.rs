//! The contract v2 names of one edition's vocabulary, made once at load: every reply names
//! concepts, their linked series and the edition, and formatting those names on every call was
//! most of what a v2 taxonomy read cost over its v1 twin
//! (docs/benchmarks/2026-12-07-v2-names.md). Only what depends on the caller (which schemes
//! and series it may read) is left to each call.

use std::collections::{BTreeMap, HashMap};

use llmarket_proto::names::{ConceptName, SeriesName, series_name, v2::concept_name};

use crate::{model::ConceptIndex, vocabulary::Vocabulary};

/// A series a concept explains, as a v2 reply names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedSeries {
    /// `datasets/{dataset}/series/{series}`.
    pub name: String,
    /// The v1 id of one of the dataset's editions that the data names the series under (so a
    /// grant of that edition reads it); none when the series is named under another id.
    pub v1_dataset: Option<String>,
}

/// The v2 names of a vocabulary's concepts under one dataset, by concept index, and what
/// each concept's links need to be checked against a caller's grants.
#[derive(Debug, Default)]
pub struct VocabularyNames {
    /// `datasets/{dataset}/schemes/{scheme}/concepts/{concept}`, by concept index.
    concepts: Vec<String>,
    /// The series each concept explains, by concept index; those its data names in a form
    /// that is not a series name are left out, as replies always left them.
    series: Vec<Vec<LinkedSeries>>,
    /// Whether v1 serves each scheme (by index) under its id from this dataset.
    v1_served: Vec<bool>,
    /// The attributes of each concept (by index) with a value that names a concept of the
    /// vocabulary as the data writes it (`schemes/{s}/concepts/{c}`), that value given by the
    /// concept's v2 name; the attributes of every other concept are as the data writes them.
    attributes: HashMap<ConceptIndex, BTreeMap<String, String>>,
}

impl VocabularyNames {
    /// The names of `vocabulary` as dataset `dataset` serves it; `v1_ids` are the v1 ids of the
    /// dataset's editions and `v1_served` says whether v1 serves a scheme id from it.
    pub fn new<'a>(
        dataset: &str,
        vocabulary: &Vocabulary,
        v1_ids: impl Iterator<Item = &'a str> + Clone,
        v1_served: impl Fn(&str) -> bool,
    ) -> Self {
        let schemes = vocabulary.schemes();
        let concepts: Vec<String> = vocabulary
            .concepts()
            .iter()
            .map(|c| concept_name(dataset, &schemes[c.scheme].id, &c.id))
            .collect();
        let named = |value: &str| {
            let written = ConceptName::parse(value).ok()?;
            let index = vocabulary
                .concept_index(written.scheme, written.concept)
                .ok()?;
            concepts.get(index as usize).cloned()
        };
        let attributes = (0..)
            .zip(vocabulary.concepts())
            .filter(|(_, c)| c.attributes.values().any(|v| named(v).is_some()))
            .map(|(index, c)| {
                let attributes = c.attributes.iter().map(|(key, value)| {
                    (key.clone(), named(value).unwrap_or_else(|| value.clone()))
                });
                (index, attributes.collect())
            })
            .collect();
        let series = vocabulary
            .concepts()
            .iter()
            .map(|c| {
                c.series
                    .iter()
                    .filter_map(|written| {
                        let name = SeriesName::parse(written).ok()?;
                        Some(LinkedSeries {
                            name: series_name(dataset, name.series),
                            v1_dataset: v1_ids
                                .clone()
                                .any(|id| id == name.dataset)
                                .then(|| name.dataset.to_owned()),
                        })
                    })
                    .collect()
            })
            .collect();
        let v1_served = schemes.iter().map(|s| v1_served(&s.id)).collect();
        Self {
            concepts,
            series,
            v1_served,
            attributes,
        }
    }

    /// The attributes of the concept at `index` as v2 gives them, when any names a concept
    /// (see the field); `None` when v2 gives them as the data writes them.
    pub fn attributes(&self, index: ConceptIndex) -> Option<&BTreeMap<String, String>> {
        self.attributes.get(&index)
    }

    /// The v2 name of the concept at `index`.
    pub fn concept(&self, index: ConceptIndex) -> &str {
        &self.concepts[index as usize]
    }

    /// The series the concept at `index` explains.
    pub fn series(&self, index: ConceptIndex) -> &[LinkedSeries] {
        &self.series[index as usize]
    }

    /// Whether v1 serves the scheme at `index` under its id from this dataset.
    pub fn v1_served(&self, scheme: usize) -> bool {
        self.v1_served[scheme]
    }
}

#[cfg(test)]
mod tests {
    use llmarket_kit::data;

    use super::*;

    fn vocabulary() -> Vocabulary {
        Vocabulary::load(&[data::builtin()]).expect("built-in vocabulary")
    }

    #[test]
    fn each_concept_is_found_at_its_index_and_named_under_its_dataset() {
        let merged = vocabulary();
        let edition = &merged.editions().datasets()[0].editions[0];
        let (vocabulary, names) = (&edition.vocabulary, &edition.names);
        for (i, concept) in vocabulary.concepts().iter().enumerate() {
            let index = vocabulary.index_of(concept);
            assert_eq!(index as usize, i);
            let scheme = &vocabulary.schemes()[concept.scheme].id;
            assert_eq!(
                names.concept(index),
                format!(
                    "datasets/cic-global-llm/schemes/{scheme}/concepts/{}",
                    concept.id
                )
            );
        }
        // Every built-in scheme is v1's, from this dataset.
        assert!((0..vocabulary.schemes().len()).all(|s| names.v1_served(s)));
    }

    #[test]
    fn an_attribute_naming_a_concept_gives_its_v2_name_and_others_stay_as_written() {
        let merged = vocabulary();
        let edition = &merged.editions().datasets()[0].editions[0];
        let (vocabulary, names) = (&edition.vocabulary, &edition.names);
        let application = vocabulary.concept("applications", "content-moderation");
        let index = vocabulary.index_of(application.unwrap());
        let given = names
            .attributes(index)
            .expect("unlocked_by names a concept");
        assert_eq!(
            given["unlocked_by"],
            "datasets/cic-global-llm/schemes/drivers/concepts/cost-decline"
        );
        // `current_level = "border"` names no concept: given as written, not copied.
        let level = vocabulary.concept("capability-levels", "l3").unwrap();
        assert_eq!(level.attributes["current_level"], "border");
        assert!(names.attributes(vocabulary.index_of(level)).is_none());
    }

    #[test]
    fn a_linked_series_keeps_the_v1_id_its_grant_reads_it_by() {
        let merged = vocabulary();
        let edition = &merged.editions().datasets()[0].editions[0];
        let vocabulary = &edition.vocabulary;
        let linked: Vec<&LinkedSeries> = vocabulary
            .concepts()
            .iter()
            .flat_map(|c| edition.names.series(vocabulary.index_of(c)))
            .collect();
        assert!(!linked.is_empty());
        for series in linked {
            assert!(
                series.name.starts_with("datasets/cic-global-llm/series/"),
                "{series:?}"
            );
            assert_eq!(series.v1_dataset.as_deref(), Some("cic-global-llm-2026"));
        }
    }

    #[test]
    #[should_panic(expected = "a concept of this vocabulary")]
    fn a_concept_of_another_vocabulary_has_no_index_here() {
        let (one, other) = (vocabulary(), vocabulary());
        one.index_of(&other.concepts()[0]);
    }
}
