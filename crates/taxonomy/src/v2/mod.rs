//! The taxonomy service of contract v2 (`llmarket.taxonomy.v2.TaxonomyService`): each dataset's
//! vocabulary under `datasets/{dataset}`, read as an edition published it (see
//! [`super::editions`]).
//!
//! Layout: [`filter`] (the AIP-160 subsets), [`scope`] (edition selectors, the editions a call
//! reads, NOT_FOUND details), [`reply`] (messages). As in v1, each handler takes one snapshot
//! and does no I/O, and checks the grants a name alone decides before it looks anything up, so
//! a refusal is the same whether the resource exists or not; what a name alone does not decide
//! (a dataset, its milestones) is answered NOT_FOUND when the caller may not see it, exactly as
//! when it does not exist. Lists and searches hold only what the caller may read, filtered
//! before paging.

pub mod filter;
pub mod names;
pub mod reply;
pub mod scope;

use std::collections::HashMap;

use llmarket_proto::{
    llmarket::taxonomy::v2 as pb,
    names::{
        ANY, DatasetName, SeriesName,
        v2::{ConceptName, MilestoneName, SchemeName, milestone_name, scheme_name},
    },
};
use tonic::{Request, Response, Status};

use self::{
    filter::{ConceptFilter, MilestoneFilter},
    reply::Reply,
    scope::{CONCEPT, Choice, MILESTONE, SCHEME, Source, not_found},
};
use super::{
    convert::{DEFAULT_SEARCH_PAGE_SIZE, MAX_BATCH_NAMES, MAX_QUERY_CHARS, View},
    language::Lang,
    model::{Concept, Milestone, Scheme},
    search::page_across,
    vocabulary::Vocabulary,
};
use llmarket_kit::{
    access::Access,
    data::Shared,
    fields::{RequestSizes, SMALL_REQUEST_BYTES},
    hash::Fingerprint,
    metadata::versioned,
    paging::PageRequest,
    status::{bad_name, echo, invalid_argument},
};

/// The longest valid v2 concept name in bytes.
pub const MAX_CONCEPT_NAME_BYTES: usize = "datasets/".len()
    + llmarket_proto::names::MAX_ID_LEN
    + "/schemes/".len()
    + llmarket_proto::names::MAX_ID_LEN
    + "/concepts/".len()
    + llmarket_proto::names::MAX_ID_LEN;

/// The largest valid v2 BatchGetConcepts request: [`MAX_BATCH_NAMES`] of the longest names,
/// each with its tag and length, plus the other fields.
pub const MAX_BATCH_REQUEST_BYTES: usize =
    MAX_BATCH_NAMES * (1 + 2 + MAX_CONCEPT_NAME_BYTES) + SMALL_REQUEST_BYTES;

/// The largest request each v2 method can validly take.
pub const REQUEST_SIZES: RequestSizes = RequestSizes {
    default: SMALL_REQUEST_BYTES,
    methods: &[("BatchGetConcepts", MAX_BATCH_REQUEST_BYTES)],
};

/// The v2 gRPC handlers over the shared [`Vocabulary`] (which holds every edition's).
#[derive(Debug, Clone)]
pub struct TaxonomyV2Api {
    vocabulary: Shared<Vocabulary>,
}

impl TaxonomyV2Api {
    /// A service over `vocabulary`.
    pub fn new(vocabulary: Shared<Vocabulary>) -> Self {
        Self { vocabulary }
    }
}

/// A request's `view`, `default` when unset.
fn view(value: i32, default: View) -> Result<View, Status> {
    match pb::ConceptView::try_from(value) {
        Ok(pb::ConceptView::Unspecified) => Ok(default),
        Ok(pb::ConceptView::Basic) => Ok(View::Basic),
        Ok(pb::ConceptView::Full) => Ok(View::Full),
        Err(_) => Err(invalid_argument(
            "view",
            format!(
                "{value} is not a ConceptView; use CONCEPT_VIEW_BASIC (1) or CONCEPT_VIEW_FULL (2)"
            ),
        )),
    }
}

/// The edition selector as part of a page token's scope.
fn selector_key(selector: Option<&pb::EditionSelector>) -> String {
    format!("{selector:?}")
}

/// PERMISSION_DENIED for the milestones of `dataset`.
fn milestones_denied(dataset: &str) -> Status {
    Status::permission_denied(format!(
        "the caller may not read datasets/{dataset}/milestones; it needs a grant of \
         datasets/{dataset}/milestones or datasets/{dataset} in the auth file"
    ))
}

/// NOT_FOUND for scheme `scheme` of `source` (or of a dataset without the edition), with the
/// nearest schemes the caller may read.
fn scheme_not_found(
    reply: &Reply<'_>,
    dataset: &str,
    scheme: &str,
    source: Option<Source<'_>>,
) -> Status {
    let nearest = source
        .map(|source| {
            scope::nearest_names(
                scheme,
                source
                    .vocabulary()
                    .schemes()
                    .iter()
                    .filter(|s| reply.may_read_scheme(source, &s.id))
                    .map(|s| (scheme_name(source.id(), &s.id), s.id.as_str())),
            )
        })
        .unwrap_or_default();
    not_found(&[(SCHEME, scheme_name(dataset, scheme))], &nearest)
}

/// The nearest readable concepts of `source` to the missing `scheme/concept`.
fn nearest_concepts(
    reply: &Reply<'_>,
    source: Source<'_>,
    scheme: &str,
    concept: &str,
) -> Vec<String> {
    let mut found = super::nearest::nearest_concepts(
        source.vocabulary(),
        scheme,
        concept,
        |owner| reply.may_read_scheme(source, owner),
        |c| reply.concept_name(source, c).to_owned(),
    );
    found.truncate(llmarket_kit::nearest::MAX_NEAREST);
    found
}

