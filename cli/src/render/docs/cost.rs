//! The cost outlook as a document and a log-scale chart of stated and projected costs.

use crate::render::{
    Chart, Doc, Render, format,
    words::{Msg, Words},
};
use llmarket_client::{
    reports::model::Qualifier,
    reports::{CostOutlook, Language, model::Growth},
};

use super::{
    basis, chart, concept_title, derived_note, line, localize, notes, scope_note, series_table,
    stated_rate_text, value_rows, warnings_section,
};

impl Render for CostOutlook {
    fn localize(&mut self, language: Language) {
        if let Some(fall) = &mut self.fall_so_far {
            localize::growth(language, &mut fall.growth);
        }
        localize::points(language, &mut self.cost.points);
        localize::point(language, &mut self.projection.base);
        localize::points(language, &mut self.projection.points);
    }

    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::new(self.language);
        doc.heading(1, w.join(&self.cost.title, w.t(Msg::Outlook)));
        // The fall so far leads: the one figure an analyst asks of a cost outlook first.
        let mut fields = Vec::new();
        if let Some(fall) = &self.fall_so_far {
            fields.push((w.s(Msg::FallSoFar), fall_text(w, &fall.growth)));
        }
        fields.push((w.s(Msg::Series), self.cost.name.clone()));
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
        let base = &self.projection.base;
        let mut projection = vec![base.clone()];
        projection.extend(self.projection.points.iter().cloned());
        // The projection's base is a stated value: it is drawn (and labelled) once, where the
        // projection starts, not a second time under it.
        let stated: Vec<_> = self
            .cost
            .points
            .iter()
            .filter(|p| p.year != base.year)
            .cloned()
            .collect();
        let mut chart = chart(
            w,
            w.join(&self.cost.title, w.t(Msg::Outlook)),
            w.unit(self.cost.unit).to_owned(),
            vec![
                line(w.t(Msg::StatedLine), &stated),
                line(w.t(Msg::ProjectionAtStatedRate), &projection),
            ],
        );
        let fall = self.fall_so_far.as_ref().map(|fall| {
            format!(
                "{}{}{}",
                w.t(Msg::FallSoFar),
                w.colon(),
                fall_text(w, &fall.growth)
            )
        });
        chart.notes = notes(fall.into_iter().chain([scope_note(
            w,
            &self.cost.title,
            &self.cost.note,
        )]));
        Some(chart)
    }
}

/// The fall between the first and last stated costs, as the values have it and marked derived:
/// "2022 → 2024: a fall of ≥200× (≈20 → ≤0.1), ≤-92.93% a year; derived: …".
fn fall_text(w: Words, g: &Growth) -> String {
    let (multiple, qualifier) = g
        .multiple_estimate
        .map_or((g.multiple, Qualifier::Exact), |e| (e.value, e.qualifier));
    // A fall reads as its reciprocal (≥200× for ≤0.005×); a rise keeps the multiple.
    let change = if multiple > 0.0 && multiple < 1.0 {
        let sign = format::qualifier_sign(format::reciprocal_qualifier(qualifier));
        format!(
            "{}{}{sign}{}×",
            w.t(Msg::FallOf),
            if w.0 == Language::En { " " } else { "" },
            format::significant(1.0 / multiple)
        )
    } else {
        format!(
            "{}{}×",
            format::qualifier_sign(qualifier),
            format::significant(multiple)
        )
    };
    let cagr_sign = g
        .cagr_estimate
        .map_or("", |e| format::qualifier_sign(e.qualifier));
    let cagr = format!("{cagr_sign}{}", format::percent(g.cagr, 2));
    let values = format!(
        "{} → {}",
        format::point_value(&g.start),
        format::point_value(&g.end)
    );
    let span = format!("{} → {}", g.start.year, g.end.year);
    match w.0 {
        Language::En => format!(
            "{span}{}{change} ({values}), {cagr} {}; {}",
            w.colon(),
            w.t(Msg::AYear),
            w.t(Msg::ComputedFromStated)
        ),
        Language::Zh => format!(
            "{span}{}{change}（{values}），{}{cagr}；{}",
            w.colon(),
            w.t(Msg::AYear),
            w.t(Msg::ComputedFromStated)
        ),
    }
}
