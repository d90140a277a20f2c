//! The first layer: only gRPC (and, for a later issue, gRPC-Web) requests reach the service.
//!
//! The gRPC over HTTP/2 spec says a server SHOULD answer a `content-type` that does not begin with
//! `application/grpc` with HTTP 415, so that a plain HTTP client does not read a gRPC error (which
//! travels in an HTTP 200) as a success. Like grpc-go, the 415 also carries `grpc-status`
//! INVALID_ARGUMENT and a `grpc-message` naming the content type, for gRPC clients that look.

use std::{
    future::{Ready, ready},
    task::{Context, Poll},
};

use futures_util::future::Either;
use http::{HeaderValue, Request, Response, StatusCode, header::CONTENT_TYPE};
use tonic::{Status, body::Body};
use tower::{Layer, Service};

/// What a request's `content-type` says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// gRPC: `application/grpc`, `application/grpc+proto`, `application/grpc;…`.
    Grpc,
    /// gRPC-Web: `application/grpc-web`, `application/grpc-web+proto`, `application/grpc-web-text…`.
    /// Let through for now; a later issue serves it.
    GrpcWeb,
    /// Anything else, or no content type at all.
    Other,
}

/// Classifies a `content-type` value (absent = [`Kind::Other`]).
pub fn classify(value: Option<&HeaderValue>) -> Kind {
    let Some(value) = value.and_then(|v| v.to_str().ok()) else {
        return Kind::Other;
    };
    let value = value.trim().to_ascii_lowercase();
    let Some(rest) = value.strip_prefix("application/grpc") else {
        return Kind::Other;
    };
    if rest.is_empty() || rest.starts_with('+') || rest.starts_with(';') {
        return Kind::Grpc;
    }
    match rest.strip_prefix("-web") {
        Some(web)
            if web.is_empty()
                || web.starts_with('+')
                || web.starts_with(';')
                || web.starts_with("-text") =>
        {
            Kind::GrpcWeb
        }
        _ => Kind::Other,
    }
}

/// The HTTP 415 answer to a request that is not gRPC.
fn unsupported(value: Option<&HeaderValue>) -> Response<Body> {
    let shown = match value {
        None => "no content-type".to_owned(),
        Some(v) => {
            let text = String::from_utf8_lossy(v.as_bytes());
            let cut: String = text.chars().take(64).collect();
            format!("content-type {cut:?}")
        }
    };
    let mut response = Status::invalid_argument(format!(
        "{shown} is not gRPC: use application/grpc or application/grpc+proto"
    ))
    .into_http::<Body>();
    *response.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
    response
}

/// Layer that answers HTTP 415 to requests whose content type is neither gRPC nor gRPC-Web.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContentTypeLayer;

impl<S> Layer<S> for ContentTypeLayer {
    type Service = ContentType<S>;
    fn layer(&self, inner: S) -> Self::Service {
        ContentType { inner }
    }
}

/// Service made by [`ContentTypeLayer`]: `inner`, reached only by gRPC and gRPC-Web requests.
#[derive(Debug, Clone)]
pub struct ContentType<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for ContentType<S>
where
    S: Service<Request<B>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    /// The service's answer, or the 415 made at once.
    type Future = Either<S::Future, Ready<Result<Response<Body>, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let value = request.headers().get(CONTENT_TYPE);
        match classify(value) {
            Kind::Grpc | Kind::GrpcWeb => Either::Left(self.inner.call(request)),
            Kind::Other => Either::Right(ready(Ok(unsupported(value)))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::testing::{Echo, grpc_status, request_with};
    use tower::ServiceExt as _;

    fn kind(value: &str) -> Kind {
        classify(Some(&HeaderValue::from_str(value).unwrap()))
    }

    #[test]
    fn grpc_and_grpc_web_types_are_told_apart_from_the_rest() {
        for grpc in [
            "application/grpc",
            "application/grpc+proto",
            "application/grpc+json",
            "application/grpc; charset=utf-8",
            "Application/GRPC",
        ] {
            assert_eq!(kind(grpc), Kind::Grpc, "{grpc}");
        }
        for web in [
            "application/grpc-web",
            "application/grpc-web+proto",
            "application/grpc-web-text",
            "application/grpc-web-text+proto",
        ] {
            assert_eq!(kind(web), Kind::GrpcWeb, "{web}");
        }
        for other in [
            "application/json",
            "application/grpcx",
            "application/grpc-webby",
            "text/plain",
            "",
        ] {
            assert_eq!(kind(other), Kind::Other, "{other}");
        }
        assert_eq!(classify(None), Kind::Other);
    }

    #[tokio::test]
    async fn a_json_request_gets_415_and_never_reaches_the_service() {
        let echo = Echo::default();
        let service = ContentTypeLayer.layer(echo.clone());
        let request = request_with("/llmarket.forecast.v1.ForecastService/ListDatasets", |r| {
            r.header(CONTENT_TYPE, "application/json")
        });
        let response = service.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let (code, message) = grpc_status(&response);
        assert_eq!(code, tonic::Code::InvalidArgument);
        assert!(message.contains("application/json"), "{message}");
        assert_eq!(echo.calls(), 0);
    }

    #[tokio::test]
    async fn a_missing_content_type_gets_415() {
        let service = ContentTypeLayer.layer(Echo::default());
        let request = request_with("/x/y", |r| r);
        let response = service.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }

    #[tokio::test]
    async fn grpc_and_grpc_web_reach_the_service() {
        for value in ["application/grpc", "application/grpc-web+proto"] {
            let echo = Echo::default();
            let service = ContentTypeLayer.layer(echo.clone());
            let request = request_with("/x/y", |r| r.header(CONTENT_TYPE, value));
            let response = service.oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{value}");
            assert_eq!(echo.calls(), 1, "{value}");
        }
    }
}
