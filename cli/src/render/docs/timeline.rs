//! The timeline as a document and a chart of the market size.

use crate::render::{
    Chart, Doc, Event, Render, format,
    words::{Msg, Words},
};
use llmarket_client::reports::{
    Language, Timeline,
    model::{MilestoneItem, Point},
};

use super::{
    basis, chart, derived_note, line, localize, milestone_terms, milestone_when, notes, scope_note,
    warnings_section,
};

impl Render for Timeline {
    fn localize(&mut self, language: Language) {
        localize::points(
            language,
            self.years.iter_mut().filter_map(|y| y.market_size.as_mut()),
        );
    }

    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::new(self.language);
        let first = self.years.first().map(|y| y.year);
        let last = self.years.last().map(|y| y.year);
        doc.heading(
            1,
            super::with_years(w, Msg::Timeline, &format::span(first, last)),
        );
        let series = format!("{}{}", self.title, w.paren(w.unit(self.unit)));
        doc.text(match w.0 {
            Language::En => format!("{} {series}.", w.t(Msg::MilestonesBeside)),
            Language::Zh => format!("{series}{}。", w.t(Msg::MilestonesBeside)),
        });
        let points: Vec<Point> = self
            .years
            .iter()
            .filter_map(|y| y.market_size.clone())
            .collect();
        let methods = super::derived_methods(w, &points);
        let rows = self
            .years
            .iter()
            .map(|y| {
                let (value, basis) = y.market_size.as_ref().map_or_else(
                    || ("—".to_owned(), String::new()),
                    |p| (format::point_value(p), basis(w, p, &methods)),
                );
                let milestones = match &y.milestones {
                    Some(list) if list.is_empty() => "—".to_owned(),
                    Some(list) => list
                        .iter()
                        .map(|m| m.title.clone())
                        .collect::<Vec<_>>()
                        .join(w.semicolon()),
                    None => w.s(Msg::NotAnswered),
                };
                vec![y.year.to_string(), value, basis, milestones]
            })
            .collect();
        doc.table(
            &[
                w.t(Msg::Year),
                &format!("{}{}", w.t(Msg::MarketSize), w.paren(w.unit(self.unit))),
                w.t(Msg::Basis),
                w.t(Msg::Milestones),
            ],
            rows,
        );
        derived_note(w, &mut doc, &points);
        doc.text(scope_note(w, &self.title, &self.note));
        let milestones: Vec<&MilestoneItem> = self
            .years
            .iter()
            .filter_map(|y| y.milestones.as_ref())
            .flatten()
            .collect();
        if !milestones.is_empty() {
            doc.heading(2, w.t(Msg::Milestones));
            doc.terms(milestone_terms(w, milestones));
        }
        warnings_section(w, &mut doc, &self.warnings);
        doc
    }

    fn chart(&self) -> Option<Chart> {
        let points: Vec<Point> = self
            .years
            .iter()
            .filter_map(|y| y.market_size.clone())
            .collect();
        let w = Words(self.language);
        let first = self.years.first().map(|y| y.year);
        let last = self.years.last().map(|y| y.year);
        (!points.is_empty()).then(|| {
            let mut chart = chart(
                w,
                format!("{} {}", w.t(Msg::Timeline), format::span(first, last)),
                w.s_unit(self.unit),
                vec![line(&self.title, &points)],
            );
            chart.notes = notes([scope_note(w, &self.title, &self.note)]);
            // The milestones on the market curve.
            chart.events = self
                .years
                .iter()
                .flat_map(|y| y.milestones.iter().flatten())
                .map(|m| Event {
                    year: m.year,
                    label: format!("{} {}", milestone_when(w, m), m.title),
                })
                .collect();
            chart
        })
    }
}
