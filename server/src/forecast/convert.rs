//! Conversions between the wire (`llmarket.forecast.v1`) and the domain: requests are validated
//! into queries (`TryFrom`, errors as INVALID_ARGUMENT naming the field), domain values are
//! turned into messages.
//!
//! The edge checks what a request says on its own: names, years in range, enums, a required
//! end year, a usable rate. Rules that need the data (the order of a span whose open end is a
//! stated year, two different years for growth, an end after the base year) are the domain's,
//! checked once in `analysis`.

use llmarket_proto::forecast as pb;
use tonic::Status;

use super::{
    analysis::{Breakdown, Check, CheckKind, Growth, Projection, Scenario},
    error::Error,
    model::{
        Catalog, Dataset, Fill, Kind, MAX_YEAR, MIN_YEAR, Observation, Provenance, Qualifier,
        RateKind, SeriesRef, Span, StatedRate, Transform, Unit,
    },
};
use crate::{
    names::{dataset_name, parse_series, series_name},
    status::invalid_argument,
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
        let (dataset, series) = parse_series(field, name)?;
        Ok(Self { dataset, series })
    }
}

/// What every analysis request names: the series, and how years without a stated value are
/// treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target<'a> {
    /// The series.
    pub series: SeriesId<'a>,
    /// The fill.
    pub fill: Fill,
}

impl Target<'_> {
    /// The series in `catalog`.
    pub fn find<'c>(&self, catalog: &'c Catalog) -> Result<SeriesRef<'c>, Error> {
        catalog.series(self.series.dataset, self.series.series)
    }
}

/// An optional year field: 0 means not set, anything else must lie in 1900..=2200.
fn year(field: &str, year: i32, unset: &str) -> Result<Option<i32>, Status> {
    match year {
        0 => Ok(None),
        y if (MIN_YEAR..=MAX_YEAR).contains(&y) => Ok(Some(y)),
        y => Err(invalid_argument(
            field,
            format!(
                "{y} is outside {MIN_YEAR}..={MAX_YEAR}; use a year in that range, or 0 for {unset}"
            ),
        )),
    }
}

/// A start and end year, each optional. Their order is the domain's to check, once the series'
/// stated years fill the open ends.
fn span(start: i32, end: i32) -> Result<Span, Status> {
    Ok(Span {
        start: year("start_year", start, "the series' first stated year")?,
        end: year("end_year", end, "the series' last stated year")?,
    })
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

fn scenario(scenario: Option<pb::project_series_request::Scenario>) -> Result<Scenario, Status> {
    use pb::project_series_request::Scenario as Wire;
    match scenario {
        Some(Wire::AnnualRate(rate)) if rate.is_finite() && rate > -1.0 => {
            Ok(Scenario::AnnualRate(rate))
        }
        Some(Wire::AnnualRate(rate)) => Err(invalid_argument(
            "annual_rate",
            format!(
                "{rate} is not a usable rate; give a finite fraction above -1 \
                 (0.807 for +80.7 % a year, -0.9 for a tenfold fall)"
            ),
        )),
        Some(Wire::StatedRate(true)) => Ok(Scenario::StatedRate),
        Some(Wire::StatedRate(false)) => Err(invalid_argument(
            "stated_rate",
            "is false; set it to true to use the series' stated rate, or set annual_rate",
        )),
        None => Err(invalid_argument(
            "scenario",
            "is required; set annual_rate (e.g. 0.807) or stated_rate = true",
        )),
    }
}

/// A validated request about one series: the series and fill every such request names, and
/// `A`, what the request asks of them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Query<'a, A> {
    /// The series and fill.
    pub target: Target<'a>,
    /// The rest of the request.
    pub args: A,
}

impl<'a, A> Query<'a, A> {
    /// Checks `series`, then the request's own fields (`args`), then `fill`: the order in which
    /// a request with several bad fields is answered.
    fn parse(
        series: &'a str,
        args: impl FnOnce() -> Result<A, Status>,
        fill_value: i32,
    ) -> Result<Self, Status> {
        let series = SeriesId::parse("series", series)?;
        let args = args()?;
        let fill = fill(fill_value)?;
        Ok(Self {
            target: Target { series, fill },
            args,
        })
    }
}

/// What GetObservations asks: the years and how to transform their values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// The years.
    pub span: Span,
    /// The transform.
    pub transform: Transform,
}

/// What ProjectSeries asks: from when, to when, at what rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Projecting {
    /// The base year, if set.
    pub base_year: Option<i32>,
    /// The last projected year.
    pub end_year: i32,
    /// The rate to project with.
    pub scenario: Scenario,
}

/// A validated GetObservations request.
pub type ObservationsQuery<'a> = Query<'a, Reading>;
/// A validated ComputeGrowth request: the years.
pub type GrowthQuery<'a> = Query<'a, Span>;
/// A validated GetBreakdown request: the year, if set.
pub type BreakdownQuery<'a> = Query<'a, Option<i32>>;
/// A validated ProjectSeries request.
pub type ProjectionQuery<'a> = Query<'a, Projecting>;

impl<'a> TryFrom<&'a pb::GetObservationsRequest> for ObservationsQuery<'a> {
    type Error = Status;

    fn try_from(r: &'a pb::GetObservationsRequest) -> Result<Self, Status> {
        let reading = || {
            Ok(Reading {
                span: span(r.start_year, r.end_year)?,
                transform: transform(r.transform)?,
            })
        };
        Query::parse(&r.series, reading, r.fill)
    }
}

impl<'a> TryFrom<&'a pb::ComputeGrowthRequest> for GrowthQuery<'a> {
    type Error = Status;

    fn try_from(r: &'a pb::ComputeGrowthRequest) -> Result<Self, Status> {
        Query::parse(&r.series, || span(r.start_year, r.end_year), r.fill)
    }
}

