//! Requests from the wire (`llmarket.taxonomy.v1`) validated into queries (`TryFrom`): every
//! rule on a request's shape is checked here, once, and fails as INVALID_ARGUMENT naming the
//! field. The way back, domain values as messages, is [`super::reply`].

use llmarket_proto::{
    names::{ConceptName, MAX_ID_LEN, NameError, SchemeName},
    taxonomy as pb,
};
use tonic::Status;

use super::{
    error::Error,
    model::{MAX_YEAR, MIN_YEAR, MilestoneFilter},
    vocabulary::Vocabulary,
};
use llmarket_kit::{
    fields::{SMALL_REQUEST_BYTES, optional_year},
    status::{bad_name, echo, invalid_argument},
};

/// Most names a BatchGetConcepts request may hold.
pub const MAX_BATCH_NAMES: usize = 1000;
/// The longest valid concept name in bytes: `schemes/{scheme}/concepts/{concept}` with both ids
/// at their longest.
pub const MAX_CONCEPT_NAME_BYTES: usize =
    "schemes/".len() + MAX_ID_LEN + "/concepts/".len() + MAX_ID_LEN;
/// The largest valid BatchGetConcepts request: [`MAX_BATCH_NAMES`] of the longest names, each
/// with its field tag (1 byte) and length (2 bytes), plus the other fields.
pub const MAX_BATCH_REQUEST_BYTES: usize =
    MAX_BATCH_NAMES * (1 + 2 + MAX_CONCEPT_NAME_BYTES) + SMALL_REQUEST_BYTES;
/// Hits a search page holds when `page_size` is 0: with the basic view a page of the longest
/// hits (definition matches, which carry the matched definition) stays under 16 KB.
pub const DEFAULT_SEARCH_PAGE_SIZE: usize = 20;
/// Most characters a search query may have.
pub const MAX_QUERY_CHARS: usize = 256;

/// Parses an optional concept name: empty means none.
fn optional_concept<'a>(field: &str, name: &'a str) -> Result<Option<ConceptName<'a>>, Status> {
    if name.is_empty() {
        return Ok(None);
    }
    ConceptName::parse(name).map(Some).map_err(bad_name(field))
}

/// Parses every name of the repeated field `field` with `parse`, naming the one at fault as
/// `field[i]`.
fn each_name<'a, T>(
    field: &str,
    names: &'a [String],
    parse: impl Fn(&'a str) -> Result<T, NameError>,
) -> Result<Vec<T>, Status> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            parse(name)
                .map_err(|error| invalid_argument(&format!("{field}[{i}]"), error.to_string()))
        })
        .collect()
}

/// A validated ListConcepts request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConceptsQuery<'a> {
    /// The scheme id.
    pub scheme: &'a str,
    /// Only the narrower concepts of this concept (of the same scheme), if set.
    pub broader: Option<&'a str>,
}

impl<'a> TryFrom<&'a pb::ListConceptsRequest> for ConceptsQuery<'a> {
    type Error = Status;

    fn try_from(request: &'a pb::ListConceptsRequest) -> Result<Self, Status> {
        let scheme = SchemeName::parse(&request.parent)
            .map_err(bad_name("parent"))?
            .scheme;
        let broader = match optional_concept("broader", &request.broader)? {
            None => None,
            Some(name) if name.scheme == scheme => Some(name.concept),
            Some(_) => {
                return Err(invalid_argument(
                    "broader",
                    format!(
                        "{} is not a concept of parent {}; name a concept of that scheme or leave \
                         broader empty",
                        request.broader, request.parent
                    ),
                ));
            }
        };
        Ok(Self { scheme, broader })
    }
}

/// The names of a validated BatchGetConcepts request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchQuery<'a> {
    /// The concepts, in request order.
    pub concepts: Vec<ConceptName<'a>>,
}

impl<'a> TryFrom<&'a pb::BatchGetConceptsRequest> for BatchQuery<'a> {
    type Error = Status;

    fn try_from(request: &'a pb::BatchGetConceptsRequest) -> Result<Self, Status> {
        if request.names.len() > MAX_BATCH_NAMES {
            return Err(invalid_argument(
                "names",
                format!(
                    "has {} names; ask for at most {MAX_BATCH_NAMES} per call",
                    request.names.len()
                ),
            ));
        }
        let concepts = each_name("names", &request.names, ConceptName::parse)?;
        // A repeat would multiply the reply: 1,000 copies of one concept answer a 50 KB
        // request with about 2 MB.
        let mut first = std::collections::HashMap::with_capacity(concepts.len());
        for (i, name) in request.names.iter().enumerate() {
            if let Some(earlier) = first.insert(name.as_str(), i) {
                return Err(invalid_argument(
                    &format!("names[{i}]"),
                    format!(
                        "{} repeats names[{earlier}]; name each concept once",
                        echo(name)
                    ),
                ));
            }
        }
        Ok(Self { concepts })
    }
}

/// How much of a concept a search hit carries (`ConceptView`, AIP-157).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Name, scheme, notation and the label in the asked language (the default).
    Basic,
    /// Every field.
    Full,
}

