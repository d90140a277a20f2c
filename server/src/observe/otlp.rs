//! OTLP trace export through the OpenTelemetry SDK: [`TraceExport::from_env`] reads the
//! standard variables (and refuses bad ones at start-up), [`TraceExport::start`] builds the
//! `opentelemetry-otlp` exporter (gRPC over our tonic, or http/protobuf over our hyper, TLS on
//! rustls with ring for `https://` endpoints) behind the SDK's batch processor, and [`flush`]
//! shuts the provider down after the drain, bounded so a dead collector cannot hold the exit.
//!
//! The batch processor keeps finished spans in a bounded queue (`OTEL_BSP_MAX_QUEUE_SIZE`,
//! 2048) and exports them from its own thread: a full queue drops the span, never slows the
//! call; the first drop is logged once and the total at shutdown.

use std::{fmt, path::PathBuf, str::FromStr as _, sync::Arc, time::Duration};

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request, Response};
use opentelemetry::{
    InstrumentationScope,
    trace::{SpanId, TraceId, TracerProvider as _},
};
use opentelemetry_http::{HttpClient, HttpError, hyper::HyperClient};
use opentelemetry_otlp::{
    Protocol, SpanExporter, WithExportConfig as _, WithHttpConfig as _, WithTonicConfig as _,
    tonic_types::transport::{Certificate, ClientTlsConfig},
};
use opentelemetry_sdk::{
    Resource,
    trace::{IdGenerator, SdkTracer, SdkTracerProvider},
};

use super::trace_context::Sampler;

/// How long [`flush`] waits for the last spans to reach the collector.
pub const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one export may take (`OTEL_EXPORTER_OTLP_TIMEOUT` default, milliseconds).
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// The OTLP transport (`OTEL_EXPORTER_OTLP_PROTOCOL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `grpc` (the default): OTLP/gRPC, usually port 4317.
    Grpc,
    /// `http/protobuf`: OTLP/HTTP with protobuf bodies, usually port 4318.
    HttpProtobuf,
}

/// A trace-export setting that cannot be used; the process exits with `code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportError {
    /// The exit code (64 for a bad value, 74 for an unreadable file).
    pub code: sysexits::ExitCode,
    /// What is wrong, naming the variable.
    pub message: String,
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExportError {}

fn usage(message: String) -> ExportError {
    ExportError {
        code: sysexits::ExitCode::Usage,
        message,
    }
}

/// Where and how spans are exported, read from the standard OpenTelemetry variables.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceExport {
    /// The endpoint (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT`).
    pub endpoint: String,
    /// The transport.
    pub transport: Transport,
    /// `service.name` of the resource.
    pub service_name: String,
    /// A PEM file of the CA certificates that sign the collector's certificate
    /// (`OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE` or `OTEL_EXPORTER_OTLP_CERTIFICATE`); none: the
    /// system's roots.
    pub certificate: Option<PathBuf>,
    /// How long one export may take.
    pub timeout: Duration,
    /// Which new traces are recorded.
    pub sampler: Sampler,
}

/// A variable's value; an empty one counts as unset, as the specification asks.
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The signal-specific variable, else the general one: `(name, value)`.
fn either(traces: &'static str, general: &'static str) -> Option<(&'static str, String)> {
    var(traces)
        .map(|v| (traces, v))
        .or_else(|| var(general).map(|v| (general, v)))
}

