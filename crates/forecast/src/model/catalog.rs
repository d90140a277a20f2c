//! Series, datasets and the catalog of every dataset a process serves, indexed by id; built
//! once by [`crate::load`] and immutable afterwards. Plain Rust, no tonic.

use std::{borrow::Cow, collections::HashMap};

use super::{
    observation::Observation,
    v2_names::V2Names,
    values::{RateKind, StatedRate, Unit},
};
use llmarket_proto::names::{dataset_name, series_name};

use crate::error::Error;
use llmarket_kit::{
    data::{DataVersion, EditionMeta, changes::Changes},
    hash::IdMap,
    nearest::nearest,
};

/// A yearly series of one quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The series id, unique within its dataset.
    pub id: String,
    /// Title in the source language (zh-Hans).
    pub title_zh_hans: String,
    /// Title in English.
    pub title_en: String,
    /// Unit of the stated observations.
    pub unit: Unit,
    /// Id of the series this one is a component of.
    pub parent: Option<String>,
    /// Ids of the series that add up to this one, in the order the data lists them.
    pub components: Vec<String>,
    /// Rates the source states.
    pub stated_rates: Vec<StatedRate>,
    /// Stated observations in year order, one per year, at least one.
    pub observations: Vec<Observation>,
    /// The section of the source the series comes from.
    pub source: String,
    /// How the source defines the series (its scope), in English.
    pub note: String,
    /// `note` in the source language (zh-Hans); empty when the data gives none.
    pub note_zh_hans: String,
}

impl Series {
    /// The first year with a stated value.
    pub fn first_year(&self) -> i32 {
        self.observations.first().map_or(0, |o| o.year)
    }

    /// The last year with a stated value.
    pub fn last_year(&self) -> i32 {
        self.observations.last().map_or(0, |o| o.year)
    }

    /// The stated observation of `year`, found by binary search.
    pub fn stated(&self, year: i32) -> Option<&Observation> {
        self.observations
            .binary_search_by_key(&year, |o| o.year)
            .ok()
            .and_then(|i| self.observations.get(i))
    }

    /// The stated observations just before and just after `year`, when `year` lies strictly
    /// between two stated years and is not stated itself.
    pub fn neighbours(&self, year: i32) -> Option<(&Observation, &Observation)> {
        let index = self
            .observations
            .binary_search_by_key(&year, |o| o.year)
            .err()?;
        let before = self.observations.get(index.checked_sub(1)?)?;
        let after = self.observations.get(index)?;
        Some((before, after))
    }

    /// The stated CAGR for exactly `start..=end`, if the source states one.
    pub fn stated_cagr(&self, start: i32, end: i32) -> Option<&StatedRate> {
        self.stated_rates.iter().find(|r| {
            r.rate_kind == RateKind::Cagr && r.start_year == Some(start) && r.end_year == Some(end)
        })
    }
}

/// Sorts `items` by id and returns the position of each id.
fn sort_and_index<T>(items: &mut [T], id: impl Fn(&T) -> &String) -> IdMap<usize> {
    items.sort_by(|a, b| id(a).cmp(id(b)));
    items
        .iter()
        .enumerate()
        .map(|(i, item)| (id(item).clone(), i))
        .collect()
}

/// The metadata of a dataset.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DatasetInfo {
    /// Title in the source language (zh-Hans).
    pub title_zh_hans: String,
    /// Title in English.
    pub title_en: String,
    /// Who published the report.
    pub publisher: String,
    /// The year the report was published.
    pub year: i32,
    /// ISO 4217 currency code of monetary values.
    pub currency: String,
    /// The source document.
    pub source_document: String,
    /// The language of the source (BCP-47).
    pub source_language_code: String,
    /// Terms of use in the source's words.
    pub notice_zh_hans: String,
    /// Terms of use in English.
    pub notice_en: String,
}

