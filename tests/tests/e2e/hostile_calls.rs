//! End-to-end tests of careless and hostile calls over the wire, against the real servers on
//! loopback: garbage and over-size messages, a wrong content type, expired, malformed and
//! overrun deadlines, and load over the concurrency limit. Each answer is the honest gRPC (or
//! HTTP) code, and the server keeps serving. Bounded in count and time.

use std::{net::SocketAddr, time::Duration};

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header::CONTENT_TYPE};
use llmarket_proto::forecast::{self as fpb, forecast_service_client::ForecastServiceClient};
use llmarket_serving::middleware::{DEFAULT_MAX_MESSAGE_SIZE, Limits};
use llmarket_tests::{TEST_GRACE, TestServer, builtin_vocabulary, doubles::SlowForecast};
use tokio::net::TcpStream;
use tonic::{Code, Status, transport::Channel};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

const LIST_DATASETS: &str = "/llmarket.forecast.v1.ForecastService/ListDatasets";
const LIST_SCHEMES: &str = "/llmarket.taxonomy.v1.TaxonomyService/ListSchemes";
const BATCH_GET_CONCEPTS: &str = "/llmarket.taxonomy.v1.TaxonomyService/BatchGetConcepts";

/// What came back from a raw call: the HTTP status and the gRPC status (headers or trailers).
struct Answer {
    http: StatusCode,
    grpc: Option<Status>,
}

/// `message` framed as one uncompressed gRPC message.
fn frame(message: &[u8]) -> Vec<u8> {
    let mut wire = vec![0];
    wire.extend(u32::try_from(message.len()).unwrap().to_be_bytes());
    wire.extend(message);
    wire
}

/// Sends `body` to `path` as it is over a fresh raw HTTP/2 connection (no client-side deadline
/// or framing of its own), with the given headers (content type `application/grpc` unless
/// given), and reads the whole answer.
async fn raw_call(addr: SocketAddr, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let (client, connection) = h2::client::handshake(tcp).await.expect("HTTP/2 handshake");
    tokio::spawn(connection);
    let mut client = client.ready().await.expect("a stream");
    let mut request = http::Request::builder()
        .method("POST")
        .uri(format!("http://{addr}{path}"))
        .header("te", "trailers");
    if !headers.iter().any(|(name, _)| *name == "content-type") {
        request = request.header(CONTENT_TYPE, "application/grpc");
    }
    for (name, value) in headers {
        request = request.header(*name, HeaderValue::from_str(value).unwrap());
    }
    let (response, mut send) = client
        .send_request(request.body(()).unwrap(), false)
        .expect("send headers");
    // The server may answer before reading it all, so a failed send is not the test's concern.
    let _ = send.send_data(Bytes::from(body), true);
    let response = response.await.expect("response headers");
    let http = response.status();
    let head = Status::from_header_map(response.headers());
    let mut body = response.into_body();
    while let Some(Ok(chunk)) = body.data().await {
        let _ = body.flow_control().release_capacity(chunk.len());
    }
    let trailers = body.trailers().await.ok().flatten();
    let grpc = head.or_else(|| trailers.as_ref().and_then(Status::from_header_map));
    Answer { http, grpc }
}

fn code(answer: &Answer) -> Code {
    answer.grpc.as_ref().expect("a grpc-status").code()
}

async fn health(channel: &Channel) -> ServingStatus {
    HealthClient::new(channel.clone())
        .check(HealthCheckRequest::default())
        .await
        .expect("health answers")
        .into_inner()
        .status()
}

/// A well-formed call still answers OK afterwards.
async fn still_serves(addr: SocketAddr) {
    let answer = raw_call(addr, LIST_DATASETS, &[], frame(&[])).await;
    assert_eq!(code(&answer), Code::Ok);
}

#[tokio::test]
async fn undecodable_request_bytes_are_invalid_argument_on_both_services() {
    let forecast = TestServer::forecast().await;
    let taxonomy =
        TestServer::start(llmarket_server::app::routes::taxonomy(builtin_vocabulary())).await;
    // Field 1 with wire type 7, which does not exist; then a length running past the end.
    for garbage in [vec![0x0f, 0x0f], vec![0x0a, 0xff, 0x01]] {
        for (server, path) in [(&forecast, LIST_DATASETS), (&taxonomy, LIST_SCHEMES)] {
            let answer = raw_call(server.addr, path, &[], frame(&garbage)).await;
            assert_eq!(answer.http, StatusCode::OK);
            assert_eq!(code(&answer), Code::InvalidArgument, "{path} {garbage:?}");
        }
    }
    still_serves(forecast.addr).await;
}