/// What a call reads, with the caller's view of it.
struct Call<'a> {
    reply: Reply<'a>,
    editions: &'a super::editions::Editions,
}

impl<'a> Call<'a> {
    /// The edition of the named dataset `dataset` for a read of `name` (of `kind`): NOT_FOUND
    /// naming `name` when the dataset does not exist.
    fn source(
        &self,
        dataset: &str,
        choice: Choice<'_>,
        kind: &str,
        name: &str,
    ) -> Result<Source<'a>, Status> {
        let found = self
            .editions
            .dataset(dataset)
            .ok_or_else(|| not_found(&[(kind, name.to_owned())], &[]))?;
        scope::select(found, choice)
    }

    /// The schemes of `sources` the caller may read, only `scheme` unless it is `-`.
    fn schemes(&self, sources: &[Source<'a>], scheme: &str) -> Vec<(Source<'a>, usize)> {
        sources
            .iter()
            .flat_map(|&source| {
                source
                    .vocabulary()
                    .schemes()
                    .iter()
                    .enumerate()
                    .filter(move |(_, s)| scheme == ANY || s.id == scheme)
                    .filter(move |(_, s)| self.reply.may_read_scheme(source, &s.id))
                    .map(move |(i, _)| (source, i))
            })
            .collect()
    }

    /// The sources of a call on the scheme parent `dataset`/`scheme` (either may be `-`), after
    /// the grant check a name alone decides; NOT_FOUND for a named scheme that is missing.
    fn scheme_sources(
        &self,
        dataset: &str,
        scheme: &str,
        choice: Choice<'_>,
    ) -> Result<Vec<(Source<'a>, usize)>, Status> {
        let access = self.reply.access;
        if dataset != ANY && scheme != ANY {
            access.scheme_in(
                dataset,
                scheme,
                self.editions.v1_served(dataset, scheme),
                &scheme_name(dataset, scheme),
            )?;
            let source = self.source(dataset, choice, SCHEME, &scheme_name(dataset, scheme))?;
            if source.vocabulary().scheme(scheme).is_err() {
                return Err(scheme_not_found(&self.reply, dataset, scheme, Some(source)));
            }
            return Ok(self.schemes(&[source], scheme));
        }
        let sources = scope::sources(self.editions, dataset, choice, |d| {
            scheme != ANY || access.may_see_dataset(&d.id, d.v1_ids())
        })?;
        Ok(self.schemes(&sources, scheme))
    }
}

impl TaxonomyV2Api {
    /// Runs `body` on this request's snapshot, as `access` sees it, and wraps its answer with
    /// the data version shown.
    fn with<T: prost::Message, R>(
        &self,
        access: &Access,
        body: impl FnOnce(&Call<'_>) -> Result<R, Status>,
        wrap: impl FnOnce(R, String) -> T,
    ) -> Result<Response<T>, Status> {
        let vocabulary = self.vocabulary.load();
        let editions = vocabulary.editions();
        let version = scope::shown_version(vocabulary.data_version(), editions, access);
        let call = Call {
            reply: Reply {
                access,
                editions,
                version: version.as_str(),
            },
            editions,
        };
        let answer = body(&call)?;
        Ok(versioned(
            &version,
            wrap(answer, version.as_str().to_owned()),
        ))
    }
}

/// Whether `concept` of `source` passes `filter`.
fn concept_passes(source: Source<'_>, concept: &Concept, filter: &ConceptFilter) -> bool {
    let vocabulary = source.vocabulary();
    let broader_ok = filter.broader.iter().all(|broader| match broader {
        None => concept.broader.is_empty(),
        Some(name) => ConceptName::parse(name).ok().is_some_and(|n| {
            n.dataset == source.id()
                && vocabulary
                    .concept_index(n.scheme, n.concept)
                    .is_ok_and(|i| concept.broader.contains(&i))
        }),
    });
    let series_ok = filter.series.iter().all(|name| {
        SeriesName::parse(name).ok().is_some_and(|n| {
            n.dataset == source.id()
                && concept
                    .series
                    .iter()
                    .any(|s| SeriesName::parse(s).is_ok_and(|v1| v1.series == n.series))
        })
    });
    broader_ok && series_ok
}

/// Whether `milestone` of `source` passes `filter`.
fn milestone_passes(source: Source<'_>, milestone: &Milestone, filter: &MilestoneFilter) -> bool {
    filter.start_year.is_none_or(|y| milestone.year >= y)
        && filter.end_year.is_none_or(|y| milestone.year <= y)
        && filter.concepts.iter().all(|name| {
            ConceptName::parse(name).ok().is_some_and(|n| {
                n.dataset == source.id()
                    && source
                        .vocabulary()
                        .concept_index(n.scheme, n.concept)
                        .is_ok_and(|i| milestone.concepts.contains(&i))
            })
        })
}

#[tonic::async_trait]
impl pb::taxonomy_service_server::TaxonomyService for TaxonomyV2Api {
    async fn list_schemes(
        &self,
        request: Request<pb::ListSchemesRequest>,
    ) -> Result<Response<pb::ListSchemesResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let parent = DatasetName::parse_parent(&request.parent).map_err(bad_name("parent"))?;
        let choice = scope::choice(request.edition.as_ref(), parent.dataset)?;
        let page = PageRequest::new(
            request.page_size,
            &request.page_token,
            &[
                "v2.ListSchemes",
                &request.parent,
                &selector_key(request.edition.as_ref()),
            ],
        )?;
        self.with(
            &access,
            |call| {
                let sources = scope::sources(call.editions, parent.dataset, choice, |d| {
                    access.may_see_dataset(&d.id, d.v1_ids())
                })?;
                let schemes: Vec<(Source<'_>, &Scheme)> = call
                    .schemes(&sources, ANY)
                    .into_iter()
                    .map(|(source, i)| (source, &source.vocabulary().schemes()[i]))
                    .collect();
                let (items, next) =
                    page.listed(&schemes, |(s, scheme)| scheme_name(s.id(), &scheme.id))?;
                Ok((
                    items
                        .iter()
                        .map(|(s, scheme)| call.reply.scheme(*s, scheme))
                        .collect(),
                    next,
                ))
            },
            |(schemes, next_page_token), data_version| pb::ListSchemesResponse {
                schemes,
                next_page_token,
                data_version,
            },
        )
    }

