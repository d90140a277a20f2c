//! The vocabulary's domain types (schemes, concepts, milestones) and the lookups the handlers
//! make on them. Plain Rust, no tonic: a [`Vocabulary`] is built once by [`super::load`] and is
//! immutable afterwards, so every lookup here is a hash probe or an index, never I/O.

use std::collections::{BTreeMap, HashMap};

use super::{
    error::Error,
    language::Lang,
    search::{Hit, SearchIndex},
};

/// Earliest year a milestone or a ListMilestones bound may name.
pub const MIN_YEAR: i32 = 1900;
/// Latest year a milestone or a ListMilestones bound may name.
pub const MAX_YEAR: i32 = 2200;
/// Most characters a search query may have.
pub const MAX_QUERY_CHARS: usize = 256;

/// Index of a concept in [`Vocabulary::concepts`]. Concepts are stored scheme by scheme in
/// scheme order, each scheme's in vocabulary order, so the index order is the tie order of search.
pub type ConceptIndex = u32;

/// A text in each language the vocabulary has; an empty string where a text is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Texts {
    /// Simplified Chinese, the source language.
    pub zh_hans: String,
    /// English.
    pub en: String,
}

impl Texts {
    /// The text in `lang` (empty if absent).
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::ZhHans => &self.zh_hans,
            Lang::En => &self.en,
        }
    }

    /// The texts that are present, the source language first.
    pub fn present(&self) -> impl Iterator<Item = (Lang, &str)> {
        Lang::ALL
            .into_iter()
            .map(|lang| (lang, self.get(lang)))
            .filter(|(_, text)| !text.is_empty())
    }
}

/// One concept scheme.
#[derive(Debug, Clone)]
pub struct Scheme {
    /// The id, e.g. `capability-levels`.
    pub id: String,
    /// `schemes/{id}`.
    pub name: String,
    /// The title.
    pub title: Texts,
    /// What the scheme covers.
    pub definition: Texts,
    /// The section of the source report, e.g. "2.2".
    pub source: String,
    /// The forecast dataset the vocabulary belongs to, `datasets/{dataset}`.
    pub dataset: String,
    /// The scheme's concepts, in vocabulary order.
    pub concepts: Vec<ConceptIndex>,
    /// The concepts without a broader concept, in vocabulary order.
    pub top_concepts: Vec<ConceptIndex>,
    /// Concept id → index.
    pub(crate) concept_ids: HashMap<String, ConceptIndex>,
}

/// One concept of a scheme.
#[derive(Debug, Clone)]
pub struct Concept {
    /// The id within its scheme, e.g. `l3`.
    pub id: String,
    /// `schemes/{scheme}/concepts/{id}`.
    pub name: String,
    /// Index of its scheme in [`Vocabulary::schemes`].
    pub scheme: usize,
    /// A short code such as "L3"; empty when the concept has none.
    pub notation: String,
    /// The preferred label, present in every language.
    pub pref_label: Texts,
    /// The definition.
    pub definition: Texts,
    /// Alternative labels, each in one language.
    pub alt_labels: Vec<(Lang, String)>,
    /// Broader concepts (same scheme), as written.
    pub broader: Vec<ConceptIndex>,
    /// Narrower concepts, in vocabulary order.
    pub narrower: Vec<ConceptIndex>,
    /// Related concepts, possibly in other schemes; symmetric.
    pub related: Vec<ConceptIndex>,
    /// The path to the top through each first broader concept: the broader concept first.
    pub ancestors: Vec<ConceptIndex>,
    /// Forecast series the concept explains, `datasets/{dataset}/series/{series}`.
    pub series: Vec<String>,
    /// The section of the source report.
    pub source: String,
    /// Free attributes, e.g. `current_level` = "border".
    pub attributes: BTreeMap<String, String>,
}

/// A dated event the report names.
#[derive(Debug, Clone)]
pub struct Milestone {
    /// The id.
    pub id: String,
    /// `milestones/{id}`.
    pub name: String,
    /// Calendar year.
    pub year: i32,
    /// Month 1..=12 where the report gives one.
    pub month: Option<u8>,
    /// Whether the report places the event at the end of the year (年末).
    pub end_of_year: bool,
    /// The title.
    pub title: Texts,
    /// The description.
    pub description: Texts,
    /// The concepts the event concerns.
    pub concepts: Vec<ConceptIndex>,
    /// The section of the source report.
    pub source: String,
}

impl Milestone {
    /// The date-order key: year, then month (an event without a month first, one at the end of
    /// the year last), then id.
    pub fn date_key(&self) -> (i32, bool, u8, &str) {
        (
            self.year,
            self.end_of_year,
            self.month.unwrap_or(0),
            &self.id,
        )
    }
}

/// Which milestones a ListMilestones request wants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MilestoneFilter {
    /// First year, if bounded.
    pub start_year: Option<i32>,
    /// Last year, if bounded.
    pub end_year: Option<i32>,
    /// Only milestones concerning this concept.
    pub concept: Option<ConceptIndex>,
}

/// Every concept scheme and milestone a process serves, immutable once loaded.
#[derive(Debug, Default)]
pub struct Vocabulary {
    schemes: Vec<Scheme>,
    concepts: Vec<Concept>,
    milestones: Vec<Milestone>,
    scheme_ids: HashMap<String, usize>,
    milestone_ids: HashMap<String, usize>,
    index: SearchIndex,
}

impl Vocabulary {
    /// Assembles a vocabulary from validated parts and builds its search index. The loader
    /// guarantees that concepts are grouped by scheme in scheme order and that every index is in
    /// range; milestones are sorted here.
    pub(crate) fn new(
        schemes: Vec<Scheme>,
        concepts: Vec<Concept>,
        mut milestones: Vec<Milestone>,
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
        let index = SearchIndex::build(&concepts);
        Self {
            schemes,
            concepts,
            milestones,
            scheme_ids,
            milestone_ids,
            index,
        }
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
    /// concept matches equally well in both languages.
    pub fn search(
        &self,
        query: &str,
        schemes: &[usize],
        lang: Lang,
    ) -> Result<Vec<Hit<'_>>, Error> {
        let trimmed = query.trim();
        if trimmed.is_empty() {
            return Err(Error::invalid(
                "query",
                format!("is empty; give 1 to {MAX_QUERY_CHARS} characters to find"),
            ));
        }
        let chars = query.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(Error::invalid(
                "query",
                format!("has {chars} characters; give at most {MAX_QUERY_CHARS}"),
            ));
        }
        Ok(self.index.search(&self.concepts, trimmed, schemes, lang))
    }
}
