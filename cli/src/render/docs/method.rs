//! How derived values were computed, in the report's language: worded from the service's
//! derivation (method kind and inputs) when it sends one, its English text otherwise; the
//! numbered notes that list the methods; the one note on values past the report's horizon.

use crate::render::{
    Doc, format,
    words::{Msg, Words},
};
use llmarket_client::reports::{
    Language,
    model::{Derivation, DerivationInput, Growth, MethodKind, Point, Provenance, Qualifier},
};

/// `: ` in English, `：` in Chinese.
fn colon(w: Words) -> &'static str {
    match w.0 {
        Language::En => ": ",
        Language::Zh => "：",
    }
}

/// "about ", "at most ", "at most about " … for a value with this qualifier.
fn bound_words(w: Words, qualifier: Qualifier, width_unknown: bool) -> String {
    let about = w.t(Msg::About);
    let bound = |msg| {
        if width_unknown {
            format!("{} {about}", w.t(msg))
        } else {
            w.s(msg)
        }
    };
    let words = match qualifier {
        Qualifier::Exact => return String::new(),
        Qualifier::Approximate => about.to_owned(),
        Qualifier::UpperBound => bound(Msg::AtMost),
        Qualifier::LowerBound => bound(Msg::AtLeast),
    };
    match w.0 {
        Language::En => format!("{words} "),
        Language::Zh => format!("{} ", words.replace(' ', "")),
    }
}

/// "2022 (about 20, stated)" or "2022 年（约 20，报告所述）".
fn input_label(w: Words, input: &DerivationInput) -> String {
    let bound = bound_words(w, input.qualifier, input.width_unknown);
    let value = format::significant(input.value);
    let provenance = w.t(match input.provenance {
        Provenance::Reported => Msg::Stated,
        Provenance::Derived => Msg::Derived,
    });
    match w.0 {
        Language::En => format!("{} ({bound}{value}, {provenance})", input.year),
        Language::Zh => format!("{} 年（{bound}{value}，{provenance}）", input.year),
    }
}

/// The label of a growth endpoint, as [`input_label`] words a derivation's input.
fn point_label(w: Words, p: &Point) -> String {
    input_label(
        w,
        &DerivationInput {
            year: p.year,
            value: p.value,
            qualifier: p.qualifier,
            provenance: p.provenance,
            width_unknown: p.width_unknown,
        },
    )
}

/// `a / b`, or `a ÷ b` in Chinese.
fn quotient(w: Words, a: &str, b: &str) -> String {
    match w.0 {
        Language::En => format!("{a} / {b}"),
        Language::Zh => format!("{a} ÷ {b}"),
    }
}

fn derivation_text(w: Words, d: &Derivation) -> Option<String> {
    let label = |i: usize| d.inputs.get(i).map(|input| input_label(w, input));
    let sep = colon(w);
    Some(match d.method_kind {
        MethodKind::CagrInterpolation => {
            let (a, b) = (label(0)?, label(1)?);
            let (between, and) = (w.t(Msg::InterpolationBetween), w.t(Msg::And));
            match w.0 {
                Language::En => format!("{between} {a} {and} {b}"),
                Language::Zh => format!("{a}{and} {b}{between}"),
            }
        }
        MethodKind::YearOverYear => format!(
            "{}{sep}{} − 1",
            w.t(Msg::YearOverYear),
            quotient(w, &label(0)?, &label(1)?)
        ),
        MethodKind::Index => format!(
            "{}{sep}{} × 100",
            w.t(Msg::Index),
            quotient(w, &label(0)?, &label(1)?)
        ),
        MethodKind::ShareOfParent => {
            let parent = d.parent.rsplit('/').next().unwrap_or_default();
            let ratio = quotient(w, &label(0)?, &label(1)?);
            match w.0 {
                Language::En => format!("{}{sep}{ratio} ({parent})", w.t(Msg::ShareOfParent)),
                Language::Zh => format!("{}{sep}{ratio}（{parent}）", w.t(Msg::ShareOfParent)),
            }
        }
        MethodKind::Projection => projection_text(w, d, &label(0)?)?,
    })
}

