//! What each report says, as a [`Doc`] and a [`Chart`]: one module per report with its
//! `impl Render`, and here the pieces several reports share (value tables, growth, notes).

mod analyst;
mod cost;
mod direct;
mod discovery;
mod editions;
mod localize;
mod method;
mod overview;
mod segment;
mod timeline;

use self::method::{derived_methods, derived_note};
use self::method::{growth_method, method_text, multiple_text};
use crate::render::{
    Chart, ChartPoint, Doc, Line, format, wants_log,
    words::{Msg, Words},
};
use llmarket_client::reports::{
    Language, Warning,
    model::{
        Breakdown, ConceptRef, ConceptSummary, ConceptTexts, Growth, MilestoneItem, Point,
        RateKind, SeriesValues, StatedRate,
    },
};

/// Whether `b`'s components add up to its total, with their sum and the residual.
pub(super) fn breakdown_verdict(w: Words, b: &Breakdown) -> String {
    let verdict = if b.components_add_up {
        Msg::ComponentsAddUp
    } else {
        Msg::ComponentsDoNotAddUp
    };
    format!(
        "{}{}{}",
        w.t(verdict),
        w.paren(&format!(
            "{} {}{}{} {}",
            w.t(Msg::Sum),
            format::number(b.components_sum),
            w.comma(),
            w.t(Msg::Residual),
            format::number(b.residual)
        )),
        w.stop()
    )
}

/// A share the service computed (the report states none), marked derived: "73.4%*"; a table
/// of them is followed by [`Msg::ShareDerivedNote`].
pub(super) fn share_text(share: f64) -> String {
    format!("{}*", format::percent(share, 1))
}

/// `b` as a table (each component with its value and derived share, the total last), the note
/// saying how the shares are computed, and whether the components add up.
pub(super) fn breakdown_table(w: Words, doc: &mut Doc, b: &Breakdown) {
    let mut rows: Vec<Vec<String>> = b
        .components
        .iter()
        .map(|c| {
            vec![
                c.title.clone(),
                format::point_value(&c.value),
                share_text(c.share),
            ]
        })
        .collect();
    rows.push(vec![
        w.s(Msg::Total),
        format::point_value(&b.total),
        "100%".to_owned(),
    ]);
    doc.table(
        &[w.t(Msg::Component), w.unit(b.total.unit), w.t(Msg::Share)],
        rows,
    );
    doc.text(w.t(Msg::ShareDerivedNote));
    doc.text(breakdown_verdict(w, b));
}

/// "L3 Agents", or the label alone.
pub(super) fn concept_title(concept: &ConceptSummary) -> String {
    match &concept.notation {
        Some(notation) if !concept.label.starts_with(notation.as_str()) => {
            format!("{notation} {}", concept.label)
        }
        _ => concept.label.clone(),
    }
}

/// Each concept with its definition, nested under its broader concept when that one is in the
/// list too (the list is in vocabulary order, broader before narrower).
pub(super) fn concept_terms(concepts: &[ConceptSummary]) -> Vec<(usize, String, String)> {
    let depth = |concept: &ConceptSummary| {
        let mut depth = 0;
        let mut current = concept;
        // Bounded by the list's length, so a cycle in bad data cannot loop forever.
        while depth < concepts.len() {
            let Some(parent) = current
                .broader
                .first()
                .and_then(|b| concepts.iter().find(|c| &c.name == b))
            else {
                break;
            };
            depth += 1;
            current = parent;
        }
        depth
    };
    concepts
        .iter()
        .map(|c| (depth(c), concept_title(c), c.definition.clone()))
        .collect()
}

/// Where models stand on the current level, in words ("border": at its border); a position
/// the reports do not know is shown as the taxonomy gives it.
pub(super) fn position_text(w: Words, position: &str) -> String {
    match position {
        "border" => w.s(Msg::PositionBorder),
        other => other.to_owned(),
    }
}

