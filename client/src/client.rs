//! [`Client`]: channels to both services and one thin wrapper per RPC the reports use (each
//! with the deadline, the retries and an error that names the service and the call).

use llmarket_proto::llmarket::forecast::v2::{
    self as f2, forecast_service_client::ForecastServiceClient as ForecastV2Client,
};
use llmarket_proto::names::{DatasetName, SeriesName};
use llmarket_proto::{
    forecast::{self as fpb, forecast_service_client::ForecastServiceClient},
    taxonomy::{self as tpb, taxonomy_service_client::TaxonomyServiceClient},
};
use std::future::Future;

use tonic::transport::Channel;

use crate::{
    config::{ClientConfig, DEFAULT_DATASET, EditionSelection},
    connect::ServiceChannel,
    error::{ClientError, Service, required},
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
    /// Which edition reads use (from the configuration).
    pub(crate) edition: EditionSelection,
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
            edition: config.edition.clone(),
        })
    }

    /// A client over existing channels (for tests and embedding); the endpoints of `config` are
    /// ignored, its deadline and retry policy apply.
    pub fn from_channels(forecast: Channel, taxonomy: Channel, config: ClientConfig) -> Self {
        Self {
            forecast: ServiceChannel::from_channel(Service::Forecast, forecast, &config),
            taxonomy: ServiceChannel::from_channel(Service::Taxonomy, taxonomy, &config),
            dataset: DEFAULT_DATASET.to_owned(),
            edition: config.edition.clone(),
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
            return series.to_owned();
        }
        match DatasetName::parse(&self.dataset) {
            Ok(dataset) => SeriesName {
                dataset: dataset.dataset,
                series,
            }
            .to_string(),
            // Not a dataset name: the server names what is wrong with the result.
            Err(_) => format!("{}/series/{series}", self.dataset),
        }
    }

    // ---- forecast ----

    /// The dataset `name` (`datasets/{id}`).
    pub async fn get_dataset(&self, name: &str) -> Result<fpb::Dataset, ClientError> {
        let request = fpb::GetDatasetRequest {
            name: name.to_owned(),
        };
        let response = self.get_dataset_response(request).await?;
        required(Service::Forecast, "GetDataset", "dataset", response.dataset)
    }

    /// Every dataset the forecast service has.
    pub async fn list_datasets(&self) -> Result<Vec<fpb::Dataset>, ClientError> {
        all_pages(Service::Forecast, "ListDatasets", |page_token| async move {
            let page = self
                .list_datasets_page(fpb::ListDatasetsRequest {
                    page_size: LIST_PAGE_SIZE,
                    page_token,
                })
                .await?;
            Ok((page.datasets, page.next_page_token))
        })
        .await
    }

    /// Every series of the dataset `parent`, all pages.
    pub async fn list_series(&self, parent: &str) -> Result<Vec<fpb::Series>, ClientError> {
        all_pages(Service::Forecast, "ListSeries", |page_token| async move {
            let page = self
                .list_series_page(fpb::ListSeriesRequest {
                    parent: parent.to_owned(),
                    page_size: LIST_PAGE_SIZE,
                    page_token,
                })
                .await?;
            Ok((page.series, page.next_page_token))
        })
        .await
    }

    /// The series `name` (`datasets/{d}/series/{s}`).
    pub async fn get_series(&self, name: &str) -> Result<fpb::Series, ClientError> {
        let request = fpb::GetSeriesRequest {
            name: name.to_owned(),
        };
        let response = self.get_series_response(request).await?;
        required(Service::Forecast, "GetSeries", "series", response.series)
    }

    // ---- taxonomy ----

    /// Every concept scheme, all pages.
    pub async fn list_schemes(&self, language_code: &str) -> Result<Vec<tpb::Scheme>, ClientError> {
        all_pages(Service::Taxonomy, "ListSchemes", |page_token| async move {
            let page = self
                .list_schemes_page(tpb::ListSchemesRequest {
                    page_size: LIST_PAGE_SIZE,
                    page_token,
                    language_code: language_code.to_owned(),
                })
                .await?;
            Ok((page.schemes, page.next_page_token))
        })
        .await
    }

    /// The concept `name` (`schemes/{s}/concepts/{c}`).
    pub async fn get_concept(
        &self,
        name: &str,
        language_code: &str,
    ) -> Result<tpb::Concept, ClientError> {
        let request = tpb::GetConceptRequest {
            name: name.to_owned(),
            language_code: language_code.to_owned(),
        };
        let response = self.get_concept_response(request).await?;
        required(Service::Taxonomy, "GetConcept", "concept", response.concept)
    }

    /// The concepts `names` in `language_code`, in their order.
    pub async fn batch_get_concepts(
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
        Ok(self.batch_get_concepts_response(request).await?.concepts)
    }

    /// Every concept of the scheme `scheme` in `language_code`, all pages.
    pub async fn list_concepts(
        &self,
        scheme: &str,
        language_code: &str,
    ) -> Result<Vec<tpb::Concept>, ClientError> {
        all_pages(Service::Taxonomy, "ListConcepts", |page_token| async move {
            let page = self
                .list_concepts_page(tpb::ListConceptsRequest {
                    parent: scheme.to_owned(),
                    broader: String::new(),
                    page_size: LIST_PAGE_SIZE,
                    page_token,
                    language_code: language_code.to_owned(),
                })
                .await?;
            Ok((page.concepts, page.next_page_token))
        })
        .await
    }

    /// The first page of concepts `query` finds in `schemes` (all when empty), in
    /// `language_code`, with their definitions and links.
    pub async fn search_concepts(
        &self,
        query: &str,
        schemes: Vec<String>,
        language_code: &str,
    ) -> Result<tpb::SearchConceptsResponse, ClientError> {
        self.search_concepts_response(tpb::SearchConceptsRequest {
            query: query.to_owned(),
            language_code: language_code.to_owned(),
            schemes,
            page_size: LIST_PAGE_SIZE,
            page_token: String::new(),
            // The client shows whole concepts (definitions, links), not the light default.
            view: tpb::ConceptView::Full.into(),
        })
        .await
    }

    /// Every milestone, all pages.
    pub async fn list_milestones(
        &self,
        start_year: i32,
        end_year: i32,
        concept: &str,
        language_code: &str,
    ) -> Result<Vec<tpb::Milestone>, ClientError> {
        all_pages(
            Service::Taxonomy,
            "ListMilestones",
            |page_token| async move {
                let page = self
                    .list_milestones_page(tpb::ListMilestonesRequest {
                        start_year,
                        end_year,
                        concept: concept.to_owned(),
                        page_size: LIST_PAGE_SIZE,
                        page_token,
                        language_code: language_code.to_owned(),
                    })
                    .await?;
                Ok((page.milestones, page.next_page_token))
            },
        )
        .await
    }
}