/// One edition of a report: its series, indexed by id. Contract v1 calls it a dataset (its `id`
/// is the v1 dataset id, e.g. `cic-global-llm-2026`); contract v2 an edition of the dataset
/// [`Dataset::edition`] names (`datasets/cic-global-llm/editions/2026`).
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// The v1 dataset id.
    pub id: String,
    /// Which edition of which v2 dataset this is ([`Dataset::set_edition`]).
    edition: EditionMeta,
    /// Its metadata.
    pub info: DatasetInfo,
    /// Hash of the data file's text, in hex.
    pub version: String,
    /// The series in id order.
    series: Vec<Series>,
    /// Position of each series in `series`, by id.
    index: IdMap<usize>,
    /// The last year the dataset states any value for (observation or end of a stated rate).
    horizon: i32,
    /// The concepts that explain each series, by series id, in name order
    /// ([`Catalog::with_concepts`]).
    concepts: IdMap<Vec<LinkedConcept>>,
    /// The names contract v2 gives the edition and its series.
    v2_names: V2Names,
}

impl Dataset {
    /// A dataset of `series`, sorted by id and indexed. Ids must be unique (the loader checks).
    pub fn new(id: String, info: DatasetInfo, version: String, mut series: Vec<Series>) -> Self {
        let index = sort_and_index(&mut series, |s| &s.id);
        let horizon = series
            .iter()
            .flat_map(|s| {
                let stated = s.observations.iter().map(|o| o.year);
                stated.chain(s.stated_rates.iter().filter_map(|r| r.end_year))
            })
            .max()
            .unwrap_or(0);
        let edition = EditionMeta::unnamed(&id);
        let v2_names = V2Names::new(&edition, &series);
        Self {
            edition,
            id,
            info,
            version,
            series,
            index,
            horizon,
            concepts: IdMap::default(),
            v2_names,
        }
    }

    /// Which edition of which v2 dataset this is.
    pub fn edition(&self) -> &EditionMeta {
        &self.edition
    }

    /// Names this edition `meta` (its v2 dataset and edition id), and so its resources'
    /// names in contract v2.
    pub fn set_edition(&mut self, meta: EditionMeta) {
        self.v2_names = V2Names::new(&meta, &self.series);
        self.edition = meta;
    }

    /// The concepts of this edition's vocabulary that explain series `id`, in name order; empty
    /// when none does or the catalog was not told ([`Catalog::with_concepts`]).
    pub fn concepts_of(&self, id: &str) -> &[LinkedConcept] {
        self.concepts.get(id).map_or(&[], Vec::as_slice)
    }

    /// The id this edition's resources are named under in contract `names`: the v1 dataset id,
    /// or the v2 dataset's.
    pub fn name_id(&self, names: Names) -> &str {
        match names {
            Names::V1 => &self.id,
            Names::V2 => &self.edition.dataset,
        }
    }

    /// The v2 edition name, `datasets/{dataset}/editions/{edition}` (made when the edition
    /// was named).
    pub fn edition_name(&self) -> &str {
        self.v2_names.edition()
    }

    /// The name of series `id` in contract `names`, `datasets/{dataset}/series/{id}`: in v2 the
    /// name made when the edition was named, in v1 (or for a series the edition lacks)
    /// formatted.
    pub fn series_name_in(&self, id: &str, names: Names) -> Cow<'_, str> {
        let made = match names {
            Names::V2 => self.v2_series_name(id),
            Names::V1 => None,
        };
        made.map_or_else(
            || series_name(self.name_id(names), id).into(),
            Cow::Borrowed,
        )
    }

    /// The v2 name of series `id`, `datasets/{dataset}/series/{id}` (made when the edition was
    /// named); `None` when the edition has no such series.
    pub fn v2_series_name(&self, id: &str) -> Option<&str> {
        self.index.get(id).and_then(|&i| self.v2_names.series(i))
    }

    /// The last year the dataset states any value for: derived values after it go beyond
    /// anything the source says.
    pub fn horizon(&self) -> i32 {
        self.horizon
    }

    /// Every series, in id order.
    pub fn series(&self) -> &[Series] {
        &self.series
    }

    /// The series with this id, without a scan.
    pub fn get(&self, id: &str) -> Option<&Series> {
        self.index.get(id).and_then(|&i| self.series.get(i))
    }

    /// The series with this id, with this dataset beside it, named as in contract v1.
    pub fn series_ref(&self, id: &str) -> Option<SeriesRef<'_>> {
        self.series_in(id, Names::V1)
    }

    /// The series with this id, with this dataset beside it, named as in contract `names`.
    pub fn series_in(&self, id: &str, names: Names) -> Option<SeriesRef<'_>> {
        self.get(id).map(|series| SeriesRef {
            dataset: self,
            series,
            names,
        })
    }

    /// The series with this id, or NOT_FOUND (in contract `names`) with its nearest names.
    pub fn find_series(&self, series: &str, names: Names) -> Result<SeriesRef<'_>, Error> {
        let id = self.name_id(names);
        self.series_in(series, names)
            .ok_or_else(|| Error::SeriesNotFound {
                dataset: id.to_owned(),
                series: series.to_owned(),
                nearest: nearest(
                    &series.to_lowercase(),
                    self.series
                        .iter()
                        .map(|s| (series_name(id, &s.id), vec![(s.id.to_lowercase(), 0)])),
                ),
            })
    }
}

