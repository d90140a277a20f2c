//! End-to-end tests of gRPC-Web next to gRPC, against the real servers on loopback: a gRPC-Web
//! call over HTTP/1.1 (a raw HTTP/1.1 client, as a browser's fetch sends it) answers with its
//! message and its status in the trailer frame; an error keeps its code; any other HTTP/1.1
//! request is refused; CORS preflights are answered only for the origins given with
//! `--cors-origin`, and not at all without one; plain gRPC over HTTP/2 is unchanged.

use http::HeaderValue;
use llmarket_proto::forecast::{
    self as fpb, ListDatasetsResponse, forecast_service_client::ForecastServiceClient,
};
use llmarket_server::app;
use llmarket_serving::web::CorsOrigins;
use llmarket_tests::{TEST_GRACE, TestServer, builtin_catalog};
use prost::Message as _;
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::TcpStream,
};

const LIST_DATASETS: &str = "/llmarket.forecast.v1.ForecastService/ListDatasets";
const GET_SERIES: &str = "/llmarket.forecast.v1.ForecastService/GetSeries";
const ALLOWED: &str = "http://reports.example.test";

/// An HTTP/1.1 response: status, headers (names lowercase) and the body, de-chunked.
pub(super) struct Response {
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub(super) body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one HTTP/1.1 request (`Connection: close`) and reads the whole response.
pub(super) async fn http1(
    server: &TestServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {}\r\nconnection: close\r\ncontent-length: {}\r\n",
        server.addr,
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(TEST_GRACE, stream.read_to_end(&mut raw))
        .await
        .expect("the server answers and closes within the grace period")
        .unwrap();
    parse(&raw)
}

fn parse(raw: &[u8]) -> Response {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let head = std::str::from_utf8(&raw[..end]).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.trim().to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    let mut rest = &raw[end + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        let mut body = Vec::new();
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size_text = std::str::from_utf8(&rest[..line_end]).unwrap();
            let size =
                usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
            rest = &rest[line_end + 2..];
            if size == 0 {
                break body;
            }
            body.extend_from_slice(&rest[..size]);
            rest = &rest[size + 2..];
        }
    } else {
        rest.to_vec()
    };
    Response {
        status,
        headers,
        body,
    }
}

/// `message` framed as one uncompressed (gRPC or gRPC-Web) message.
pub(super) fn frame(message: &[u8]) -> Vec<u8> {
    let mut wire = vec![0];
    wire.extend(u32::try_from(message.len()).unwrap().to_be_bytes());
    wire.extend(message);
    wire
}

/// The frames of a gRPC-Web body: (flag, payload); flag 0x80 is the trailer frame.
pub(super) fn frames(mut body: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    while body.len() >= 5 {
        let len = u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize;
        frames.push((body[0], body[5..5 + len].to_vec()));
        body = &body[5 + len..];
    }
    assert!(body.is_empty(), "trailing bytes after the last frame");
    frames
}

/// The gRPC status of a gRPC-Web answer: from its trailer frame, else from its headers.
pub(super) fn grpc_status(response: &Response) -> Option<String> {
    frames(&response.body)
        .iter()
        .filter(|(flag, _)| flag & 0x80 != 0)
        .flat_map(|(_, trailer)| {
            String::from_utf8_lossy(trailer)
                .split("\r\n")
                .filter_map(|line| {
                    line.strip_prefix("grpc-status:")
                        .map(|v| v.trim().to_owned())
                })
                .collect::<Vec<_>>()
        })
        .next()
        .or_else(|| response.header("grpc-status").map(str::to_owned))
}

pub(super) const GRPC_WEB: [(&str, &str); 2] = [
    ("content-type", "application/grpc-web+proto"),
    ("x-grpc-web", "1"),
];

async fn forecast_with_cors(origins: &[&str]) -> TestServer {
    let options = app::ServeOptions {
        grace: TEST_GRACE,
        cors: CorsOrigins::new(
            origins
                .iter()
                .map(|o| HeaderValue::from_str(o).unwrap())
                .collect(),
        ),
        ..app::ServeOptions::default()
    };
    TestServer::start_with_options(
        llmarket_server::app::routes::forecast(builtin_catalog()),
        options,
    )
    .await
}

