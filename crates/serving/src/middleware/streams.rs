//! Streaming calls (health `Watch`, reflection's `ServerReflectionInfo`, the llmarket watch
//! service's `Watch`): held to a cap per
//! listener (`--max-streaming-calls`) and per connection (`--max-streaming-calls-per-connection`),
//! counted as calls: one past either cap gets RESOURCE_EXHAUSTED at once (counted with the shed
//! calls), and a call holds its places until its reply stream ends. The deadline layer, inside
//! this one, ends every stream at the call time limit.
//!
//! The per-connection count travels in the request's extensions ([`ConnectionStreams`], put
//! there by the connection); without it only the listener's cap applies.

use std::{
    future::{Ready, ready},
    pin::Pin,
    task::{Context, Poll},
};

use bytes::Bytes;
use futures_util::future::Either;
use http::{Request, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use tokio::sync::OwnedSemaphorePermit;
use tonic::{Status, body::Body};
use tower::{Layer, Service};

use super::{
    ShedCounter,
    on_reply::{OnReply, OnReplyFuture},
    places::Places,
};
use crate::{health::HEALTH_SERVICE_NAME, refusal};

/// The streaming methods served, as request paths: health's `Watch`, the reflection services'
/// `ServerReflectionInfo` and the llmarket watch service's `Watch` (every other llmarket method
/// is unary; a unit test checks this list against the descriptor sets served).
const STREAMING: &[(&str, &str)] = &[
    (HEALTH_SERVICE_NAME, "Watch"),
    ("llmarket.watch.v2.WatchService", "Watch"),
    (
        "grpc.reflection.v1.ServerReflection",
        "ServerReflectionInfo",
    ),
    (
        "grpc.reflection.v1alpha.ServerReflection",
        "ServerReflectionInfo",
    ),
];

/// Whether a request path names a streaming method.
pub(crate) fn is_streaming(path: &str) -> bool {
    let Some((service, method)) = path.strip_prefix('/').and_then(|p| p.split_once('/')) else {
        return false;
    };
    STREAMING.contains(&(service, method))
}

/// One connection's count of streaming calls, shared by its requests (the connection puts a
/// clone into each request's extensions).
#[derive(Debug, Clone)]
pub struct ConnectionStreams {
    places: Places,
}

impl ConnectionStreams {
    /// At most `limit` streaming calls open at once on the connection (at least 1).
    pub fn new(limit: usize) -> Self {
        Self {
            places: Places::new(limit),
        }
    }
}

/// Layer that holds streaming calls to a cap per listener (shared by every clone) and per
/// connection.
#[derive(Debug, Clone)]
pub struct StreamLimitLayer {
    places: Places,
    shed: Option<ShedCounter>,
}

impl StreamLimitLayer {
    /// At most `limit` streaming calls open at once (at least 1).
    pub fn new(limit: usize) -> Self {
        Self {
            places: Places::new(limit),
            shed: None,
        }
    }

    /// Counts every refused call in `shed` (the metrics' `llmarket_calls_shed_total`).
    pub fn counting(mut self, shed: Option<ShedCounter>) -> Self {
        self.shed = shed;
        self
    }

    fn refused(&self, status: Status) -> Status {
        if let Some(shed) = &self.shed {
            shed.inc();
        }
        tracing::debug!("refusing a streaming call: {}", status.message());
        status
    }
}

impl StreamLimitLayer {
    /// The places a call to `request` takes: none for a unary call, its connection's (when the
    /// connection counts) and the listener's for a stream; the status refusing it when either
    /// cap is reached.
    fn places<B>(&self, request: &Request<B>) -> Result<Option<StreamPlaces>, Status> {
        if !is_streaming(request.uri().path()) {
            return Ok(None);
        }
        let connection = match request.extensions().get::<ConnectionStreams>() {
            None => None,
            Some(streams) => match streams.places.take() {
                Some(permit) => Some(permit),
                None => {
                    return Err(self.refused(refusal::retry_after(
                        "CONNECTION_STREAMING_CALLS_LIMIT",
                        refusal::STREAM_RETRY,
                        format!(
                            "this connection already has {} streaming calls open, the most \
                             --max-streaming-calls-per-connection allows; end one first",
                            streams.places.limit()
                        ),
                    )));
                }
            },
        };
        let Some(listener) = self.places.take() else {
            return Err(self.refused(refusal::retry_after(
                "STREAMING_CALLS_LIMIT",
                refusal::STREAM_RETRY,
                format!(
                    "server overloaded: {} streaming calls already open (--max-streaming-calls); \
                     retry with backoff",
                    self.places.limit()
                ),
            )));
        };
        Ok(Some(StreamPlaces {
            _connection: connection,
            _listener: listener,
        }))
    }
}

/// A streaming call's places, its connection's (when counted) and its listener's, held by its
/// reply until the reply is dropped.
pub struct StreamPlaces {
    _connection: Option<OwnedSemaphorePermit>,
    _listener: OwnedSemaphorePermit,
}

impl OnReply for StreamPlaces {
    fn on_reply(self, reply: Response<Body>) -> Response<Body> {
        reply.map(|inner| {
            Body::new(Holding {
                inner,
                _places: self,
            })
        })
    }
}

impl<S> Layer<S> for StreamLimitLayer {
    type Service = StreamLimit<S>;
    fn layer(&self, inner: S) -> Self::Service {
        StreamLimit {
            inner,
            layer: self.clone(),
        }
    }
}

/// Service made by [`StreamLimitLayer`]: `inner`, reached by streaming calls only within both
/// caps.
#[derive(Debug, Clone)]
pub struct StreamLimit<S> {
    inner: S,
    layer: StreamLimitLayer,
}

impl<S, B> Service<Request<B>> for StreamLimit<S>
where
    S: Service<Request<B>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    /// The service's answer, or the refusal made at once.
    type Future =
        Either<OnReplyFuture<S::Future, StreamPlaces>, Ready<Result<Response<Body>, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        match self.layer.places(&request) {
            Ok(places) => Either::Left(OnReplyFuture::new(self.inner.call(request), places)),
            Err(status) => Either::Right(ready(Ok(status.into_http()))),
        }
    }
}

