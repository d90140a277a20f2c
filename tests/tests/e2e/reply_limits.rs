//! What one call or one principal may hold, against the real binary: a reply over
//! `--max-reply-size` ends its call with RESOURCE_EXHAUSTED (one of exactly the cap goes), and a
//! principal with `--max-calls-per-principal` calls in flight gets RESOURCE_EXHAUSTED for one
//! more while another principal is answered; calls without credentials are held to the same
//! limit per client address.
#![cfg(target_os = "linux")]

use std::time::Duration;

use bytes::Bytes;
use llmarket_proto::taxonomy::{self as pb, taxonomy_service_client::TaxonomyServiceClient};
use llmarket_server::auth::token::TokenDigest;
use prost::Message as _;
use tonic::{Code, Request, transport::Channel};

use crate::hostile_connections::{Server, TAXONOMY, grpc_frame, h2_from, health, unread};

fn list_schemes() -> pb::ListSchemesRequest {
    pb::ListSchemesRequest {
        language_code: "en".to_owned(),
        ..Default::default()
    }
}

/// ListSchemes on `channel`, with `token` as its bearer token when given.
async fn call(
    channel: &Channel,
    token: Option<&str>,
) -> Result<pb::ListSchemesResponse, tonic::Status> {
    let mut request = Request::new(list_schemes());
    if let Some(token) = token {
        request.metadata_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("metadata"),
        );
    }
    let mut client = TaxonomyServiceClient::new(channel.clone());
    tokio::time::timeout(Duration::from_secs(5), client.list_schemes(request))
        .await
        .expect("answered within 5 s")
        .map(tonic::Response::into_inner)
}

/// A reply of exactly `--max-reply-size` bytes goes; one byte less of cap and it is refused,
/// naming the flag; other calls on the same server are answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_over_the_cap_ends_its_call_with_resource_exhausted() {
    let size = {
        let server = Server::start(&[], None);
        let reply = call(&server.channel().await, None)
            .await
            .expect("ListSchemes");
        // The message and its 5-byte gRPC prefix, as one body frame.
        5 + reply.encoded_len()
    };
    assert!(size > 100, "ListSchemes replies {size} bytes");

    let at_cap = Server::start(&["--max-reply-size", &size.to_string()], None);
    let channel = at_cap.channel().await;
    call(&channel, None)
        .await
        .expect("a reply of exactly the cap");

    let under = Server::start(&["--max-reply-size", &(size - 1).to_string()], None);
    let channel = under.channel().await;
    let refused = call(&channel, None)
        .await
        .expect_err("a reply over the cap");
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    llmarket_tests::assert::assert_no_retry(&refused, "REPLY_TOO_LARGE");
    assert!(
        refused.message().contains("--max-reply-size")
            && refused.message().contains(&format!("{size} bytes")),
        "{}",
        refused.message()
    );
    // Small replies still go, on the same connection.
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
    health
        .check(tonic_health::pb::HealthCheckRequest {
            service: TAXONOMY.to_owned(),
        })
        .await
        .expect("health, a small reply");
}

const HOG: &str = "token-hog";
const OTHER: &str = "token-other";

/// Two principals who read every scheme.
fn auth_file() -> String {
    format!(
        "[[principal]]\nname = \"hog\"\ntokens = [\"{}\"]\ngrants = [\"schemes/*\"]\n\n\
         [[principal]]\nname = \"other\"\ntokens = [\"{}\"]\ngrants = [\"schemes/*\"]\n",
        TokenDigest::of(HOG),
        TokenDigest::of(OTHER),
    )
}

