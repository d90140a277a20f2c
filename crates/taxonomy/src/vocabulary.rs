//! The assembled vocabulary: every scheme, concept and milestone a process serves, their id
//! indexes, the search index, and the data version. Built once by [`super::load`] and immutable
//! afterwards, so every lookup here is a hash probe or an index, never I/O.

use std::sync::Arc;

use llmarket_kit::hash::IdMap;

use super::{
    editions::Editions,
    error::Error,
    language::Lang,
    load::ExternalLink,
    model::{Concept, ConceptIndex, Milestone, MilestoneFilter, Scheme, Texts},
    search::{Hit, Matches, SchemeFilter, SearchIndex, SearchPage},
};
use llmarket_kit::{data::DataVersion, hash::Fingerprint};

/// Every concept scheme and milestone a process serves, immutable once loaded.
#[derive(Debug, Default)]
pub struct Vocabulary {
    schemes: Vec<Scheme>,
    concepts: Vec<Concept>,
    milestones: Vec<Milestone>,
    /// Each milestone's [`Milestone::order_key`], in the order of `milestones`: made once here,
    /// not on every list.
    milestone_keys: Vec<String>,
    scheme_ids: IdMap<usize>,
    milestone_ids: IdMap<usize>,
    index: SearchIndex,
    version: u64,
    /// Each scheme's own fingerprint (its id and concepts), in scheme order.
    scheme_versions: Vec<u64>,
    /// The version of the files it was loaded from (empty when built in memory).
    data_version: DataVersion,
    /// Every dataset's editions and their vocabularies (contract v2); empty in an edition's own
    /// vocabulary.
    editions: Arc<Editions>,
    /// Links into schemes of other files, resolved in the v1 view.
    external: Vec<ExternalLink>,
}

