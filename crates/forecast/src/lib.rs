//! The forecast service (`llmarket.forecast.v1.ForecastService`): datasets of yearly series with
//! provenance, and the arithmetic analysts do on them.
//!
//! Layout: [`model`] (domain types: values, and the catalog of series), [`load`] (TOML parsing
//! and validation, on the shared [`llmarket_kit::data::check`]), [`analysis`] (the arithmetic, one
//! module per operation), [`convert`] (requests → queries at the edge, domain → messages),
//! [`error`] (domain errors → statuses, the only place that names request fields for them),
//! [`import`] (a new edition's `forecast.toml` from the tidy CSV of `llmarket --format csv`).
//! Each handler takes one snapshot of the catalog, finds its series by id, and does no I/O.
//! Each checks the caller's grants ([`Access`]) before it looks anything up, so a refusal is the
//! same whether the resource exists or not; lists hold only the datasets the caller may read.

pub mod analysis;
pub mod convert;
pub mod error;
pub mod import;
pub mod load;
pub mod model;
pub mod v2;

use llmarket_proto::{forecast as pb, names::DatasetName};
use tonic::{Request, Response, Status};

use self::convert::{BreakdownQuery, GrowthQuery, ObservationsQuery, ProjectionQuery, SeriesId};
pub use self::{error::Error, model::Catalog};
use llmarket_kit::{
    access::Access,
    data::Shared,
    fields::{RequestSizes, SMALL_REQUEST_BYTES},
    metadata::versioned,
    paging::PageRequest,
    status::bad_name,
};

/// The gRPC handlers over a shared [`Catalog`].
#[derive(Debug, Clone)]
pub struct ForecastApi {
    catalog: Shared<Catalog>,
}

/// The data version `access` is shown: of the datasets it may read only, so a change to another
/// dataset does not show (see [`llmarket_kit::data::DataVersion::scoped`]).
fn shown_version<'a>(
    catalog: &'a Catalog,
    access: &Access,
) -> std::borrow::Cow<'a, llmarket_kit::data::DataVersion> {
    catalog
        .data_version()
        .scoped(|id| access.may_read_dataset(id))
}

impl ForecastApi {
    /// A service over `catalog`.
    pub fn new(catalog: Shared<Catalog>) -> Self {
        Self { catalog }
    }
}

/// The largest request each forecast method can validly take: every one carries a few names,
/// years, numbers and a page token.
pub const REQUEST_SIZES: RequestSizes = RequestSizes {
    default: SMALL_REQUEST_BYTES,
    methods: &[],
};

