//! The edge of the forecast service: requests validated into queries (`TryFrom`, errors as
//! INVALID_ARGUMENT naming the field).
//!
//! The edge checks what a request says on its own: names, years in range, enums, a required
//! end year, a usable rate. Rules that need the data (the order of a span whose open end is a
//! stated year, two different years for growth, an end after the base year) are the domain's,
//! checked once in `analysis`.

use llmarket_proto::{forecast as pb, names::SeriesName};
use tonic::Status;

use crate::{
    analysis::Scenario,
    error::Error,
    model::{Catalog, Fill, MAX_YEAR, MIN_YEAR, SeriesRef, Span, Transform},
};
use llmarket_kit::{
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
    optional_year(field, year, MIN_YEAR..=MAX_YEAR, unset)
}

/// A start and end year, each optional. Their order is the domain's to check, once the series'
/// stated years fill the open ends.
fn span(start: i32, end: i32) -> Result<Span, Status> {
    Ok(Span {
        start: year("start_year", start, "the series' first stated year")?,
        end: year("end_year", end, "the series' last stated year")?,
    })
}

/// The transform of field `transform` (v1 and v2 number their `Transform`s alike).
pub(crate) fn transform(value: i32) -> Result<Transform, Status> {
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

/// The fill of field `fill` (v1 and v2 number their `Fill`s alike).
pub(crate) fn fill(value: i32) -> Result<Fill, Status> {
    match pb::Fill::try_from(value) {
        Ok(pb::Fill::Unspecified | pb::Fill::None) => Ok(Fill::None),
        Ok(pb::Fill::CagrInterpolate) => Ok(Fill::CagrInterpolate),
        Err(_) => Err(invalid_argument(
            "fill",
            format!("{value} is not a Fill; use FILL_NONE (1) or FILL_CAGR_INTERPOLATE (2)"),
        )),
    }
}

/// The rate a v1 projection uses: the v2 scenario it says, validated as v2 validates it.
fn scenario(scenario: Option<pb::project_series_request::Scenario>) -> Result<Scenario, Status> {
    use llmarket_proto::llmarket::forecast::v2::project_series_request::Scenario as V2;
    use pb::project_series_request::Scenario as Wire;
    let v2 = scenario.map(|s| match s {
        Wire::AnnualRate(rate) => V2::AnnualRate(rate),
        Wire::StatedRate(stated) => V2::StatedRate(stated),
    });
    crate::v2::request::scenario(v2.as_ref())
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
