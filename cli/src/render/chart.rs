//! A report's series as a chart: what to draw, independent of how (the `cli` feature draws it
//! as SVG with plotters, in [`svg`](super::svg), and as PNG from that SVG).

use crate::render::{
    format,
    words::{Msg, Words},
};
use llmarket_client::reports::{
    Language,
    model::{Point, Qualifier},
};

/// A chart of one or more yearly series in one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// The title above the chart.
    pub title: String,
    /// The label of the year axis.
    pub x_label: String,
    /// The label of the value axis (the unit).
    pub y_label: String,
    /// The legend's words for a filled marker (a value the report states) and a hollow one (a
    /// value the service derived).
    pub markers: (String, String),
    /// The legend's words for an error bar (an interval) and an arrow (a bound, open on one side).
    pub bounds: (String, String),
    /// The legend's words for a bound the service derived (drawn hollow, labelled with `*`).
    pub derived_bound: String,
    /// The words on the shaded years past the report's horizon (the years a table marks `†`).
    pub past_horizon: String,
    /// The words added to the value axis's label when it is logarithmic ("log scale").
    pub log_word: String,
    /// The legend's words for the dashed path of constant growth drawn between values more
    /// than a year apart (see [`growth_path`]), derived by the command.
    pub growth_path: String,
    /// Whether the value axis is logarithmic: by one rule for every chart, [`wants_log`], unless
    /// the command line says otherwise (`--scale`).
    pub log_scale: bool,
    /// The series, each drawn as a line.
    pub lines: Vec<Line>,
    /// A bar chart's bars instead of lines (a breakdown); empty for a line chart.
    pub bars: Vec<Bar>,
    /// Dated events marked on the first line (the timeline's milestones).
    pub events: Vec<Event>,
    /// The legend's word for an event's marker.
    pub event_label: String,
    /// Notes under the chart, one paragraph each: what the source says each series covers.
    pub notes: Vec<String>,
    /// The line under the chart naming its source (see [`source_line`]); empty for none.
    pub source: String,
}

/// One series of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The legend label.
    pub label: String,
    /// The points in year order.
    pub points: Vec<ChartPoint>,
}

/// One bar of a bar chart: a component of a breakdown, or the total it splits.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The category under the bar.
    pub label: String,
    /// Its height.
    pub value: f64,
    /// Whether the service derived the value (a hollow bar) rather than the report stating it.
    pub derived: bool,
    /// Whether it is the total the other bars split (drawn grey, last).
    pub total: bool,
    /// The text above it: the value as the report gives it, and its share (derived, `*`).
    pub text: String,
}

/// One value of a line.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartPoint {
    /// The year.
    pub year: i32,
    /// The central value.
    pub value: f64,
    /// Whether the service derived it (a hollow marker) rather than the report stating it.
    pub derived: bool,
    /// Where the true value may lie: an error bar when both ends are known, an arrow towards the
    /// open side of a bound.
    pub bound: Bound,
    /// The text beside the point (a stated value as the report gives it, or a derived bound
    /// with its `*`), if any.
    pub label: Option<String>,
    /// Whether the year lies after the report's horizon (shaded on the chart, `†` in a table).
    pub past_horizon: bool,
}

/// What a point stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// A value; an interval of known ends is drawn when it is wide enough to see.
    Value {
        /// The least the true value may be, when known.
        low: Option<f64>,
        /// The most the true value may be, when known.
        high: Option<f64>,
    },
    /// At most this much: nothing bounds it below.
    AtMost,
    /// At least this much: nothing bounds it above.
    AtLeast,
}

/// How many times its smallest its largest value must be for a chart's value axis to be
/// logarithmic: two orders of magnitude (a cost falling from ≈20 to ≤0.1, not a market growing
/// from 10.7 to 206.5).
pub const LOG_RATIO: f64 = 100.0;

/// The one rule for a chart's value axis: logarithmic when its positive values (and the known
/// ends of their intervals) span [`LOG_RATIO`] or more and none is zero or negative, else
/// linear.
pub fn wants_log(lines: &[Line]) -> bool {
    let values: Vec<f64> = lines
        .iter()
        .flat_map(|l| &l.points)
        .flat_map(|p| {
            let (low, high) = match p.bound {
                Bound::Value { low, high } => (low, high),
                Bound::AtMost | Bound::AtLeast => (None, None),
            };
            [Some(p.value), low, high].into_iter().flatten()
        })
        .filter(|v| v.is_finite())
        .collect();
    if values.is_empty() || values.iter().any(|v| *v <= 0.0) {
        return false;
    }
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    high / low >= LOG_RATIO
}

/// An event marked on a chart's time axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The year it falls in.
    pub year: i32,
    /// Its short text.
    pub label: String,
}

