//! Checked conversions from the wire (contract v2 prost) types to the report
//! [`model`](super::model): a response missing a required field, or holding an unknown enum
//! value, a unit this build cannot show or a non-finite number, is bad data naming the service,
//! the call and the field.

use llmarket_proto::llmarket::{forecast::v2 as f2, taxonomy::v2 as t2};

use crate::{
    error::{ClientError, Service, required},
    reports::{
        model::{
            Breakdown, Component, ConceptSummary, ConceptTexts, DatasetInfo, Derivation,
            DerivationInput, Estimate, Growth, Kind, MethodKind, MilestoneItem, Point, Provenance,
            Qualifier, RateKind, SeriesValues, StatedRate, Unit,
        },
        shared::{Language, YearSpan},
    },
};

fn forecast_bad(call: &'static str, problem: String) -> ClientError {
    ClientError::bad_data(Service::Forecast, call, problem)
}

fn taxonomy_bad(call: &'static str, problem: String) -> ClientError {
    ClientError::bad_data(Service::Taxonomy, call, problem)
}

/// A wire enum field: `known` maps each value to ours, `None` for the unspecified one; that or a
/// value this build does not know is bad data naming `field`.
fn wire_enum<P: TryFrom<i32>, T>(
    call: &'static str,
    what: &str,
    field: &str,
    raw: i32,
    known: impl FnOnce(P) -> Option<T>,
) -> Result<T, ClientError> {
    P::try_from(raw)
        .ok()
        .and_then(known)
        .ok_or_else(|| forecast_bad(call, format!("{what} has no valid {field} ({raw})")))
}

/// A unit the reports know, from its wire form; another (or none) is bad data.
pub(crate) fn unit(
    call: &'static str,
    what: &str,
    unit: Option<&f2::Unit>,
) -> Result<Unit, ClientError> {
    let unit = required(Service::Forecast, call, "unit", unit)?;
    known_unit(unit)
        .ok_or_else(|| forecast_bad(call, format!("{what} has a unit this build cannot show")))
}

/// The unit of the reports' model a v2 unit is; none for another.
pub(crate) fn known_unit(unit: &f2::Unit) -> Option<Unit> {
    let kind = f2::UnitKind::try_from(unit.kind).ok()?;
    match (kind, unit.currency_code.as_str(), unit.scale_exponent) {
        (f2::UnitKind::Currency, "USD", 9) => Some(Unit::UsdBillion),
        (f2::UnitKind::CurrencyPerQuantity, "USD", 0)
            if unit.per == "token" && unit.per_scale_exponent == 6 =>
        {
            Some(Unit::UsdPerMillionTokens)
        }
        (f2::UnitKind::Fraction, _, _) => Some(Unit::Fraction),
        (f2::UnitKind::Index, _, _) => Some(Unit::Index),
        _ => None,
    }
}

fn qualifier(call: &'static str, what: &str, raw: i32) -> Result<Qualifier, ClientError> {
    wire_enum(call, what, "qualifier", raw, |qualifier| match qualifier {
        f2::Qualifier::Exact => Some(Qualifier::Exact),
        f2::Qualifier::Approximate => Some(Qualifier::Approximate),
        f2::Qualifier::UpperBound => Some(Qualifier::UpperBound),
        f2::Qualifier::LowerBound => Some(Qualifier::LowerBound),
        f2::Qualifier::Unspecified => None,
    })
}

fn kind(call: &'static str, what: &str, raw: i32) -> Result<Kind, ClientError> {
    wire_enum(
        call,
        what,
        "kind, actual or forecast",
        raw,
        |kind| match kind {
            f2::ObservationKind::Actual => Some(Kind::Actual),
            f2::ObservationKind::Forecast => Some(Kind::Forecast),
            f2::ObservationKind::Unspecified => None,
        },
    )
}

fn provenance(call: &'static str, what: &str, raw: i32) -> Result<Provenance, ClientError> {
    wire_enum(
        call,
        what,
        "provenance",
        raw,
        |provenance| match provenance {
            f2::Provenance::Reported => Some(Provenance::Reported),
            f2::Provenance::Derived => Some(Provenance::Derived),
            f2::Provenance::Unspecified => None,
        },
    )
}