/// A concept that explains a series of one edition: a link of the edition's vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConceptLink<'a> {
    /// The v2 dataset id.
    pub dataset: &'a str,
    /// The edition id.
    pub edition: &'a str,
    /// The series id.
    pub series: &'a str,
    /// The concept's v2 name, `datasets/{dataset}/schemes/{scheme}/concepts/{concept}`.
    pub concept: &'a str,
    /// The concept's scheme id.
    pub scheme: &'a str,
    /// Whether contract v1 serves the scheme under its id from this dataset (its v1 grant
    /// `schemes/{scheme}` reads the concept too).
    pub v1_served: bool,
}

/// A concept that explains a series, as a series lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedConcept {
    /// The concept's v2 name.
    pub name: String,
    /// Its scheme id.
    pub scheme: String,
    /// Whether contract v1 serves the scheme under its id from the series' dataset.
    pub v1_served: bool,
}

/// Which contract's resource names a value is written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Names {
    /// `datasets/{v1 id}/…`, a dataset being one edition.
    #[default]
    V1,
    /// `datasets/{dataset}/…`, under the v2 dataset of every edition.
    V2,
}

/// A dataset of contract v2: one report in all its editions.
#[derive(Debug, Clone, PartialEq)]
pub struct Editions {
    /// The v2 dataset id.
    pub id: String,
    /// Positions of its editions in the catalog's datasets, in publication order.
    positions: Vec<usize>,
}

/// Which edition a v2 read uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditionChoice<'a> {
    /// The latest edition.
    Latest,
    /// The edition with this id.
    Id(&'a str),
    /// The edition current on this day (year, month, day): the latest surely published by then.
    AsOf((i32, u32, u32)),
}

/// Every forecast dataset a process serves, indexed by id; immutable once loaded.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Catalog {
    /// The editions (v1 datasets) in v1 id order.
    datasets: Vec<Dataset>,
    /// Position of each edition in `datasets`, by v1 id.
    index: IdMap<usize>,
    /// The v2 datasets, in id order.
    editions: Vec<Editions>,
    /// Position of each v2 dataset in `editions`, by id.
    editions_index: IdMap<usize>,
    /// The version of the files it was loaded from (empty when built in memory).
    data_version: DataVersion,
}

impl Catalog {
    /// A catalog of `datasets`, loaded from files of `data_version`, sorted by id and indexed.
    /// Ids must be unique (the loader checks).
    pub fn new(mut datasets: Vec<Dataset>, data_version: DataVersion) -> Self {
        let index = sort_and_index(&mut datasets, |d| &d.id);
        let mut grouped: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
        for (position, dataset) in datasets.iter().enumerate() {
            grouped
                .entry(dataset.edition.dataset.as_str())
                .or_default()
                .push(position);
        }
        let mut editions: Vec<Editions> = grouped
            .into_iter()
            .map(|(id, mut positions)| {
                positions
                    .sort_by(|&a, &b| datasets[a].edition.publication_order(&datasets[b].edition));
                Editions {
                    id: id.to_owned(),
                    positions,
                }
            })
            .collect();
        let editions_index = sort_and_index(&mut editions, |e| &e.id);
        Self {
            datasets,
            index,
            editions,
            editions_index,
            data_version,
        }
    }

