//! How an llmarket process serves gRPC, on tonic, hyper and tower only: its own accept loop and
//! per-connection limits, TLS, gRPC-Web, health (`grpc.health.v1`) with a lame duck, server
//! reflection (v1 and v1alpha, advertising only the services served), signals, the generic
//! per-call layers ([`middleware`]) and a graceful shutdown bounded by a grace period.
//!
//! A request's path:
//!
//! 1. `accept`: TCP accept, connection cap and per-address cap ([`per_address`]), the slots
//!    kept for authenticated connections ([`anonymous`]), descriptor back-off, then the TLS
//!    handshake ([`tls`], when configured) on the connection's own task, bounded by the
//!    first-request deadline;
//! 2. [`connection`]: HTTP/2 with our stream limit and windows (or HTTP/1.1, for gRPC-Web); idle
//!    and age timers; the process's budget for unsent replies and open calls ([`budget`]),
//!    shared by every connection, counted per call (`tracked`), with one check of every
//!    connection for a peer that stopped reading (`stalls`); what it writes in one wake-up of its
//!    task leaves in one write (`held_writes`);
//! 3. the stack the caller of [`serve`] builds around the routes (the server binary's
//!    `app::stack` is the one written order);
//! 4. the routes: the service, health and reflection.

mod accept;
pub mod anonymous;
pub mod budget;
pub mod connection;
pub mod fd_limit;
pub mod file_mode;
pub mod health;
mod held_writes;
pub mod limits;
mod log_limit;
pub mod middleware;
pub mod peer;
pub mod per_address;
mod phase;
pub mod refusal;
pub mod signals;
mod stalls;
pub mod tls;
mod tracked;
pub mod web;

use std::{convert::Infallible, future::Future, net::SocketAddr, sync::Arc, time::Duration};

use tokio::{
    net::TcpListener,
    sync::{Semaphore, watch},
};
use tonic::{server::NamedService, service::Routes};
use tonic_health::ServingStatus;
use tower::Service;

use health::set_health;
pub use health::{HEALTH_SERVICE_NAME, LameDuck, LameDuckSwitch, Readiness, lame_duck};

/// The reflection services' names, as routed (for the metrics' known services).
const REFLECTION_V1: &str = "grpc.reflection.v1.ServerReflection";
const REFLECTION_V1ALPHA: &str = "grpc.reflection.v1alpha.ServerReflection";
pub use limits::ConnectionLimits;
use phase::Phase;
pub use signals::{Hangup, Signals, Termination, termination_signal};

/// Default `--shutdown-grace`.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// One gRPC service ready to serve: its routes, and its name taken from its generated type, so
/// health and reflection cannot drift from what is routed.
pub struct ServiceRoutes {
    name: &'static str,
    /// The service's routes (health and reflection are added by [`serve`]).
    pub routes: Routes,
    /// The version of the data the service answers from, when its replies may be kept.
    data: Option<middleware::reply_cache::DataProbe>,
    /// The largest request each method can validly take, when the service declares it.
    bounds: Option<middleware::RequestBounds>,
    /// Services served beside it on the same listener ([`ServiceRoutes::also`]), with their
    /// bounds.
    also: Vec<(&'static str, Option<middleware::RequestBounds>)>,
}

impl ServiceRoutes {
    /// The routes of `service` (a generated `…Server`), named by its [`NamedService::NAME`].
    pub fn new<S>(service: S) -> Self
    where
        S: Service<
                http::Request<tonic::body::Body>,
                Response = http::Response<tonic::body::Body>,
                Error = Infallible,
            > + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        Self {
            name: S::NAME,
            routes: Routes::new(service),
            data: None,
            bounds: None,
            also: Vec::new(),
        }
    }

