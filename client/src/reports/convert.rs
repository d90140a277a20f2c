//! Checked conversions from the wire (prost) types to the report [`model`](super::model): a
//! response missing a required field, or holding an unknown enum value or a non-finite number, is
//! bad data naming the service, the call and the field.

use llmarket_proto::{forecast as fpb, taxonomy as tpb};

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

pub(crate) fn unit(call: &'static str, what: &str, raw: i32) -> Result<Unit, ClientError> {
    wire_enum(call, what, "unit", raw, |unit| match unit {
        fpb::Unit::UsdBillion => Some(Unit::UsdBillion),
        fpb::Unit::UsdPerMillionTokens => Some(Unit::UsdPerMillionTokens),
        fpb::Unit::Fraction => Some(Unit::Fraction),
        fpb::Unit::Index => Some(Unit::Index),
        fpb::Unit::Unspecified => None,
    })
}

fn qualifier(call: &'static str, what: &str, raw: i32) -> Result<Qualifier, ClientError> {
    wire_enum(call, what, "qualifier", raw, |qualifier| match qualifier {
        fpb::Qualifier::Exact => Some(Qualifier::Exact),
        fpb::Qualifier::Approximate => Some(Qualifier::Approximate),
        fpb::Qualifier::UpperBound => Some(Qualifier::UpperBound),
        fpb::Qualifier::LowerBound => Some(Qualifier::LowerBound),
        fpb::Qualifier::Unspecified => None,
    })
}

fn kind(call: &'static str, what: &str, raw: i32) -> Result<Kind, ClientError> {
    wire_enum(
        call,
        what,
        "kind, actual or forecast",
        raw,
        |kind| match kind {
            fpb::ObservationKind::Actual => Some(Kind::Actual),
            fpb::ObservationKind::Forecast => Some(Kind::Forecast),
            fpb::ObservationKind::Unspecified => None,
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
            fpb::Provenance::Reported => Some(Provenance::Reported),
            fpb::Provenance::Derived => Some(Provenance::Derived),
            fpb::Provenance::Unspecified => None,
        },
    )
}

fn rate_kind(call: &'static str, what: &str, raw: i32) -> Result<RateKind, ClientError> {
    wire_enum(call, what, "rate kind", raw, |kind| match kind {
        fpb::RateKind::Cagr => Some(RateKind::Cagr),
        fpb::RateKind::AnnualChange => Some(RateKind::AnnualChange),
        fpb::RateKind::Unspecified => None,
    })
}

fn method_kind(call: &'static str, what: &str, raw: i32) -> Result<MethodKind, ClientError> {
    wire_enum(call, what, "method kind", raw, |kind| match kind {
        fpb::MethodKind::CagrInterpolation => Some(MethodKind::CagrInterpolation),
        fpb::MethodKind::YearOverYear => Some(MethodKind::YearOverYear),
        fpb::MethodKind::Index => Some(MethodKind::Index),
        fpb::MethodKind::ShareOfParent => Some(MethodKind::ShareOfParent),
        fpb::MethodKind::Projection => Some(MethodKind::Projection),
        fpb::MethodKind::Unspecified => None,
    })
}

/// A derivation, checked; `None` from an older server that sends none.
fn derivation(
    call: &'static str,
    what: &str,
    d: Option<fpb::Derivation>,
) -> Result<Option<Derivation>, ClientError> {
    let Some(d) = d else { return Ok(None) };
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
    let projection = d.method_kind == fpb::MethodKind::Projection as i32;
    Ok(Some(Derivation {
        method_kind: method_kind(call, what, d.method_kind)?,
        inputs,
        annual_rate: projection.then_some(d.annual_rate),
        years: projection.then_some(d.years),
        stated_rate_kind: match fpb::RateKind::try_from(d.stated_rate_kind) {
            Ok(fpb::RateKind::Cagr) => Some(RateKind::Cagr),
            Ok(fpb::RateKind::AnnualChange) => Some(RateKind::AnnualChange),
            Ok(fpb::RateKind::Unspecified) | Err(_) => None,
        },
        rate_source: d.rate_source,
        parent: d.parent,
    }))
}

/// An estimate, checked; `None` from an older server that sends none.
fn estimate(
    call: &'static str,
    what: &str,
    e: Option<fpb::Estimate>,
) -> Result<Option<Estimate>, ClientError> {
    let Some(e) = e else { return Ok(None) };
    let interval = e.interval.unwrap_or_default();
    Ok(Some(Estimate {
        value: finite(call, what, e.value)?,
        qualifier: qualifier(call, what, e.qualifier)?,
        low: bound(call, what, interval.low)?,
        high: bound(call, what, interval.high)?,
        width_unknown: interval.width_unknown,
    }))
}

