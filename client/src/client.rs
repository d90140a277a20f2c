//! [`Client`]: channels to both services and one thin wrapper per RPC the reports use (each
//! with the deadline, the retries and an error that names the service and the call).

use llmarket_proto::{
    forecast::{self as fpb, forecast_service_client::ForecastServiceClient},
    taxonomy::{self as tpb, taxonomy_service_client::TaxonomyServiceClient},
};
use tonic::transport::Channel;

use crate::{
    config::{ClientConfig, DEFAULT_DATASET},
    connect::ServiceChannel,
    error::{ClientError, Service},
};

/// Page size asked for when listing everything; the servers cap it at their maximum.
const LIST_PAGE_SIZE: i32 = 1000;
/// A bound on pages followed, so a server that keeps handing out tokens cannot loop us forever.
const MAX_PAGES: usize = 1000;

/// A client of both llmarket services. Cheap to share: wrap it in an `Arc` or borrow it; the
/// composed queries take `&self` and fan out concurrently.
#[derive(Debug)]
pub struct Client {
    pub(crate) forecast: ServiceChannel,
    pub(crate) taxonomy: ServiceChannel,
    pub(crate) dataset: String,
}

impl Client {
    /// Channels to the endpoints of `config`, several per service balanced. Connections are made
    /// on first use, so a service that is down fails only the calls that need it (and a report
    /// that can do without it says so in its warnings).
    pub async fn connect(config: ClientConfig) -> Result<Self, ClientError> {
        Ok(Self {
            forecast: ServiceChannel::connect(Service::Forecast, &config.forecast, &config)?,
            taxonomy: ServiceChannel::connect(Service::Taxonomy, &config.taxonomy, &config)?,
            dataset: DEFAULT_DATASET.to_owned(),
        })
    }

    /// A client over existing channels (for tests and embedding); the endpoints of `config` are
    /// ignored, its deadline and retry policy apply.
    pub fn from_channels(forecast: Channel, taxonomy: Channel, config: ClientConfig) -> Self {
        Self {
            forecast: ServiceChannel::from_channel(Service::Forecast, forecast, &config),
            taxonomy: ServiceChannel::from_channel(Service::Taxonomy, taxonomy, &config),
            dataset: DEFAULT_DATASET.to_owned(),
        }
    }

    /// This client with another default dataset (`datasets/{dataset}`) for the queries that do
    /// not name one (timeline, cost outlook, short series names).
    pub fn with_dataset(mut self, dataset: impl Into<String>) -> Self {
        self.dataset = dataset.into();
        self
    }

    /// The default dataset, `datasets/{dataset}`.
    pub fn dataset(&self) -> &str {
        &self.dataset
    }

    /// `datasets/{dataset}/series/{id}` for a short id in the default dataset; a full name as is.
    pub fn series_name(&self, series: &str) -> String {
        if series.starts_with("datasets/") {
            series.to_owned()
        } else {
            format!("{}/series/{series}", self.dataset)
        }
    }

    // ---- forecast ----

    pub(crate) async fn get_dataset(&self, name: &str) -> Result<fpb::Dataset, ClientError> {
        const CALL: &str = "GetDataset";
        let request = fpb::GetDatasetRequest {
            name: name.to_owned(),
        };
        let response = self
            .forecast
            .call(CALL, request, |ch, req| async move {
                ForecastServiceClient::new(ch).get_dataset(req).await
            })
            .await?;
        crate::reports::model::required(Service::Forecast, CALL, "dataset", response.dataset)
    }

    pub(crate) async fn list_series(&self, parent: &str) -> Result<Vec<fpb::Series>, ClientError> {
        const CALL: &str = "ListSeries";
        let mut all = Vec::new();
        let mut page_token = String::new();
        for _ in 0..MAX_PAGES {
            let request = fpb::ListSeriesRequest {
                parent: parent.to_owned(),
                page_size: LIST_PAGE_SIZE,
                page_token,
            };
            let page = self
                .forecast
                .call(CALL, request, |ch, req| async move {
                    ForecastServiceClient::new(ch).list_series(req).await
                })
                .await?;
            all.extend(page.series);
            if page.next_page_token.is_empty() {
                return Ok(all);
            }
            page_token = page.next_page_token;
        }
        Err(too_many_pages(Service::Forecast, CALL))
    }

    pub(crate) async fn get_series(&self, name: &str) -> Result<fpb::Series, ClientError> {
        const CALL: &str = "GetSeries";
        let request = fpb::GetSeriesRequest {
            name: name.to_owned(),
        };
        let response = self
            .forecast
            .call(CALL, request, |ch, req| async move {
                ForecastServiceClient::new(ch).get_series(req).await
            })
            .await?;
        crate::reports::model::required(Service::Forecast, CALL, "series", response.series)
    }

    pub(crate) async fn get_observations(
        &self,
        request: fpb::GetObservationsRequest,
    ) -> Result<fpb::GetObservationsResponse, ClientError> {
        self.forecast
            .call("GetObservations", request, |ch, req| async move {
                ForecastServiceClient::new(ch).get_observations(req).await
            })
            .await
    }

