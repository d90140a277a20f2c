//! OTLP trace export over gRPC with our own tonic: finished server spans go into a bounded
//! queue (full: the span is dropped, never the call slowed), and one task sends them in
//! batches to the collector at `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`).

pub mod pb;

use std::{
    net::SocketAddr,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use tokio::sync::mpsc;
use tonic::{Code, transport::Endpoint};

use super::trace_context::TraceContext;

/// Spans waiting to be sent past which new ones are dropped.
const QUEUE: usize = 2048;
/// Most spans in one export.
const BATCH: usize = 512;
/// Default pause between exports (`OTEL_BSP_SCHEDULE_DELAY`, milliseconds).
pub const DEFAULT_SCHEDULE_DELAY: Duration = Duration::from_secs(5);
/// How long one export may take (`OTEL_EXPORTER_OTLP_TIMEOUT` default).
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and how spans are exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtlpConfig {
    /// The collector's gRPC endpoint, e.g. `http://127.0.0.1:4317`.
    pub endpoint: String,
    /// `service.name` of the resource.
    pub service_name: String,
    /// Pause between exports.
    pub schedule_delay: Duration,
}

impl OtlpConfig {
    /// From the standard variables: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` (none set: no export), `OTEL_SERVICE_NAME` (else
    /// `default_name`), `OTEL_BSP_SCHEDULE_DELAY` (milliseconds).
    pub fn from_env(default_name: &str) -> Option<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let endpoint = var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            .or_else(|| var("OTEL_EXPORTER_OTLP_ENDPOINT"))?;
        Some(Self {
            endpoint,
            service_name: var("OTEL_SERVICE_NAME").unwrap_or_else(|| default_name.to_owned()),
            schedule_delay: var("OTEL_BSP_SCHEDULE_DELAY")
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map_or(DEFAULT_SCHEDULE_DELAY, Duration::from_millis),
        })
    }
}

/// One finished server span.
#[derive(Debug, Clone)]
pub struct FinishedSpan {
    /// The span's own context.
    pub context: TraceContext,
    /// Its parent's span id (from `traceparent`), if any.
    pub parent_span_id: Option<u64>,
    /// `rpc.service`.
    pub service: String,
    /// `rpc.method`.
    pub method: String,
    /// How the call ended.
    pub code: Code,
    /// When it began.
    pub start: SystemTime,
    /// When it ended.
    pub end: SystemTime,
    /// The caller's address.
    pub peer: Option<SocketAddr>,
}

/// Whether OpenTelemetry's gRPC conventions count `code` as a server span error.
fn is_server_error(code: Code) -> bool {
    matches!(
        code,
        Code::Unknown
            | Code::DeadlineExceeded
            | Code::Unimplemented
            | Code::Internal
            | Code::Unavailable
            | Code::DataLoss
    )
}

fn unix_nanos(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

impl FinishedSpan {
    /// The span as OTLP writes it, with the OpenTelemetry RPC attributes.
    pub fn to_proto(&self) -> pb::Span {
        let mut attributes = vec![
            pb::KeyValue::string("rpc.system", "grpc"),
            pb::KeyValue::string("rpc.service", self.service.clone()),
            pb::KeyValue::string("rpc.method", self.method.clone()),
            pb::KeyValue::int("rpc.grpc.status_code", i64::from(i32::from(self.code))),
        ];
        if let Some(peer) = self.peer {
            attributes.push(pb::KeyValue::string(
                "client.address",
                peer.ip().to_string(),
            ));
            attributes.push(pb::KeyValue::int("client.port", i64::from(peer.port())));
        }
        pb::Span {
            trace_id: self.context.trace_id.to_be_bytes().to_vec(),
            span_id: self.context.span_id.to_be_bytes().to_vec(),
            parent_span_id: self
                .parent_span_id
                .map(|id| id.to_be_bytes().to_vec())
                .unwrap_or_default(),
            name: format!("{}/{}", self.service, self.method),
            kind: pb::SPAN_KIND_SERVER,
            start_time_unix_nano: unix_nanos(self.start),
            end_time_unix_nano: unix_nanos(self.end),
            attributes,
            status: is_server_error(self.code).then(|| pb::Status {
                message: format!("{:?}", self.code),
                code: pb::STATUS_CODE_ERROR,
            }),
            flags: u32::from(self.context.sampled),
        }
    }
}

/// Hands finished spans to the export task; cheap to clone.
#[derive(Debug, Clone)]
pub struct Exporter {
    queue: mpsc::Sender<FinishedSpan>,
}

impl Exporter {
    /// Starts the export task (on the current tokio runtime). An endpoint that is not a valid
    /// URI is an error naming it.
    pub fn start(config: OtlpConfig) -> Result<Self, String> {
        let endpoint = Endpoint::from_shared(config.endpoint.clone()).map_err(|e| {
            format!(
                "OTEL_EXPORTER_OTLP_ENDPOINT {:?} is not a valid URL ({e}); give e.g. http://127.0.0.1:4317",
                config.endpoint
            )
        })?;
        let (queue, spans) = mpsc::channel(QUEUE);
        tokio::spawn(export_loop(
            endpoint.timeout(EXPORT_TIMEOUT).connect_lazy(),
            config,
            spans,
        ));
        Ok(Self { queue })
    }

    /// Queues `span`; dropped when the queue is full.
    pub fn export(&self, span: FinishedSpan) {
        if self.queue.try_send(span).is_err() {
            tracing::debug!("span queue full: span dropped");
        }
    }
}

async fn export_loop(
    channel: tonic::transport::Channel,
    config: OtlpConfig,
    mut spans: mpsc::Receiver<FinishedSpan>,
) {
    let resource = pb::Resource {
        attributes: vec![pb::KeyValue::string("service.name", config.service_name)],
    };
    let scope = pb::InstrumentationScope {
        name: "llmarket-server".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        // Wait for a first span, then gather what else arrives within the schedule delay.
        if spans.recv_many(&mut batch, BATCH).await == 0 {
            return;
        }
        let gather = tokio::time::sleep(config.schedule_delay);
        tokio::pin!(gather);
        while batch.len() < BATCH {
            let room = BATCH - batch.len();
            tokio::select! {
                () = &mut gather => break,
                n = spans.recv_many(&mut batch, room) => if n == 0 { break },
            }
        }
        let request = pb::ExportTraceServiceRequest {
            resource_spans: vec![pb::ResourceSpans {
                resource: Some(resource.clone()),
                scope_spans: vec![pb::ScopeSpans {
                    scope: Some(scope.clone()),
                    spans: batch.drain(..).map(|s| s.to_proto()).collect(),
                }],
            }],
        };
        if let Err(status) = send(channel.clone(), request).await {
            tracing::warn!(
                code = ?status.code(),
                "cannot export spans to the OTLP collector: {}",
                status.message()
            );
        }
    }
}

async fn send(
    channel: tonic::transport::Channel,
    request: pb::ExportTraceServiceRequest,
) -> Result<(), tonic::Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|e| tonic::Status::unavailable(format!("collector not ready: {e}")))?;
    let codec = tonic_prost::ProstCodec::<
        pb::ExportTraceServiceRequest,
        pb::ExportTraceServiceResponse,
    >::default();
    let path = http::uri::PathAndQuery::from_static(pb::EXPORT_PATH);
    grpc.unary(tonic::Request::new(request), path, codec)
        .await
        .map(drop)
}