    async fn get_scheme(
        &self,
        request: Request<pb::GetSchemeRequest>,
    ) -> Result<Response<pb::Scheme>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let name = SchemeName::parse(&request.name).map_err(bad_name("name"))?;
        let choice = scope::choice(request.edition.as_ref(), name.dataset)?;
        self.with(
            &access,
            |call| {
                access.scheme_in(
                    name.dataset,
                    name.scheme,
                    call.editions.v1_served(name.dataset, name.scheme),
                    &request.name,
                )?;
                let source = call.source(name.dataset, choice, SCHEME, &request.name)?;
                let scheme = source.vocabulary().scheme(name.scheme).map_err(|_| {
                    scheme_not_found(&call.reply, name.dataset, name.scheme, Some(source))
                })?;
                Ok(call.reply.scheme(source, scheme))
            },
            |scheme, _| scheme,
        )
    }

    async fn list_concepts(
        &self,
        request: Request<pb::ListConceptsRequest>,
    ) -> Result<Response<pb::ListConceptsResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let parent = SchemeName::parse_parent(&request.parent).map_err(bad_name("parent"))?;
        let filter = ConceptFilter::parse(&request.filter)?;
        let view = view(request.view, View::Basic)?;
        let choice = scope::choice(request.edition.as_ref(), parent.dataset)?;
        let page = PageRequest::new(
            request.page_size,
            &request.page_token,
            &[
                "v2.ListConcepts",
                &request.parent,
                &request.filter,
                &selector_key(request.edition.as_ref()),
            ],
        )?;
        self.with(
            &access,
            |call| {
                let schemes = call.scheme_sources(parent.dataset, parent.scheme, choice)?;
                let concepts: Vec<(Source<'_>, &Concept)> = schemes
                    .iter()
                    .flat_map(|&(source, i)| {
                        let vocabulary = source.vocabulary();
                        vocabulary.schemes()[i]
                            .concepts
                            .iter()
                            .map(move |&c| (source, vocabulary.concept_at(c)))
                    })
                    .filter(|(source, c)| concept_passes(*source, c, &filter))
                    .collect();
                let (items, next) =
                    page.listed(&concepts, |(s, c)| call.reply.concept_name(*s, c))?;
                Ok((
                    items
                        .iter()
                        .map(|(s, c)| call.reply.concept(*s, c, view))
                        .collect(),
                    next,
                ))
            },
            |(concepts, next_page_token), data_version| pb::ListConceptsResponse {
                concepts,
                next_page_token,
                data_version,
            },
        )
    }

