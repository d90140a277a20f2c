//! What a v2 call reads: the editions its parent and edition selector pick, the data version it
//! is shown, and the NOT_FOUND statuses of contract v2 (a `google.rpc.ResourceInfo` per missing
//! name and an `ErrorInfo` with the nearest names, domain [`DOMAIN`]).

use std::collections::HashMap;

use tonic::{Code, Status};
use tonic_types::{ErrorDetail, ErrorInfo, ResourceInfo, StatusExt as _};

use super::{
    super::{
        editions::{DatasetEditions, Edition, Editions, Selector},
        vocabulary::Vocabulary,
    },
    names::VocabularyNames,
};
use llmarket_kit::{
    access::Access,
    data::DataVersion,
    nearest::{MAX_NEAREST, NEAREST_KEY, REASON},
    status::{MAX_MESSAGE_CHARS, bad_name, invalid_argument, shorten},
};
use llmarket_proto::{
    llmarket::taxonomy::v2 as pb,
    names::{ANY, v2::EditionName},
};

/// The `domain` of the errors of the v2 taxonomy service.
pub const DOMAIN: &str = "llmarket.taxonomy.v2";
/// `resource_type` of a missing dataset.
pub const DATASET: &str = "llmarket.forecast.v2.Dataset";
/// `resource_type` of a missing edition.
pub const EDITION: &str = "llmarket.forecast.v2.Edition";
/// `resource_type` of a missing scheme.
pub const SCHEME: &str = "llmarket.taxonomy.v2.Scheme";
/// `resource_type` of a missing concept.
pub const CONCEPT: &str = "llmarket.taxonomy.v2.Concept";
/// `resource_type` of a missing milestone.
pub const MILESTONE: &str = "llmarket.taxonomy.v2.Milestone";

/// NOT_FOUND naming every name of `missing` (resource type, name), one `ResourceInfo` each, and
/// an `ErrorInfo` with the `nearest` names the caller may read.
pub fn not_found(missing: &[(&str, String)], nearest: &[String]) -> Status {
    let names: Vec<&str> = missing.iter().map(|(_, n)| n.as_str()).collect();
    not_found_saying(format!("{} not found", names.join(", ")), missing, nearest)
}

/// [`not_found`] with its own `message`.
fn not_found_saying(mut message: String, missing: &[(&str, String)], nearest: &[String]) -> Status {
    if !nearest.is_empty() {
        message.push_str(&format!("; the nearest names: {}", nearest.join(", ")));
    }
    let mut details: Vec<ErrorDetail> = missing
        .iter()
        .map(|(kind, name)| ResourceInfo::new(*kind, name.as_str(), "", "not found").into())
        .collect();
    details.push(
        ErrorInfo::new(
            REASON,
            DOMAIN,
            HashMap::from([(NEAREST_KEY.to_owned(), nearest.join(","))]),
        )
        .into(),
    );
    Status::with_error_details_vec(
        Code::NotFound,
        shorten(&message, MAX_MESSAGE_CHARS),
        details,
    )
}

/// The names of `candidates` (name, id) nearest the missing id `typed`, nearest first.
pub fn nearest_names<'a>(
    typed: &str,
    candidates: impl Iterator<Item = (String, &'a str)>,
) -> Vec<String> {
    let mut found = llmarket_kit::nearest::nearest(
        typed,
        candidates.map(|(name, id)| (name, vec![(id.to_owned(), 0)])),
    );
    found.truncate(MAX_NEAREST);
    found
}

/// A request's edition selector, checked against the dataset its parent names (`-`: any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice<'a> {
    /// The dataset the selector restricts a `-` parent to (an `edition` selector's dataset).
    pub dataset: Option<&'a str>,
    /// Which edition of each dataset.
    pub selector: Selector<'a>,
}

