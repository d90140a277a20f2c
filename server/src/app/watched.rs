//! What the watch service is told of the data: the state a process serves and each reload's
//! changes, by v2 resource name, built from the catalog and the vocabulary.
//!
//! The data model has no editions yet and names resources the v1 way, so this maps: the
//! dataset `X` is `datasets/X`, its latest edition `datasets/X/editions/{year}` (the year its
//! report was published), a scheme `datasets/{its dataset}/schemes/{s}` (with its concepts
//! below it), a milestone `datasets/{its dataset}/milestones/{m}`. Once the data model has
//! editions and v2 names, this shrinks to reading them.

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

impl Served<'_> {
    fn version(&self) -> DataVersion {
        self.forecast
            .map(Catalog::data_version)
            .or(self.taxonomy.map(Vocabulary::data_version))
            .cloned()
            .unwrap_or_default()
    }

    /// Each dataset's latest edition name (empty where the data does not say), by dataset id.
    fn editions(&self) -> BTreeMap<String, String> {
        let mut editions = BTreeMap::new();
        for dataset in self.forecast.map(Catalog::datasets).unwrap_or_default() {
            let edition = format!("datasets/{}/editions/{}", dataset.id, dataset.info.year);
            editions.insert(dataset.id.clone(), edition);
        }
        if let Some(vocabulary) = self.taxonomy {
            let schemes = vocabulary
                .schemes()
                .iter()
                .map(|s| scheme_dataset(&s.dataset));
            let milestones = vocabulary.milestones().iter().map(|m| m.dataset.as_str());
            for id in schemes.chain(milestones) {
                editions.entry(id.to_owned()).or_default();
            }
        }
        editions
    }

    /// The dataset of each scheme, by scheme id.
    fn scheme_datasets(&self) -> HashMap<&str, &str> {
        let schemes = self.taxonomy.map(Vocabulary::schemes).unwrap_or_default();
        schemes
            .iter()
            .map(|s| (s.id.as_str(), scheme_dataset(&s.dataset)))
            .collect()
    }

    /// The dataset of each milestone, by milestone id.
    fn milestone_datasets(&self) -> HashMap<&str, &str> {
        let milestones = self
            .taxonomy
            .map(Vocabulary::milestones)
            .unwrap_or_default();
        milestones
            .iter()
            .map(|m| (m.id.as_str(), m.dataset.as_str()))
            .collect()
    }
}

/// A scheme's dataset id from its `dataset` (`datasets/{dataset}`).
fn scheme_dataset(name: &str) -> &str {
    name.strip_prefix("datasets/").unwrap_or(name)
}

/// The state `served` is, for the watch service's hub.
pub(crate) fn state(served: Served<'_>) -> State {
    let version = served.version();
    let datasets = served
        .editions()
        .into_iter()
        .map(|(id, latest_edition)| DatasetState {
            content_version: version.scoped(|d| d == id).as_str().to_owned(),
            id,
            latest_edition,
        })
        .collect();
    State { version, datasets }
}

/// The reload from `old` to `new`, which changed `changes` (v1 names, as the catalog and the
/// vocabulary name them), for the watch service's hub.
pub(crate) fn reload(old: Served<'_>, new: Served<'_>, changes: &Changes) -> Reload {
    let (before, after) = (state(old), state(new));
    let (schemes, milestones) = (
        [new.scheme_datasets(), old.scheme_datasets()],
        [new.milestone_datasets(), old.milestone_datasets()],
    );
    let find = |maps: &[HashMap<&str, &str>; 2], id: &str| {
        maps.iter().find_map(|m| m.get(id).map(|d| (*d).to_owned()))
    };
    let v2 = |name: &str| -> Option<String> {
        if name.starts_with("datasets/") {
            return Some(name.to_owned());
        }
        if let Some(rest) = name.strip_prefix("schemes/") {
            let scheme = rest.split('/').next().unwrap_or(rest);
            return find(&schemes, scheme).map(|d| format!("datasets/{d}/{name}"));
        }
        let milestone = name.strip_prefix("milestones/")?;
        find(&milestones, milestone).map(|d| format!("datasets/{d}/{name}"))
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
    named.extend(edition_changes(&before, &after));
    named.sort_by(|a, b| a.name.cmp(&b.name));
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

/// The editions a reload added, changed and removed: a dataset whose latest edition is named
/// differently removed the old one and added the new; one whose edition kept its name but
/// whose content changed changed it.
fn edition_changes(before: &State, after: &State) -> Vec<ResourceChange> {
    let editions = |state: &State| -> HashMap<String, (String, String)> {
        let named = state
            .datasets
            .iter()
            .filter(|d| !d.latest_edition.is_empty());
        named
            .map(|d| {
                let edition = (d.latest_edition.clone(), d.content_version.clone());
                (d.id.clone(), edition)
            })
            .collect()
    };
    let (old, new) = (editions(before), editions(after));
    let mut changes = Vec::new();
    for (id, (edition, content)) in &new {
        match old.get(id) {
            None => changes.push(resource(edition.clone(), ChangeType::Added)),
            Some((was, _)) if was != edition => {
                changes.push(resource(was.clone(), ChangeType::Removed));
                changes.push(resource(edition.clone(), ChangeType::Added));
            }
            Some((_, was)) if was != content => {
                changes.push(resource(edition.clone(), ChangeType::Changed));
            }
            Some(_) => {}
        }
    }
    for (id, (edition, _)) in &old {
        if !new.contains_key(id) {
            changes.push(resource(edition.clone(), ChangeType::Removed));
        }
    }
    changes
}

#[cfg(test)]
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
        let dataset = &catalog.datasets()[0];
        assert_eq!(state.datasets.len(), 1);
        assert_eq!(state.datasets[0].id, dataset.id);
        assert_eq!(
            state.datasets[0].latest_edition,
            format!("datasets/{}/editions/{}", dataset.id, dataset.info.year)
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
        let id = &new_catalog.datasets()[0].id;
        let year = new_catalog.datasets()[0].info.year;
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