    async fn get_concept(
        &self,
        request: Request<pb::GetConceptRequest>,
    ) -> Result<Response<pb::Concept>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let name = ConceptName::parse(&request.name).map_err(bad_name("name"))?;
        let choice = scope::choice(request.edition.as_ref(), name.dataset)?;
        self.with(
            &access,
            |call| {
                access.scheme_in(
                    name.dataset,
                    name.scheme,
                    call.editions.v1_served(name.dataset, name.scheme),
                    &request.name,
                )?;
                let source = call.source(name.dataset, choice, CONCEPT, &request.name)?;
                let concept = source
                    .vocabulary()
                    .concept(name.scheme, name.concept)
                    .map_err(|_| {
                        not_found(
                            &[(CONCEPT, request.name.clone())],
                            &nearest_concepts(&call.reply, source, name.scheme, name.concept),
                        )
                    })?;
                Ok(call.reply.concept(source, concept, View::Full))
            },
            |concept, _| concept,
        )
    }

    async fn batch_get_concepts(
        &self,
        request: Request<pb::BatchGetConceptsRequest>,
    ) -> Result<Response<pb::BatchGetConceptsResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let parent = SchemeName::parse_parent(&request.parent).map_err(bad_name("parent"))?;
        let view = view(request.view, View::Full)?;
        let choice = scope::choice(request.edition.as_ref(), parent.dataset)?;
        if request.names.len() > MAX_BATCH_NAMES {
            return Err(invalid_argument(
                "names",
                format!(
                    "has {} names; ask for at most {MAX_BATCH_NAMES} per call",
                    request.names.len()
                ),
            ));
        }
        let mut names = Vec::with_capacity(request.names.len());
        let mut first = HashMap::with_capacity(request.names.len());
        for (i, text) in request.names.iter().enumerate() {
            let field = format!("names[{i}]");
            let name = ConceptName::parse(text).map_err(bad_name(&field))?;
            if let Some(earlier) = first.insert(text.as_str(), i) {
                return Err(invalid_argument(
                    &field,
                    format!(
                        "{} repeats names[{earlier}]; name each concept once",
                        echo(text)
                    ),
                ));
            }
            let dataset = choice.dataset.unwrap_or(parent.dataset);
            if (dataset != ANY && name.dataset != dataset)
                || (parent.scheme != ANY && name.scheme != parent.scheme)
            {
                return Err(invalid_argument(
                    &field,
                    format!(
                        "{} is not under the parent {} (and the edition asked for); use `-` \
                         where the names differ",
                        echo(text),
                        echo(&request.parent)
                    ),
                ));
            }
            names.push(name);
        }
        self.with(
            &access,
            |call| {
                // AIP-231: one name outside the grants fails the whole batch.
                for (name, text) in names.iter().zip(&request.names) {
                    access.scheme_in(
                        name.dataset,
                        name.scheme,
                        call.editions.v1_served(name.dataset, name.scheme),
                        text,
                    )?;
                }
                let mut found = Vec::with_capacity(names.len());
                let mut missing = Vec::new();
                let mut nearest = Vec::new();
                for (name, text) in names.iter().zip(&request.names) {
                    let source = match call.editions.dataset(name.dataset) {
                        Some(dataset) => scope::select(dataset, choice)?,
                        None => {
                            missing.push((CONCEPT, text.clone()));
                            continue;
                        }
                    };
                    match source.vocabulary().concept(name.scheme, name.concept) {
                        Ok(concept) => found.push(call.reply.concept(source, concept, view)),
                        Err(_) => {
                            if missing.is_empty() {
                                nearest = nearest_concepts(
                                    &call.reply,
                                    source,
                                    name.scheme,
                                    name.concept,
                                );
                            }
                            missing.push((CONCEPT, text.clone()));
                        }
                    }
                }
                if !missing.is_empty() {
                    return Err(not_found(&missing, &nearest));
                }
                Ok(found)
            },
            |concepts, data_version| pb::BatchGetConceptsResponse {
                concepts,
                data_version,
            },
        )
    }

    async fn search_concepts(
        &self,
        request: Request<pb::SearchConceptsRequest>,
    ) -> Result<Response<pb::SearchConceptsResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let parent = SchemeName::parse_parent(&request.parent).map_err(bad_name("parent"))?;
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
        let view = view(request.view, View::Basic)?;
        let choice = scope::choice(request.edition.as_ref(), parent.dataset)?;
        let page = PageRequest::with_default(
            DEFAULT_SEARCH_PAGE_SIZE,
            request.page_size,
            &request.page_token,
            &[
                "v2.SearchConcepts",
                query,
                &request.parent,
                &selector_key(request.edition.as_ref()),
            ],
        )?;
        self.with(
            &access,
            |call| {
                let schemes = call.scheme_sources(parent.dataset, parent.scheme, choice)?;
                // The caller's own version of what it searched: a change elsewhere keeps its
                // tokens good, one here ends them ("the data changed").
                let mut version = Fingerprint::new();
                let mut found = Vec::new();
                let mut at = 0;
                while at < schemes.len() {
                    let source = schemes[at].0;
                    let mut indices = Vec::new();
                    while at < schemes.len() && std::ptr::eq(schemes[at].0.edition, source.edition)
                    {
                        indices.push(schemes[at].1);
                        at += 1;
                    }
                    let vocabulary = source.vocabulary();
                    version
                        .part(source.id())
                        .part(&source.edition.meta.id)
                        .number(vocabulary.version_for(|id| {
                            indices.iter().any(|&i| vocabulary.schemes()[i].id == id)
                        }));
                    let filter = |scheme: usize| indices.contains(&scheme);
                    found.push((source, vocabulary.search_matches(query, &filter)));
                }
                // Best first; ties keep dataset, scheme, then vocabulary order. Only the page's
                // hits are built; the total is exact.
                let version = version.finish();
                let total: usize = found.iter().map(|(_, matches)| matches.total()).sum();
                let start = page.ranked_start(version)?;
                let searches: Vec<_> = found.iter().map(|(source, m)| (*source, m)).collect();
                let items = page_across(&searches, start, page.size, Lang::ZhHans);
                let next = page.ranked_next(start.saturating_add(items.len()), total, version);
                let total_size = i32::try_from(total).unwrap_or(i32::MAX);
                Ok((
                    items
                        .iter()
                        .map(|(source, hit)| call.reply.hit(*source, hit, view))
                        .collect(),
                    next,
                    total_size,
                ))
            },
            |(hits, next_page_token, total_size), data_version| pb::SearchConceptsResponse {
                hits,
                next_page_token,
                total_size,
                total_size_exact: true,
                data_version,
            },
        )
    }

    async fn list_milestones(
        &self,
        request: Request<pb::ListMilestonesRequest>,
    ) -> Result<Response<pb::ListMilestonesResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let parent = DatasetName::parse_parent(&request.parent).map_err(bad_name("parent"))?;
        let filter = &MilestoneFilter::parse(&request.filter)?;
        let choice = scope::choice(request.edition.as_ref(), parent.dataset)?;
        let page = PageRequest::new(
            request.page_size,
            &request.page_token,
            &[
                "v2.ListMilestones",
                &request.parent,
                &request.filter,
                &selector_key(request.edition.as_ref()),
            ],
        )?;
        self.with(
            &access,
            |call| {
                let sources = scope::sources(call.editions, parent.dataset, choice, |d| {
                    access.may_see_dataset(&d.id, d.v1_ids())
                })?;
                let readable =
                    |s: &Source<'_>| access.may_read_milestones_in(s.id(), s.dataset.v1_ids());
                let named = parent.dataset != ANY || choice.dataset.is_some();
                if let Some(source) = sources.first().filter(|s| named && !readable(s)) {
                    return Err(milestones_denied(source.id()));
                }
                // In the order of their page keys, `{order key}/{dataset}`, compared without
                // being written out: only the few a page token is looked up by are.
                let mut milestones: Vec<(&str, Source<'_>, &Milestone)> = sources
                    .iter()
                    .filter(|s| readable(s))
                    .flat_map(|&source| {
                        source
                            .vocabulary()
                            .keyed_milestones()
                            .filter(move |(_, m)| milestone_passes(source, m, filter))
                            .map(move |(key, m)| (key, source, m))
                    })
                    .collect();
                milestones.sort_by(|(a, from_a, _), (b, from_b, _)| {
                    milestone_page_key(a, from_a.id()).cmp(milestone_page_key(b, from_b.id()))
                });
                let (items, next) = page.sorted(&milestones, |(key, source, _)| {
                    [key, "/", source.id()].concat()
                })?;
                Ok((
                    items
                        .iter()
                        .map(|(_, source, m)| call.reply.milestone(*source, m))
                        .collect(),
                    next,
                ))
            },
            |(milestones, next_page_token), data_version| pb::ListMilestonesResponse {
                milestones,
                next_page_token,
                data_version,
            },
        )
    }

    async fn get_milestone(
        &self,
        request: Request<pb::GetMilestoneRequest>,
    ) -> Result<Response<pb::Milestone>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let name = MilestoneName::parse(&request.name).map_err(bad_name("name"))?;
        let choice = scope::choice(request.edition.as_ref(), name.dataset)?;
        self.with(
            &access,
            |call| {
                // Whether the milestones of a dataset may be read depends on its editions, so a
                // refused one is NOT_FOUND, exactly as a missing one.
                let missing = || not_found(&[(MILESTONE, request.name.clone())], &[]);
                let dataset = call
                    .editions
                    .dataset(name.dataset)
                    .filter(|d| access.may_read_milestones_in(&d.id, d.v1_ids()))
                    .ok_or_else(missing)?;
                let source = scope::select(dataset, choice)?;
                let milestone = source.vocabulary().milestone(name.milestone).map_err(|_| {
                    not_found(
                        &[(MILESTONE, request.name.clone())],
                        &scope::nearest_names(
                            name.milestone,
                            source
                                .vocabulary()
                                .milestones()
                                .iter()
                                .map(|m| (milestone_name(source.id(), &m.id), m.id.as_str())),
                        ),
                    )
                })?;
                Ok(call.reply.milestone(source, milestone))
            },
            |milestone, _| milestone,
        )
    }
}

