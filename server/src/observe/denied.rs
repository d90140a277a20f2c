//! Counts calls refused by access control (UNAUTHENTICATED, PERMISSION_DENIED) by their code.
//! It sits just outside the authentication layer, which answers denied calls itself, so they
//! never reach the metrics layer inside it; an answer's code is in its headers (trailers-only).

use http::Request;
use prometheus_client::metrics::{counter::Counter, family::Family};
use tonic::Code;
use tower::Layer;

use super::metrics::{GrpcCode, code_label};
use llmarket_serving::middleware::service::{Answer, Around, Next, Wrapped};

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
    type Service = Wrapped<S, Self>;
    fn layer(&self, inner: S) -> Self::Service {
        Wrapped::new(inner, self.clone())
    }
}

impl<B> Around<B> for DeniedLayer {
    fn around<S: Next<B>>(&self, inner: &mut S, request: Request<B>) -> Answer<S::Error> {
        let call = inner.call(request);
        let Some(denied) = self.denied.clone() else {
            return Box::pin(call);
        };
        Box::pin(async move {
            let response = call.await?;
            let code = response
                .headers()
                .get("grpc-status")
                .map(|v| Code::from_bytes(v.as_bytes()));
            if let Some(code @ (Code::Unauthenticated | Code::PermissionDenied)) = code {
                denied
                    .get_or_create(&GrpcCode {
                        grpc_code: code_label(code),
                    })
                    .inc();
            }
            Ok(response)
        })
    }
}
