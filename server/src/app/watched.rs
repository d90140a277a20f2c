//! What the watch service is told of the data: the state a process serves and each reload's
//! changes, by v2 resource name, read from the catalog's and the vocabulary's editions.
//!
//! The catalog names its changes the v2 way already (datasets, editions, series); the
//! vocabulary's changes are those of the v1 view (`schemes/{s}…`, `milestones/{m}`), which this
//! places under the v2 dataset v1 serves them from.

use std::collections::{BTreeMap, HashMap};

use llmarket_forecast::Catalog;
use llmarket_kit::data::{DataVersion, changes::Changes};
use llmarket_proto::llmarket::watch::v2::{ChangeType, ResourceChange};
use llmarket_taxonomy::Vocabulary;
use llmarket_watch::{DatasetState, Reload, State};

/// The data one process serves, as the watch service sees it.
#[derive(Clone, Copy, Default)]
pub(crate) struct Served<'a> {
    /// The forecast catalog, when the process serves it.
    pub(crate) forecast: Option<&'a Catalog>,
    /// The vocabulary, when the process serves it.
    pub(crate) taxonomy: Option<&'a Vocabulary>,
}

/// A v2 dataset as the watch service reports it: its latest edition and its editions' v1 ids.
#[derive(Default)]
struct Dataset {
    latest_edition: String,
    v1_ids: Vec<String>,
}

impl Served<'_> {
    fn version(&self) -> DataVersion {
        self.forecast
            .map(Catalog::data_version)
            .or(self.taxonomy.map(Vocabulary::data_version))
            .cloned()
            .unwrap_or_default()
    }

    /// Every v2 dataset served, by id.
    fn datasets(&self) -> BTreeMap<String, Dataset> {
        let mut datasets: BTreeMap<String, Dataset> = BTreeMap::new();
        if let Some(catalog) = self.forecast {
            for d in catalog.v2_datasets() {
                let entry = datasets.entry(d.id.clone()).or_default();
                for edition in catalog.editions_of(d) {
                    entry.latest_edition = edition.edition_name().to_owned();
                    entry.v1_ids.push(edition.id.clone());
                }
            }
        }
        if let Some(vocabulary) = self.taxonomy {
            for d in vocabulary.editions().datasets() {
                let entry = datasets.entry(d.id.clone()).or_default();
                if let Some(latest) = d.editions.last() {
                    entry.latest_edition =
                        llmarket_proto::names::v2::edition_name(&d.id, &latest.meta.id);
                }
                for id in d.v1_ids() {
                    if !entry.v1_ids.iter().any(|known| known == id) {
                        entry.v1_ids.push(id.to_owned());
                    }
                }
            }
        }
        datasets
    }

    /// The v2 dataset of each scheme and milestone v1 serves (by `schemes/{s}`, `milestones/{m}`).
    fn v1_places(&self) -> HashMap<String, String> {
        let Some(vocabulary) = self.taxonomy else {
            return HashMap::new();
        };
        let v2_of: HashMap<&str, &str> = vocabulary
            .editions()
            .datasets()
            .iter()
            .flat_map(|d| d.v1_ids().map(move |v1| (v1, d.id.as_str())))
            .collect();
        let dataset_of = |name: &str| {
            let v1 = name.strip_prefix("datasets/").unwrap_or(name);
            v2_of.get(v1).map(|d| (*d).to_owned())
        };
        let schemes = vocabulary
            .schemes()
            .iter()
            .filter_map(|s| Some((format!("schemes/{}", s.id), dataset_of(&s.dataset)?)));
        let milestones = vocabulary
            .milestones()
            .iter()
            .filter_map(|m| Some((format!("milestones/{}", m.id), dataset_of(&m.dataset)?)));
        schemes.chain(milestones).collect()
    }
}

/// The state `served` is, for the watch service's hub.
pub(crate) fn state(served: Served<'_>) -> State {
    let version = served.version();
    let datasets = served
        .datasets()
        .into_iter()
        .map(|(id, d)| DatasetState {
            content_version: version
                .scoped(|v1| d.v1_ids.iter().any(|id| id == v1))
                .as_str()
                .to_owned(),
            id,
            latest_edition: d.latest_edition,
            version_parts: d.v1_ids,
        })
        .collect();
    State { version, datasets }
}