fn rate_kind(call: &'static str, what: &str, raw: i32) -> Result<RateKind, ClientError> {
    wire_enum(call, what, "rate kind", raw, |kind| match kind {
        f2::RateKind::Cagr => Some(RateKind::Cagr),
        f2::RateKind::AnnualChange => Some(RateKind::AnnualChange),
        f2::RateKind::Unspecified => None,
    })
}

fn method_kind(call: &'static str, what: &str, raw: i32) -> Result<MethodKind, ClientError> {
    wire_enum(call, what, "method kind", raw, |kind| match kind {
        f2::MethodKind::CagrInterpolation => Some(MethodKind::CagrInterpolation),
        f2::MethodKind::YearOverYear => Some(MethodKind::YearOverYear),
        f2::MethodKind::Index => Some(MethodKind::Index),
        f2::MethodKind::ShareOfParent => Some(MethodKind::ShareOfParent),
        f2::MethodKind::Projection => Some(MethodKind::Projection),
        f2::MethodKind::Unspecified => None,
    })
}

/// A derivation, checked.
fn derivation(
    call: &'static str,
    what: &str,
    d: f2::Derivation,
) -> Result<Derivation, ClientError> {
    let inputs = d
        .inputs
        .into_iter()
        .map(|i| {
            Ok(DerivationInput {
                year: i.year,
                value: finite(call, what, i.value)?,
                qualifier: qualifier(call, what, i.qualifier)?,
                provenance: provenance(call, what, i.provenance)?,
                width_unknown: i.width_unknown,
            })
        })
        .collect::<Result<Vec<_>, ClientError>>()?;
    let projection = d.method_kind == f2::MethodKind::Projection as i32;
    Ok(Derivation {
        method_kind: method_kind(call, what, d.method_kind)?,
        inputs,
        annual_rate: projection.then(|| d.annual_rate.unwrap_or_default()),
        years: projection.then(|| d.years.unwrap_or_default()),
        stated_rate_kind: match f2::RateKind::try_from(d.stated_rate_kind) {
            Ok(f2::RateKind::Cagr) => Some(RateKind::Cagr),
            Ok(f2::RateKind::AnnualChange) => Some(RateKind::AnnualChange),
            Ok(f2::RateKind::Unspecified) | Err(_) => None,
        },
        rate_source: d.rate_source,
        parent: d.parent,
    })
}

/// A figure, checked: its value, qualifier and interval (an absent side is open).
fn figure(
    call: &'static str,
    what: &str,
    figure: Option<f2::Figure>,
) -> Result<Estimate, ClientError> {
    let figure = figure.ok_or_else(|| forecast_bad(call, format!("{what} has no value")))?;
    let interval = figure.interval.unwrap_or_default();
    Ok(Estimate {
        value: finite(call, what, figure.value)?,
        qualifier: qualifier(call, what, figure.qualifier)?,
        low: bound(call, what, interval.low)?,
        high: bound(call, what, interval.high)?,
        width_unknown: interval.width_unknown,
    })
}

fn finite(call: &'static str, what: &str, value: f64) -> Result<f64, ClientError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(forecast_bad(call, format!("{what} is not a finite number")))
    }
}

/// An interval end: absent or infinite for an open end; NaN is bad data.
fn bound(call: &'static str, what: &str, value: Option<f64>) -> Result<Option<f64>, ClientError> {
    match value {
        Some(value) if value.is_nan() => Err(forecast_bad(call, format!("{what} is not a number"))),
        Some(value) => Ok(value.is_finite().then_some(value)),
        None => Ok(None),
    }
}

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn positive(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite() && *v > 0.0)
}

/// The text of `texts` in `code` exactly, if any.
pub(crate) fn text_in(texts: &[f2::LocalizedText], code: &str) -> Option<String> {
    text_of(pairs(texts), code).map(str::to_owned)
}

/// Each (language code, text) of forecast texts.
fn pairs(texts: &[f2::LocalizedText]) -> impl Iterator<Item = (&str, &str)> + Clone {
    texts
        .iter()
        .map(|t| (t.language_code.as_str(), t.text.as_str()))
}