#[tokio::test]
async fn a_grpc_web_call_over_http1_answers_with_its_message_and_status() {
    let server = TestServer::forecast().await;
    let response = http1(&server, "POST", LIST_DATASETS, &GRPC_WEB, &frame(&[])).await;
    assert_eq!(response.status, 200);
    assert!(
        response
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/grpc-web")),
        "{:?}",
        response.headers
    );
    let frames = frames(&response.body);
    let (flag, message) = &frames[0];
    assert_eq!(*flag, 0);
    let datasets = ListDatasetsResponse::decode(message.as_slice()).unwrap();
    assert!(
        datasets
            .datasets
            .iter()
            .any(|d| d.name == "datasets/cic-global-llm-2026")
    );
    assert_eq!(grpc_status(&response).as_deref(), Some("0"));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_grpc_web_error_keeps_its_code() {
    let server = TestServer::forecast().await;
    let request = fpb::GetSeriesRequest {
        name: "datasets/cic-global-llm-2026/series/no-such-series".into(),
    };
    let response = http1(
        &server,
        "POST",
        GET_SERIES,
        &GRPC_WEB,
        &frame(&request.encode_to_vec()),
    )
    .await;
    assert_eq!(response.status, 200);
    assert_eq!(grpc_status(&response).as_deref(), Some("5"), "NOT_FOUND");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn other_http1_requests_are_refused() {
    let server = TestServer::forecast().await;
    let response = http1(&server, "GET", "/", &[], &[]).await;
    assert_eq!(response.status, 400);
    let grpc_over_http1 = http1(
        &server,
        "POST",
        LIST_DATASETS,
        &[("content-type", "application/grpc")],
        &frame(&[]),
    )
    .await;
    assert_eq!(grpc_over_http1.status, 400);
    server.shutdown().await.unwrap();
}

fn preflight(origin: &str) -> [(&str, &str); 3] {
    [
        ("origin", origin),
        ("access-control-request-method", "POST"),
        (
            "access-control-request-headers",
            "content-type,x-grpc-web,x-user-agent,grpc-timeout,authorization",
        ),
    ]
}

#[tokio::test]
async fn cors_preflights_are_answered_for_the_given_origins_only() {
    let server = forecast_with_cors(&[ALLOWED]).await;

    let allowed = http1(&server, "OPTIONS", LIST_DATASETS, &preflight(ALLOWED), &[]).await;
    assert_eq!(allowed.status, 200);
    assert_eq!(allowed.header("access-control-allow-origin"), Some(ALLOWED));
    assert!(
        allowed
            .header("access-control-allow-headers")
            .is_some_and(|h| h.contains("x-grpc-web") && h.contains("authorization")),
        "{:?}",
        allowed.headers
    );

    let refused = http1(
        &server,
        "OPTIONS",
        LIST_DATASETS,
        &preflight("http://elsewhere.example.test"),
        &[],
    )
    .await;
    assert_eq!(refused.header("access-control-allow-origin"), None);

    let mut call_headers = GRPC_WEB.to_vec();
    call_headers.push(("origin", ALLOWED));
    let call = http1(&server, "POST", LIST_DATASETS, &call_headers, &frame(&[])).await;
    assert_eq!(grpc_status(&call).as_deref(), Some("0"));
    assert_eq!(call.header("access-control-allow-origin"), Some(ALLOWED));
    assert!(
        call.header("access-control-expose-headers")
            .is_some_and(|h| h.contains("grpc-status") && h.contains("grpc-message")),
        "{:?}",
        call.headers
    );

    // gRPC over HTTP/2 is unchanged beside it.
    let mut client = ForecastServiceClient::new(
        tonic::transport::Endpoint::from_shared(server.url())
            .unwrap()
            .connect()
            .await
            .unwrap(),
    );
    let datasets = client
        .list_datasets(fpb::ListDatasetsRequest::default())
        .await
        .unwrap();
    assert!(!datasets.into_inner().datasets.is_empty());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn without_cors_origins_there_is_no_cors() {
    let server = TestServer::forecast().await;
    let preflight = http1(&server, "OPTIONS", LIST_DATASETS, &preflight(ALLOWED), &[]).await;
    assert_ne!(preflight.status, 200);
    assert_eq!(preflight.header("access-control-allow-origin"), None);
    let mut call_headers = GRPC_WEB.to_vec();
    call_headers.push(("origin", ALLOWED));
    let call = http1(&server, "POST", LIST_DATASETS, &call_headers, &frame(&[])).await;
    assert_eq!(grpc_status(&call).as_deref(), Some("0"));
    assert_eq!(call.header("access-control-allow-origin"), None);
    server.shutdown().await.unwrap();
}