/// A reply body that holds its call's places until it is dropped.
struct Holding {
    inner: Body,
    _places: StreamPlaces,
}

impl HttpBody for Holding {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::testing::{Echo, grpc_status, request_with, response_refusal};
    use prost::Message as _;
    use std::time::Duration;
    use tower::ServiceExt as _;

    const WATCH: &str = "/grpc.health.v1.Health/Watch";
    const CALL: &str = "/llmarket.forecast.v1.ForecastService/ListDatasets";

    #[test]
    fn the_streaming_methods_are_those_of_the_descriptor_sets_served() {
        let mut streaming = Vec::new();
        let mut unary = Vec::new();
        for set in [
            llmarket_proto::FILE_DESCRIPTOR_SET,
            tonic_health::pb::FILE_DESCRIPTOR_SET,
            tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
            tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
        ] {
            let files = prost_types::FileDescriptorSet::decode(set).expect("descriptor set");
            for file in files.file {
                for service in &file.service {
                    for method in &service.method {
                        let path =
                            format!("/{}.{}/{}", file.package(), service.name(), method.name());
                        if method.client_streaming() || method.server_streaming() {
                            streaming.push(path);
                        } else {
                            unary.push(path);
                        }
                    }
                }
            }
        }
        assert_eq!(streaming.len(), STREAMING.len(), "{streaming:?}");
        assert!(streaming.iter().all(|p| is_streaming(p)), "{streaming:?}");
        assert!(!unary.is_empty() && unary.iter().all(|p| !is_streaming(p)));
        assert!(!is_streaming("/grpc.health.v1.Health/Check"));
        assert!(!is_streaming("/grpc.health.v1.Health/Watch/x"));
        assert!(!is_streaming("grpc.health.v1.Health/Watch"));
    }

    #[tokio::test]
    async fn past_either_cap_a_stream_is_refused_and_a_unary_call_is_not() {
        let echo = Echo::slow(Duration::from_secs(3600));
        let layer = StreamLimitLayer::new(3);
        let service = layer.layer(echo.clone());
        let on = |streams: &ConnectionStreams| {
            let streams = streams.clone();
            request_with(WATCH, move |r| r.extension(streams))
        };
        let (one, two) = (ConnectionStreams::new(2), ConnectionStreams::new(2));
        let held: Vec<_> = [&one, &one, &two]
            .into_iter()
            .map(|c| tokio::spawn(service.clone().oneshot(on(c))))
            .collect();
        echo.wait_for_calls(3).await;
        // The connection's cap.
        let response = service.clone().oneshot(on(&one)).await.unwrap();
        let (code, message) = grpc_status(&response);
        assert_eq!(code, tonic::Code::ResourceExhausted);
        assert!(
            message.contains("--max-streaming-calls-per-connection"),
            "{message}"
        );
        let refusal = response_refusal(&response);
        assert_eq!(refusal.retry_delay, Some(crate::refusal::STREAM_RETRY));
        assert_eq!(refusal.reason, "CONNECTION_STREAMING_CALLS_LIMIT");
        assert_eq!(refusal.pushback, "1000");
        // The listener's cap, on a connection with room.
        let response = service.clone().oneshot(on(&two)).await.unwrap();
        let (code, message) = grpc_status(&response);
        assert_eq!(code, tonic::Code::ResourceExhausted);
        assert!(message.contains("3 streaming calls"), "{message}");
        let refusal = response_refusal(&response);
        assert_eq!(refusal.retry_delay, Some(crate::refusal::STREAM_RETRY));
        assert_eq!(refusal.reason, "STREAMING_CALLS_LIMIT");
        assert_eq!(echo.calls(), 3, "refused calls never reach the service");
        // Unary calls are not counted.
        let unary = tokio::spawn(service.clone().oneshot(request_with(CALL, |r| r)));
        echo.wait_for_calls(4).await;
        unary.abort();
        // A stream that ends gives its places back.
        for call in held {
            call.abort();
            let _ = call.await;
        }
        let fast = layer.layer(Echo::default());
        let response = fast.oneshot(on(&one)).await.unwrap();
        assert_eq!(grpc_status(&response).0, tonic::Code::Ok);
    }
}