/// The bytes of a milestone's page key, `{order key}/{dataset}`, in the order they compare.
fn milestone_page_key<'a>(order_key: &'a str, dataset: &'a str) -> impl Iterator<Item = u8> + 'a {
    order_key.bytes().chain(*b"/").chain(dataset.bytes())
}

#[cfg(test)]
mod tests {
    use std::{future::Future, sync::Arc};

    use arc_swap::ArcSwap;
    use futures_util::FutureExt as _;
    use pb::taxonomy_service_server::TaxonomyService as _;
    use tonic::Code;
    use tonic_types::{ErrorDetail, StatusExt as _};

    use super::*;
    use llmarket_kit::{
        access::Caller,
        data::{self, DataFile, DatasetFiles, EditionMeta, PublishDate},
    };
    use llmarket_proto::google::r#type::Date;

    const BUILTIN: &str = "datasets/cic-global-llm";
    const OTHER: &str = "[[schemes]]\nid = \"industry\"\ntitle_zh_hans = \"另一行业\"\ntitle_en = \"Another industry\"\nsource = \"1\"\n\
        [[schemes.concepts]]\nid = \"widgets\"\npref_label_zh_hans = \"部件\"\npref_label_en = \"Widgets\"\nseries = [\"widget-market\"]\n\
        [[schemes.concepts]]\nid = \"gears\"\npref_label_zh_hans = \"齿轮\"\npref_label_en = \"Gears\"\nbroader = [\"widgets\"]\n\
        [[milestones]]\nid = \"first-widget\"\nyear = 2027\ntitle_zh_hans = \"第一个部件\"\ntitle_en = \"First widget\"\nsource = \"1\"\nconcepts = [\"industry/widgets\"]\n";

    /// Polls a handler once: the handlers never wait.
    fn ready<F: Future>(future: F) -> F::Output {
        future.now_or_never().expect("a taxonomy handler waited")
    }

    /// The built-in data and `other`, edition 2027 of dataset `other` (published 2027-03).
    fn api() -> TaxonomyV2Api {
        let other = DatasetFiles {
            directory: "other-2027".into(),
            forecast: None,
            taxonomy: Some(DataFile::owned(
                "other-2027/taxonomy.toml",
                OTHER.to_owned(),
            )),
            edition: Some(EditionMeta {
                dataset: "other".into(),
                id: "2027".into(),
                published: Some(PublishDate::parse("2027-03").unwrap()),
            }),
        };
        let vocabulary = Vocabulary::load(&[data::builtin(), other]).expect("vocabulary");
        TaxonomyV2Api::new(Arc::new(ArcSwap::from_pointee(vocabulary)))
    }

    fn with_grants<T>(message: T, grants: &[&str]) -> Request<T> {
        let mut request = Request::new(message);
        request.extensions_mut().insert(Caller::granted(grants));
        request
    }