#[tokio::test]
async fn a_body_cut_short_or_without_a_message_is_invalid_argument_on_both_services() {
    let forecast = TestServer::forecast().await;
    let taxonomy =
        TestServer::start(llmarket_server::app::routes::taxonomy(builtin_vocabulary())).await;
    let mut cut = frame(&[0x08, 0x05, 0x12, 0x00]);
    cut.truncate(7);
    // A body ending inside a message, inside a prefix, and with no message at all: the
    // caller's mistakes, not the server's (tonic alone answers INTERNAL).
    for body in [cut, vec![0, 0], Vec::new()] {
        for (server, path) in [(&forecast, LIST_DATASETS), (&taxonomy, LIST_SCHEMES)] {
            let answer = raw_call(server.addr, path, &[], body.clone()).await;
            let status = answer.grpc.expect("a grpc-status");
            assert_eq!(
                status.code(),
                Code::InvalidArgument,
                "{path} {body:?}: {status:?}"
            );
        }
    }
    still_serves(forecast.addr).await;
}

#[tokio::test]
async fn a_message_over_the_size_limit_is_resource_exhausted() {
    // The default limit (4 MiB), with a real message one byte over it.
    let server = TestServer::forecast().await;
    let over = frame(&vec![0; DEFAULT_MAX_MESSAGE_SIZE + 1]);
    let answer = raw_call(server.addr, LIST_DATASETS, &[], over).await;
    assert_eq!(code(&answer), Code::ResourceExhausted);
    // Just a prefix announcing 4 GiB: refused without the bytes ever being sent.
    let prefix = vec![0, 0xff, 0xff, 0xff, 0xff];
    let answer = raw_call(server.addr, LIST_DATASETS, &[], prefix).await;
    assert_eq!(code(&answer), Code::ResourceExhausted);
    still_serves(server.addr).await;

    // A lower limit from the flag.
    let limits = Limits {
        max_message_size: 1024,
        ..Limits::default()
    };
    let small = TestServer::start_with_limits(
        llmarket_server::app::routes::forecast(llmarket_tests::builtin_catalog()),
        TEST_GRACE,
        limits,
    )
    .await;
    let answer = raw_call(small.addr, LIST_DATASETS, &[], frame(&[0; 1025])).await;
    let status = answer.grpc.expect("a grpc-status");
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert!(status.message().contains("1024 bytes"), "{status:?}");
    llmarket_tests::assert::assert_no_retry(&status, "MESSAGE_TOO_LARGE");
    let answer = raw_call(small.addr, LIST_DATASETS, &[], frame(&[0; 1024])).await;
    assert_ne!(
        code(&answer),
        Code::ResourceExhausted,
        "exactly the limit passes"
    );
}

#[tokio::test]
async fn a_request_far_larger_than_its_method_can_take_is_refused_before_it_is_decoded() {
    use llmarket_proto::{
        names::MAX_ID_LEN,
        taxonomy::{self as tpb, taxonomy_service_client::TaxonomyServiceClient},
    };
    use llmarket_taxonomy::convert::{MAX_BATCH_NAMES, MAX_BATCH_REQUEST_BYTES};
    use prost::Message as _;
    use tonic::codec::CompressionEncoding::Gzip;

    let server = TestServer::taxonomy().await;
    // 1.3 million empty names, 2.6 MB: under the 4 MiB message limit, far over what a batch
    // of at most 1,000 names can take. Refused from the prefix, not decoded and then counted.
    let flood = tpb::BatchGetConceptsRequest {
        names: vec![String::new(); 1_300_000],
        ..Default::default()
    };
    let answer = raw_call(
        server.addr,
        BATCH_GET_CONCEPTS,
        &[],
        frame(&flood.encode_to_vec()),
    )
    .await;
    let status = answer.grpc.expect("a grpc-status");
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(
        status
            .message()
            .contains(&format!("limit of {MAX_BATCH_REQUEST_BYTES} bytes")),
        "{status:?}"
    );
    // Compressed, it passes the prefix check; what it decompresses to is held to the bound.
    let mut client = TaxonomyServiceClient::new(server.channel().await).send_compressed(Gzip);
    let status = client.batch_get_concepts(flood).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    // Any other method is held to a small request: a 100 KB ListSchemes is refused.
    let answer = raw_call(server.addr, LIST_SCHEMES, &[], frame(&[0; 100_000])).await;
    assert_eq!(code(&answer), Code::ResourceExhausted);

    // The largest valid batch (1,000 distinct names of the longest) is within the bound: it is
    // answered (the names do not exist), plain and compressed alike.
    let id = "a".repeat(MAX_ID_LEN);
    let prefix = &id[..MAX_ID_LEN - 4];
    let largest = tpb::BatchGetConceptsRequest {
        names: (0..MAX_BATCH_NAMES)
            .map(|i| format!("schemes/{id}/concepts/{prefix}{i:04}"))
            .collect(),
        ..Default::default()
    };
    let answer = raw_call(
        server.addr,
        BATCH_GET_CONCEPTS,
        &[],
        frame(&largest.encode_to_vec()),
    )
    .await;
    assert_eq!(code(&answer), Code::NotFound, "{:?}", answer.grpc);
    let status = client.batch_get_concepts(largest).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    let answer = raw_call(server.addr, LIST_SCHEMES, &[], frame(&[])).await;
    assert_eq!(code(&answer), Code::Ok);
}

