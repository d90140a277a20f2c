//! `editions` and `revisions`: a dataset's editions, and what each edition states for a series
//! (a table per year, CSV one record per revision, a chart of one line per edition).

use std::collections::BTreeMap;

use super::chart;
use crate::render::{
    Chart, ChartPoint, Doc, Line, Render,
    csv::{Records, Values},
    format,
    words::Words,
};
use llmarket_client::{
    editions::{EditionList, Revision, SeriesRevisions},
    reports::{Language, model::Provenance, short_id},
};

/// The fixed words of these two commands, in `language`.
fn words(language: Language) -> Pick {
    Pick(language)
}

/// English or Chinese words, picked by the language.
#[derive(Clone, Copy)]
struct Pick(Language);

impl Pick {
    fn pick(self, en: &'static str, zh: &'static str) -> &'static str {
        match self.0 {
            Language::En => en,
            Language::Zh => zh,
        }
    }
}

impl Render for EditionList {
    fn doc(&self) -> Doc {
        let w = words(self.language);
        let mut doc = Doc::new(self.language);
        doc.heading(
            1,
            format!(
                "{}{}",
                w.pick("Editions of ", "版本："),
                short_id(&self.dataset)
            ),
        );
        doc.table(
            &[
                w.pick("Edition", "版本"),
                w.pick("Published", "发布"),
                w.pick("Title", "标题"),
                w.pick("Content version", "内容版本"),
                w.pick("Horizon", "展望年"),
                w.pick("Series", "序列数"),
            ],
            self.editions
                .iter()
                .map(|e| {
                    vec![
                        e.id.clone(),
                        e.published.clone(),
                        e.title.clone(),
                        e.content_version.clone(),
                        e.horizon_year
                            .map_or_else(|| "—".to_owned(), |y| y.to_string()),
                        e.series_count.to_string(),
                    ]
                })
                .collect(),
        );
        doc.text(format!(
            "{}{}",
            w.pick("Data version: ", "数据版本："),
            self.data_version
        ));
        doc
    }
}

impl Values for EditionList {
    fn values(&self) -> Option<Vec<crate::render::csv::Value<'_>>> {
        None
    }

    fn records(&self) -> Option<Records> {
        Some(Records {
            header: vec![
                "dataset",
                "edition",
                "published",
                "title",
                "content_version",
                "horizon_year",
                "series_count",
                "data_version",
            ],
            rows: self
                .editions
                .iter()
                .map(|e| {
                    vec![
                        self.dataset.clone(),
                        e.id.clone(),
                        e.published.clone(),
                        e.title.clone(),
                        e.content_version.clone(),
                        e.horizon_year.map(|y| y.to_string()).unwrap_or_default(),
                        e.series_count.to_string(),
                        self.data_version.clone(),
                    ]
                })
                .collect(),
        })
    }
}

/// A revision's value with its interval: `206.5 [206.45, 206.55]`, an open side `…`, `~` when
/// the ends are themselves approximate.
fn with_interval(r: &Revision) -> String {
    let p = &r.value;
    // The ends in the unit the value is shown in (a fraction in percent).
    let end = |v: Option<f64>| {
        v.map_or_else(
            || "…".to_owned(),
            |v| {
                let shown = format::shown(p.unit, v);
                format!("{}{}", end_text(shown), format::unit_sign(p.unit))
            },
        )
    };
    let interval = if p.low.is_none() && p.high.is_none() {
        String::new()
    } else {
        let approx = if p.width_unknown { "~" } else { "" };
        format!(" {approx}[{}, {}]", end(p.low), end(p.high))
    };
    format!("{}{interval}", format::point_value(p))
}

/// An interval's end to six significant digits, trailing zeros dropped: `206.45`, `0.05`.
fn end_text(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return value.to_string();
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = usize::try_from((5 - magnitude).clamp(0, 12)).unwrap_or(0);
    format::trimmed_places(value, decimals)
}

impl Render for SeriesRevisions {
    fn doc(&self) -> Doc {
        let w = words(self.language);
        let mut doc = Doc::new(self.language);
        doc.heading(
            1,
            format!(
                "{}{}",
                w.pick("Revisions: ", "修订："),
                if self.title.is_empty() {
                    short_id(&self.series)
                } else {
                    &self.title
                }
            ),
        );
        let mut fields = vec![
            (w.pick("Series", "序列").to_owned(), self.series.clone()),
            (
                w.pick("Unit", "单位").to_owned(),
                Words(self.language).s_unit(self.unit),
            ),
        ];
        if let Some(day) = &self.as_of {
            fields.push((
                w.pick("As of", "截至").to_owned(),
                format!(
                    "{day}{}",
                    w.pick(" (editions published by then)", "（此前发布的版本）")
                ),
            ));
        }
        doc.fields(fields);
        doc.table(
            &[
                w.pick("Year", "年份"),
                w.pick("Edition", "版本"),
                w.pick("Published", "发布"),
                w.pick("Value [interval]", "数值 [区间]"),
                w.pick("Provenance", "来源"),
                w.pick("Section", "章节"),
            ],
            self.revisions
                .iter()
                .map(|r| {
                    vec![
                        r.value.year.to_string(),
                        r.edition_id.clone(),
                        r.published.clone(),
                        with_interval(r),
                        match r.value.provenance {
                            Provenance::Reported => w.pick("reported", "报告所述"),
                            Provenance::Derived => w.pick("derived", "推算"),
                        }
                        .to_owned(),
                        r.value.source.clone(),
                    ]
                })
                .collect(),
        );
        if self.revisions.is_empty() {
            doc.text(w.pick(
                "No edition states a value for this.",
                "没有版本给出此数值。",
            ));
        }
        doc.text(format!(
            "{}{}",
            w.pick("Data version: ", "数据版本："),
            self.data_version
        ));
        doc
    }