impl TraceExport {
    /// From the standard variables: none when no endpoint is set (no export). A protocol other
    /// than `grpc` or `http/protobuf`, a malformed header list or a timeout that is not a
    /// number of milliseconds is an error naming the variable.
    pub fn from_env(default_name: &str) -> Result<Option<Self>, ExportError> {
        let Some((_, endpoint)) = either(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_EXPORTER_OTLP_ENDPOINT",
        ) else {
            return Ok(None);
        };
        let transport = match either(
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ) {
            None => Transport::Grpc,
            Some((name, value)) => match value.trim() {
                "grpc" => Transport::Grpc,
                "http/protobuf" => Transport::HttpProtobuf,
                other => {
                    return Err(usage(format!(
                        "{name} {other:?} is not supported; give grpc or http/protobuf"
                    )));
                }
            },
        };
        // The exporter reads the headers itself, skipping what it cannot read: check them
        // here, as it reads them (the traces variable when set, else the general one).
        let headers = [
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
            "OTEL_EXPORTER_OTLP_HEADERS",
        ]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().map(|value| (name, value)));
        if let Some((name, value)) = headers {
            check_headers(&value).map_err(|e| usage(format!("{name}: {e}")))?;
        }
        let timeout = match either(
            "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
            "OTEL_EXPORTER_OTLP_TIMEOUT",
        ) {
            None => EXPORT_TIMEOUT,
            Some((name, value)) => value
                .trim()
                .parse::<u64>()
                .map(Duration::from_millis)
                .map_err(|_| {
                    usage(format!(
                        "{name} {value:?} is not a number of milliseconds; give e.g. 10000"
                    ))
                })?,
        };
        Ok(Some(Self {
            endpoint,
            transport,
            service_name: var("OTEL_SERVICE_NAME").unwrap_or_else(|| default_name.to_owned()),
            certificate: either(
                "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
                "OTEL_EXPORTER_OTLP_CERTIFICATE",
            )
            .map(|(_, path)| PathBuf::from(path)),
            timeout,
            sampler: Sampler::from_env(
                std::env::var("OTEL_TRACES_SAMPLER").ok().as_deref(),
                std::env::var("OTEL_TRACES_SAMPLER_ARG").ok().as_deref(),
            ),
        }))
    }

    /// Whether the endpoint is dialled over TLS.
    fn tls(&self) -> bool {
        self.endpoint
            .trim()
            .get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
    }

    /// The CA certificates in [`Self::certificate`], when it is set.
    fn ca_pem(&self) -> Result<Option<Vec<u8>>, ExportError> {
        let Some(path) = &self.certificate else {
            return Ok(None);
        };
        let pem = std::fs::read(path).map_err(|e| ExportError {
            code: sysexits::ExitCode::IoErr,
            message: format!(
                "OTEL_EXPORTER_OTLP_CERTIFICATE: cannot read {}: {e}",
                path.display()
            ),
        })?;
        roots(&pem)?;
        Ok(Some(pem))
    }

    /// Builds the exporter and the tracer provider; must run inside the tokio runtime that
    /// will carry the exports. The endpoint is dialled at the first export, not here.
    pub fn start(&self) -> Result<SdkTracerProvider, ExportError> {
        let ca = if self.tls() { self.ca_pem()? } else { None };
        // Checked here, so a collector no certificate could be trusted from stops the start.
        let roots = if self.tls() {
            trusted(ca.as_deref())?
        } else {
            rustls::RootCertStore::empty()
        };
        let invalid = |e: opentelemetry_otlp::ExporterBuildError| {
            usage(format!(
                "cannot export traces to {:?}: {e}",
                self.endpoint.trim()
            ))
        };
        let exporter = match self.transport {
            Transport::Grpc => {
                let mut builder = SpanExporter::builder()
                    .with_tonic()
                    .with_endpoint(self.endpoint.trim())
                    .with_timeout(self.timeout);
                if self.tls() {
                    let tls = match &ca {
                        Some(pem) => {
                            ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem))
                        }
                        None => ClientTlsConfig::new().with_native_roots(),
                    };
                    builder = builder.with_tls_config(tls);
                }
                builder.build().map_err(invalid)?
            }
            Transport::HttpProtobuf => SpanExporter::builder()
                .with_http()
                .with_protocol(Protocol::HttpBinary)
                .with_timeout(self.timeout)
                .with_http_client(OnRuntime::new(roots, self.timeout)?)
                .build()
                .map_err(invalid)?,
        };
        let resource = Resource::builder()
            .with_service_name(self.service_name.clone())
            .build();
        Ok(SdkTracerProvider::builder()
            .with_resource(resource)
            .with_id_generator(FastIds)
            .with_sampler(self.sampler.to_sdk())
            .with_batch_exporter(exporter)
            .build())
    }
}

/// Trace and span ids from `fastrand`, never zero. The SDK's own generator seeds from the OS
/// random source and panics without one (a `FROM scratch` image run without `/dev`), which
/// would take a serving thread down with the first span. Ids need to be unique, not secret.
#[derive(Debug)]
struct FastIds;

impl IdGenerator for FastIds {
    fn new_trace_id(&self) -> TraceId {
        TraceId::from(nonzero(|| fastrand::u128(..)))
    }

    fn new_span_id(&self) -> SpanId {
        SpanId::from(nonzero(|| fastrand::u64(..)))
    }
}

/// The first non-zero value `draw` gives.
fn nonzero<T: Default + PartialEq>(draw: impl Fn() -> T) -> T {
    loop {
        let value = draw();
        if value != T::default() {
            return value;
        }
    }
}

/// The tracer server spans are recorded with.
pub fn tracer(provider: &SdkTracerProvider) -> SdkTracer {
    provider.tracer_with_scope(
        InstrumentationScope::builder("llmarket-server")
            .with_version(env!("CARGO_PKG_VERSION"))
            .build(),
    )
}

/// Shuts `provider` down, exporting the spans still queued; gives up after [`FLUSH_TIMEOUT`]
/// (a collector that does not answer loses them, the exit is not held).
pub async fn flush(provider: SdkTracerProvider) {
    // The processor's thread exports through tasks of this runtime: wait off its workers.
    let shutdown =
        tokio::task::spawn_blocking(move || provider.shutdown_with_timeout(FLUSH_TIMEOUT));
    match tokio::time::timeout(FLUSH_TIMEOUT + Duration::from_secs(1), shutdown).await {
        Ok(Ok(Ok(()))) => tracing::debug!("spans flushed"),
        Ok(Ok(Err(e))) => tracing::warn!("cannot flush spans to the OTLP collector: {e}"),
        Ok(Err(e)) => tracing::warn!("cannot flush spans to the OTLP collector: {e}"),
        Err(_) => tracing::warn!(
            timeout = ?FLUSH_TIMEOUT,
            "the OTLP collector did not take the last spans in time: they are lost"
        ),
    }
}

