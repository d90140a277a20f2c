//! Grants: what a principal may read, written as resource names. A dataset grant covers the
//! dataset and its series, a scheme grant the scheme and its concepts; `*` stands for every one.
//! `milestones` covers the milestones of the datasets the other grants cover, never those of a
//! dataset the principal may not read.
//!
//! Contract v2 names every resource under its dataset, and its grants follow: `datasets/{d}`
//! names a v2 dataset (every edition, series, scheme, concept and milestone of it), and the
//! narrower `datasets/{d}/schemes/{s}` and `datasets/{d}/milestones` cover a scheme or the
//! milestones of one dataset. The v1 grants keep their meaning: `datasets/{id}` with a v1 id
//! (an edition, e.g. `cic-global-llm-2026`) covers that edition's series in both contracts,
//! `schemes/{s}` the scheme v1 serves under that id, `milestones` the milestones of what the
//! principal may read.

use std::fmt;

use llmarket_proto::names::{ConceptName, DatasetName, SchemeName, SeriesName, is_valid_id, v2};

/// The grant forms a principals file may use, as error messages list them.
pub const GRANT_FORMS: &str = "datasets/*, datasets/{dataset}, datasets/{dataset}/schemes/{scheme}, \
     datasets/{dataset}/milestones, schemes/*, schemes/{scheme}, or milestones";

/// One grant, as written in a principals file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// `datasets/*`: every dataset and its series.
    AllDatasets,
    /// `datasets/{id}`: that dataset and its series.
    Dataset(String),
    /// `schemes/*`: every scheme and its concepts.
    AllSchemes,
    /// `schemes/{id}`: that scheme and its concepts.
    Scheme(String),
    /// `milestones`: the milestones of the datasets the principal may read.
    Milestones,
    /// `datasets/{dataset}/schemes/{scheme}`: that scheme of that (v2) dataset and its concepts.
    DatasetScheme(String, String),
    /// `datasets/{dataset}/milestones`: the milestones of that (v2) dataset.
    DatasetMilestones(String),
}

impl Grant {
    /// Parses one grant; the error says what is wrong and lists the valid forms.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not a grant; valid are {GRANT_FORMS}");
        match text {
            "milestones" => return Ok(Self::Milestones),
            "datasets/*" => return Ok(Self::AllDatasets),
            "schemes/*" => return Ok(Self::AllSchemes),
            _ => {}
        }
        if let Ok(scheme) = v2::SchemeName::parse(text) {
            return Ok(Self::DatasetScheme(
                scheme.dataset.to_owned(),
                scheme.scheme.to_owned(),
            ));
        }
        if let Some(dataset) = text
            .strip_prefix("datasets/")
            .and_then(|rest| rest.strip_suffix("/milestones"))
            .filter(|id| is_valid_id(id))
        {
            return Ok(Self::DatasetMilestones(dataset.to_owned()));
        }
        let (collection, id) = text.split_once('/').ok_or_else(bad)?;
        if !is_valid_id(id) {
            return Err(bad());
        }
        match collection {
            "datasets" => Ok(Self::Dataset(id.to_owned())),
            "schemes" => Ok(Self::Scheme(id.to_owned())),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AllDatasets => f.write_str("datasets/*"),
            Self::Dataset(id) => write!(f, "datasets/{id}"),
            Self::AllSchemes => f.write_str("schemes/*"),
            Self::Scheme(id) => write!(f, "schemes/{id}"),
            Self::Milestones => f.write_str("milestones"),
            Self::DatasetScheme(dataset, scheme) => {
                write!(f, "datasets/{dataset}/schemes/{scheme}")
            }
            Self::DatasetMilestones(dataset) => write!(f, "datasets/{dataset}/milestones"),
        }
    }
}

/// A principal's grants, ready to match: a handful of ids each, kept sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Grants {
    all_datasets: bool,
    datasets: Vec<String>,
    all_schemes: bool,
    schemes: Vec<String>,
    milestones: bool,
    /// `datasets/{d}/schemes/{s}` grants, sorted.
    dataset_schemes: Vec<(String, String)>,
    /// `datasets/{d}/milestones` grants, sorted.
    dataset_milestones: Vec<String>,
}