impl ChartPoint {
    /// A report's value as a chart point, in the unit a table shows it in (a fraction in
    /// percent, [`format::shown`]): stated values carry their text as a label.
    pub fn of(point: &Point) -> Self {
        let shown = |value: f64| format::shown(point.unit, value);
        let bound = match point.qualifier {
            Qualifier::UpperBound if point.low.is_none() => Bound::AtMost,
            Qualifier::LowerBound if point.high.is_none() => Bound::AtLeast,
            Qualifier::Exact
            | Qualifier::Approximate
            | Qualifier::UpperBound
            | Qualifier::LowerBound => Bound::Value {
                low: point.low.map(shown),
                high: point.high.map(shown),
            },
        };
        // A bound the service derived is labelled too (with its `*`): a bar without a number
        // would read as a stated bound.
        let bound_kind = matches!(bound, Bound::AtMost | Bound::AtLeast);
        Self {
            year: point.year,
            value: shown(point.value),
            derived: point.is_derived(),
            bound,
            label: (!point.is_derived() || bound_kind).then(|| format::point_value(point)),
            past_horizon: point.past_horizon,
        }
    }
}

/// The path of constant growth from `from` to `to`, one value a year with both ends
/// included, when they are more than a year apart and both are positive values (not bounds):
/// the only line a chart draws between them, dashed and marked derived, since a straight line
/// across several years would be read as values nobody stated or derived. `None` when the
/// points are a year or less apart (they are joined as they are) or there is no such path (a
/// bound, a value that is not positive: nothing is drawn between them).
pub fn growth_path(from: &ChartPoint, to: &ChartPoint) -> Option<Vec<(i32, f64)>> {
    let years = to.year.checked_sub(from.year)?;
    let values =
        matches!(from.bound, Bound::Value { .. }) && matches!(to.bound, Bound::Value { .. });
    let positive =
        from.value > 0.0 && to.value > 0.0 && from.value.is_finite() && to.value.is_finite();
    if years <= 1 || !values || !positive {
        return None;
    }
    let ratio = to.value / from.value;
    Some(
        (0..=years)
            .map(|step| {
                let value = match step {
                    0 => from.value,
                    _ if step == years => to.value,
                    _ => from.value * ratio.powf(f64::from(step) / f64::from(years)),
                };
                (from.year + step, value)
            })
            .collect(),
    )
}

/// Where a report's figures come from: the source report and the version of the data they
/// were read from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Citation {
    /// The report's title, in the language of the output.
    pub report: String,
    /// Who published it.
    pub publisher: String,
    /// The year of its edition, when known.
    pub edition: Option<i32>,
    /// The version of the data (a hash of the dataset's content); empty when unknown.
    pub version: String,
}

impl Citation {
    /// The citation line in `language`: "Source: Report, Publisher, 2026 edition, §1.2; data
    /// version 0123…", the sections those of the figures shown (none: left out).
    pub fn line(&self, language: Language, sections: &[String]) -> String {
        let w = Words(language);
        let mut parts = vec![self.report.clone(), self.publisher.clone()];
        if let Some(year) = self.edition {
            parts.push(format!("{year} {}", w.t(Msg::Edition)));
        }
        if !sections.is_empty() {
            let sections: Vec<String> = sections.iter().map(|s| format!("§{s}")).collect();
            parts.push(sections.join(w.list_sep()));
        }
        let mut line = format!(
            "{}{}{}",
            w.t(Msg::ChartSource),
            w.colon(),
            parts.join(w.comma())
        );
        if !self.version.is_empty() {
            line.push_str(&format!(
                "{}{} {}",
                w.semicolon(),
                w.t(Msg::DataVersion),
                self.version
            ));
        }
        line
    }
}

/// The sections of the source that `sources` (the `source` fields of values: "1.2", or several
/// comma-separated) name, each once, in order.
pub fn sections<'a>(sources: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut sections: Vec<String> = sources
        .into_iter()
        .flat_map(|s| s.split(','))
        .map(|s| s.trim().trim_start_matches('§').to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    sections.sort();
    sections.dedup();
    sections
}

/// The source line of a chart: the citation of its figures, and that derived points are
/// llmarket's, in `language`.
pub fn source_line(language: Language, citation: &Citation, sections: &[String]) -> String {
    let w = Words(language);
    format!(
        "{}{}{}",
        citation.line(language, sections),
        w.semicolon(),
        w.t(Msg::DerivedPointsByLlmarket)
    )
}

