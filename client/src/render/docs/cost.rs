//! The cost outlook as a document and a log-scale chart of stated and projected costs.

use crate::{
    render::{
        Chart, Doc, Render, format,
        words::{Msg, Words},
    },
    reports::{CostOutlook, Language},
};

use super::{
    basis, chart, concept_title, derived_note, line, notes, scope_note, series_table,
    stated_rate_text, value_rows, warnings_section,
};

impl Render for CostOutlook {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::new(self.language);
        doc.heading(1, w.join(&self.cost.title, w.t(Msg::Outlook)));
        let mut fields = vec![(w.s(Msg::Series), self.cost.name.clone())];
        match &self.stated_rate {
            Some(rate) => {
                let mut text = stated_rate_text(w, rate);
                if rate.value < 0.0 && rate.value > -1.0 {
                    text.push_str(&format!(
                        " — {}{}{}×",
                        w.t(Msg::FallEachYear),
                        w.colon(),
                        format::trimmed(1.0 / (1.0 + rate.value))
                    ));
                }
                fields.push((w.s(Msg::StatedRate), text));
            }
            None => fields.push((w.s(Msg::StatedRate), w.s(Msg::NoneStated))),
        }
        doc.fields(fields);

        doc.heading(2, w.t(Msg::StatedValues));
        series_table(w, &mut doc, &self.cost);

        let p = &self.projection;
        let rate = format::percent_trimmed(p.annual_rate);
        let (at, a_year, from) = (w.t(Msg::ProjectionAt), w.t(Msg::AYear), w.t(Msg::From));
        doc.heading(
            2,
            match w.0 {
                Language::En => format!("{at} {rate} {a_year} {from} {}", p.base.year),
                Language::Zh => format!(
                    "{from} {} 年{at} {rate} {}",
                    p.base.year,
                    w.t(Msg::Projected)
                ),
            },
        );
        let mut rows = vec![vec![
            p.base.year.to_string(),
            format::point_value(&p.base),
            w.kind(p.base.kind).to_owned(),
            format!("{}{}{}", w.t(Msg::Base), w.colon(), basis(w, &p.base, &[])),
        ]];
        rows.extend(value_rows(w, &p.points));
        doc.table(
            &[
                w.t(Msg::Year),
                w.unit(self.cost.unit),
                w.t(Msg::Kind),
                w.t(Msg::Basis),
            ],
            rows,
        );
        derived_note(w, &mut doc, &p.points);

        doc.heading(2, w.t(Msg::UnlockedApplications));
        match &self.unlocked_applications {
            Some(apps) => doc.terms(
                apps.iter()
                    .map(|a| {
                        (
                            concept_title(&a.application),
                            format!(
                                "{}{}",
                                a.application.definition,
                                w.paren(&format!(
                                    "{}{}{}",
                                    w.t(Msg::UnlockedBy),
                                    w.colon(),
                                    a.unlocked_by_label.as_ref().unwrap_or(&a.unlocked_by)
                                ))
                            ),
                        )
                    })
                    .collect(),
            ),
            None => doc.text(w.t(Msg::NotAvailable)),
        }
        warnings_section(w, &mut doc, &self.warnings);
        doc
    }

    fn chart(&self) -> Option<Chart> {
        let w = Words(self.language);
        let mut projection = vec![self.projection.base.clone()];
        projection.extend(self.projection.points.iter().cloned());
        let mut chart = chart(
            w,
            w.join(&self.cost.title, w.t(Msg::Outlook)),
            format!("{}{}", w.unit(self.cost.unit), w.paren(w.t(Msg::LogScale))),
            true,
            vec![
                line(w.t(Msg::StatedLine), &self.cost.points),
                line(w.t(Msg::ProjectionAtStatedRate), &projection),
            ],
        );
        chart.notes = notes([scope_note(w, &self.cost.title, &self.cost.note)]);
        Some(chart)
    }
}