fn finite(call: &'static str, what: &str, value: f64) -> Result<f64, ClientError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(forecast_bad(call, format!("{what} is not a finite number")))
    }
}

/// An interval end: finite, or infinite for an open end; NaN is bad data.
fn bound(call: &'static str, what: &str, value: f64) -> Result<Option<f64>, ClientError> {
    if value.is_nan() {
        Err(forecast_bad(call, format!("{what} is not a number")))
    } else {
        Ok(value.is_finite().then_some(value))
    }
}

fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn positive(value: f64) -> Option<f64> {
    (value.is_finite() && value > 0.0).then_some(value)
}

fn year(value: i32) -> Option<i32> {
    (value != 0).then_some(value)
}

/// An observation of `series`, checked.
pub(crate) fn point(
    call: &'static str,
    series: &str,
    o: fpb::Observation,
) -> Result<Point, ClientError> {
    let what = format!("the {} observation of {series}", o.year);
    if o.year == 0 {
        return Err(forecast_bad(
            call,
            format!("an observation of {series} has no year"),
        ));
    }
    let provenance = provenance(call, &what, o.provenance)?;
    Ok(Point {
        year: o.year,
        value: finite(call, &what, o.value)?,
        unit: unit(call, &what, o.unit)?,
        qualifier: qualifier(call, &what, o.qualifier)?,
        kind: kind(call, &what, o.kind)?,
        provenance,
        method: non_empty(o.method),
        source: o.source,
        resolution: positive(o.resolution),
        note: non_empty(o.note),
        note_zh_hans: non_empty(o.note_zh_hans),
        quote: non_empty(o.quote),
        width_unknown: o.interval.as_ref().is_some_and(|i| i.width_unknown),
        low: match &o.interval {
            Some(i) => bound(call, &what, i.low)?,
            None => None,
        },
        high: match &o.interval {
            Some(i) => bound(call, &what, i.high)?,
            None => None,
        },
        derivation: derivation(call, &what, o.derivation)?,
        past_horizon: o.past_horizon,
    }
    .at_its_precision())
}

/// Observations of `series`, checked and in year order.
pub(crate) fn points(
    call: &'static str,
    series: &str,
    observations: Vec<fpb::Observation>,
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
    r: fpb::StatedRate,
) -> Result<StatedRate, ClientError> {
    let what = format!("a stated rate of {series}");
    Ok(StatedRate {
        rate_kind: rate_kind(call, &what, r.rate_kind)?,
        value: finite(call, &what, r.value)?,
        start_year: year(r.start_year),
        end_year: year(r.end_year),
        qualifier: qualifier(call, &what, r.qualifier)?,
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
    rates: Vec<fpb::StatedRate>,
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
    info: &fpb::Series,
    points: Vec<Point>,
) -> Result<SeriesValues, ClientError> {
    Ok(SeriesValues {
        name: name.to_owned(),
        title: pick_title(language, &info.title_en, &info.title_zh_hans),
        unit: unit("GetSeries", name, info.unit)?,
        note: series_note(language, info),
        points,
    })
}

/// The note of a series on its scope in `language`, falling back to the other language.
pub(crate) fn series_note(language: Language, info: &fpb::Series) -> String {
    pick_title(language, &info.note, &info.note_zh_hans)
}

/// The request for the values of `series` within `years`.
pub(crate) fn observations_request(
    series: &str,
    years: YearSpan,
    transform: fpb::Transform,
    fill: fpb::Fill,
) -> fpb::GetObservationsRequest {
    fpb::GetObservationsRequest {
        series: series.to_owned(),
        start_year: years.start_or_zero(),
        end_year: years.end_or_zero(),
        transform: transform as i32,
        fill: fill as i32,
    }
}

/// The title of a forecast resource in `language`, falling back to the other language.
pub(crate) fn pick_title(language: Language, en: &str, zh_hans: &str) -> String {
    let (first, second) = match language {
        Language::En => (en, zh_hans),
        Language::Zh => (zh_hans, en),
    };
    if first.is_empty() { second } else { first }.to_owned()
}

/// A dataset, checked.
pub(crate) fn dataset(
    call: &'static str,
    language: Language,
    d: fpb::Dataset,
) -> Result<DatasetInfo, ClientError> {
    if d.name.is_empty() {
        return Err(forecast_bad(call, "the dataset has no name".to_owned()));
    }
    Ok(DatasetInfo {
        title: pick_title(language, &d.title_en, &d.title_zh_hans),
        notice: pick_title(language, &d.notice_en, &d.notice_zh_hans),
        name: d.name,
        title_zh_hans: d.title_zh_hans,
        title_en: d.title_en,
        publisher: d.publisher,
        year: d.year,
        currency: d.currency,
    })
}

/// A growth computation, checked.
pub(crate) fn growth(
    call: &'static str,
    g: fpb::ComputeGrowthResponse,
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
    Ok(Growth {
        start,
        end,
        years: g.years,
        cagr: finite(call, "the cagr", g.cagr)?,
        cagr_low: bound(call, "cagr_low", g.cagr_low)?,
        cagr_high: bound(call, "cagr_high", g.cagr_high)?,
        multiple: finite(call, "the multiple", g.multiple)?,
        method: g.method,
        agrees_with_stated: stated.as_ref().map(|_| g.agrees_with_stated),
        stated,
        cagr_estimate: estimate(call, "the cagr estimate", g.cagr_estimate)?,
        multiple_estimate: estimate(call, "the multiple estimate", g.multiple_estimate)?,
        only_derived_endpoints: g.only_derived_endpoints,
        series,
    })
}

/// A breakdown, checked.
pub(crate) fn breakdown(
    call: &'static str,
    language: Language,
    b: fpb::GetBreakdownResponse,
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
                title: pick_title(language, &c.title_en, &c.title_zh_hans),
                share: finite(call, "a component share", c.share)?,
                value,
                series: c.series,
            })
        })
        .collect::<Result<Vec<_>, ClientError>>()?;
    Ok(Breakdown {
        year: b.year,
        total,
        components,
        components_sum: finite(call, "components_sum", b.components_sum)?,
        residual: finite(call, "the residual", b.residual)?,
        components_add_up: b.components_add_up,
        series,
    })
}