fn view(value: i32) -> Result<View, Status> {
    match pb::ConceptView::try_from(value) {
        Ok(pb::ConceptView::Unspecified | pb::ConceptView::Basic) => Ok(View::Basic),
        Ok(pb::ConceptView::Full) => Ok(View::Full),
        Err(_) => Err(invalid_argument(
            "view",
            format!(
                "{value} is not a ConceptView; use CONCEPT_VIEW_BASIC (1) or CONCEPT_VIEW_FULL (2)"
            ),
        )),
    }
}

/// A validated SearchConcepts request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery<'a> {
    /// The text to find, trimmed: 1 to [`MAX_QUERY_CHARS`] characters.
    pub query: &'a str,
    /// Scheme ids to search in; empty means all.
    pub schemes: Vec<&'a str>,
    /// How much of each concept the hits carry.
    pub view: View,
}

impl<'a> TryFrom<&'a pb::SearchConceptsRequest> for SearchQuery<'a> {
    type Error = Status;

    fn try_from(request: &'a pb::SearchConceptsRequest) -> Result<Self, Status> {
        let query = request.query.trim();
        if query.is_empty() {
            return Err(invalid_argument(
                "query",
                format!("is empty; give 1 to {MAX_QUERY_CHARS} characters to find"),
            ));
        }
        let chars = request.query.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(invalid_argument(
                "query",
                format!("has {chars} characters; give at most {MAX_QUERY_CHARS}"),
            ));
        }
        let schemes = each_name("schemes", &request.schemes, |name| {
            SchemeName::parse(name).map(|n| n.scheme)
        })?;
        Ok(Self {
            query,
            schemes,
            view: view(request.view)?,
        })
    }
}

/// A validated ListMilestones request (the concept filter still by name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MilestonesQuery<'a> {
    /// First year, if bounded.
    pub start_year: Option<i32>,
    /// Last year, if bounded.
    pub end_year: Option<i32>,
    /// Only milestones concerning this concept, if set.
    pub concept: Option<ConceptName<'a>>,
}

impl<'a> TryFrom<&'a pb::ListMilestonesRequest> for MilestonesQuery<'a> {
    type Error = Status;

    fn try_from(request: &'a pb::ListMilestonesRequest) -> Result<Self, Status> {
        let year = |field, year| optional_year(field, year, MIN_YEAR..=MAX_YEAR, "no bound");
        let start_year = year("start_year", request.start_year)?;
        let end_year = year("end_year", request.end_year)?;
        if let (Some(start), Some(end)) = (start_year, end_year)
            && start > end
        {
            return Err(invalid_argument(
                "start_year",
                format!("{start} is after end_year {end}; give a start_year at or before end_year"),
            ));
        }
        Ok(Self {
            start_year,
            end_year,
            concept: optional_concept("concept", &request.concept)?,
        })
    }
}

impl MilestonesQuery<'_> {
    /// The filter against `vocabulary`: fails when the concept does not exist.
    pub fn filter(&self, vocabulary: &Vocabulary) -> Result<MilestoneFilter, Error> {
        Ok(MilestoneFilter {
            start_year: self.start_year,
            end_year: self.end_year,
            concept: match self.concept {
                Some(name) => Some(vocabulary.concept_index(name.scheme, name.concept)?),
                None => None,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use prost::Message as _;

    use super::*;

    #[test]
    fn the_largest_valid_batch_fits_its_request_bound() {
        let id = "a".repeat(MAX_ID_LEN);
        let name = format!("schemes/{id}/concepts/{id}");
        assert_eq!(name.len(), MAX_CONCEPT_NAME_BYTES);
        assert!(ConceptName::parse(&name).is_ok());
        let prefix = &id[..MAX_ID_LEN - 4];
        let request = pb::BatchGetConceptsRequest {
            names: (0..MAX_BATCH_NAMES)
                .map(|i| format!("schemes/{id}/concepts/{prefix}{i:04}"))
                .collect(),
            ..Default::default()
        };
        assert!(BatchQuery::try_from(&request).is_ok());
        assert!(request.encoded_len() <= MAX_BATCH_REQUEST_BYTES - SMALL_REQUEST_BYTES);
    }

    #[test]
    fn a_repeated_name_is_refused_naming_its_index_and_the_first() {
        let names = [
            "schemes/industry/concepts/maas",
            "schemes/industry/concepts/applications",
            "schemes/industry/concepts/maas",
        ];
        let request = pb::BatchGetConceptsRequest {
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            ..Default::default()
        };
        let status = BatchQuery::try_from(&request).unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert_eq!(
            status.message(),
            "names[2]: \"schemes/industry/concepts/maas\" repeats names[0]; name each concept once"
        );
        let details = tonic_types::StatusExt::get_details_bad_request(&status).expect("BadRequest");
        assert_eq!(details.field_violations[0].field, "names[2]");

        // Distinct names, even of one scheme, pass.
        let request = pb::BatchGetConceptsRequest {
            names: names[..2].iter().map(|n| (*n).to_owned()).collect(),
            ..Default::default()
        };
        assert_eq!(BatchQuery::try_from(&request).unwrap().concepts.len(), 2);
    }
}