    /// This catalog, knowing which concepts explain its series: `links` are the vocabulary's
    /// links read the other way, each naming its edition. Links of an edition or a series the
    /// catalog does not have are left out; the links it had before are replaced.
    pub fn with_concepts<'l>(mut self, links: impl IntoIterator<Item = ConceptLink<'l>>) -> Self {
        let positions: HashMap<(&str, &str), usize> = self
            .datasets
            .iter()
            .enumerate()
            .map(|(i, d)| ((d.edition.dataset.as_str(), d.edition.id.as_str()), i))
            .collect();
        let mut concepts: Vec<IdMap<Vec<LinkedConcept>>> = vec![IdMap::default(); positions.len()];
        for link in links {
            let Some(&at) = positions.get(&(link.dataset, link.edition)) else {
                continue;
            };
            if self.datasets[at].get(link.series).is_some() {
                concepts[at]
                    .entry(link.series.to_owned())
                    .or_default()
                    .push(LinkedConcept {
                        name: link.concept.to_owned(),
                        scheme: link.scheme.to_owned(),
                        v1_served: link.v1_served,
                    });
            }
        }
        drop(positions);
        for (dataset, mut concepts) in self.datasets.iter_mut().zip(concepts) {
            for linked in concepts.values_mut() {
                linked.sort_by(|a, b| a.name.cmp(&b.name));
                linked.dedup_by(|a, b| a.name == b.name);
            }
            dataset.concepts = concepts;
        }
        self
    }

    /// Every v2 dataset, in id order.
    pub fn v2_datasets(&self) -> &[Editions] {
        &self.editions
    }

    /// The v2 dataset with this id.
    pub fn v2_dataset(&self, id: &str) -> Result<&Editions, Error> {
        self.editions_index
            .get(id)
            .and_then(|&i| self.editions.get(i))
            .ok_or_else(|| Error::DatasetNotFound {
                dataset: id.to_owned(),
            })
    }

    /// The editions of `dataset`, oldest first.
    pub fn editions_of<'c>(
        &'c self,
        dataset: &'c Editions,
    ) -> impl DoubleEndedIterator<Item = &'c Dataset> + 'c {
        dataset
            .positions
            .iter()
            .filter_map(|&i| self.datasets.get(i))
    }

    /// The edition of `dataset` a read chooses.
    pub fn edition<'c>(
        &'c self,
        dataset: &'c Editions,
        choice: EditionChoice<'_>,
    ) -> Result<&'c Dataset, Error> {
        let mut editions = self.editions_of(dataset);
        let found = match choice {
            EditionChoice::Latest => editions.next_back(),
            EditionChoice::Id(id) => editions.find(|e| e.edition.id == id),
            EditionChoice::AsOf(day) => editions.rev().find(|e| e.edition.published_by(day)),
        };
        found.ok_or_else(|| match choice {
            EditionChoice::AsOf((year, month, day)) => Error::NoEditionAsOf {
                dataset: dataset.id.clone(),
                as_of: format!("{year:04}-{month:02}-{day:02}"),
            },
            EditionChoice::Id(id) => Error::EditionNotFound {
                dataset: dataset.id.clone(),
                edition: id.to_owned(),
                nearest: nearest(
                    id,
                    self.editions_of(dataset).map(|e| {
                        (
                            e.edition_name().to_owned(),
                            vec![(e.edition.id.to_lowercase(), 0)],
                        )
                    }),
                ),
            },
            // A v2 dataset is made of its editions: it has at least one.
            EditionChoice::Latest => Error::DatasetNotFound {
                dataset: dataset.id.clone(),
            },
        })
    }

    /// The version of the files this catalog was loaded from, which every response carries.
    pub fn data_version(&self) -> &DataVersion {
        &self.data_version
    }

    /// Every dataset, in id order.
    pub fn datasets(&self) -> &[Dataset] {
        &self.datasets
    }

    /// The dataset with this id.
    pub fn dataset(&self, id: &str) -> Result<&Dataset, Error> {
        self.index
            .get(id)
            .and_then(|&i| self.datasets.get(i))
            .ok_or_else(|| Error::DatasetNotFound {
                dataset: id.to_owned(),
            })
    }

    /// The series `series` of dataset `dataset`.
    pub fn series(&self, dataset: &str, series: &str) -> Result<SeriesRef<'_>, Error> {
        let dataset = self.dataset(dataset)?;
        dataset
            .series_ref(series)
            .ok_or_else(|| Error::SeriesNotFound {
                dataset: dataset.id.clone(),
                series: series.to_owned(),
                nearest: nearest(
                    &series.to_lowercase(),
                    dataset.series.iter().map(|s| {
                        (
                            series_name(&dataset.id, &s.id),
                            vec![(s.id.to_lowercase(), 0)],
                        )
                    }),
                ),
            })
    }
}