impl<'a> TryFrom<&'a pb::GetBreakdownRequest> for BreakdownQuery<'a> {
    type Error = Status;

    fn try_from(r: &'a pb::GetBreakdownRequest) -> Result<Self, Status> {
        const UNSET: &str = "the last year in which the series and all its components have a value";
        Query::parse(&r.series, || year("year", r.year, UNSET), r.fill)
    }
}

impl<'a> TryFrom<&'a pb::ProjectSeriesRequest> for ProjectionQuery<'a> {
    type Error = Status;

    fn try_from(r: &'a pb::ProjectSeriesRequest) -> Result<Self, Status> {
        let projecting = || {
            let base_year = year("base_year", r.base_year, "the series' last actual year")?;
            let end_year = year("end_year", r.end_year, "")?.ok_or_else(|| {
                invalid_argument(
                    "end_year",
                    format!("is required: the last year to project, in {MIN_YEAR}..={MAX_YEAR}"),
                )
            })?;
            Ok(Projecting {
                base_year,
                end_year,
                scenario: scenario(r.scenario)?,
            })
        };
        Query::parse(&r.series, projecting, r.fill)
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
        ..pb::Observation::default()
    }
}

impl From<&Observation> for pb::Observation {
    fn from(o: &Observation) -> Self {
        Self {
            method: o.method.clone(),
            source: o.source.clone(),
            note: o.note.clone(),
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
    use pb::project_series_request::Scenario as Wire;
    use tonic::Code;
    use tonic_types::StatusExt as _;

    use super::*;

    const SERIES: &str = "datasets/d/series/s";

    /// The field of the one BadRequest violation of an INVALID_ARGUMENT status.
    fn field_of(status: Status) -> String {
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
            series: SERIES.into(),
            start_year: start,
            end_year: end,
            transform: t,
            fill: f,
        }
    }

    fn projection(scenario: Option<Wire>, end_year: i32) -> pb::ProjectSeriesRequest {
        pb::ProjectSeriesRequest {
            series: SERIES.into(),
            base_year: 2024,
            end_year,
            scenario,
            fill: 0,
        }
    }

    #[test]
    fn good_requests_become_queries() {
        let request = observations(2024, 0, 0, 2);
        let query = ObservationsQuery::try_from(&request).unwrap();
        assert_eq!(query.target.series.series, "s");
        assert_eq!(
            (query.args.span, query.args.transform, query.target.fill),
            (
                Span {
                    start: Some(2024),
                    end: None
                },
                Transform::None,
                Fill::CagrInterpolate
            )
        );
        // Order is the domain's to check: the edge passes an inverted span on.
        let request = observations(2029, 2024, 0, 0);
        assert!(ObservationsQuery::try_from(&request).is_ok());
        let request = projection(Some(Wire::AnnualRate(-0.9)), 2024);
        let query = ProjectionQuery::try_from(&request).unwrap();
        assert_eq!(query.args.scenario, Scenario::AnnualRate(-0.9));
    }

    #[test]
    fn bad_requests_name_their_field() {
        let growth = pb::ComputeGrowthRequest {
            series: SERIES.into(),
            start_year: 0,
            end_year: 3000,
            fill: 0,
        };
        let breakdown = |year, fill| pb::GetBreakdownRequest {
            series: SERIES.into(),
            year,
            fill,
        };
        let cases: Vec<(Box<dyn Validate>, &str)> = vec![
            (Box::new(observations(1899, 0, 0, 0)), "start_year"),
            (Box::new(observations(0, 2201, 0, 0)), "end_year"),
            (Box::new(observations(0, 0, 99, 0)), "transform"),
            (Box::new(observations(0, 0, 0, -1)), "fill"),
            (
                Box::new(pb::GetObservationsRequest {
                    series: "datasets/d".into(),
                    ..Default::default()
                }),
                "series",
            ),
            (Box::new(growth), "end_year"),
            (Box::new(breakdown(3000, 0)), "year"),
            (Box::new(breakdown(0, 9)), "fill"),
            (
                Box::new(projection(Some(Wire::AnnualRate(-1.0)), 2030)),
                "annual_rate",
            ),
            (
                Box::new(projection(Some(Wire::AnnualRate(f64::NAN)), 2030)),
                "annual_rate",
            ),
            (
                Box::new(projection(Some(Wire::AnnualRate(f64::INFINITY)), 2030)),
                "annual_rate",
            ),
            (
                Box::new(projection(Some(Wire::StatedRate(false)), 2030)),
                "stated_rate",
            ),
            (Box::new(projection(None, 2030)), "scenario"),
            (
                Box::new(projection(Some(Wire::StatedRate(true)), 0)),
                "end_year",
            ),
        ];
        for (i, (request, field)) in cases.into_iter().enumerate() {
            let status = request
                .validate()
                .expect_err(&format!("case {i} should fail"));
            assert_eq!(field_of(status), field, "case {i}");
        }
    }

    /// A request that validates into its query.
    trait Validate {
        fn validate(&self) -> Result<(), Status>;
    }

    macro_rules! validate {
        ($($request:ty => $query:ident),* $(,)?) => {$(
            impl Validate for $request {
                fn validate(&self) -> Result<(), Status> {
                    $query::try_from(self).map(drop)
                }
            }
        )*};
    }

    validate! {
        pb::GetObservationsRequest => ObservationsQuery,
        pb::ComputeGrowthRequest => GrowthQuery,
        pb::GetBreakdownRequest => BreakdownQuery,
        pb::ProjectSeriesRequest => ProjectionQuery,
    }
}
