//! The market overview as a document and a chart.

use crate::render::{
    Chart, Doc, Render, format,
    words::{Msg, Words},
};
use llmarket_client::reports::MarketOverview;
use llmarket_client::reports::{Language, short_id};

use super::{
    breakdown_table, concept_terms, concept_title, growth_fields, localize, position_text,
    series_chart, series_table, warnings_section, with_years,
};

impl Render for MarketOverview {
    fn localize(&mut self, language: Language) {
        localize::points(language, &mut self.market.points);
        localize::growth(language, &mut self.growth);
        let b = &mut self.breakdown;
        localize::point(language, &mut b.total);
        localize::points(language, b.components.iter_mut().map(|c| &mut c.value));
    }

    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::new(self.language);
        doc.heading(1, &self.dataset.title);
        doc.fields(vec![
            (w.s(Msg::Dataset), self.dataset.name.clone()),
            (
                w.s(Msg::EditionHeader),
                short_id(&self.dataset.edition).to_owned(),
            ),
            (w.s(Msg::Publisher), self.dataset.publisher.clone()),
            (w.s(Msg::Year), self.dataset.year.to_string()),
            (w.s(Msg::Notice), self.dataset.notice.clone()),
        ]);

        doc.heading(2, &self.market.title);
        series_table(w, &mut doc, &self.market);

        doc.heading(
            2,
            with_years(
                w,
                Msg::Growth,
                &format::span(Some(self.growth.start.year), Some(self.growth.end.year)),
            ),
        );
        doc.fields(growth_fields(w, &self.growth));

        let b = &self.breakdown;
        doc.heading(2, with_years(w, Msg::Breakdown, &b.year.to_string()));
        breakdown_table(w, &mut doc, b);

        doc.heading(2, w.t(Msg::CurrentCapabilityLevel));
        match &self.current_capability {
            Some(current) => doc.fields(vec![
                (w.s(Msg::Level), concept_title(&current.level)),
                (w.s(Msg::Position), position_text(w, &current.position)),
                (w.s(Msg::Definition), current.level.definition.clone()),
            ]),
            None => doc.text(w.t(Msg::NotAvailable)),
        }
        for (title, concepts) in [
            (Msg::Drivers, &self.drivers),
            (Msg::Trends, &self.trends),
            (Msg::Barriers, &self.barriers),
        ] {
            doc.heading(2, w.t(title));
            match concepts {
                Some(concepts) => doc.tree(concept_terms(concepts)),
                None => doc.text(w.t(Msg::NotAvailable)),
            }
        }
        warnings_section(w, &mut doc, &self.warnings);
        doc
    }

    fn chart(&self) -> Option<Chart> {
        series_chart(Words(self.language), &self.market)
    }
}