/// Validates `selector` for a call reading `dataset` (`-` for every one).
pub fn choice<'a>(
    selector: Option<&'a pb::EditionSelector>,
    dataset: &str,
) -> Result<Choice<'a>, Status> {
    use pb::edition_selector::Selector as Wire;
    match selector.and_then(|s| s.selector.as_ref()) {
        None => Ok(Choice {
            dataset: None,
            selector: Selector::Latest,
        }),
        Some(Wire::Edition(name)) => {
            let edition = EditionName::parse(name).map_err(bad_name("edition.edition"))?;
            if dataset != ANY && edition.dataset != dataset {
                return Err(invalid_argument(
                    "edition.edition",
                    format!(
                        "{name} is an edition of another dataset; name one of datasets/{dataset}"
                    ),
                ));
            }
            Ok(Choice {
                dataset: Some(edition.dataset),
                selector: Selector::Id(edition.edition),
            })
        }
        Some(Wire::AsOf(date)) => {
            let valid = (1900..=2200).contains(&date.year)
                && (1..=12).contains(&date.month)
                && date.day >= 1
                && llmarket_kit::data::PublishDate::parse(&format!(
                    "{:04}-{:02}-{:02}",
                    date.year, date.month, date.day
                ))
                .is_ok();
            if !valid {
                return Err(invalid_argument(
                    "edition.as_of",
                    format!(
                        "{}-{}-{} is not a calendar day in years 1900..=2200; give year, month \
                         and day",
                        date.year, date.month, date.day
                    ),
                ));
            }
            Ok(Choice {
                dataset: None,
                selector: Selector::AsOf((date.year, date.month as u32, date.day as u32)),
            })
        }
    }
}

/// One edition a call reads, with its dataset.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// The dataset.
    pub dataset: &'a DatasetEditions,
    /// The edition chosen.
    pub edition: &'a Edition,
}

impl<'a> Source<'a> {
    /// The v2 dataset id.
    pub fn id(&self) -> &'a str {
        &self.dataset.id
    }

    /// The edition's vocabulary.
    pub fn vocabulary(&self) -> &'a Vocabulary {
        &self.edition.vocabulary
    }

    /// `datasets/{dataset}/editions/{edition}`.
    pub fn edition_name(&self) -> String {
        self.edition.name.clone()
    }

    /// The v2 names of the edition's vocabulary.
    pub fn names(&self) -> &'a VocabularyNames {
        &self.edition.names
    }
}

/// The edition of `dataset` that `choice` picks, or NOT_FOUND (of the edition named, or of the
/// dataset's editions up to `as_of`).
pub fn select<'a>(dataset: &'a DatasetEditions, choice: Choice<'_>) -> Result<Source<'a>, Status> {
    dataset
        .select(choice.selector)
        .map(|edition| Source { dataset, edition })
        .ok_or_else(|| match choice.selector {
            Selector::Id(id) => not_found(
                &[(
                    EDITION,
                    llmarket_proto::names::v2::edition_name(&dataset.id, id),
                )],
                &dataset
                    .editions
                    .iter()
                    .map(|e| llmarket_proto::names::v2::edition_name(&dataset.id, &e.meta.id))
                    .take(MAX_NEAREST)
                    .collect::<Vec<_>>(),
            ),
            Selector::AsOf((y, m, d)) => not_found_saying(
                format!(
                    "datasets/{} has no edition published on or before {y:04}-{m:02}-{d:02}",
                    dataset.id
                ),
                &[(EDITION, format!("datasets/{}/editions/-", dataset.id))],
                &[],
            ),
            Selector::Latest => not_found(&[(DATASET, format!("datasets/{}", dataset.id))], &[]),
        })
}

