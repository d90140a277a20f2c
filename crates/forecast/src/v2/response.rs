//! Domain values turned into the messages of `llmarket.forecast.v2`: every figure once, with an
//! interval whose open sides are absent; units as data; texts as language lists; the edition and
//! the data version on every resource and response.

use llmarket_proto::{
    google::r#type::Date,
    llmarket::forecast::v2 as pb,
    names::{dataset_name, series_name},
};

use crate::{
    analysis::{Breakdown, Check, Growth, Projection},
    convert::wire::v2::{check_kind, kind, method_kind, provenance, qualifier, rate_kind},
    model::{
        Dataset, Derivation, Editions, Estimate, Input, MethodKind, Names, Observation, Qualifier,
        Range, SeriesRef, StatedRate, Unit,
    },
};
use llmarket_kit::data::PublishDate;

/// What every message of one answer shares: the edition read and the data version shown.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// The edition read.
    pub edition: &'a Dataset,
    /// The data version the caller is shown.
    pub version: &'a str,
}

impl<'a> Answer<'a> {
    /// The answer for a read of `edition`, showing data version `version`.
    pub fn new(edition: &'a Dataset, version: &'a str) -> Self {
        Self { edition, version }
    }

    /// The edition's v2 name, copied from the one made when it was named.
    fn edition_name(&self) -> String {
        self.edition.edition_name().to_owned()
    }
}

/// Texts given in English and in the source language (zh-Hans), the empty ones left out.
pub fn texts(en: &str, zh_hans: &str) -> Vec<pb::LocalizedText> {
    [("zh-Hans", zh_hans), ("en", en)]
        .into_iter()
        .filter(|(_, text)| !text.is_empty())
        .map(|(language_code, text)| pb::LocalizedText {
            language_code: language_code.to_owned(),
            text: text.to_owned(),
        })
        .collect()
}

fn unit(unit: Unit, currency: &str, index_base_year: Option<i32>) -> pb::Unit {
    let money = |kind: pb::UnitKind| pb::Unit {
        kind: kind.into(),
        currency_code: currency.to_owned(),
        ..pb::Unit::default()
    };
    match unit {
        Unit::UsdBillion => pb::Unit {
            scale_exponent: 9,
            ..money(pb::UnitKind::Currency)
        },
        Unit::UsdPerMillionTokens => pb::Unit {
            per: "token".to_owned(),
            per_scale_exponent: 6,
            ..money(pb::UnitKind::CurrencyPerQuantity)
        },
        Unit::Fraction => pb::Unit {
            kind: pb::UnitKind::Fraction.into(),
            ..pb::Unit::default()
        },
        Unit::Index => pb::Unit {
            kind: pb::UnitKind::Index.into(),
            index_base_year,
            ..pb::Unit::default()
        },
    }
}

/// An interval whose open (infinite) sides are absent.
pub fn interval(range: Range) -> pb::Interval {
    let finite = |end: f64| end.is_finite().then_some(end);
    pb::Interval {
        low: finite(range.low),
        high: finite(range.high),
        width_unknown: range.width_unknown,
    }
}

fn figure(value: f64, q: Qualifier, range: Range) -> pb::Figure {
    pb::Figure {
        value,
        qualifier: qualifier(q).into(),
        interval: Some(interval(range)),
    }
}

fn estimate(e: Estimate) -> pb::Figure {
    figure(e.value, e.qualifier, e.range)
}

fn input(i: &Input) -> pb::DerivationInput {
    pb::DerivationInput {
        year: i.year,
        value: i.value,
        qualifier: qualifier(i.qualifier).into(),
        provenance: provenance(i.provenance).into(),
        width_unknown: i.width_unknown,
    }
}

fn derivation(d: &Derivation, description: &str, edition: &Dataset) -> pb::Derivation {
    let projection = d.kind == MethodKind::Projection;
    pb::Derivation {
        method_kind: method_kind(d.kind).into(),
        inputs: d.inputs.iter().map(input).collect(),
        annual_rate: projection.then_some(d.rate),
        years: projection.then_some(d.years),
        stated_rate_kind: d
            .stated_rate
            .map_or(pb::RateKind::Unspecified, rate_kind)
            .into(),
        rate_source: d.rate_source.clone(),
        parent: v2_series_name(&d.parent, edition),
        description: description.to_owned(),
    }
}

/// The v2 name of `name`, a v1 series name: a series of `edition`
/// (`datasets/{v1 id}/series/{s}`) becomes `datasets/{v2 dataset}/series/{s}`; any other name
/// is kept as it is.
fn v2_series_name(name: &str, edition: &Dataset) -> String {
    let series = name
        .strip_prefix("datasets/")
        .and_then(|rest| rest.strip_prefix(edition.id.as_str()))
        .and_then(|rest| rest.strip_prefix("/series/"));
    series
        .and_then(|id| edition.v2_series_name(id))
        .unwrap_or(name)
        .to_owned()
}

