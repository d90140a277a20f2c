//! [`Client`]: channels to both services and one thin wrapper per RPC the reports use (each
//! with the deadline, the retries and an error that names the service and the call).

use llmarket_proto::forecast::{self as fpb, forecast_service_client::ForecastServiceClient};
use llmarket_proto::llmarket::forecast::v2::{
    self as f2, forecast_service_client::ForecastServiceClient as ForecastV2Client,
};
use llmarket_proto::llmarket::taxonomy::v2::{
    self as t2, taxonomy_service_client::TaxonomyServiceClient as TaxonomyV2Client,
};
use llmarket_proto::names::{DatasetName, SeriesName};
use std::future::Future;

use tonic::transport::Channel;

use crate::{
    config::{ClientConfig, DEFAULT_DATASET, EditionSelection},
    connect::ServiceChannel,
    error::{ClientError, Service},
};

/// Page size asked for when listing everything; the servers cap it at their maximum.
pub(crate) const LIST_PAGE_SIZE: i32 = 1000;
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
    /// The name the dataset was given by before [`Client::following`] named it as v2 does (a
    /// v1 id such as `datasets/cic-global-llm-2026`): series names under it are read under
    /// `dataset`.
    pub(crate) followed_from: Option<String>,
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
            followed_from: None,
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
            followed_from: None,
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

    /// `datasets/{dataset}/series/{id}` for a short id in the default dataset, or for a full
    /// name under the name the dataset was given by (a v1 id, see [`Client::following`]); any
    /// other full name as is.
    pub fn series_name(&self, series: &str) -> String {
        if let Some(id) = self
            .followed_from
            .as_deref()
            .and_then(|from| series.strip_prefix(from))
            .and_then(|rest| rest.strip_prefix("/series/"))
        {
            return format!("{}/series/{id}", self.dataset);
        }
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

    /// `datasets/{dataset}/schemes/{id}` for a scheme of the default dataset given by its id or
    /// as `schemes/{id}`; a full name as is.
    pub fn scheme_name(&self, scheme: &str) -> String {
        if scheme.starts_with("datasets/") {
            return scheme.to_owned();
        }
        let id = scheme.strip_prefix("schemes/").unwrap_or(scheme);
        format!("{}/schemes/{id}", self.dataset)
    }

    /// The v2 name of a concept a text of the data refers to: a name relative to the dataset
    /// (`schemes/{s}/concepts/{c}`, as concept attributes give it) under the default dataset; a
    /// full name as is.
    pub fn concept_ref(&self, reference: &str) -> String {
        if reference.starts_with("datasets/") {
            return reference.to_owned();
        }
        format!("{}/{reference}", self.dataset)
    }

    // ---- forecast ----

    /// The v2 `EditionSelector` of a read of the resource `name` (`datasets/{d}/…`) for this
    /// client's selection; none for the default (the server's latest).
    fn selector_of(&self, name: &str) -> Option<f2::EditionSelector> {
        self.edition_selector(dataset_of(name))
    }

    /// The same selector in the taxonomy contract's type.
    fn taxonomy_selector_of(&self, name: &str) -> Option<t2::EditionSelector> {
        use f2::edition_selector::Selector as F;
        use t2::edition_selector::Selector as T;
        let selector = self.selector_of(name)?.selector?;
        Some(t2::EditionSelector {
            selector: Some(match selector {
                F::Edition(edition) => T::Edition(edition),
                F::AsOf(day) => T::AsOf(day),
            }),
        })
    }

    /// The dataset `name` (`datasets/{id}`).
    pub async fn get_dataset(&self, name: &str) -> Result<f2::Dataset, ClientError> {
        self.v2_get_dataset(f2::GetDatasetRequest {
            name: name.to_owned(),
        })
        .await
    }

    /// The edition `name` (`datasets/{d}/editions/{e}`).
    pub async fn get_edition(&self, name: &str) -> Result<f2::Edition, ClientError> {
        self.v2_get_edition(f2::GetEditionRequest {
            name: name.to_owned(),
        })
        .await
    }

    /// Every dataset the forecast service has.
    pub async fn list_datasets(&self) -> Result<Vec<f2::Dataset>, ClientError> {
        all_pages(Service::Forecast, "ListDatasets", |page_token| async move {
            let page = self
                .v2_list_datasets_page(f2::ListDatasetsRequest {
                    page_size: LIST_PAGE_SIZE,
                    page_token,
                })
                .await?;
            Ok((page.datasets, page.next_page_token))
        })
        .await
    }

    /// Every series of the dataset `parent` in the edition the client's selection chooses, all
    /// pages.
    pub async fn list_series(&self, parent: &str) -> Result<Vec<f2::Series>, ClientError> {
        let edition = self.selector_of(parent);
        all_pages(Service::Forecast, "ListSeries", |page_token| {
            let edition = edition.clone();
            async move {
                let page = self
                    .v2_list_series_page(f2::ListSeriesRequest {
                        parent: parent.to_owned(),
                        page_size: LIST_PAGE_SIZE,
                        page_token,
                        filter: String::new(),
                        edition,
                    })
                    .await?;
                Ok((page.series, page.next_page_token))
            }
        })
        .await
    }

    /// The series `name` (`datasets/{d}/series/{s}`), with its stated observations, in the
    /// edition the client's selection chooses.
    pub async fn get_series(&self, name: &str) -> Result<f2::Series, ClientError> {
        self.v2_get_series(f2::GetSeriesRequest {
            name: name.to_owned(),
            edition: self.selector_of(name),
        })
        .await
    }

    /// `QueryObservations`, read from the edition the client's selection chooses unless the
    /// request names one.
    pub async fn query_observations(
        &self,
        mut request: f2::QueryObservationsRequest,
    ) -> Result<f2::QueryObservationsResponse, ClientError> {
        if request.edition.is_none() {
            request.edition = self.selector_of(&request.name);
        }
        self.v2_query_observations_page(request).await
    }

    /// `ComputeGrowth`, in the edition the client's selection chooses unless the request names
    /// one.
    pub async fn compute_growth(
        &self,
        mut request: f2::ComputeGrowthRequest,
    ) -> Result<f2::ComputeGrowthResponse, ClientError> {
        if request.edition.is_none() {
            request.edition = self.selector_of(&request.name);
        }
        self.v2_compute_growth(request).await
    }

    /// `ComputeBreakdown`, in the edition the client's selection chooses unless the request
    /// names one.
    pub async fn compute_breakdown(
        &self,
        mut request: f2::ComputeBreakdownRequest,
    ) -> Result<f2::ComputeBreakdownResponse, ClientError> {
        if request.edition.is_none() {
            request.edition = self.selector_of(&request.name);
        }
        self.v2_compute_breakdown(request).await
    }

    /// `ProjectSeries`, in the edition the client's selection chooses unless the request names
    /// one.
    pub async fn project_series(
        &self,
        mut request: f2::ProjectSeriesRequest,
    ) -> Result<f2::ProjectSeriesResponse, ClientError> {
        if request.edition.is_none() {
            request.edition = self.selector_of(&request.name);
        }
        self.v2_project_series(request).await
    }

    // ---- taxonomy ----

    /// Every concept scheme of the dataset `parent` (`datasets/{d}`), all pages.
    pub async fn list_schemes(&self, parent: &str) -> Result<Vec<t2::Scheme>, ClientError> {
        let edition = self.taxonomy_selector_of(parent);
        all_pages(Service::Taxonomy, "ListSchemes", |page_token| {
            let edition = edition.clone();
            async move {
                let page = self
                    .v2_list_schemes_page(t2::ListSchemesRequest {
                        parent: parent.to_owned(),
                        page_size: LIST_PAGE_SIZE,
                        page_token,
                        edition,
                    })
                    .await?;
                Ok((page.schemes, page.next_page_token))
            }
        })
        .await
    }

    /// The concept `name` (`datasets/{d}/schemes/{s}/concepts/{c}`), every language.
    pub async fn get_concept(&self, name: &str) -> Result<t2::Concept, ClientError> {
        self.v2_get_concept(t2::GetConceptRequest {
            name: name.to_owned(),
            edition: self.taxonomy_selector_of(name),
        })
        .await
    }

    /// The concepts `names` (of the dataset of the first), whole, in their order.
    pub async fn batch_get_concepts(
        &self,
        names: Vec<String>,
    ) -> Result<Vec<t2::Concept>, ClientError> {
        let Some(first) = names.first() else {
            return Ok(Vec::new());
        };
        let request = t2::BatchGetConceptsRequest {
            parent: "datasets/-/schemes/-".to_owned(),
            edition: self.taxonomy_selector_of(first),
            names,
            view: t2::ConceptView::Full.into(),
        };
        Ok(self.v2_batch_get_concepts(request).await?.concepts)
    }

    /// Every concept of the scheme `scheme` (`datasets/{d}/schemes/{s}`), whole, all pages.
    pub async fn list_concepts(&self, scheme: &str) -> Result<Vec<t2::Concept>, ClientError> {
        let edition = self.taxonomy_selector_of(scheme);
        all_pages(Service::Taxonomy, "ListConcepts", |page_token| {
            let edition = edition.clone();
            async move {
                let page = self
                    .v2_list_concepts_page(t2::ListConceptsRequest {
                        parent: scheme.to_owned(),
                        page_size: LIST_PAGE_SIZE,
                        page_token,
                        filter: String::new(),
                        view: t2::ConceptView::Full.into(),
                        edition,
                    })
                    .await?;
                Ok((page.concepts, page.next_page_token))
            }
        })
        .await
    }

    /// The first page of concepts `query` finds under `parent` (`datasets/{d}/schemes/{s}`,
    /// `-` for any scheme), whole.
    pub async fn search_concepts(
        &self,
        query: &str,
        parent: &str,
    ) -> Result<t2::SearchConceptsResponse, ClientError> {
        self.v2_search_concepts(t2::SearchConceptsRequest {
            parent: parent.to_owned(),
            query: query.to_owned(),
            page_size: LIST_PAGE_SIZE,
            page_token: String::new(),
            // The client shows whole concepts (definitions, links), not the light default.
            view: t2::ConceptView::Full.into(),
            edition: self.taxonomy_selector_of(parent),
        })
        .await
    }

    /// Every milestone of the dataset `parent` (`datasets/{d}`) the AIP-160 `filter` selects
    /// (empty for all), all pages.
    pub async fn list_milestones(
        &self,
        parent: &str,
        filter: &str,
    ) -> Result<Vec<t2::Milestone>, ClientError> {
        let edition = self.taxonomy_selector_of(parent);
        all_pages(Service::Taxonomy, "ListMilestones", |page_token| {
            let edition = edition.clone();
            async move {
                let page = self
                    .v2_list_milestones_page(t2::ListMilestonesRequest {
                        parent: parent.to_owned(),
                        page_size: LIST_PAGE_SIZE,
                        page_token,
                        filter: filter.to_owned(),
                        edition,
                    })
                    .await?;
                Ok((page.milestones, page.next_page_token))
            }
        })
        .await
    }
}

