//! The concepts that explain each series, read from the taxonomy files alone: what a forecast
//! process needs to list a series' concepts (contract v2 `Series.concepts`) without loading the
//! vocabulary it does not serve (no search index, no v1 view). Each file is parsed and checked
//! as [`crate::load`] checks it item by item; an edition without a `taxonomy.toml` reads the
//! previous edition's links, as it reads its vocabulary ([`crate::editions`]).

use std::sync::Arc;

use llmarket_kit::data::{DatasetFiles, EditionMeta, LoadError};
use llmarket_proto::names::{SeriesName, v2::concept_name};

use crate::load::read_series_links;

/// A concept of an edition's vocabulary and a series of the same edition it explains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesLink {
    /// The concept's v2 name, `datasets/{dataset}/schemes/{scheme}/concepts/{concept}`.
    pub concept: String,
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

/// An edition and the links of its own vocabulary, if it has one.
type OwnLinks = (EditionMeta, Option<Arc<[SeriesLink]>>);

/// The links of every edition in `sources` that has a vocabulary, its own or inherited. Fails on
/// a taxonomy file [`crate::Vocabulary::load`] would reject item by item.
pub fn series_links(sources: &[DatasetFiles]) -> Result<Vec<EditionLinks>, LoadError> {
    // Each dataset's editions with their own links, datasets in order of first appearance.
    let mut groups: Vec<(String, Vec<OwnLinks>)> = Vec::new();
    for source in sources {
        let (meta, links) = match (&source.taxonomy, &source.edition) {
            (Some(file), edition) => {
                let (v1_id, found) = read_series_links(file, &source.directory)?;
                let meta = edition
                    .clone()
                    .unwrap_or_else(|| EditionMeta::unnamed(&v1_id));
                let links: Arc<[SeriesLink]> = found
                    .into_iter()
                    .filter_map(|(scheme, concept, series)| {
                        Some(SeriesLink {
                            concept: concept_name(&meta.dataset, &scheme, &concept),
                            series: SeriesName::parse(&series).ok()?.series.to_owned(),
                        })
                    })
                    .collect();
                (meta, Some(links))
            }
            (None, Some(edition)) => (edition.clone(), None),
            (None, None) => continue,
        };
        match groups.iter_mut().find(|(d, _)| *d == meta.dataset) {
            Some((_, editions)) => editions.push((meta, links)),
            None => groups.push((meta.dataset.clone(), vec![(meta, links)])),
        }
    }
    let mut all = Vec::new();
    for (_, mut editions) in groups {
        editions.sort_by(|a, b| a.0.publication_order(&b.0));
        let mut previous: Option<Arc<[SeriesLink]>> = None;
        for (edition, own) in editions {
            if let Some(own) = own {
                previous = Some(own);
            }
            if let Some(links) = &previous {
                all.push(EditionLinks {
                    edition,
                    links: Arc::clone(links),
                });
            }
        }
    }
    Ok(all)
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
        let expected = [
            SeriesLink {
                concept: concept.into(),
                series: "x".into(),
            },
            SeriesLink {
                concept: concept.into(),
                series: "y".into(),
            },
        ];
        assert_eq!(*links[0].links, expected);
        assert!(Arc::ptr_eq(&links[0].links, &links[1].links));
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