    fn as_of(year: i32, month: i32, day: i32) -> Option<pb::EditionSelector> {
        Some(pb::EditionSelector {
            selector: Some(pb::edition_selector::Selector::AsOf(Date {
                year,
                month,
                day,
            })),
        })
    }

    fn get_scheme(name: &str, edition: Option<pb::EditionSelector>) -> Result<pb::Scheme, Status> {
        ready(api().get_scheme(Request::new(pb::GetSchemeRequest {
            name: name.into(),
            edition,
        })))
        .map(Response::into_inner)
    }

    #[test]
    fn a_scheme_of_the_builtin_says_its_edition_and_version_in_every_language() {
        let scheme = get_scheme(&format!("{BUILTIN}/schemes/capability-levels"), None).unwrap();
        assert_eq!(scheme.edition, "datasets/cic-global-llm/editions/2026");
        assert_eq!(scheme.data_version.len(), 16);
        let languages: Vec<_> = scheme
            .titles
            .iter()
            .map(|t| t.language_code.as_str())
            .collect();
        assert_eq!(languages, ["zh-Hans", "en"]);
        assert!(
            scheme.top_concepts[0]
                .starts_with("datasets/cic-global-llm/schemes/capability-levels/concepts/")
        );
    }

    #[test]
    fn as_of_reads_start_on_the_last_day_a_year_only_date_stands_for() {
        let name = format!("{BUILTIN}/schemes/industry");
        let before = get_scheme(&name, as_of(2026, 12, 30)).unwrap_err();
        assert_eq!(before.code(), Code::NotFound, "{before:?}");
        assert!(
            before
                .message()
                .contains("no edition published on or before 2026-12-30")
        );
        assert_eq!(
            get_scheme(&name, as_of(2026, 12, 31)).unwrap().edition,
            "datasets/cic-global-llm/editions/2026"
        );
        let other = get_scheme("datasets/other/schemes/industry", as_of(2027, 3, 30)).unwrap_err();
        assert_eq!(other.code(), Code::NotFound);
        assert!(get_scheme("datasets/other/schemes/industry", as_of(2027, 3, 31)).is_ok());
    }

    #[test]
    fn an_edition_of_another_dataset_is_invalid_and_a_missing_one_not_found() {
        let edition = |name: &str| {
            Some(pb::EditionSelector {
                selector: Some(pb::edition_selector::Selector::Edition(name.into())),
            })
        };
        let name = format!("{BUILTIN}/schemes/industry");
        let other = get_scheme(&name, edition("datasets/other/editions/2027")).unwrap_err();
        assert_eq!(other.code(), Code::InvalidArgument);
        assert_eq!(
            other.get_details_bad_request().unwrap().field_violations[0].field,
            "edition.edition"
        );
        let missing =
            get_scheme(&name, edition("datasets/cic-global-llm/editions/1999")).unwrap_err();
        assert_eq!(missing.code(), Code::NotFound);
        assert!(get_scheme(&name, edition("datasets/cic-global-llm/editions/2026")).is_ok());
    }

    #[test]
    fn the_second_industry_scheme_is_its_own_and_wildcards_read_both() {
        let api = api();
        let scheme = ready(api.get_scheme(Request::new(pb::GetSchemeRequest {
            name: "datasets/other/schemes/industry".into(),
            edition: None,
        })))
        .unwrap()
        .into_inner();
        assert_eq!(scheme.titles[1].text, "Another industry");
        let list = |parent: &str, filter: &str| {
            ready(api.list_concepts(Request::new(pb::ListConceptsRequest {
                parent: parent.into(),
                filter: filter.into(),
                page_size: 1000,
                ..Default::default()
            })))
            .map(|r| {
                r.into_inner()
                    .concepts
                    .into_iter()
                    .map(|c| c.name)
                    .collect::<Vec<_>>()
            })
        };
        let both = list("datasets/-/schemes/industry", "").unwrap();
        assert!(
            both.iter()
                .any(|n| n.starts_with("datasets/cic-global-llm/"))
        );
        assert_eq!(
            both.iter()
                .filter(|n| n.starts_with("datasets/other/"))
                .count(),
            2
        );
        assert_eq!(
            list("datasets/other/schemes/-", "broader = \"\"").unwrap(),
            ["datasets/other/schemes/industry/concepts/widgets"]
        );
        assert_eq!(
            list(
                "datasets/-/schemes/-",
                "broader = \"datasets/other/schemes/industry/concepts/widgets\""
            )
            .unwrap(),
            ["datasets/other/schemes/industry/concepts/gears"]
        );
        assert_eq!(
            list(
                "datasets/-/schemes/-",
                "series:\"datasets/other/series/widget-market\""
            )
            .unwrap(),
            ["datasets/other/schemes/industry/concepts/widgets"]
        );
        let bad = list("datasets/-/schemes/-", "pref_label = \"x\"").unwrap_err();
        assert_eq!(
            bad.get_details_bad_request().unwrap().field_violations[0].field,
            "filter"
        );
        let missing = list("datasets/nope/schemes/-", "").unwrap_err();
        assert_eq!(missing.code(), Code::NotFound);
    }

