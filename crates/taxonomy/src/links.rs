//! The concepts that explain each series, read from the taxonomy files alone: what a forecast
//! process needs to list a series' concepts (contract v2 `Series.concepts`) without loading the
//! vocabulary it does not serve (no search index, no v1 view). Each file is parsed and checked
//! as [`crate::load`] checks it item by item; an edition without a `taxonomy.toml` reads the
//! previous edition's links, as it reads its vocabulary ([`crate::editions`]).

use std::{collections::HashMap, sync::Arc};

use llmarket_kit::data::{DatasetFiles, EditionMeta, LoadError};
use llmarket_proto::names::{SeriesName, v2::concept_name};

use crate::{
    editions::Editions, load::read_series_links, model::ConceptIndex, v2::names::VocabularyNames,
    vocabulary::Vocabulary,
};

/// A concept of an edition's vocabulary and a series of the same edition it explains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesLink {
    /// The concept's v2 name, `datasets/{dataset}/schemes/{scheme}/concepts/{concept}`.
    pub concept: String,
    /// The concept's scheme id.
    pub scheme: String,
    /// Whether contract v1 serves that scheme under its id from this dataset (so the v1 grant
    /// `schemes/{scheme}` reads it too, as [`crate::editions::Editions::v1_served`] says).
    pub v1_served: bool,
    /// The series id within the edition.
    pub series: String,
}

/// One edition and the links of the vocabulary it reads.
#[derive(Debug, Clone)]
pub struct EditionLinks {
    /// The edition.
    pub edition: EditionMeta,
    /// Its vocabulary's links (shared with the editions that inherit them).
    pub links: Arc<[SeriesLink]>,
}

/// An edition's own vocabulary as read: the index of its source, its scheme ids and links.
struct Own {
    at: usize,
    schemes: Vec<String>,
    links: Vec<crate::load::WrittenLink>,
}

/// An edition and its own vocabulary, if it has one.
type Read = (EditionMeta, Option<Arc<Own>>);

/// The links of every edition in `sources` that has a vocabulary, its own or inherited. Fails on
/// a taxonomy file [`crate::Vocabulary::load`] would reject item by item.
pub fn series_links(sources: &[DatasetFiles]) -> Result<Vec<EditionLinks>, LoadError> {
    // Each dataset's editions with their own vocabularies, datasets in order of first appearance.
    let mut groups: Vec<(String, Vec<Read>)> = Vec::new();
    for (at, source) in sources.iter().enumerate() {
        let (meta, own) = match (&source.taxonomy, &source.edition) {
            (Some(file), edition) => {
                let (v1_id, schemes, links) = read_series_links(file, &source.directory)?;
                let meta = edition
                    .clone()
                    .unwrap_or_else(|| EditionMeta::unnamed(&v1_id));
                (meta, Some(Arc::new(Own { at, schemes, links })))
            }
            (None, Some(edition)) => (edition.clone(), None),
            (None, None) => continue,
        };
        match groups.iter_mut().find(|(d, _)| *d == meta.dataset) {
            Some((_, editions)) => editions.push((meta, own)),
            None => groups.push((meta.dataset.clone(), vec![(meta, own)])),
        }
    }
    // Each edition with the vocabulary it reads: its own, or the previous edition's.
    let mut read: Vec<(EditionMeta, Arc<Own>)> = Vec::new();
    let mut latest: Vec<(usize, String, Arc<Own>)> = Vec::new();
    for (dataset, mut editions) in groups {
        editions.sort_by(|a, b| a.0.publication_order(&b.0));
        let mut previous: Option<Arc<Own>> = None;
        for (edition, own) in editions {
            if let Some(own) = own {
                previous = Some(own);
            }
            if let Some(own) = &previous {
                read.push((edition, Arc::clone(own)));
            }
        }
        if let Some(own) = previous {
            latest.push((own.at, dataset, own));
        }
    }
    // The v1 view: each dataset's latest vocabulary in source order, the first to declare a
    // scheme id serving it.
    latest.sort_by_key(|(at, _, _)| *at);
    let mut v1: HashMap<&str, &str> = HashMap::new();
    for (_, dataset, own) in &latest {
        for scheme in &own.schemes {
            v1.entry(scheme.as_str()).or_insert(dataset.as_str());
        }
    }
    let mut shared: HashMap<(*const Own, String), Arc<[SeriesLink]>> = HashMap::new();
    let mut all = Vec::with_capacity(read.len());
    for (edition, own) in &read {
        let key = (Arc::as_ptr(own), edition.dataset.clone());
        let links = shared.entry(key).or_insert_with(|| {
            let dataset = edition.dataset.as_str();
            own.links
                .iter()
                .filter_map(|(scheme, concept, series)| {
                    Some(SeriesLink {
                        concept: concept_name(dataset, scheme, concept),
                        scheme: scheme.clone(),
                        v1_served: v1.get(scheme.as_str()) == Some(&dataset),
                        series: SeriesName::parse(series).ok()?.series.to_owned(),
                    })
                })
                .collect()
        });
        all.push(EditionLinks {
            edition: edition.clone(),
            links: Arc::clone(links),
        });
    }
    Ok(all)
}

