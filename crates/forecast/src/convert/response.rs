//! Domain values turned into the wire messages of `llmarket.forecast.v1`.

use llmarket_proto::{
    forecast as pb,
    names::{dataset_name, series_name},
};

use super::wire::v1::{check_kind, kind, method_kind, provenance, qualifier, rate_kind};
use crate::{
    analysis::{Breakdown, Check, Growth, Projection},
    model::{
        Dataset, Derivation, Estimate, Input, Observation, Range, SeriesRef, StatedRate, Unit,
    },
};

fn unit(unit: Unit) -> pb::Unit {
    match unit {
        Unit::UsdBillion => pb::Unit::UsdBillion,
        Unit::UsdPerMillionTokens => pb::Unit::UsdPerMillionTokens,
        Unit::Fraction => pb::Unit::Fraction,
        Unit::Index => pb::Unit::Index,
    }
}

fn interval(range: Range) -> pb::Interval {
    pb::Interval {
        low: range.low,
        high: range.high,
        width_unknown: range.width_unknown,
    }
}

fn estimate(e: Estimate) -> pb::Estimate {
    pb::Estimate {
        value: e.value,
        qualifier: qualifier(e.qualifier).into(),
        interval: Some(interval(e.range)),
    }
}

fn derivation_input(i: &Input) -> pb::DerivationInput {
    pb::DerivationInput {
        year: i.year,
        value: i.value,
        qualifier: qualifier(i.qualifier).into(),
        provenance: provenance(i.provenance).into(),
        width_unknown: i.width_unknown,
    }
}

/// The wire form of a derivation.
fn derivation(d: &Derivation) -> pb::Derivation {
    pb::Derivation {
        method_kind: method_kind(d.kind).into(),
        inputs: d.inputs.iter().map(derivation_input).collect(),
        annual_rate: d.rate,
        years: d.years,
        stated_rate_kind: d
            .stated_rate
            .map_or(pb::RateKind::Unspecified, rate_kind)
            .into(),
        rate_source: d.rate_source.clone(),
        parent: d.parent.clone(),
    }
}

/// The fields of an observation's wire form that are not text.
fn observation_numbers(o: &Observation) -> pb::Observation {
    pb::Observation {
        year: o.year,
        value: o.value,
        unit: unit(o.unit).into(),
        qualifier: qualifier(o.qualifier).into(),
        kind: kind(o.kind).into(),
        provenance: provenance(o.provenance).into(),
        resolution: o.resolution,
        interval: Some(interval(o.range)),
        derivation: o.derivation.as_ref().map(derivation),
        past_horizon: o.past_horizon,
        ..pb::Observation::default()
    }
}

impl From<&Observation> for pb::Observation {
    fn from(o: &Observation) -> Self {
        Self {
            method: o.method.clone(),
            source: o.source.clone(),
            note: o.note.clone(),
            note_zh_hans: o.note_zh_hans.clone(),
            quote: o.quote.clone(),
            ..observation_numbers(o)
        }
    }
}

impl From<Observation> for pb::Observation {
    fn from(o: Observation) -> Self {
        let numbers = observation_numbers(&o);
        Self {
            method: o.method,
            source: o.source,
            note: o.note,
            note_zh_hans: o.note_zh_hans,
            quote: o.quote,
            ..numbers
        }
    }
}

impl From<&StatedRate> for pb::StatedRate {
    fn from(r: &StatedRate) -> Self {
        Self {
            rate_kind: rate_kind(r.rate_kind).into(),
            value: r.value,
            start_year: r.start_year.unwrap_or(0),
            end_year: r.end_year.unwrap_or(0),
            qualifier: qualifier(r.qualifier).into(),
            kind: kind(r.kind).into(),
            source: r.source.clone(),
            resolution: r.resolution,
            quote: r.quote.clone(),
        }
    }
}

/// The wire form of a dataset's metadata.
pub fn dataset(d: &Dataset) -> pb::Dataset {
    let info = &d.info;
    pb::Dataset {
        name: dataset_name(&d.id),
        title_zh_hans: info.title_zh_hans.clone(),
        title_en: info.title_en.clone(),
        publisher: info.publisher.clone(),
        year: info.year,
        currency: info.currency.clone(),
        source_document: info.source_document.clone(),
        notice_zh_hans: info.notice_zh_hans.clone(),
        version: d.version.clone(),
        series_count: i32::try_from(d.series().len()).unwrap_or(i32::MAX),
        source_language_code: info.source_language_code.clone(),
        notice_en: info.notice_en.clone(),
        horizon_year: d.horizon(),
    }
}