/// The non-empty text of `texts` in `code` exactly, if any.
fn text_of<'a>(mut texts: impl Iterator<Item = (&'a str, &'a str)>, code: &str) -> Option<&'a str> {
    texts
        .find(|(language, text)| *language == code && !text.is_empty())
        .map(|(_, text)| text)
}

/// The text of `texts` in `language`, falling back to the other language, then to any.
fn pick<'a>(language: Language, texts: impl Iterator<Item = (&'a str, &'a str)> + Clone) -> String {
    let other = match language {
        Language::En => Language::Zh,
        Language::Zh => Language::En,
    };
    text_of(texts.clone(), language.code())
        .or_else(|| text_of(texts.clone(), other.code()))
        .or_else(|| texts.map(|(_, text)| text).find(|text| !text.is_empty()))
        .unwrap_or_default()
        .to_owned()
}

/// The text of `texts` in `language`, falling back to the other language, then to any.
pub fn pick_text(language: Language, texts: &[f2::LocalizedText]) -> String {
    pick(language, pairs(texts))
}

/// As [`pick_text`], for the taxonomy contract's texts.
pub(crate) fn pick_taxonomy_text(language: Language, texts: &[t2::LocalizedText]) -> String {
    pick(
        language,
        texts
            .iter()
            .map(|t| (t.language_code.as_str(), t.text.as_str())),
    )
}

/// An observation of `series`, checked.
pub(crate) fn point(
    call: &'static str,
    series: &str,
    o: f2::Observation,
) -> Result<Point, ClientError> {
    let what = format!("the {} observation of {series}", o.year);
    if o.year == 0 {
        return Err(forecast_bad(
            call,
            format!("an observation of {series} has no year"),
        ));
    }
    let value = figure(call, &what, o.value)?;
    let method = o
        .derivation
        .as_ref()
        .and_then(|d| non_empty(d.description.clone()));
    let derivation = o
        .derivation
        .map(|d| derivation(call, &what, d))
        .transpose()?;
    Ok(Point {
        year: o.year,
        value: value.value,
        unit: unit(call, &what, o.unit.as_ref())?,
        qualifier: value.qualifier,
        kind: kind(call, &what, o.kind)?,
        provenance: provenance(call, &what, o.provenance)?,
        method,
        source: o.source,
        resolution: positive(o.resolution),
        note: text_in(&o.notes, Language::En.code()),
        note_zh_hans: text_in(&o.notes, Language::Zh.code()),
        quote: non_empty(o.quote),
        width_unknown: value.width_unknown,
        low: value.low,
        high: value.high,
        derivation,
        past_horizon: o.past_horizon,
    }
    .at_its_precision())
}

/// Observations of `series`, checked and in year order.
pub(crate) fn points(
    call: &'static str,
    series: &str,
    observations: Vec<f2::Observation>,
) -> Result<Vec<Point>, ClientError> {
    let mut points = observations
        .into_iter()
        .map(|o| point(call, series, o))
        .collect::<Result<Vec<_>, _>>()?;
    points.sort_by_key(|p| p.year);
    Ok(points)
}

/// A stated rate of `series`, checked.
pub(crate) fn stated_rate(
    call: &'static str,
    series: &str,
    r: f2::StatedRate,
) -> Result<StatedRate, ClientError> {
    let what = format!("a stated rate of {series}");
    let value = figure(call, &what, r.value)?;
    Ok(StatedRate {
        rate_kind: rate_kind(call, &what, r.rate_kind)?,
        value: value.value,
        start_year: r.start_year,
        end_year: r.end_year,
        qualifier: value.qualifier,
        kind: kind(call, &what, r.kind)?,
        source: r.source,
        resolution: positive(r.resolution),
        quote: non_empty(r.quote),
    })
}

/// The stated rates of `series`, checked.
pub(crate) fn stated_rates(
    call: &'static str,
    series: &str,
    rates: Vec<f2::StatedRate>,
) -> Result<Vec<StatedRate>, ClientError> {
    rates
        .into_iter()
        .map(|r| stated_rate(call, series, r))
        .collect()
}

