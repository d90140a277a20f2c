//! Load shedding: past a global limit of calls in flight, a call gets RESOURCE_EXHAUSTED at once
//! instead of waiting in a queue, so an overloaded process answers fast and callers can back off
//! or go to another replica. Health checks are exempt, so an overloaded process is not taken for a
//! dead one.

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use http::{Request, Response};
use tokio::sync::Semaphore;
use tonic::{Status, body::Body};
use tower::{Layer, Service};

use crate::runtime::HEALTH_SERVICE_NAME;

/// Whether a request path is a call to the health service, which is never shed.
fn is_health(path: &str) -> bool {
    path.strip_prefix('/')
        .and_then(|p| p.strip_prefix(HEALTH_SERVICE_NAME))
        .is_some_and(|rest| rest.starts_with('/'))
}

/// Layer that sheds calls past `limit` in flight, shared by every connection of a process.
#[derive(Debug, Clone)]
pub struct LoadShedLayer {
    permits: Arc<Semaphore>,
    limit: usize,
}

impl LoadShedLayer {
    /// At most `limit` calls in flight (health checks not counted); `limit` is at least 1.
    pub fn new(limit: usize) -> Self {
        let limit = limit.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            permits: Arc::new(Semaphore::new(limit)),
            limit,
        }
    }
}

impl<S> Layer<S> for LoadShedLayer {
    type Service = LoadShed<S>;
    fn layer(&self, inner: S) -> Self::Service {
        LoadShed {
            inner,
            permits: self.permits.clone(),
            limit: self.limit,
        }
    }
}

/// Service made by [`LoadShedLayer`].
#[derive(Debug, Clone)]
pub struct LoadShed<S> {
    inner: S,
    permits: Arc<Semaphore>,
    limit: usize,
}

impl<S, B> Service<Request<B>> for LoadShed<S>
where
    S: Service<Request<B>, Response = Response<Body>>,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if is_health(request.uri().path()) {
            return Box::pin(self.inner.call(request));
        }
        match self.permits.clone().try_acquire_owned() {
            Ok(permit) => {
                let call = self.inner.call(request);
                Box::pin(async move {
                    let response = call.await;
                    drop(permit);
                    response
                })
            }
            Err(_) => {
                let limit = self.limit;
                tracing::debug!(limit, "shedding a call: concurrency limit reached");
                let response = Status::resource_exhausted(format!(
                    "server overloaded: {limit} calls already in flight; retry with backoff"
                ))
                .into_http();
                Box::pin(async move { Ok(response) })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::testing::{Echo, grpc_status, request_with};
    use std::time::Duration;
    use tower::ServiceExt as _;

    const CALL: &str = "/llmarket.forecast.v1.ForecastService/ListDatasets";
    const HEALTH: &str = "/grpc.health.v1.Health/Check";

    #[test]
    fn only_the_health_service_is_exempt() {
        assert!(is_health(HEALTH));
        assert!(is_health("/grpc.health.v1.Health/Watch"));
        assert!(!is_health(CALL));
        assert!(!is_health("/grpc.health.v1.HealthX/Check"));
        assert!(!is_health("/grpc.health.v1.Health"));
    }

    #[tokio::test]
    async fn past_the_limit_calls_are_shed_at_once_and_health_still_answers() {
        let echo = Echo::slow(Duration::from_secs(3600));
        let service = LoadShedLayer::new(2).layer(echo.clone());
        let held: Vec<_> = (0..2)
            .map(|_| tokio::spawn(service.clone().oneshot(request_with(CALL, |r| r))))
            .collect();
        echo.wait_for_calls(2).await;

        let shed = service
            .clone()
            .oneshot(request_with(CALL, |r| r))
            .await
            .unwrap();
        let (code, message) = grpc_status(&shed);
        assert_eq!(code, tonic::Code::ResourceExhausted);
        assert!(message.contains("2 calls"), "{message}");
        assert_eq!(echo.calls(), 2, "the shed call never reached the service");

        let health = tokio::spawn(service.clone().oneshot(request_with(HEALTH, |r| r)));
        echo.wait_for_calls(3).await;
        health.abort();

        // When load drops, calls are served again.
        for call in held {
            call.abort();
            let _ = call.await;
        }
        let fast = LoadShedLayer {
            permits: service.permits.clone(),
            limit: 2,
        }
        .layer(Echo::default());
        let served = fast.oneshot(request_with(CALL, |r| r)).await.unwrap();
        assert_eq!(grpc_status(&served).0, tonic::Code::Ok);
    }
}