/// A heading of a part of a report and its years: "Growth 2024–2029", "2024–2029 年增长".
pub(super) fn with_years(w: Words, what: Msg, years: &str) -> String {
    if years.is_empty() {
        return w.s(what);
    }
    match w.0 {
        Language::En => format!("{} {years}", w.t(what)),
        Language::Zh => format!("{years} 年{}", w.t(what)),
    }
}

pub(super) fn concept_ref(r: &ConceptRef) -> String {
    r.label.clone().unwrap_or_else(|| r.name.clone())
}

pub(super) fn refs(w: Words, list: &[ConceptRef]) -> String {
    if list.is_empty() {
        "—".to_owned()
    } else {
        list.iter()
            .map(concept_ref)
            .collect::<Vec<_>>()
            .join(w.list_sep())
    }
}

/// "2024–2029", or the one year, or one open end ("from 2024", "2024 年起").
pub(super) fn span(w: Words, start: Option<i32>, end: Option<i32>) -> String {
    match (start, end, w.0) {
        (Some(_), Some(_), _) | (None, None, _) => format::span(start, end),
        (Some(s), None, Language::En) => format!("{} {s}", w.t(Msg::From)),
        (Some(s), None, Language::Zh) => format!("{s} 年起"),
        (None, Some(e), Language::En) => format!("{} {e}", w.t(Msg::To)),
        (None, Some(e), Language::Zh) => format!("至 {e} 年"),
    }
}

/// The rows Year | Value | Kind | Basis of a series; a derived value's basis points to the
/// note (see [`derived_note`]) that says how it was computed.
pub(super) fn value_rows(w: Words, points: &[Point]) -> Vec<Vec<String>> {
    let methods = derived_methods(w, points);
    points
        .iter()
        .map(|p| {
            vec![
                p.year.to_string(),
                format::point_value(p),
                w.kind(p.kind).to_owned(),
                basis(w, p, &methods),
            ]
        })
        .collect()
}

/// "stated, §1.2", or "derived [n]" with `n` the number of its method's note.
pub(super) fn basis(w: Words, point: &Point, methods: &[String]) -> String {
    let method = point.is_derived().then(|| method_text(w, point));
    let note = method.and_then(|m| methods.iter().position(|x| *x == m));
    match note {
        Some(index) if point.is_derived() => format!("{} [{}]", w.t(Msg::Derived), index + 1),
        _ if point.is_derived() => w.s(Msg::Derived),
        _ if point.source.is_empty() => w.s(Msg::Stated),
        _ => format!("{}{}§{}", w.t(Msg::Stated), w.comma(), point.source),
    }
}

pub(super) fn series_table(w: Words, doc: &mut Doc, series: &SeriesValues) {
    doc.table(
        &[
            w.t(Msg::Year),
            w.unit(series.unit),
            w.t(Msg::Kind),
            w.t(Msg::Basis),
        ],
        value_rows(w, &series.points),
    );
    derived_note(w, doc, &series.points);
    doc.text(scope_note(w, &series.title, &series.note));
}

/// The source's note on what a series covers, for under what shows it ("Scope of Market
/// size: …"); empty when the series has none.
pub(super) fn scope_note(w: Words, title: &str, note: &str) -> String {
    if note.is_empty() {
        return String::new();
    }
    match w.0 {
        Language::En => format!("{} {title}{}{note}", w.t(Msg::ScopeOf), w.colon()),
        Language::Zh => format!("{title}{}{}{note}", w.t(Msg::ScopeOf), w.colon()),
    }
}