/// `points` of the series `name`, described by `info` (from GetSeries), as [`SeriesValues`]
/// titled in `language`.
pub(crate) fn series_values(
    language: Language,
    name: &str,
    info: &f2::Series,
    points: Vec<Point>,
) -> Result<SeriesValues, ClientError> {
    Ok(SeriesValues {
        name: name.to_owned(),
        title: pick_text(language, &info.titles),
        unit: unit("GetSeries", name, info.unit.as_ref())?,
        note: series_note(language, info),
        points,
    })
}

/// The note of a series on its scope in `language`, falling back to the other language.
pub(crate) fn series_note(language: Language, info: &f2::Series) -> String {
    pick_text(language, &info.notes)
}

/// The request for the values of `series` within `years`.
pub(crate) fn observations_request(
    series: &str,
    years: YearSpan,
    transform: f2::Transform,
    fill: f2::Fill,
) -> f2::QueryObservationsRequest {
    f2::QueryObservationsRequest {
        name: series.to_owned(),
        edition: None,
        start_year: years.start,
        end_year: years.end,
        transform: transform as i32,
        fill: fill as i32,
    }
}

/// The request for the growth of `series` over `years` (all: its first and last stated years).
pub(crate) fn growth_request(
    series: &str,
    years: YearSpan,
    fill: f2::Fill,
) -> f2::ComputeGrowthRequest {
    f2::ComputeGrowthRequest {
        name: series.to_owned(),
        edition: None,
        start_year: years.start,
        end_year: years.end,
        fill: fill as i32,
    }
}

/// A dataset as its edition `e` states it, checked; `currency` is the ISO 4217 code of its
/// monetary values.
pub(crate) fn dataset(
    call: &'static str,
    language: Language,
    d: f2::Dataset,
    e: f2::Edition,
    currency: String,
) -> Result<DatasetInfo, ClientError> {
    if d.name.is_empty() || e.name.is_empty() {
        return Err(forecast_bad(
            call,
            "the dataset or its edition has no name".to_owned(),
        ));
    }
    let titles = if e.titles.is_empty() {
        &d.titles
    } else {
        &e.titles
    };
    Ok(DatasetInfo {
        title: pick_text(language, titles),
        notice: pick_text(language, &e.notices),
        title_zh_hans: text_in(titles, Language::Zh.code()).unwrap_or_default(),
        title_en: text_in(titles, Language::En.code()).unwrap_or_default(),
        name: d.name,
        edition: e.name,
        publisher: d.publisher,
        year: e.publish_date.map(|date| date.year).unwrap_or_default(),
        currency,
    })
}

/// A growth computation, checked.
pub(crate) fn growth(
    call: &'static str,
    g: f2::ComputeGrowthResponse,
) -> Result<Growth, ClientError> {
    let series = g.series;
    let start = point(
        call,
        &series,
        required(Service::Forecast, call, "start", g.start)?,
    )?;
    let end = point(
        call,
        &series,
        required(Service::Forecast, call, "end", g.end)?,
    )?;
    let stated = g
        .stated_rate
        .map(|r| stated_rate(call, &series, r))
        .transpose()?;
    let cagr = figure(call, "the cagr", g.cagr)?;
    let multiple = figure(call, "the multiple", g.multiple)?;
    Ok(Growth {
        start,
        end,
        years: g.years,
        cagr: cagr.value,
        // A CAGR falls no lower than −100 %: an open low side is −1.
        cagr_low: Some(cagr.low.unwrap_or(-1.0)),
        cagr_high: cagr.high,
        multiple: multiple.value,
        method: g.description,
        agrees_with_stated: stated
            .as_ref()
            .map(|_| g.agrees_with_stated.unwrap_or_default()),
        stated,
        cagr_estimate: Some(cagr),
        multiple_estimate: Some(multiple),
        only_derived_endpoints: g.only_derived_endpoints,
        series,
    })
}

