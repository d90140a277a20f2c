//! End-to-end tests of what operators see: the real server binary exports its server spans
//! to a real OTLP receiver over TLS with the headers it is given — the generated
//! `TraceService` for grpc, an HTTP receiver decoding `ExportTraceServiceRequest` for
//! http/protobuf — one composed report being one trace across both services; spans still
//! queued at SIGTERM are flushed before the exit; bad trace settings stop the start (64); a
//! collector that never answers neither slows calls nor holds the exit. Also the admin
//! listener's `/metrics`, `/readyz` and `/livez` over real HTTP/1, and the metrics of real calls.
#![cfg(unix)]

use std::{
    convert::Infallible,
    process::Command,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use llmarket_client::{
    Client, ClientConfig,
    connect::{Trace, in_trace},
    reports::{Language, YearSpan},
};
use llmarket_proto::forecast::{
    GetDatasetRequest, ListDatasetsRequest, forecast_service_client::ForecastServiceClient,
};
use llmarket_server::app::ServeOptions;
use llmarket_server::observe::{AccessLog, AccessPolicy, Metrics, Observer, admin};
use llmarket_tests::{
    TestServer, builtin_catalog,
    pki::Pki,
    process::{ServerProcess, server_bin},
};
use opentelemetry_proto::tonic::{
    collector::trace::v1::{
        ExportTraceServiceRequest, ExportTraceServiceResponse,
        trace_service_server::{TraceService, TraceServiceServer},
    },
    common::v1::{AnyValue, any_value::Value},
    trace::v1::{Span, span::SpanKind, status::StatusCode},
};
use prost::Message as _;
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::{TcpListener, TcpStream},
    sync::watch,
};

const DATASET: &str = "datasets/cic-global-llm-2026";
const FORECAST: &str = "llmarket.forecast.v1.ForecastService";
/// The header the receivers look for, set through `OTEL_EXPORTER_OTLP_*HEADERS`.
const KEY_HEADER: &str = "x-collector-key";

// ---- OTLP receivers ----

/// What a receiver got: every span with its resource's `service.name`, and the
/// [`KEY_HEADER`] of every export.
#[derive(Clone, Default)]
struct Received {
    spans: Arc<watch::Sender<Vec<(String, Span)>>>,
    keys: Arc<Mutex<Vec<Option<String>>>>,
}

impl Received {
    fn take(&self, request: ExportTraceServiceRequest, key: Option<String>) {
        self.keys.lock().unwrap().push(key);
        for resource in request.resource_spans {
            let service_name = resource
                .resource
                .iter()
                .flat_map(|r| &r.attributes)
                .find(|kv| kv.key == "service.name")
                .and_then(|kv| string_value(kv.value.as_ref()))
                .unwrap_or_default();
            for scope in resource.scope_spans {
                self.spans.send_modify(|all| {
                    all.extend(scope.spans.into_iter().map(|s| (service_name.clone(), s)));
                });
            }
        }
    }

    /// The spans once there are at least `n`, waiting up to 20 s.
    async fn wait_for(&self, n: usize) -> Vec<(String, Span)> {
        let mut spans = self.spans.subscribe();
        tokio::time::timeout(Duration::from_secs(20), spans.wait_for(|s| s.len() >= n))
            .await
            .unwrap_or_else(|_| panic!("{n} spans within 20 s"))
            .expect("receiver alive")
            .clone()
    }

    fn keys(&self) -> Vec<Option<String>> {
        self.keys.lock().unwrap().clone()
    }
}

#[tonic::async_trait]
impl TraceService for Received {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let key = request
            .metadata()
            .get(KEY_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        self.take(request.into_inner(), key);
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

/// Starts the generated OTLP `TraceService` over TLS (the PKI's server certificate) on a
/// loopback port; its `https://` endpoint.
async fn grpc_receiver(pki: &Pki) -> (Received, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let received = Received::default();
    let service = TraceServiceServer::new(received.clone());
    let tls = tonic::transport::ServerTlsConfig::new().identity(pki.server.identity());
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .tls_config(tls)
            .expect("receiver TLS")
            .add_service(service)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
    });
    (received, format!("https://{addr}"))
}

