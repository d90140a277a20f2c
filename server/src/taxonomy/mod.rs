//! The taxonomy service (`llmarket.taxonomy.v1.TaxonomyService`). Skeleton: the full service
//! comes with issue 4.

use llmarket_proto::taxonomy::{self as pb, taxonomy_service_server::TaxonomyServiceServer};
use tonic::{Request, Response, Status, service::Routes};

use crate::{
    data::{DatasetFiles, LoadError, Shared},
    paging::PageRequest,
    runtime::ServiceRoutes,
};

/// Every concept scheme and milestone a process serves, immutable once loaded.
#[derive(Debug, Default)]
pub struct Vocabulary {}

impl Vocabulary {
    /// Parses and validates the taxonomy files of `sources`.
    pub fn load(_sources: &[DatasetFiles]) -> Result<Self, LoadError> {
        Ok(Self {})
    }
}

/// The gRPC handlers over a shared [`Vocabulary`].
#[derive(Debug, Clone)]
pub struct TaxonomyApi {
    vocabulary: Shared<Vocabulary>,
}

impl TaxonomyApi {
    /// A service over `vocabulary`.
    pub fn new(vocabulary: Shared<Vocabulary>) -> Self {
        Self { vocabulary }
    }
}

/// The taxonomy service's routes, for [`crate::runtime::serve`].
pub fn routes(vocabulary: Shared<Vocabulary>) -> ServiceRoutes {
    ServiceRoutes {
        name: llmarket_proto::TAXONOMY_SERVICE_NAME,
        routes: Routes::new(TaxonomyServiceServer::new(TaxonomyApi::new(vocabulary))),
    }
}

#[tonic::async_trait]
impl pb::taxonomy_service_server::TaxonomyService for TaxonomyApi {
    async fn list_schemes(
        &self,
        request: Request<pb::ListSchemesRequest>,
    ) -> Result<Response<pb::ListSchemesResponse>, Status> {
        let request = request.into_inner();
        let page = PageRequest::new(request.page_size, &request.page_token, &["ListSchemes"])?;
        let _vocabulary = self.vocabulary.load();
        let (schemes, next_page_token) = page.slice::<pb::Scheme>(&[]);
        Ok(Response::new(pb::ListSchemesResponse {
            schemes: schemes.to_vec(),
            next_page_token,
            language_code: "zh-Hans".to_owned(),
            language_fallback: false,
        }))
    }

    async fn get_scheme(
        &self,
        _request: Request<pb::GetSchemeRequest>,
    ) -> Result<Response<pb::GetSchemeResponse>, Status> {
        Err(Status::unimplemented("not yet"))
    }

    async fn list_concepts(
        &self,
        _request: Request<pb::ListConceptsRequest>,
    ) -> Result<Response<pb::ListConceptsResponse>, Status> {
        Err(Status::unimplemented("not yet"))
    }

    async fn get_concept(
        &self,
        _request: Request<pb::GetConceptRequest>,
    ) -> Result<Response<pb::GetConceptResponse>, Status> {
        Err(Status::unimplemented("not yet"))
    }

    async fn batch_get_concepts(
        &self,
        _request: Request<pb::BatchGetConceptsRequest>,
    ) -> Result<Response<pb::BatchGetConceptsResponse>, Status> {
        Err(Status::unimplemented("not yet"))
    }

    async fn search_concepts(
        &self,
        _request: Request<pb::SearchConceptsRequest>,
    ) -> Result<Response<pb::SearchConceptsResponse>, Status> {
        Err(Status::unimplemented("not yet"))
    }

    async fn list_milestones(
        &self,
        _request: Request<pb::ListMilestonesRequest>,
    ) -> Result<Response<pb::ListMilestonesResponse>, Status> {
        Err(Status::unimplemented("not yet"))
    }

    async fn get_milestone(
        &self,
        _request: Request<pb::GetMilestoneRequest>,
    ) -> Result<Response<pb::GetMilestoneResponse>, Status> {
        Err(Status::unimplemented("not yet"))
    }
}