    /// Also serves `service` on the same listener, e.g. a newer contract version beside the
    /// first: its calls pass the same layers, reflection lists it, and health stays that of the
    /// first service. See [`ServiceRoutes::also_bounded`] to hold it to its own request bounds.
    pub fn also<S>(self, service: S) -> Self
    where
        S: Service<
                http::Request<tonic::body::Body>,
                Response = http::Response<tonic::body::Body>,
                Error = Infallible,
            > + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        self.also_bounded(service, None)
    }

    /// [`ServiceRoutes::also`], holding `service` to `bounds` (which must name it): routed,
    /// known to metrics and logs, listed by reflection, its health reported with the first's.
    /// Readiness is the first's. It answers from the same data as the first: its methods the
    /// contract declares cacheable are kept in the reply cache under the first's data version.
    pub fn also_bounded<S>(mut self, service: S, bounds: Option<middleware::RequestBounds>) -> Self
    where
        S: Service<
                http::Request<tonic::body::Body>,
                Response = http::Response<tonic::body::Body>,
                Error = Infallible,
            > + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        debug_assert!(
            bounds.is_none_or(|b| b.service == S::NAME),
            "bounds of another service"
        );
        self.routes = self.routes.add_service(service);
        self.also.push((S::NAME, bounds));
        self
    }

    /// Declares the largest request each method can validly take: larger ones are refused with
    /// RESOURCE_EXHAUSTED from their length prefix, before they are read or decoded. `bounds`
    /// must name this service. The generated server should also cap what a compressed request
    /// may decompress to at [`largest`](middleware::RequestBounds::largest).
    pub fn bounded(mut self, bounds: middleware::RequestBounds) -> Self {
        debug_assert_eq!(bounds.service, self.name, "bounds of another service");
        self.bounds = Some(bounds);
        self
    }

    /// Declares that the service's replies depend only on their request message, the caller's
    /// grants and the data `data` names the version of, so the replies of the methods its
    /// contract declares cacheable (unary, `idempotency_level = NO_SIDE_EFFECTS`,
    /// [`middleware::cache::cacheable_methods`]) may be kept in the reply cache.
    pub fn reading(mut self, data: middleware::reply_cache::DataProbe) -> Self {
        self.data = Some(data);
        self
    }

    /// Fully qualified service name, e.g. `llmarket.forecast.v1.ForecastService`.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

/// Told of each listener's connection cap as it starts serving: the service's name, the
/// semaphore whose taken permits are its open connections, and the cap (for a gauge).
pub type ConnectionWatch = Arc<dyn Fn(&'static str, Arc<Semaphore>, usize) + Send + Sync>;

/// How [`serve`] holds connections (over TLS or not), reports readiness and shuts down.
#[derive(Clone)]
pub struct ServeOptions {
    /// Limits on connections (their number, streams, timers).
    pub connections: ConnectionLimits,
    /// The process's budget for unsent replies and open calls, shared by every listener given a
    /// clone.
    pub budget: budget::ProcessBudget,
    /// How long in-flight calls may run after shutdown begins.
    pub grace: Duration,
    /// Whether server reflection is served.
    pub reflection: bool,
    /// Where the admin listener's `/readyz` learns that this service is serving.
    pub readiness: Readiness,
    /// TLS (and mutual TLS) on every connection; plaintext HTTP/2 without.
    pub tls: Option<tls::ServerTls>,
    /// Once entered, health and readiness say NOT_SERVING while calls are still served.
    pub lame_duck: LameDuck,
    /// Told of the listener's connection cap when it starts (the server's metrics).
    pub connection_watch: Option<ConnectionWatch>,
}

impl std::fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeOptions")
            .field("connections", &self.connections)
            .field("grace", &self.grace)
            .field("reflection", &self.reflection)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            connections: ConnectionLimits::default(),
            budget: budget::ProcessBudget::default(),
            grace: DEFAULT_SHUTDOWN_GRACE,
            reflection: true,
            readiness: Readiness::default(),
            tls: None,
            lame_duck: LameDuck::default(),
            connection_watch: None,
        }
    }
}

/// What [`serve`] hands the stack builder: the routes (the service, health and, unless off,
/// reflection) and what the service declared about itself.
pub struct Routed {
    /// The routes, ready to serve.
    pub routes: Routes,
    /// The service's fully qualified name.
    pub name: &'static str,
    /// The version of the data the service answers from, when its replies may be kept.
    pub data: Option<middleware::reply_cache::DataProbe>,
    /// The largest request each method can validly take, for each service that declares it.
    pub bounds: Vec<middleware::RequestBounds>,
    /// Every service routed (the service, those served beside it, health, reflection v1 and
    /// v1alpha), for metrics and logs that must tell a routed method from any other path.
    pub known: Vec<&'static str>,
}

/// What a connection serves: the stack around the routes, answering every request (errors are
/// gRPC statuses inside the response, never a service error).
pub use connection::ConnectionService;

/// An error while serving.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Reflection could not be built from the descriptor sets (a build defect).
    #[error("cannot build server reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
}