/// One text for every year of a projection (the year is the exponent), so a projection over
/// 76 years has one note, not 76.
fn projection_text(w: Words, d: &Derivation, base: &str) -> Option<String> {
    let rate = d.annual_rate?;
    let base_year = d.inputs.first()?.year;
    let growth = if rate < 0.0 {
        format!("(1 − {})", format::trimmed(-rate))
    } else {
        format!("(1 + {})", format::trimmed(rate))
    };
    let whose = d.stated_rate_kind.map(|kind| {
        let what = w.t(match kind {
            llmarket_client::reports::model::RateKind::Cagr => Msg::TheStatedCagr,
            llmarket_client::reports::model::RateKind::AnnualChange => Msg::TheStatedAnnualChange,
        });
        if d.rate_source.is_empty() {
            what.to_owned()
        } else {
            match w.0 {
                Language::En => format!("{what}, §{}", d.rate_source),
                Language::Zh => format!("{what}，§{}", d.rate_source),
            }
        }
    });
    let rate = format::percent_trimmed(rate);
    let formula = match w.0 {
        Language::En => format!(
            "{} × {growth}^({} − {base_year})",
            w.t(Msg::Base),
            w.t(Msg::YearAxis)
        ),
        // Full-width parentheses around the Chinese word, as around any Chinese text.
        Language::Zh => format!(
            "{} × {growth}^（{} − {base_year}）",
            w.t(Msg::Base),
            w.t(Msg::YearAxis)
        ),
    };
    let sep = colon(w);
    Some(match (w.0, whose) {
        (Language::En, Some(whose)) => format!(
            "{} {base} at {rate} {} ({whose}){sep}{formula}",
            w.t(Msg::ProjectionFrom),
            w.t(Msg::AYear)
        ),
        (Language::En, None) => format!(
            "{} {base} at {rate} {}{sep}{formula}",
            w.t(Msg::ProjectionFrom),
            w.t(Msg::AYear)
        ),
        (Language::Zh, Some(whose)) => format!(
            "{} {base}起按{} {rate}（{whose}）{}{sep}{formula}",
            w.t(Msg::ProjectionFrom),
            w.t(Msg::AYear),
            w.t(Msg::Projected)
        ),
        (Language::Zh, None) => format!(
            "{} {base}起按{} {rate}{}{sep}{formula}",
            w.t(Msg::ProjectionFrom),
            w.t(Msg::AYear),
            w.t(Msg::Projected)
        ),
    })
}

/// How `point` was computed, in the report's language; without a derivation to word, the
/// service's own (English) text in English and a plain "computed by the service" in Chinese.
pub(super) fn method_text(w: Words, point: &Point) -> String {
    point
        .derivation
        .as_ref()
        .and_then(|d| derivation_text(w, d))
        .or_else(|| match w.0 {
            Language::En => point.method.clone(),
            Language::Zh => None,
        })
        .unwrap_or_else(|| w.s(Msg::ComputedByService))
}

/// How a growth figure was computed, in the report's language.
pub(super) fn growth_method(w: Words, g: &Growth) -> String {
    let ratio = quotient(
        w,
        &format::significant(g.end.value),
        &format::significant(g.start.value),
    );
    let (start, end) = (point_label(w, &g.start), point_label(w, &g.end));
    let (from, to) = (w.t(Msg::From), w.t(Msg::To));
    match w.0 {
        Language::En => format!("({ratio})^(1/{}) − 1, {from} {start} {to} {end}", g.years),
        Language::Zh => format!("({ratio})^(1/{}) − 1，{from} {start}{to} {end}", g.years),
    }
}

/// The distinct methods of the derived points, in first-seen order.
pub(super) fn derived_methods<'a>(
    w: Words,
    points: impl IntoIterator<Item = &'a Point>,
) -> Vec<String> {
    let mut methods: Vec<String> = Vec::new();
    for point in points {
        if point.is_derived() {
            let method = method_text(w, point);
            if !methods.contains(&method) {
                methods.push(method);
            }
        }
    }
    methods
}

/// The numbered notes on how the derived values (marked `*`) were computed, and the one note on
/// values past the report's horizon (marked `†`).
pub(super) fn derived_note(w: Words, doc: &mut Doc, points: &[Point]) {
    let methods = derived_methods(w, points);
    if !methods.is_empty() {
        doc.text(w.t(Msg::DerivedNote));
        doc.list(
            methods
                .iter()
                .enumerate()
                .map(|(i, method)| format!("[{}] {method}", i + 1))
                .collect(),
        );
    }
    let past: Vec<i32> = points
        .iter()
        .filter(|p| p.past_horizon)
        .map(|p| p.year)
        .collect();
    if let Some(first) = past.first() {
        let horizon = first - 1;
        doc.text(match w.0 {
            Language::En => format!(
                "† {} {horizon}, {}{}{}",
                w.t(Msg::After),
                w.t(Msg::HorizonYear),
                colon(w),
                w.t(Msg::PastHorizon)
            ),
            Language::Zh => format!(
                "† {horizon} 年{}（{}）{}{}",
                w.t(Msg::After),
                w.t(Msg::HorizonYear),
                colon(w),
                w.t(Msg::PastHorizon)
            ),
        });
    }
}