/// A chart that cannot be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// There is nothing to draw.
    #[error("the report has no values to chart")]
    Empty,
    /// A log-scale chart got a value that is not positive.
    #[error("a logarithmic chart cannot show the value {0}")]
    NotPositive(f64),
    /// plotters failed.
    #[error("cannot draw the chart: {0}")]
    Drawing(String),
    /// The SVG could not be rasterised to PNG.
    #[error("cannot render the chart as PNG: {0}")]
    Png(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use llmarket_client::reports::model::Unit;

    fn point(qualifier: Qualifier, low: Option<f64>, high: Option<f64>) -> Point {
        Point {
            low,
            high,
            ..Point::stated(2024, 0.1, Unit::UsdPerMillionTokens, qualifier)
        }
    }

    #[test]
    fn a_bound_open_on_one_side_is_drawn_as_a_bound() {
        let at_most = ChartPoint::of(&point(Qualifier::UpperBound, None, Some(0.1)));
        assert_eq!(at_most.bound, Bound::AtMost);
        assert_eq!(at_most.label.as_deref(), Some("≤0.1"));
        let at_least = ChartPoint::of(&point(Qualifier::LowerBound, Some(0.1), None));
        assert_eq!(at_least.bound, Bound::AtLeast);
        let rounded = ChartPoint::of(&point(Qualifier::Exact, Some(0.05), Some(0.15)));
        assert_eq!(
            rounded.bound,
            Bound::Value {
                low: Some(0.05),
                high: Some(0.15)
            }
        );
    }

    fn value(year: i32, value: f64) -> ChartPoint {
        ChartPoint {
            year,
            value,
            derived: false,
            bound: Bound::Value {
                low: None,
                high: None,
            },
            label: None,
            past_horizon: false,
        }
    }

    #[test]
    fn one_rule_picks_the_log_axis_for_values_orders_of_magnitude_apart() {
        let line = |values: &[f64]| Line {
            label: String::new(),
            points: values
                .iter()
                .zip(2024..)
                .map(|(v, year)| value(year, *v))
                .collect(),
        };
        assert!(!wants_log(&[line(&[10.7, 206.5])]), "19×: linear");
        assert!(wants_log(&[line(&[20.0, 0.1])]), "200×: log");
        assert!(!wants_log(&[line(&[20.0, 0.0])]), "a zero: linear");
        assert!(!wants_log(&[]));
    }

    #[test]
    fn a_derived_bound_is_labelled_with_its_star() {
        let mut derived = point(Qualifier::UpperBound, None, Some(1.41));
        derived.provenance = llmarket_client::reports::model::Provenance::Derived;
        derived.year = 2023;
        derived.value = 1.41;
        let chart_point = ChartPoint::of(&derived);
        assert!(chart_point.derived && chart_point.bound == Bound::AtMost);
        let label = chart_point.label.unwrap_or_default();
        assert!(label.starts_with('≤') && label.contains('*'), "{label}");
    }

    #[test]
    fn values_years_apart_get_the_path_of_constant_growth() {
        let path = growth_path(&value(2024, 10.7), &value(2029, 206.5)).unwrap();
        let years: Vec<i32> = path.iter().map(|(year, _)| *year).collect();
        assert_eq!(years, [2024, 2025, 2026, 2027, 2028, 2029]);
        assert_eq!(path[0].1, 10.7);
        assert_eq!(path[5].1, 206.5);
        // The stated 80.7 % CAGR gives 2026 at 10.7 × 1.807² ≈ 34.9; a straight line ≈ 89.
        assert!((path[2].1 - 34.9).abs() < 0.2, "{path:?}");
    }

    #[test]
    fn neighbours_bounds_and_values_not_positive_get_no_path() {
        assert_eq!(growth_path(&value(2024, 10.7), &value(2025, 19.3)), None);
        assert_eq!(growth_path(&value(2029, 1.0), &value(2024, 2.0)), None);
        let at_most = ChartPoint {
            bound: Bound::AtMost,
            ..value(2024, 0.1)
        };
        assert_eq!(growth_path(&value(2022, 20.0), &at_most), None);
        assert_eq!(growth_path(&value(2022, 0.0), &value(2025, 2.0)), None);
        assert_eq!(growth_path(&value(2022, -1.0), &value(2025, -2.0)), None);
    }

    #[test]
    fn the_source_line_is_worded_in_the_report_language() {
        let cite = |report: &str| Citation {
            report: report.to_owned(),
            publisher: "CIC".to_owned(),
            edition: None,
            version: String::new(),
        };
        assert_eq!(
            source_line(Language::En, &cite("Report"), &[]),
            "Source: Report, CIC; derived points by llmarket"
        );
        assert_eq!(
            source_line(Language::Zh, &cite("报告"), &[]),
            "来源：报告，CIC；推算点由 llmarket 计算"
        );
    }

    #[test]
    fn a_citation_names_edition_sections_and_data_version() {
        let citation = Citation {
            report: "Global Large Model Industry Report".to_owned(),
            publisher: "CIC".to_owned(),
            edition: Some(2026),
            version: "0123456789abcdef".to_owned(),
        };
        let sections = sections(["2.1", "1.2", "1.2, 2.1", ""]);
        assert_eq!(sections, ["1.2", "2.1"]);
        assert_eq!(
            citation.line(Language::En, &sections),
            "Source: Global Large Model Industry Report, CIC, 2026 edition, §1.2, §2.1; \
             data version 0123456789abcdef"
        );
        let zh = Citation {
            report: "全球大模型行业报告".to_owned(),
            ..citation
        };
        assert_eq!(
            zh.line(Language::Zh, &sections[..1]),
            "来源：全球大模型行业报告，CIC，2026 年版，§1.2；数据版本 0123456789abcdef"
        );
    }
}
