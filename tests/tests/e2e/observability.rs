//! End-to-end tests of what operators see: one composed report is one trace across both
//! services (checked in a real OTLP receiver, an in-test gRPC collector), the admin listener's
//! `/metrics`, `/readyz` and `/livez` over real HTTP/1, and the metrics of real calls.

use std::{
    convert::Infallible,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use llmarket_client::{
    Client, ClientConfig,
    connect::{Trace, in_trace},
    reports::{Language, YearSpan},
};
use llmarket_server::app::ServeOptions;
use llmarket_server::observe::{
    AccessLog, AccessPolicy, Metrics, Observer, Sampler, admin,
    otlp::{Exporter, OtlpConfig, pb},
};
use llmarket_tests::{TestServer, builtin_catalog, builtin_vocabulary};
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::{TcpListener, TcpStream},
    sync::watch,
};
use tonic::server::NamedService;

const DATASET: &str = "datasets/cic-global-llm-2026";
const FORECAST: &str = "llmarket.forecast.v1.ForecastService";
const TAXONOMY: &str = "llmarket.taxonomy.v1.TaxonomyService";

// ---- an OTLP receiver ----

/// A trace collector: the OTLP `TraceService.Export` method, keeping every span it receives.
#[derive(Clone, Default)]
struct Collector {
    spans: Arc<watch::Sender<Vec<(String, pb::Span)>>>,
}

struct Export(Collector);

impl tonic::server::UnaryService<pb::ExportTraceServiceRequest> for Export {
    type Response = pb::ExportTraceServiceResponse;
    type Future = std::future::Ready<Result<tonic::Response<Self::Response>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<pb::ExportTraceServiceRequest>) -> Self::Future {
        for resource in request.into_inner().resource_spans {
            let service_name = resource
                .resource
                .iter()
                .flat_map(|r| &r.attributes)
                .find(|kv| kv.key == "service.name")
                .and_then(|kv| string_value(kv.value.as_ref()))
                .unwrap_or_default();
            for scope in resource.scope_spans {
                self.0.spans.send_modify(|all| {
                    all.extend(scope.spans.into_iter().map(|s| (service_name.clone(), s)));
                });
            }
        }
        std::future::ready(Ok(tonic::Response::new(pb::ExportTraceServiceResponse {})))
    }
}

impl tower::Service<http::Request<tonic::body::Body>> for Collector {
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let export = Export(self.clone());
        Box::pin(async move {
            let codec = tonic_prost::ProstCodec::<
                pb::ExportTraceServiceResponse,
                pb::ExportTraceServiceRequest,
            >::default();
            Ok(tonic::server::Grpc::new(codec).unary(export, request).await)
        })
    }
}

impl NamedService for Collector {
    const NAME: &'static str = "opentelemetry.proto.collector.trace.v1.TraceService";
}

fn string_value(value: Option<&pb::AnyValue>) -> Option<String> {
    match value?.value.as_ref()? {
        pb::any_value::Value::StringValue(s) => Some(s.clone()),
        pb::any_value::Value::BoolValue(_)
        | pb::any_value::Value::IntValue(_)
        | pb::any_value::Value::DoubleValue(_) => None,
    }
}

fn attribute(span: &pb::Span, key: &str) -> Option<pb::any_value::Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.clone()?.value)
}

/// Starts a collector on a loopback port; returns it and its `http://` endpoint.
async fn start_collector() -> (Collector, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let collector = Collector::default();
    let service = collector.clone();
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
    });
    (collector, format!("http://{addr}"))
}

fn traced_options(endpoint: &str, name: &str) -> ServeOptions {
    let exporter = Exporter::start(OtlpConfig {
        endpoint: endpoint.to_owned(),
        service_name: name.to_owned(),
        schedule_delay: Duration::from_millis(20),
    })
    .expect("exporter");
    ServeOptions {
        observer: Observer::new(
            None,
            AccessPolicy::default(),
            Some(exporter),
            Sampler::AlwaysOn,
        ),
        ..ServeOptions::default()
    }
}