    pub(crate) async fn compute_growth(
        &self,
        request: fpb::ComputeGrowthRequest,
    ) -> Result<fpb::ComputeGrowthResponse, ClientError> {
        self.forecast
            .call("ComputeGrowth", request, |ch, req| async move {
                ForecastServiceClient::new(ch).compute_growth(req).await
            })
            .await
    }

    pub(crate) async fn get_breakdown(
        &self,
        request: fpb::GetBreakdownRequest,
    ) -> Result<fpb::GetBreakdownResponse, ClientError> {
        self.forecast
            .call("GetBreakdown", request, |ch, req| async move {
                ForecastServiceClient::new(ch).get_breakdown(req).await
            })
            .await
    }

    pub(crate) async fn project_series(
        &self,
        request: fpb::ProjectSeriesRequest,
    ) -> Result<fpb::ProjectSeriesResponse, ClientError> {
        self.forecast
            .call("ProjectSeries", request, |ch, req| async move {
                ForecastServiceClient::new(ch).project_series(req).await
            })
            .await
    }

    // ---- taxonomy ----

    pub(crate) async fn get_concept(
        &self,
        name: &str,
        language_code: &str,
    ) -> Result<tpb::Concept, ClientError> {
        const CALL: &str = "GetConcept";
        let request = tpb::GetConceptRequest {
            name: name.to_owned(),
            language_code: language_code.to_owned(),
        };
        let response = self
            .taxonomy
            .call(CALL, request, |ch, req| async move {
                TaxonomyServiceClient::new(ch).get_concept(req).await
            })
            .await?;
        crate::reports::model::required(Service::Taxonomy, CALL, "concept", response.concept)
    }

    pub(crate) async fn batch_get_concepts(
        &self,
        names: Vec<String>,
        language_code: &str,
    ) -> Result<Vec<tpb::Concept>, ClientError> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let request = tpb::BatchGetConceptsRequest {
            names,
            language_code: language_code.to_owned(),
        };
        let response = self
            .taxonomy
            .call("BatchGetConcepts", request, |ch, req| async move {
                TaxonomyServiceClient::new(ch).batch_get_concepts(req).await
            })
            .await?;
        Ok(response.concepts)
    }

    pub(crate) async fn list_concepts(
        &self,
        scheme: &str,
        language_code: &str,
    ) -> Result<Vec<tpb::Concept>, ClientError> {
        const CALL: &str = "ListConcepts";
        let mut all = Vec::new();
        let mut page_token = String::new();
        for _ in 0..MAX_PAGES {
            let request = tpb::ListConceptsRequest {
                parent: scheme.to_owned(),
                broader: String::new(),
                page_size: LIST_PAGE_SIZE,
                page_token,
                language_code: language_code.to_owned(),
            };
            let page = self
                .taxonomy
                .call(CALL, request, |ch, req| async move {
                    TaxonomyServiceClient::new(ch).list_concepts(req).await
                })
                .await?;
            all.extend(page.concepts);
            if page.next_page_token.is_empty() {
                return Ok(all);
            }
            page_token = page.next_page_token;
        }
        Err(too_many_pages(Service::Taxonomy, CALL))
    }

    pub(crate) async fn search_concepts(
        &self,
        query: &str,
        schemes: Vec<String>,
        language_code: &str,
    ) -> Result<tpb::SearchConceptsResponse, ClientError> {
        let request = tpb::SearchConceptsRequest {
            query: query.to_owned(),
            language_code: language_code.to_owned(),
            schemes,
            page_size: LIST_PAGE_SIZE,
            page_token: String::new(),
        };
        self.taxonomy
            .call("SearchConcepts", request, |ch, req| async move {
                TaxonomyServiceClient::new(ch).search_concepts(req).await
            })
            .await
    }

    pub(crate) async fn list_milestones(
        &self,
        start_year: i32,
        end_year: i32,
        concept: &str,
        language_code: &str,
    ) -> Result<Vec<tpb::Milestone>, ClientError> {
        const CALL: &str = "ListMilestones";
        let mut all = Vec::new();
        let mut page_token = String::new();
        for _ in 0..MAX_PAGES {
            let request = tpb::ListMilestonesRequest {
                start_year,
                end_year,
                concept: concept.to_owned(),
                page_size: LIST_PAGE_SIZE,
                page_token,
                language_code: language_code.to_owned(),
            };
            let page = self
                .taxonomy
                .call(CALL, request, |ch, req| async move {
                    TaxonomyServiceClient::new(ch).list_milestones(req).await
                })
                .await?;
            all.extend(page.milestones);
            if page.next_page_token.is_empty() {
                return Ok(all);
            }
            page_token = page.next_page_token;
        }
        Err(too_many_pages(Service::Taxonomy, CALL))
    }
}

fn too_many_pages(service: Service, call: &'static str) -> ClientError {
    ClientError::bad_data(
        service,
        call,
        format!("more than {MAX_PAGES} pages: the server keeps returning a next_page_token"),
    )
}
