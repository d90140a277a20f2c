//! The direct commands (series list and detail, concept, search, milestones) as documents.

use crate::render::{
    Chart, Doc, Render, format,
    words::{Msg, Words},
};
use llmarket_client::reports::{
    CURRENT_LEVEL_ATTRIBUTE, Language, UNLOCKED_BY_ATTRIBUTE,
    direct::{ConceptDetail, Milestones, SearchResults, SeriesDetail, SeriesList},
    short_id,
};

use super::{
    concept_languages, concept_title, localize, milestone_terms, position_text, series_table,
    stated_rate_text,
};

/// A heading that names what follows: "Series of X" in English, "数据集中的序列：X" in Chinese.
fn titled(w: Words, what: &str, name: &str) -> String {
    match w.0 {
        Language::En => format!("{what} {name}"),
        Language::Zh => format!("{what}{}{name}", w.colon()),
    }
}

/// A concept's attribute as a field: the attributes the reports read in words, any other by
/// its key.
fn attribute_field(w: Words, key: &str, value: &str) -> (String, String) {
    match key {
        CURRENT_LEVEL_ATTRIBUTE => (w.s(Msg::CurrentCapabilityLevel), position_text(w, value)),
        UNLOCKED_BY_ATTRIBUTE => (w.s(Msg::UnlockedByAttribute), value.to_owned()),
        other => (format!("{} {other}", w.t(Msg::Attribute)), value.to_owned()),
    }
}

impl Render for SeriesList {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::new(self.language);
        doc.heading(1, titled(w, w.t(Msg::SeriesOf), &self.dataset));
        doc.table(
            &w.all(&[Msg::Series, Msg::Title, Msg::Unit, Msg::Years, Msg::Parent]),
            self.series
                .iter()
                .map(|s| {
                    vec![
                        short_id(&s.name).to_owned(),
                        s.title.clone(),
                        w.unit(s.unit).to_owned(),
                        format::span(Some(s.first_year), Some(s.last_year)),
                        s.parent.as_deref().map_or("—", short_id).to_owned(),
                    ]
                })
                .collect(),
        );
        doc
    }
}

impl Render for SeriesDetail {
    fn localize(&mut self, language: Language) {
        localize::points(language, &mut self.values.points);
        if let Some(projection) = &mut self.projection {
            localize::point(language, &mut projection.base);
            localize::points(language, &mut projection.points);
        }
    }

    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::new(self.language);
        doc.heading(1, &self.info.title);
        let mut fields = vec![(w.s(Msg::Series), self.info.name.clone())];
        if let Some(parent) = &self.info.parent {
            fields.push((w.s(Msg::Parent), parent.clone()));
        }
        if !self.info.components.is_empty() {
            fields.push((
                w.s(Msg::Components),
                self.info.components.join(w.list_sep()),
            ));
        }
        for rate in &self.stated_rates {
            fields.push((w.s(Msg::StatedRate), stated_rate_text(w, rate)));
        }
        if !self.info.source.is_empty() {
            fields.push((w.s(Msg::Source), format!("§{}", self.info.source)));
        }
        if let Some(transform) = self.transform {
            fields.push((
                w.s(Msg::Transform),
                super::analyst::transform_text(w, transform),
            ));
        }
        doc.fields(fields);
        series_table(w, &mut doc, &self.values);
        if self.values.points.is_empty() {
            doc.text(w.t(Msg::NothingInRange));
        }
        if let Some(projection) = &self.projection {
            super::analyst::projection_section(w, &mut doc, w.unit(self.values.unit), projection);
        }
        doc
    }

    fn chart(&self) -> Option<Chart> {
        super::analyst::detail_chart(self)
    }
}

impl Render for ConceptDetail {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::new(self.language);
        doc.heading(1, concept_title(&self.concept));
        let word = |name: &String| self.labels.get(name).unwrap_or(name).clone();
        let list = |names: &[String]| {
            if names.is_empty() {
                "—".to_owned()
            } else {
                names
                    .iter()
                    .map(word)
                    .collect::<Vec<_>>()
                    .join(w.list_sep())
            }
        };
        let mut fields = vec![
            (w.s(Msg::Concept), self.concept.name.clone()),
            (w.s(Msg::Scheme), self.scheme.clone()),
        ];
        // Every language's label, alternative labels and definition, the report's first.
        let languages = concept_languages(w, &self.concept, true);
        if languages.is_empty() {
            fields.push((w.s(Msg::Definition), self.concept.definition.clone()));
        }
        for (language, label, definition) in languages {
            fields.push((format!("{}{}", w.t(Msg::Label), w.paren(&language)), label));
            fields.push((
                format!("{}{}", w.t(Msg::Definition), w.paren(&language)),
                definition,
            ));
        }
        fields.extend([
            (w.s(Msg::Broader), list(&self.concept.broader)),
            (w.s(Msg::Narrower), list(&self.narrower)),
            (w.s(Msg::Related), list(&self.related)),
            (w.s(Msg::Series), list(&self.concept.series)),
        ]);
        for (key, value) in &self.concept.attributes {
            fields.push(attribute_field(w, key, &word(value)));
        }
        if !self.concept.source.is_empty() {
            fields.push((w.s(Msg::Source), format!("§{}", self.concept.source)));
        }
        doc.fields(fields);
        doc
    }
}

impl Render for SearchResults {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::new(self.language);
        doc.heading(
            1,
            titled(w, w.t(Msg::ConceptsMatching), &format!("“{}”", self.query)),
        );
        doc.table(
            &w.all(&[Msg::Concept, Msg::Label, Msg::Score, Msg::Matched]),
            self.hits
                .iter()
                .map(|h| {
                    vec![
                        h.concept.name.clone(),
                        concept_title(&h.concept),
                        format!("{:.2}", h.score),
                        h.matched_text.clone(),
                    ]
                })
                .collect(),
        );
        let hits = if self.total == 1 { Msg::Hit } else { Msg::Hits };
        doc.text(format!("{} {}{}", self.total, w.t(hits), w.stop()));
        doc
    }
}

impl Render for Milestones {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::new(self.language);
        doc.heading(1, w.t(Msg::Milestones));
        if self.milestones.is_empty() {
            doc.text(w.t(Msg::NothingInRange));
        } else {
            doc.terms(milestone_terms(w, &self.milestones));
        }
        doc
    }
}
