//! Consistency checks of a dataset's stated figures: components add up to their parent, stated
//! CAGRs agree with the values at the ends of their span, and no component exceeds its parent.

use super::growth;
use crate::model::{Dataset, Fill, Observation, Range, RateKind, SeriesRef, Span, number};

/// What a consistency check verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    /// Components add up to their parent in a year where all are stated.
    ComponentsSum,
    /// A stated CAGR agrees with the stated values at the ends of its span.
    StatedCagr,
    /// No component exceeds its parent in a year where both are stated.
    ComponentWithinParent,
}

/// The result of one consistency check.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// What is checked.
    pub kind: CheckKind,
    /// Id of the series checked.
    pub series: String,
    /// The year (or last year of a span).
    pub year: i32,
    /// The first year of a span; `year` otherwise.
    pub start_year: i32,
    /// Whether it passed.
    pub passed: bool,
    /// The value the data states.
    pub expected: f64,
    /// The value computed from the other figures.
    pub actual: f64,
    /// The largest difference the rounding of the inputs allows (on the side that matters).
    pub tolerance: f64,
    /// The check in words.
    pub description: String,
}

/// Every consistency check the stated figures of `dataset` allow.
pub fn check(dataset: &Dataset) -> Vec<Check> {
    let mut checks = Vec::new();
    for s in dataset.series() {
        let series = SeriesRef::new(dataset, s);
        components_sum(series, &mut checks);
        stated_cagrs(series, &mut checks);
        within_parent(series, &mut checks);
    }
    checks
}

fn components_sum(series: SeriesRef<'_>, checks: &mut Vec<Check>) {
    let components = series.components();
    if components.is_empty() {
        return;
    }
    for total in &series.series.observations {
        let year = total.year;
        let values: Option<Vec<&Observation>> =
            components.iter().map(|c| c.series.stated(year)).collect();
        let Some(values) = values else { continue };
        let sum: f64 = values.iter().map(|v| v.value).sum();
        let sum_range: Range = values.iter().map(|v| v.range).sum();
        let tolerance = total.range.half_width() + sum_range.half_width();
        let terms: Vec<String> = values.iter().map(|v| number(v.value)).collect();
        let passed = total.range.overlaps(sum_range);
        checks.push(Check {
            kind: CheckKind::ComponentsSum,
            series: series.series.id.clone(),
            year,
            start_year: year,
            passed,
            expected: total.value,
            actual: sum,
            tolerance,
            description: format!(
                "{year}: components {} = {} against {} stated for {}; residual {}, allowed ±{}",
                terms.join(" + "),
                number(sum),
                number(total.value),
                series.series.id,
                number(total.value - sum),
                number(tolerance)
            ),
        });
    }
}

fn stated_cagrs(series: SeriesRef<'_>, checks: &mut Vec<Check>) {
    for rate in &series.series.stated_rates {
        let (RateKind::Cagr, Some(start), Some(end)) =
            (rate.rate_kind, rate.start_year, rate.end_year)
        else {
            continue;
        };
        if series.series.stated(start).is_none() || series.series.stated(end).is_none() {
            continue;
        }
        let Ok(computed) = growth(
            series,
            Span {
                start: Some(start),
                end: Some(end),
            },
            Fill::None,
        ) else {
            continue;
        };
        let stated_range = Range::of(rate.value, rate.qualifier, rate.resolution);
        let tolerance = if rate.value <= computed.cagr {
            (rate.value - stated_range.low).max(0.0) + (computed.cagr - computed.range.low)
        } else {
            (stated_range.high - rate.value).max(0.0) + (computed.range.high - computed.cagr)
        };
        checks.push(Check {
            kind: CheckKind::StatedCagr,
            series: series.series.id.clone(),
            year: end,
            start_year: start,
            passed: computed.agrees_with_stated,
            expected: rate.value,
            actual: computed.cagr,
            tolerance,
            description: format!(
                "CAGR {start}-{end}: stated {}, computed {} = {}; the endpoints' rounding allows \
                 {}..{}",
                number(rate.value),
                computed.method,
                number(computed.cagr),
                number(computed.range.low),
                number(computed.range.high)
            ),
        });
    }
}

