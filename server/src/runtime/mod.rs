//! What every llmarket process does around its service: our own accept loop and per-connection
//! limits, health (`grpc.health.v1`), server reflection (v1 and v1alpha, advertising only the
//! services this process serves), and a graceful shutdown bounded by a grace period.
//!
//! A request's path through the runtime:
//!
//! 1. [`accept`]: TCP accept, connection cap and per-address cap ([`per_address`]), the slots
//!    kept for authenticated connections ([`anonymous`]), descriptor back-off, then the TLS
//!    handshake ([`tls`], when configured) on the connection's own task, bounded by the
//!    first-request deadline;
//! 2. [`connection`]: HTTP/2 with our stream limit and windows (or HTTP/1.1, for gRPC-Web); idle,
//!    age and stalled-peer timers; the process's budget for unsent replies and open calls
//!    ([`budget`]), shared by every connection, counted per call ([`tracked`]); what it writes in one wake-up of its task leaves in one
//!    write ([`held_writes`]);
//! 3. the stack, applied in one place ([`stack`]), outermost first: CORS (only with
//!    `--cors-origin`) → gRPC-Web to gRPC ([`web`]) → the middleware: content type → message
//!    size → load shed → streaming calls → deadline → authentication and quotas → metrics and access log
//!    ([`crate::observe`]) → reply cache → service;
//! 4. the routes: the service, health and reflection.

mod accept;
mod anonymous;
pub mod budget;
mod connection;
pub mod fd_limit;
pub mod health;
mod held_writes;
pub mod limits;
pub(crate) mod log_limit;
pub mod middleware;
pub mod peer;
pub(crate) mod per_address;
mod phase;
pub mod signals;
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

use crate::observe::{Observer, admin::Readiness};
use health::set_health;
pub use health::{HEALTH_SERVICE_NAME, LameDuck, LameDuckSwitch, lame_duck};

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
        }
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

    /// Declares every method of the service a unary read whose reply depends only on its
    /// request message, the caller's grants and the data `data` names the version of, so its
    /// replies may be kept in the reply cache ([`ServeOptions::replies`]).
    pub fn reading(mut self, data: middleware::reply_cache::DataProbe) -> Self {
        self.data = Some(data);
        self
    }

    /// Fully qualified service name, e.g. `llmarket.forecast.v1.ForecastService`.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

/// How [`serve`] holds connections (over TLS or not), admits and observes callers, and shuts
/// down.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Limits on connections (their number, streams, timers).
    pub connections: ConnectionLimits,
    /// The process's budget for unsent replies and open calls, shared by every listener given a
    /// clone.
    pub budget: budget::ProcessBudget,
    /// How long in-flight calls may run after shutdown begins.
    pub grace: Duration,
    /// Limits on each call (load shed, deadline, message size), enforced by the middleware.
    pub calls: middleware::Limits,
    /// The principals in force (`--auth-file`); none: every caller may read everything.
    pub auth: Option<crate::auth::SharedPrincipals>,
    /// Who may use server reflection.
    pub reflection: middleware::Reflection,
    /// How calls are observed (metrics, access log, traces); the default observes nothing.
    pub observer: Observer,
    /// Where the admin listener's `/readyz` learns that this service is serving.
    pub readiness: Readiness,
    /// TLS (and mutual TLS) on every connection; plaintext HTTP/2 without.
    pub tls: Option<tls::ServerTls>,
    /// Once entered, health and readiness say NOT_SERVING while calls are still served.
    pub lame_duck: LameDuck,
    /// The browser origins allowed to call across origins (`--cors-origin`); none: CORS is off.
    pub cors: web::CorsOrigins,
    /// The encoded replies of repeated read calls (`--reply-cache`), shared by every listener
    /// given a clone; whoever reloads the data must [`invalidate`](middleware::ReplyCache::invalidate) it.
    pub replies: middleware::ReplyCache,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            connections: ConnectionLimits::default(),
            budget: budget::ProcessBudget::default(),
            grace: DEFAULT_SHUTDOWN_GRACE,
            calls: middleware::Limits::default(),
            auth: None,
            reflection: middleware::Reflection::On,
            observer: Observer::default(),
            readiness: Readiness::default(),
            tls: None,
            lame_duck: LameDuck::default(),
            cors: web::CorsOrigins::default(),
            replies: middleware::ReplyCache::default(),
        }
    }
}

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

