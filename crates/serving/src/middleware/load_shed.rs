//! Load shedding: past a global limit of calls in flight, a call gets RESOURCE_EXHAUSTED at once
//! instead of waiting in a queue, so an overloaded process answers fast and callers can back off
//! or go to another replica. Health checks are exempt, so an overloaded process is not taken for a
//! dead one.
//!
//! A call counts as in flight from the moment its request has fully arrived (the end of the
//! request body, which tonic reads before running a unary handler) until its response is ready.
//! Counting from the headers instead would let a client that sends headers and stalls its body
//! hold every slot and have everyone else shed; such stalled streams are bounded by the deadline
//! and the connection's stream limit instead. A call shed at the end of its body fails with the
//! body, which tonic answers with our status. It takes the [`tonic::body::Body`] that the
//! message-size layer, just outside it, hands on.

use std::{
    pin::Pin,
    sync::{Arc, Mutex, PoisonError},
    task::{Context, Poll},
};

use bytes::Bytes;
use http::{Request, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use tokio::sync::OwnedSemaphorePermit;
use tonic::{Status, body::Body};
use tower::{Layer, Service};

use crate::refusal;

use super::{
    ShedCounter,
    on_reply::{OnReply, OnReplyFuture},
    places::Places,
};
use crate::health::HEALTH_SERVICE_NAME;

/// Whether a request path is a call to the health service, which is never shed (nor needs
/// credentials).
pub fn is_health(path: &str) -> bool {
    path.strip_prefix('/')
        .and_then(|p| p.strip_prefix(HEALTH_SERVICE_NAME))
        .is_some_and(|rest| rest.starts_with('/'))
}

/// Layer that sheds calls past `limit` in flight, shared by every connection of a process.
#[derive(Debug, Clone)]
pub struct LoadShedLayer {
    places: Places,
    shed: Option<ShedCounter>,
}

impl LoadShedLayer {
    /// At most `limit` calls in flight (health checks not counted); `limit` is at least 1.
    pub fn new(limit: usize) -> Self {
        Self {
            places: Places::new(limit),
            shed: None,
        }
    }

    /// Counts every shed call in `shed` (the metrics' `llmarket_calls_shed_total`).
    pub fn counting(mut self, shed: Option<ShedCounter>) -> Self {
        self.shed = shed;
        self
    }
}

impl<S> Layer<S> for LoadShedLayer {
    type Service = LoadShed<S>;
    fn layer(&self, inner: S) -> Self::Service {
        LoadShed {
            inner,
            layer: self.clone(),
        }
    }
}

/// Service made by [`LoadShedLayer`]: `inner`, reached only by calls admitted into the count.
#[derive(Debug, Clone)]
pub struct LoadShed<S> {
    inner: S,
    layer: LoadShedLayer,
}

/// A call's place in the count, shared by its request body and its response future.
#[derive(Debug)]
enum Slot {
    /// The request has not fully arrived.
    Waiting,
    /// Counted in flight; dropping the permit releases the place.
    Held(#[allow(dead_code, reason = "held for its drop")] OwnedSemaphorePermit),
    /// The response is ready (or the call was shed): nothing more to count.
    Done,
}

type SharedSlot = Arc<Mutex<Slot>>;

fn set(slot: &SharedSlot, to: Slot) -> Slot {
    std::mem::replace(
        &mut *slot.lock().unwrap_or_else(PoisonError::into_inner),
        to,
    )
}

impl<S> Service<Request<Body>> for LoadShed<S>
where
    S: Service<Request<Body>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = OnReplyFuture<S::Future, Counted>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        if is_health(request.uri().path()) {
            return OnReplyFuture::new(self.inner.call(request), None);
        }
        let slot: SharedSlot = Arc::new(Mutex::new(Slot::Waiting));
        let layer = &self.layer;
        let (places, body_slot, shed) = (layer.places.clone(), slot.clone(), layer.shed.clone());
        let call = self.inner.call(request.map(|inner| {
            Body::new(Admitted {
                inner,
                places,
                slot: body_slot,
                shed,
            })
        }));
        OnReplyFuture::new(call, Some(Counted(slot)))
    }
}