impl Grants {
    /// Every resource (what a caller may read when no principals file is in force).
    pub fn everything() -> Self {
        Self {
            all_datasets: true,
            all_schemes: true,
            milestones: true,
            ..Self::default()
        }
    }

    /// Whether the dataset `id` (and so its series) may be read.
    pub fn dataset(&self, id: &str) -> bool {
        self.all_datasets
            || self
                .datasets
                .binary_search_by(|d| d.as_str().cmp(id))
                .is_ok()
    }

    /// Whether the scheme `id` (and so its concepts) may be read.
    pub fn scheme(&self, id: &str) -> bool {
        self.all_schemes
            || self
                .schemes
                .binary_search_by(|s| s.as_str().cmp(id))
                .is_ok()
    }

    /// Whether the principal holds the `milestones` grant (so may list milestones at all).
    pub fn milestones(&self) -> bool {
        self.milestones
    }

    /// Whether the milestones of the dataset `dataset` may be read: the `milestones` grant and
    /// a grant on that dataset.
    pub fn milestones_of(&self, dataset: &str) -> bool {
        self.milestones && self.dataset(dataset)
    }

    /// Whether an edition of the v2 dataset `dataset` whose v1 id is `v1_id` (its series, and
    /// the dataset and edition resources) may be read: a grant of the dataset or of the v1 id.
    pub fn edition(&self, dataset: &str, v1_id: &str) -> bool {
        self.dataset(dataset) || self.dataset(v1_id)
    }

    /// Whether the scheme `scheme` of the v2 dataset `dataset` (and its concepts) may be read:
    /// `schemes/*`, a grant of the dataset or of that scheme of it, or — when v1 serves this
    /// scheme under its id (`v1_served`) — the v1 grant `schemes/{scheme}`.
    pub fn scheme_in(&self, dataset: &str, scheme: &str, v1_served: bool) -> bool {
        self.all_schemes
            || self.dataset(dataset)
            || self
                .dataset_schemes
                .binary_search_by(|(d, s)| (d.as_str(), s.as_str()).cmp(&(dataset, scheme)))
                .is_ok()
            || (v1_served && self.scheme(scheme))
    }

    /// Whether the milestones of the v2 dataset `dataset` may be read: a grant of the dataset or
    /// of its milestones, or `milestones` with a grant of one of its editions (`v1_ids`).
    pub fn milestones_in<'a>(
        &self,
        dataset: &str,
        v1_ids: impl IntoIterator<Item = &'a str>,
    ) -> bool {
        self.dataset(dataset)
            || self
                .dataset_milestones
                .binary_search_by(|d| d.as_str().cmp(dataset))
                .is_ok()
            || (self.milestones && v1_ids.into_iter().any(|id| self.dataset(id)))
    }

    /// Whether anything of the v2 dataset `dataset`, whose editions have the v1 ids `v1_ids`, may
    /// be read: a grant of the dataset, of one of its editions, of one of its schemes or of its
    /// milestones (the v1 `schemes/*` and `schemes/{s}` grants do not show a dataset).
    pub fn anything_of<'a>(
        &self,
        dataset: &str,
        v1_ids: impl IntoIterator<Item = &'a str>,
    ) -> bool {
        self.dataset(dataset)
            || self.dataset_schemes.iter().any(|(d, _)| d == dataset)
            || self
                .dataset_milestones
                .binary_search_by(|d| d.as_str().cmp(dataset))
                .is_ok()
            || v1_ids.into_iter().any(|id| self.dataset(id))
    }

    /// Whether the v2 resource `name` may be read, by its name alone: the v2 grants and the
    /// wildcards. Narrower than the checks that know a resource's v1 ids (a v1 grant of an
    /// edition or of a scheme does not show here), never wider; a name of no v2 kind may not.
    pub fn v2_name(&self, name: &str) -> bool {
        if let Ok(n) = v2::ConceptName::parse(name) {
            self.scheme_in(n.dataset, n.scheme, false)
        } else if let Ok(n) = v2::SchemeName::parse(name) {
            self.scheme_in(n.dataset, n.scheme, false)
        } else if let Ok(n) = v2::MilestoneName::parse(name) {
            self.milestones_in(n.dataset, [])
        } else if let Ok(n) = v2::EditionName::parse(name) {
            self.dataset(n.dataset)
        } else if let Ok(n) = SeriesName::parse(name) {
            self.dataset(n.dataset)
        } else if let Ok(n) = DatasetName::parse(name) {
            self.dataset(n.dataset)
        } else {
            false
        }
    }

    /// A text that is equal for two sets of grants exactly when they are equal: what a cache of
    /// replies keys on, so callers with different grants never share a reply.
    pub fn scope_key(&self) -> String {
        // Debug quotes and escapes every id, so no two different grants print alike.
        format!("{self:?}")
    }

    /// Whether the resource `name` (a dataset, series, scheme or concept name, or a milestone)
    /// may be read; a name of no known kind may not. A milestone's name does not say its
    /// dataset: only [`Grants::milestones_of`] tells whether that milestone may be read.
    pub fn name(&self, name: &str) -> bool {
        if let Ok(n) = SeriesName::parse(name) {
            self.dataset(n.dataset)
        } else if let Ok(n) = DatasetName::parse(name) {
            self.dataset(n.dataset)
        } else if let Ok(n) = ConceptName::parse(name) {
            self.scheme(n.scheme)
        } else if let Ok(n) = SchemeName::parse(name) {
            self.scheme(n.scheme)
        } else {
            name.starts_with("milestones/") && self.milestones
        }
    }
}

