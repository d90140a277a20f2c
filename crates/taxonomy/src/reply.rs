//! Domain values as wire messages (`llmarket.taxonomy.v1`), in the language a request asked for
//! and with every language alongside. Links to what the caller may not read (concepts of other
//! schemes, series of other datasets) are left out.

use llmarket_proto::taxonomy as pb;

use llmarket_kit::access::Access;

use super::{
    convert::View,
    language::{Lang, LanguageChoice},
    model::{Concept, ConceptIndex, Milestone, Scheme, Texts},
    search::{Hit, MatchField, MatchKind},
    vocabulary::Vocabulary,
};

/// What a response is built from: the request's snapshot of the vocabulary and the language
/// chosen from its `language_code`, for a caller with its access.
#[derive(Debug, Clone, Copy)]
pub struct Reply<'v> {
    vocabulary: &'v Vocabulary,
    choice: LanguageChoice,
    access: &'v Access,
}

impl<'v> Reply<'v> {
    /// Replies from `vocabulary` in the language `language_code` asks for (BCP-47), with links
    /// only to what `access` may read.
    pub fn new(vocabulary: &'v Vocabulary, language_code: &str, access: &'v Access) -> Self {
        Self {
            vocabulary,
            choice: LanguageChoice::from_code(language_code),
            access,
        }
    }

    /// The language the response is written in.
    pub fn lang(&self) -> Lang {
        self.choice.lang
    }

    /// The `language_code` a response carries: the language it is written in.
    pub fn language_code(&self) -> String {
        self.choice.lang.code().to_owned()
    }

    /// The `language_fallback` a response carries: whether the language asked for was not had.
    pub fn language_fallback(&self) -> bool {
        self.choice.fallback
    }

    /// A scheme as a message.
    pub fn scheme(&self, value: &Scheme) -> pb::Scheme {
        scheme(self.vocabulary, value, self.choice.lang, self.access)
    }

    /// The concepts at `indices` as messages.
    pub fn concepts(&self, indices: &[ConceptIndex]) -> Vec<pb::Concept> {
        indices
            .iter()
            .map(|&i| self.concept(self.vocabulary.concept_at(i)))
            .collect()
    }

    /// A concept as a message.
    pub fn concept(&self, value: &Concept) -> pb::Concept {
        concept(self.vocabulary, value, self.choice.lang, self.access)
    }

    /// A milestone as a message.
    pub fn milestone(&self, value: &Milestone) -> pb::Milestone {
        milestone(self.vocabulary, value, self.choice.lang, self.access)
    }

    /// A search hit as a message, its concept in `view`.
    pub fn hit(&self, value: &Hit<'_>, view: View) -> pb::SearchHit {
        let concept = match view {
            View::Basic => basic_concept(self.vocabulary, value.concept, self.choice.lang),
            View::Full => self.concept(value.concept),
        };
        hit(concept, value)
    }
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

/// The names of the concepts at `indices` that `access` may read.
fn names(vocabulary: &Vocabulary, indices: &[ConceptIndex], access: &Access) -> Vec<String> {
    indices
        .iter()
        .map(|&i| vocabulary.concept_at(i))
        .filter(|c| access.may_read_scheme(&vocabulary.scheme_of(c).id))
        .map(|c| c.name.clone())
        .collect()
}

/// A scheme in `lang`.
fn scheme(vocabulary: &Vocabulary, scheme: &Scheme, lang: Lang, access: &Access) -> pb::Scheme {
    pb::Scheme {
        name: scheme.name.clone(),
        title: scheme.title.get(lang).to_owned(),
        definition: scheme.definition.get(lang).to_owned(),
        titles: localized(&scheme.title),
        definitions: localized(&scheme.definition),
        top_concepts: names(vocabulary, &scheme.top_concepts, access),
        concept_count: i32::try_from(scheme.concepts.len()).unwrap_or(i32::MAX),
        source: scheme.source.clone(),
        // Which dataset declared the scheme is the dataset's to tell.
        dataset: if access.may_read_name(&scheme.dataset) {
            scheme.dataset.clone()
        } else {
            String::new()
        },
    }
}

/// A concept in `lang`.
fn concept(vocabulary: &Vocabulary, concept: &Concept, lang: Lang, access: &Access) -> pb::Concept {
    pb::Concept {
        name: concept.name.clone(),
        notation: concept.notation.clone(),
        pref_label: concept.pref_label.get(lang).to_owned(),
        definition: concept.definition.get(lang).to_owned(),
        pref_labels: localized(&concept.pref_label),
        definitions: localized(&concept.definition),
        alt_labels: concept
            .alt_labels
            .iter()
            .map(|(lang, text)| pb::LocalizedText {
                language_code: lang.code().to_owned(),
                text: text.clone(),
            })
            .collect(),
        broader: names(vocabulary, &concept.broader, access),
        narrower: names(vocabulary, &concept.narrower, access),
        related: names(vocabulary, &concept.related, access),
        ancestors: names(vocabulary, &concept.ancestors, access),
        series: concept
            .series
            .iter()
            .filter(|s| access.may_read_name(s))
            .cloned()
            .collect(),
        source: concept.source.clone(),
        attributes: concept
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        scheme: vocabulary.scheme_of(concept).name.clone(),
    }
}

/// A concept in `lang` with only what a search hit shows by default: name, scheme, notation and
/// label.
fn basic_concept(vocabulary: &Vocabulary, concept: &Concept, lang: Lang) -> pb::Concept {
    pb::Concept {
        name: concept.name.clone(),
        notation: concept.notation.clone(),
        pref_label: concept.pref_label.get(lang).to_owned(),
        scheme: vocabulary.scheme_of(concept).name.clone(),
        ..pb::Concept::default()
    }
}

/// A milestone in `lang`.
fn milestone(
    vocabulary: &Vocabulary,
    milestone: &Milestone,
    lang: Lang,
    access: &Access,
) -> pb::Milestone {
    pb::Milestone {
        name: milestone.name.clone(),
        year: milestone.year,
        month: milestone.month.map_or(0, i32::from),
        end_of_year: milestone.end_of_year,
        title: milestone.title.get(lang).to_owned(),
        description: milestone.description.get(lang).to_owned(),
        titles: localized(&milestone.title),
        descriptions: localized(&milestone.description),
        concepts: names(vocabulary, &milestone.concepts, access),
        source: milestone.source.clone(),
    }
}

fn match_field(field: MatchField) -> pb::MatchField {
    match field {
        MatchField::PrefLabel => pb::MatchField::PrefLabel,
        MatchField::AltLabel => pb::MatchField::AltLabel,
        MatchField::Notation => pb::MatchField::Notation,
        MatchField::Definition => pb::MatchField::Definition,
    }
}

fn match_kind(kind: MatchKind) -> pb::MatchKind {
    match kind {
        MatchKind::Exact => pb::MatchKind::Exact,
        MatchKind::Prefix => pb::MatchKind::Prefix,
        MatchKind::Substring => pb::MatchKind::Substring,
        MatchKind::Definition => pb::MatchKind::Definition,
    }
}

/// A search hit carrying `concept`.
fn hit(concept: pb::Concept, hit: &Hit<'_>) -> pb::SearchHit {
    pb::SearchHit {
        concept: Some(concept),
        score: hit.score(),
        matched_field: match_field(hit.field).into(),
        match_kind: match_kind(hit.kind).into(),
        matched_language_code: hit.lang.map(Lang::code).unwrap_or_default().to_owned(),
        matched_text: hit.text.to_owned(),
    }
}
