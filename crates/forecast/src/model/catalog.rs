//! Series, datasets and the catalog of every dataset a process serves, indexed by id; built
//! once by [`crate::load`] and immutable afterwards. Plain Rust, no tonic.

use std::collections::HashMap;

use super::{
    observation::Observation,
    values::{RateKind, StatedRate, Unit},
};
use llmarket_proto::names::{dataset_name, series_name};

use crate::error::Error;
use llmarket_kit::{
    data::{DataVersion, changes::Changes},
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
fn sort_and_index<T>(items: &mut [T], id: impl Fn(&T) -> &String) -> HashMap<String, usize> {
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

/// A dataset: the series of one source report, indexed by id.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// The dataset id.
    pub id: String,
    /// Its metadata.
    pub info: DatasetInfo,
    /// Hash of the data file's text, in hex.
    pub version: String,
    /// The series in id order.
    series: Vec<Series>,
    /// Position of each series in `series`, by id.
    index: HashMap<String, usize>,
    /// The last year the dataset states any value for (observation or end of a stated rate).
    horizon: i32,
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
        Self {
            id,
            info,
            version,
            series,
            index,
            horizon,
        }
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

    /// The series with this id, with this dataset beside it.
    pub fn series_ref(&self, id: &str) -> Option<SeriesRef<'_>> {
        self.get(id).map(|series| SeriesRef {
            dataset: self,
            series,
        })
    }
}

/// Every forecast dataset a process serves, indexed by id; immutable once loaded.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Catalog {
    /// The datasets in id order.
    datasets: Vec<Dataset>,
    /// Position of each dataset in `datasets`, by id.
    index: HashMap<String, usize>,
    /// The version of the files it was loaded from (empty when built in memory).
    data_version: DataVersion,
}

impl Catalog {
    /// A catalog of `datasets`, loaded from files of `data_version`, sorted by id and indexed.
    /// Ids must be unique (the loader checks).
    pub fn new(mut datasets: Vec<Dataset>, data_version: DataVersion) -> Self {
        let index = sort_and_index(&mut datasets, |d| &d.id);
        Self {
            datasets,
            index,
            data_version,
        }
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
    /// What replacing this catalog with `new` changes: datasets (their metadata) and series (their
    /// figures), by resource name.
    pub fn changes(&self, new: &Catalog) -> Changes {
        let mut changes = Changes::between(infos(self), infos(new));
        changes.extend(Changes::between(series(self), series(new)));
        changes
    }
}

/// Each dataset's metadata, by resource name.
fn infos(catalog: &Catalog) -> Vec<(String, &DatasetInfo)> {
    let datasets = catalog.datasets.iter();
    datasets.map(|d| (dataset_name(&d.id), &d.info)).collect()
}

/// Each series, by resource name.
fn series(catalog: &Catalog) -> Vec<(String, &Series)> {
    let datasets = catalog.datasets.iter();
    datasets
        .flat_map(|d| d.series.iter().map(|s| (series_name(&d.id, &s.id), s)))
        .collect()
}

/// A series together with the dataset it belongs to (for names, parent and components).
#[derive(Debug, Clone, Copy)]
pub struct SeriesRef<'a> {
    /// The dataset.
    pub dataset: &'a Dataset,
    /// The series.
    pub series: &'a Series,
}

impl<'a> SeriesRef<'a> {
    /// The resource name, `datasets/{dataset}/series/{series}`.
    pub fn name(&self) -> String {
        series_name(&self.dataset.id, &self.series.id)
    }

    /// The series this one is a component of.
    pub fn parent(&self) -> Option<SeriesRef<'a>> {
        self.series
            .parent
            .as_deref()
            .and_then(|id| self.dataset.series_ref(id))
    }

    /// The component series, in the order the data lists them.
    pub fn components(&self) -> Vec<SeriesRef<'a>> {
        self.series
            .components
            .iter()
            .filter_map(|id| self.dataset.series_ref(id))
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
        let series = |id: &str| series_name("cic-global-llm-2026", id);
        assert_eq!(changes.added, [series("maas")]);
        assert_eq!(changes.removed, [series("maas-market")]);
        assert!(
            changes.changed.contains(&series("market-size")),
            "{changes}"
        );
    }
}
