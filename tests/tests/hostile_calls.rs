//! End-to-end tests of careless and hostile calls over the wire, against the real servers on
//! loopback: garbage and over-size messages, a wrong content type, expired, malformed and
//! overrun deadlines, and load over the concurrency limit. Each answer is the honest gRPC (or
//! HTTP) code, and the server keeps serving. Bounded in count and time.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header::CONTENT_TYPE};
use http_body_util::{BodyExt as _, Full};
use llmarket_proto::forecast::{self as fpb, forecast_service_client::ForecastServiceClient};
use llmarket_server::{
    middleware::{DEFAULT_MAX_MESSAGE_SIZE, Limits},
    taxonomy,
};
use llmarket_tests::{TEST_GRACE, TestServer, builtin_vocabulary, doubles::SlowForecast};
use tonic::{Code, Status, body::Body, transport::Channel};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};
use tower::ServiceExt as _;

const LIST_DATASETS: &str = "/llmarket.forecast.v1.ForecastService/ListDatasets";
const LIST_SCHEMES: &str = "/llmarket.taxonomy.v1.TaxonomyService/ListSchemes";

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

/// Sends `body` to `path` as it is, with the given headers (content type `application/grpc`
/// unless given), and reads the whole answer.
async fn raw_call(
    channel: &Channel,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Answer {
    let mut request = http::Request::builder()
        .method("POST")
        .uri(path)
        .header("te", "trailers");
    if !headers.iter().any(|(name, _)| *name == "content-type") {
        request = request.header(CONTENT_TYPE, "application/grpc");
    }
    for (name, value) in headers {
        request = request.header(*name, HeaderValue::from_str(value).unwrap());
    }
    let request = request
        .body(Body::new(Full::new(Bytes::from(body))))
        .unwrap();
    let response = channel
        .clone()
        .oneshot(request)
        .await
        .expect("an HTTP answer");
    let http = response.status();
    let head = Status::from_header_map(response.headers());
    let collected = response
        .into_body()
        .collect()
        .await
        .expect("the whole body");
    let grpc = head.or_else(|| collected.trailers().and_then(Status::from_header_map));
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
async fn still_serves(channel: &Channel) {
    let answer = raw_call(channel, LIST_DATASETS, &[], frame(&[])).await;
    assert_eq!(code(&answer), Code::Ok);
}

#[tokio::test]
async fn undecodable_request_bytes_are_invalid_argument_on_both_services() {
    let forecast = TestServer::forecast().await;
    let taxonomy = TestServer::start(taxonomy::routes(builtin_vocabulary())).await;
    // Field 1 with wire type 7, which does not exist; then a length running past the end.
    for garbage in [vec![0x0f, 0x0f], vec![0x0a, 0xff, 0x01]] {
        for (server, path) in [(&forecast, LIST_DATASETS), (&taxonomy, LIST_SCHEMES)] {
            let channel = server.channel().await;
            let answer = raw_call(&channel, path, &[], frame(&garbage)).await;
            assert_eq!(answer.http, StatusCode::OK);
            assert_eq!(code(&answer), Code::InvalidArgument, "{path} {garbage:?}");
        }
    }
    still_serves(&forecast.channel().await).await;
}

#[tokio::test]
async fn a_message_over_the_size_limit_is_resource_exhausted() {
    // The default limit (4 MiB), with a real message one byte over it.
    let server = TestServer::forecast().await;
    let channel = server.channel().await;
    let answer = raw_call(
        &channel,
        LIST_DATASETS,
        &[],
        frame(&vec![0; DEFAULT_MAX_MESSAGE_SIZE + 1]),
    )
    .await;
    assert_eq!(code(&answer), Code::ResourceExhausted);
    // Just a prefix announcing 4 GiB: refused without the bytes ever being sent.
    let answer = raw_call(
        &channel,
        LIST_DATASETS,
        &[],
        vec![0, 0xff, 0xff, 0xff, 0xff],
    )
    .await;
    assert_eq!(code(&answer), Code::ResourceExhausted);
    still_serves(&channel).await;

    // A lower limit from the flag.
    let limits = Limits {
        max_message_size: 1024,
        ..Limits::default()
    };
    let small = TestServer::start_with_limits(
        llmarket_server::forecast::routes(llmarket_tests::builtin_catalog()),
        TEST_GRACE,
        limits,
    )
    .await;
    let channel = small.channel().await;
    let answer = raw_call(&channel, LIST_DATASETS, &[], frame(&[0; 1025])).await;
    let status = answer.grpc.expect("a grpc-status");
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert!(status.message().contains("1024 bytes"), "{status:?}");
    let answer = raw_call(&channel, LIST_DATASETS, &[], frame(&[0; 1024])).await;
    assert_ne!(
        code(&answer),
        Code::ResourceExhausted,
        "exactly the limit passes"
    );
}

#[tokio::test]
async fn a_content_type_that_is_not_grpc_gets_http_415() {
    let server = TestServer::forecast().await;
    let channel = server.channel().await;
    for content_type in ["application/json", "text/plain", "application/grpcx"] {
        let answer = raw_call(
            &channel,
            LIST_DATASETS,
            &[("content-type", content_type)],
            frame(&[]),
        )
        .await;
        assert_eq!(
            answer.http,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
    }
    for content_type in ["application/grpc", "application/grpc+proto"] {
        let answer = raw_call(
            &channel,
            LIST_DATASETS,
            &[("content-type", content_type)],
            frame(&[]),
        )
        .await;
        assert_eq!(answer.http, StatusCode::OK, "{content_type}");
        assert_eq!(code(&answer), Code::Ok, "{content_type}");
    }
}

#[tokio::test]
async fn expired_and_malformed_deadlines_get_their_own_codes() {
    let server = TestServer::forecast().await;
    let channel = server.channel().await;
    let answer = raw_call(
        &channel,
        LIST_DATASETS,
        &[("grpc-timeout", "1n")],
        frame(&[]),
    )
    .await;
    assert_eq!(code(&answer), Code::DeadlineExceeded);
    for malformed in ["soon", "123456789S", "5s", "1.5S", "S"] {
        let answer = raw_call(
            &channel,
            LIST_DATASETS,
            &[("grpc-timeout", malformed)],
            frame(&[]),
        )
        .await;
        let status = answer.grpc.expect("a grpc-status");
        assert_eq!(status.code(), Code::InvalidArgument, "{malformed}");
        assert!(status.message().contains("grpc-timeout"), "{status:?}");
    }
    let answer = raw_call(
        &channel,
        LIST_DATASETS,
        &[("grpc-timeout", "10S")],
        frame(&[]),
    )
    .await;
    assert_eq!(code(&answer), Code::Ok);
}

#[tokio::test]
async fn a_call_past_the_servers_max_call_time_is_deadline_exceeded() {
    let slow = SlowForecast::new(Duration::from_secs(60));
    let limits = Limits {
        max_call_time: Duration::from_millis(300),
        ..Limits::default()
    };
    let server = TestServer::start_with_limits(slow.routes(), TEST_GRACE, limits).await;
    let mut client = ForecastServiceClient::new(server.channel().await);
    // No deadline from the caller: the server's bound applies.
    let error = client
        .list_datasets(fpb::ListDatasetsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::DeadlineExceeded, "{error:?}");
    // A caller's deadline earlier than the server's applies too.
    let mut request = tonic::Request::new(fpb::ListDatasetsRequest::default());
    request.set_timeout(Duration::from_millis(100));
    let error = client.list_datasets(request).await.unwrap_err();
    assert_eq!(error.code(), Code::DeadlineExceeded, "{error:?}");
    assert_eq!(
        health(&server.channel().await).await,
        ServingStatus::Serving
    );
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
