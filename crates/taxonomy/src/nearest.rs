//! NOT_FOUND with the nearest names: a scheme, concept or milestone that does not exist is
//! answered with up to [`MAX_NEAREST`](llmarket_kit::nearest::MAX_NEAREST) existing names the
//! caller may read, nearest first (by edit distance of the id, of `scheme/concept`, or of a
//! label; then containment), in the message and as `google.rpc.ResourceInfo` and
//! `google.rpc.ErrorInfo` details (see taxonomy.proto).

use llmarket_proto::names::{concept_name, milestone_name, scheme_name};
use tonic::Status;

use super::{error::Error, model::Concept, text::normalize, vocabulary::Vocabulary};
use llmarket_kit::{
    access::Access,
    nearest::{NotFound, nearest},
};

/// `google.rpc.ErrorInfo.domain` of the taxonomy's errors.
pub const DOMAIN: &str = "llmarket.taxonomy.v1";

/// The status of `error`, with the nearest names `access` may read when a resource is missing.
pub fn status(error: Error, vocabulary: &Vocabulary, access: &Access) -> Status {
    let (kind, name, nearest) = match &error {
        Error::SchemeNotFound { scheme } => (
            "llmarket.taxonomy.v1.Scheme",
            scheme_name(scheme),
            nearest(
                &slug(scheme),
                vocabulary
                    .schemes()
                    .iter()
                    .filter(|s| access.may_read_scheme(&s.id))
                    .map(|s| (s.name.clone(), vec![(slug(&s.id), 0)])),
            ),
        ),
        Error::ConceptNotFound { scheme, concept } => (
            "llmarket.taxonomy.v1.Concept",
            concept_name(scheme, concept),
            nearest_concepts(
                vocabulary,
                scheme,
                concept,
                |owner| access.may_read_scheme(owner),
                |c| c.name.clone(),
            ),
        ),
        Error::MilestoneNotFound { milestone } => (
            "llmarket.taxonomy.v1.Milestone",
            milestone_name(milestone),
            nearest(
                &slug(milestone),
                vocabulary
                    .milestones()
                    .iter()
                    .filter(|m| access.may_read_milestones_of(&m.dataset))
                    .map(|m| (m.name.clone(), vec![(slug(&m.id), 0)])),
            ),
        ),
    };
    NotFound {
        kind,
        name,
        domain: DOMAIN,
        nearest,
    }
    .status(Status::from(error).message())
}

/// The concepts of `vocabulary` nearest to the missing `scheme/concept`, among those of the
/// schemes `readable` accepts (by id), each as `name` names it: by id, and by the labels and
/// notation of the concepts of that scheme (another scheme's one step further).
pub fn nearest_concepts(
    vocabulary: &Vocabulary,
    scheme: &str,
    concept: &str,
    readable: impl Fn(&str) -> bool,
    name: impl Fn(&Concept) -> String,
) -> Vec<String> {
    let candidates = vocabulary
        .concepts()
        .iter()
        .filter(|c| readable(&vocabulary.scheme_of(c).id));
    nearest(
        &slug(&format!("{scheme}/{concept}")),
        candidates.map(|c| {
            let owner = &vocabulary.scheme_of(c).id;
            let mut keys = vec![(slug(&format!("{owner}/{}", c.id)), 0)];
            if owner == scheme {
                keys.extend(same_scheme_keys(owner, c));
            } else {
                // Another scheme's concept is one step further than this scheme's.
                keys.extend(same_scheme_keys(scheme, c).map(|(key, penalty)| (key, penalty + 1)));
            }
            (name(c), keys)
        }),
    )
}

/// The keys a concept of scheme `owner` is matched by, as `owner/…` so the typed
/// `scheme/concept` compares with them: its labels and notation.
fn same_scheme_keys<'a>(
    owner: &'a str,
    concept: &'a Concept,
) -> impl Iterator<Item = (String, usize)> + 'a {
    concept
        .pref_label
        .present()
        .map(|(_, label)| label.to_owned())
        .chain(concept.alt_labels.iter().map(|(_, label)| label.clone()))
        .chain((!concept.notation.is_empty()).then(|| concept.notation.clone()))
        .map(move |label| (format!("{owner}/{}", slug(&label)), 0))
}

/// A label as an id would spell it: normalised, spaces and underscores as `-`.
fn slug(text: &str) -> String {
    normalize(text)
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use tonic::Code;
    use tonic_types::StatusExt as _;

    use super::*;
    use llmarket_kit::{
        data,
        nearest::{MAX_NEAREST, NEAREST_KEY, REASON},
    };

    fn vocabulary() -> Vocabulary {
        Vocabulary::load(&[data::builtin()]).expect("built-in vocabulary")
    }

    fn nearest_of(status: &Status) -> Vec<String> {
        let details = status.get_error_details();
        let info = details.error_info().expect("error info");
        assert_eq!(info.reason, REASON);
        assert_eq!(info.domain, DOMAIN);
        let nearest = &info.metadata[NEAREST_KEY];
        if nearest.is_empty() {
            Vec::new()
        } else {
            nearest.split(',').map(str::to_owned).collect()
        }
    }

    fn concept(scheme: &str, concept: &str) -> Error {
        Error::ConceptNotFound {
            scheme: scheme.into(),
            concept: concept.into(),
        }
    }

    #[test]
    fn a_missing_concept_names_the_nearest_ones() {
        let vocabulary = vocabulary();
        let everyone = Access::everything();
        let cases = [
            (
                concept("capability-levels", "l9"),
                "schemes/capability-levels/concepts/l1",
            ),
            (
                concept("capability-levels", "agents"),
                "schemes/capability-levels/concepts/l3",
            ),
            (
                concept("capability-level", "l3"),
                "schemes/capability-levels/concepts/l3",
            ),
            (
                concept("drivers", "scaling"),
                "schemes/drivers/concepts/scaling-law",
            ),
        ];
        for (error, first) in cases {
            let status = status(error.clone(), &vocabulary, &everyone);
            assert_eq!(status.code(), Code::NotFound);
            let nearest = nearest_of(&status);
            assert!(nearest.len() <= MAX_NEAREST, "{nearest:?}");
            assert_eq!(
                nearest.first().map(String::as_str),
                Some(first),
                "{error}: {nearest:?}"
            );
            assert!(
                status.message().starts_with(&error.to_string()),
                "{}",
                status.message()
            );
            assert!(status.message().contains(first), "{}", status.message());
            let details = status.get_error_details();
            let info = details.resource_info().expect("resource info");
            assert_eq!(
                info.resource_name,
                error.to_string().trim_end_matches(" not found")
            );
        }
    }

    #[test]
    fn nothing_near_is_the_plain_message() {
        let status = status(
            concept("zzzz", "qqqqqqqqqq"),
            &vocabulary(),
            &Access::everything(),
        );
        assert_eq!(
            status.message(),
            "schemes/zzzz/concepts/qqqqqqqqqq not found"
        );
        assert!(nearest_of(&status).is_empty());
    }

    #[test]
    fn schemes_and_milestones_are_suggested_too() {
        let vocabulary = vocabulary();
        let status = status(
            Error::SchemeNotFound {
                scheme: "driver".into(),
            },
            &vocabulary,
            &Access::everything(),
        );
        assert_eq!(nearest_of(&status), ["schemes/drivers"]);
    }
}
