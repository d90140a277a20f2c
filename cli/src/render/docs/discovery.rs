//! The discovery commands (schemes, concept lists and trees, the capability ladder) as documents.

use crate::render::{
    Doc, Render,
    words::{Msg, Words},
};
use llmarket_client::reports::{
    discovery::{CapabilityLadder, ConceptList, SchemeList},
    short_concept, short_id,
};

use super::{concept_languages, concept_terms, concept_title};

/// The `current_level` value the report uses for "has reached the border of this level".
const BORDER: &str = "border";

impl Render for SchemeList {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::default();
        doc.heading(1, w.t(Msg::Schemes));
        doc.table(
            &w.all(&[Msg::Scheme, Msg::Title, Msg::ConceptCount, Msg::Source]),
            self.schemes
                .iter()
                .map(|s| {
                    vec![
                        short_id(&s.name).to_owned(),
                        s.title.clone(),
                        s.concept_count.to_string(),
                        if s.source.is_empty() {
                            "—".to_owned()
                        } else {
                            format!("§{}", s.source)
                        },
                    ]
                })
                .collect(),
        );
        if self.schemes.is_empty() {
            doc.text(w.t(Msg::NothingFound));
        }
        doc
    }
}

impl Render for ConceptList {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::default();
        match &self.scheme {
            Some(scheme) => doc.heading(1, format!("{} {scheme}", w.t(Msg::ConceptsOf))),
            None => doc.heading(1, w.t(Msg::AllConcepts)),
        }
        if self.concepts.is_empty() {
            doc.text(w.t(Msg::NothingFound));
        } else if self.tree {
            // One tree per scheme, so a scheme's top concepts start at depth 0.
            let mut start = 0;
            while start < self.concepts.len() {
                let scheme = scheme_of(&self.concepts[start].name);
                let end = self.concepts[start..]
                    .iter()
                    .position(|c| scheme_of(&c.name) != scheme)
                    .map_or(self.concepts.len(), |n| start + n);
                if self.scheme.is_none() {
                    doc.heading(2, scheme);
                }
                let concepts = &self.concepts[start..end];
                // Names, not definitions: the tree is for finding a concept to ask about.
                doc.tree(
                    concept_terms(concepts)
                        .into_iter()
                        .zip(concepts)
                        .map(|((depth, title, _), c)| {
                            (
                                depth,
                                format!("{title} ({})", short_concept(&c.name)),
                                String::new(),
                            )
                        })
                        .collect(),
                );
                start = end;
            }
        } else {
            doc.table(
                &w.all(&[Msg::Concept, Msg::Label, Msg::Broader]),
                self.concepts
                    .iter()
                    .map(|c| {
                        vec![
                            short_concept(&c.name),
                            concept_title(c),
                            if c.broader.is_empty() {
                                "—".to_owned()
                            } else {
                                c.broader
                                    .iter()
                                    .map(|b| short_concept(b))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            },
                        ]
                    })
                    .collect(),
            );
        }
        doc
    }
}

impl Render for CapabilityLadder {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::default();
        doc.heading(1, w.t(Msg::CapabilityLadder));
        let status = |name: &str| -> String {
            if self.current.as_deref() != Some(name) {
                return String::new();
            }
            match self.position.as_deref() {
                Some(BORDER) => format!("◀ {}", w.t(Msg::CurrentAtTheBorder)),
                Some(other) => format!("◀ {}: {other}", w.t(Msg::CurrentLevel)),
                None => format!("◀ {}", w.t(Msg::CurrentLevel)),
            }
        };
        // As the report's table: level, name and description, here in every language the
        // taxonomy has (the report's language first), one line each.
        doc.table(
            &w.all(&[Msg::Level, Msg::Label, Msg::Definition, Msg::Position]),
            self.levels
                .iter()
                .map(|level| {
                    let languages = concept_languages(w, level, false);
                    let (names, definitions): (Vec<String>, Vec<String>) = if languages.is_empty() {
                        (vec![level.label.clone()], vec![level.definition.clone()])
                    } else {
                        languages.into_iter().map(|(_, l, d)| (l, d)).unzip()
                    };
                    vec![
                        level
                            .notation
                            .clone()
                            .unwrap_or_else(|| short_id(&level.name).to_owned()),
                        names.join(" / "),
                        definitions.join(" / "),
                        status(&level.name),
                    ]
                })
                .collect(),
        );
        if self.current.is_none() {
            doc.text(w.t(Msg::NoCurrentLevel));
        }
        doc
    }
}

/// `schemes/{scheme}` of a concept name.
fn scheme_of(concept: &str) -> &str {
    concept
        .find("/concepts/")
        .map_or(concept, |cut| &concept[..cut])
}