#[tokio::test]
async fn one_market_overview_is_one_trace_across_both_services() {
    let (collector, endpoint) = start_collector().await;
    let forecast = TestServer::start_with_options(
        llmarket_server::app::routes::forecast(builtin_catalog()),
        traced_options(&endpoint, "llmarket-forecast"),
    )
    .await;
    let taxonomy = TestServer::start_with_options(
        llmarket_server::app::routes::taxonomy(builtin_vocabulary()),
        traced_options(&endpoint, "llmarket-taxonomy"),
    )
    .await;
    let client = Client::from_channels(
        forecast.channel().await,
        taxonomy.channel().await,
        ClientConfig::default(),
    );
    let report = Trace::new();
    in_trace(
        report,
        client.market_overview(DATASET, YearSpan::all(), Language::En),
    )
    .await
    .expect("market overview");

    // The overview makes 5 forecast calls and 4 taxonomy calls, all at once.
    let mut spans = collector.spans.subscribe();
    let spans = tokio::time::timeout(
        Duration::from_secs(10),
        spans.wait_for(|spans| spans.len() >= 9),
    )
    .await
    .expect("9 spans within 10 s")
    .expect("collector alive")
    .clone();
    assert_eq!(spans.len(), 9, "{spans:#?}");
    let mut by_service = [
        (FORECAST, "llmarket-forecast", 0),
        (TAXONOMY, "llmarket-taxonomy", 0),
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
        assert_eq!(span.kind, pb::SPAN_KIND_SERVER);
        assert!(span.end_time_unix_nano >= span.start_time_unix_nano);
        // The OpenTelemetry RPC conventions.
        let service = match attribute(span, "rpc.service") {
            Some(pb::any_value::Value::StringValue(s)) => s,
            other => panic!("rpc.service is {other:?}"),
        };
        let Some(pb::any_value::Value::StringValue(method)) = attribute(span, "rpc.method") else {
            panic!("no rpc.method in {span:?}");
        };
        assert_eq!(span.name, format!("{service}/{method}"));
        assert_eq!(
            attribute(span, "rpc.system"),
            Some(pb::any_value::Value::StringValue("grpc".to_owned()))
        );
        assert_eq!(
            attribute(span, "rpc.grpc.status_code"),
            Some(pb::any_value::Value::IntValue(0))
        );
        assert_eq!(span.status, None, "OK calls are not errors");
        let entry = by_service
            .iter_mut()
            .find(|(name, _, _)| *name == service)
            .unwrap_or_else(|| panic!("span of an unexpected service {service}"));
        assert_eq!(resource, entry.1);
        entry.2 += 1;
    }
    assert_eq!(by_service[0].2, 5, "forecast calls");
    assert_eq!(by_service[1].2, 4, "taxonomy calls");
}

#[tokio::test]
async fn a_call_without_traceparent_starts_its_own_trace() {
    let (collector, endpoint) = start_collector().await;
    let forecast = TestServer::start_with_options(
        llmarket_server::app::routes::forecast(builtin_catalog()),
        traced_options(&endpoint, "llmarket-forecast"),
    )
    .await;
    let mut client = llmarket_proto::forecast::forecast_service_client::ForecastServiceClient::new(
        forecast.channel().await,
    );
    client
        .list_datasets(llmarket_proto::forecast::ListDatasetsRequest::default())
        .await
        .expect("list datasets");
    let mut spans = collector.spans.subscribe();
    let spans = tokio::time::timeout(Duration::from_secs(10), spans.wait_for(|s| !s.is_empty()))
        .await
        .expect("a span within 10 s")
        .expect("collector alive")
        .clone();
    let (_, span) = &spans[0];
    assert!(span.parent_span_id.is_empty(), "a root span: {span:?}");
    assert_eq!(span.trace_id.len(), 16);
    assert_eq!(span.name, format!("{FORECAST}/ListDatasets"));
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
            None,
            Sampler::AlwaysOn,
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
