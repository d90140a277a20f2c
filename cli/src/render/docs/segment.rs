//! The segment report as a document and a chart of its linked series.

use crate::render::{
    Chart, Doc, Line, Render,
    words::{Msg, Words},
};
use llmarket_client::reports::{Language, SegmentReport, short_id};

use super::{
    chart, concept_ref, concept_title, derived_note, growth_fields, line, localize, notes, refs,
    scope_note, share_text, stated_rate_text, value_rows, warnings_section,
};

impl Render for SegmentReport {
    fn localize(&mut self, language: Language) {
        for s in &mut self.series {
            localize::segment_series(language, s);
        }
    }

    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::new(self.language);
        let c = &self.concept;
        doc.heading(1, concept_title(&c.concept));
        let mut hierarchy: Vec<String> = c.ancestors.iter().rev().map(concept_ref).collect();
        hierarchy.push(c.concept.label.clone());
        let mut fields = vec![
            (w.s(Msg::Concept), c.concept.name.clone()),
            (w.s(Msg::Scheme), c.scheme.clone()),
            (w.s(Msg::Definition), c.concept.definition.clone()),
            (w.s(Msg::Hierarchy), hierarchy.join(" › ")),
            (w.s(Msg::Narrower), refs(w, &c.narrower)),
            (w.s(Msg::Related), refs(w, &c.related)),
        ];
        if !c.concept.source.is_empty() {
            fields.push((w.s(Msg::Source), format!("§{}", c.concept.source)));
        }
        doc.fields(fields);
        if self.series.is_empty() {
            doc.text(w.t(Msg::NoLinkedSeries));
        }
        for s in &self.series {
            doc.heading(2, &s.values.title);
            let mut rows = value_rows(w, &s.values.points);
            let mut header = vec![
                w.s(Msg::Year),
                w.s_unit(s.values.unit),
                w.s(Msg::Kind),
                w.s(Msg::Basis),
            ];
            // A series with a parent gets a column of its derived share of it; one without has
            // no share to show, and no column of dashes.
            if let Some(parent) = &s.parent {
                let shares = |year: i32| {
                    s.share_of_parent
                        .iter()
                        .find(|p| p.year == year)
                        .map_or_else(|| "—".to_owned(), |p| share_text(p.value))
                };
                for (row, p) in rows.iter_mut().zip(&s.values.points) {
                    row.push(shares(p.year));
                }
                // The parent by its title ("Share of Global large-model market", "占……的比例");
                // without one, in English its id, in Chinese only "of the parent series".
                header.push(match (&s.parent_title, w.0) {
                    (Some(title), Language::En) => format!("{} {title}", w.t(Msg::ShareOf)),
                    (Some(title), Language::Zh) => format!("占{title}{}", w.t(Msg::ShareOf)),
                    (None, Language::En) => format!("{} {}", w.t(Msg::ShareOf), short_id(parent)),
                    (None, Language::Zh) => w.s(Msg::ShareOfParent),
                });
            }
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            doc.table(&header, rows);
            derived_note(w, &mut doc, &s.values.points);
            if !s.share_of_parent.is_empty() {
                doc.text(w.t(Msg::ShareDerivedNote));
            }
            doc.text(scope_note(w, &s.values.title, &s.values.note));
            let mut fields = vec![(w.s(Msg::Series), s.values.name.clone())];
            if let Some(parent) = &s.parent {
                fields.push((w.s(Msg::Parent), parent.clone()));
            }
            for rate in &s.stated_rates {
                fields.push((w.s(Msg::StatedRate), stated_rate_text(w, rate)));
            }
            match (&s.growth, &s.growth_note) {
                (Some(growth), _) => fields.extend(growth_fields(w, growth)),
                (None, Some(_)) => fields.push((
                    w.s(Msg::Growth),
                    format!(
                        "{} {} {}",
                        w.t(Msg::StatesBefore),
                        s.stated_in_span,
                        w.t(if s.stated_in_span == 1 {
                            Msg::NoGrowthAfterOne
                        } else {
                            Msg::NoGrowthAfter
                        })
                    ),
                )),
                (None, None) => {}
            }
            doc.fields(fields);
        }
        warnings_section(w, &mut doc, &self.warnings);
        doc
    }

    fn chart(&self) -> Option<Chart> {
        let first = self.series.first()?;
        let lines: Vec<Line> = self
            .series
            .iter()
            .filter(|s| s.values.unit == first.values.unit && !s.values.points.is_empty())
            .map(|s| line(&s.values.title, &s.values.points))
            .collect();
        let w = Words(self.language);
        let scopes = self
            .series
            .iter()
            .filter(|s| s.values.unit == first.values.unit && !s.values.points.is_empty())
            .map(|s| scope_note(w, &s.values.title, &s.values.note));
        let notes = notes(scopes);
        (!lines.is_empty()).then(|| {
            let mut chart = chart(
                w,
                self.concept.concept.label.clone(),
                w.s_unit(first.values.unit),
                lines,
            );
            chart.notes = notes;
            chart
        })
    }
}