/// The multiple as a person reads it: "19.30×", and below 1 as a fall, its bound turned
/// around: "≤0.005× (a fall of ≥200×)".
pub(super) fn multiple_text(w: Words, g: &Growth) -> String {
    let (value, qualifier) = g
        .multiple_estimate
        .map_or((g.multiple, Qualifier::Exact), |e| (e.value, e.qualifier));
    let sign = format::qualifier_sign(qualifier);
    if value >= 1.0 || value <= 0.0 {
        return format!("{sign}{value:.2}×");
    }
    let fall = format::significant(1.0 / value);
    let fall_sign = format::qualifier_sign(format::reciprocal_qualifier(qualifier));
    let multiple = format::significant(value);
    match w.0 {
        Language::En => format!(
            "{sign}{multiple}× ({} {fall_sign}{fall}×)",
            w.t(Msg::FallOf)
        ),
        Language::Zh => format!(
            "{sign}{multiple}×（{}{fall_sign}{fall}×）",
            w.t(Msg::FallOf)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use llmarket_client::reports::model::{Estimate, Unit};

    fn point(year: i32, value: f64, qualifier: Qualifier, width_unknown: bool) -> Point {
        Point {
            width_unknown,
            ..Point::stated(year, value, Unit::UsdPerMillionTokens, qualifier)
        }
    }

    fn cost_growth() -> Growth {
        Growth {
            series: "s".to_owned(),
            start: point(2022, 20.0, Qualifier::Approximate, true),
            end: point(2024, 0.1, Qualifier::UpperBound, false),
            years: 2,
            cagr: 0.005f64.sqrt() - 1.0,
            cagr_low: None,
            cagr_high: None,
            multiple: 0.005,
            method: String::new(),
            stated: None,
            agrees_with_stated: None,
            cagr_estimate: None,
            multiple_estimate: Some(Estimate {
                value: 0.005,
                qualifier: Qualifier::UpperBound,
                low: None,
                high: Some(0.005),
                width_unknown: true,
            }),
            only_derived_endpoints: false,
        }
    }

    #[test]
    fn a_bounded_fall_reads_as_a_fall_in_both_languages() {
        let g = cost_growth();
        assert_eq!(
            multiple_text(Words(Language::En), &g),
            "≤0.005× (a fall of ≥200×)"
        );
        assert_eq!(
            multiple_text(Words(Language::Zh), &g),
            "≤0.005×（下降≥200×）"
        );
        assert_eq!(
            growth_method(Words(Language::Zh), &g),
            "(0.1 ÷ 20)^(1/2) − 1，自 2022 年（约 20，报告所述）至 2024 年（至多 0.1，报告所述）"
        );
    }

    #[test]
    fn an_approximate_bound_says_both() {
        let mut p = point(2023, 2f64.sqrt(), Qualifier::UpperBound, true);
        p.provenance = Provenance::Derived;
        p.derivation = Some(Derivation {
            method_kind: MethodKind::YearOverYear,
            inputs: vec![DerivationInput {
                year: 2023,
                value: 1.414,
                qualifier: Qualifier::UpperBound,
                provenance: Provenance::Derived,
                width_unknown: true,
            }],
            annual_rate: None,
            years: None,
            stated_rate_kind: None,
            rate_source: String::new(),
            parent: String::new(),
        });
        // A derivation missing an input falls back to the service's text.
        p.method = Some("service text".to_owned());
        assert_eq!(method_text(Words(Language::En), &p), "service text");
        // Never the service's English in a Chinese report.
        assert_eq!(method_text(Words(Language::Zh), &p), "由预测服务计算");
        let input = p.derivation.as_ref().unwrap().inputs[0].clone();
        assert_eq!(
            input_label(Words(Language::En), &input),
            "2023 (at most about 1.41, derived)"
        );
        assert_eq!(
            input_label(Words(Language::Zh), &input),
            "2023 年（至多约 1.41，推算）"
        );
    }
}
