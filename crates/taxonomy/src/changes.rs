//! What replacing one vocabulary with another changes, by resource name, for the reload log line.
//! Concepts are compared by what a caller sees (texts, notation, links by name, series, source,
//! attributes), never by their positions, which shift when another concept is added.

use std::collections::BTreeMap;

use super::{
    language::Lang,
    model::{ConceptIndex, Texts},
    vocabulary::Vocabulary,
};
use llmarket_kit::data::changes::Changes;

/// What a caller sees of a concept, with the concepts it links to by name.
#[derive(PartialEq)]
struct ConceptView<'a> {
    notation: &'a str,
    pref_label: &'a Texts,
    definition: &'a Texts,
    alt_labels: &'a [(Lang, String)],
    broader: Vec<&'a str>,
    related: Vec<&'a str>,
    series: &'a [String],
    source: &'a str,
    attributes: &'a BTreeMap<String, String>,
}

impl Vocabulary {
    /// What replacing this vocabulary with `new` changes: schemes, concepts and milestones.
    pub fn changes(&self, new: &Vocabulary) -> Changes {
        let mut changes = Changes::between(schemes(self), schemes(new));
        changes.extend(Changes::between(concepts(self), concepts(new)));
        changes.extend(Changes::between(milestones(self), milestones(new)));
        changes
    }

    fn names(&self, indices: &[ConceptIndex]) -> Vec<&str> {
        let concepts = indices.iter().map(|&i| self.concept_at(i));
        concepts.map(|c| c.name.as_str()).collect()
    }
}

/// What a caller sees of a scheme: title, definition, source and dataset.
type SchemeView<'a> = (&'a Texts, &'a Texts, &'a str, &'a str);

fn schemes(vocabulary: &Vocabulary) -> Vec<(String, SchemeView<'_>)> {
    let schemes = vocabulary.schemes().iter();
    schemes
        .map(|s| {
            let view = (
                &s.title,
                &s.definition,
                s.source.as_str(),
                s.dataset.as_str(),
            );
            (s.name.clone(), view)
        })
        .collect()
}

fn concepts(vocabulary: &Vocabulary) -> Vec<(String, ConceptView<'_>)> {
    let concepts = vocabulary.concepts().iter();
    concepts
        .map(|c| {
            let view = ConceptView {
                notation: &c.notation,
                pref_label: &c.pref_label,
                definition: &c.definition,
                alt_labels: &c.alt_labels,
                broader: vocabulary.names(&c.broader),
                related: vocabulary.names(&c.related),
                series: &c.series,
                source: &c.source,
                attributes: &c.attributes,
            };
            (c.name.clone(), view)
        })
        .collect()
}

/// What a caller sees of a milestone: date, title, description, concepts and source.
type MilestoneView<'a> = (
    (i32, Option<u8>, bool),
    &'a Texts,
    &'a Texts,
    Vec<&'a str>,
    &'a str,
);

fn milestones(vocabulary: &Vocabulary) -> Vec<(String, MilestoneView<'_>)> {
    let milestones = vocabulary.milestones().iter();
    milestones
        .map(|m| {
            let date = (m.year, m.month, m.end_of_year);
            let view = (
                date,
                &m.title,
                &m.description,
                vocabulary.names(&m.concepts),
                m.source.as_str(),
            );
            (m.name.clone(), view)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use llmarket_kit::data::builtin;

    fn builtin_vocabulary() -> Vocabulary {
        Vocabulary::load(&[builtin()]).unwrap()
    }

    #[test]
    fn the_same_data_changes_nothing() {
        assert!(
            builtin_vocabulary()
                .changes(&builtin_vocabulary())
                .is_empty()
        );
    }

    #[test]
    fn a_changed_title_and_a_changed_id_are_named() {
        let mut files = builtin();
        let text = files.taxonomy.as_ref().unwrap().text.to_string();
        let edited = text
            .replacen("Chain-of-thought prompting introduced", "CoT prompting", 1)
            .replacen(
                "id = \"2022-diffusion-transformer-text-to-image\"",
                "id = \"2022-dit\"",
                1,
            );
        files.taxonomy.as_mut().unwrap().text = edited.into();
        let new = Vocabulary::load(&[files]).unwrap();
        let changes = builtin_vocabulary().changes(&new);
        assert_eq!(changes.changed, ["milestones/2022-cot-prompting"]);
        assert_eq!(changes.added, ["milestones/2022-dit"]);
        assert_eq!(
            changes.removed,
            ["milestones/2022-diffusion-transformer-text-to-image"]
        );
    }
}