#[tokio::test]
async fn a_content_type_that_is_not_grpc_gets_http_415() {
    let server = TestServer::forecast().await;
    for content_type in ["application/json", "text/plain", "application/grpcx"] {
        let headers = [("content-type", content_type)];
        let answer = raw_call(server.addr, LIST_DATASETS, &headers, frame(&[])).await;
        assert_eq!(
            answer.http,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
    }
    for content_type in ["application/grpc", "application/grpc+proto"] {
        let headers = [("content-type", content_type)];
        let answer = raw_call(server.addr, LIST_DATASETS, &headers, frame(&[])).await;
        assert_eq!(answer.http, StatusCode::OK, "{content_type}");
        assert_eq!(code(&answer), Code::Ok, "{content_type}");
    }
}

#[tokio::test]
async fn expired_and_malformed_deadlines_get_their_own_codes() {
    let server = TestServer::forecast().await;
    let addr = server.addr;
    let call = |timeout: &'static str| async move {
        raw_call(
            addr,
            LIST_DATASETS,
            &[("grpc-timeout", timeout)],
            frame(&[]),
        )
        .await
    };
    assert_eq!(code(&call("1n").await), Code::DeadlineExceeded);
    for malformed in ["soon", "123456789S", "5s", "1.5S", "S"] {
        let status = call(malformed).await.grpc.expect("a grpc-status");
        assert_eq!(status.code(), Code::InvalidArgument, "{malformed}");
        assert!(status.message().contains("grpc-timeout"), "{status:?}");
    }
    assert_eq!(code(&call("10S").await), Code::Ok);
}

#[tokio::test]
async fn a_call_past_the_servers_max_call_time_is_deadline_exceeded() {
    let slow = SlowForecast::new(Duration::from_secs(60));
    let limits = Limits {
        max_call_time: Duration::from_millis(300),
        ..Limits::default()
    };
    let server = TestServer::start_with_limits(slow.routes(), TEST_GRACE, limits).await;
    // No deadline from the caller: the server's bound applies.
    let mut client = ForecastServiceClient::new(server.channel().await);
    let error = client
        .list_datasets(fpb::ListDatasetsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::DeadlineExceeded, "{error:?}");
    // A caller's deadline earlier than the server's applies too (sent raw: a tonic client would
    // give up on its own timer and report CANCELLED before the server's answer arrives).
    let answer = raw_call(
        server.addr,
        LIST_DATASETS,
        &[("grpc-timeout", "100m")],
        frame(&[]),
    )
    .await;
    assert_eq!(code(&answer), Code::DeadlineExceeded);
    let channel = server.channel().await;
    assert_eq!(health(&channel).await, ServingStatus::Serving);
}

#[tokio::test]
async fn load_over_the_limit_is_shed_while_health_answers_and_served_again_after() {
    const CALL_TIME: Duration = Duration::from_secs(2);
    let slow = SlowForecast::new(CALL_TIME);
    let arrived = slow.arrived.clone();
    let limits = Limits {
        max_concurrent_calls: 2,
        ..Limits::default()
    };
    let server = TestServer::start_with_limits(slow.routes(), TEST_GRACE, limits).await;
    let channel = server.channel().await;

    let mut held = Vec::new();
    for _ in 0..2 {
        let mut client = ForecastServiceClient::new(channel.clone());
        held.push(tokio::spawn(async move {
            client
                .list_datasets(fpb::ListDatasetsRequest::default())
                .await
        }));
        arrived.notified().await;
    }

    let mut client = ForecastServiceClient::new(channel.clone());
    let error = client
        .list_datasets(fpb::ListDatasetsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::ResourceExhausted, "{error:?}");
    assert_eq!(health(&channel).await, ServingStatus::Serving);

    for call in held {
        call.await.unwrap().expect("held calls finish");
    }
    client
        .list_datasets(fpb::ListDatasetsRequest::default())
        .await
        .expect("served once the load dropped");
}

#[tokio::test]
async fn streams_that_stall_their_request_take_no_place_from_other_callers() {
    let limits = Limits {
        max_concurrent_calls: 1,
        ..Limits::default()
    };
    let server = TestServer::start_with_limits(
        llmarket_server::app::routes::forecast(llmarket_tests::builtin_catalog()),
        TEST_GRACE,
        limits,
    )
    .await;
    // Ten streams that send their headers and never end their request.
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let (client, connection) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(connection);
    let mut stalled = Vec::new();
    for _ in 0..10 {
        let mut client = client.clone().ready().await.unwrap();
        let request = http::Request::builder()
            .method("POST")
            .uri(format!("http://{}{LIST_DATASETS}", server.addr))
            .header(CONTENT_TYPE, "application/grpc")
            .body(())
            .unwrap();
        stalled.push(client.send_request(request, false).unwrap());
    }
    still_serves(server.addr).await;
    drop(stalled);
}
