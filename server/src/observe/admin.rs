//! The HTTP/1 admin listener (`--admin-listen`): `/metrics` (Prometheus text format), `/readyz`
//! (200 only while every service of the process is SERVING) and `/livez` (200 while the
//! process answers). Plain HTTP, for probes and scrapers that speak neither gRPC nor TLS.
//!
//! Its callers are a scraper and a few probes, so it holds little: at most
//! [`AdminLimits::max_connections`] connections (more are closed as soon as they are accepted),
//! request heads of at most [`MAX_HEAD_BYTES`] read within [`HEAD_READ_TIMEOUT`], and each
//! connection for at most [`AdminLimits::connection_time`], after which it ends with its current
//! answer, or is dropped [`HEAD_READ_TIMEOUT`] later if it does not read that answer.

use std::{convert::Infallible, future::Future, sync::Arc, time::Duration};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::{body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use tokio::{net::TcpListener, sync::Semaphore};

use llmarket_serving::Readiness;

use super::metrics::SharedMetrics;

/// The largest request head (request line and headers) an admin connection reads, in bytes:
/// HTTP/2's header list cap, and the least hyper's HTTP/1 buffer may be set to is 8 KiB.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// How long a request head may take to arrive; also how long a connection past its
/// [`AdminLimits::connection_time`] may take to read its last answer.
pub const HEAD_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default `--admin-max-connections`.
pub const DEFAULT_ADMIN_MAX_CONNECTIONS: usize = 32;
/// Default `--admin-connection-time`.
pub const DEFAULT_ADMIN_CONNECTION_TIME: Duration = Duration::from_secs(60);

/// How many connections the admin listener holds, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminLimits {
    /// Connections held at once; one more is closed as soon as it is accepted.
    pub max_connections: usize,
    /// How long one connection is kept: then it ends after its current answer.
    pub connection_time: Duration,
}

impl Default for AdminLimits {
    fn default() -> Self {
        Self {
            max_connections: DEFAULT_ADMIN_MAX_CONNECTIONS,
            connection_time: DEFAULT_ADMIN_CONNECTION_TIME,
        }
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

/// Serves the admin endpoints on `listener` until `shutdown` completes, within `limits`.
pub async fn serve(
    listener: TcpListener,
    metrics: Option<SharedMetrics>,
    readiness: Readiness,
    limits: AdminLimits,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let places = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::debug!("admin accept failed: {e}");
                    // Out of descriptors or the like: do not spin.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // Accepted and closed at once past the cap, so the backlog never holds them either.
        let Ok(place) = places.clone().try_acquire_owned() else {
            tracing::debug!(%peer, "admin connection refused: at --admin-max-connections");
            drop(stream);
            continue;
        };
        let (metrics, readiness) = (metrics.clone(), readiness.clone());
        tokio::spawn(async move {
            let _place = place;
            let service = service_fn(move |request: Request<Incoming>| {
                let response = respond(&request, metrics.as_ref(), &readiness);
                async move { Ok::<_, Infallible>(response) }
            });
            let connection = http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEAD_READ_TIMEOUT)
                .max_buf_size(MAX_HEAD_BYTES)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => Some(ended),
                () = tokio::time::sleep(limits.connection_time) => None,
            };
            let ended = match ended {
                Some(ended) => ended,
                None => {
                    // Old enough: end after the current answer; a peer that does not read it
                    // (a pipelining non-reader) is dropped.
                    connection.as_mut().graceful_shutdown();
                    match tokio::time::timeout(HEAD_READ_TIMEOUT, connection).await {
                        Ok(ended) => ended,
                        Err(_) => {
                            tracing::debug!(%peer, "admin connection dropped: its answer was not read");
                            return;
                        }
                    }
                }
            };
            if let Err(e) = ended {
                tracing::debug!(%peer, "admin connection ended: {e}");
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
