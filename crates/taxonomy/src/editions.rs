//! The vocabularies of contract v2: one per (dataset, edition). Each source with a
//! `taxonomy.toml` is one edition's vocabulary; an edition without one keeps the previous
//! edition's (in publication order), sharing it (an [`Arc`]) rather than copying it.
//!
//! v1 serves, in its global namespace, each dataset's latest edition's vocabulary: the
//! [`super::vocabulary::Vocabulary`] the v1 handlers read is those merged (see
//! [`super::load`]), and it holds these [`Editions`] for the v2 handlers.

use std::sync::Arc;

use llmarket_kit::{data::EditionMeta, hash::IdMap};

use super::{v2::names::VocabularyNames, vocabulary::Vocabulary};

/// One edition of a dataset and the vocabulary it reads.
#[derive(Debug)]
pub struct Edition {
    /// The edition: dataset, id and publication date.
    pub meta: EditionMeta,
    /// The v1 dataset id of the edition's files (what v1 series names and grants use).
    pub v1_dataset: String,
    /// The vocabulary the edition reads: its own, or the previous edition's.
    pub vocabulary: Arc<Vocabulary>,
    /// Where the edition's files are (its `taxonomy.toml`, else its directory), for errors.
    pub origin: String,
    /// `datasets/{dataset}/editions/{edition}`.
    pub name: String,
    /// The v2 names of its vocabulary under its dataset (shared with the editions that read the
    /// same vocabulary), made by [`Editions::new`].
    pub names: Arc<VocabularyNames>,
}

impl Edition {
    /// An edition of `meta` reading `vocabulary`; its v2 names are made when the editions are
    /// assembled ([`Editions::new`]).
    pub fn new(
        meta: EditionMeta,
        v1_dataset: String,
        vocabulary: Arc<Vocabulary>,
        origin: String,
    ) -> Self {
        Self {
            name: llmarket_proto::names::v2::edition_name(&meta.dataset, &meta.id),
            meta,
            v1_dataset,
            vocabulary,
            origin,
            names: Arc::default(),
        }
    }
}

/// The editions of one dataset, in publication order (the latest last).
#[derive(Debug)]
pub struct DatasetEditions {
    /// The v2 dataset id.
    pub id: String,
    /// Its editions, in [`EditionMeta::publication_order`].
    pub editions: Vec<Edition>,
}

/// Which edition a read uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selector<'a> {
    /// The latest edition.
    Latest,
    /// The edition with this id.
    Id(&'a str),
    /// The latest edition surely published on this day (year, month, day).
    AsOf((i32, u32, u32)),
}

impl DatasetEditions {
    /// The edition `selector` picks, if any.
    pub fn select(&self, selector: Selector<'_>) -> Option<&Edition> {
        match selector {
            Selector::Latest => self.editions.last(),
            Selector::Id(id) => self.editions.iter().find(|e| e.meta.id == id),
            Selector::AsOf(day) => self
                .editions
                .iter()
                .rev()
                .find(|e| e.meta.published_by(day)),
        }
    }

    /// The v1 ids of its editions.
    pub fn v1_ids(&self) -> impl Iterator<Item = &str> + Clone {
        self.editions.iter().map(|e| e.v1_dataset.as_str())
    }
}

/// Every dataset's editions, datasets in load order.
#[derive(Debug, Default)]
pub struct Editions {
    datasets: Vec<DatasetEditions>,
    /// Scheme id → the dataset whose latest edition v1 serves it from.
    v1_schemes: IdMap<String>,
    /// The v1 ids shadowed by an earlier source, as `schemes/{s}` or `milestones/{m}`, with the
    /// dataset they are served from only through v2.
    shadowed: Vec<(String, String)>,
}

impl Editions {
    /// Editions assembled by [`super::load`], each with the v2 names of its vocabulary.
    pub(crate) fn new(
        mut datasets: Vec<DatasetEditions>,
        v1_schemes: IdMap<String>,
        shadowed: Vec<(String, String)>,
    ) -> Self {
        for dataset in &mut datasets {
            let v1_ids: Vec<String> = dataset.v1_ids().map(str::to_owned).collect();
            let mut made: Vec<(Arc<Vocabulary>, Arc<VocabularyNames>)> = Vec::new();
            for edition in &mut dataset.editions {
                let shared = made
                    .iter()
                    .find(|(vocabulary, _)| Arc::ptr_eq(vocabulary, &edition.vocabulary));
                edition.names = match shared {
                    Some((_, names)) => Arc::clone(names),
                    None => {
                        let names = Arc::new(VocabularyNames::new(
                            &dataset.id,
                            &edition.vocabulary,
                            v1_ids.iter().map(String::as_str),
                            |scheme| v1_schemes.get(scheme).is_some_and(|d| *d == dataset.id),
                        ));
                        made.push((Arc::clone(&edition.vocabulary), Arc::clone(&names)));
                        names
                    }
                };
            }
        }
        Self {
            datasets,
            v1_schemes,
            shadowed,
        }
    }

    /// The datasets, in load order.
    pub fn datasets(&self) -> &[DatasetEditions] {
        &self.datasets
    }

    /// The dataset `id`.
    pub fn dataset(&self, id: &str) -> Option<&DatasetEditions> {
        self.datasets.iter().find(|d| d.id == id)
    }

    /// Whether v1 serves scheme `scheme` under its id from dataset `dataset`.
    pub fn v1_served(&self, dataset: &str, scheme: &str) -> bool {
        self.v1_schemes.get(scheme).is_some_and(|d| d == dataset)
    }

    /// The v1 names (`schemes/{s}`, `milestones/{m}`) a later dataset also has, which v1 serves
    /// from an earlier one: each with the dataset that has it only through v2.
    pub fn shadowed(&self) -> &[(String, String)] {
        &self.shadowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use llmarket_kit::data::PublishDate;

    fn edition(id: &str, published: Option<&str>) -> Edition {
        Edition::new(
            EditionMeta {
                dataset: "d".into(),
                id: id.into(),
                published: published.map(|p| PublishDate::parse(p).unwrap()),
            },
            format!("d-{id}"),
            Arc::default(),
            String::new(),
        )
    }

    #[test]
    fn editions_are_selected_by_id_latest_or_as_of_with_year_only_dates_at_their_end() {
        let dataset = DatasetEditions {
            id: "d".into(),
            editions: vec![
                edition("2025", Some("2025")),
                edition("2026-06", Some("2026-06-15")),
                edition("2027", Some("2027")),
            ],
        };
        let id = |s: Selector<'_>| dataset.select(s).map(|e| e.meta.id.as_str());
        assert_eq!(id(Selector::Latest), Some("2027"));
        assert_eq!(id(Selector::Id("2025")), Some("2025"));
        assert_eq!(id(Selector::Id("2024")), None);
        assert_eq!(id(Selector::AsOf((2025, 12, 30))), None);
        assert_eq!(id(Selector::AsOf((2025, 12, 31))), Some("2025"));
        assert_eq!(id(Selector::AsOf((2026, 6, 14))), Some("2025"));
        assert_eq!(id(Selector::AsOf((2026, 6, 15))), Some("2026-06"));
        assert_eq!(id(Selector::AsOf((2027, 12, 30))), Some("2026-06"));
        assert_eq!(id(Selector::AsOf((2027, 12, 31))), Some("2027"));
    }
}