    #[test]
    fn views_default_per_method_and_series_are_v2_names() {
        let api = api();
        let name = "datasets/other/schemes/industry/concepts/widgets";
        let full = ready(api.get_concept(Request::new(pb::GetConceptRequest {
            name: name.into(),
            edition: None,
        })))
        .unwrap()
        .into_inner();
        assert_eq!(full.series, ["datasets/other/series/widget-market"]);
        assert_eq!(
            full.narrower,
            ["datasets/other/schemes/industry/concepts/gears"]
        );
        let listed = ready(api.list_concepts(Request::new(pb::ListConceptsRequest {
            parent: "datasets/other/schemes/industry".into(),
            ..Default::default()
        })))
        .unwrap()
        .into_inner();
        assert!(listed.concepts[0].narrower.is_empty() && listed.concepts[0].series.is_empty());
        assert_eq!(listed.concepts[0].edition, "datasets/other/editions/2027");
        assert_eq!(listed.data_version, listed.concepts[0].data_version);
        let batch = ready(
            api.batch_get_concepts(Request::new(pb::BatchGetConceptsRequest {
                parent: "datasets/-/schemes/-".into(),
                names: vec![name.into()],
                ..Default::default()
            })),
        )
        .unwrap()
        .into_inner();
        assert_eq!(batch.concepts[0], full);
        // Series the caller may not read are left out.
        let hidden = ready(api.get_concept(with_grants(
            pb::GetConceptRequest {
                name: name.into(),
                edition: None,
            },
            &["datasets/other/schemes/industry"],
        )))
        .unwrap()
        .into_inner();
        assert!(hidden.series.is_empty(), "{:?}", hidden.series);
    }

    #[test]
    fn a_missing_concept_names_the_nearest_by_id_and_by_label_as_v1_does() {
        let missing = |name: &str| {
            ready(api().get_concept(Request::new(pb::GetConceptRequest {
                name: name.to_owned(),
                ..Default::default()
            })))
            .unwrap_err()
        };
        let prefix = "datasets/cic-global-llm/schemes/capability-levels/concepts";
        // By id: `l9` is nearest `l1`.
        let status = missing(&format!("{prefix}/l9"));
        assert_eq!(status.code(), Code::NotFound);
        assert!(
            status
                .message()
                .contains(&format!("the nearest names: {prefix}/l1")),
            "{}",
            status.message()
        );
        // By label: "Agents" is L3's.
        let status = missing(&format!("{prefix}/agents"));
        assert!(
            status
                .message()
                .contains(&format!("the nearest names: {prefix}/l3")),
            "{}",
            status.message()
        );
        let info = status.get_details_error_info().unwrap();
        assert!(
            info.metadata["nearest"].starts_with(&format!("{prefix}/l3,")),
            "{:?}",
            info.metadata
        );
    }

    #[test]
    fn batch_get_names_every_missing_name() {
        let names = [
            "datasets/other/schemes/industry/concepts/widgets",
            "datasets/other/schemes/industry/concepts/widget",
            "datasets/cic-global-llm/schemes/industry/concepts/nope",
            "datasets/nope/schemes/industry/concepts/x",
        ];
        let status = ready(
            api().batch_get_concepts(Request::new(pb::BatchGetConceptsRequest {
                parent: "datasets/-/schemes/industry".into(),
                names: names.iter().map(|&n| n.to_owned()).collect(),
                ..Default::default()
            })),
        )
        .unwrap_err();
        assert_eq!(status.code(), Code::NotFound);
        let missing: Vec<_> = status
            .get_error_details_vec()
            .into_iter()
            .filter_map(|d| match d {
                ErrorDetail::ResourceInfo(info) => Some(info.resource_name),
                _ => None,
            })
            .collect();
        assert_eq!(missing, names[1..]);
        let info = status.get_details_error_info().unwrap();
        assert_eq!(info.domain, "llmarket.taxonomy.v2");
        assert_eq!(info.metadata["nearest"], names[0]);
        let repeated = ready(
            api().batch_get_concepts(Request::new(pb::BatchGetConceptsRequest {
                parent: "datasets/-/schemes/-".into(),
                names: vec![names[0].into(), names[0].into()],
                ..Default::default()
            })),
        )
        .unwrap_err();
        assert!(
            repeated.message().starts_with("names[1]: "),
            "{}",
            repeated.message()
        );
        let outside = ready(
            api().batch_get_concepts(Request::new(pb::BatchGetConceptsRequest {
                parent: "datasets/cic-global-llm/schemes/-".into(),
                names: vec![names[0].into()],
                ..Default::default()
            })),
        )
        .unwrap_err();
        assert_eq!(outside.code(), Code::InvalidArgument);
    }

    #[test]
    fn search_pages_across_datasets_rank_by_score_then_dataset() {
        let api = api();
        let search = |page_size: i32, token: &str| {
            ready(api.search_concepts(Request::new(pb::SearchConceptsRequest {
                parent: "datasets/-/schemes/-".into(),
                query: "ge".into(),
                page_size,
                page_token: token.into(),
                ..Default::default()
            })))
            .map(Response::into_inner)
            .unwrap()
        };
        let key = |h: &pb::SearchHit| (h.concept.as_ref().unwrap().name.clone(), h.score);
        let whole = search(1000, "");
        let all: Vec<_> = whole.hits.iter().map(key).collect();
        assert_eq!(whole.total_size as usize, all.len());
        assert!(whole.next_page_token.is_empty());
        // Both datasets match ("Gears" is a label prefix in `other`), in more than one kind.
        let other = |name: &str| name.starts_with("datasets/other/");
        assert!(all.iter().any(|(n, _)| other(n)) && all.iter().any(|(n, _)| !other(n)));
        assert!(all.windows(2).any(|w| w[0].1 != w[1].1));
        // Best first; on equal scores the built-in dataset before `other`.
        assert!(all.windows(2).all(|w| {
            w[0].1 > w[1].1 || (w[0].1 == w[1].1 && (other(&w[1].0) || !other(&w[0].0)))
        }));
        let (mut paged, mut token) = (Vec::new(), String::new());
        loop {
            let page = search(3, &token);
            assert_eq!(page.total_size, whole.total_size);
            assert!(page.total_size_exact);
            assert!(page.hits.len() <= 3);
            paged.extend(page.hits.iter().map(key));
            token = page.next_page_token;
            if token.is_empty() {
                break;
            }
        }
        assert_eq!(paged, all);
    }