impl Vocabulary {
    /// Assembles a vocabulary from validated parts, loaded from files of `data_version`, and
    /// builds its search index. The loader
    /// guarantees that concepts are grouped by scheme in scheme order and that every index is in
    /// range; milestones are sorted here.
    pub(crate) fn new(
        schemes: Vec<Scheme>,
        concepts: Vec<Concept>,
        mut milestones: Vec<Milestone>,
        data_version: DataVersion,
    ) -> Self {
        milestones.sort_by(|a, b| a.date_key().cmp(&b.date_key()));
        let scheme_ids = schemes
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        let milestone_ids = milestones
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.clone(), i))
            .collect();
        let milestone_keys = milestones.iter().map(Milestone::order_key).collect();
        let index = SearchIndex::build(&concepts);
        let version = version(&schemes, &concepts);
        let scheme_versions = (0..schemes.len())
            .map(|i| scheme_version(&schemes[i], concepts.iter().filter(|c| c.scheme == i)))
            .collect();
        Self {
            scheme_versions,
            schemes,
            concepts,
            milestones,
            milestone_keys,
            scheme_ids,
            milestone_ids,
            index,
            version,
            data_version,
            editions: Arc::default(),
            external: Vec::new(),
        }
    }

    /// Keeps the links into other files' schemes, for the v1 view.
    pub(crate) fn set_external(&mut self, external: Vec<ExternalLink>) {
        self.external = external;
    }

    /// The links into other files' schemes.
    pub(crate) fn external(&self) -> &[ExternalLink] {
        &self.external
    }

    /// Attaches the editions this (v1) vocabulary was merged from.
    pub(crate) fn set_editions(&mut self, editions: Editions) {
        self.editions = Arc::new(editions);
    }

    /// Every dataset's editions and their vocabularies (contract v2).
    pub fn editions(&self) -> &Editions {
        &self.editions
    }

    /// The data version: a fingerprint of everything that decides search results (the schemes
    /// in order and every concept's scheme, id and texts). Two processes with the same data have
    /// the same version, so page tokens that depend on the data can be checked against it.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The data version as a caller who may read the schemes `may_read` accepts sees it: a
    /// fingerprint of those schemes (in order) and their concepts only, so a search page token
    /// stays good when only schemes the caller cannot read change, and tells nothing of them.
    pub fn version_for(&self, may_read: impl Fn(&str) -> bool) -> u64 {
        let mut hash = Fingerprint::new();
        for (scheme, version) in self.schemes.iter().zip(&self.scheme_versions) {
            if may_read(&scheme.id) {
                hash.part(&scheme.id).number(*version);
            }
        }
        hash.finish()
    }

    /// The version of the files this vocabulary was loaded from, which every response carries
    /// (unlike [`Vocabulary::version`], it changes with any change to the files).
    pub fn data_version(&self) -> &DataVersion {
        &self.data_version
    }

    /// The schemes, in vocabulary order.
    pub fn schemes(&self) -> &[Scheme] {
        &self.schemes
    }

    /// Every concept, scheme by scheme.
    pub fn concepts(&self) -> &[Concept] {
        &self.concepts
    }

    /// The milestones, in date order.
    pub fn milestones(&self) -> &[Milestone] {
        &self.milestones
    }

    /// The milestones in date order, each with its [`Milestone::order_key`].
    pub fn keyed_milestones(&self) -> impl Iterator<Item = (&str, &Milestone)> {
        self.milestone_keys
            .iter()
            .map(String::as_str)
            .zip(&self.milestones)
    }

    /// The scheme with id `id`.
    pub fn scheme(&self, id: &str) -> Result<&Scheme, Error> {
        self.scheme_ids
            .get(id)
            .and_then(|&i| self.schemes.get(i))
            .ok_or_else(|| Error::SchemeNotFound { scheme: id.into() })
    }

    /// Index of the scheme with id `id`.
    pub fn scheme_index(&self, id: &str) -> Result<usize, Error> {
        self.scheme_ids
            .get(id)
            .copied()
            .ok_or_else(|| Error::SchemeNotFound { scheme: id.into() })
    }

    /// Index of concept `concept` of scheme `scheme`.
    pub fn concept_index(&self, scheme: &str, concept: &str) -> Result<ConceptIndex, Error> {
        self.scheme_ids
            .get(scheme)
            .and_then(|&s| self.schemes.get(s))
            .and_then(|s| s.concept_ids.get(concept))
            .copied()
            .ok_or_else(|| Error::ConceptNotFound {
                scheme: scheme.into(),
                concept: concept.into(),
            })
    }

    /// Concept `concept` of scheme `scheme`.
    pub fn concept(&self, scheme: &str, concept: &str) -> Result<&Concept, Error> {
        let index = self.concept_index(scheme, concept)?;
        Ok(self.concept_at(index))
    }

    /// The concept at `index`, which came from this vocabulary.
    ///
    /// # Panics
    /// If `index` did not come from this vocabulary; indices never come from requests.
    pub fn concept_at(&self, index: ConceptIndex) -> &Concept {
        &self.concepts[index as usize]
    }

    /// The index of `concept`, one of this vocabulary's concepts (its place in
    /// [`concepts`](Self::concepts), found from its address).
    ///
    /// # Panics
    /// When `concept` is not one of this vocabulary's.
    pub fn index_of(&self, concept: &Concept) -> ConceptIndex {
        let size = std::mem::size_of::<Concept>();
        let offset = (concept as *const Concept as usize)
            .checked_sub(self.concepts.as_ptr() as usize)
            .filter(|offset| offset % size == 0 && offset / size < self.concepts.len());
        let index = offset.expect("a concept of this vocabulary") / size;
        ConceptIndex::try_from(index).expect("concept indices fit a ConceptIndex")
    }

    /// The concepts of scheme `scheme` in vocabulary order, or only the direct narrower concepts
    /// of its concept `broader`.
    pub fn list_concepts(
        &self,
        scheme: &str,
        broader: Option<&str>,
    ) -> Result<&[ConceptIndex], Error> {
        let found = self.scheme(scheme)?;
        match broader {
            None => Ok(&found.concepts),
            Some(concept) => Ok(&self.concept(scheme, concept)?.narrower),
        }
    }

    /// The scheme of `concept`.
    pub fn scheme_of(&self, concept: &Concept) -> &Scheme {
        &self.schemes[concept.scheme]
    }

    /// The milestone with id `id`.
    pub fn milestone(&self, id: &str) -> Result<&Milestone, Error> {
        self.milestone_ids
            .get(id)
            .and_then(|&i| self.milestones.get(i))
            .ok_or_else(|| Error::MilestoneNotFound {
                milestone: id.into(),
            })
    }

    /// The milestones `filter` selects, in date order.
    pub fn select_milestones(&self, filter: MilestoneFilter) -> Vec<&Milestone> {
        self.milestones
            .iter()
            .filter(|m| filter.start_year.is_none_or(|start| m.year >= start))
            .filter(|m| filter.end_year.is_none_or(|end| m.year <= end))
            .filter(|m| filter.concept.is_none_or(|c| m.concepts.contains(&c)))
            .collect()
    }

    /// Finds concepts whose labels, notation or definition contain `query` (in any language,
    /// NFKC-normalised, case-insensitive), best first; `schemes` (indices into
    /// [`Vocabulary::schemes`]) restricts the search when not empty. `lang` is preferred when a
    /// concept matches equally well in both languages. A query that normalises to nothing
    /// finds nothing.
    pub fn search(&self, query: &str, schemes: &[usize], lang: Lang) -> Vec<Hit<'_>> {
        self.index.search(&self.concepts, query, schemes, lang)
    }

    /// The hits at ranks `offset..offset + limit` of [`Vocabulary::search`] over the schemes
    /// (indices) `filter` allows, and how many hits there are in all; it costs the page, not
    /// every hit.
    pub fn search_page(
        &self,
        query: &str,
        filter: &impl SchemeFilter,
        lang: Lang,
        offset: usize,
        limit: usize,
    ) -> SearchPage<'_> {
        self.index
            .search_page(&self.concepts, query, filter, lang, offset, limit)
    }

    /// The concepts matching `query` in the schemes (indices) `filter` allows, ranked and
    /// counted by kind before any hit is built, for paging across vocabularies
    /// ([`crate::search::page_across`]).
    pub fn search_matches(&self, query: &str, filter: &impl SchemeFilter) -> Matches<'_> {
        self.index.matches(&self.concepts, query, filter)
    }

    /// Bytes the search index holds on the heap.
    pub fn search_index_bytes(&self) -> usize {
        self.index.heap_bytes()
    }
}