/// An observation of the edition `answer` reads.
pub fn observation(o: &Observation, answer: Answer<'_>) -> pb::Observation {
    let index_base = o
        .derivation
        .as_ref()
        .filter(|d| d.kind == MethodKind::Index)
        .and_then(|d| d.inputs.get(1))
        .map(|i| i.year);
    pb::Observation {
        year: o.year,
        value: Some(figure(o.value, o.qualifier, o.range)),
        unit: Some(unit(o.unit, &answer.edition.info.currency, index_base)),
        kind: kind(o.kind).into(),
        provenance: provenance(o.provenance).into(),
        derivation: o
            .derivation
            .as_ref()
            .map(|d| derivation(d, &o.method, answer.edition)),
        source: o.source.clone(),
        resolution: (o.resolution > 0.0).then_some(o.resolution),
        notes: texts(&o.note, &o.note_zh_hans),
        quote: o.quote.clone(),
        past_horizon: o.past_horizon,
        edition: answer.edition_name(),
    }
}

/// A rate the edition states, with its interval from its rounding.
pub fn stated_rate(r: &StatedRate, answer: Answer<'_>) -> pb::StatedRate {
    pb::StatedRate {
        rate_kind: rate_kind(r.rate_kind).into(),
        value: Some(figure(
            r.value,
            r.qualifier,
            Range::of(r.value, r.qualifier, r.resolution),
        )),
        start_year: r.start_year,
        end_year: r.end_year,
        kind: kind(r.kind).into(),
        source: r.source.clone(),
        resolution: (r.resolution > 0.0).then_some(r.resolution),
        quote: r.quote.clone(),
        edition: answer.edition_name(),
    }
}

/// A publication date as a `google.type.Date` (0 for an unknown month or day); `None` unknown.
pub fn date(published: Option<PublishDate>) -> Option<Date> {
    published.map(|p| Date {
        year: p.year,
        month: p.month.map_or(0, |m| m as i32),
        day: p.day.map_or(0, |d| d as i32),
    })
}

/// A v2 dataset, described by its `latest` edition.
pub fn dataset(d: &Editions, latest: &Dataset, count: usize, version: &str) -> pb::Dataset {
    let info = &latest.info;
    pb::Dataset {
        name: dataset_name(&d.id),
        titles: texts(&info.title_en, &info.title_zh_hans),
        publisher: info.publisher.clone(),
        source_language_code: info.source_language_code.clone(),
        latest_edition: latest.edition_name().to_owned(),
        edition_count: i32::try_from(count).unwrap_or(i32::MAX),
        data_version: version.to_owned(),
    }
}

/// One edition.
pub fn edition(e: &Dataset, version: &str) -> pb::Edition {
    let info = &e.info;
    pb::Edition {
        name: e.edition_name().to_owned(),
        publish_date: date(e.edition().published),
        titles: texts(&info.title_en, &info.title_zh_hans),
        source_document: info.source_document.clone(),
        notices: texts(&info.notice_en, &info.notice_zh_hans),
        horizon_year: (e.horizon() != 0).then_some(e.horizon()),
        series_count: i32::try_from(e.series().len()).unwrap_or(i32::MAX),
        content_version: e.version.clone(),
        data_version: version.to_owned(),
    }
}

/// A series as the edition `answer` reads states it, with its observations or (for lists)
/// without, and the concepts that explain it.
pub fn series(
    s: SeriesRef<'_>,
    with_observations: bool,
    concepts: Vec<String>,
    answer: Answer<'_>,
) -> pb::Series {
    let data = s.series;
    let years = |year: i32| (!data.observations.is_empty()).then_some(year);
    let name = |id: &str| s.dataset.series_name_in(id, Names::V2).into_owned();
    pb::Series {
        name: name(&data.id),
        titles: texts(&data.title_en, &data.title_zh_hans),
        unit: Some(unit(data.unit, &s.dataset.info.currency, None)),
        parent: data.parent.as_deref().map(name).unwrap_or_default(),
        components: data.components.iter().map(|c| name(c)).collect(),
        stated_rates: data
            .stated_rates
            .iter()
            .map(|r| stated_rate(r, answer))
            .collect(),
        observations: if with_observations {
            data.observations
                .iter()
                .map(|o| observation(o, answer))
                .collect()
        } else {
            Vec::new()
        },
        source: data.source.clone(),
        notes: texts(&data.note, &data.note_zh_hans),
        first_year: years(data.first_year()),
        last_year: years(data.last_year()),
        concepts,
        edition: answer.edition_name(),
        data_version: answer.version.to_owned(),
    }
}

/// The ComputeGrowth response.
pub fn growth(series: String, g: Growth, answer: Answer<'_>) -> pb::ComputeGrowthResponse {
    let stated = g.stated.as_ref();
    pb::ComputeGrowthResponse {
        series,
        start: Some(observation(&g.start, answer)),
        end: Some(observation(&g.end, answer)),
        years: g.years,
        cagr: Some(estimate(g.cagr_estimate)),
        multiple: Some(estimate(g.multiple_estimate)),
        stated_rate: stated.map(|r| stated_rate(r, answer)),
        agrees_with_stated: stated.map(|_| g.agrees_with_stated),
        description: g.method,
        only_derived_endpoints: g.only_derived_endpoints,
        edition: answer.edition_name(),
        data_version: answer.version.to_owned(),
    }
}

