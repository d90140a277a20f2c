//! The services as the serving runtime takes them: each generated server with the
//! compressions it offers, the largest request each method can take, and the version of the
//! data its replies depend on (so they may be kept in the reply cache). Each listener serves
//! contract v2 beside v1, and the watch service, streaming the process's reloads.

use std::sync::Arc;

use llmarket_forecast::{Catalog, ForecastApi, v2::ForecastApiV2};
use llmarket_kit::{data::Shared, fields::RequestSizes};
use llmarket_proto::llmarket::watch::v2::watch_service_server::WatchServiceServer;
use llmarket_proto::{
    forecast::forecast_service_server::ForecastServiceServer,
    llmarket::forecast::v2::forecast_service_server::ForecastServiceServer as ForecastV2Server,
    llmarket::taxonomy::v2::taxonomy_service_server::TaxonomyServiceServer as TaxonomyV2Server,
    taxonomy::taxonomy_service_server::TaxonomyServiceServer,
};
use llmarket_serving::{ServiceRoutes, middleware::RequestBounds};
use llmarket_taxonomy::{TaxonomyApi, Vocabulary, v2::TaxonomyV2Api};
use llmarket_watch::{Hub, WatchApi};
use tonic::server::NamedService;

use super::compression::both_ways;

/// The forecast service's routes (contract v1, and v2 beside it), for [`super::serve`].
pub fn forecast(catalog: Shared<Catalog>) -> ServiceRoutes {
    let data = catalog.clone();
    let bounds = bounds::<ForecastServiceServer<ForecastApi>>(llmarket_forecast::REQUEST_SIZES);
    let server = both_ways!(
        ForecastServiceServer::new(ForecastApi::new(catalog.clone()))
            .max_decoding_message_size(bounds.largest())
    );
    let v2 = both_ways!(
        ForecastV2Server::new(ForecastApiV2::new(catalog))
            .max_decoding_message_size(bounds.largest())
    );
    ServiceRoutes::new(server)
        .reading(Arc::new(move || data.load().data_version().number()))
        .bounded(bounds)
        .also(v2)
}

/// The taxonomy service's routes, v1 and v2 beside it, for [`super::serve`].
pub fn taxonomy(vocabulary: Shared<Vocabulary>) -> ServiceRoutes {
    let data = vocabulary.clone();
    let v2_bounds = bounds::<TaxonomyV2Server<TaxonomyV2Api>>(llmarket_taxonomy::v2::REQUEST_SIZES);
    let bounds = bounds::<TaxonomyServiceServer<TaxonomyApi>>(llmarket_taxonomy::REQUEST_SIZES);
    let v2 = both_ways!(
        TaxonomyV2Server::new(TaxonomyV2Api::new(vocabulary.clone()))
            .max_decoding_message_size(v2_bounds.largest())
    );
    let server = both_ways!(
        TaxonomyServiceServer::new(TaxonomyApi::new(vocabulary))
            .max_decoding_message_size(bounds.largest())
    );
    ServiceRoutes::new(server)
        .reading(Arc::new(move || data.load().data_version().number()))
        .bounded(bounds)
        .also_bounded(v2, Some(v2_bounds))
}

/// The watch service streaming what `hub` is told, with the compressions the others offer: the
/// server routes it beside each service ([`ServiceRoutes::also`]).
pub fn watch(hub: &Hub) -> WatchServiceServer<WatchApi> {
    both_ways!(WatchServiceServer::new(WatchApi::new(hub.clone())))
}

/// What the service `S` declares it can take, as the message-size layer enforces it.
fn bounds<S: NamedService>(sizes: RequestSizes) -> RequestBounds {
    RequestBounds {
        service: S::NAME,
        default: sizes.default,
        methods: sizes.methods,
    }
}