/// The stack around `routes`, the one place it is applied, outermost first:
///
/// 1. CORS, only for the origins of `--cors-origin` ([`web`]): it answers preflights before
///    anything else looks at them (the content type check would refuse an `OPTIONS` without
///    one), and lets the allowed origins read every answer, errors included;
/// 2. gRPC-Web → gRPC (tonic-web): a gRPC-Web request becomes a gRPC request here and its answer
///    gRPC-Web again, so everything inside sees and counts plain gRPC; any other HTTP/1.1 request
///    gets 400;
/// 3. the per-call middleware, whose order [`middleware`] documents and builds (content type →
///    message size → load shed → streaming calls → deadline → authentication and quotas → metrics and access log
///    → reply cache, for the calls of `name` when `data` says they read it → the service); `known` names the services routed.
fn stack(
    routes: Routes,
    options: &ServeOptions,
    name: &'static str,
    data: Option<middleware::reply_cache::DataProbe>,
    bounds: Option<middleware::RequestBounds>,
    known: &[&'static str],
) -> impl connection::ConnectionService {
    let authenticate = middleware::AuthenticateLayer::new(options.auth.clone(), options.reflection)
        .limiting(middleware::PrincipalCalls::new(
            options.calls.max_calls_per_principal,
        ));
    let cached = data.map(|data| (name, data));
    let calls = middleware::stack(
        &options.calls,
        bounds,
        authenticate,
        &options.observer,
        known,
    )
    .layer(middleware::CacheLayer::new(options.replies.clone(), cached))
    .service(routes);
    tower::ServiceBuilder::new()
        .option_layer(options.cors.layer())
        .layer(tonic_web::GrpcWebLayer::new())
        .service(calls)
}

/// Serves `service`, health and reflection on `listener` until `shutdown` completes, then drains.
///
/// Once `options.lame_duck` is entered, health (overall and for the service) and readiness turn
/// NOT_SERVING while calls are still accepted and served.
///
/// On shutdown, health turns NOT_SERVING first (overall and for the service), the listener stops
/// accepting and closes, every connection gets GOAWAY, and in-flight calls finish. Connections
/// still open after `options.grace` are closed and this returns anyway.
pub async fn serve(
    listener: TcpListener,
    service: ServiceRoutes,
    shutdown: impl Future<Output = ()> + Send + 'static,
    options: ServeOptions,
) -> Result<(), ServeError> {
    let addr = listener
        .local_addr()
        .map_or_else(|_| "unknown".to_owned(), |a| a.to_string());
    let (name, data, bounds) = (service.name, service.data, service.bounds);
    let (reporter, health) = tonic_health::server::health_reporter();
    set_health(&reporter, name, ServingStatus::Serving).await;

    let mut routes = service.routes.add_service(health);
    if options.reflection != middleware::Reflection::Off {
        routes = routes
            .add_service(reflection_builder(name).build_v1()?)
            .add_service(reflection_builder(name).build_v1alpha()?);
    }
    let routes = routes.prepare();

    let known = [name, HEALTH_SERVICE_NAME, REFLECTION_V1, REFLECTION_V1ALPHA];
    let connections = Arc::new(Semaphore::new(options.connections.max_connections));
    if let Some(metrics) = options.observer.metrics() {
        metrics.runtime.watch_connections(
            name,
            connections.clone(),
            options.connections.max_connections,
        );
    }
    options.readiness.set(name, true);
    let lame_duck = tokio::spawn({
        let (lame_duck, readiness, reporter) = (
            options.lame_duck.clone(),
            options.readiness.clone(),
            reporter.clone(),
        );
        async move {
            lame_duck.entered().await;
            readiness.set(name, false);
            set_health(&reporter, name, ServingStatus::NotServing).await;
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
        stack(routes, &options, name, data, bounds, &known),
        (options.connections, options.budget.clone()),
        connections,
        phase_rx,
        shutdown,
    )
    .await;
    lame_duck.abort();
    options.readiness.set(name, false);
    // The listener is closed: new clients are refused rather than left hanging.
    set_health(&reporter, name, ServingStatus::NotServing).await;
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

fn reflection_builder(service: &'static str) -> tonic_reflection::server::Builder<'static> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(llmarket_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        // google.rpc error details, so reflection clients (grpcurl) can decode BadRequest.
        .register_encoded_file_descriptor_set(tonic_types::pb::FILE_DESCRIPTOR_SET)
        .with_service_name(service)
        .with_service_name(HEALTH_SERVICE_NAME)
}
