//! Domain values as `llmarket.taxonomy.v2` messages: names under their dataset, texts in every
//! language, the edition and data version in each, links only to what the caller may read.

use llmarket_proto::{
    llmarket::taxonomy::v2 as pb,
    names::v2::{milestone_name, scheme_name},
};

use super::{
    super::{
        convert::View,
        editions::Editions,
        language::Lang,
        model::{Concept, ConceptIndex, Milestone, Scheme, Texts},
        search::{Hit, MatchField, MatchKind},
    },
    scope::Source,
};
use llmarket_kit::access::Access;

/// What v2 messages are built from: the caller's access, the editions, the data version shown.
#[derive(Debug, Clone, Copy)]
pub struct Reply<'a> {
    /// The caller's access.
    pub access: &'a Access,
    /// Every dataset's editions.
    pub editions: &'a Editions,
    /// The data version the caller is shown.
    pub version: &'a str,
}

/// Every present text of `texts`, tagged with its language.
fn localized(texts: &Texts) -> Vec<pb::LocalizedText> {
    texts
        .present()
        .map(|(lang, text)| pb::LocalizedText {
            language_code: lang.code().to_owned(),
            text: text.to_owned(),
        })
        .collect()
}

impl Reply<'_> {
    /// Whether the caller may read scheme `scheme` of the dataset of `source`.
    pub fn may_read_scheme(&self, source: Source<'_>, scheme: &str) -> bool {
        self.access.may_read_scheme_in(
            source.id(),
            scheme,
            self.editions.v1_served(source.id(), scheme),
        )
    }

    /// Whether the caller may read the scheme at index `scheme` of the vocabulary of `source`.
    fn may_read_scheme_at(&self, source: Source<'_>, scheme: usize) -> bool {
        self.access.may_read_scheme_in(
            source.id(),
            &source.vocabulary().schemes()[scheme].id,
            source.names().v1_served(scheme),
        )
    }

    /// The v2 name of `concept` of `source` (made at load).
    pub fn concept_name<'a>(&self, source: Source<'a>, concept: &Concept) -> &'a str {
        source
            .names()
            .concept(source.vocabulary().index_of(concept))
    }

    /// The names of the concepts at `indices` the caller may read.
    fn names(&self, source: Source<'_>, indices: &[ConceptIndex]) -> Vec<String> {
        let vocabulary = source.vocabulary();
        indices
            .iter()
            .filter(|&&i| self.may_read_scheme_at(source, vocabulary.concept_at(i).scheme))
            .map(|&i| source.names().concept(i).to_owned())
            .collect()
    }

    /// A scheme.
    pub fn scheme(&self, source: Source<'_>, scheme: &Scheme) -> pb::Scheme {
        pb::Scheme {
            name: scheme_name(source.id(), &scheme.id),
            titles: localized(&scheme.title),
            definitions: localized(&scheme.definition),
            top_concepts: self.names(source, &scheme.top_concepts),
            concept_count: i32::try_from(scheme.concepts.len()).unwrap_or(i32::MAX),
            source: scheme.source.clone(),
            edition: source.edition_name(),
            data_version: self.version.to_owned(),
        }
    }

    /// The v2 names of the series `concept` explains, those the caller may read.
    pub fn series(&self, source: Source<'_>, concept: &Concept) -> Vec<String> {
        let index = source.vocabulary().index_of(concept);
        source
            .names()
            .series(index)
            .iter()
            .filter(|linked| match &linked.v1_dataset {
                Some(v1) => self.access.may_read_edition(source.id(), v1),
                None => self.access.may_read_v2_name(&linked.name),
            })
            .map(|linked| linked.name.clone())
            .collect()
    }

    /// A concept in `view`.
    pub fn concept(&self, source: Source<'_>, concept: &Concept, view: View) -> pb::Concept {
        let basic = pb::Concept {
            name: self.concept_name(source, concept).to_owned(),
            notation: concept.notation.clone(),
            pref_labels: localized(&concept.pref_label),
            edition: source.edition_name(),
            data_version: self.version.to_owned(),
            ..pb::Concept::default()
        };
        if view == View::Basic {
            return basic;
        }
        pb::Concept {
            definitions: localized(&concept.definition),
            alt_labels: concept
                .alt_labels
                .iter()
                .map(|(lang, text)| pb::LocalizedText {
                    language_code: lang.code().to_owned(),
                    text: text.clone(),
                })
                .collect(),
            broader: self.names(source, &concept.broader),
            narrower: self.names(source, &concept.narrower),
            related: self.names(source, &concept.related),
            ancestors: self.names(source, &concept.ancestors),
            series: self.series(source, concept),
            source: concept.source.clone(),
            attributes: source
                .names()
                .attributes(source.vocabulary().index_of(concept))
                .unwrap_or(&concept.attributes)
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            ..basic
        }
    }

    /// A milestone.
    pub fn milestone(&self, source: Source<'_>, milestone: &Milestone) -> pb::Milestone {
        pb::Milestone {
            name: milestone_name(source.id(), &milestone.id),
            year: milestone.year,
            month: milestone.month.map(i32::from),
            end_of_year: milestone.end_of_year,
            titles: localized(&milestone.title),
            descriptions: localized(&milestone.description),
            concepts: self.names(source, &milestone.concepts),
            source: milestone.source.clone(),
            edition: source.edition_name(),
            data_version: self.version.to_owned(),
        }
    }

    /// A search hit, its concept in `view`.
    pub fn hit(&self, source: Source<'_>, hit: &Hit<'_>, view: View) -> pb::SearchHit {
        pb::SearchHit {
            concept: Some(self.concept(source, hit.concept, view)),
            score: hit.score(),
            matched_field: match hit.field {
                MatchField::PrefLabel => pb::MatchField::PrefLabel,
                MatchField::AltLabel => pb::MatchField::AltLabel,
                MatchField::Notation => pb::MatchField::Notation,
                MatchField::Definition => pb::MatchField::Definition,
            }
            .into(),
            match_kind: match hit.kind {
                MatchKind::Exact => pb::MatchKind::Exact,
                MatchKind::Prefix => pb::MatchKind::Prefix,
                MatchKind::Substring => pb::MatchKind::Substring,
                MatchKind::Definition => pb::MatchKind::Definition,
            }
            .into(),
            matched_language_code: hit.lang.map(Lang::code).unwrap_or_default().to_owned(),
            matched_text: hit.text.to_owned(),
        }
    }
}
