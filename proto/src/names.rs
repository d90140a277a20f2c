//! Resource names, parsed and formatted in one place for the servers and the client:
//! `datasets/{dataset}`, `datasets/{dataset}/series/{series}`, `schemes/{scheme}`,
//! `schemes/{scheme}/concepts/{concept}` and `milestones/{milestone}`.
//!
//! An id is 1 to [`MAX_ID_LEN`] characters of lowercase ASCII letters, digits and `-`, not
//! starting with `-`. Each kind is a small type that borrows its ids: `parse` checks a name and
//! returns the ids (or a [`NameError`] saying what is wrong and which pattern is expected),
//! `parse_short` also takes the ids alone as people type them (`capability-levels/l3`), and
//! `Display` writes the full name back. Nothing here knows about gRPC statuses: a server maps a
//! [`NameError`] to INVALID_ARGUMENT naming its own request field.

use std::fmt;

/// The longest id a resource name may have.
pub const MAX_ID_LEN: usize = 63;

/// Most characters of a malformed name that a [`NameError`] repeats.
const MAX_ECHO_CHARS: usize = 100;

/// Whether `id` is a valid resource id.
pub fn is_valid_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_ID_LEN
        && bytes[0] != b'-'
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

/// Why a text is not a resource name of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    /// The name is empty.
    Empty {
        /// The expected pattern, e.g. `schemes/{scheme}`.
        pattern: &'static str,
    },
    /// The name does not follow the pattern, or an id in it is not a valid id.
    Malformed {
        /// The name as given, cut to 100 characters (`…` marks a cut).
        name: String,
        /// The expected pattern, e.g. `schemes/{scheme}/concepts/{concept}`.
        pattern: &'static str,
    },
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty { pattern } => write!(f, "is required; expected {pattern}"),
            NameError::Malformed { name, pattern } => write!(
                f,
                "{name:?} is not a valid resource name; expected {pattern} with ids of lowercase \
                 letters, digits and '-'"
            ),
        }
    }
}

impl std::error::Error for NameError {}

/// `name` cut to [`MAX_ECHO_CHARS`] characters, so an error never repeats a huge input.
fn cut(name: &str) -> String {
    match name.char_indices().nth(MAX_ECHO_CHARS) {
        None => name.to_owned(),
        Some((end, _)) => format!("{}…", &name[..end]),
    }
}

/// Splits `name` against `pattern`, whose collection segments are `collections` (e.g.
/// `["datasets", "series"]` for `datasets/{dataset}/series/{series}`), returning the ids.
fn split<'a, const N: usize>(
    name: &'a str,
    pattern: &'static str,
    collections: [&str; N],
) -> Result<[&'a str; N], NameError> {
    split_with(name, pattern, collections, false)
}

/// [`split`], also taking [`ANY`] for an id when `any` is set (AIP-159 reads across parents).
fn split_with<'a, const N: usize>(
    name: &'a str,
    pattern: &'static str,
    collections: [&str; N],
    any: bool,
) -> Result<[&'a str; N], NameError> {
    if name.is_empty() {
        return Err(NameError::Empty { pattern });
    }
    let malformed = || NameError::Malformed {
        name: cut(name),
        pattern,
    };
    let mut parts = name.split('/');
    let mut ids = [""; N];
    for (slot, collection) in ids.iter_mut().zip(collections) {
        match (parts.next(), parts.next()) {
            (Some(c), Some(id)) if c == collection && (is_valid_id(id) || (any && id == ANY)) => {
                *slot = id
            }
            _ => return Err(malformed()),
        }
    }
    match parts.next() {
        Some(_) => Err(malformed()),
        None => Ok(ids),
    }
}

/// The id that stands for every parent of its kind in a parent name (AIP-159), e.g.
/// `datasets/-/schemes/-`.
pub const ANY: &str = "-";

/// Splits the short form of a name (`short`, e.g. `{scheme}/{concept}`): `N` ids joined by `/`.
fn split_short<'a, const N: usize>(
    text: &'a str,
    short: &'static str,
) -> Result<[&'a str; N], NameError> {
    if text.is_empty() {
        return Err(NameError::Empty { pattern: short });
    }
    let mut parts = text.split('/');
    let mut ids = [""; N];
    for slot in &mut ids {
        match parts.next() {
            Some(id) if is_valid_id(id) => *slot = id,
            _ => {
                return Err(NameError::Malformed {
                    name: cut(text),
                    pattern: short,
                });
            }
        }
    }
    match parts.next() {
        Some(_) => Err(NameError::Malformed {
            name: cut(text),
            pattern: short,
        }),
        None => Ok(ids),
    }
}