/// The reload from `old` to `new`, which changed `changes` (the catalog's v2 names, the
/// vocabulary's v1 view), for the watch service's hub.
pub(crate) fn reload(old: Served<'_>, new: Served<'_>, changes: &Changes) -> Reload {
    let after = state(new);
    let places = [new.v1_places(), old.v1_places()];
    let v2 = |name: &str| -> Option<String> {
        if name.starts_with("datasets/") {
            return Some(name.to_owned());
        }
        let mut parts = name.splitn(3, '/');
        let key = format!("{}/{}", parts.next()?, parts.next()?);
        let dataset = places.iter().find_map(|p| p.get(&key))?;
        Some(format!("datasets/{dataset}/{name}"))
    };
    let mut named = Vec::new();
    for (names, change_type) in [
        (&changes.added, ChangeType::Added),
        (&changes.changed, ChangeType::Changed),
        (&changes.removed, ChangeType::Removed),
    ] {
        for name in names.iter().filter_map(|n| v2(n)) {
            named.push(resource(name, change_type));
        }
    }
    named.sort_by(|a, b| a.name.cmp(&b.name));
    named.dedup_by(|a, b| a.name == b.name);
    Reload {
        state: after,
        changes: named,
    }
}

fn resource(name: String, change_type: ChangeType) -> ResourceChange {
    ResourceChange {
        name,
        change_type: change_type.into(),
    }
}

#[cfg(all(test, feature = "builtin-data"))]
mod tests {
    use super::*;
    use llmarket_kit::data::builtin;

    fn loaded(edit: impl Fn(&str) -> String) -> (Catalog, Vocabulary) {
        let mut files = builtin();
        for file in [&mut files.forecast, &mut files.taxonomy]
            .into_iter()
            .flatten()
        {
            file.text = edit(&file.text).into();
        }
        let sources = [files];
        (
            Catalog::load(&sources).unwrap(),
            Vocabulary::load(&sources).unwrap(),
        )
    }

    #[test]
    fn the_builtin_state_names_its_dataset_and_latest_edition() {
        let (catalog, vocabulary) = loaded(str::to_owned);
        let state = state(Served {
            forecast: Some(&catalog),
            taxonomy: Some(&vocabulary),
        });
        assert_eq!(state.version, *catalog.data_version());
        assert_eq!(state.datasets.len(), 1);
        assert_eq!(state.datasets[0].id, "cic-global-llm");
        assert_eq!(
            state.datasets[0].latest_edition,
            "datasets/cic-global-llm/editions/2026"
        );
        assert_eq!(state.datasets[0].content_version.len(), 16);
    }

    #[test]
    fn a_reload_names_its_changes_under_their_datasets() {
        let (old_catalog, old_vocabulary) = loaded(str::to_owned);
        let (new_catalog, new_vocabulary) = loaded(|text| {
            text.replacen("value = 206.5", "value = 206.6", 1).replacen(
                "Chain-of-thought prompting introduced",
                "CoT prompting",
                1,
            )
        });
        let old = Served {
            forecast: Some(&old_catalog),
            taxonomy: Some(&old_vocabulary),
        };
        let new = Served {
            forecast: Some(&new_catalog),
            taxonomy: Some(&new_vocabulary),
        };
        let mut changes = old_catalog.changes(&new_catalog);
        changes.extend(old_vocabulary.changes(&new_vocabulary));
        let reload = reload(old, new, &changes);
        let (id, year) = ("cic-global-llm", 2026);
        let named: Vec<(&str, ChangeType)> = reload
            .changes
            .iter()
            .map(|c| (c.name.as_str(), c.change_type()))
            .collect();
        let expected = [
            (
                format!("datasets/{id}/editions/{year}"),
                ChangeType::Changed,
            ),
            (
                format!("datasets/{id}/milestones/2022-cot-prompting"),
                ChangeType::Changed,
            ),
            (
                format!("datasets/{id}/series/market-size"),
                ChangeType::Changed,
            ),
        ];
        for (name, change_type) in &expected {
            assert!(
                named.contains(&(name.as_str(), *change_type)),
                "{name} missing from {named:?}"
            );
        }
        assert!(
            named
                .iter()
                .all(|(n, _)| n.starts_with(&format!("datasets/{id}/")))
        );
        assert!(named.is_sorted_by_key(|(n, _)| *n), "in name order");
        assert_eq!(reload.state, state(new));
    }
}
