//! Hostile streaming calls against the real `llmarket-server` binary, run as its own process on
//! loopback: health `Watch` and reflection streams that would outlive `--max-call-time`, streams
//! past the per-connection and per-listener caps, a quiet stream holding its connection out of
//! the idle timer, and the memory thousands of anonymous `Watch` streams cost. Linux only (it
//! reads /proc).
#![cfg(target_os = "linux")]

use std::time::Duration;

use bytes::Bytes;
use tokio::{net::TcpStream, sync::mpsc};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{
    Code, Status, Streaming,
    transport::{Channel, Endpoint},
};
use tonic_health::pb::{
    HealthCheckRequest, HealthCheckResponse, health_check_response::ServingStatus,
    health_client::HealthClient,
};
use tonic_reflection::pb::v1::{
    ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
    server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
};

use super::hostile_connections::{Server, TAXONOMY, assert_healthy, grpc_frame, peak_rss};

/// Longest a test waits for something the server should do at once or after a 1 s timer.
const PATIENCE: Duration = Duration::from_secs(30);

/// A fresh connection with no client-side deadline (the server's bound is under test).
async fn connect(server: &Server) -> Channel {
    Endpoint::from_shared(format!("http://{}", server.addr))
        .expect("url")
        .connect()
        .await
        .expect("connect")
}

/// Watches the service's health on `channel` with a caller deadline of an hour; the stream,
/// after its first message (SERVING), or the status it was refused with.
async fn watch(channel: &Channel) -> Result<Streaming<HealthCheckResponse>, Status> {
    let mut client = HealthClient::new(channel.clone());
    let mut request = tonic::Request::new(HealthCheckRequest {
        service: TAXONOMY.to_owned(),
    });
    request.set_timeout(Duration::from_secs(3600));
    let mut stream = client.watch(request).await?.into_inner();
    let first = tokio::time::timeout(PATIENCE, stream.message())
        .await
        .expect("the first message within 30 s")?
        .expect("a first message");
    assert_eq!(first.status(), ServingStatus::Serving);
    Ok(stream)
}

/// How a stream that outlived the server's bound ended: the status it ended with, within 30 s.
async fn ending<T>(stream: &mut Streaming<T>) -> Status {
    match tokio::time::timeout(PATIENCE, stream.message()).await {
        Err(_) => panic!("the stream is still open 30 s after --max-call-time"),
        Ok(Ok(Some(_))) => panic!("a message where the stream should end"),
        Ok(Ok(None)) => panic!("the stream ended with OK, not with its deadline"),
        Ok(Err(status)) => status,
    }
}

/// A health `Watch` and a reflection stream both end at `--max-call-time` with
/// DEADLINE_EXCEEDED, whatever deadline their caller set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_and_a_reflection_stream_end_at_the_max_call_time() {
    let server = Server::start(&["--max-call-time", "1s"], None);
    let channel = connect(&server).await;

    let mut watching = watch(&channel).await.expect("Watch");
    let status = ending(&mut watching).await;
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(status.message().contains("1s"), "{status:?}");

    // Reflection, with its request stream left open.
    let (requests, rx) = mpsc::channel(1);
    let list = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    requests.send(list).await.expect("queue a request");
    let mut client = ServerReflectionClient::new(channel.clone());
    let mut reflecting = client
        .server_reflection_info(ReceiverStream::new(rx))
        .await
        .expect("ServerReflectionInfo")
        .into_inner();
    let listed = reflecting
        .message()
        .await
        .expect("a reply")
        .expect("a first message");
    assert!(matches!(
        listed.message_response,
        Some(MessageResponse::ListServicesResponse(_))
    ));
    let status = ending(&mut reflecting).await;
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    drop(requests);

    // The connection still serves.
    assert_healthy(&channel).await;
}

/// Past `--max-streaming-calls-per-connection` on one connection, or `--max-streaming-calls`
/// on the listener, a stream gets RESOURCE_EXHAUSTED at once; unary calls and health checks
/// are still served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_calls_are_capped_per_connection_and_per_listener() {
    let server = Server::start(
        &[
            "--max-streaming-calls",
            "3",
            "--max-streaming-calls-per-connection",
            "2",
        ],
        None,
    );
    let (one, two) = (connect(&server).await, connect(&server).await);
    let _first = watch(&one).await.expect("a first stream");
    let _second = watch(&one)
        .await
        .expect("a second stream on the connection");
    let refused = watch(&one)
        .await
        .expect_err("a third stream on the connection is refused");
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    assert!(
        refused
            .message()
            .contains("--max-streaming-calls-per-connection"),
        "{refused:?}"
    );

    let _third = watch(&two).await.expect("a stream on another connection");
    let refused = watch(&two)
        .await
        .expect_err("a fourth stream on the listener is refused");
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    assert!(
        refused.message().contains("3 streaming calls"),
        "{refused:?}"
    );

    assert_healthy(&one).await;
    assert_healthy(&two).await;
}