/// Starts an OTLP/HTTP receiver over TLS (HTTP/1.1 or HTTP/2 by ALPN) on a loopback port,
/// taking protobuf `ExportTraceServiceRequest`s at `/v1/traces`; its `https://` base URL.
async fn http_receiver(pki: &Pki) -> (Received, String) {
    use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject as _};
    let certs = CertificateDer::pem_slice_iter(pki.server.cert.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .expect("server certificate");
    let key = PrivateKeyDer::from_pem_slice(pki.server.key.as_bytes()).expect("server key");
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server certificate and key");
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let received = Received::default();
    let receiver = received.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, received) = (acceptor.clone(), receiver.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper::service::service_fn(move |request| {
                    export_http(received.clone(), request)
                });
                let _ = hyper_util::server::conn::auto::Builder::new(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                .await;
            });
        }
    });
    (received, format!("https://{addr}"))
}

/// One OTLP/HTTP export: `POST /v1/traces` with a protobuf body.
async fn export_http(
    received: Received,
    request: http::Request<hyper::body::Incoming>,
) -> Result<http::Response<Full<Bytes>>, Infallible> {
    let status = |code: u16| {
        http::Response::builder()
            .status(code)
            .body(Full::default())
            .unwrap()
    };
    if request.method() != http::Method::POST || request.uri().path() != "/v1/traces" {
        return Ok(status(404));
    }
    if request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .is_none_or(|v| v != "application/x-protobuf")
    {
        return Ok(status(415));
    }
    let key = request
        .headers()
        .get(KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Ok(body) = request.into_body().collect().await else {
        return Ok(status(400));
    };
    let Ok(export) = ExportTraceServiceRequest::decode(body.to_bytes()) else {
        return Ok(status(400));
    };
    received.take(export, key);
    Ok(http::Response::builder()
        .header(http::header::CONTENT_TYPE, "application/x-protobuf")
        .body(Full::from(
            ExportTraceServiceResponse::default().encode_to_vec(),
        ))
        .unwrap())
}

fn string_value(value: Option<&AnyValue>) -> Option<String> {
    match value?.value.as_ref()? {
        Value::StringValue(s) => Some(s.clone()),
        _ => None,
    }
}

fn attribute(span: &Span, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.clone()?.value)
}

// ---- the server process ----

/// Runs `llmarket-server ARGS` with exactly the `OTEL_*` variables in `env`.
fn traced_server(args: &[&str], env: &[(&str, &str)]) -> ServerProcess {
    let mut command = Command::new(server_bin());
    command.args(args);
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("OTEL_")) {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    ServerProcess::spawn(command, 1)
}

async fn channel(addr: std::net::SocketAddr) -> tonic::transport::Channel {
    tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .expect("a valid address")
        .connect()
        .await
        .expect("connect")
}

/// Stops `server` with SIGTERM and checks it exits 0 within `within`.
fn stop(mut server: ServerProcess, within: Duration) {
    let started = Instant::now();
    server.signal("TERM");
    let status = server.wait();
    let took = started.elapsed();
    assert!(status.success(), "{status:?}: {:#?}", server.rest_of_log());
    assert!(
        took < within,
        "the exit took {took:?}: {:#?}",
        server.rest_of_log()
    );
}

