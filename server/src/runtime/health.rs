//! The standard health service as this runtime serves it.

use tonic::server::NamedService;

/// Name of the standard health service, from its generated type.
pub const HEALTH_SERVICE_NAME: &str = <tonic_health::pb::health_server::HealthServer<
    tonic_health::server::HealthService,
> as NamedService>::NAME;
