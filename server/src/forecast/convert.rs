//! Conversions between the wire (`llmarket.forecast.v1`) and the domain: requests are validated
//! into queries (`TryFrom`, errors as INVALID_ARGUMENT naming the field), domain values are
//! turned into messages.

use llmarket_proto::{
    forecast as pb,
    names::{SeriesName, dataset_name, series_name},
};
use tonic::Status;

use super::{
    analysis::{Breakdown, Check, CheckKind, Growth, Projection, Scenario},
    model::{
        Dataset, Fill, Kind, MAX_YEAR, MIN_YEAR, Observation, Provenance, Qualifier, RateKind,
        SeriesRef, StatedRate, Transform, Unit,
    },
};
use crate::{
    fields::optional_year,
    status::{bad_name, invalid_argument},
};

/// A series named in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesId<'a> {
    /// The dataset id.
    pub dataset: &'a str,
    /// The series id.
    pub series: &'a str,
}

impl<'a> SeriesId<'a> {
    /// Parses `datasets/{dataset}/series/{series}` from request field `field`.
    pub fn parse(field: &str, name: &'a str) -> Result<Self, Status> {
        let SeriesName { dataset, series } = SeriesName::parse(name).map_err(bad_name(field))?;
        Ok(Self { dataset, series })
    }
}

/// An optional year field: 0 means not set, anything else must lie in 1900..=2200.
fn year(field: &str, year: i32, unset: &str) -> Result<Option<i32>, Status> {
    optional_year(field, year, MIN_YEAR..=MAX_YEAR, unset)
}

/// A start and end year that, when both are set, must be in order.
fn span(start: i32, end: i32) -> Result<(Option<i32>, Option<i32>), Status> {
    let start = year("start_year", start, "the series' first stated year")?;
    let end = year("end_year", end, "the series' last stated year")?;
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err(invalid_argument(
            "start_year",
            format!("{s} is after end_year {e}; give a start_year at or before end_year"),
        ));
    }
    Ok((start, end))
}

fn transform(value: i32) -> Result<Transform, Status> {
    match pb::Transform::try_from(value) {
        Ok(pb::Transform::Unspecified | pb::Transform::None) => Ok(Transform::None),
        Ok(pb::Transform::YearOverYear) => Ok(Transform::YearOverYear),
        Ok(pb::Transform::Index) => Ok(Transform::Index),
        Ok(pb::Transform::ShareOfParent) => Ok(Transform::ShareOfParent),
        Err(_) => Err(invalid_argument(
            "transform",
            format!(
                "{value} is not a Transform; use TRANSFORM_NONE (1), TRANSFORM_YEAR_OVER_YEAR (2), \
                 TRANSFORM_INDEX (3) or TRANSFORM_SHARE_OF_PARENT (4)"
            ),
        )),
    }
}

fn fill(value: i32) -> Result<Fill, Status> {
    match pb::Fill::try_from(value) {
        Ok(pb::Fill::Unspecified | pb::Fill::None) => Ok(Fill::None),
        Ok(pb::Fill::CagrInterpolate) => Ok(Fill::CagrInterpolate),
        Err(_) => Err(invalid_argument(
            "fill",
            format!("{value} is not a Fill; use FILL_NONE (1) or FILL_CAGR_INTERPOLATE (2)"),
        )),
    }
}

/// A validated GetObservations request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObservationsQuery<'a> {
    /// The series.
    pub series: SeriesId<'a>,
    /// First year, if set.
    pub start: Option<i32>,
    /// Last year, if set.
    pub end: Option<i32>,
    /// The transform.
    pub transform: Transform,
    /// The fill.
    pub fill: Fill,
}

impl<'a> TryFrom<&'a pb::GetObservationsRequest> for ObservationsQuery<'a> {
    type Error = Status;

    fn try_from(request: &'a pb::GetObservationsRequest) -> Result<Self, Status> {
        let series = SeriesId::parse("series", &request.series)?;
        let (start, end) = span(request.start_year, request.end_year)?;
        Ok(Self {
            series,
            start,
            end,
            transform: transform(request.transform)?,
            fill: fill(request.fill)?,
        })
    }
}