// The receivers run on the test's runtime while it waits for the process to exit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_is_one_trace_across_both_processes_at_a_grpc_receiver_over_tls() {
    let pki = Pki::new("otlp-grpc");
    let (received, endpoint) = grpc_receiver(&pki).await;
    let ca = pki.path("ca.pem");
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
        (
            "OTEL_EXPORTER_OTLP_CERTIFICATE",
            ca.to_str().expect("utf-8 path"),
        ),
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            "x-collector-key=open%20sesame, x-team=llm",
        ),
        ("OTEL_BSP_SCHEDULE_DELAY", "50"),
    ];
    let forecast = traced_server(
        &["forecast", "--listen", "127.0.0.1:0", "--access-log", "all"],
        &env,
    );
    let taxonomy = traced_server(&["taxonomy", "--listen", "127.0.0.1:0"], &env);
    let forecast_channel = channel(forecast.addr("Forecast")).await;
    let client = Client::from_channels(
        forecast_channel.clone(),
        channel(taxonomy.addr("Taxonomy")).await,
        ClientConfig::default(),
    );
    let report = Trace::new();
    in_trace(
        report,
        client.market_overview("datasets/cic-global-llm", YearSpan::all(), Language::En),
    )
    .await
    .expect("market overview");

    // The overview makes 6 forecast calls and 4 taxonomy calls, all at once.
    let spans = received.wait_for(10).await;
    assert_eq!(spans.len(), 10, "{spans:#?}");
    // The client reads contract v2.
    let mut by_service = [
        (
            "llmarket.forecast.v2.ForecastService",
            "llmarket-forecast",
            0,
        ),
        (
            "llmarket.taxonomy.v2.TaxonomyService",
            "llmarket-taxonomy",
            0,
        ),
    ];
    let mut span_ids = std::collections::HashSet::new();
    for (resource, span) in &spans {
        // The tree: every server span is a child of the report's span, in the report's trace.
        assert_eq!(span.trace_id, report.trace_id.to_be_bytes(), "{span:?}");
        assert_eq!(
            span.parent_span_id,
            report.span_id.to_be_bytes(),
            "{span:?}"
        );
        assert_ne!(span.span_id, report.span_id.to_be_bytes());
        assert!(span_ids.insert(span.span_id.clone()), "span ids are unique");
        assert_eq!(span.kind, SpanKind::Server as i32);
        assert!(span.end_time_unix_nano >= span.start_time_unix_nano);
        // The OpenTelemetry RPC conventions.
        let Some(Value::StringValue(service)) = attribute(span, "rpc.service") else {
            panic!("no rpc.service in {span:?}");
        };
        let Some(Value::StringValue(method)) = attribute(span, "rpc.method") else {
            panic!("no rpc.method in {span:?}");
        };
        assert_eq!(span.name, format!("{service}/{method}"));
        assert_eq!(
            attribute(span, "rpc.system"),
            Some(Value::StringValue("grpc".to_owned()))
        );
        assert_eq!(
            attribute(span, "rpc.grpc.status_code"),
            Some(Value::IntValue(0))
        );
        assert_eq!(
            attribute(span, "client.address"),
            Some(Value::StringValue("127.0.0.1".to_owned()))
        );
        assert!(
            span.status
                .as_ref()
                .is_none_or(|s| s.code == StatusCode::Unset as i32),
            "OK calls are not errors: {span:?}"
        );
        let entry = by_service
            .iter_mut()
            .find(|(name, _, _)| *name == service)
            .unwrap_or_else(|| panic!("span of an unexpected service {service}"));
        assert_eq!(resource, entry.1);
        entry.2 += 1;
    }
    assert_eq!(by_service[0].2, 6, "forecast calls");
    assert_eq!(by_service[1].2, 4, "taxonomy calls");

    // A call without traceparent starts its own trace; a method the server does not have is a
    // server error (UNIMPLEMENTED).
    ForecastServiceClient::new(forecast_channel.clone())
        .list_datasets(ListDatasetsRequest::default())
        .await
        .expect("list datasets");
    let mut grpc = tonic::client::Grpc::new(forecast_channel);
    grpc.ready().await.expect("ready");
    let missing = grpc
        .unary::<(), (), _>(
            tonic::Request::new(()),
            http::uri::PathAndQuery::from_static(
                "/llmarket.forecast.v1.ForecastService/NoSuchMethod",
            ),
            tonic_prost::ProstCodec::default(),
        )
        .await
        .expect_err("no such method");
    assert_eq!(missing.code(), tonic::Code::Unimplemented);
    let spans = received.wait_for(11).await;
    let named = |name: String| {
        spans
            .iter()
            .map(|(_, span)| span)
            .find(|span| span.name == name)
            .unwrap_or_else(|| panic!("no span {name} in {spans:#?}"))
    };
    let root = named(format!("{FORECAST}/ListDatasets"));
    assert!(root.parent_span_id.is_empty(), "a root span: {root:?}");
    assert_ne!(root.trace_id, report.trace_id.to_be_bytes());
    assert_eq!(root.trace_id.len(), 16);
    let failed = named(format!("{FORECAST}/NoSuchMethod"));
    let status = failed.status.as_ref().expect("an error status");
    assert_eq!(status.code, StatusCode::Error as i32, "{failed:?}");
    assert_eq!(status.message, "Unimplemented");
    assert_eq!(
        attribute(failed, "rpc.grpc.status_code"),
        Some(Value::IntValue(12))
    );
    // The access lines name the exported traces.
    let hex = |id: &[u8]| id.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let line = forecast.line_containing(&hex(&root.trace_id));
    assert!(line.contains("ListDatasets"), "{line}");

    // Every export carried the header, percent-decoded.
    let keys = received.keys();
    assert!(!keys.is_empty());
    assert!(
        keys.iter().all(|k| k.as_deref() == Some("open sesame")),
        "{keys:?}"
    );
    stop(forecast, Duration::from_secs(20));
    stop(taxonomy, Duration::from_secs(20));
    std::fs::remove_dir_all(&pki.dir).expect("clean up");
}

