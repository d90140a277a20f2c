//! Parsing of resource names (`datasets/{dataset}`, `datasets/{dataset}/series/{series}`,
//! `schemes/{scheme}`, `schemes/{scheme}/concepts/{concept}`, `milestones/{milestone}`).
//!
//! An id is 1 to 63 characters of lowercase ASCII letters, digits and `-`, starting with a letter
//! or digit. A malformed name is INVALID_ARGUMENT naming the request field.

use tonic::Status;

use crate::status::{echo, invalid_argument};

/// The longest id a resource name may have.
pub const MAX_ID_LEN: usize = 63;

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

/// Splits `name` against a pattern of literal collection segments, returning the ids.
///
/// `collections` is e.g. `["datasets", "series"]` for `pattern` `datasets/{dataset}/series/{series}`.
fn parse<'a, const N: usize>(
    field: &str,
    name: &'a str,
    pattern: &str,
    collections: [&str; N],
) -> Result<[&'a str; N], Status> {
    if name.is_empty() {
        return Err(invalid_argument(
            field,
            format!("is required; expected {pattern}"),
        ));
    }
    let mut parts = name.split('/');
    let mut ids = [""; N];
    for (slot, collection) in ids.iter_mut().zip(collections) {
        match (parts.next(), parts.next()) {
            (Some(c), Some(id)) if c == collection && is_valid_id(id) => *slot = id,
            _ => {
                return Err(invalid_argument(
                    field,
                    format!(
                        "{} is not a valid resource name; expected {pattern} with ids of \
                         lowercase letters, digits and '-'",
                        echo(name)
                    ),
                ));
            }
        }
    }
    if parts.next().is_some() {
        return Err(invalid_argument(
            field,
            format!(
                "{} is not a valid resource name; expected {pattern}",
                echo(name)
            ),
        ));
    }
    Ok(ids)
}

/// Parses `datasets/{dataset}`, returning the dataset id.
pub fn parse_dataset<'a>(field: &str, name: &'a str) -> Result<&'a str, Status> {
    parse(field, name, "datasets/{dataset}", ["datasets"]).map(|[d]| d)
}

/// Parses `datasets/{dataset}/series/{series}`, returning the two ids.
pub fn parse_series<'a>(field: &str, name: &'a str) -> Result<(&'a str, &'a str), Status> {
    parse(
        field,
        name,
        "datasets/{dataset}/series/{series}",
        ["datasets", "series"],
    )
    .map(|[d, s]| (d, s))
}

/// Parses `schemes/{scheme}`, returning the scheme id.
pub fn parse_scheme<'a>(field: &str, name: &'a str) -> Result<&'a str, Status> {
    parse(field, name, "schemes/{scheme}", ["schemes"]).map(|[s]| s)
}

/// Parses `schemes/{scheme}/concepts/{concept}`, returning the two ids.
pub fn parse_concept<'a>(field: &str, name: &'a str) -> Result<(&'a str, &'a str), Status> {
    parse(
        field,
        name,
        "schemes/{scheme}/concepts/{concept}",
        ["schemes", "concepts"],
    )
    .map(|[s, c]| (s, c))
}

/// Parses `milestones/{milestone}`, returning the milestone id.
pub fn parse_milestone<'a>(field: &str, name: &'a str) -> Result<&'a str, Status> {
    parse(field, name, "milestones/{milestone}", ["milestones"]).map(|[m]| m)
}

/// Formats `datasets/{dataset}`.
pub fn dataset_name(dataset: &str) -> String {
    format!("datasets/{dataset}")
}

/// Formats `datasets/{dataset}/series/{series}`.
pub fn series_name(dataset: &str, series: &str) -> String {
    format!("datasets/{dataset}/series/{series}")
}

/// Formats `schemes/{scheme}`.
pub fn scheme_name(scheme: &str) -> String {
    format!("schemes/{scheme}")
}

/// Formats `schemes/{scheme}/concepts/{concept}`.
pub fn concept_name(scheme: &str, concept: &str) -> String {
    format!("schemes/{scheme}/concepts/{concept}")
}

/// Formats `milestones/{milestone}`.
pub fn milestone_name(milestone: &str) -> String {
    format!("milestones/{milestone}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    #[test]
    fn parses_well_formed_names() {
        assert_eq!(
            parse_dataset("name", "datasets/cic-global-llm-2026").unwrap(),
            "cic-global-llm-2026"
        );
        assert_eq!(
            parse_series("name", "datasets/d/series/market-size").unwrap(),
            ("d", "market-size")
        );
        assert_eq!(
            parse_scheme("name", "schemes/industry").unwrap(),
            "industry"
        );
        assert_eq!(
            parse_concept("name", "schemes/a/concepts/b").unwrap(),
            ("a", "b")
        );
        assert_eq!(parse_milestone("name", "milestones/m-1").unwrap(), "m-1");
    }

    #[test]
    fn rejects_malformed_names_naming_the_field() {
        for bad in [
            "",
            "datasets",
            "datasets/",
            "datasets/UPPER",
            "datasets/-lead",
            "datasets/a/extra",
            "dataset/a",
            "datasets/a b",
            "datasets/ü",
        ] {
            let err = parse_dataset("parent", bad).unwrap_err();
            assert_eq!(err.code(), Code::InvalidArgument, "{bad:?}");
            assert!(err.message().starts_with("parent: "), "{}", err.message());
        }
        let too_long = format!("datasets/{}", "a".repeat(MAX_ID_LEN + 1));
        assert!(parse_dataset("name", &too_long).is_err());
        assert!(parse_series("name", "datasets/a/concepts/b").is_err());
        assert!(parse_series("name", "datasets/a/series/b/c").is_err());
    }

    #[test]
    fn formats_round_trip() {
        let name = series_name("d", "s");
        assert_eq!(parse_series("n", &name).unwrap(), ("d", "s"));
        assert_eq!(
            parse_concept("n", &concept_name("a", "b")).unwrap(),
            ("a", "b")
        );
    }
}