/// The dataset part, `datasets/{d}`, of a resource name under it.
pub(crate) fn dataset_of(name: &str) -> &str {
    let end = name
        .match_indices('/')
        .nth(1)
        .map_or(name.len(), |(at, _)| at);
    &name[..end]
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
        v1_get_dataset => get_dataset("GetDataset", fpb::GetDatasetRequest) -> fpb::GetDatasetResponse;
    }
    forecast ForecastV2Client {
        v2_get_dataset => get_dataset("GetDataset", f2::GetDatasetRequest) -> f2::Dataset;
        v2_list_datasets_page => list_datasets("ListDatasets", f2::ListDatasetsRequest) -> f2::ListDatasetsResponse;
        v2_list_editions_page => list_editions("ListEditions", f2::ListEditionsRequest) -> f2::ListEditionsResponse;
        v2_get_edition => get_edition("GetEdition", f2::GetEditionRequest) -> f2::Edition;
        v2_list_series_page => list_series("ListSeries", f2::ListSeriesRequest) -> f2::ListSeriesResponse;
        v2_get_series => get_series("GetSeries", f2::GetSeriesRequest) -> f2::Series;
        v2_list_series_revisions_page => list_series_revisions("ListSeriesRevisions", f2::ListSeriesRevisionsRequest) -> f2::ListSeriesRevisionsResponse;
        v2_query_observations_page => query_observations("QueryObservations", f2::QueryObservationsRequest) -> f2::QueryObservationsResponse;
        v2_compute_growth => compute_growth("ComputeGrowth", f2::ComputeGrowthRequest) -> f2::ComputeGrowthResponse;
        v2_compute_breakdown => compute_breakdown("ComputeBreakdown", f2::ComputeBreakdownRequest) -> f2::ComputeBreakdownResponse;
        v2_project_series => project_series("ProjectSeries", f2::ProjectSeriesRequest) -> f2::ProjectSeriesResponse;
    }
    taxonomy TaxonomyV2Client {
        v2_list_schemes_page => list_schemes("ListSchemes", t2::ListSchemesRequest) -> t2::ListSchemesResponse;
        v2_get_concept => get_concept("GetConcept", t2::GetConceptRequest) -> t2::Concept;
        v2_batch_get_concepts => batch_get_concepts("BatchGetConcepts", t2::BatchGetConceptsRequest) -> t2::BatchGetConceptsResponse;
        v2_list_concepts_page => list_concepts("ListConcepts", t2::ListConceptsRequest) -> t2::ListConceptsResponse;
        v2_search_concepts => search_concepts("SearchConcepts", t2::SearchConceptsRequest) -> t2::SearchConceptsResponse;
        v2_list_milestones_page => list_milestones("ListMilestones", t2::ListMilestonesRequest) -> t2::ListMilestonesResponse;
    }
}

/// Every item of a paged list: `page(token)` fetches one page and its next token, followed
/// until the token is empty (at most [`MAX_PAGES`] pages).
pub(crate) async fn all_pages<T, F, Fut>(
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