/// Defines one kind of resource name: a struct of the ids it borrows, its `PATTERN`, `parse`,
/// and `Display`, which writes the name back.
macro_rules! resource_name {
    (
        $(#[$doc:meta])*
        $name:ident = $pattern:literal, short $short:literal {
            $( $(#[$field_doc:meta])* $field:ident in $collection:literal ),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name<'a> {
            $( $(#[$field_doc])* pub $field: &'a str, )+
        }

        impl<'a> $name<'a> {
            /// The pattern this kind of name follows.
            pub const PATTERN: &'static str = $pattern;

            /// The short form people type: the ids alone, joined by `/`.
            pub const SHORT: &'static str = $short;

            #[doc = concat!("Parses `", $pattern, "`.")]
            pub fn parse(name: &'a str) -> Result<Self, NameError> {
                let [$($field),+] = split(name, Self::PATTERN, [$($collection),+])?;
                Ok(Self { $($field),+ })
            }

            #[doc = concat!(
                "Parses `", $pattern, "` as the parent of a list or search: any id may be `-` ",
                "(every one the caller may read)."
            )]
            pub fn parse_parent(name: &'a str) -> Result<Self, NameError> {
                let [$($field),+] = split_with(name, Self::PATTERN, [$($collection),+], true)?;
                Ok(Self { $($field),+ })
            }

            #[doc = concat!(
                "Parses what people type: the full name, or the short form `", $short, "`."
            )]
            pub fn parse_short(text: &'a str) -> Result<Self, NameError> {
                let collections = [$($collection),+];
                if text.starts_with(collections[0]) && text[collections[0].len()..].starts_with('/') {
                    return Self::parse(text);
                }
                let [$($field),+] = split_short(text, Self::SHORT)?;
                Ok(Self { $($field),+ })
            }
        }

        impl fmt::Display for $name<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                for (i, (collection, id)) in [$(($collection, self.$field)),+].iter().enumerate() {
                    if i > 0 {
                        f.write_str("/")?;
                    }
                    write!(f, "{collection}/{id}")?;
                }
                Ok(())
            }
        }
    };
}

resource_name! {
    /// `datasets/{dataset}`.
    DatasetName = "datasets/{dataset}", short "{dataset}" {
        /// The dataset id.
        dataset in "datasets",
    }
}

resource_name! {
    /// `datasets/{dataset}/series/{series}`.
    SeriesName = "datasets/{dataset}/series/{series}", short "{dataset}/{series}" {
        /// The dataset id.
        dataset in "datasets",
        /// The series id within the dataset.
        series in "series",
    }
}

resource_name! {
    /// `schemes/{scheme}`.
    SchemeName = "schemes/{scheme}", short "{scheme}" {
        /// The scheme id.
        scheme in "schemes",
    }
}

resource_name! {
    /// `schemes/{scheme}/concepts/{concept}`.
    ConceptName = "schemes/{scheme}/concepts/{concept}", short "{scheme}/{concept}" {
        /// The scheme id.
        scheme in "schemes",
        /// The concept id within the scheme.
        concept in "concepts",
    }
}

resource_name! {
    /// `milestones/{milestone}`.
    MilestoneName = "milestones/{milestone}", short "{milestone}" {
        /// The milestone id.
        milestone in "milestones",
    }
}

/// The names of contract v2, where every resource is under its dataset:
/// `datasets/{dataset}/editions/{edition}`, `datasets/{dataset}/schemes/{scheme}`,
/// `datasets/{dataset}/schemes/{scheme}/concepts/{concept}` and
/// `datasets/{dataset}/milestones/{milestone}`. Datasets and series keep their v1 forms
/// ([`DatasetName`], [`SeriesName`]), with v2 dataset ids.
pub mod v2 {
    use super::{NameError, fmt, split, split_short, split_with};

    resource_name! {
        /// `datasets/{dataset}/editions/{edition}`.
        EditionName = "datasets/{dataset}/editions/{edition}", short "{dataset}/{edition}" {
            /// The dataset id.
            dataset in "datasets",
            /// The edition id within the dataset.
            edition in "editions",
        }
    }

