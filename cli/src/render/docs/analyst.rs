//! The analyst's commands as documents and charts: the datasets, a series search, a series
//! transformed or projected, and several series on one chart.

use crate::render::{
    Bar, Chart, Doc, Line, Render, format,
    words::{Msg, Words},
};
use llmarket_client::reports::{
    Language,
    analyst::{DatasetList, SeriesBreakdown, SeriesComparison, SeriesSearch, Transform},
    cost::Projection,
    direct::SeriesDetail,
    short_id,
};

use super::{
    breakdown_table, chart, derived_note, line, localize, notes, scope_note, series_table,
    share_text, value_rows,
};

/// The words for `transform`.
pub(super) fn transform_text(w: Words, transform: Transform) -> String {
    w.s(match transform {
        Transform::YearOverYear => Msg::TransformYoy,
        Transform::Index => Msg::TransformIndex,
        Transform::ShareOfParent => Msg::TransformShare,
    })
}

/// The projection of a series at its stated rate: a heading, the base and projected values,
/// and the note on how they were derived.
pub(super) fn projection_section(w: Words, doc: &mut Doc, unit: &str, projection: &Projection) {
    let what = w.t(Msg::ProjectionAtStatedRate);
    let mut chars = what.chars();
    let heading = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    doc.heading(2, heading);
    let mut points = vec![projection.base.clone()];
    points.extend(projection.points.iter().cloned());
    doc.table(
        &[w.t(Msg::Year), unit, w.t(Msg::Kind), w.t(Msg::Basis)],
        value_rows(w, &points),
    );
    derived_note(w, doc, &projection.points);
}

/// The chart of a series with its projection: the series, then the projection from its base.
pub(super) fn detail_chart(detail: &SeriesDetail) -> Option<Chart> {
    let w = Words(detail.language);
    let values = &detail.values;
    let mut lines = Vec::new();
    if !values.points.is_empty() {
        lines.push(line(&values.title, &values.points));
    }
    if let Some(projection) = &detail.projection {
        let mut points = vec![projection.base.clone()];
        points.extend(projection.points.iter().cloned());
        lines.push(line(w.t(Msg::ProjectionAtStatedRate), &points));
    }
    if lines.is_empty() {
        return None;
    }
    let mut title = values.title.clone();
    if let Some(transform) = detail.transform {
        title = format!("{title}{}{}", w.colon(), transform_text(w, transform));
    }
    let mut chart = chart(w, title, w.s_unit(values.unit), lines);
    chart.notes = notes([scope_note(w, &values.title, &values.note)]);
    Some(chart)
}

impl Render for DatasetList {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::new(self.language);
        doc.heading(1, w.t(Msg::Datasets));
        doc.table(
            &[
                w.t(Msg::Dataset),
                w.t(Msg::Title),
                w.t(Msg::Publisher),
                w.t(Msg::EditionHeader),
                w.t(Msg::DataVersionHeader),
                w.t(Msg::Horizon),
                w.t(Msg::SeriesCount),
            ],
            self.datasets
                .iter()
                .map(|d| {
                    vec![
                        short_id(&d.name).to_owned(),
                        d.title.clone(),
                        d.publisher.clone(),
                        d.edition.map_or_else(|| "—".to_owned(), |y| y.to_string()),
                        d.data_version.clone(),
                        d.horizon_year
                            .map_or_else(|| "—".to_owned(), |y| y.to_string()),
                        d.series_count.to_string(),
                    ]
                })
                .collect(),
        );
        if self.datasets.is_empty() {
            doc.text(w.t(Msg::NothingFound));
        }
        doc
    }
}

impl Render for SeriesSearch {
    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::new(self.language);
        let heading = match w.0 {
            Language::En => format!("{} “{}”", w.t(Msg::SeriesMatching), self.query),
            Language::Zh => format!("{}：“{}”", w.t(Msg::SeriesMatching), self.query),
        };
        doc.heading(1, heading);
        if self.hits.is_empty() {
            doc.text(w.t(Msg::NothingFound));
            return doc;
        }
        doc.table(
            &[
                w.t(Msg::Series),
                w.t(Msg::Title),
                w.t(Msg::Unit),
                w.t(Msg::Matched),
                w.t(Msg::Note),
            ],
            self.hits
                .iter()
                .map(|hit| {
                    vec![
                        short_id(&hit.series.name).to_owned(),
                        hit.series.title.clone(),
                        w.unit(hit.series.unit).to_owned(),
                        hit.matched
                            .iter()
                            .map(|field| matched_field(w.0, field))
                            .collect::<Vec<_>>()
                            .join(match w.0 {
                                Language::En => ", ",
                                Language::Zh => "、",
                            }),
                        hit.note.clone(),
                    ]
                })
                .collect(),
        );
        doc
    }
}