// The receivers run on the test's runtime while it waits for the process to exit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_queued_at_sigterm_reach_an_http_protobuf_receiver_over_tls() {
    let pki = Pki::new("otlp-http");
    let (received, base) = http_receiver(&pki).await;
    let endpoint = format!("{base}/v1/traces");
    let ca = pki.path("ca.pem");
    let env = [
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint.as_str()),
        (
            "OTEL_EXPORTER_OTLP_CERTIFICATE",
            ca.to_str().expect("utf-8 path"),
        ),
        (
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
            "x-collector-key=flushed",
        ),
        // Nothing leaves on schedule: only the flush at SIGTERM sends the spans.
        ("OTEL_BSP_SCHEDULE_DELAY", "600000"),
        ("OTEL_SERVICE_NAME", "forecast-canary"),
    ];
    let server = traced_server(&["forecast", "--listen", "127.0.0.1:0"], &env);
    let mut client = ForecastServiceClient::new(channel(server.addr("Forecast")).await);
    for _ in 0..3 {
        client
            .get_dataset(GetDatasetRequest {
                name: DATASET.to_owned(),
            })
            .await
            .expect("get dataset");
    }
    assert!(
        received.spans.borrow().is_empty(),
        "spans wait for the schedule delay"
    );
    stop(server, Duration::from_secs(20));
    // The process exited after the flush: the spans are here already.
    let spans = received.spans.borrow().clone();
    assert_eq!(spans.len(), 3, "{spans:#?}");
    for (resource, span) in &spans {
        assert_eq!(resource, "forecast-canary");
        assert_eq!(span.name, format!("{FORECAST}/GetDataset"));
        assert_eq!(span.kind, SpanKind::Server as i32);
    }
    assert_eq!(received.keys(), vec![Some("flushed".to_owned())]);
    std::fs::remove_dir_all(&pki.dir).expect("clean up");
}

/// Variables added to a valid export setting, the exit code they cause, and what the error says.
type Refused = (&'static [(&'static str, &'static str)], i32, &'static str);

