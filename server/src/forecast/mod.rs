//! The forecast service (`llmarket.forecast.v1.ForecastService`). Skeleton: the full service
//! comes with issue 3.

use llmarket_proto::forecast::{self as pb, forecast_service_server::ForecastServiceServer};
use tonic::{Request, Response, Status, service::Routes};

use crate::{
    data::{DatasetFiles, LoadError, Shared},
    paging::PageRequest,
    runtime::ServiceRoutes,
};

/// Every forecast dataset a process serves, immutable once loaded.
#[derive(Debug, Default)]
pub struct Catalog {}

impl Catalog {
    /// Parses and validates the forecast files of `sources`.
    pub fn load(_sources: &[DatasetFiles]) -> Result<Self, LoadError> {
        Ok(Self {})
    }
}

/// The gRPC handlers over a shared [`Catalog`].
#[derive(Debug, Clone)]
pub struct ForecastApi {
    catalog: Shared<Catalog>,
}

impl ForecastApi {
    /// A service over `catalog`.
    pub fn new(catalog: Shared<Catalog>) -> Self {
        Self { catalog }
    }
}

/// The forecast service's routes, for [`crate::runtime::serve`].
pub fn routes(catalog: Shared<Catalog>) -> ServiceRoutes {
    ServiceRoutes {
        name: llmarket_proto::FORECAST_SERVICE_NAME,
        routes: Routes::new(ForecastServiceServer::new(ForecastApi::new(catalog))),
    }
}

#[tonic::async_trait]
impl pb::forecast_service_server::ForecastService for ForecastApi {
    async fn list_datasets(
        &self,
        request: Request<pb::ListDatasetsRequest>,
    ) -> Result<Response<pb::ListDatasetsResponse>, Status> {
        let request = request.into_inner();
        let page = PageRequest::new(request.page_size, &request.page_token, &["ListDatasets"])?;
        let _catalog = self.catalog.load();
        let (datasets, next_page_token) = page.slice::<pb::Dataset>(&[]);
        Ok(Response::new(pb::ListDatasetsResponse {
            datasets: datasets.to_vec(),
            next_page_token,
        }))
    }

    async fn get_dataset(
        &self,
        _request: Request<pb::GetDatasetRequest>,
    ) -> Result<Response<pb::GetDatasetResponse>, Status> {
        Err(Status::unimplemented("not yet"))
    }

    async fn list_series(
        &self,
        _request: Request<pb::ListSeriesRequest>,
    ) -> Result<Response<pb::ListSeriesResponse>, Status> {
        Err(Status::unimplemented("not yet"))
    }

    async fn get_series(
        &self,
        _request: Request<pb::GetSeriesRequest>,
    ) -> Result<Response<pb::GetSeriesResponse>, Status> {
        Err(Status::unimplemented("not yet"))
    }

    async fn get_observations(
        &self,
        _request: Request<pb::GetObservationsRequest>,
    ) -> Result<Response<pb::GetObservationsResponse>, Status> {
        Err(Status::unimplemented("not yet"))
    }

    async fn compute_growth(
        &self,
        _request: Request<pb::ComputeGrowthRequest>,
    ) -> Result<Response<pb::ComputeGrowthResponse>, Status> {
        Err(Status::unimplemented("not yet"))
    }

    async fn get_breakdown(
        &self,
        _request: Request<pb::GetBreakdownRequest>,
    ) -> Result<Response<pb::GetBreakdownResponse>, Status> {
        Err(Status::unimplemented("not yet"))
    }

    async fn project_series(
        &self,
        _request: Request<pb::ProjectSeriesRequest>,
    ) -> Result<Response<pb::ProjectSeriesResponse>, Status> {
        Err(Status::unimplemented("not yet"))
    }

    async fn check_consistency(
        &self,
        _request: Request<pb::CheckConsistencyRequest>,
    ) -> Result<Response<pb::CheckConsistencyResponse>, Status> {
        Err(Status::unimplemented("not yet"))
    }
}
