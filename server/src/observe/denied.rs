//! Counts calls refused by access control (UNAUTHENTICATED, PERMISSION_DENIED) by their code.
//! It sits just outside the authentication layer, which answers denied calls itself, so they
//! never reach the metrics layer inside it; an answer's code is in its headers (trailers-only).

use std::task::{Context, Poll};

use http::{Request, Response};
use prometheus_client::metrics::{counter::Counter, family::Family};
use tonic::{Code, body::Body};
use tower::{Layer, Service};

use super::metrics::{GrpcCode, code_label};
use llmarket_serving::middleware::on_reply::{OnReply, OnReplyFuture};

/// Layer that counts denied calls into `llmarket_calls_denied_total{grpc_code}`.
#[derive(Debug, Clone, Default)]
pub struct DeniedLayer {
    denied: Option<Family<GrpcCode, Counter>>,
}

impl DeniedLayer {
    /// Counts into `denied`, or nothing when metrics are off.
    pub fn new(denied: Option<Family<GrpcCode, Counter>>) -> Self {
        Self { denied }
    }
}

impl<S> Layer<S> for DeniedLayer {
    type Service = Denied<S>;
    fn layer(&self, inner: S) -> Self::Service {
        Denied {
            inner,
            denied: self.denied.clone(),
        }
    }
}

/// Service made by [`DeniedLayer`]: `inner`, its denials counted.
#[derive(Debug, Clone)]
pub struct Denied<S> {
    inner: S,
    denied: Option<Family<GrpcCode, Counter>>,
}

impl<S, B> Service<Request<B>> for Denied<S>
where
    S: Service<Request<B>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = OnReplyFuture<S::Future, CountDenied>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        OnReplyFuture::new(
            self.inner.call(request),
            self.denied.clone().map(CountDenied),
        )
    }
}

/// Counts a reply that denies its call.
pub struct CountDenied(Family<GrpcCode, Counter>);

impl OnReply for CountDenied {
    fn on_reply(self, reply: Response<Body>) -> Response<Body> {
        let code = reply
            .headers()
            .get("grpc-status")
            .map(|v| Code::from_bytes(v.as_bytes()));
        if let Some(code @ (Code::Unauthenticated | Code::PermissionDenied)) = code {
            self.0
                .get_or_create(&GrpcCode {
                    grpc_code: code_label(code),
                })
                .inc();
        }
        reply
    }
}