/// One method per RPC: `$method(request)` calls `$rpc` of the generated client over the
/// service's channel as `$call`, with the deadline and retries of [`ServiceChannel::call`].
macro_rules! unary {
    ($($channel:ident $client:ident { $($method:ident => $rpc:ident($call:literal, $req:ty) -> $resp:ty;)* })*) => {
        impl Client {
            $($(
                #[doc = concat!("Calls `", stringify!($call), "` with `request`: one page, as the service answers it.")]
                pub async fn $method(&self, request: $req) -> Result<$resp, ClientError> {
                    self.$channel
                        .call($call, request, |channel, request| async move {
                            $client::new(channel).$rpc(request).await
                        })
                        .await
                }
            )*)*
        }
    };
}

unary! {
    forecast ForecastServiceClient {
        get_dataset_response => get_dataset("GetDataset", fpb::GetDatasetRequest) -> fpb::GetDatasetResponse;
        list_datasets_page => list_datasets("ListDatasets", fpb::ListDatasetsRequest) -> fpb::ListDatasetsResponse;
        list_series_page => list_series("ListSeries", fpb::ListSeriesRequest) -> fpb::ListSeriesResponse;
        get_series_response => get_series("GetSeries", fpb::GetSeriesRequest) -> fpb::GetSeriesResponse;
        get_observations => get_observations("GetObservations", fpb::GetObservationsRequest) -> fpb::GetObservationsResponse;
        compute_growth => compute_growth("ComputeGrowth", fpb::ComputeGrowthRequest) -> fpb::ComputeGrowthResponse;
        get_breakdown => get_breakdown("GetBreakdown", fpb::GetBreakdownRequest) -> fpb::GetBreakdownResponse;
        project_series => project_series("ProjectSeries", fpb::ProjectSeriesRequest) -> fpb::ProjectSeriesResponse;
    }
    forecast ForecastV2Client {
        v2_get_dataset => get_dataset("GetDataset", f2::GetDatasetRequest) -> f2::Dataset;
        v2_list_editions_page => list_editions("ListEditions", f2::ListEditionsRequest) -> f2::ListEditionsResponse;
        v2_get_edition => get_edition("GetEdition", f2::GetEditionRequest) -> f2::Edition;
        v2_list_series_page => list_series("ListSeries", f2::ListSeriesRequest) -> f2::ListSeriesResponse;
        v2_get_series => get_series("GetSeries", f2::GetSeriesRequest) -> f2::Series;
        v2_list_series_revisions_page => list_series_revisions("ListSeriesRevisions", f2::ListSeriesRevisionsRequest) -> f2::ListSeriesRevisionsResponse;
        v2_query_observations_page => query_observations("QueryObservations", f2::QueryObservationsRequest) -> f2::QueryObservationsResponse;
    }
    taxonomy TaxonomyServiceClient {
        list_schemes_page => list_schemes("ListSchemes", tpb::ListSchemesRequest) -> tpb::ListSchemesResponse;
        get_concept_response => get_concept("GetConcept", tpb::GetConceptRequest) -> tpb::GetConceptResponse;
        batch_get_concepts_response => batch_get_concepts("BatchGetConcepts", tpb::BatchGetConceptsRequest) -> tpb::BatchGetConceptsResponse;
        list_concepts_page => list_concepts("ListConcepts", tpb::ListConceptsRequest) -> tpb::ListConceptsResponse;
        search_concepts_response => search_concepts("SearchConcepts", tpb::SearchConceptsRequest) -> tpb::SearchConceptsResponse;
        list_milestones_page => list_milestones("ListMilestones", tpb::ListMilestonesRequest) -> tpb::ListMilestonesResponse;
    }
}

/// Every item of a paged list: `page(token)` fetches one page and its next token, followed
/// until the token is empty (at most [`MAX_PAGES`] pages).
async fn all_pages<T, F, Fut>(
    service: Service,
    call: &'static str,
    mut page: F,
) -> Result<Vec<T>, ClientError>
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, String), ClientError>>,
{
    let mut all = Vec::new();
    let mut page_token = String::new();
    for _ in 0..MAX_PAGES {
        let (items, next) = page(page_token).await?;
        all.extend(items);
        if next.is_empty() {
            return Ok(all);
        }
        page_token = next;
    }
    Err(too_many_pages(service, call))
}

fn too_many_pages(service: Service, call: &'static str) -> ClientError {
    ClientError::bad_data(
        service,
        call,
        format!("more than {MAX_PAGES} pages: the server keeps returning a next_page_token"),
    )
}