/// The links of every edition of `editions` (a loaded vocabulary's), as [`series_links`] reads
/// them from the files (an edition that reads no vocabulary has none): a process that loads the
/// vocabulary anyway takes the links from it rather than parsing its files again.
pub fn of_editions(editions: &Editions) -> Vec<EditionLinks> {
    let mut all = Vec::new();
    for dataset in editions.datasets() {
        let mut made: Vec<(&Arc<VocabularyNames>, Arc<[SeriesLink]>)> = Vec::new();
        for edition in &dataset.editions {
            let shared = made
                .iter()
                .find(|(names, _)| Arc::ptr_eq(names, &edition.names));
            let links = match shared {
                Some((_, links)) => Arc::clone(links),
                None => {
                    let links = edition_links(&edition.vocabulary, &edition.names);
                    made.push((&edition.names, Arc::clone(&links)));
                    links
                }
            };
            all.push(EditionLinks {
                edition: edition.meta.clone(),
                links,
            });
        }
    }
    all
}

/// The links of `vocabulary`, named by `names` (its v2 names under one dataset).
fn edition_links(vocabulary: &Vocabulary, names: &VocabularyNames) -> Arc<[SeriesLink]> {
    let schemes = vocabulary.schemes();
    // The loader keeps the concepts' count within `ConceptIndex`.
    let indices = 0..=ConceptIndex::MAX;
    indices
        .zip(vocabulary.concepts())
        .flat_map(|(index, concept)| {
            concept.series.iter().filter_map(move |written| {
                Some(SeriesLink {
                    concept: names.concept(index).to_owned(),
                    scheme: schemes[concept.scheme].id.clone(),
                    v1_served: names.v1_served(concept.scheme),
                    series: SeriesName::parse(written).ok()?.series.to_owned(),
                })
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use llmarket_kit::data::{DataFile, PublishDate};

    fn file(text: &str) -> DataFile {
        DataFile {
            path: "d/taxonomy.toml".into(),
            text: text.to_owned().into(),
        }
    }

    fn source(taxonomy: Option<&str>, edition: &str, published: &str) -> DatasetFiles {
        DatasetFiles {
            directory: format!("d-{edition}"),
            forecast: None,
            taxonomy: taxonomy.map(file),
            edition: Some(EditionMeta {
                dataset: "d".into(),
                id: edition.into(),
                published: Some(PublishDate::parse(published).unwrap()),
            }),
        }
    }

    const VOCABULARY: &str = "dataset = \"d-2025\"\n\
        [[schemes]]\nid = \"s\"\ntitle_zh_hans = \"甲\"\ntitle_en = \"S\"\nsource = \"§1\"\n\
        [[schemes.concepts]]\nid = \"a\"\npref_label_zh_hans = \"甲\"\npref_label_en = \"A\"\n\
        series = [\"x\", \"y\"]\n\
        [[schemes.concepts]]\nid = \"b\"\npref_label_zh_hans = \"乙\"\npref_label_en = \"B\"\n";

    #[test]
    fn each_edition_lists_its_own_links_or_the_previous_editions() {
        // Loaded out of publication order: 2027 has no vocabulary and reads 2025's; 2024 has
        // none and nothing before it, so it has no links at all.
        let sources = [
            source(None, "2027", "2027"),
            source(Some(VOCABULARY), "2025", "2025"),
            source(None, "2024", "2024"),
        ];
        let links = series_links(&sources).unwrap();
        let editions: Vec<&str> = links.iter().map(|e| e.edition.id.as_str()).collect();
        assert_eq!(editions, ["2025", "2027"]);
        let concept = "datasets/d/schemes/s/concepts/a";
        let link = |series: &str| SeriesLink {
            concept: concept.into(),
            scheme: "s".into(),
            v1_served: true,
            series: series.into(),
        };
        let expected = [link("x"), link("y")];
        assert_eq!(*links[0].links, expected);
        assert!(Arc::ptr_eq(&links[0].links, &links[1].links));
    }

    #[test]
    fn a_scheme_id_two_datasets_declare_is_v1_served_from_the_first_only() {
        let mut other = source(Some(VOCABULARY), "2025", "2025");
        other.edition.as_mut().unwrap().dataset = "e".into();
        let sources = [source(Some(VOCABULARY), "2025", "2025"), other];
        let links = series_links(&sources).unwrap();
        let served: Vec<(&str, bool)> = links
            .iter()
            .map(|e| (e.edition.dataset.as_str(), e.links[0].v1_served))
            .collect();
        assert_eq!(served, [("d", true), ("e", false)]);
        assert_eq!(links[1].links[0].concept, "datasets/e/schemes/s/concepts/a");
        // As the vocabulary's own v1 view says.
        let vocabulary = crate::Vocabulary::load(&sources).unwrap();
        assert!(vocabulary.editions().v1_served("d", "s"));
        assert!(!vocabulary.editions().v1_served("e", "s"));
    }

    #[test]
    fn a_loaded_vocabulary_gives_the_links_its_files_give() {
        let mut other = source(Some(VOCABULARY), "2025", "2025");
        other.edition.as_mut().unwrap().dataset = "e".into();
        let sources = [
            source(None, "2027", "2027"),
            source(Some(VOCABULARY), "2025", "2025"),
            source(None, "2024", "2024"),
            other,
        ];
        // An edition that reads no vocabulary has no links, whether listed (empty) or not.
        let key = |links: Vec<EditionLinks>| {
            let mut links: Vec<(EditionMeta, Vec<SeriesLink>)> = links
                .into_iter()
                .filter(|e| !e.links.is_empty())
                .map(|e| (e.edition, e.links.to_vec()))
                .collect();
            links.sort_by(|a, b| (&a.0.dataset, &a.0.id).cmp(&(&b.0.dataset, &b.0.id)));
            links
        };
        let vocabulary = crate::Vocabulary::load(&sources).unwrap();
        let from_vocabulary = of_editions(vocabulary.editions());
        // Editions reading one vocabulary share its links, as when read from the files.
        let shared: Vec<&EditionLinks> = from_vocabulary
            .iter()
            .filter(|e| e.edition.dataset == "d" && e.edition.id != "2024")
            .collect();
        assert!(Arc::ptr_eq(&shared[0].links, &shared[1].links));
        let from_vocabulary = key(from_vocabulary);
        assert_eq!(from_vocabulary, key(series_links(&sources).unwrap()));
        assert_eq!(from_vocabulary.len(), 3);
        assert!(
            from_vocabulary
                .iter()
                .any(|(_, l)| l.iter().any(|l| !l.v1_served))
        );
    }

    #[test]
    fn a_bad_file_fails_as_the_vocabulary_load_does() {
        let bad = VOCABULARY.replace("series = [\"x\", \"y\"]", "series = [\"X Y\"]");
        let sources = [source(Some(&bad), "2025", "2025")];
        let error = series_links(&sources).unwrap_err().to_string();
        assert!(
            error.contains("schemes[s].concepts[a].series[0]"),
            "{error}"
        );
        assert!(crate::Vocabulary::load(&sources).is_err());
    }
}