/// Binds `addr`, turning a failure into a message that names the address.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, std::io::Error> {
    TcpListener::bind(addr)
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))
}

/// Serves `service`, health and reflection on `listener` until `shutdown` completes, then drains.
///
/// Once `options.lame_duck` is entered, health (overall and for the service) and readiness turn
/// NOT_SERVING while calls are still accepted and served.
///
/// On shutdown, health turns NOT_SERVING first (overall and for the service), the listener stops
/// accepting and closes, every connection gets GOAWAY, and in-flight calls finish. Connections
/// still open after `options.grace` are closed and this returns anyway.
///
/// `stack` builds what each connection serves from the routes (the server binary's `app::stack`
/// puts its layers around them, in its one written order).
pub async fn serve<S>(
    listener: TcpListener,
    service: ServiceRoutes,
    shutdown: impl Future<Output = ()> + Send + 'static,
    options: ServeOptions,
    stack: impl FnOnce(Routed) -> S,
) -> Result<(), ServeError>
where
    S: ConnectionService,
{
    let addr = listener
        .local_addr()
        .map_or_else(|_| "unknown".to_owned(), |a| a.to_string());
    let (name, data) = (service.name, service.data);
    let bounds: Vec<_> = service
        .bounds
        .into_iter()
        .chain(service.also.iter().filter_map(|(_, b)| *b))
        .collect();
    let served: Vec<&'static str> = std::iter::once(name)
        .chain(service.also.iter().map(|(n, _)| *n))
        .collect();
    let (reporter, health) = tonic_health::server::health_reporter();
    set_health(&reporter, &served, ServingStatus::Serving).await;

    let mut routes = service.routes.add_service(health);
    if options.reflection {
        routes = routes
            .add_service(reflection_builder(&served).build_v1()?)
            .add_service(reflection_builder(&served).build_v1alpha()?);
    }
    let routes = routes.prepare();

    let mut known = served.clone();
    known.extend([HEALTH_SERVICE_NAME, REFLECTION_V1, REFLECTION_V1ALPHA]);
    let connections = Arc::new(Semaphore::new(options.connections.max_connections));
    if let Some(watch) = &options.connection_watch {
        watch(
            name,
            connections.clone(),
            options.connections.max_connections,
        );
    }
    options.readiness.set(name, true);
    let lame_duck = tokio::spawn({
        let (lame_duck, readiness, reporter, served) = (
            options.lame_duck.clone(),
            options.readiness.clone(),
            reporter.clone(),
            served.clone(),
        );
        async move {
            lame_duck.entered().await;
            readiness.set(name, false);
            set_health(&reporter, &served, ServingStatus::NotServing).await;
            // Logged once it is so: tests and operators read this line as "health says it now".
            tracing::info!(
                service = name,
                "lame duck: health NOT_SERVING, still serving calls"
            );
        }
    });
    let (phase_tx, phase_rx) = watch::channel(Phase::Serving);
    accept::run(
        listener,
        options.tls.clone(),
        stack(Routed {
            routes,
            name,
            data,
            bounds,
            known,
        }),
        (options.connections, options.budget.clone()),
        connections,
        phase_rx,
        shutdown,
    )
    .await;
    lame_duck.abort();
    options.readiness.set(name, false);
    // The listener is closed: new clients are refused rather than left hanging.
    set_health(&reporter, &served, ServingStatus::NotServing).await;
    tracing::info!(
        service = name,
        %addr,
        "shutting down: health NOT_SERVING, draining in-flight calls"
    );
    phase_tx.send_replace(Phase::Draining);
    match tokio::time::timeout(options.grace, phase_tx.closed()).await {
        Ok(()) => tracing::info!(service = name, "drained"),
        Err(_) => {
            tracing::warn!(
                service = name,
                grace = ?options.grace,
                "grace period over: dropping calls still in flight"
            );
            phase_tx.send_replace(Phase::Closing);
        }
    }
    Ok(())
}

fn reflection_builder(services: &[&'static str]) -> tonic_reflection::server::Builder<'static> {
    let builder = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(llmarket_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        // google.rpc error details, so reflection clients (grpcurl) can decode BadRequest.
        .register_encoded_file_descriptor_set(tonic_types::pb::FILE_DESCRIPTOR_SET)
        .with_service_name(HEALTH_SERVICE_NAME);
    services.iter().fold(builder, |builder, &service| {
        builder.with_service_name(service)
    })
}