/// The wire form of a series, with its observations or (for lists) without.
pub fn series(s: SeriesRef<'_>, with_observations: bool) -> pb::Series {
    let dataset = &s.dataset.id;
    let data = s.series;
    pb::Series {
        name: s.name().into_owned(),
        title_zh_hans: data.title_zh_hans.clone(),
        title_en: data.title_en.clone(),
        unit: unit(data.unit).into(),
        parent: data
            .parent
            .as_deref()
            .map(|p| series_name(dataset, p))
            .unwrap_or_default(),
        components: data
            .components
            .iter()
            .map(|c| series_name(dataset, c))
            .collect(),
        stated_rates: data.stated_rates.iter().map(Into::into).collect(),
        observations: if with_observations {
            data.observations.iter().map(Into::into).collect()
        } else {
            Vec::new()
        },
        source: data.source.clone(),
        note: data.note.clone(),
        note_zh_hans: data.note_zh_hans.clone(),
        first_year: data.first_year(),
        last_year: data.last_year(),
    }
}

/// The ComputeGrowth response for `growth` of `series`.
pub fn growth_response(series: String, g: Growth) -> pb::ComputeGrowthResponse {
    pb::ComputeGrowthResponse {
        series,
        start: Some(g.start.into()),
        end: Some(g.end.into()),
        cagr: g.cagr,
        multiple: g.multiple,
        years: g.years,
        // The old fields keep their meaning: an open low side is a fall to nothing, -1.
        cagr_low: g.range.low.max(-1.0),
        cagr_high: g.range.high,
        stated_rate: g.stated.as_ref().map(Into::into),
        agrees_with_stated: g.agrees_with_stated,
        method: g.method,
        cagr_estimate: Some(estimate(g.cagr_estimate)),
        multiple_estimate: Some(estimate(g.multiple_estimate)),
        only_derived_endpoints: g.only_derived_endpoints,
    }
}

/// The GetBreakdown response for `breakdown` of `series`.
pub fn breakdown_response(series: String, b: Breakdown<'_>) -> pb::GetBreakdownResponse {
    pb::GetBreakdownResponse {
        series,
        year: b.year,
        total: Some(b.total.into()),
        components: b
            .parts
            .into_iter()
            .map(|part| pb::BreakdownComponent {
                series: part.series.name().into_owned(),
                title_en: part.series.series.title_en.clone(),
                title_zh_hans: part.series.series.title_zh_hans.clone(),
                value: Some(part.value.into()),
                share: part.share,
                share_estimate: Some(estimate(part.share_estimate)),
            })
            .collect(),
        components_sum: b.sum,
        residual: b.residual,
        components_add_up: b.adds_up,
        components_sum_estimate: Some(estimate(b.sum_estimate)),
        residual_estimate: Some(estimate(b.residual_estimate)),
    }
}

/// The ProjectSeries response for `projection` of `series`.
pub fn projection_response(series: String, p: Projection) -> pb::ProjectSeriesResponse {
    pb::ProjectSeriesResponse {
        series,
        base: Some(p.base.into()),
        annual_rate: p.rate,
        stated_rate: p.stated.as_ref().map(Into::into),
        projections: p.values.into_iter().map(Into::into).collect(),
        horizon_year: p.horizon,
    }
}

/// The CheckConsistency response for the checks of dataset `dataset`.
pub fn checks_response(dataset: &str, checks: Vec<Check>) -> pb::CheckConsistencyResponse {
    let passed = checks.iter().filter(|c| c.passed).count();
    let failed = checks.len() - passed;
    pb::CheckConsistencyResponse {
        dataset: dataset_name(dataset),
        checks: checks
            .into_iter()
            .map(|c| pb::ConsistencyCheck {
                check_kind: check_kind(c.kind).into(),
                series: series_name(dataset, &c.series),
                year: c.year,
                start_year: c.start_year,
                passed: c.passed,
                expected: c.expected,
                actual: c.actual,
                tolerance: c.tolerance,
                description: c.description,
            })
            .collect(),
        passed_count: i32::try_from(passed).unwrap_or(i32::MAX),
        failed_count: i32::try_from(failed).unwrap_or(i32::MAX),
    }
}
