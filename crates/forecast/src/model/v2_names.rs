//! The names contract v2 gives an edition and its series (`datasets/{dataset}/editions/{e}`,
//! `datasets/{dataset}/series/{s}`), made once when the edition is named so that a reply copies
//! them instead of formatting them on every call.

use llmarket_kit::data::EditionMeta;
use llmarket_proto::names::{series_name, v2::edition_name};

use super::catalog::Series;

/// One edition's v2 names.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct V2Names {
    /// The edition's name.
    edition: String,
    /// Each series' name, in the order of the edition's series.
    series: Vec<String>,
}

impl V2Names {
    /// The names of the edition `meta` names, whose series are `series` (in their order).
    pub(crate) fn new(meta: &EditionMeta, series: &[Series]) -> Self {
        Self {
            edition: edition_name(&meta.dataset, &meta.id),
            series: series
                .iter()
                .map(|s| series_name(&meta.dataset, &s.id))
                .collect(),
        }
    }

    /// The edition's name.
    pub(crate) fn edition(&self) -> &str {
        &self.edition
    }

    /// The name of the series at `position` among the edition's series.
    pub(crate) fn series(&self, position: usize) -> Option<&str> {
        self.series.get(position).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use llmarket_kit::data::builtin;

    use crate::model::{Catalog, Names};

    #[test]
    fn each_series_is_named_under_its_v2_dataset() {
        let catalog = Catalog::load(&[builtin()]).unwrap();
        let edition = catalog.dataset("cic-global-llm-2026").unwrap();
        assert_eq!(
            edition.edition_name(),
            "datasets/cic-global-llm/editions/2026"
        );
        assert!(!edition.series().is_empty());
        for s in edition.series() {
            let v2 = edition.series_in(&s.id, Names::V2).unwrap();
            assert_eq!(
                v2.name(),
                format!("datasets/cic-global-llm/series/{}", s.id)
            );
            let v1 = edition.series_in(&s.id, Names::V1).unwrap();
            assert_eq!(
                v1.name(),
                format!("datasets/cic-global-llm-2026/series/{}", s.id)
            );
        }
    }
}