    /// One line per edition, its points with their intervals, the legend naming each edition.
    fn chart(&self) -> Option<Chart> {
        let w = words(self.language);
        let mut by_edition: BTreeMap<(&str, &str), Vec<ChartPoint>> = BTreeMap::new();
        for r in &self.revisions {
            by_edition
                .entry((r.published.as_str(), r.edition_id.as_str()))
                .or_default()
                .push(ChartPoint::of(&r.value));
        }
        let lines: Vec<Line> = by_edition
            .into_iter()
            .map(|((published, id), points)| Line {
                label: format!(
                    "{}{id}{}{published}{}",
                    w.pick("Edition ", "版本 "),
                    w.pick(" (published ", "（发布于 "),
                    w.pick(")", "）")
                ),
                points,
            })
            .collect();
        if lines.is_empty() {
            return None;
        }
        let title = format!(
            "{}{}",
            w.pick("Revisions: ", "修订："),
            if self.title.is_empty() {
                short_id(&self.series)
            } else {
                &self.title
            }
        );
        let words = Words(self.language);
        Some(chart(words, title, words.s_unit(self.unit), lines))
    }
}

impl Values for SeriesRevisions {
    fn values(&self) -> Option<Vec<crate::render::csv::Value<'_>>> {
        None
    }

    fn records(&self) -> Option<Records> {
        let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        Some(Records {
            header: vec![
                "series",
                "year",
                "edition",
                "published",
                "value",
                "low",
                "high",
                "width_unknown",
                "qualifier",
                "kind",
                "provenance",
                "source",
                "data_version",
            ],
            rows: self
                .revisions
                .iter()
                .map(|r| {
                    let p = &r.value;
                    vec![
                        short_id(&self.series).to_owned(),
                        p.year.to_string(),
                        r.edition_id.clone(),
                        r.published.clone(),
                        p.value.to_string(),
                        number(p.low),
                        number(p.high),
                        p.width_unknown.to_string(),
                        code(&p.qualifier),
                        code(&p.kind),
                        code(&p.provenance),
                        p.source.clone(),
                        self.data_version.clone(),
                    ]
                })
                .collect(),
        })
    }
}

/// The JSON code of an enum value (`upper_bound`, `forecast`, `reported`).
fn code<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use llmarket_client::reports::model::{Kind, Point, Qualifier, Unit};

    fn revision(id: &str, published: &str, value: f64, low: Option<f64>) -> Revision {
        Revision {
            edition: format!("datasets/d/editions/{id}"),
            edition_id: id.to_owned(),
            published: published.to_owned(),
            value: Point {
                year: 2029,
                value,
                unit: Unit::UsdBillion,
                qualifier: Qualifier::Exact,
                kind: Kind::Forecast,
                provenance: Provenance::Reported,
                method: None,
                source: "1.2".to_owned(),
                resolution: Some(0.1),
                note: None,
                quote: None,
                note_zh_hans: None,
                width_unknown: false,
                low,
                high: Some(value + 0.05),
                derivation: None,
                past_horizon: false,
            },
        }
    }

    fn revisions() -> SeriesRevisions {
        SeriesRevisions {
            series: "datasets/d/series/market-size".to_owned(),
            title: "Market size".to_owned(),
            unit: Unit::UsdBillion,
            year: Some(2029),
            as_of: None,
            revisions: vec![
                revision("2026", "2026", 206.5, Some(206.45)),
                revision("2027", "2027-06-30", 250.0, None),
            ],
            data_version: "0123456789abcdef".to_owned(),
            language: Language::En,
        }
    }

    #[test]
    fn each_edition_is_a_line_named_in_the_legend() {
        let chart = revisions().chart().expect("a chart");
        let labels: Vec<&str> = chart.lines.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Edition 2026 (published 2026)",
                "Edition 2027 (published 2027-06-30)"
            ]
        );
        assert!(chart.lines.iter().all(|l| l.points.len() == 1));
    }

    #[test]
    fn values_show_their_interval_and_an_open_side() {
        let r = revisions();
        assert_eq!(with_interval(&r.revisions[0]), "206.5 [206.45, 206.55]");
        let open = with_interval(&r.revisions[1]);
        assert_eq!(open, "250.0 […, 250.05]");
        assert_eq!(end_text(0.05), "0.05");
        assert_eq!(end_text(1e6), "1000000");
    }

    #[test]
    fn csv_has_one_record_per_revision() {
        let records = revisions().records().expect("records");
        assert_eq!(records.rows.len(), 2);
        assert!(
            records
                .rows
                .iter()
                .all(|row| row.len() == records.header.len())
        );
        assert_eq!(records.rows[1][2], "2027");
        assert_eq!(records.rows[1][5], "", "an open low side is empty");
        assert_eq!(records.rows[0][8], "exact");
    }
}
