//! The taxonomy service (`llmarket.taxonomy.v1.TaxonomyService`): a report's vocabulary as concept
//! schemes with bilingual labels, hierarchy, relations, search, and a timeline of milestones.
//!
//! Layout, each module depending only on those before it: [`language`] (BCP-47 language
//! choice), [`text`] (normalisation for matching), [`error`] (domain errors → statuses),
//! [`model`] (domain types), [`search`] (the suffix-array search index), [`vocabulary`] (the assembled
//! vocabulary and its lookups), [`editions`] (the vocabulary of each (dataset, edition)),
//! [`load`] (TOML parsing and validation, each source alone, and the v1 view merged from each
//! dataset's latest edition), [`links`] (each edition's concept–series links alone, for the
//! forecast service), [`convert`] (requests validated into queries), [`reply`] (domain
//! values as messages), and [`v2`] (the service of contract v2, `llmarket.taxonomy.v2`). Each handler takes one
//! snapshot of the vocabulary and does no I/O. Each checks the caller's grants ([`Access`]) before
//! it looks anything up, so a refusal is the same whether the resource exists or not; lists and
//! searches hold only what the caller may read, filtered before paging. A milestone's name does
//! not carry its dataset, so GetMilestone looks it up first and answers one of a dataset the
//! caller may not read as NOT_FOUND, exactly as one that does not exist.

pub mod changes;
pub mod convert;
pub mod editions;
pub mod error;
pub mod language;
pub mod links;
pub mod load;
pub mod model;
pub mod nearest;
pub mod reply;
pub mod search;
pub mod text;
pub mod v2;
pub mod vocabulary;

use llmarket_proto::{
    names::{ConceptName, MilestoneName, SchemeName},
    taxonomy as pb,
};
use tonic::{Request, Response, Status};

use self::{
    convert::{BatchQuery, ConceptsQuery, DEFAULT_SEARCH_PAGE_SIZE, MilestonesQuery, SearchQuery},
    reply::Reply,
};
pub use self::{error::Error, vocabulary::Vocabulary};
use llmarket_kit::{
    access::Access,
    data::Shared,
    fields::{RequestSizes, SMALL_REQUEST_BYTES},
    metadata::versioned,
    paging::PageRequest,
    status::bad_name,
};

/// The gRPC handlers over a shared [`Vocabulary`].
#[derive(Debug, Clone)]
pub struct TaxonomyApi {
    vocabulary: Shared<Vocabulary>,
}

/// The data version `access` is shown: of the datasets it may read anything of (the dataset,
/// its milestones, or a scheme it declared) only, so a change to another dataset does not show
/// (see [`llmarket_kit::data::DataVersion::scoped`]).
fn shown_version<'a>(
    vocabulary: &'a Vocabulary,
    access: &Access,
) -> std::borrow::Cow<'a, llmarket_kit::data::DataVersion> {
    vocabulary.data_version().scoped(|id| {
        access.may_read_dataset(id)
            || access.may_read_milestones_of(id)
            || vocabulary.schemes().iter().any(|scheme| {
                scheme.dataset.strip_prefix("datasets/") == Some(id)
                    && access.may_read_scheme(&scheme.id)
            })
    })
}

impl TaxonomyApi {
    /// A service over `vocabulary`.
    pub fn new(vocabulary: Shared<Vocabulary>) -> Self {
        Self { vocabulary }
    }
}

/// The largest request each taxonomy method can validly take: BatchGetConcepts its most names,
/// every other method a few names and a query.
pub const REQUEST_SIZES: RequestSizes = RequestSizes {
    default: SMALL_REQUEST_BYTES,
    methods: &[("BatchGetConcepts", convert::MAX_BATCH_REQUEST_BYTES)],
};