/// A breakdown, checked.
pub(crate) fn breakdown(
    call: &'static str,
    language: Language,
    b: f2::ComputeBreakdownResponse,
) -> Result<Breakdown, ClientError> {
    let series = b.series;
    let total = point(
        call,
        &series,
        required(Service::Forecast, call, "total", b.total)?,
    )?;
    let components = b
        .components
        .into_iter()
        .map(|c| {
            let value = point(
                call,
                &c.series,
                required(Service::Forecast, call, "component value", c.value)?,
            )?;
            Ok(Component {
                title: pick_text(language, &c.titles),
                share: figure(call, "a component share", c.share)?.value,
                value,
                series: c.series,
            })
        })
        .collect::<Result<Vec<_>, ClientError>>()?;
    Ok(Breakdown {
        year: b.year,
        total,
        components,
        components_sum: figure(call, "components_sum", b.components_sum)?.value,
        residual: figure(call, "the residual", b.residual)?.value,
        components_add_up: b.components_add_up,
        series,
    })
}

/// A concept, checked, its label and definition in `language` (falling back to the other).
pub(crate) fn concept(
    call: &'static str,
    language: Language,
    c: t2::Concept,
) -> Result<ConceptSummary, ClientError> {
    if c.name.is_empty() {
        return Err(taxonomy_bad(call, "a concept has no name".to_owned()));
    }
    let label = pick_taxonomy_text(language, &c.pref_labels);
    if label.is_empty() {
        return Err(taxonomy_bad(
            call,
            format!("concept {} has no preferred label", c.name),
        ));
    }
    let definition = pick_taxonomy_text(language, &c.definitions);
    // One entry per language, in the order the languages first appear.
    let mut languages: Vec<ConceptTexts> = Vec::new();
    fn entry<'a>(languages: &'a mut Vec<ConceptTexts>, code: &str) -> &'a mut ConceptTexts {
        let at = match languages.iter().position(|l| l.language_code == code) {
            Some(at) => at,
            None => {
                languages.push(ConceptTexts {
                    language_code: code.to_owned(),
                    label: String::new(),
                    alt_labels: Vec::new(),
                    definition: String::new(),
                });
                languages.len() - 1
            }
        };
        &mut languages[at]
    }
    for t in c.pref_labels {
        entry(&mut languages, &t.language_code).label = t.text;
    }
    for t in c.alt_labels {
        entry(&mut languages, &t.language_code)
            .alt_labels
            .push(t.text);
    }
    for t in c.definitions {
        entry(&mut languages, &t.language_code).definition = t.text;
    }
    let dataset = crate::client::dataset_of(&c.name).to_owned();
    Ok(ConceptSummary {
        languages,
        notation: non_empty(c.notation),
        label,
        definition,
        source: c.source,
        broader: c.broader,
        series: c.series,
        // A value naming a concept is given by its full name, as every other link: the server
        // sends it so; an earlier v2 server sent it as the data writes it
        // (`schemes/{s}/concepts/{c}`), completed here with the concept's dataset.
        attributes: c
            .attributes
            .into_iter()
            .map(|(key, value)| {
                let value = if value.starts_with("schemes/") && value.contains("/concepts/") {
                    format!("{dataset}/{value}")
                } else {
                    value
                };
                (key, value)
            })
            .collect(),
        name: c.name,
    })
}

/// The label of `c` in `language` (falling back to the other).
pub(crate) fn concept_label(language: Language, c: &t2::Concept) -> String {
    pick_taxonomy_text(language, &c.pref_labels)
}