#[test]
fn bad_trace_settings_stop_the_start_with_a_usage_error() {
    const HTTPS: (&str, &str) = ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://127.0.0.1:4317");
    let cases: [Refused; 8] = [
        (
            &[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")],
            64,
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ),
        (
            &[("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpcs")],
            64,
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        ),
        (
            &[("OTEL_EXPORTER_OTLP_HEADERS", "x-collector-key")],
            64,
            "OTEL_EXPORTER_OTLP_HEADERS",
        ),
        (
            &[("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "a=1,bad header=2")],
            64,
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
        ),
        (
            &[("OTEL_EXPORTER_OTLP_TIMEOUT", "10s")],
            64,
            "OTEL_EXPORTER_OTLP_TIMEOUT",
        ),
        // An https:// collector with nothing to trust its certificate from.
        (
            &[HTTPS, ("SSL_CERT_FILE", "/dev/null")],
            64,
            "OTEL_EXPORTER_OTLP_CERTIFICATE",
        ),
        (
            &[HTTPS, ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/dev/null")],
            64,
            "no certificate",
        ),
        (
            &[
                HTTPS,
                ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem"),
            ],
            74,
            "cannot read",
        ),
    ];
    for (env, code, says) in cases {
        let mut command = Command::new(server_bin());
        for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("OTEL_")) {
            command.env_remove(name);
        }
        let output = command
            .args(["forecast", "--listen", "127.0.0.1:0"])
            .env_remove("LLMARKET_DATA")
            .env_remove("SSL_CERT_DIR")
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317")
            .envs(env.iter().copied())
            .output()
            .expect("run llmarket-server");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{env:?}: {stderr}");
        assert!(
            stderr.contains(says) && !stderr.contains("listening"),
            "{env:?}: {stderr}"
        );
    }
}

// The receivers run on the test's runtime while it waits for the process to exit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_that_never_answers_neither_slows_calls_nor_holds_the_exit() {
    // Connections are queued by the kernel and never accepted: every export hangs.
    let hole = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", hole.local_addr().expect("address"));
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
        ("OTEL_BSP_SCHEDULE_DELAY", "10"),
    ];
    let server = traced_server(&["forecast", "--listen", "127.0.0.1:0"], &env);
    let mut client = ForecastServiceClient::new(channel(server.addr("Forecast")).await);
    let started = Instant::now();
    for _ in 0..50 {
        client
            .list_datasets(ListDatasetsRequest::default())
            .await
            .expect("list datasets");
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "50 calls took {:?}",
        started.elapsed()
    );
    // The flush gives up after 5 s; the drain itself is quick.
    stop(server, Duration::from_secs(15));
    drop(hole);
}

// ---- the admin listener ----

/// `GET path` over HTTP/1.0; the status code and body.
async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: test\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn the_admin_listener_serves_metrics_of_real_calls_and_readiness() {
    let metrics = Arc::new(Metrics::new());
    let readiness = llmarket_serving::Readiness::default();
    readiness.set(FORECAST, false);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let admin_addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(admin::serve(
        listener,
        Some(metrics.clone()),
        readiness.clone(),
        admin::AdminLimits::default(),
        async move {
            let _ = stopped.await;
        },
    ));
    assert_eq!(get(admin_addr, "/readyz").await.0, 503, "not serving yet");

    let options = ServeOptions {
        observer: Observer::new(
            Some(metrics.clone()),
            AccessPolicy::at(AccessLog::All),
            false,
        ),
        readiness: readiness.clone(),
        ..ServeOptions::default()
    };
    let server = TestServer::start_with_options(
        llmarket_server::app::routes::forecast(builtin_catalog()),
        options,
    )
    .await;
    let mut client = llmarket_proto::forecast::forecast_service_client::ForecastServiceClient::new(
        server.channel().await,
    );
    for _ in 0..7 {
        client
            .get_series(llmarket_proto::forecast::GetSeriesRequest {
                name: format!("{DATASET}/series/market-size"),
            })
            .await
            .expect("get series");
    }
    let missing = client
        .get_series(llmarket_proto::forecast::GetSeriesRequest {
            name: format!("{DATASET}/series/nope"),
        })
        .await
        .expect_err("no such series");
    assert_eq!(missing.code(), tonic::Code::NotFound);

    let (status, body) = get(admin_addr, "/readyz").await;
    assert_eq!(
        (status, body.as_str()),
        (200, format!("{FORECAST} SERVING\n").as_str())
    );
    assert_eq!(get(admin_addr, "/livez").await.0, 200);
    let (status, text) = get(admin_addr, "/metrics").await;
    assert_eq!(status, 200);
    let series = |code: &str| {
        format!(
            "grpc_server_handled_total{{grpc_type=\"unary\",grpc_service=\"{FORECAST}\",grpc_method=\"GetSeries\",grpc_code=\"{code}\"}}"
        )
    };
    assert!(text.contains(&format!("{} 7\n", series("OK"))), "{text}");
    assert!(
        text.contains(&format!("{} 1\n", series("NotFound"))),
        "{text}"
    );
    assert!(text.contains(&format!(
        "grpc_server_started_total{{grpc_type=\"unary\",grpc_service=\"{FORECAST}\",grpc_method=\"GetSeries\"}} 8\n"
    )), "{text}");
    assert!(text.contains(&format!(
        "grpc_server_msg_sent_total{{grpc_type=\"unary\",grpc_service=\"{FORECAST}\",grpc_method=\"GetSeries\"}} 7\n"
    )), "{text}");
    assert!(
        text.contains(&format!(
            "llmarket_open_connections{{grpc_service=\"{FORECAST}\"}} 1\n"
        )),
        "{text}"
    );
    assert!(text.contains("llmarket_calls_in_flight 0\n"), "{text}");
    assert!(
        text.contains("grpc_server_handling_seconds_bucket{"),
        "{text}"
    );

    server.shutdown().await.expect("clean shutdown");
    assert_eq!(get(admin_addr, "/readyz").await.0, 503, "draining");
    let _ = stop.send(());
}
