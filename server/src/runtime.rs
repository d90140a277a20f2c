//! What every llmarket process does around its service: health (`grpc.health.v1`), server
//! reflection (v1 and v1alpha, advertising only the services this process serves), and a graceful
//! shutdown bounded by a grace period.

use std::{future::Future, net::SocketAddr, time::Duration};

use tokio::{net::TcpListener, sync::oneshot};
use tonic::{service::Routes, transport::server::TcpIncoming};
use tonic_health::ServingStatus;

/// TCP keepalive on accepted connections, so dead peers are noticed.
const TCP_KEEPALIVE: Duration = Duration::from_secs(60);

/// Name of the standard health service.
pub const HEALTH_SERVICE_NAME: &str = "grpc.health.v1.Health";

/// One gRPC service ready to serve: its fully qualified name and its routes.
pub struct ServiceRoutes {
    /// Fully qualified service name, e.g. `llmarket.forecast.v1.ForecastService`.
    pub name: &'static str,
    /// The service's routes.
    pub routes: Routes,
}

/// An error while serving.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Reflection could not be built from the descriptor sets (a build defect).
    #[error("cannot build server reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// The transport failed.
    #[error("transport error: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// Binds `addr`, turning a failure into a message that names the address.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, std::io::Error> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))
}

/// Serves `service`, health and reflection on `listener` until `shutdown` completes, then drains.
///
/// On shutdown, health turns NOT_SERVING first (overall and for the service), the listener stops
/// accepting, and in-flight calls finish. If they are not done within `grace`, they are dropped
/// and this returns anyway. Every call passes the middleware of [`crate::middleware`] under
/// `limits`.
pub async fn serve(
    listener: TcpListener,
    service: ServiceRoutes,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
    limits: crate::middleware::Limits,
) -> Result<(), ServeError> {
    let addr = listener
        .local_addr()
        .map_or_else(|_| "unknown".to_owned(), |a| a.to_string());
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("", ServingStatus::Serving)
        .await;
    reporter
        .set_service_status(service.name, ServingStatus::Serving)
        .await;

    let reflection_v1 = reflection_builder(service.name).build_v1()?;
    let reflection_v1alpha = reflection_builder(service.name).build_v1alpha()?;
    let routes = service
        .routes
        .add_service(health)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha);

    let (draining_tx, draining_rx) = oneshot::channel::<()>();
    let name = service.name;
    let signal = async move {
        shutdown.await;
        tracing::info!(
            service = name,
            ?addr,
            "shutting down: health NOT_SERVING, draining in-flight calls"
        );
        reporter
            .set_service_status(name, ServingStatus::NotServing)
            .await;
        reporter
            .set_service_status("", ServingStatus::NotServing)
            .await;
        let _ = draining_tx.send(());
    };
    let server = tonic::transport::Server::builder()
        .layer(crate::middleware::stack(&limits))
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming(listener), signal);
    tokio::pin!(server);

    tokio::select! {
        result = &mut server => return result.map_err(Into::into),
        _ = draining_rx => {}
    }
    match tokio::time::timeout(grace, server).await {
        Ok(result) => {
            tracing::info!(service = name, "drained");
            result.map_err(Into::into)
        }
        Err(_) => {
            tracing::warn!(
                service = name,
                ?grace,
                "grace period over: dropping calls still in flight"
            );
            Ok(())
        }
    }
}

/// The accepted connections of `listener`, with TCP_NODELAY: small unary responses must not wait
/// for Nagle's algorithm and the peer's delayed ACK (about 40 ms a call otherwise).
fn incoming(listener: TcpListener) -> TcpIncoming {
    TcpIncoming::from(listener)
        .with_nodelay(Some(true))
        .with_keepalive(Some(TCP_KEEPALIVE))
}

fn reflection_builder(service: &'static str) -> tonic_reflection::server::Builder<'static> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(llmarket_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        // google.rpc error details, so reflection clients (grpcurl) can decode BadRequest.
        .register_encoded_file_descriptor_set(tonic_types::pb::FILE_DESCRIPTOR_SET)
        .with_service_name(service)
        .with_service_name(HEALTH_SERVICE_NAME)
}

/// Completes on the first SIGINT or SIGTERM (SIGINT only, off Unix).
pub async fn termination_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => tracing::info!("received SIGINT"),
                    _ = term.recv() => tracing::info!("received SIGTERM"),
                }
            }
            Err(e) => {
                tracing::warn!("cannot watch SIGTERM ({e}); only SIGINT will stop the server");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