pub(super) fn stated_rate_text(w: Words, rate: &StatedRate) -> String {
    let what = match rate.rate_kind {
        RateKind::Cagr => w.t(Msg::Cagr),
        RateKind::AnnualChange => w.t(Msg::AYear),
    };
    let span = span(w, rate.start_year, rate.end_year);
    let mut text = match w.0 {
        Language::En => format!("{} {what}", format::stated_rate(rate)),
        Language::Zh => format!("{what} {}", format::stated_rate(rate)),
    };
    if !span.is_empty() {
        text.push_str(&format!("{}{span}", w.comma()));
    }
    text.push_str(&format!("{}{}", w.comma(), w.kind(rate.kind)));
    if !rate.source.is_empty() {
        text.push_str(&w.paren(&format!("§{}", rate.source)));
    }
    text
}

pub(super) fn growth_fields(w: Words, growth: &Growth) -> Vec<(String, String)> {
    let sign = growth
        .cagr_estimate
        .map_or("", |e| format::qualifier_sign(e.qualifier));
    // A CAGR between two derived values is only the rate their derivation assumed.
    let cagr_label = if growth.only_derived_endpoints {
        Msg::InterpolationRate
    } else {
        Msg::CagrComputed
    };
    let mut fields = vec![
        (
            w.s(cagr_label),
            format!(
                "{sign}{}{}",
                format::percent(growth.cagr, 2),
                w.paren(&format!(
                    "{} … {}{}{}",
                    growth
                        .cagr_low
                        .map_or_else(|| "−∞".to_owned(), |low| format::percent(low, 2)),
                    growth
                        .cagr_high
                        .map_or_else(|| "+∞".to_owned(), |high| format::percent(high, 2)),
                    w.comma(),
                    w.t(Msg::WithinRounding)
                ))
            ),
        ),
        (
            w.s(Msg::Multiple),
            format!(
                "{}{}{} {}{}",
                multiple_text(w, growth),
                w.comma(),
                growth.years,
                w.t(if growth.years == 1 {
                    Msg::YearCount
                } else {
                    Msg::YearsCount
                }),
                w.paren(&format!(
                    "{} → {}",
                    format::point_value(&growth.start),
                    format::point_value(&growth.end)
                ))
            ),
        ),
    ];
    if growth.only_derived_endpoints {
        fields.push((w.s(Msg::Note), w.s(Msg::OnlyDerivedGrowth)));
    }
    match (&growth.stated, growth.agrees_with_stated) {
        (Some(stated), agrees) => {
            fields.push((w.s(Msg::CagrStated), stated_rate_text(w, stated)));
            let verdict = if agrees == Some(true) {
                Msg::StatedCagrAgrees
            } else {
                Msg::StatedCagrDisagrees
            };
            fields.push((w.s(Msg::Check), w.s(verdict)));
        }
        (None, _) => fields.push((w.s(Msg::CagrStated), w.s(Msg::NoneStatedForSpan))),
    }
    fields.push((w.s(Msg::Method), growth_method(w, growth)));
    fields
}

pub(super) fn warnings_section(w: Words, doc: &mut Doc, warnings: &[Warning]) {
    if !warnings.is_empty() {
        doc.heading(2, w.t(Msg::Warnings));
        doc.list(warnings.iter().map(|x| warning_text(w, x)).collect());
    }
}

/// A warning in the report's language: what is missing in words, then why (the error as the
/// client reports it).
fn warning_text(w: Words, warning: &Warning) -> String {
    if w.0 == Language::En {
        return warning.to_string();
    }
    let part = match warning.missing.as_str() {
        "drivers" => w.t(Msg::Drivers),
        "trends" => w.t(Msg::Trends),
        "barriers" => w.t(Msg::Barriers),
        "current capability level" => w.t(Msg::CurrentCapabilityLevel),
        "milestones" => w.t(Msg::Milestones),
        "unlocked applications" => w.t(Msg::UnlockedApplications),
        "fall of the stated cost" => w.t(Msg::FallSoFar),
        "labels of related concepts" => w.t(Msg::LabelsOfRelated),
        other => other,
    };
    format!("{part}{}{}{}", w.t(Msg::Missing), w.colon(), warning.reason)
}

