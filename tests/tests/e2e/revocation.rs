//! Credentials revoked while a call or connection is open, against the real binary: a reload of
//! the auth file (SIGHUP) that removes a token ends the reflection stream opened with it, with
//! UNAUTHENTICATED, while a stream of a principal whose token still holds goes on answering; a
//! TLS reload whose CRL revokes a client certificate closes the mutual-TLS connection made with
//! it, while one made with another certificate is kept.
#![cfg(target_os = "linux")]

use std::time::Duration;

use llmarket_server::auth::token::TokenDigest;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Code, Streaming, transport::Channel};
use tonic_reflection::pb::v1::{
    ServerReflectionRequest, ServerReflectionResponse,
    server_reflection_client::ServerReflectionClient, server_reflection_request::MessageRequest,
    server_reflection_response::MessageResponse,
};

use llmarket_tests::pki::{Pki, tls_channel};
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

use crate::hostile_connections::{Server, TAXONOMY};

const LEAVER: &str = "token-leaver";
const STAYER: &str = "token-stayer";

/// The auth file: `stayer`, and `leaver` too when `with_leaver`.
fn auth_file(with_leaver: bool) -> String {
    let mut text = format!(
        "[[principal]]\nname = \"stayer\"\ntokens = [\"{}\"]\ngrants = [\"schemes/*\"]\n",
        TokenDigest::of(STAYER)
    );
    if with_leaver {
        text.push_str(&format!(
            "\n[[principal]]\nname = \"leaver\"\ntokens = [\"{}\"]\ngrants = [\"schemes/*\"]\n",
            TokenDigest::of(LEAVER)
        ));
    }
    text
}

fn list_services() -> ServerReflectionRequest {
    ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    }
}

/// A reflection stream opened with `token`, its first answer read, its request stream kept
/// open (the sender).
async fn reflect(
    channel: &Channel,
    token: &str,
) -> (
    mpsc::Sender<ServerReflectionRequest>,
    Streaming<ServerReflectionResponse>,
) {
    let (requests, rx) = mpsc::channel(4);
    requests
        .send(list_services())
        .await
        .expect("queue a request");
    let mut request = tonic::Request::new(ReceiverStream::new(rx));
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("metadata"),
    );
    let mut stream = ServerReflectionClient::new(channel.clone())
        .server_reflection_info(request)
        .await
        .expect("ServerReflectionInfo")
        .into_inner();
    let first = stream.message().await.expect("a reply").expect("a message");
    assert!(matches!(
        first.message_response,
        Some(MessageResponse::ListServicesResponse(_))
    ));
    (requests, stream)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_opened_before_its_token_was_revoked_ends_at_the_reload() {
    let dir = std::env::temp_dir().join(format!("llmarket-revocation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("auth.toml");
    std::fs::write(&file, auth_file(true)).expect("write auth file");
    let server = Server::start(&["--auth-file", file.to_str().expect("utf-8 path")], None);
    let channel = server.channel().await;
    let (_leaver_requests, mut leaver) = reflect(&channel, LEAVER).await;
    let (stayer_requests, mut stayer) = reflect(&channel, STAYER).await;

    std::fs::write(&file, auth_file(false)).expect("rewrite auth file");
    server.signal("HUP");
    server.wait_for("reloaded the auth file");

    let ended = tokio::time::timeout(Duration::from_secs(10), leaver.message())
        .await
        .expect("the revoked stream ends within 10 s of the reload");
    let status = ended.expect_err("ends with a status");
    assert_eq!(status.code(), Code::Unauthenticated, "{status:?}");
    assert!(
        status.message().contains("revoked") && status.message().contains("leaver"),
        "{status:?}"
    );

    // The stream whose token still holds keeps answering, after the reload and past a check.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stayer_requests
        .send(list_services())
        .await
        .expect("queue a request");
    let answer = tokio::time::timeout(Duration::from_secs(5), stayer.message())
        .await
        .expect("answered within 5 s")
        .expect("no error")
        .expect("a message");
    assert!(matches!(
        answer.message_response,
        Some(MessageResponse::ListServicesResponse(_))
    ));
    std::fs::remove_dir_all(dir).expect("clean up");
}

/// A health check on `channel`, within 5 s: whether it was answered.
async fn answered(channel: &Channel) -> bool {
    let mut client = HealthClient::new(channel.clone());
    let check = client.check(HealthCheckRequest {
        service: TAXONOMY.to_owned(),
    });
    matches!(
        tokio::time::timeout(Duration::from_secs(5), check).await,
        Ok(Ok(_))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_whose_client_certificate_a_reload_revokes_is_closed() {
    let pki = Pki::new("reload-revokes");
    let other = pki.ca.client();
    let crl = pki.write("crl.pem", &pki.ca.crl(&[]));
    let files = pki.server_files(true);
    let path = |p: &std::path::Path| p.to_str().expect("utf-8 path").to_owned();
    let (cert, key, ca, crl) = (
        path(&files.cert),
        path(&files.key),
        path(files.client_ca.as_deref().expect("client CA")),
        path(&crl),
    );
    let server = Server::start(
        &[
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
            "--tls-client-ca",
            &ca,
            "--tls-client-crl",
            &crl,
        ],
        None,
    );
    let addr = server.addr.parse().expect("address");
    let revoked = tls_channel(addr, &pki.ca.cert, Some(&pki.client))
        .await
        .expect("connect with the certificate to revoke");
    let kept = tls_channel(addr, &pki.ca.cert, Some(&other))
        .await
        .expect("connect with another certificate");
    assert!(answered(&revoked).await && answered(&kept).await);

    pki.write("crl.pem", &pki.ca.crl(&[&pki.client]));
    server.signal("HUP");
    // Not waiting for "reloaded TLS" first: the connection may log before the reload does.
    let closing = server.wait_for("no longer verifies");
    assert!(closing.contains("GOAWAY"), "{closing}");

    // The connection is gone, and a new one with the revoked certificate is refused.
    let mut refused = false;
    for _ in 0..50 {
        if !answered(&revoked).await {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        refused,
        "the revoked certificate's connection still answers"
    );
    assert!(answered(&kept).await, "the other certificate's connection");
}