/// The ComputeBreakdown response.
pub fn breakdown(
    series: String,
    b: Breakdown<'_>,
    answer: Answer<'_>,
) -> pb::ComputeBreakdownResponse {
    pb::ComputeBreakdownResponse {
        series,
        year: b.year,
        total: Some(observation(&b.total, answer)),
        components: b
            .parts
            .into_iter()
            .map(|part| pb::BreakdownComponent {
                series: part.series.name().into_owned(),
                titles: texts(
                    &part.series.series.title_en,
                    &part.series.series.title_zh_hans,
                ),
                value: Some(observation(&part.value, answer)),
                share: Some(estimate(part.share_estimate)),
            })
            .collect(),
        components_sum: Some(estimate(b.sum_estimate)),
        residual: Some(estimate(b.residual_estimate)),
        components_add_up: b.adds_up,
        edition: answer.edition_name(),
        data_version: answer.version.to_owned(),
    }
}

/// The ProjectSeries response.
pub fn projection(series: String, p: Projection, answer: Answer<'_>) -> pb::ProjectSeriesResponse {
    pb::ProjectSeriesResponse {
        series,
        base: Some(observation(&p.base, answer)),
        annual_rate: p.rate,
        stated_rate: p.stated.as_ref().map(|r| stated_rate(r, answer)),
        projections: p.values.iter().map(|o| observation(o, answer)).collect(),
        horizon_year: (p.horizon != 0).then_some(p.horizon),
        edition: answer.edition_name(),
        data_version: answer.version.to_owned(),
    }
}

/// The CheckConsistency response.
pub fn checks(checks: Vec<Check>, answer: Answer<'_>) -> pb::CheckConsistencyResponse {
    let dataset = &answer.edition.edition().dataset;
    let passed = checks.iter().filter(|c| c.passed).count();
    let failed = checks.len() - passed;
    pb::CheckConsistencyResponse {
        dataset: dataset_name(dataset),
        checks: checks
            .into_iter()
            .map(|c| pb::ConsistencyCheck {
                check_kind: check_kind(c.kind).into(),
                series: series_name(dataset, &c.series),
                start_year: c.start_year,
                end_year: c.year,
                passed: c.passed,
                expected: c.expected,
                actual: c.actual,
                tolerance: c.tolerance,
                description: c.description,
            })
            .collect(),
        passed_count: i32::try_from(passed).unwrap_or(i32::MAX),
        failed_count: i32::try_from(failed).unwrap_or(i32::MAX),
        edition: answer.edition_name(),
        data_version: answer.version.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_sides_are_absent_never_infinite() {
        let upper = interval(Range {
            low: f64::NEG_INFINITY,
            high: 0.1,
            width_unknown: false,
        });
        assert_eq!((upper.low, upper.high), (None, Some(0.1)));
        let both = interval(Range::new(1.0, 2.0));
        assert_eq!((both.low, both.high), (Some(1.0), Some(2.0)));
    }

    #[test]
    fn units_are_data() {
        let billions = unit(Unit::UsdBillion, "USD", None);
        assert_eq!(
            (
                billions.kind(),
                billions.currency_code.as_str(),
                billions.scale_exponent
            ),
            (pb::UnitKind::Currency, "USD", 9)
        );
        let price = unit(Unit::UsdPerMillionTokens, "USD", None);
        assert_eq!((price.per.as_str(), price.per_scale_exponent), ("token", 6));
        assert_eq!(
            unit(Unit::Index, "USD", Some(2024)).index_base_year,
            Some(2024)
        );
        assert!(unit(Unit::Fraction, "USD", None).currency_code.is_empty());
    }

    #[test]
    fn texts_leave_out_empty_languages() {
        assert_eq!(texts("a", "").len(), 1);
        assert_eq!(texts("a", "甲")[0].language_code, "zh-Hans");
    }

    #[test]
    fn derivation_parents_are_renamed_into_the_v2_dataset_only_when_of_the_edition() {
        let catalog = crate::model::Catalog::load(&[llmarket_kit::data::builtin()]).unwrap();
        let edition = catalog.dataset("cic-global-llm-2026").unwrap();
        let renamed = |name| v2_series_name(name, edition);
        assert_eq!(
            renamed("datasets/cic-global-llm-2026/series/market-size"),
            "datasets/cic-global-llm/series/market-size"
        );
        // Another edition whose id starts with this one's, another dataset, a series the
        // edition does not have, not a series name.
        for kept in [
            "datasets/cic-global-llm-2026b/series/market-size",
            "datasets/other/series/market-size",
            "datasets/cic-global-llm-2026/series/no-such-series",
            "datasets/cic-global-llm-2026/market-size",
            "market-size",
        ] {
            assert_eq!(renamed(kept), kept);
        }
    }
}