fn within_parent(series: SeriesRef<'_>, checks: &mut Vec<Check>) {
    let Some(parent) = series.parent() else {
        return;
    };
    for part in &series.series.observations {
        let Some(whole) = parent.series.stated(part.year) else {
            continue;
        };
        let tolerance = (part.value - part.range.low) + (whole.range.high - whole.value);
        // Passes when the least the component may be is no more than the most the parent may be.
        let passed = part
            .range
            .overlaps(Range::new(f64::NEG_INFINITY, whole.range.high));
        checks.push(Check {
            kind: CheckKind::ComponentWithinParent,
            series: series.series.id.clone(),
            year: part.year,
            start_year: part.year,
            passed,
            expected: whole.value,
            actual: part.value,
            tolerance,
            description: format!(
                "{}: {} {} {} its parent {} {}",
                part.year,
                series.series.id,
                number(part.value),
                if passed { "is within" } else { "exceeds" },
                parent.series.id,
                number(whole.value)
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::{
        super::testing::{D, builtin},
        *,
    };
    use crate::model::Catalog;

    #[test]
    fn builtin_data_is_consistent() {
        let catalog = builtin();
        let checks = check(catalog.dataset(D).unwrap());
        let kinds: Vec<CheckKind> = checks.iter().map(|c| c.kind).collect();
        assert_eq!(kinds.len(), 4, "{checks:#?}");
        assert!(kinds.contains(&CheckKind::ComponentsSum));
        assert!(kinds.contains(&CheckKind::StatedCagr));
        assert_eq!(
            kinds
                .iter()
                .filter(|k| **k == CheckKind::ComponentWithinParent)
                .count(),
            2
        );
        assert!(checks.iter().all(|c| c.passed), "{checks:#?}");
        let cagr = checks
            .iter()
            .find(|c| c.kind == CheckKind::StatedCagr)
            .unwrap();
        assert!((cagr.actual - cagr.expected).abs() <= cagr.tolerance);
    }

    #[test]
    fn inconsistent_data_fails_its_checks() {
        let text = r#"
title_zh_hans = "x"
title_en = "x"
publisher = "p"
year = 2026
currency = "USD"
source_document = "d"
[[series]]
id = "total"
title_zh_hans = "x"
title_en = "x"
unit = "usd-billion"
source = "1"
components = ["part"]
observations = [{ year = 2024, value = 10.0, qualifier = "exact", kind = "actual", resolution = 0.1 },
                { year = 2029, value = 20.0, qualifier = "exact", kind = "forecast", resolution = 0.1 }]
stated_rates = [{ rate_kind = "cagr", value = 0.5, start_year = 2024, end_year = 2029, qualifier = "exact", kind = "forecast", resolution = 0.001 }]
[[series]]
id = "part"
title_zh_hans = "x"
title_en = "x"
unit = "usd-billion"
source = "1"
observations = [{ year = 2029, value = 25.0, qualifier = "exact", kind = "forecast", resolution = 0.1 }]
"#;
        let files = llmarket_kit::data::DatasetFiles {
            directory: "bad".into(),
            forecast: Some(llmarket_kit::data::DataFile {
                path: "bad/forecast.toml".into(),
                text: text.into(),
            }),
            taxonomy: None,
            edition: None,
        };
        let catalog = Catalog::load(&[files]).unwrap();
        let checks = check(catalog.dataset("bad").unwrap());
        assert_eq!(checks.len(), 3, "{checks:#?}");
        assert!(checks.iter().all(|c| !c.passed), "{checks:#?}");
        let within = checks
            .iter()
            .find(|c| c.kind == CheckKind::ComponentWithinParent)
            .unwrap();
        assert_eq!(
            within.description,
            "2029: part 25 exceeds its parent total 20"
        );
    }
}