    #[test]
    fn search_pages_carry_the_version_and_exact_totals() {
        let api = api();
        let search = |parent: &str, token: &str| {
            ready(api.search_concepts(Request::new(pb::SearchConceptsRequest {
                parent: parent.into(),
                query: "部件".into(),
                page_size: 1,
                page_token: token.into(),
                ..Default::default()
            })))
            .map(Response::into_inner)
        };
        let first = search("datasets/-/schemes/-", "").unwrap();
        assert!(first.total_size_exact);
        assert_eq!(
            first.hits[0].concept.as_ref().unwrap().name,
            "datasets/other/schemes/industry/concepts/widgets"
        );
        assert_eq!(
            first.hits[0].matched_field,
            pb::MatchField::PrefLabel as i32
        );
        let in_builtin = search("datasets/cic-global-llm/schemes/-", "").unwrap();
        assert!(
            in_builtin
                .hits
                .iter()
                .all(|h| h.concept.as_ref().unwrap().name.starts_with(BUILTIN))
        );
        if !first.next_page_token.is_empty() {
            assert!(search("datasets/-/schemes/-", &first.next_page_token).is_ok());
            assert!(search("datasets/other/schemes/-", &first.next_page_token).is_err());
        }
    }

    #[test]
    fn grants_decide_by_name_first_and_hide_what_the_name_does_not_decide() {
        let api = api();
        let denied = ready(api.get_scheme(with_grants(
            pb::GetSchemeRequest {
                name: "datasets/cic-global-llm/schemes/nope".into(),
                edition: None,
            },
            &["datasets/other"],
        )))
        .unwrap_err();
        assert_eq!(denied.code(), Code::PermissionDenied);
        // The v1 grant on `industry` covers the scheme v1 serves under that id only.
        let v1 = |name: &str| {
            ready(api.get_scheme(with_grants(
                pb::GetSchemeRequest {
                    name: name.into(),
                    edition: None,
                },
                &["schemes/industry"],
            )))
        };
        assert!(v1("datasets/cic-global-llm/schemes/industry").is_ok());
        assert_eq!(
            v1("datasets/other/schemes/industry").unwrap_err().code(),
            Code::PermissionDenied
        );
        let milestone = |grants: &[&str]| {
            ready(api.get_milestone(with_grants(
                pb::GetMilestoneRequest {
                    name: "datasets/other/milestones/first-widget".into(),
                    edition: None,
                },
                grants,
            )))
        };
        assert!(milestone(&["datasets/other/milestones"]).is_ok());
        assert_eq!(
            milestone(&["datasets/cic-global-llm"]).unwrap_err().code(),
            Code::NotFound
        );
        let listed = ready(api.list_schemes(with_grants(
            pb::ListSchemesRequest {
                parent: "datasets/-".into(),
                ..Default::default()
            },
            &["datasets/other"],
        )))
        .unwrap()
        .into_inner();
        let names: Vec<_> = listed.schemes.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["datasets/other/schemes/industry"]);
    }

    #[test]
    fn milestones_list_in_date_order_with_filters() {
        let api = api();
        let list = |parent: &str, filter: &str| {
            ready(api.list_milestones(Request::new(pb::ListMilestonesRequest {
                parent: parent.into(),
                filter: filter.into(),
                page_size: 1000,
                ..Default::default()
            })))
            .map(|r| r.into_inner().milestones)
        };
        let all = list("datasets/-", "").unwrap();
        let years: Vec<_> = all.iter().map(|m| m.year).collect();
        assert!(years.windows(2).all(|w| w[0] <= w[1]), "{years:?}");
        assert_eq!(
            all.last().unwrap().name,
            "datasets/other/milestones/first-widget"
        );
        let concerning = list(
            "datasets/-",
            "concepts:\"datasets/other/schemes/industry/concepts/widgets\"",
        )
        .unwrap();
        assert_eq!(concerning.len(), 1);
        let in_2024 = list("datasets/cic-global-llm", "year >= 2024 AND year <= 2024").unwrap();
        assert!(!in_2024.is_empty() && in_2024.iter().all(|m| m.year == 2024));
        assert_eq!(
            list("datasets/-", "year > 1").unwrap_err().code(),
            Code::InvalidArgument
        );
    }

    #[test]
    fn milestone_page_keys_compare_as_their_written_text() {
        // Ids where one is a prefix of another, and datasets likewise: `/` sorts after `-`.
        let keys = [
            ("2023000/gpt", "cic"),
            ("2023000/gpt-4", "cic"),
            ("2023000/gpt", "cic-b"),
            ("2023000/gpt", "ci"),
            ("2023112/gpt", "cic"),
        ];
        for a in keys {
            for b in keys {
                let compared =
                    super::milestone_page_key(a.0, a.1).cmp(super::milestone_page_key(b.0, b.1));
                let written = format!("{}/{}", a.0, a.1).cmp(&format!("{}/{}", b.0, b.1));
                assert_eq!(compared, written, "{a:?} against {b:?}");
            }
        }
    }
}