#[tonic::async_trait]
impl pb::taxonomy_service_server::TaxonomyService for TaxonomyApi {
    async fn list_schemes(
        &self,
        request: Request<pb::ListSchemesRequest>,
    ) -> Result<Response<pb::ListSchemesResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let page = PageRequest::new(request.page_size, &request.page_token, &["ListSchemes"])?;
        let vocabulary = self.vocabulary.load();
        let reply = Reply::new(&vocabulary, &request.language_code, &access);
        let readable: Vec<_> = vocabulary
            .schemes()
            .iter()
            .filter(|s| access.may_read_scheme(&s.id))
            .collect();
        let (schemes, next_page_token) = page.listed(&readable, |s| s.id.as_str())?;
        Ok(versioned(
            &shown_version(&vocabulary, &access),
            pb::ListSchemesResponse {
                schemes: schemes.iter().map(|s| reply.scheme(s)).collect(),
                next_page_token,
                language_code: reply.language_code(),
                language_fallback: reply.language_fallback(),
            },
        ))
    }

    async fn get_scheme(
        &self,
        request: Request<pb::GetSchemeRequest>,
    ) -> Result<Response<pb::GetSchemeResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let id = SchemeName::parse(&request.name)
            .map_err(bad_name("name"))?
            .scheme;
        access.scheme(id)?;
        let vocabulary = self.vocabulary.load();
        let reply = Reply::new(&vocabulary, &request.language_code, &access);
        let scheme = vocabulary
            .scheme(id)
            .map_err(|e| nearest::status(e, &vocabulary, &access))?;
        Ok(versioned(
            &shown_version(&vocabulary, &access),
            pb::GetSchemeResponse {
                scheme: Some(reply.scheme(scheme)),
                top_concepts: reply.concepts(&scheme.top_concepts),
                language_code: reply.language_code(),
                language_fallback: reply.language_fallback(),
            },
        ))
    }

    async fn list_concepts(
        &self,
        request: Request<pb::ListConceptsRequest>,
    ) -> Result<Response<pb::ListConceptsResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let query = ConceptsQuery::try_from(&request)?;
        access.scheme(query.scheme)?;
        let page = PageRequest::new(
            request.page_size,
            &request.page_token,
            &["ListConcepts", &request.parent, &request.broader],
        )?;
        let vocabulary = self.vocabulary.load();
        let reply = Reply::new(&vocabulary, &request.language_code, &access);
        let concepts = vocabulary
            .list_concepts(query.scheme, query.broader)
            .map_err(|e| nearest::status(e, &vocabulary, &access))?;
        let (concepts, next_page_token) =
            page.listed(concepts, |&c| vocabulary.concept_at(c).id.as_str())?;
        Ok(versioned(
            &shown_version(&vocabulary, &access),
            pb::ListConceptsResponse {
                concepts: reply.concepts(concepts),
                next_page_token,
                language_code: reply.language_code(),
                language_fallback: reply.language_fallback(),
            },
        ))
    }

    async fn get_concept(
        &self,
        request: Request<pb::GetConceptRequest>,
    ) -> Result<Response<pb::GetConceptResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let name = ConceptName::parse(&request.name).map_err(bad_name("name"))?;
        access.concept(name.scheme, name.concept)?;
        let vocabulary = self.vocabulary.load();
        let reply = Reply::new(&vocabulary, &request.language_code, &access);
        let concept = vocabulary
            .concept(name.scheme, name.concept)
            .map_err(|e| nearest::status(e, &vocabulary, &access))?;
        Ok(versioned(
            &shown_version(&vocabulary, &access),
            pb::GetConceptResponse {
                concept: Some(reply.concept(concept)),
                language_code: reply.language_code(),
                language_fallback: reply.language_fallback(),
            },
        ))
    }

    async fn batch_get_concepts(
        &self,
        request: Request<pb::BatchGetConceptsRequest>,
    ) -> Result<Response<pb::BatchGetConceptsResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let query = BatchQuery::try_from(&request)?;
        // AIP-231: one name outside the grants fails the whole batch.
        for name in &query.concepts {
            access.concept(name.scheme, name.concept)?;
        }
        let vocabulary = self.vocabulary.load();
        let reply = Reply::new(&vocabulary, &request.language_code, &access);
        let concepts = query
            .concepts
            .iter()
            .map(|name| Ok(reply.concept(vocabulary.concept(name.scheme, name.concept)?)))
            .collect::<Result<_, Error>>()
            .map_err(|e| nearest::status(e, &vocabulary, &access))?;
        Ok(versioned(
            &shown_version(&vocabulary, &access),
            pb::BatchGetConceptsResponse {
                concepts,
                language_code: reply.language_code(),
                language_fallback: reply.language_fallback(),
            },
        ))
    }

    async fn search_concepts(
        &self,
        request: Request<pb::SearchConceptsRequest>,
    ) -> Result<Response<pb::SearchConceptsResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let query = SearchQuery::try_from(&request)?;
        for scheme in &query.schemes {
            access.scheme(scheme)?;
        }
        let mut scope = vec!["SearchConcepts", request.query.as_str()];
        scope.extend(request.schemes.iter().map(String::as_str));
        let page = PageRequest::with_default(
            DEFAULT_SEARCH_PAGE_SIZE,
            request.page_size,
            &request.page_token,
            &scope,
        )?;
        let vocabulary = self.vocabulary.load();
        let reply = Reply::new(&vocabulary, &request.language_code, &access);
        let schemes = query
            .schemes
            .iter()
            .map(|id| vocabulary.scheme_index(id))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| nearest::status(e, &vocabulary, &access))?;
        // The caller's own version: a change to schemes it cannot read keeps its tokens good.
        let version = vocabulary.version_for(|id| access.may_read_scheme(id));
        let start = page.ranked_start(version)?;
        // Filtered before counting and paging, so totals and offsets are the caller's own.
        let filter = |i: usize| {
            (schemes.is_empty() || schemes.contains(&i))
                && vocabulary
                    .schemes()
                    .get(i)
                    .is_some_and(|s| access.may_read_scheme(&s.id))
        };
        let found = vocabulary.search_page(query.query, &filter, reply.lang(), start, page.size);
        let total_size = i32::try_from(found.total).unwrap_or(i32::MAX);
        let end = start.saturating_add(found.hits.len());
        let next_page_token = page.ranked_next(end, found.total, version);
        let hits = found.hits;
        Ok(versioned(
            &shown_version(&vocabulary, &access),
            pb::SearchConceptsResponse {
                hits: hits.iter().map(|hit| reply.hit(hit, query.view)).collect(),
                next_page_token,
                total_size,
                language_code: reply.language_code(),
                language_fallback: reply.language_fallback(),
            },
        ))
    }

    async fn list_milestones(
        &self,
        request: Request<pb::ListMilestonesRequest>,
    ) -> Result<Response<pb::ListMilestonesResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let query = MilestonesQuery::try_from(&request)?;
        access.milestones()?;
        if let Some(name) = query.concept {
            access.concept(name.scheme, name.concept)?;
        }
        let start = request.start_year.to_string();
        let end = request.end_year.to_string();
        let page = PageRequest::new(
            request.page_size,
            &request.page_token,
            &["ListMilestones", &start, &end, &request.concept],
        )?;
        let vocabulary = self.vocabulary.load();
        let reply = Reply::new(&vocabulary, &request.language_code, &access);
        let filter = query
            .filter(&vocabulary)
            .map_err(|e| nearest::status(e, &vocabulary, &access))?;
        let mut milestones = vocabulary.select_milestones(filter);
        milestones.retain(|m| access.may_read_milestones_of(&m.dataset));
        let (milestones, next_page_token) = page.sorted(&milestones, |m| m.order_key())?;
        Ok(versioned(
            &shown_version(&vocabulary, &access),
            pb::ListMilestonesResponse {
                milestones: milestones.iter().map(|m| reply.milestone(m)).collect(),
                next_page_token,
                language_code: reply.language_code(),
                language_fallback: reply.language_fallback(),
            },
        ))
    }

    async fn get_milestone(
        &self,
        request: Request<pb::GetMilestoneRequest>,
    ) -> Result<Response<pb::GetMilestoneResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let id = MilestoneName::parse(&request.name)
            .map_err(bad_name("name"))?
            .milestone;
        access.milestones()?;
        let vocabulary = self.vocabulary.load();
        let reply = Reply::new(&vocabulary, &request.language_code, &access);
        let milestone = vocabulary
            .milestone(id)
            .and_then(|m| {
                if access.hides_milestone(&m.name, &m.dataset) {
                    Err(Error::MilestoneNotFound {
                        milestone: id.into(),
                    })
                } else {
                    Ok(m)
                }
            })
            .map_err(|e| nearest::status(e, &vocabulary, &access))?;
        Ok(versioned(
            &shown_version(&vocabulary, &access),
            pb::GetMilestoneResponse {
                milestone: Some(reply.milestone(milestone)),
                language_code: reply.language_code(),
                language_fallback: reply.language_fallback(),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::{future::Future, sync::Arc};

    use arc_swap::ArcSwap;
    use futures_util::FutureExt as _;
    use pb::taxonomy_service_server::TaxonomyService as _;
    use tonic::Code;

    use super::*;
    use llmarket_kit::data;

    /// Polls a handler once: the handlers never wait.
    fn ready<F: Future>(future: F) -> F::Output {
        future.now_or_never().expect("a taxonomy handler waited")
    }

    fn api() -> TaxonomyApi {
        let vocabulary = Vocabulary::load(&[data::builtin()]).expect("built-in vocabulary");
        TaxonomyApi::new(Arc::new(ArcSwap::from_pointee(vocabulary)))
    }

    #[test]
    fn get_concept_answers_in_the_language_asked_or_the_source_language() {
        let api = api();
        let get = |language_code: &str| {
            ready(api.get_concept(Request::new(pb::GetConceptRequest {
                name: "schemes/capability-levels/concepts/l3".into(),
                language_code: language_code.into(),
            })))
            .map(Response::into_inner)
        };
        let en = get("en-US").unwrap();
        assert_eq!(en.concept.unwrap().pref_label, "Agents");
        assert_eq!(
            (en.language_code.as_str(), en.language_fallback),
            ("en", false)
        );
        let fr = get("fr").unwrap();
        assert_eq!(fr.concept.unwrap().pref_label, "能行动的AI");
        assert_eq!(
            (fr.language_code.as_str(), fr.language_fallback),
            ("zh-Hans", true)
        );
    }

    #[test]
    fn search_reports_the_total_beside_the_page() {
        let response = ready(
            api().search_concepts(Request::new(pb::SearchConceptsRequest {
                query: "推理".into(),
                page_size: 2,
                ..Default::default()
            })),
        )
        .unwrap()
        .into_inner();
        assert_eq!(response.hits.len(), 2);
        assert!(response.total_size > 2);
        assert!(!response.next_page_token.is_empty());
    }

    #[test]
    fn a_milestone_of_an_unreadable_dataset_is_not_found() {
        use llmarket_kit::access::{Caller, Grant, Principal};
        let api = api();
        let get = |grants: &[&str]| {
            let mut request = Request::new(pb::GetMilestoneRequest {
                name: "milestones/2025-03-gpt-4o-native-multimodal".into(),
                ..Default::default()
            });
            request.extensions_mut().insert(Caller {
                principal: Arc::new(Principal::new(
                    "p".into(),
                    grants.iter().map(|g| Grant::parse(g).unwrap()).collect(),
                    None,
                )),
                method: "/m".into(),
                peer: None,
            });
            ready(api.get_milestone(request))
        };
        assert!(get(&["milestones", "datasets/cic-global-llm-2026"]).is_ok());
        let hidden = get(&["milestones", "datasets/other"]).unwrap_err();
        assert_eq!(hidden.code(), Code::NotFound, "{hidden:?}");
        let denied = get(&["datasets/cic-global-llm-2026"]).unwrap_err();
        assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");
    }

    #[test]
    fn errors_map_to_their_codes() {
        let api = api();
        let status = ready(api.get_milestone(Request::new(pb::GetMilestoneRequest {
            name: "milestones/nope".into(),
            ..Default::default()
        })))
        .unwrap_err();
        assert_eq!(status.code(), Code::NotFound);
        let status = ready(api.search_concepts(Request::new(pb::SearchConceptsRequest::default())))
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(
            status.message().starts_with("query: "),
            "{}",
            status.message()
        );
    }
}