impl FromIterator<Grant> for Grants {
    fn from_iter<I: IntoIterator<Item = Grant>>(grants: I) -> Self {
        let mut all = Self::default();
        for grant in grants {
            match grant {
                Grant::AllDatasets => all.all_datasets = true,
                Grant::Dataset(id) => all.datasets.push(id),
                Grant::AllSchemes => all.all_schemes = true,
                Grant::Scheme(id) => all.schemes.push(id),
                Grant::Milestones => all.milestones = true,
                Grant::DatasetScheme(dataset, scheme) => {
                    all.dataset_schemes.push((dataset, scheme))
                }
                Grant::DatasetMilestones(dataset) => all.dataset_milestones.push(dataset),
            }
        }
        for ids in [
            &mut all.datasets,
            &mut all.schemes,
            &mut all.dataset_milestones,
        ] {
            ids.sort();
            ids.dedup();
        }
        all.dataset_schemes.sort();
        all.dataset_schemes.dedup();
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_parse_in_their_five_forms_and_nothing_else() {
        let cases: &[(&str, Option<Grant>)] = &[
            ("datasets/*", Some(Grant::AllDatasets)),
            (
                "datasets/cic-global-llm-2026",
                Some(Grant::Dataset("cic-global-llm-2026".into())),
            ),
            ("schemes/*", Some(Grant::AllSchemes)),
            ("schemes/industry", Some(Grant::Scheme("industry".into()))),
            ("milestones", Some(Grant::Milestones)),
            (
                "datasets/d/schemes/industry",
                Some(Grant::DatasetScheme("d".into(), "industry".into())),
            ),
            (
                "datasets/d/milestones",
                Some(Grant::DatasetMilestones("d".into())),
            ),
            ("datasets/d/schemes/*", None),
            ("datasets/-/milestones", None),
            ("datasets/d/editions/2026", None),
            ("datasets", None),
            ("datasets/", None),
            ("datasets/Upper", None),
            ("datasets/a/series/b", None),
            ("datasets/a*", None),
            ("schemes/industry/concepts/x", None),
            ("milestones/m1", None),
            ("*", None),
            ("", None),
            ("things/x", None),
        ];
        for (text, expected) in cases {
            match (Grant::parse(text), expected) {
                (Ok(grant), Some(expected)) => {
                    assert_eq!(&grant, expected, "{text}");
                    assert_eq!(grant.to_string(), *text);
                }
                (Err(message), None) => assert!(message.contains("valid are"), "{message}"),
                (got, expected) => panic!("{text:?}: got {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn grants_match_their_resources_and_what_is_under_them() {
        let grants: Grants = ["datasets/d1", "schemes/industry", "schemes/b"]
            .iter()
            .map(|g| Grant::parse(g).unwrap())
            .collect();
        let cases: &[(&str, bool)] = &[
            ("datasets/d1", true),
            ("datasets/d1/series/market-size", true),
            ("datasets/d2", false),
            ("datasets/d2/series/market-size", false),
            ("datasets/d", false),
            ("schemes/industry", true),
            ("schemes/industry/concepts/finance", true),
            ("schemes/b/concepts/x", true),
            ("schemes/capability-levels", false),
            ("schemes/capability-levels/concepts/l3", false),
            ("milestones/m1", false),
            ("elsewhere/x", false),
        ];
        for (name, allowed) in cases {
            assert_eq!(grants.name(name), *allowed, "{name}");
        }
        let wide: Grants = ["datasets/*", "schemes/*", "milestones"]
            .iter()
            .map(|g| Grant::parse(g).unwrap())
            .collect();
        assert_eq!(wide, Grants::everything());
        for (name, _) in cases.iter().filter(|(n, _)| !n.starts_with("elsewhere")) {
            assert!(wide.name(name), "{name}");
        }
        assert!(!Grants::default().name("datasets/d1"));
    }

    #[test]
    fn v2_grants_cover_their_dataset_and_v1_grants_keep_their_meaning() {
        let parse = |grants: &[&str]| -> Grants {
            grants.iter().map(|g| Grant::parse(g).unwrap()).collect()
        };
        let whole = parse(&["datasets/cic"]);
        assert!(whole.edition("cic", "cic-2026"));
        assert!(whole.scheme_in("cic", "industry", true));
        assert!(whole.milestones_in("cic", []));
        assert!(whole.v2_name("datasets/cic/schemes/s/concepts/c"));
        assert!(whole.v2_name("datasets/cic/milestones/m"));
        assert!(whole.v2_name("datasets/cic/editions/2027"));
        assert!(!whole.v2_name("datasets/other/series/s"));

        let v1 = parse(&["datasets/cic-2026", "schemes/industry", "milestones"]);
        assert!(v1.edition("cic", "cic-2026"));
        assert!(
            !v1.edition("cic", "cic-2027"),
            "a v1 grant covers its edition only"
        );
        assert!(v1.scheme_in("cic", "industry", true));
        assert!(
            !v1.scheme_in("cic", "industry", false),
            "only the scheme v1 serves"
        );
        assert!(!v1.scheme_in("cic", "levels", true));
        assert!(v1.milestones_in("cic", ["cic-2026"]));
        assert!(!v1.milestones_in("cic", ["cic-2027"]));
        assert!(
            !v1.v2_name("datasets/cic/series/s"),
            "by name alone: narrower, never wider"
        );

        let narrow = parse(&["datasets/cic/schemes/industry", "datasets/cic/milestones"]);
        assert!(narrow.scheme_in("cic", "industry", false));
        assert!(!narrow.scheme_in("other", "industry", true));
        assert!(!narrow.scheme_in("cic", "levels", false));
        assert!(narrow.milestones_in("cic", []));
        assert!(!narrow.milestones_in("other", []));
        assert!(!narrow.edition("cic", "cic-2026"), "no series");
        assert!(!narrow.dataset("cic"));
        assert!(narrow.anything_of("cic", []));
        assert!(!narrow.anything_of("other", []));
        assert!(v1.anything_of("cic", ["cic-2026"]));
        assert!(!v1.anything_of("cic", ["cic-2027"]));
    }

    #[test]
    fn milestones_are_read_only_with_their_dataset() {
        let parse = |grants: &[&str]| -> Grants {
            grants.iter().map(|g| Grant::parse(g).unwrap()).collect()
        };
        let cases: &[(&[&str], &str, bool)] = &[
            (&["milestones", "datasets/d1"], "d1", true),
            (&["milestones", "datasets/d1"], "d2", false),
            (&["milestones", "datasets/*"], "d2", true),
            (&["milestones", "schemes/*"], "d1", false),
            (&["datasets/*"], "d1", false),
        ];
        for (grants, dataset, allowed) in cases {
            assert_eq!(
                parse(grants).milestones_of(dataset),
                *allowed,
                "{grants:?} {dataset}"
            );
        }
        assert!(Grants::everything().milestones_of("any"));
    }
}