/// A validated ComputeGrowth request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GrowthQuery<'a> {
    /// The series.
    pub series: SeriesId<'a>,
    /// First year, if set.
    pub start: Option<i32>,
    /// Last year, if set.
    pub end: Option<i32>,
    /// The fill.
    pub fill: Fill,
}

impl<'a> TryFrom<&'a pb::ComputeGrowthRequest> for GrowthQuery<'a> {
    type Error = Status;

    fn try_from(request: &'a pb::ComputeGrowthRequest) -> Result<Self, Status> {
        let series = SeriesId::parse("series", &request.series)?;
        let (start, end) = span(request.start_year, request.end_year)?;
        if let (Some(s), Some(e)) = (start, end)
            && s == e
        {
            return Err(invalid_argument(
                "end_year",
                format!("{e} is not after start_year {s}; growth needs two different years"),
            ));
        }
        Ok(Self {
            series,
            start,
            end,
            fill: fill(request.fill)?,
        })
    }
}

/// A validated GetBreakdown request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakdownQuery<'a> {
    /// The series.
    pub series: SeriesId<'a>,
    /// The year, if set.
    pub year: Option<i32>,
    /// The fill.
    pub fill: Fill,
}

impl<'a> TryFrom<&'a pb::GetBreakdownRequest> for BreakdownQuery<'a> {
    type Error = Status;

    fn try_from(request: &'a pb::GetBreakdownRequest) -> Result<Self, Status> {
        Ok(Self {
            series: SeriesId::parse("series", &request.series)?,
            year: year(
                "year",
                request.year,
                "the last year in which the series and all its components have a value",
            )?,
            fill: fill(request.fill)?,
        })
    }
}

/// A validated ProjectSeries request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectionQuery<'a> {
    /// The series.
    pub series: SeriesId<'a>,
    /// The base year, if set.
    pub base_year: Option<i32>,
    /// The last projected year.
    pub end_year: i32,
    /// The rate to project with.
    pub scenario: Scenario,
    /// The fill.
    pub fill: Fill,
}

impl<'a> TryFrom<&'a pb::ProjectSeriesRequest> for ProjectionQuery<'a> {
    type Error = Status;

    fn try_from(request: &'a pb::ProjectSeriesRequest) -> Result<Self, Status> {
        use pb::project_series_request::Scenario as Wire;
        let series = SeriesId::parse("series", &request.series)?;
        let base_year = year(
            "base_year",
            request.base_year,
            "the series' last actual year",
        )?;
        let end_year = year("end_year", request.end_year, "")?.ok_or_else(|| {
            invalid_argument(
                "end_year",
                format!("is required: the last year to project, in {MIN_YEAR}..={MAX_YEAR}"),
            )
        })?;
        if let Some(base) = base_year
            && end_year <= base
        {
            return Err(invalid_argument(
                "end_year",
                format!("{end_year} is not after base_year {base}; give a later end_year"),
            ));
        }
        let scenario = match request.scenario {
            Some(Wire::AnnualRate(rate)) if rate.is_finite() && rate > -1.0 => {
                Scenario::AnnualRate(rate)
            }
            Some(Wire::AnnualRate(rate)) => {
                return Err(invalid_argument(
                    "annual_rate",
                    format!(
                        "{rate} is not a usable rate; give a finite fraction above -1 \
                         (0.807 for +80.7 % a year, -0.9 for a tenfold fall)"
                    ),
                ));
            }
            Some(Wire::StatedRate(true)) => Scenario::StatedRate,
            Some(Wire::StatedRate(false)) => {
                return Err(invalid_argument(
                    "stated_rate",
                    "is false; set it to true to use the series' stated rate, or set annual_rate",
                ));
            }
            None => {
                return Err(invalid_argument(
                    "scenario",
                    "is required; set annual_rate (e.g. 0.807) or stated_rate = true",
                ));
            }
        };
        Ok(Self {
            series,
            base_year,
            end_year,
            scenario,
            fill: fill(request.fill)?,
        })
    }
}