/// Checks an `OTEL_EXPORTER_OTLP_HEADERS` list (`key=value,key2=value2`, values
/// percent-encoded) as the exporter reads it: every entry a valid header name and value.
pub fn check_headers(list: &str) -> Result<(), String> {
    for entry in list.split_terminator(',').map(str::trim) {
        if entry.is_empty() {
            continue;
        }
        let Some((key, value)) = entry.split_once('=') else {
            return Err(format!(
                "entry {entry:?} is not key=value; give e.g. api-key=secret,team=llm"
            ));
        };
        let key = key.trim();
        if HeaderName::from_str(key).is_err() {
            return Err(format!("{key:?} is not a valid header name"));
        }
        let value = value.trim();
        let decoded = percent_encoding::percent_decode_str(value)
            .decode_utf8()
            .map_err(|_| format!("the value of {key} is not percent-encoded UTF-8"))?;
        if decoded.is_empty() {
            return Err(format!("{key} has no value"));
        }
        if HeaderValue::from_str(&decoded).is_err() {
            return Err(format!(
                "the value of {key} has characters a header cannot carry; percent-encode them"
            ));
        }
    }
    Ok(())
}

/// The CA certificates in `pem`: at least one, each one valid.
fn roots(pem: &[u8]) -> Result<rustls::RootCertStore, ExportError> {
    use rustls_pki_types::{CertificateDer, pem::PemObject as _};
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert =
            cert.map_err(|e| usage(format!("OTEL_EXPORTER_OTLP_CERTIFICATE is not PEM: {e}")))?;
        roots.add(cert).map_err(|e| {
            usage(format!(
                "OTEL_EXPORTER_OTLP_CERTIFICATE holds a bad certificate: {e}"
            ))
        })?;
    }
    if roots.is_empty() {
        return Err(usage(
            "OTEL_EXPORTER_OTLP_CERTIFICATE holds no certificate; give a PEM file of the collector's CA".to_owned(),
        ));
    }
    Ok(roots)
}

/// The roots an `https://` collector's certificate is checked against: the CA certificates in
/// `ca_pem` when given, else the system's (none found is an error: nothing could be trusted).
fn trusted(ca_pem: Option<&[u8]>) -> Result<rustls::RootCertStore, ExportError> {
    if let Some(pem) = ca_pem {
        return roots(pem);
    }
    let mut roots = rustls::RootCertStore::empty();
    let (added, _) =
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if added == 0 {
        return Err(usage(
            "the OTLP endpoint is https:// but this system has no CA certificates; give the collector's CA in OTEL_EXPORTER_OTLP_CERTIFICATE".to_owned(),
        ));
    }
    Ok(roots)
}

/// The http/protobuf exporter's client: hyper with rustls (ring), driven on the tokio runtime
/// it was made on. The SDK's batch processor exports from its own thread, where a hyper
/// client alone has no runtime; each request is spawned onto the runtime instead.
#[derive(Debug, Clone)]
struct OnRuntime {
    runtime: tokio::runtime::Handle,
    client: HyperClient<
        hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    >,
}

impl OnRuntime {
    /// Checks an `https://` collector's certificate against `roots`.
    fn new(roots: rustls::RootCertStore, timeout: Duration) -> Result<Self, ExportError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| usage(format!("TLS for the OTLP collector: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(config)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        Ok(Self {
            runtime: tokio::runtime::Handle::current(),
            client: HyperClient::new(connector, timeout, None),
        })
    }
}

#[async_trait::async_trait]
impl HttpClient for OnRuntime {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let client = self.client.clone();
        self.runtime
            .spawn(async move { client.send_bytes(request).await })
            .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_never_zero_and_differ() {
        let ids: std::collections::HashSet<_> = (0..1000).map(|_| FastIds.new_trace_id()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(!ids.contains(&TraceId::INVALID));
        assert_ne!(FastIds.new_span_id(), SpanId::INVALID);
    }

    #[test]
    fn a_header_list_is_key_value_pairs_with_percent_encoded_values() {
        for good in [
            "",
            "api-key=secret",
            "api-key=secret, team=llm%20market",
            "Authorization=Basic%20dXNlcjpwYXNz,",
            "a=1,,b=2",
        ] {
            assert_eq!(check_headers(good), Ok(()), "{good:?}");
        }
        for (bad, says) in [
            ("api-key", "not key=value"),
            ("=secret", "not a valid header name"),
            ("bad header=1", "not a valid header name"),
            ("api-key=", "has no value"),
            ("api-key=%ff", "not percent-encoded UTF-8"),
            ("api-key=line%0Abreak", "characters a header cannot carry"),
        ] {
            let error = check_headers(bad).expect_err(bad);
            assert!(error.contains(says), "{bad:?}: {error}");
        }
    }

    #[test]
    fn a_certificate_file_must_hold_a_certificate() {
        assert!(roots(b"not pem").is_err());
        let error = roots(b"").expect_err("empty");
        assert_eq!(error.code, sysexits::ExitCode::Usage);
        assert!(error.message.contains("no certificate"), "{error}");
    }
}