impl Catalog {
    /// What replacing this catalog with `new` changes, by contract v2 resource name: datasets
    /// (their latest edition), editions (their metadata and figures) and series (their figures
    /// or linked concepts in any edition).
    pub fn changes(&self, new: &Catalog) -> Changes {
        let mut changes = Changes::between(latest(self), latest(new));
        changes.extend(Changes::between(editions(self), editions(new)));
        changes.extend(Changes::between(series(self), series(new)));
        changes
    }
}

/// Each v2 dataset's latest edition and what the dataset shows of it (titles, publisher), by
/// dataset name.
fn latest(catalog: &Catalog) -> Vec<(String, (String, &DatasetInfo))> {
    let datasets = catalog.editions.iter();
    datasets
        .filter_map(|d| {
            let latest = catalog.editions_of(d).next_back()?;
            Some((
                dataset_name(&d.id),
                (latest.edition_name().to_owned(), &latest.info),
            ))
        })
        .collect()
}

/// Each edition's metadata and content version, by edition name.
fn editions(catalog: &Catalog) -> Vec<(String, (&DatasetInfo, &EditionMeta, &str))> {
    let datasets = catalog.datasets.iter();
    datasets
        .map(|d| {
            let name = d.edition_name().to_owned();
            (name, (&d.info, &d.edition, d.version.as_str()))
        })
        .collect()
}

/// What an edition states of a series, and the concepts that explain it there.
type Stated<'c> = (&'c str, &'c Series, &'c [LinkedConcept]);

/// Each v2 series, with what every edition states of it and links it to.
fn series(catalog: &Catalog) -> Vec<(String, Vec<Stated<'_>>)> {
    let mut named: std::collections::BTreeMap<String, Vec<Stated<'_>>> = Default::default();
    for dataset in &catalog.datasets {
        for s in &dataset.series {
            named
                .entry(dataset.series_name_in(&s.id, Names::V2).into_owned())
                .or_default()
                .push((dataset.edition.id.as_str(), s, dataset.concepts_of(&s.id)));
        }
    }
    for stated in named.values_mut() {
        stated.sort_by_key(|(edition, _, _)| *edition);
    }
    named.into_iter().collect()
}

/// A series together with the dataset it belongs to (for names, parent and components).
#[derive(Debug, Clone, Copy)]
pub struct SeriesRef<'a> {
    /// The dataset.
    pub dataset: &'a Dataset,
    /// The series.
    pub series: &'a Series,
    /// The contract whose names it is written with.
    pub names: Names,
}

impl<'a> SeriesRef<'a> {
    /// The series `series` of `dataset`, named as in contract v1.
    pub fn new(dataset: &'a Dataset, series: &'a Series) -> Self {
        Self {
            dataset,
            series,
            names: Names::V1,
        }
    }

    /// The resource name, `datasets/{dataset}/series/{series}`, in the contract it is read in:
    /// in v2 the name made when the edition was named, in v1 formatted.
    pub fn name(&self) -> Cow<'a, str> {
        self.dataset.series_name_in(&self.series.id, self.names)
    }

    /// The series this one is a component of.
    pub fn parent(&self) -> Option<SeriesRef<'a>> {
        self.series
            .parent
            .as_deref()
            .and_then(|id| self.dataset.series_in(id, self.names))
    }

    /// The component series, in the order the data lists them.
    pub fn components(&self) -> Vec<SeriesRef<'a>> {
        self.series
            .components
            .iter()
            .filter_map(|id| self.dataset.series_in(id, self.names))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use llmarket_kit::data::builtin;

    #[test]
    fn changes_name_each_changed_added_and_removed_series() {
        let old = Catalog::load(&[builtin()]).unwrap();
        assert!(old.changes(&old.clone()).is_empty());

        let mut files = builtin();
        let text = files.forecast.as_ref().unwrap().text.to_string();
        let edited = text
            .replacen("value = 206.5", "value = 206.6", 1)
            .replace("\"maas-market\"", "\"maas\"");
        files.forecast.as_mut().unwrap().text = edited.into();
        let new = Catalog::load(&[files]).unwrap();
        let changes = old.changes(&new);
        let series = |id: &str| series_name("cic-global-llm", id);
        assert_eq!(changes.added, [series("maas")]);
        assert_eq!(changes.removed, [series("maas-market")]);
        assert!(
            changes.changed.contains(&series("market-size")),
            "{changes}"
        );
    }
}
