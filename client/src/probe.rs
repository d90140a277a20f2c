//! Which service answers at an address: asked of the standard health service
//! (`grpc.health.v1.Health`) there, which every llmarket server serves for each of its services
//! by name. Used to explain an UNIMPLEMENTED answer (an address of the wrong service).

use llmarket_proto::{FORECAST_SERVICE_NAME, TAXONOMY_SERVICE_NAME};
use tonic::Code;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

use crate::{Client, ClientError, Service, connect::ServiceChannel};

/// What answers at the endpoints of one service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answerer {
    /// An llmarket server serving this service (possibly besides the one asked for).
    Llmarket(Service),
    /// A gRPC server with a health service that knows neither llmarket service.
    OtherGrpc,
    /// A server that does not answer health checks (not an llmarket server, or not gRPC).
    Unknown,
}

impl Client {
    /// Which service answers at the endpoints configured for `at`: the one whose name the
    /// health service there knows, `at` itself first.
    pub async fn which_service_answers(&self, at: Service) -> Answerer {
        let channel = match at {
            Service::Forecast => &self.forecast,
            Service::Taxonomy => &self.taxonomy,
        };
        let order = match at {
            Service::Forecast => [Service::Forecast, Service::Taxonomy],
            Service::Taxonomy => [Service::Taxonomy, Service::Forecast],
        };
        for service in order {
            match check(channel, service).await {
                Ok(()) => return Answerer::Llmarket(service),
                Err(error) if error.code() == Some(Code::NotFound) => {}
                Err(_) => return Answerer::Unknown,
            }
        }
        Answerer::OtherGrpc
    }
}

/// A health check of `service` over `channel`; Ok when the server knows the service (serving or
/// not: it is there either way).
async fn check(channel: &ServiceChannel, service: Service) -> Result<(), ClientError> {
    let name = match service {
        Service::Forecast => FORECAST_SERVICE_NAME,
        Service::Taxonomy => TAXONOMY_SERVICE_NAME,
    };
    let request = HealthCheckRequest {
        service: name.to_owned(),
    };
    channel
        .call("Check", request, |channel, request| async move {
            HealthClient::new(channel).check(request).await
        })
        .await
        .map(|_| ())
}
