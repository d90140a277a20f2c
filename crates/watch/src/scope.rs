//! What one watch shows: the datasets it watches that its caller may read, the changes of names
//! under them the caller may read, and versions scoped to those datasets.
//!
//! Every v2 resource lives under its dataset, so a name is shown only to a caller who may read
//! its dataset; a scheme and its concepts also need a grant on the scheme, a milestone the
//! `milestones` grant. A name of no known kind is never shown.

use llmarket_kit::access::Access;
use llmarket_proto::llmarket::watch::v2::{
    Change, DatasetVersion, ResourceChange, Snapshot, WatchResponse, watch_response::Event,
};

use super::hub::{self, State};

/// What one watch shows its caller.
#[derive(Debug, Clone)]
pub(crate) struct View {
    access: Access,
    /// The one dataset watched (its id); `None`: every dataset (`datasets/-`).
    dataset: Option<String>,
}

impl View {
    /// The view of a caller with `access` watching `dataset` (`None`: every dataset).
    pub(crate) fn new(access: Access, dataset: Option<String>) -> Self {
        Self { access, dataset }
    }

    /// Whether the dataset `id` is watched and may be read.
    pub(crate) fn shows_dataset(&self, id: &str) -> bool {
        self.dataset.as_deref().is_none_or(|d| d == id) && self.access.may_read_dataset(id)
    }

    /// Whether the v2 resource `name` is under a dataset shown and may be read.
    pub(crate) fn shows_name(&self, name: &str) -> bool {
        let Some(rest) = name.strip_prefix("datasets/") else {
            return false;
        };
        let (dataset, below) = rest.split_once('/').unwrap_or((rest, ""));
        if dataset.is_empty() || !self.shows_dataset(dataset) {
            return false;
        }
        let mut parts = below.split('/');
        match (parts.next(), parts.next()) {
            (Some(""), None) => true,
            (Some("series" | "editions"), Some(_)) => true,
            (Some("schemes"), Some(scheme)) => self.access.may_read_scheme(scheme),
            (Some("milestones"), Some(_)) => self.access.may_read_milestones_of(dataset),
            _ => false,
        }
    }

    /// The data version of `state` as this watch reports it: scoped to the datasets shown.
    pub(crate) fn version(&self, state: &State) -> String {
        let shown: Vec<&str> = state
            .datasets
            .iter()
            .filter(|d| self.shows_dataset(&d.id))
            .flat_map(|d| d.version_parts.iter().map(String::as_str))
            .collect();
        state
            .version
            .scoped(|part| shown.contains(&part))
            .as_str()
            .to_owned()
    }

    /// The datasets of `state` shown, in name order.
    pub(crate) fn datasets(&self, state: &State) -> Vec<DatasetVersion> {
        state
            .datasets
            .iter()
            .filter(|d| self.shows_dataset(&d.id))
            .map(|d| DatasetVersion {
                dataset: format!("datasets/{}", d.id),
                content_version: d.content_version.clone(),
                latest_edition: d.latest_edition.clone(),
            })
            .collect()
    }

    /// The first message of a watch that does not resume.
    pub(crate) fn snapshot(&self, state: &State) -> WatchResponse {
        WatchResponse {
            event: Some(Event::Snapshot(Snapshot {
                data_version: self.version(state),
                datasets: self.datasets(state),
            })),
        }
    }

    /// The message for `event`, unless it changed nothing this watch shows.
    pub(crate) fn change(&self, event: &hub::Event) -> Option<WatchResponse> {
        let changes: Vec<ResourceChange> = event
            .changes
            .iter()
            .filter(|c| self.shows_name(&c.name))
            .cloned()
            .collect();
        let (before, after) = (self.version(&event.previous), self.version(&event.state));
        let datasets = self.datasets(&event.state);
        if changes.is_empty() && before == after && datasets == self.datasets(&event.previous) {
            return None;
        }
        Some(WatchResponse {
            event: Some(Event::Change(Change {
                data_version: after,
                previous_data_version: before,
                datasets,
                changes,
            })),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use llmarket_kit::access::{Caller, Grant, Principal};

    use super::*;

    pub(crate) fn granted(grants: &[&str]) -> Access {
        Access::caller(Caller {
            principal: Arc::new(Principal::new(
                "p".into(),
                grants.iter().map(|g| Grant::parse(g).unwrap()).collect(),
                None,
            )),
            method: "/llmarket.watch.v2.WatchService/Watch".into(),
            peer: None,
        })
    }

    #[test]
    fn names_are_shown_by_their_dataset_and_their_own_grant() {
        let view = View::new(granted(&["datasets/a", "schemes/s"]), None);
        for shown in [
            "datasets/a",
            "datasets/a/series/x",
            "datasets/a/editions/2026",
            "datasets/a/schemes/s",
            "datasets/a/schemes/s/concepts/c",
        ] {
            assert!(view.shows_name(shown), "{shown}");
        }
        for hidden in [
            "datasets/b",
            "datasets/b/series/x",
            "datasets/b/schemes/s/concepts/c",
            "datasets/a/schemes/t/concepts/c",
            "datasets/a/milestones/m",
            "datasets/a/things/x",
            "datasets/",
            "schemes/s/concepts/c",
            "milestones/m",
        ] {
            assert!(!view.shows_name(hidden), "{hidden}");
        }
        let with_milestones = View::new(granted(&["datasets/a", "milestones"]), None);
        assert!(with_milestones.shows_name("datasets/a/milestones/m"));
        assert!(!with_milestones.shows_name("datasets/b/milestones/m"));
    }

    #[test]
    fn a_watch_of_one_dataset_shows_only_that_one() {
        let view = View::new(Access::everything(), Some("a".into()));
        assert!(view.shows_name("datasets/a/series/x"));
        assert!(!view.shows_name("datasets/b/series/x"));
        assert!(view.shows_dataset("a") && !view.shows_dataset("b"));
    }
}