fn unit(unit: Unit) -> pb::Unit {
    match unit {
        Unit::UsdBillion => pb::Unit::UsdBillion,
        Unit::UsdPerMillionTokens => pb::Unit::UsdPerMillionTokens,
        Unit::Fraction => pb::Unit::Fraction,
        Unit::Index => pb::Unit::Index,
    }
}

fn qualifier(qualifier: Qualifier) -> pb::Qualifier {
    match qualifier {
        Qualifier::Exact => pb::Qualifier::Exact,
        Qualifier::Approximate => pb::Qualifier::Approximate,
        Qualifier::UpperBound => pb::Qualifier::UpperBound,
        Qualifier::LowerBound => pb::Qualifier::LowerBound,
    }
}

fn kind(kind: Kind) -> pb::ObservationKind {
    match kind {
        Kind::Actual => pb::ObservationKind::Actual,
        Kind::Forecast => pb::ObservationKind::Forecast,
    }
}

fn provenance(provenance: Provenance) -> pb::Provenance {
    match provenance {
        Provenance::Reported => pb::Provenance::Reported,
        Provenance::Derived => pb::Provenance::Derived,
    }
}

fn rate_kind(kind: RateKind) -> pb::RateKind {
    match kind {
        RateKind::Cagr => pb::RateKind::Cagr,
        RateKind::AnnualChange => pb::RateKind::AnnualChange,
    }
}

fn check_kind(kind: CheckKind) -> pb::CheckKind {
    match kind {
        CheckKind::ComponentsSum => pb::CheckKind::ComponentsSum,
        CheckKind::StatedCagr => pb::CheckKind::StatedCagr,
        CheckKind::ComponentWithinParent => pb::CheckKind::ComponentWithinParent,
    }
}

/// The wire form of `fill`.
pub fn fill_to_pb(fill: Fill) -> pb::Fill {
    match fill {
        Fill::None => pb::Fill::None,
        Fill::CagrInterpolate => pb::Fill::CagrInterpolate,
    }
}

/// The wire form of `transform`.
pub fn transform_to_pb(transform: Transform) -> pb::Transform {
    match transform {
        Transform::None => pb::Transform::None,
        Transform::YearOverYear => pb::Transform::YearOverYear,
        Transform::Index => pb::Transform::Index,
        Transform::ShareOfParent => pb::Transform::ShareOfParent,
    }
}

impl From<&Observation> for pb::Observation {
    fn from(o: &Observation) -> Self {
        Self {
            year: o.year,
            value: o.value,
            unit: unit(o.unit).into(),
            qualifier: qualifier(o.qualifier).into(),
            kind: kind(o.kind).into(),
            provenance: provenance(o.provenance).into(),
            method: o.method.clone(),
            source: o.source.clone(),
            resolution: o.resolution,
            note: o.note.clone(),
            quote: o.quote.clone(),
        }
    }
}

