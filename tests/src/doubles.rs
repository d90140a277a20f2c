//! Test doubles that stand in for the real services, to have a call in flight or a server that
//! answers too slowly or with empty messages, and to see what reached the service (the
//! `authorization` header, the client certificate's names).

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use llmarket_proto::forecast::{self as fpb, forecast_service_server};
use llmarket_proto::llmarket::forecast::v2::{self as f2, forecast_service_server as v2_server};
use llmarket_serving::{ServiceRoutes, peer::Peer};
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
    /// Who made each call, in order of arrival.
    pub callers: Arc<Mutex<Vec<Caller>>>,
    /// When set, every call ends with this code (as an authenticating server refuses calls).
    pub refuse: Option<tonic::Code>,
}

/// What the service saw of a call's caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The `authorization` header, if sent.
    pub authorization: Option<String>,
    /// The names of the caller's verified client certificate ([`Peer::certificate_names`]).
    pub certificate_names: Vec<String>,
}

impl Caller {
    fn of<T>(request: &Request<T>) -> Self {
        Self {
            authorization: request
                .metadata()
                .get("authorization")
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
            certificate_names: request
                .extensions()
                .get::<Arc<Peer>>()
                .map(|peer| peer.certificate_names.clone())
                .unwrap_or_default(),
        }
    }
}

impl SlowForecast {
    /// A double whose calls take `delay`, with a fresh `arrived`.
    pub fn new(delay: Duration) -> Self {
        Self {
            delay,
            arrived: Arc::new(Notify::new()),
            callers: Arc::default(),
            refuse: None,
        }
    }

    /// A double that refuses every call at once with `code`.
    pub fn refusing(code: tonic::Code) -> Self {
        Self {
            refuse: Some(code),
            ..Self::new(Duration::ZERO)
        }
    }

    /// The callers seen so far.
    pub fn callers(&self) -> Vec<Caller> {
        self.callers.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// The routes to serve this double as the forecast service, contract v1 and v2 (e.g. with
    /// `TestServer::start`).
    pub fn routes(self) -> ServiceRoutes {
        let v2 = v2_server::ForecastServiceServer::new(self.clone());
        ServiceRoutes::new(forecast_service_server::ForecastServiceServer::new(self)).also(v2)
    }

    async fn answer<R, T: Default>(&self, request: &Request<R>) -> Result<Response<T>, Status> {
        if let Ok(mut callers) = self.callers.lock() {
            callers.push(Caller::of(request));
        }
        self.arrived.notify_one();
        if let Some(code) = self.refuse {
            return Err(Status::new(code, "refused by the test double"));
        }
        tokio::time::sleep(self.delay).await;
        Ok(Response::new(T::default()))
    }
}

#[tonic::async_trait]
impl forecast_service_server::ForecastService for SlowForecast {
    async fn list_datasets(
        &self,
        request: Request<fpb::ListDatasetsRequest>,
    ) -> Result<Response<fpb::ListDatasetsResponse>, Status> {
        self.answer(&request).await
    }
    async fn get_dataset(
        &self,
        request: Request<fpb::GetDatasetRequest>,
    ) -> Result<Response<fpb::GetDatasetResponse>, Status> {
        self.answer(&request).await
    }
    async fn list_series(
        &self,
        request: Request<fpb::ListSeriesRequest>,
    ) -> Result<Response<fpb::ListSeriesResponse>, Status> {
        self.answer(&request).await
    }
    async fn get_series(
        &self,
        request: Request<fpb::GetSeriesRequest>,
    ) -> Result<Response<fpb::GetSeriesResponse>, Status> {
        self.answer(&request).await
    }
    async fn get_observations(
        &self,
        request: Request<fpb::GetObservationsRequest>,
    ) -> Result<Response<fpb::GetObservationsResponse>, Status> {
        self.answer(&request).await
    }
    async fn compute_growth(
        &self,
        request: Request<fpb::ComputeGrowthRequest>,
    ) -> Result<Response<fpb::ComputeGrowthResponse>, Status> {
        self.answer(&request).await
    }
    async fn get_breakdown(
        &self,
        request: Request<fpb::GetBreakdownRequest>,
    ) -> Result<Response<fpb::GetBreakdownResponse>, Status> {
        self.answer(&request).await
    }
    async fn project_series(
        &self,
        request: Request<fpb::ProjectSeriesRequest>,
    ) -> Result<Response<fpb::ProjectSeriesResponse>, Status> {
        self.answer(&request).await
    }
    async fn check_consistency(
        &self,
        request: Request<fpb::CheckConsistencyRequest>,
    ) -> Result<Response<fpb::CheckConsistencyResponse>, Status> {
        self.answer(&request).await
    }
}

/// Every method of contract v2 answers as the v1 ones do: after the delay, an empty message.
macro_rules! answered_v2 {
    ($($method:ident($request:ident) -> $response:ident;)*) => {
        #[tonic::async_trait]
        impl v2_server::ForecastService for SlowForecast {
            $(
                async fn $method(
                    &self,
                    request: Request<f2::$request>,
                ) -> Result<Response<f2::$response>, Status> {
                    self.answer(&request).await
                }
            )*
        }
    };
}

answered_v2! {
    list_datasets(ListDatasetsRequest) -> ListDatasetsResponse;
    get_dataset(GetDatasetRequest) -> Dataset;
    list_editions(ListEditionsRequest) -> ListEditionsResponse;
    get_edition(GetEditionRequest) -> Edition;
    list_series(ListSeriesRequest) -> ListSeriesResponse;
    get_series(GetSeriesRequest) -> Series;
    list_series_revisions(ListSeriesRevisionsRequest) -> ListSeriesRevisionsResponse;
    query_observations(QueryObservationsRequest) -> QueryObservationsResponse;
    compute_growth(ComputeGrowthRequest) -> ComputeGrowthResponse;
    compute_breakdown(ComputeBreakdownRequest) -> ComputeBreakdownResponse;
    project_series(ProjectSeriesRequest) -> ProjectSeriesResponse;
    check_consistency(CheckConsistencyRequest) -> CheckConsistencyResponse;
}