    resource_name! {
        /// `datasets/{dataset}/schemes/{scheme}`.
        SchemeName = "datasets/{dataset}/schemes/{scheme}", short "{dataset}/{scheme}" {
            /// The dataset id.
            dataset in "datasets",
            /// The scheme id within the dataset.
            scheme in "schemes",
        }
    }

    resource_name! {
        /// `datasets/{dataset}/schemes/{scheme}/concepts/{concept}`.
        ConceptName = "datasets/{dataset}/schemes/{scheme}/concepts/{concept}",
            short "{dataset}/{scheme}/{concept}" {
            /// The dataset id.
            dataset in "datasets",
            /// The scheme id within the dataset.
            scheme in "schemes",
            /// The concept id within the scheme.
            concept in "concepts",
        }
    }

    resource_name! {
        /// `datasets/{dataset}/milestones/{milestone}`.
        MilestoneName = "datasets/{dataset}/milestones/{milestone}",
            short "{dataset}/{milestone}" {
            /// The dataset id.
            dataset in "datasets",
            /// The milestone id within the dataset.
            milestone in "milestones",
        }
    }

    /// `datasets/{dataset}/editions/{edition}`, formatted.
    pub fn edition_name(dataset: &str, edition: &str) -> String {
        ["datasets/", dataset, "/editions/", edition].concat()
    }

    /// `datasets/{dataset}/schemes/{scheme}`, formatted.
    pub fn scheme_name(dataset: &str, scheme: &str) -> String {
        ["datasets/", dataset, "/schemes/", scheme].concat()
    }

    /// `datasets/{dataset}/schemes/{scheme}/concepts/{concept}`, formatted.
    pub fn concept_name(dataset: &str, scheme: &str, concept: &str) -> String {
        [
            "datasets/",
            dataset,
            "/schemes/",
            scheme,
            "/concepts/",
            concept,
        ]
        .concat()
    }

    /// `datasets/{dataset}/milestones/{milestone}`, formatted.
    pub fn milestone_name(dataset: &str, milestone: &str) -> String {
        ["datasets/", dataset, "/milestones/", milestone].concat()
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::names::{ANY, DatasetName};

        #[test]
        fn v2_names_parse_format_and_take_any_only_as_parents() {
            let concept = ConceptName::parse("datasets/d/schemes/s/concepts/c").unwrap();
            assert_eq!(
                (concept.dataset, concept.scheme, concept.concept),
                ("d", "s", "c")
            );
            assert_eq!(concept.to_string(), concept_name("d", "s", "c"));
            assert_eq!(
                EditionName::parse("datasets/d/editions/2026")
                    .unwrap()
                    .to_string(),
                edition_name("d", "2026")
            );
            assert_eq!(
                MilestoneName::parse_short("d/m").unwrap().to_string(),
                milestone_name("d", "m")
            );
            assert!(SchemeName::parse("datasets/-/schemes/s").is_err());
            let any = SchemeName::parse_parent("datasets/-/schemes/-").unwrap();
            assert_eq!((any.dataset, any.scheme), (ANY, ANY));
            assert_eq!(
                DatasetName::parse_parent("datasets/-").unwrap().dataset,
                ANY
            );
            assert!(SchemeName::parse_parent("datasets/--/schemes/s").is_err());
            assert!(SchemeName::parse("schemes/s").is_err());
        }
    }
}

/// `datasets/{dataset}`, formatted (short for [`DatasetName`]'s `to_string`).
pub fn dataset_name(dataset: &str) -> String {
    // Concatenated in one allocation rather than through `fmt`: responses format names per call.
    ["datasets/", dataset].concat()
}

/// `datasets/{dataset}/series/{series}`, formatted (short for [`SeriesName`]'s `to_string`).
pub fn series_name(dataset: &str, series: &str) -> String {
    ["datasets/", dataset, "/series/", series].concat()
}

/// `schemes/{scheme}`, formatted (short for [`SchemeName`]'s `to_string`).
pub fn scheme_name(scheme: &str) -> String {
    ["schemes/", scheme].concat()
}

/// `schemes/{scheme}/concepts/{concept}`, formatted (short for [`ConceptName`]'s `to_string`).
pub fn concept_name(scheme: &str, concept: &str) -> String {
    ["schemes/", scheme, "/concepts/", concept].concat()
}