impl From<Observation> for pb::Observation {
    fn from(o: Observation) -> Self {
        Self {
            year: o.year,
            value: o.value,
            unit: unit(o.unit).into(),
            qualifier: qualifier(o.qualifier).into(),
            kind: kind(o.kind).into(),
            provenance: provenance(o.provenance).into(),
            method: o.method,
            source: o.source,
            resolution: o.resolution,
            note: o.note,
            quote: o.quote,
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
    }
}

/// The wire form of a series, with its observations or (for lists) without.
pub fn series(s: SeriesRef<'_>, with_observations: bool) -> pb::Series {
    let dataset = &s.dataset.id;
    let data = s.series;
    pb::Series {
        name: s.name(),
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
        cagr_low: g.range.low,
        cagr_high: g.range.high,
        stated_rate: g.stated.as_ref().map(Into::into),
        agrees_with_stated: g.agrees_with_stated,
        method: g.method,
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
                series: part.series.name(),
                title_en: part.series.series.title_en.clone(),
                title_zh_hans: part.series.series.title_zh_hans.clone(),
                value: Some(part.value.into()),
                share: part.share,
            })
            .collect(),
        components_sum: b.sum,
        residual: b.residual,
        components_add_up: b.adds_up,
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

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    fn field_of(status: &Status) -> String {
        use tonic_types::StatusExt as _;
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        status
            .get_error_details()
            .bad_request()
            .expect("bad request")
            .field_violations[0]
            .field
            .clone()
    }

    fn observations(start: i32, end: i32, t: i32, f: i32) -> pb::GetObservationsRequest {
        pb::GetObservationsRequest {
            series: "datasets/d/series/s".into(),
            start_year: start,
            end_year: end,
            transform: t,
            fill: f,
        }
    }

    #[test]
    fn observation_requests_are_validated() {
        let ok = observations(2024, 2029, 0, 2);
        let q = ObservationsQuery::try_from(&ok).unwrap();
        assert_eq!(
            (q.start, q.end, q.transform, q.fill),
            (
                Some(2024),
                Some(2029),
                Transform::None,
                Fill::CagrInterpolate
            )
        );
        for (request, field) in [
            (observations(2029, 2024, 0, 0), "start_year"),
            (observations(1899, 0, 0, 0), "start_year"),
            (observations(0, 2201, 0, 0), "end_year"),
            (observations(0, 0, 99, 0), "transform"),
            (observations(0, 0, 0, -1), "fill"),
            (
                pb::GetObservationsRequest {
                    series: "datasets/d".into(),
                    ..Default::default()
                },
                "series",
            ),
        ] {
            let err = ObservationsQuery::try_from(&request).unwrap_err();
            assert_eq!(field_of(&err), field);
        }
    }

    #[test]
    fn projection_rates_are_validated() {
        use pb::project_series_request::Scenario as Wire;
        let request = |scenario, end_year| pb::ProjectSeriesRequest {
            series: "datasets/d/series/s".into(),
            base_year: 2024,
            end_year,
            scenario,
            fill: 0,
        };
        assert!(ProjectionQuery::try_from(&request(Some(Wire::AnnualRate(-0.9)), 2030)).is_ok());
        for (scenario, end_year, field) in [
            (Some(Wire::AnnualRate(-1.0)), 2030, "annual_rate"),
            (Some(Wire::AnnualRate(f64::NAN)), 2030, "annual_rate"),
            (Some(Wire::AnnualRate(f64::INFINITY)), 2030, "annual_rate"),
            (Some(Wire::StatedRate(false)), 2030, "stated_rate"),
            (None, 2030, "scenario"),
            (Some(Wire::StatedRate(true)), 0, "end_year"),
            (Some(Wire::StatedRate(true)), 2024, "end_year"),
        ] {
            let err = ProjectionQuery::try_from(&request(scenario, end_year)).unwrap_err();
            assert_eq!(field_of(&err), field);
        }
    }

    #[test]
    fn growth_and_breakdown_requests_are_validated() {
        let growth = pb::ComputeGrowthRequest {
            series: "datasets/d/series/s".into(),
            start_year: 2024,
            end_year: 2024,
            fill: 0,
        };
        assert_eq!(
            field_of(&GrowthQuery::try_from(&growth).unwrap_err()),
            "end_year"
        );
        let breakdown = pb::GetBreakdownRequest {
            series: "datasets/d/series/s".into(),
            year: 3000,
            fill: 0,
        };
        assert_eq!(
            field_of(&BreakdownQuery::try_from(&breakdown).unwrap_err()),
            "year"
        );
    }
}