/// A milestone, checked, its texts in `language` (falling back to the other).
pub(crate) fn milestone(
    call: &'static str,
    language: Language,
    m: t2::Milestone,
) -> Result<MilestoneItem, ClientError> {
    if m.name.is_empty() || m.year == 0 {
        return Err(taxonomy_bad(
            call,
            format!("milestone {:?} has no name or no year", m.name),
        ));
    }
    Ok(MilestoneItem {
        title: pick_taxonomy_text(language, &m.titles),
        description: pick_taxonomy_text(language, &m.descriptions),
        name: m.name,
        year: m.year,
        month: m
            .month
            .and_then(|m| u32::try_from(m).ok())
            .filter(|m| (1..=12).contains(m)),
        end_of_year: m.end_of_year,
        concepts: m.concepts,
        source: m.source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observation() -> f2::Observation {
        f2::Observation {
            year: 2024,
            value: Some(f2::Figure {
                value: 10.7,
                qualifier: f2::Qualifier::Exact as i32,
                interval: Some(f2::Interval {
                    low: Some(10.65),
                    high: Some(10.75),
                    width_unknown: false,
                }),
            }),
            unit: Some(f2::Unit {
                kind: f2::UnitKind::Currency as i32,
                currency_code: "USD".to_owned(),
                scale_exponent: 9,
                ..Default::default()
            }),
            kind: f2::ObservationKind::Actual as i32,
            provenance: f2::Provenance::Reported as i32,
            source: "1.2".to_owned(),
            resolution: Some(0.1),
            ..Default::default()
        }
    }

    #[test]
    fn an_observation_converts_with_its_provenance_and_interval() {
        let p = point("GetSeries", "s", observation()).unwrap();
        assert_eq!(p.year, 2024);
        assert_eq!(p.unit, Unit::UsdBillion);
        assert!(!p.is_derived());
        assert_eq!(p.resolution, Some(0.1));
        assert_eq!((p.low, p.high), (Some(10.65), Some(10.75)));
        assert_eq!(p.method, None);
    }

    #[test]
    fn an_observation_missing_an_enum_a_value_or_a_known_unit_is_bad_data() {
        let mut o = observation();
        o.provenance = 0;
        let error = point("GetSeries", "datasets/d/series/s", o).unwrap_err();
        assert!(matches!(error, ClientError::BadData { .. }), "{error}");
        assert!(error.to_string().contains("provenance"), "{error}");
        let mut o = observation();
        o.unit.as_mut().unwrap().currency_code = "EUR".to_owned();
        let error = point("GetSeries", "s", o).unwrap_err();
        assert!(error.to_string().contains("unit"), "{error}");
        let mut o = observation();
        o.value.as_mut().unwrap().value = f64::NAN;
        assert!(point("GetSeries", "s", o).is_err());
        let mut o = observation();
        o.value = None;
        assert!(point("GetSeries", "s", o).is_err());
    }

    #[test]
    fn an_open_side_is_none_and_a_nan_side_is_bad_data() {
        let mut o = observation();
        o.value.as_mut().unwrap().interval = Some(f2::Interval {
            low: None,
            high: Some(0.1),
            width_unknown: true,
        });
        let p = point("GetSeries", "s", o).unwrap();
        assert_eq!((p.low, p.high, p.width_unknown), (None, Some(0.1), true));
        let mut o = observation();
        o.value.as_mut().unwrap().interval.as_mut().unwrap().low = Some(f64::NAN);
        assert!(point("GetSeries", "s", o).is_err());
    }

    #[test]
    fn a_missing_message_is_bad_data() {
        let error = growth("ComputeGrowth", f2::ComputeGrowthResponse::default()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "forecast service: ComputeGrowth returned bad data: the response has no start (a required field)"
        );
    }

    #[test]
    fn units_the_reports_know() {
        let usd_billion = f2::Unit {
            kind: f2::UnitKind::Currency.into(),
            currency_code: "USD".to_owned(),
            scale_exponent: 9,
            ..f2::Unit::default()
        };
        assert_eq!(known_unit(&usd_billion), Some(Unit::UsdBillion));
        let per_token = f2::Unit {
            kind: f2::UnitKind::CurrencyPerQuantity.into(),
            currency_code: "USD".to_owned(),
            per: "token".to_owned(),
            per_scale_exponent: 6,
            ..f2::Unit::default()
        };
        assert_eq!(known_unit(&per_token), Some(Unit::UsdPerMillionTokens));
        let euro = f2::Unit {
            currency_code: "EUR".to_owned(),
            ..usd_billion
        };
        assert_eq!(known_unit(&euro), None);
    }

    #[test]
    fn texts_fall_back_to_the_other_language_then_any() {
        let text = |code: &str, text: &str| f2::LocalizedText {
            language_code: code.to_owned(),
            text: text.to_owned(),
        };
        let both = [text("zh-Hans", "市场"), text("en", "Market")];
        assert_eq!(pick_text(Language::En, &both), "Market");
        assert_eq!(pick_text(Language::Zh, &both), "市场");
        assert_eq!(pick_text(Language::Zh, &both[1..]), "Market");
        assert_eq!(pick_text(Language::En, &[text("fr", "Marché")]), "Marché");
        assert_eq!(pick_text(Language::En, &[]), "");
    }
}