#[tonic::async_trait]
impl pb::forecast_service_server::ForecastService for ForecastApi {
    async fn list_datasets(
        &self,
        request: Request<pb::ListDatasetsRequest>,
    ) -> Result<Response<pb::ListDatasetsResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let page = PageRequest::new(request.page_size, &request.page_token, &["ListDatasets"])?;
        let catalog = self.catalog.load();
        // Filtered before paging, so pages stay full and keys in tokens stay in the list.
        let readable: Vec<_> = catalog
            .datasets()
            .iter()
            .filter(|d| access.may_read_dataset(&d.id))
            .collect();
        let (datasets, next_page_token) = page.sorted(&readable, |d| d.id.as_str())?;
        Ok(versioned(
            &shown_version(&catalog, &access),
            pb::ListDatasetsResponse {
                datasets: datasets.iter().map(|d| convert::dataset(d)).collect(),
                next_page_token,
            },
        ))
    }

    async fn get_dataset(
        &self,
        request: Request<pb::GetDatasetRequest>,
    ) -> Result<Response<pb::GetDatasetResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let id = DatasetName::parse(&request.name)
            .map_err(bad_name("name"))?
            .dataset;
        access.dataset(id)?;
        let catalog = self.catalog.load();
        let dataset = catalog.dataset(id)?;
        Ok(versioned(
            &shown_version(&catalog, &access),
            pb::GetDatasetResponse {
                dataset: Some(convert::dataset(dataset)),
            },
        ))
    }

    async fn list_series(
        &self,
        request: Request<pb::ListSeriesRequest>,
    ) -> Result<Response<pb::ListSeriesResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let id = DatasetName::parse(&request.parent)
            .map_err(bad_name("parent"))?
            .dataset;
        access.dataset(id)?;
        let page = PageRequest::new(
            request.page_size,
            &request.page_token,
            &["ListSeries", &request.parent],
        )?;
        let catalog = self.catalog.load();
        let dataset = catalog.dataset(id)?;
        let (series, next_page_token) = page.sorted(dataset.series(), |s| s.id.as_str())?;
        Ok(versioned(
            &shown_version(&catalog, &access),
            pb::ListSeriesResponse {
                series: series
                    .iter()
                    .map(|series| convert::series(model::SeriesRef::new(dataset, series), false))
                    .collect(),
                next_page_token,
            },
        ))
    }

    async fn get_series(
        &self,
        request: Request<pb::GetSeriesRequest>,
    ) -> Result<Response<pb::GetSeriesResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let id = SeriesId::parse("name", &request.name)?;
        access.series(id.dataset, id.series)?;
        let catalog = self.catalog.load();
        let series = catalog.series(id.dataset, id.series)?;
        Ok(versioned(
            &shown_version(&catalog, &access),
            pb::GetSeriesResponse {
                series: Some(convert::series(series, true)),
            },
        ))
    }

    async fn get_observations(
        &self,
        request: Request<pb::GetObservationsRequest>,
    ) -> Result<Response<pb::GetObservationsResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let query = ObservationsQuery::try_from(&request)?;
        access.series(query.target.series.dataset, query.target.series.series)?;
        let catalog = self.catalog.load();
        let series = query.target.find(&catalog)?;
        let observations = analysis::observations(
            series,
            query.args.span,
            query.args.transform,
            query.target.fill,
        )?;
        Ok(versioned(
            &shown_version(&catalog, &access),
            pb::GetObservationsResponse {
                observations: observations.into_iter().map(Into::into).collect(),
                transform: convert::wire::v1::transform(query.args.transform).into(),
                fill: convert::wire::v1::fill(query.target.fill).into(),
                series: request.series,
            },
        ))
    }

    async fn compute_growth(
        &self,
        request: Request<pb::ComputeGrowthRequest>,
    ) -> Result<Response<pb::ComputeGrowthResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let query = GrowthQuery::try_from(&request)?;
        access.series(query.target.series.dataset, query.target.series.series)?;
        let catalog = self.catalog.load();
        let series = query.target.find(&catalog)?;
        let growth = analysis::growth(series, query.args, query.target.fill)?;
        Ok(versioned(
            &shown_version(&catalog, &access),
            convert::growth_response(request.series, growth),
        ))
    }

    async fn get_breakdown(
        &self,
        request: Request<pb::GetBreakdownRequest>,
    ) -> Result<Response<pb::GetBreakdownResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let query = BreakdownQuery::try_from(&request)?;
        access.series(query.target.series.dataset, query.target.series.series)?;
        let catalog = self.catalog.load();
        let series = query.target.find(&catalog)?;
        let breakdown = analysis::breakdown(series, query.args, query.target.fill)?;
        Ok(versioned(
            &shown_version(&catalog, &access),
            convert::breakdown_response(series.name().into_owned(), breakdown),
        ))
    }

    async fn project_series(
        &self,
        request: Request<pb::ProjectSeriesRequest>,
    ) -> Result<Response<pb::ProjectSeriesResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let query = ProjectionQuery::try_from(&request)?;
        access.series(query.target.series.dataset, query.target.series.series)?;
        let catalog = self.catalog.load();
        let series = query.target.find(&catalog)?;
        let projection = analysis::project(
            series,
            query.args.base_year,
            query.args.end_year,
            query.args.scenario,
            query.target.fill,
        )?;
        Ok(versioned(
            &shown_version(&catalog, &access),
            convert::projection_response(series.name().into_owned(), projection),
        ))
    }

    async fn check_consistency(
        &self,
        request: Request<pb::CheckConsistencyRequest>,
    ) -> Result<Response<pb::CheckConsistencyResponse>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let id = DatasetName::parse(&request.dataset)
            .map_err(bad_name("dataset"))?
            .dataset;
        access.dataset(id)?;
        let catalog = self.catalog.load();
        let dataset = catalog.dataset(id)?;
        let checks = analysis::check(dataset);
        Ok(versioned(
            &shown_version(&catalog, &access),
            convert::checks_response(&dataset.id, checks),
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arc_swap::ArcSwap;
    use pb::forecast_service_server::ForecastService as _;
    use tonic::Code;

    use super::*;
    use llmarket_proto::names::dataset_name;

    fn api() -> ForecastApi {
        let catalog = Catalog::load(&[llmarket_kit::data::builtin()]).unwrap();
        ForecastApi::new(Arc::new(ArcSwap::from_pointee(catalog)))
    }

    #[tokio::test]
    async fn handlers_answer_from_the_builtin_data() {
        let api = api();
        let datasets = api
            .list_datasets(Request::new(pb::ListDatasetsRequest::default()))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(datasets.datasets.len(), 1);
        assert_eq!(
            datasets.datasets[0].name,
            dataset_name("cic-global-llm-2026")
        );
        assert_eq!(datasets.datasets[0].series_count, 4);
        let series = api
            .get_series(Request::new(pb::GetSeriesRequest {
                name: "datasets/cic-global-llm-2026/series/market-size".into(),
            }))
            .await
            .unwrap()
            .into_inner()
            .series
            .unwrap();
        assert_eq!(series.observations.len(), 2);
        assert_eq!(series.components.len(), 2);
        assert_eq!((series.first_year, series.last_year), (2024, 2029));
    }

    #[tokio::test]
    async fn unknown_resources_are_not_found() {
        let api = api();
        let err = api
            .get_series(Request::new(pb::GetSeriesRequest {
                name: "datasets/cic-global-llm-2026/series/nope".into(),
            }))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::NotFound);
        assert!(err.message().contains("series/nope"));
        let err = api
            .check_consistency(Request::new(pb::CheckConsistencyRequest {
                dataset: "datasets/nope".into(),
            }))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::NotFound);
    }
}
