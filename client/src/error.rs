//! The client's error: which service, which call, which gRPC code, and what went wrong.

use std::fmt;

use serde::{Deserialize, Serialize};
use tonic::Code;

/// One of the two llmarket services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// `llmarket.forecast.v1.ForecastService`.
    Forecast,
    /// `llmarket.taxonomy.v1.TaxonomyService`.
    Taxonomy,
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Forecast => "forecast",
            Self::Taxonomy => "taxonomy",
        })
    }
}

/// What can go wrong in a client call or a composed query.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// A call failed with a gRPC status (from the server, the transport, or the deadline).
    #[error("{service} service: {call} failed: {}: {message}", code_name(*.code))]
    Call {
        /// The service called.
        service: Service,
        /// The RPC, e.g. `GetObservations`.
        call: &'static str,
        /// The gRPC status code.
        code: Code,
        /// The status message, on one line.
        message: String,
    },
    /// A server answered, but the answer lacks a required field or holds an impossible value.
    #[error("{service} service: {call} returned bad data: {problem}")]
    BadData {
        /// The service called.
        service: Service,
        /// The RPC, e.g. `GetBreakdown`.
        call: &'static str,
        /// What is wrong with the answer.
        problem: String,
    },
    /// An endpoint in the configuration is not a valid URL.
    #[error(
        "invalid {service} endpoint {url:?}: {reason} (expected e.g. http://127.0.0.1:50051 or https://forecast.example:443)"
    )]
    InvalidEndpoint {
        /// The service the endpoint is for.
        service: Service,
        /// The endpoint as given.
        url: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A request cannot be made from the arguments given.
    #[error("invalid argument {argument}: {reason}")]
    InvalidArgument {
        /// The argument at fault.
        argument: &'static str,
        /// Why it is invalid and what would be valid.
        reason: String,
    },
}

impl ClientError {
    /// A failed call, from the status it ended with.
    ///
    /// A transport failure carries its causes in the message (`transport error: connection error:
    /// received fatal alert: CertificateRequired`). One whose cause is a TLS alert refusing this
    /// client's certificate is UNAUTHENTICATED (the credential is at fault); any other that
    /// tonic left UNKNOWN, CANCELLED or INTERNAL is UNAVAILABLE: the call got no answer from the
    /// server, only a broken stream or connection (tonic reports an HTTP/2 GOAWAY or reset under
    /// a call, e.g. from a server shutting down, as INTERNAL with the HTTP/2 error as its cause;
    /// an INTERNAL the server sends has no cause and stays INTERNAL).
    pub fn call(service: Service, call: &'static str, status: &tonic::Status) -> Self {
        let causes = sources(status);
        let mut message = one_line(status.message());
        for cause in &causes {
            let cause = one_line(cause);
            if !message.contains(&cause) {
                message.push_str(": ");
                message.push_str(&cause);
            }
        }
        let certificate_refused = causes.iter().any(|cause| {
            cause.contains("received fatal alert")
                && CERTIFICATE_ALERTS.iter().any(|alert| cause.contains(alert))
        });
        let code = match status.code() {
            _ if certificate_refused => {
                message = format!("the server refused this client's TLS certificate: {message}");
                Code::Unauthenticated
            }
            // The connection failed under the call (e.g. closed by the server mid-call).
            Code::Unknown | Code::Cancelled | Code::Internal if !causes.is_empty() => {
                Code::Unavailable
            }
            code => code,
        };
        Self::Call {
            service,
            call,
            code,
            message,
        }
    }

    /// A response lacking a required field or holding an impossible value.
    pub fn bad_data(service: Service, call: &'static str, problem: impl Into<String>) -> Self {
        Self::BadData {
            service,
            call,
            problem: problem.into(),
        }
    }

    /// The service at fault, if a service is.
    pub fn service(&self) -> Option<Service> {
        match self {
            Self::Call { service, .. }
            | Self::BadData { service, .. }
            | Self::InvalidEndpoint { service, .. } => Some(*service),
            Self::InvalidArgument { .. } => None,
        }
    }