/// A call the count watches: once its request has arrived it holds a place, which it gives back
/// when its answer is ready, or when the call is dropped before that.
pub struct Counted(SharedSlot);

impl OnReply for Counted {
    fn on_reply(self, reply: Response<Body>) -> Response<Body> {
        reply
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        // Releases the permit, if the call held one.
        set(&self.0, Slot::Done);
    }
}

/// A request body that takes the call's place in the count when it ends, or fails the call.
struct Admitted {
    inner: Body,
    places: Places,
    slot: SharedSlot,
    shed: Option<ShedCounter>,
}

impl Admitted {
    /// Takes a permit for the call; the status to fail it with when none is left.
    fn admit(&self) -> Result<(), Status> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        match &*slot {
            Slot::Held(_) | Slot::Done => Ok(()),
            Slot::Waiting => match self.places.take() {
                Some(permit) => {
                    *slot = Slot::Held(permit);
                    Ok(())
                }
                None => {
                    *slot = Slot::Done;
                    if let Some(shed) = &self.shed {
                        shed.inc();
                    }
                    let limit = self.places.limit();
                    tracing::debug!(limit, "shedding a call: concurrency limit reached");
                    Err(refusal::retry_after(
                        "OVERLOADED",
                        refusal::CALL_RETRY,
                        format!(
                            "server overloaded: {limit} calls already in flight; retry with backoff"
                        ),
                    ))
                }
            },
        }
    }
}

impl HttpBody for Admitted {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match polled {
            Poll::Ready(None) => Poll::Ready(self.admit().err().map(Err)),
            Poll::Ready(Some(Ok(frame))) if frame.is_trailers() => {
                Poll::Ready(Some(self.admit().map(|()| frame)))
            }
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        // Not before the call is admitted, so that the end is polled and counted.
        matches!(
            *self.slot.lock().unwrap_or_else(PoisonError::into_inner),
            Slot::Held(_) | Slot::Done
        ) && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::testing::{
        Echo, grpc_status, request_with, response_refusal, stalled_request,
    };
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
        let layer = LoadShedLayer::new(2);
        let service = layer.clone().layer(echo.clone());
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
        // A retry can cure it: the details say when, and why.
        let refusal = response_refusal(&shed);
        assert_eq!(refusal.retry_delay, Some(crate::refusal::CALL_RETRY));
        assert_eq!(refusal.reason, "OVERLOADED");
        assert_eq!(refusal.pushback, "100");
        assert_eq!(echo.calls(), 2, "the shed call never reached the handler");

        let health = tokio::spawn(service.clone().oneshot(request_with(HEALTH, |r| r)));
        echo.wait_for_calls(3).await;
        health.abort();

        // When load drops, calls are served again.
        for call in held {
            call.abort();
            let _ = call.await;
        }
        // A layer sharing the same count.
        let fast = layer.layer(Echo::default());
        let served = fast.oneshot(request_with(CALL, |r| r)).await.unwrap();
        assert_eq!(grpc_status(&served).0, tonic::Code::Ok);
    }

    #[tokio::test]
    async fn shed_calls_are_counted() {
        let shed = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let count = shed.clone();
        let echo = Echo::slow(Duration::from_secs(3600));
        let service = LoadShedLayer::new(1)
            .counting(Some(ShedCounter::new(move || {
                count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            })))
            .layer(echo.clone());
        let held = tokio::spawn(service.clone().oneshot(request_with(CALL, |r| r)));
        echo.wait_for_calls(1).await;
        let response = service.oneshot(request_with(CALL, |r| r)).await.unwrap();
        assert_eq!(grpc_status(&response).0, tonic::Code::ResourceExhausted);
        assert_eq!(shed.load(std::sync::atomic::Ordering::Relaxed), 1);
        held.abort();
    }

    #[tokio::test]
    async fn a_request_whose_body_never_ends_takes_no_slot() {
        let service = LoadShedLayer::new(1).layer(Echo::default());
        let stalled = tokio::spawn(service.clone().oneshot(stalled_request(CALL)));
        tokio::task::yield_now().await;
        let served = service.oneshot(request_with(CALL, |r| r)).await.unwrap();
        assert_eq!(grpc_status(&served).0, tonic::Code::Ok);
        assert!(!stalled.is_finished());
        stalled.abort();
    }
}