/// The editions a call on `dataset` (`-`: every dataset `visible` accepts) reads: for a named
/// dataset the one `choice` picks, or NOT_FOUND (also when `visible` refuses it, so a refusal
/// does not tell it exists); for `-`, those of the datasets with an edition `choice` picks.
pub fn sources<'a>(
    editions: &'a Editions,
    dataset: &str,
    choice: Choice<'_>,
    visible: impl Fn(&DatasetEditions) -> bool,
) -> Result<Vec<Source<'a>>, Status> {
    let named = if dataset == ANY {
        choice.dataset
    } else {
        Some(dataset)
    };
    match named {
        Some(id) => {
            let found = editions
                .dataset(id)
                .filter(|d| visible(d))
                .ok_or_else(|| not_found(&[(DATASET, format!("datasets/{id}"))], &[]))?;
            Ok(vec![select(found, choice)?])
        }
        None => Ok(editions
            .datasets()
            .iter()
            .filter(|d| visible(d))
            .filter_map(|d| select(d, choice).ok())
            .collect()),
    }
}

/// The data version `access` is shown: of the datasets it may see anything of only (see
/// [`DataVersion::scoped`], whose parts are by v1 id).
pub fn shown_version<'a>(
    version: &'a DataVersion,
    editions: &Editions,
    access: &Access,
) -> std::borrow::Cow<'a, DataVersion> {
    version.scoped(|v1_id| {
        editions
            .datasets()
            .iter()
            .find(|d| d.v1_ids().any(|id| id == v1_id))
            .is_some_and(|d| access.may_see_dataset(&d.id, d.v1_ids()))
    })
}

#[cfg(test)]
mod tests {
    use llmarket_proto::google::r#type::Date;

    use super::*;

    fn as_of(year: i32, month: i32, day: i32) -> pb::EditionSelector {
        pb::EditionSelector {
            selector: Some(pb::edition_selector::Selector::AsOf(Date {
                year,
                month,
                day,
            })),
        }
    }

    #[test]
    fn selectors_are_checked_against_the_parent() {
        assert_eq!(choice(None, "d").unwrap().selector, Selector::Latest);
        let edition = pb::EditionSelector {
            selector: Some(pb::edition_selector::Selector::Edition(
                "datasets/d/editions/2026".into(),
            )),
        };
        let picked = choice(Some(&edition), "-").unwrap();
        assert_eq!(picked.dataset, Some("d"));
        assert_eq!(picked.selector, Selector::Id("2026"));
        let other = choice(Some(&edition), "e").unwrap_err();
        assert_eq!(other.code(), Code::InvalidArgument);
        assert!(
            other.message().starts_with("edition.edition: "),
            "{}",
            other.message()
        );
        assert_eq!(
            choice(Some(&as_of(2026, 12, 31)), "d").unwrap().selector,
            Selector::AsOf((2026, 12, 31))
        );
        for bad in [
            as_of(2026, 2, 30),
            as_of(2026, 0, 1),
            as_of(1800, 1, 1),
            as_of(2026, 1, 0),
        ] {
            let status = choice(Some(&bad), "d").unwrap_err();
            assert!(
                status.message().starts_with("edition.as_of: "),
                "{}",
                status.message()
            );
        }
    }

    #[test]
    fn not_found_names_every_missing_name() {
        let status = not_found(
            &[
                (CONCEPT, "datasets/d/schemes/s/concepts/a".into()),
                (CONCEPT, "datasets/d/schemes/s/concepts/b".into()),
            ],
            &["datasets/d/schemes/s/concepts/c".into()],
        );
        let all = status.get_error_details_vec();
        let infos: Vec<_> = all
            .iter()
            .filter_map(|d| match d {
                ErrorDetail::ResourceInfo(info) => Some(info.resource_name.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            infos,
            [
                "datasets/d/schemes/s/concepts/a",
                "datasets/d/schemes/s/concepts/b"
            ]
        );
        let info = status.get_details_error_info().expect("error info");
        assert_eq!(
            (info.reason.as_str(), info.domain.as_str()),
            (REASON, DOMAIN)
        );
        assert_eq!(
            info.metadata[NEAREST_KEY],
            "datasets/d/schemes/s/concepts/c"
        );
    }
}