pub(super) fn line(label: &str, points: &[Point]) -> Line {
    Line {
        label: label.to_owned(),
        points: points.iter().map(ChartPoint::of).collect(),
    }
}

pub(super) fn series_chart(w: Words, series: &SeriesValues) -> Option<Chart> {
    (!series.points.is_empty()).then(|| {
        let mut chart = chart(
            w,
            series.title.clone(),
            w.s_unit(series.unit),
            vec![line(&series.title, &series.points)],
        );
        chart.notes = notes([scope_note(w, &series.title, &series.note)]);
        chart
    })
}

/// The non-empty ones of `notes`.
pub(super) fn notes(notes: impl IntoIterator<Item = String>) -> Vec<String> {
    notes.into_iter().filter(|n| !n.is_empty()).collect()
}

/// A chart of `lines` with the axis and legend words in the report's language; its value axis
/// is logarithmic or linear by the one rule, [`wants_log`].
pub(super) fn chart(w: Words, title: String, y_label: String, lines: Vec<Line>) -> Chart {
    Chart {
        title,
        x_label: w.s(Msg::YearAxis),
        y_label,
        markers: (w.s(Msg::StatedInReport), w.s(Msg::DerivedByService)),
        bounds: (w.s(Msg::IntervalBar), w.s(Msg::OpenBound)),
        derived_bound: w.s(Msg::DerivedBound),
        past_horizon: w.s(Msg::PastHorizonShade),
        log_word: w.s(Msg::LogScale),
        growth_path: w.s(Msg::GrowthPath),
        log_scale: wants_log(&lines),
        bars: Vec::new(),
        lines,
        events: Vec::new(),
        event_label: w.s(Msg::MilestoneMarker),
        notes: Vec::new(),
        source: String::new(),
    }
}

pub(super) fn milestone_when(w: Words, m: &MilestoneItem) -> String {
    match (m.month, m.end_of_year, w.0) {
        (Some(month), _, Language::En) => format!("{}-{month:02}", m.year),
        (Some(month), _, Language::Zh) => format!("{} 年 {month} 月", m.year),
        (None, true, Language::En) => format!("end of {}", m.year),
        (None, true, Language::Zh) => format!("{} 年末", m.year),
        (None, false, Language::En) => m.year.to_string(),
        (None, false, Language::Zh) => format!("{} 年", m.year),
    }
}

/// Each milestone as a term: its date and title, then its description.
pub(super) fn milestone_terms<'a>(
    w: Words,
    milestones: impl IntoIterator<Item = &'a MilestoneItem>,
) -> Vec<(String, String)> {
    milestones
        .into_iter()
        .map(|m| {
            (
                format!("{} {}", milestone_when(w, m), m.title),
                m.description.clone(),
            )
        })
        .collect()
}

/// A concept's words in each of its languages, the report's language first: `(language, label,
/// definition)`, the label followed by its alternative labels when `alt` is set; empty when the
/// service sent none.
pub(super) fn concept_languages(
    w: Words,
    c: &ConceptSummary,
    alt: bool,
) -> Vec<(String, String, String)> {
    let own = match w.0 {
        Language::En => "en",
        Language::Zh => "zh-Hans",
    };
    let mut languages: Vec<&ConceptTexts> = c.languages.iter().collect();
    languages.sort_by_key(|l| l.language_code != own);
    languages
        .into_iter()
        .map(|l| {
            let name = match l.language_code.as_str() {
                "zh-Hans" | "zh" => w.s(Msg::LangZh),
                "en" => w.s(Msg::LangEn),
                other => other.to_owned(),
            };
            let mut label = l.label.clone();
            if alt && !l.alt_labels.is_empty() {
                label.push_str(&w.paren(&format!(
                    "{}{}{}",
                    w.t(Msg::Also),
                    w.colon(),
                    l.alt_labels.join(w.list_sep())
                )));
            }
            (name, label, l.definition.clone())
        })
        .collect()
}
