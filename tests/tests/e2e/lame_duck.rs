//! Lame-duck shutdown of the real `llmarket-server` process: after SIGTERM with
//! `--shutdown-delay`, health and `/readyz` say NOT_SERVING while calls are still served, then the
//! process drains and exits 0.
#![cfg(unix)]

use llmarket_proto::taxonomy::{self as pb, taxonomy_service_client::TaxonomyServiceClient};
use llmarket_tests::process::ServerProcess;
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::TcpStream,
};
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

async fn health(channel: &Channel, service: &str) -> ServingStatus {
    HealthClient::new(channel.clone())
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await
        .expect("health check")
        .into_inner()
        .status()
}

async fn readyz(addr: std::net::SocketAddr) -> u16 {
    let mut stream = TcpStream::connect(addr).await.expect("connect admin");
    stream
        .write_all(b"GET /readyz HTTP/1.0\r\nHost: test\r\n\r\n")
        .await
        .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

async fn list_schemes(channel: &Channel) -> Result<usize, tonic::Status> {
    let response = TaxonomyServiceClient::new(channel.clone())
        .list_schemes(pb::ListSchemesRequest {
            language_code: "en".to_owned(),
            ..Default::default()
        })
        .await?;
    Ok(response.into_inner().schemes.len())
}

// Two workers: the test blocks on the server's log while the connections' tasks must run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_with_a_delay_turns_health_not_serving_while_calls_are_still_served() {
    let mut server = ServerProcess::start(
        &[
            "taxonomy",
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
            "--shutdown-delay",
            "3s",
        ],
        2,
    );
    let grpc = server.addr("Taxonomy");
    let admin = server.addr("admin");
    let channel = Endpoint::from_shared(format!("http://{grpc}"))
        .expect("url")
        .connect()
        .await
        .expect("connect");
    assert_eq!(health(&channel, "").await, ServingStatus::Serving);
    assert_eq!(readyz(admin).await, 200);

    server.signal("TERM");
    server.line_containing("lame duck: health NOT_SERVING");
    assert_eq!(health(&channel, "").await, ServingStatus::NotServing);
    assert_eq!(
        health(&channel, "llmarket.taxonomy.v1.TaxonomyService").await,
        ServingStatus::NotServing
    );
    assert_eq!(readyz(admin).await, 503);
    assert!(
        list_schemes(&channel)
            .await
            .expect("a call in the lame duck")
            > 0
    );
    // A new connection is still accepted and served too.
    let fresh = Endpoint::from_shared(format!("http://{grpc}"))
        .expect("url")
        .connect()
        .await
        .expect("a new connection in the lame duck");
    assert!(list_schemes(&fresh).await.expect("a call on it") > 0);

    drop((channel, fresh));
    server.line_containing("drained");
    server.line_containing("stopped");
    assert_eq!(server.wait().code(), Some(0));
}