/// A raw HTTP/2 request for health's `Watch`.
fn watch_request(addr: &str) -> http::Request<()> {
    http::Request::builder()
        .method("POST")
        .uri(format!("http://{addr}/grpc.health.v1.Health/Watch"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .expect("request")
}

/// A connection whose only call is a `Watch` that sends nothing after its first message goes
/// idle: GOAWAY after `--idle-timeout`, then closed, long before `--max-call-time`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_with_only_a_quiet_stream_open_goes_idle() {
    let server = Server::start(&["--idle-timeout", "1s", "--max-call-time", "1h"], None);
    let tcp = TcpStream::connect(&server.addr).await.expect("connect");
    let (send, conn) = h2::client::handshake(tcp).await.expect("h2 handshake");
    let conn = tokio::spawn(conn);
    let mut ready = send.ready().await.expect("ready");
    let (response, mut stream) = ready
        .send_request(watch_request(&server.addr), false)
        .expect("send the request");
    let check = HealthCheckRequest {
        service: TAXONOMY.to_owned(),
    };
    stream
        .send_data(grpc_frame(&check), true)
        .expect("send the message");
    let response = response.await.expect("response headers");
    assert!(
        !response.headers().contains_key("grpc-status"),
        "the Watch was refused: {response:?}"
    );
    let mut body = response.into_body();
    let first = body
        .data()
        .await
        .expect("a first message")
        .expect("its data");
    assert!(!first.is_empty());

    let closed = tokio::time::timeout(PATIENCE, conn).await;
    assert!(
        closed.is_ok(),
        "a connection with only a quiet stream was still open 30 s after --idle-timeout 1s"
    );
    drop((ready, body));
    // Others are served meanwhile.
    assert_healthy(&server.channel().await).await;
}

/// Streams held open (and the connections they are on), and how many the server admitted and
/// refused.
#[derive(Default)]
struct Flood {
    held: Vec<Box<dyn std::any::Any + Send>>,
    connections: Vec<h2::client::SendRequest<Bytes>>,
    admitted: usize,
    refused: usize,
}

impl Flood {
    /// Opens `connections` raw HTTP/2 connections to `addr`.
    async fn connect(addr: &str, connections: usize) -> Self {
        let mut flood = Self::default();
        for _ in 0..connections {
            let tcp = TcpStream::connect(addr).await.expect("connect");
            let (send, conn) = h2::client::handshake(tcp).await.expect("h2 handshake");
            flood.held.push(Box::new(tokio::spawn(async move {
                let _ = conn.await;
            })));
            flood.connections.push(send);
        }
        flood
    }

    /// Opens `per_connection` more `Watch` streams on each connection, their replies never
    /// read past their headers.
    async fn watch(&mut self, addr: &str, per_connection: usize) {
        let check = grpc_frame(&HealthCheckRequest {
            service: TAXONOMY.to_owned(),
        });
        for send in &self.connections {
            let mut pending = Vec::new();
            for _ in 0..per_connection {
                let mut ready = send.clone().ready().await.expect("ready");
                let (response, mut stream) = ready
                    .send_request(watch_request(addr), false)
                    .expect("send the request");
                // A stream refused on its headers may already be closed.
                let _ = stream.send_data(check.clone(), true);
                pending.push((response, stream));
            }
            for (response, stream) in pending {
                let response = response.await.expect("response headers");
                if response.headers().contains_key("grpc-status") {
                    self.refused += 1;
                } else {
                    self.admitted += 1;
                    self.held.push(Box::new((response, stream)));
                }
            }
        }
    }
}

/// 2,000 anonymous `Watch` streams (20 connections of 100), every one admitted: what they cost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a memory or CPU threshold: the test command runs it alone (--ignored)"]
async fn two_thousand_anonymous_watch_streams_cost_at_most_32_mib() {
    let server = Server::start(
        &[
            "--max-streaming-calls",
            "2000",
            "--max-streaming-calls-per-connection",
            "100",
        ],
        None,
    );
    let good = server.channel().await;
    assert_healthy(&good).await;
    let idle = server.rss_kib();
    let mut flood = Flood::connect(&server.addr, 20).await;
    flood.watch(&server.addr, 100).await;
    assert_eq!((flood.admitted, flood.refused), (2000, 0));
    let peak = peak_rss(&server, Duration::from_secs(2)).await;
    eprintln!(
        "2,000 Watch streams: RSS idle {idle} KiB, with the streams {peak} KiB (+{} KiB)",
        peak.saturating_sub(idle)
    );
    assert_healthy(&good).await;
    assert!(
        peak.saturating_sub(idle) <= 32 * 1024,
        "2,000 Watch streams took {peak} KiB, more than 32 MiB above idle {idle} KiB"
    );
    drop(flood);
}

/// The flood of the report (200 connections of 100 `Watch` streams) against the default caps:
/// at most `--max-streaming-calls` are admitted, the rest refused at once, and the whole flood
/// stays well inside the 128 MiB the Kubernetes manifests allow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a memory or CPU threshold: the test command runs it alone (--ignored)"]
async fn a_watch_flood_is_held_to_the_streaming_call_caps() {
    let server = Server::start(&[], None);
    let good = server.channel().await;
    assert_healthy(&good).await;
    let idle = server.rss_kib();
    let mut flood = Flood::connect(&server.addr, 200).await;
    flood.watch(&server.addr, 1).await;
    assert_eq!((flood.admitted, flood.refused), (200, 0));
    let one_each = peak_rss(&server, Duration::from_secs(2)).await;
    flood.watch(&server.addr, 99).await;
    let peak = peak_rss(&server, Duration::from_secs(2)).await;
    eprintln!(
        "200 connections: RSS idle {idle} KiB, with one Watch each {one_each} KiB (+{} KiB); \
         19,800 more asked for: {} admitted in all, {} refused, RSS {peak} KiB (+{} KiB over one each)",
        one_each.saturating_sub(idle),
        flood.admitted,
        flood.refused,
        peak.saturating_sub(one_each)
    );
    assert_eq!(flood.admitted + flood.refused, 20_000);
    assert_eq!(flood.admitted, 512, "the default --max-streaming-calls");
    assert_healthy(&good).await;
    // Most of it is what each connection keeps after a burst of 99 calls at once (as many
    // unary health checks cost as much), not the streams.
    assert!(
        peak.saturating_sub(idle) <= 64 * 1024,
        "the flood took {peak} KiB, more than 64 MiB above idle {idle} KiB"
    );
    drop(flood);
}
