//! Helpers that start the real llmarket servers in-process on ephemeral loopback ports
//! (`127.0.0.1:0`) and hand back their addresses and a shutdown handle. Each test starts its own.

use llmarket_server::app;
use std::{net::SocketAddr, sync::Arc, time::Duration};

use arc_swap::ArcSwap;
use llmarket_forecast as forecast;
use llmarket_kit::data::{self, Shared};
use llmarket_serving::{self as runtime, middleware::Limits};
use llmarket_taxonomy as taxonomy;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use tonic::transport::{Channel, Endpoint};

pub mod assert;
pub mod dns;
pub mod doubles;
pub mod pki;
pub mod process;

/// Grace period the test servers give in-flight calls on shutdown.
pub const TEST_GRACE: Duration = Duration::from_secs(5);

/// A server running in this process.
pub struct TestServer {
    /// The bound address.
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), runtime::ServeError>>,
}

/// The data version a response names in its `llmarket-data-version` metadata (empty when it
/// names none).
pub fn data_version<T>(response: &tonic::Response<T>) -> String {
    response
        .metadata()
        .get("llmarket-data-version")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The built-in forecast catalog, shared as the server holds it.
pub fn builtin_catalog() -> Shared<forecast::Catalog> {
    let sources = data::all_sources(&[]).expect("built-in sources");
    Arc::new(ArcSwap::from_pointee(
        forecast::Catalog::load(&sources).expect("built-in forecast data"),
    ))
}

/// The built-in vocabulary, shared as the server holds it.
pub fn builtin_vocabulary() -> Shared<taxonomy::Vocabulary> {
    let sources = data::all_sources(&[]).expect("built-in sources");
    Arc::new(ArcSwap::from_pointee(
        taxonomy::Vocabulary::load(&sources).expect("built-in taxonomy data"),
    ))
}

impl TestServer {
    /// Serves `service` (with health and reflection) on a fresh loopback port.
    pub async fn start(service: runtime::ServiceRoutes) -> Self {
        Self::start_with_grace(service, TEST_GRACE).await
    }

    /// Like [`TestServer::start`], with the shutdown grace period given.
    pub async fn start_with_grace(service: runtime::ServiceRoutes, grace: Duration) -> Self {
        Self::start_with_limits(service, grace, Limits::default()).await
    }

    /// Like [`TestServer::start_with_grace`], with the per-call limits given.
    pub async fn start_with_limits(
        service: runtime::ServiceRoutes,
        grace: Duration,
        limits: Limits,
    ) -> Self {
        let options = app::ServeOptions {
            grace,
            calls: limits,
            ..app::ServeOptions::default()
        };
        Self::start_with_options(service, options).await
    }

    /// Like [`TestServer::start`], with every serve option given (e.g. `auth`, the principals
    /// in force: `llmarket_server::auth::load(path)`; `observer`, how calls are observed; `tls`).
    pub async fn start_with_options(
        service: runtime::ServiceRoutes,
        options: app::ServeOptions,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = stopped.await;
        };
        let task = tokio::spawn(app::serve(listener, service, shutdown, options));
        Self {
            addr,
            stop: Some(stop),
            task,
        }
    }

    /// The forecast service on the built-in data.
    pub async fn forecast() -> Self {
        Self::start(llmarket_server::app::routes::forecast(builtin_catalog())).await
    }

    /// The taxonomy service on the built-in data.
    pub async fn taxonomy() -> Self {
        Self::start(llmarket_server::app::routes::taxonomy(builtin_vocabulary())).await
    }

    /// `http://127.0.0.1:{port}`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves `service` over TLS with `tls` on a fresh loopback port.
    pub async fn start_tls(service: runtime::ServiceRoutes, tls: runtime::tls::ServerTls) -> Self {
        let options = app::ServeOptions {
            grace: TEST_GRACE,
            tls: Some(tls),
            ..app::ServeOptions::default()
        };
        Self::start_with_options(service, options).await
    }

    /// `https://127.0.0.1:{port}`.
    pub fn https_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// A connected channel to this server.
    pub async fn channel(&self) -> Channel {
        Endpoint::from_shared(self.url())
            .expect("valid url")
            .connect()
            .await
            .expect("connect to test server")
    }

    /// Starts the graceful shutdown without waiting for it to finish.
    pub fn begin_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Shuts down gracefully and waits until the server has stopped.
    pub async fn shutdown(mut self) -> Result<(), runtime::ServeError> {
        self.begin_shutdown();
        (&mut self.task).await.expect("server task")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Both services, each on its own port, as `llmarket-server all` runs them.
pub struct Servers {
    /// The forecast service.
    pub forecast: TestServer,
    /// The taxonomy service.
    pub taxonomy: TestServer,
}

impl Servers {
    /// Starts both services on the built-in data.
    pub async fn start() -> Self {
        let (forecast, taxonomy) = tokio::join!(TestServer::forecast(), TestServer::taxonomy());
        Self { forecast, taxonomy }
    }
}
