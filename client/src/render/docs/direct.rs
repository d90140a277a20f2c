//! The direct commands (series list and detail, concept, search, milestones) as documents.

use crate::{
    render::{
        Chart, Doc, Render, format,
        words::{Msg, Words},
    },
    reports::{
        direct::{ConceptDetail, Milestones, SearchResults, SeriesDetail, SeriesList},
        short_id,
    },
};

use super::{concept_title, milestone_terms, series_chart, series_table, stated_rate_text};

impl Render for SeriesList {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::default();
        doc.heading(1, format!("{} {}", w.t(Msg::SeriesOf), self.dataset));
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
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::default();
        doc.heading(1, &self.info.title);
        let mut fields = vec![(w.s(Msg::Series), self.info.name.clone())];
        if let Some(parent) = &self.info.parent {
            fields.push((w.s(Msg::Parent), parent.clone()));
        }
        if !self.info.components.is_empty() {
            fields.push((w.s(Msg::Components), self.info.components.join(", ")));
        }
        for rate in &self.stated_rates {
            fields.push((w.s(Msg::StatedRate), stated_rate_text(w, rate)));
        }
        if !self.info.source.is_empty() {
            fields.push((w.s(Msg::Source), format!("§{}", self.info.source)));
        }
        doc.fields(fields);
        series_table(w, &mut doc, &self.values);
        if self.values.points.is_empty() {
            doc.text(w.t(Msg::NothingInRange));
        }
        doc
    }

    fn chart(&self) -> Option<Chart> {
        series_chart(Words(self.language), &self.values)
    }
}

impl Render for ConceptDetail {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::default();
        doc.heading(1, concept_title(&self.concept));
        let list = |names: &[String]| {
            if names.is_empty() {
                "—".to_owned()
            } else {
                names.join(", ")
            }
        };
        let mut fields = vec![
            (w.s(Msg::Concept), self.concept.name.clone()),
            (w.s(Msg::Scheme), self.scheme.clone()),
            (w.s(Msg::Definition), self.concept.definition.clone()),
            (w.s(Msg::Broader), list(&self.broader)),
            (w.s(Msg::Narrower), list(&self.narrower)),
            (w.s(Msg::Related), list(&self.related)),
            (w.s(Msg::Series), list(&self.concept.series)),
        ];
        for (key, value) in &self.concept.attributes {
            fields.push((format!("{} {key}", w.t(Msg::Attribute)), value.clone()));
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
        let mut doc = Doc::default();
        doc.heading(
            1,
            format!("{} “{}”", w.t(Msg::ConceptsMatching), self.query),
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
        doc.text(format!("{} {}.", self.total, w.t(Msg::Hits)));
        doc
    }
}

impl Render for Milestones {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::default();
        doc.heading(1, w.t(Msg::Milestones));
        if self.milestones.is_empty() {
            doc.text(w.t(Msg::NothingInRange));
        } else {
            doc.terms(milestone_terms(w, &self.milestones));
        }
        doc
    }
}