/// A field a search word was found in, as a table shows it: the code in English (`title_en`),
/// its name in Chinese (JSON keeps the code in both).
fn matched_field(language: Language, field: &str) -> &str {
    match (language, field) {
        (Language::Zh, "id") => "标识",
        (Language::Zh, "title_en") => "英文标题",
        (Language::Zh, "title_zh_hans") => "中文标题",
        (Language::Zh, "note_en") => "英文说明",
        (Language::Zh, "note_zh_hans") => "中文说明",
        _ => field,
    }
}

impl Render for SeriesComparison {
    fn localize(&mut self, language: Language) {
        for detail in &mut self.series {
            detail.localize(language);
        }
    }

    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::new(self.language);
        let ids: Vec<&str> = self.series.iter().map(|s| short_id(&s.info.name)).collect();
        doc.heading(
            1,
            format!(
                "{}{}{}",
                w.t(Msg::SeriesCompared),
                w.colon(),
                ids.join(w.list_sep())
            ),
        );
        for detail in &self.series {
            let mut title = detail.info.title.clone();
            if let Some(transform) = detail.transform {
                title.push_str(&w.paren(&transform_text(w, transform)));
            }
            doc.heading(2, title);
            series_table(w, &mut doc, &detail.values);
            if detail.values.points.is_empty() {
                doc.text(w.t(Msg::NothingInRange));
            }
        }
        doc
    }

    /// One line per series; their unit is one (the command refuses series of different units).
    fn chart(&self) -> Option<Chart> {
        let w = Words(self.language);
        let first = self.series.first()?;
        let lines: Vec<Line> = self
            .series
            .iter()
            .filter(|s| !s.values.points.is_empty())
            .map(|s| line(&s.values.title, &s.values.points))
            .collect();
        if lines.is_empty() {
            return None;
        }
        let ids: Vec<&str> = self.series.iter().map(|s| short_id(&s.info.name)).collect();
        let mut title = ids.join(w.list_sep());
        if let Some(transform) = first.transform {
            title.push_str(&w.paren(&transform_text(w, transform)));
        }
        let mut chart = chart(w, title, w.s_unit(first.values.unit), lines);
        chart.notes = notes(
            self.series
                .iter()
                .map(|s| scope_note(w, &s.values.title, &s.values.note)),
        );
        Some(chart)
    }
}

impl Render for SeriesBreakdown {
    fn localize(&mut self, language: Language) {
        localize::point(language, &mut self.breakdown.total);
        localize::points(
            language,
            self.breakdown.components.iter_mut().map(|c| &mut c.value),
        );
    }

    fn doc(&self) -> Doc {
        let w = Words(self.language);
        let mut doc = Doc::new(self.language);
        let b = &self.breakdown;
        doc.heading(1, &self.title);
        doc.heading(2, super::with_years(w, Msg::Breakdown, &b.year.to_string()));
        breakdown_table(w, &mut doc, b);
        doc.text(scope_note(w, &self.title, &self.note));
        doc
    }

    /// A bar per component, then the total; each labelled with its value and share.
    fn chart(&self) -> Option<Chart> {
        let w = Words(self.language);
        let b = &self.breakdown;
        let mut bars: Vec<Bar> = b
            .components
            .iter()
            .map(|c| Bar {
                label: c.title.clone(),
                value: c.value.value,
                derived: c.value.is_derived(),
                total: false,
                text: format!(
                    "{}{}",
                    format::point_value(&c.value),
                    w.paren(&share_text(c.share))
                ),
            })
            .collect();
        bars.push(Bar {
            label: format!("{}{}", w.t(Msg::Total), w.paren(&self.title)),
            value: b.total.value,
            derived: b.total.is_derived(),
            total: true,
            text: format::point_value(&b.total),
        });
        let title = format!(
            "{}{}{}",
            self.title,
            w.colon(),
            super::with_years(w, Msg::Breakdown, &b.year.to_string())
        );
        let mut chart = chart(w, title, w.s_unit(b.total.unit), Vec::new());
        chart.bars = bars;
        chart.notes = notes([
            w.s(Msg::ShareDerivedNote),
            scope_note(w, &self.title, &self.note),
        ]);
        Some(chart)
    }
}