/// `hog` holds two calls in flight (replies it does not read) under
/// `--max-calls-per-principal 2`: its third is refused, `other` is answered, and once `hog`'s
/// calls end it is answered again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_principal_past_its_calls_in_flight_is_refused_and_another_is_answered() {
    let dir = std::env::temp_dir().join(format!("llmarket-per-principal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("auth.toml");
    std::fs::write(&file, auth_file()).expect("write auth file");
    let server = Server::start(
        &[
            "--auth-file",
            file.to_str().expect("utf-8 path"),
            "--max-calls-per-principal",
            "2",
        ],
        None,
    );
    let channel = server.channel().await;
    call(&channel, Some(HOG)).await.expect("hog, before");

    let (send, conn) = unread(&server.addr).await;
    let body = grpc_frame(&list_schemes());
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut ready = send.clone().ready().await.expect("ready");
        let request = http::Request::builder()
            .method("POST")
            .uri(format!("http://{}/{TAXONOMY}/ListSchemes", server.addr))
            .header("content-type", "application/grpc")
            .header("te", "trailers")
            .header("authorization", format!("Bearer {HOG}"))
            .body(())
            .expect("request");
        let (response, mut stream) = ready.send_request(request, false).expect("send");
        stream
            .send_data(body.clone(), true)
            .expect("send the message");
        let response = tokio::time::timeout(Duration::from_secs(5), response)
            .await
            .expect("headers within 5 s")
            .expect("response");
        assert!(
            !response.headers().contains_key("grpc-status"),
            "a held call was refused: {response:?}"
        );
        held.push((response, stream));
    }

    let refused = call(&channel, Some(HOG))
        .await
        .expect_err("hog's third call");
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    assert!(
        refused.message().contains("--max-calls-per-principal")
            && refused.message().contains("\"hog\""),
        "{}",
        refused.message()
    );
    call(&channel, Some(OTHER))
        .await
        .expect("another principal");
    assert_eq!(
        health(&server.channel().await).await,
        tonic_health::pb::health_check_response::ServingStatus::Serving
    );

    // hog's held calls end with their connection: its places are given back.
    drop((held, send));
    conn.abort();
    let mut answered = false;
    for _ in 0..50 {
        if call(&channel, Some(HOG)).await.is_ok() {
            answered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(answered, "hog's places were not given back");
    std::fs::remove_dir_all(dir).expect("clean up");
}

/// A health `Watch` opened on `send`: whether it was admitted (no status in its headers), and
/// the refusal's message otherwise. The stream is kept in `held`.
async fn watch(
    send: &h2::client::SendRequest<Bytes>,
    addr: &str,
    held: &mut Vec<Box<dyn std::any::Any + Send>>,
) -> Result<(), String> {
    let request = http::Request::builder()
        .method("POST")
        .uri(format!("http://{addr}/grpc.health.v1.Health/Watch"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .expect("request");
    let mut ready = send.clone().ready().await.expect("ready");
    let (response, mut stream) = ready.send_request(request, false).expect("send");
    let check = grpc_frame(&tonic_health::pb::HealthCheckRequest {
        service: TAXONOMY.to_owned(),
    });
    let _ = stream.send_data(check, true);
    let response = tokio::time::timeout(Duration::from_secs(5), response)
        .await
        .expect("headers within 5 s")
        .expect("response");
    let refused = response
        .headers()
        .get("grpc-message")
        .map(|m| String::from_utf8_lossy(m.as_bytes()).replace("%20", " "));
    held.push(Box::new((response, stream)));
    match refused {
        Some(message) => Err(message),
        None => Ok(()),
    }
}

/// With an auth file, calls without credentials (health) are held per client address: two
/// `Watch` streams from 127.0.0.3 under `--max-calls-per-principal 2`, and its third is refused
/// while another address's is admitted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_without_credentials_are_held_per_address() {
    let dir =
        std::env::temp_dir().join(format!("llmarket-per-address-calls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("auth.toml");
    std::fs::write(&file, auth_file()).expect("write auth file");
    let server = Server::start(
        &[
            "--auth-file",
            file.to_str().expect("utf-8 path"),
            "--max-calls-per-principal",
            "2",
        ],
        None,
    );
    let crowded = std::net::Ipv4Addr::new(127, 0, 0, 3);
    let mut held = Vec::new();
    let first = h2_from(crowded, &server.addr).await;
    watch(&first, &server.addr, &mut held)
        .await
        .expect("a first Watch");
    watch(&first, &server.addr, &mut held)
        .await
        .expect("a second Watch");
    // Another connection from the same address is the same caller.
    let second = h2_from(crowded, &server.addr).await;
    let refused = watch(&second, &server.addr, &mut held)
        .await
        .expect_err("a third Watch from the address");
    assert!(
        refused.contains("127.0.0.3") && refused.contains("--max-calls-per-principal"),
        "{refused}"
    );
    let other = h2_from(std::net::Ipv4Addr::new(127, 0, 0, 4), &server.addr).await;
    watch(&other, &server.addr, &mut held)
        .await
        .expect("another address");
    std::fs::remove_dir_all(dir).expect("clean up");
}
