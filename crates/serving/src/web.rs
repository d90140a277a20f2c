//! gRPC-Web next to gRPC, for browsers: every listener translates gRPC-Web requests (HTTP/1.1 or
//! HTTP/2, `application/grpc-web…`) into gRPC before the middleware sees them (tonic-web's
//! layer), and, only for the origins given with `--cors-origin`, answers CORS preflights and
//! marks responses readable by those origins (tower-http's `CorsLayer`). Without `--cors-origin`
//! there is no CORS layer at all: same-origin pages and non-browser clients still use gRPC-Web.

use std::time::Duration;

use http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// How long a browser may cache a preflight's answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// Request headers a gRPC-Web client sends beside the content type: its marker, user agent and
/// deadline, a bearer token, and trace context.
const ALLOWED_HEADERS: [&str; 6] = [
    "content-type",
    "x-grpc-web",
    "x-user-agent",
    "grpc-timeout",
    "authorization",
    "traceparent",
];

/// Response headers (and trailers, which gRPC-Web moves into the body, but some servers send as
/// headers on an error without a body) a page may read.
const EXPOSED_HEADERS: [&str; 4] = [
    "grpc-status",
    "grpc-message",
    "grpc-status-details-bin",
    "llmarket-data-version",
];

/// The origins allowed to call from a browser page of another origin (`--cors-origin`); empty
/// means CORS is off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsOrigins(Vec<HeaderValue>);

impl CorsOrigins {
    /// CORS for these origins (each from [`parse_origin`]); none turns CORS off.
    pub fn new(origins: Vec<HeaderValue>) -> Self {
        Self(origins)
    }

    /// Whether any origin is allowed, i.e. whether the CORS layer is in the stack.
    pub fn is_on(&self) -> bool {
        !self.0.is_empty()
    }

    /// The CORS layer for these origins, or none when CORS is off.
    pub fn layer(&self) -> Option<CorsLayer> {
        if !self.is_on() {
            return None;
        }
        Some(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(self.0.iter().cloned()))
                .allow_methods([Method::POST])
                .allow_headers(ALLOWED_HEADERS.map(HeaderName::from_static))
                .expose_headers(EXPOSED_HEADERS.map(HeaderName::from_static))
                .max_age(PREFLIGHT_MAX_AGE)
                .vary([header::ORIGIN]),
        )
    }
}

/// Parses one `--cors-origin`: a browser origin, `http://` or `https://` then a host and an
/// optional port, with nothing after (no path, no trailing slash, no `*`).
pub fn parse_origin(text: &str) -> Result<HeaderValue, String> {
    let invalid = |why: &str| {
        format!(
            "invalid CORS origin {text:?}: {why}; give e.g. `https://reports.example.com` or `http://localhost:8080`"
        )
    };
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .ok_or_else(|| invalid("it must start with http:// or https://"))?;
    if rest.is_empty() {
        return Err(invalid("it names no host"));
    }
    if rest.contains(['/', '?', '#', '*', ' ', '@']) {
        return Err(invalid("an origin is a scheme, a host and a port only"));
    }
    HeaderValue::from_str(text).map_err(|_| invalid("it is not a valid header value"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(
            parse_origin("https://reports.example.com").unwrap(),
            "https://reports.example.com"
        );
        assert_eq!(
            parse_origin("http://localhost:8080").unwrap(),
            "http://localhost:8080"
        );
        for bad in [
            "reports.example.com",
            "https://",
            "https://example.com/",
            "https://example.com/page",
            "*",
            "https://*.example.com",
            "ftp://example.com",
        ] {
            let error = parse_origin(bad).unwrap_err();
            assert!(error.contains("invalid CORS origin"), "{bad}: {error}");
        }
    }

    #[test]
    fn no_origin_means_no_cors_layer() {
        assert!(CorsOrigins::default().layer().is_none());
        assert!(!CorsOrigins::default().is_on());
        let on = CorsOrigins::new(vec![parse_origin("http://localhost:8080").unwrap()]);
        assert!(on.is_on());
        assert!(on.layer().is_some());
    }
}