/// A concept, checked.
pub(crate) fn concept(call: &'static str, c: tpb::Concept) -> Result<ConceptSummary, ClientError> {
    if c.name.is_empty() {
        return Err(taxonomy_bad(call, "a concept has no name".to_owned()));
    }
    if c.pref_label.is_empty() {
        return Err(taxonomy_bad(
            call,
            format!("concept {} has no preferred label", c.name),
        ));
    }
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
    Ok(ConceptSummary {
        languages,
        name: c.name,
        notation: non_empty(c.notation),
        label: c.pref_label,
        definition: c.definition,
        source: c.source,
        broader: c.broader,
        series: c.series,
        attributes: c.attributes.into_iter().collect(),
    })
}

/// A milestone, checked.
pub(crate) fn milestone(
    call: &'static str,
    m: tpb::Milestone,
) -> Result<MilestoneItem, ClientError> {
    if m.name.is_empty() || m.year == 0 {
        return Err(taxonomy_bad(
            call,
            format!("milestone {:?} has no name or no year", m.name),
        ));
    }
    Ok(MilestoneItem {
        name: m.name,
        year: m.year,
        month: u32::try_from(m.month).ok().filter(|m| (1..=12).contains(m)),
        end_of_year: m.end_of_year,
        title: m.title,
        description: m.description,
        concepts: m.concepts,
        source: m.source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observation() -> fpb::Observation {
        fpb::Observation {
            year: 2024,
            value: 10.7,
            unit: fpb::Unit::UsdBillion as i32,
            qualifier: fpb::Qualifier::Exact as i32,
            kind: fpb::ObservationKind::Actual as i32,
            provenance: fpb::Provenance::Reported as i32,
            source: "1.2".to_owned(),
            resolution: 0.1,
            ..Default::default()
        }
    }

    #[test]
    fn an_observation_converts_with_its_provenance() {
        let p = point("GetSeries", "s", observation()).unwrap();
        assert_eq!(p.year, 2024);
        assert_eq!(p.unit, Unit::UsdBillion);
        assert!(!p.is_derived());
        assert_eq!(p.resolution, Some(0.1));
        assert_eq!(p.method, None);
    }

    #[test]
    fn an_observation_missing_an_enum_is_bad_data() {
        let mut o = observation();
        o.provenance = 0;
        let error = point("GetSeries", "datasets/d/series/s", o).unwrap_err();
        assert!(matches!(error, ClientError::BadData { .. }), "{error}");
        assert!(error.to_string().contains("provenance"), "{error}");
        let mut o = observation();
        o.unit = 99;
        assert!(point("GetSeries", "s", o).is_err());
        let mut o = observation();
        o.value = f64::NAN;
        assert!(point("GetSeries", "s", o).is_err());
    }

    #[test]
    fn a_missing_message_is_bad_data() {
        let error = growth("ComputeGrowth", fpb::ComputeGrowthResponse::default()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "forecast service: ComputeGrowth returned bad data: the response has no start (a required field)"
        );
    }

    #[test]
    fn titles_fall_back_to_the_other_language() {
        assert_eq!(pick_title(Language::En, "Market", "市场"), "Market");
        assert_eq!(pick_title(Language::Zh, "Market", "市场"), "市场");
        assert_eq!(pick_title(Language::Zh, "Market", ""), "Market");
    }
}