    /// The RPC that failed, if one did.
    pub fn rpc(&self) -> Option<&'static str> {
        match self {
            Self::Call { call, .. } | Self::BadData { call, .. } => Some(call),
            Self::InvalidEndpoint { .. } | Self::InvalidArgument { .. } => None,
        }
    }

    /// The gRPC code of a failed call.
    pub fn code(&self) -> Option<Code> {
        match self {
            Self::Call { code, .. } => Some(*code),
            Self::BadData { .. } | Self::InvalidEndpoint { .. } | Self::InvalidArgument { .. } => {
                None
            }
        }
    }

    /// Whether the service could not be reached or did not answer in time.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self.code(),
            Some(Code::Unavailable | Code::DeadlineExceeded)
        )
    }
}

/// A required message field of a response, or bad data naming it. Shared by the transport
/// (`client`) and the conversions of the reports, so neither imports the other.
pub(crate) fn required<T>(
    service: Service,
    call: &'static str,
    field: &str,
    value: Option<T>,
) -> Result<T, ClientError> {
    value.ok_or_else(|| {
        ClientError::bad_data(
            service,
            call,
            format!("the response has no {field} (a required field)"),
        )
    })
}

/// The canonical name of a gRPC code, e.g. `UNAVAILABLE`.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// The TLS alerts (as rustls names them) with which a server refuses a client's certificate.
const CERTIFICATE_ALERTS: [&str; 5] = [
    "CertificateRequired",
    "BadCertificate",
    "UnknownCA",
    "CertificateUnknown",
    "AccessDenied",
];

/// The messages of the errors under `error`, outermost first.
fn sources(error: &dyn std::error::Error) -> Vec<String> {
    let mut all = Vec::new();
    let mut source = error.source();
    while let Some(inner) = source {
        all.push(inner.to_string());
        source = inner.source();
    }
    all
}

/// `text` with line breaks folded into spaces, so an error stays on one line.
pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_error_names_service_call_and_code() {
        let status = tonic::Status::unavailable("tcp connect error:\n refused");
        let error = ClientError::call(Service::Taxonomy, "ListConcepts", &status);
        assert_eq!(
            error.to_string(),
            "taxonomy service: ListConcepts failed: UNAVAILABLE: tcp connect error: refused"
        );
        assert!(error.is_unavailable());
        assert_eq!(error.service(), Some(Service::Taxonomy));
        assert_eq!(error.rpc(), Some("ListConcepts"));
    }

    #[test]
    fn a_refused_client_certificate_is_unauthenticated_and_other_transport_errors_unavailable() {
        #[derive(Debug)]
        struct Alert(&'static str);
        impl fmt::Display for Alert {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "received fatal alert: {}", self.0)
            }
        }
        impl std::error::Error for Alert {}
        let status = |alert| tonic::Status::from_error(Box::new(Alert(alert)));

        let error = ClientError::call(
            Service::Forecast,
            "GetSeries",
            &status("CertificateRequired"),
        );
        assert_eq!(error.code(), Some(Code::Unauthenticated), "{error}");
        assert!(
            error
                .to_string()
                .contains("refused this client's TLS certificate"),
            "{error}"
        );
        assert!(error.to_string().contains("CertificateRequired"), "{error}");

        let error = ClientError::call(Service::Forecast, "GetSeries", &status("DecodeError"));
        assert_eq!(error.code(), Some(Code::Unavailable), "{error}");
    }

    #[test]
    fn an_internal_status_is_unavailable_only_when_the_transport_made_it() {
        // As tonic reports a stream cut by the server's GOAWAY: INTERNAL, the HTTP/2 error its
        // cause.
        let mut cut = tonic::Status::internal("h2 protocol error");
        cut.set_source(std::sync::Arc::new(std::io::Error::other(
            "connection error received: not a result of an error",
        )));
        let error = ClientError::call(Service::Forecast, "Watch", &cut);
        assert_eq!(error.code(), Some(Code::Unavailable), "{error}");
        assert!(error.is_unavailable());
        // An INTERNAL the server sent has no cause: the server's answer, kept.
        let answered = tonic::Status::internal("the server failed");
        let error = ClientError::call(Service::Forecast, "GetSeries", &answered);
        assert_eq!(error.code(), Some(Code::Internal), "{error}");
    }

    #[test]
    fn bad_data_is_not_unavailable() {
        let error = ClientError::bad_data(Service::Forecast, "GetDataset", "no dataset");
        assert_eq!(
            error.to_string(),
            "forecast service: GetDataset returned bad data: no dataset"
        );
        assert!(!error.is_unavailable());
        assert_eq!(error.code(), None);
    }
}
