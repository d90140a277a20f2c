//! The HTTP/1 admin listener (`--admin-listen`): `/metrics` (Prometheus text format), `/readyz`
//! (200 only while every service of the process is SERVING) and `/livez` (200 while the
//! process answers). Plain HTTP, for probes and scrapers that speak neither gRPC nor TLS.

use std::{
    collections::BTreeMap,
    convert::Infallible,
    future::Future,
    sync::{Arc, Mutex, PoisonError},
};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::{body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::metrics::SharedMetrics;

/// Which services of the process are SERVING; ready when all are.
#[derive(Debug, Clone, Default)]
pub struct Readiness {
    services: Arc<Mutex<BTreeMap<&'static str, bool>>>,
}

impl Readiness {
    /// Records whether `service` is serving (a service named before it starts is not ready).
    pub fn set(&self, service: &'static str, serving: bool) {
        self.services
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(service, serving);
    }

    /// Ready: at least one service, and every one serving.
    pub fn is_ready(&self) -> bool {
        let services = self.services.lock().unwrap_or_else(PoisonError::into_inner);
        !services.is_empty() && services.values().all(|serving| *serving)
    }

    fn describe(&self) -> String {
        let services = self.services.lock().unwrap_or_else(PoisonError::into_inner);
        services
            .iter()
            .map(|(name, serving)| {
                let state = if *serving { "SERVING" } else { "NOT_SERVING" };
                format!("{name} {state}\n")
            })
            .collect()
    }
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(content_type),
    );
    response
}

/// The answer to one admin request.
pub fn respond(
    request: &Request<impl Sized>,
    metrics: Option<&SharedMetrics>,
    readiness: &Readiness,
) -> Response<Full<Bytes>> {
    const PLAIN: &str = "text/plain; charset=utf-8";
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return text(
            StatusCode::METHOD_NOT_ALLOWED,
            PLAIN,
            "only GET and HEAD are served\n".to_owned(),
        );
    }
    match request.uri().path() {
        "/metrics" => match metrics {
            Some(metrics) => text(
                StatusCode::OK,
                prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
                metrics.encode(),
            ),
            None => text(StatusCode::NOT_FOUND, PLAIN, "metrics are off\n".to_owned()),
        },
        "/readyz" if readiness.is_ready() => text(StatusCode::OK, PLAIN, readiness.describe()),
        "/readyz" => text(StatusCode::SERVICE_UNAVAILABLE, PLAIN, readiness.describe()),
        "/livez" => text(StatusCode::OK, PLAIN, "ok\n".to_owned()),
        _ => text(
            StatusCode::NOT_FOUND,
            PLAIN,
            "not found; served are /metrics, /readyz and /livez\n".to_owned(),
        ),
    }
}

/// Serves the admin endpoints on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    metrics: Option<SharedMetrics>,
    readiness: Readiness,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            () = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::debug!("admin accept failed: {e}");
                    // Out of descriptors or the like: do not spin.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let (metrics, readiness) = (metrics.clone(), readiness.clone());
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let response = respond(&request, metrics.as_ref(), &readiness);
                async move { Ok::<_, Infallible>(response) }
            });
            let connection = http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(std::time::Duration::from_secs(10))
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = connection.await {
                tracing::debug!("admin connection ended: {e}");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::Metrics;

    fn get(path: &str) -> Request<()> {
        Request::get(path).body(()).unwrap()
    }

    #[test]
    fn readyz_is_200_only_while_every_service_serves() {
        let readiness = Readiness::default();
        assert_eq!(respond(&get("/readyz"), None, &readiness).status(), 503);
        readiness.set("a", true);
        readiness.set("b", false);
        assert_eq!(respond(&get("/readyz"), None, &readiness).status(), 503);
        readiness.set("b", true);
        assert_eq!(respond(&get("/readyz"), None, &readiness).status(), 200);
        readiness.set("a", false);
        assert_eq!(respond(&get("/readyz"), None, &readiness).status(), 503);
    }

    #[test]
    fn metrics_and_livez_answer_and_others_are_404() {
        let metrics = Arc::new(Metrics::new());
        let readiness = Readiness::default();
        let response = respond(&get("/metrics"), Some(&metrics), &readiness);
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        assert_eq!(respond(&get("/livez"), None, &readiness).status(), 200);
        assert_eq!(respond(&get("/nope"), None, &readiness).status(), 404);
        let post = Request::post("/metrics").body(()).unwrap();
        assert_eq!(respond(&post, Some(&metrics), &readiness).status(), 405);
    }
}
