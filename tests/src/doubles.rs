//! Test doubles that stand in for the real services, to have a call in flight or a server that
//! answers too slowly or with empty messages.

use std::{sync::Arc, time::Duration};

use llmarket_proto::forecast::{self as fpb, forecast_service_server};
use llmarket_server::runtime::ServiceRoutes;
use tokio::sync::Notify;
use tonic::{Request, Response, Status};

/// A forecast service that answers every call, after `delay`, with the empty (default) response.
/// It notifies `arrived` as soon as a call reaches it, before the delay.
#[derive(Debug, Clone)]
pub struct SlowForecast {
    /// How long each call takes.
    pub delay: Duration,
    /// Notified (`notify_one`) when a call arrives.
    pub arrived: Arc<Notify>,
}

impl SlowForecast {
    /// A double whose calls take `delay`, with a fresh `arrived`.
    pub fn new(delay: Duration) -> Self {
        Self {
            delay,
            arrived: Arc::new(Notify::new()),
        }
    }

    /// The routes to serve this double as the forecast service (e.g. with `TestServer::start`).
    pub fn routes(self) -> ServiceRoutes {
        ServiceRoutes::new(forecast_service_server::ForecastServiceServer::new(self))
    }

    async fn answer<T: Default>(&self) -> Result<Response<T>, Status> {
        self.arrived.notify_one();
        tokio::time::sleep(self.delay).await;
        Ok(Response::new(T::default()))
    }
}

#[tonic::async_trait]
impl forecast_service_server::ForecastService for SlowForecast {
    async fn list_datasets(
        &self,
        _: Request<fpb::ListDatasetsRequest>,
    ) -> Result<Response<fpb::ListDatasetsResponse>, Status> {
        self.answer().await
    }
    async fn get_dataset(
        &self,
        _: Request<fpb::GetDatasetRequest>,
    ) -> Result<Response<fpb::GetDatasetResponse>, Status> {
        self.answer().await
    }
    async fn list_series(
        &self,
        _: Request<fpb::ListSeriesRequest>,
    ) -> Result<Response<fpb::ListSeriesResponse>, Status> {
        self.answer().await
    }
    async fn get_series(
        &self,
        _: Request<fpb::GetSeriesRequest>,
    ) -> Result<Response<fpb::GetSeriesResponse>, Status> {
        self.answer().await
    }
    async fn get_observations(
        &self,
        _: Request<fpb::GetObservationsRequest>,
    ) -> Result<Response<fpb::GetObservationsResponse>, Status> {
        self.answer().await
    }
    async fn compute_growth(
        &self,
        _: Request<fpb::ComputeGrowthRequest>,
    ) -> Result<Response<fpb::ComputeGrowthResponse>, Status> {
        self.answer().await
    }
    async fn get_breakdown(
        &self,
        _: Request<fpb::GetBreakdownRequest>,
    ) -> Result<Response<fpb::GetBreakdownResponse>, Status> {
        self.answer().await
    }
    async fn project_series(
        &self,
        _: Request<fpb::ProjectSeriesRequest>,
    ) -> Result<Response<fpb::ProjectSeriesResponse>, Status> {
        self.answer().await
    }
    async fn check_consistency(
        &self,
        _: Request<fpb::CheckConsistencyRequest>,
    ) -> Result<Response<fpb::CheckConsistencyResponse>, Status> {
        self.answer().await
    }
}