/// One scheme's fingerprint behind [`Vocabulary::version_for`]: its id and its concepts' ids,
/// notations and texts (not their place in the whole vocabulary, which other schemes move).
fn scheme_version<'a>(scheme: &Scheme, concepts: impl Iterator<Item = &'a Concept>) -> u64 {
    let mut hash = Fingerprint::new();
    hash.part(&scheme.id);
    for concept in concepts {
        concept_fingerprint(&mut hash, concept);
    }
    hash.finish()
}

/// A concept's part of a fingerprint: what decides whether and how it matches a search.
fn concept_fingerprint(hash: &mut Fingerprint, concept: &Concept) {
    hash.part(&concept.id).part(&concept.notation);
    for texts in [&concept.pref_label, &concept.definition] {
        hash.part(&texts.zh_hans).part(&texts.en);
    }
    for (lang, label) in &concept.alt_labels {
        hash.part(lang.code()).part(label);
    }
    hash.number(concept.alt_labels.len() as u64);
}

/// The fingerprint behind [`Vocabulary::version`].
fn version(schemes: &[Scheme], concepts: &[Concept]) -> u64 {
    let mut hash = Fingerprint::new();
    let texts = |hash: &mut Fingerprint, texts: &Texts| {
        hash.part(&texts.zh_hans).part(&texts.en);
    };
    for scheme in schemes {
        hash.part(&scheme.id);
    }
    for concept in concepts {
        hash.number(concept.scheme as u64)
            .part(&concept.id)
            .part(&concept.notation);
        texts(&mut hash, &concept.pref_label);
        texts(&mut hash, &concept.definition);
        for (lang, label) in &concept.alt_labels {
            hash.part(lang.code()).part(label);
        }
        hash.number(concept.alt_labels.len() as u64);
    }
    hash.finish()
}