/// `milestones/{milestone}`, formatted (short for [`MilestoneName`]'s `to_string`).
pub fn milestone_name(milestone: &str) -> String {
    ["milestones/", milestone].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_short_formatters_write_what_the_names_display() {
        assert_eq!(dataset_name("d"), DatasetName { dataset: "d" }.to_string());
        assert_eq!(
            series_name("d", "s"),
            SeriesName {
                dataset: "d",
                series: "s"
            }
            .to_string()
        );
        assert_eq!(scheme_name("x"), SchemeName { scheme: "x" }.to_string());
        assert_eq!(
            concept_name("x", "c"),
            ConceptName {
                scheme: "x",
                concept: "c"
            }
            .to_string()
        );
        assert_eq!(
            milestone_name("m"),
            MilestoneName { milestone: "m" }.to_string()
        );
    }

    #[test]
    fn parses_well_formed_names_and_formats_them_back() {
        let dataset = DatasetName::parse("datasets/cic-global-llm-2026").unwrap();
        assert_eq!(dataset.dataset, "cic-global-llm-2026");
        let series = SeriesName::parse("datasets/d/series/market-size").unwrap();
        assert_eq!((series.dataset, series.series), ("d", "market-size"));
        assert_eq!(
            SchemeName::parse("schemes/industry").unwrap().scheme,
            "industry"
        );
        let concept = ConceptName::parse("schemes/a/concepts/b").unwrap();
        assert_eq!((concept.scheme, concept.concept), ("a", "b"));
        assert_eq!(
            MilestoneName::parse("milestones/m-1").unwrap().milestone,
            "m-1"
        );
        assert_eq!(dataset.to_string(), "datasets/cic-global-llm-2026");
        assert_eq!(series.to_string(), "datasets/d/series/market-size");
        assert_eq!(concept.to_string(), "schemes/a/concepts/b");
        assert_eq!(series_name("d", "s"), "datasets/d/series/s");
        assert_eq!(concept_name("a", "b"), "schemes/a/concepts/b");
        assert_eq!(dataset_name("d"), "datasets/d");
        assert_eq!(scheme_name("s"), "schemes/s");
        assert_eq!(milestone_name("m"), "milestones/m");
    }

    #[test]
    fn rejects_malformed_names_saying_what_is_expected() {
        assert_eq!(
            DatasetName::parse(""),
            Err(NameError::Empty {
                pattern: "datasets/{dataset}"
            })
        );
        let too_long = format!("datasets/{}", "a".repeat(MAX_ID_LEN + 1));
        for bad in [
            "datasets",
            "datasets/",
            "datasets/UPPER",
            "datasets/-lead",
            "datasets/a/extra",
            "dataset/a",
            "datasets/a b",
            "datasets/ü",
            &too_long,
        ] {
            let error = DatasetName::parse(bad).unwrap_err();
            let message = error.to_string();
            assert!(
                message.contains("is not a valid resource name; expected datasets/{dataset}"),
                "{bad:?}: {message}"
            );
        }
        assert!(SeriesName::parse("datasets/a/concepts/b").is_err());
        assert!(SeriesName::parse("datasets/a/series/b/c").is_err());
        assert!(ConceptName::parse("schemes/a").is_err());
        assert!(MilestoneName::parse("milestones/a/b").is_err());
    }

    #[test]
    fn errors_repeat_at_most_a_hundred_characters_of_the_name() {
        let huge = "x".repeat(10_000);
        let Err(NameError::Malformed { name, .. }) = SchemeName::parse(&huge) else {
            panic!("a huge name is malformed");
        };
        assert_eq!(name.chars().count(), MAX_ECHO_CHARS + 1);
    }

    #[test]
    fn concepts_parse_from_the_short_form_people_type() {
        for text in [
            "capability-levels/l3",
            "schemes/capability-levels/concepts/l3",
        ] {
            let name = ConceptName::parse_short(text).unwrap();
            assert_eq!(name.to_string(), "schemes/capability-levels/concepts/l3");
        }
        for bad in ["", "l3", "a/b/c", "A/b", "schemes/a"] {
            assert!(ConceptName::parse_short(bad).is_err(), "{bad:?}");
        }
    }
}
