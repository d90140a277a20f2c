//! TLS and mutual TLS end to end on loopback, with certificates made at test time: TLS only,
//! client certificates (none, another CA's, the right one, whose names reach the service),
//! rotation with a call in flight, and the client library with a CA and a token.

use std::time::Duration;

use llmarket_client::{BearerToken, Client, ClientConfig, ClientIdentity, TlsSettings};
use llmarket_proto::forecast::{self as fpb, forecast_service_client::ForecastServiceClient};
use llmarket_serving::tls::ServerTls;
use llmarket_tests::{
    TestServer, builtin_catalog,
    doubles::{Caller, SlowForecast},
    pki::{CLIENT_DNS, CLIENT_URI, Leaf, Pki, TestCa, tls_channel},
};
use tonic::transport::Endpoint;

const BUILTIN: &str = "datasets/cic-global-llm-2026";

/// ListDatasets over TLS trusting `ca`, presenting `identity`: the dataset names, or why the
/// connection or the call failed.
async fn list_datasets(
    server: &TestServer,
    ca: &str,
    identity: Option<&Leaf>,
) -> Result<Vec<String>, String> {
    let channel = tls_channel(server.addr, ca, identity)
        .await
        .map_err(|e| format!("connect: {e:?}"))?;
    let response = ForecastServiceClient::new(channel)
        .list_datasets(fpb::ListDatasetsRequest::default())
        .await
        .map_err(|status| format!("call: {status:?}"))?;
    Ok(response
        .into_inner()
        .datasets
        .into_iter()
        .map(|d| d.name)
        .collect())
}

async fn real_forecast(pki: &Pki, mutual: bool) -> TestServer {
    let tls = ServerTls::load(pki.server_files(mutual)).expect("server TLS");
    TestServer::start_tls(
        llmarket_server::app::routes::forecast(builtin_catalog()),
        tls,
    )
    .await
}

#[tokio::test]
async fn tls_serves_the_data_and_refuses_plaintext() {
    let pki = Pki::new("tls-only");
    let server = real_forecast(&pki, false).await;

    let names = list_datasets(&server, &pki.ca.cert, None).await.unwrap();
    assert_eq!(names, vec![BUILTIN.to_owned()]);

    // A client that does not trust the server's CA refuses the server.
    let other = TestCa::new("untrusted");
    assert!(list_datasets(&server, &other.cert, None).await.is_err());

    // Plaintext HTTP/2 gets no answer from a TLS listener.
    let plaintext = Endpoint::from_shared(server.url())
        .unwrap()
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await;
    if let Ok(channel) = plaintext {
        let refused = ForecastServiceClient::new(channel)
            .list_datasets(fpb::ListDatasetsRequest::default())
            .await;
        assert!(refused.is_err(), "{refused:?}");
    }
}

#[tokio::test]
async fn mutual_tls_admits_only_certificates_from_the_client_ca() {
    let pki = Pki::new("mutual");
    let double = SlowForecast::new(Duration::ZERO);
    let tls = ServerTls::load(pki.server_files(true)).expect("server TLS");
    assert!(tls.mutual());
    let server = TestServer::start_tls(double.clone().routes(), tls).await;

    let none = list_datasets(&server, &pki.ca.cert, None).await;
    assert!(none.is_err(), "no client certificate: {none:?}");
    let stranger = list_datasets(&server, &pki.ca.cert, Some(&pki.stranger)).await;
    assert!(stranger.is_err(), "another CA's certificate: {stranger:?}");
    assert!(double.callers().is_empty(), "{:?}", double.callers());

    list_datasets(&server, &pki.ca.cert, Some(&pki.client))
        .await
        .expect("the right certificate");
    assert_eq!(
        double.callers(),
        vec![Caller {
            authorization: None,
            certificate_names: vec![format!("dns:{CLIENT_DNS}"), format!("uri:{CLIENT_URI}")],
        }]
    );
}

#[tokio::test]
async fn a_client_certificate_the_crl_revokes_is_refused_and_a_reload_reads_a_new_crl() {
    let pki = Pki::new("crl");
    let revoked = pki.ca.client();
    let crl = pki.write("crl.pem", &pki.ca.crl(&[&revoked]));
    let mut files = pki.server_files(true);
    files.client_crl = Some(crl.clone());
    let tls = ServerTls::load(files).expect("server TLS with a CRL");
    let server = TestServer::start_tls(
        llmarket_server::app::routes::forecast(builtin_catalog()),
        tls.clone(),
    )
    .await;

    let refused = list_datasets(&server, &pki.ca.cert, Some(&revoked)).await;
    assert!(refused.is_err(), "a revoked certificate: {refused:?}");
    list_datasets(&server, &pki.ca.cert, Some(&pki.client))
        .await
        .expect("a certificate the CRL does not list");

    // SIGHUP reads the CRL again: one that revokes the other certificate too takes effect for
    // new connections.
    pki.write("crl.pem", &pki.ca.crl(&[&revoked, &pki.client]));
    tls.reload().expect("reload with the new CRL");
    let refused = list_datasets(&server, &pki.ca.cert, Some(&pki.client)).await;
    assert!(refused.is_err(), "revoked by the reloaded CRL: {refused:?}");

    // A CRL file that holds no CRL is refused, naming it; the one in force stays.
    pki.write("crl.pem", &pki.ca.cert);
    let error = tls.reload().unwrap_err().to_string();
    assert!(
        error.contains("client CRL") && error.contains("crl.pem"),
        "{error}"
    );
}

#[tokio::test]
async fn without_mutual_tls_a_caller_has_no_certificate_names() {
    let pki = Pki::new("no-names");
    let double = SlowForecast::new(Duration::ZERO);
    let tls = ServerTls::load(pki.server_files(false)).expect("server TLS");
    let server = TestServer::start_tls(double.clone().routes(), tls).await;
    // A certificate offered to a server that asks for none is not sent, and names nothing.
    list_datasets(&server, &pki.ca.cert, Some(&pki.client))
        .await
        .unwrap();
    assert_eq!(double.callers()[0].certificate_names, Vec::<String>::new());
}

#[tokio::test]
async fn a_reload_rotates_the_certificate_without_touching_calls_in_flight() {
    let pki = Pki::new("rotate");
    let double = SlowForecast::new(Duration::from_millis(800));
    let tls = ServerTls::load(pki.server_files(true)).expect("server TLS");
    let server = TestServer::start_tls(double.clone().routes(), tls.clone()).await;

    // A call in flight on a connection made with the old certificate.
    let old_channel = tls_channel(server.addr, &pki.ca.cert, Some(&pki.client))
        .await
        .unwrap();
    let in_flight = tokio::spawn(async move {
        ForecastServiceClient::new(old_channel)
            .list_datasets(fpb::ListDatasetsRequest::default())
            .await
    });
    double.arrived.notified().await;

    // Rotate to a new CA: server certificate and client CA both.
    let new_ca = TestCa::new("rotated CA");
    let new_client = new_ca.client();
    pki.write_leaf("server", &new_ca.server());
    pki.write("ca.pem", &new_ca.cert);
    tls.reload().expect("reload the rotated files");

    let new_connection = list_datasets(&server, &new_ca.cert, Some(&new_client)).await;
    assert!(new_connection.is_ok(), "{new_connection:?}");
    let old_trust = list_datasets(&server, &pki.ca.cert, Some(&pki.client)).await;
    assert!(old_trust.is_err(), "the old certificate still served");
    in_flight
        .await
        .unwrap()
        .expect("the call in flight finishes over its old connection");

    // A bad file keeps the config in use.
    pki.write("server.key", "not a key");
    let error = tls.reload().unwrap_err();
    assert!(error.to_string().contains("server.key"), "{error}");
    let kept = list_datasets(&server, &new_ca.cert, Some(&new_client)).await;
    assert!(kept.is_ok(), "{kept:?}");
}

#[tokio::test]
async fn the_client_library_trusts_its_ca_presents_its_certificate_and_sends_the_token() {
    let pki = Pki::new("client-library");
    let double = SlowForecast::new(Duration::ZERO);
    let tls = ServerTls::load(pki.server_files(true)).expect("server TLS");
    let server = TestServer::start_tls(double.clone().routes(), tls).await;

    let config = ClientConfig::new(vec![server.https_url()], vec![server.https_url()])
        .with_tls(TlsSettings {
            ca_cert: Some(pki.ca.cert.clone()),
            identity: Some(ClientIdentity {
                cert: pki.client.cert.clone(),
                key: pki.client.key.clone(),
            }),
        })
        .with_token(BearerToken::new("s3cret-t0ken").unwrap());
    let client = Client::connect(config).await.unwrap();
    let list = client
        .series_list(BUILTIN, llmarket_client::reports::Language::En)
        .await
        .unwrap();
    assert!(list.series.is_empty());
    assert_eq!(
        double.callers(),
        vec![Caller {
            authorization: Some("Bearer s3cret-t0ken".to_owned()),
            certificate_names: vec![format!("dns:{CLIENT_DNS}"), format!("uri:{CLIENT_URI}")],
        }]
    );
}

#[tokio::test]
async fn a_client_without_its_certificate_is_refused_by_a_mutual_tls_server() {
    let pki = Pki::new("client-no-cert");
    let server = real_forecast(&pki, true).await;
    let config = ClientConfig::new(vec![server.https_url()], vec![server.https_url()])
        .with_tls(TlsSettings {
            ca_cert: Some(pki.ca.cert.clone()),
            identity: None,
        })
        .with_retry(llmarket_client::RetryPolicy::none());
    let client = Client::connect(config).await.unwrap();
    let error = client
        .series_list(BUILTIN, llmarket_client::reports::Language::En)
        .await
        .unwrap_err();
    // With TLS 1.3 the server refuses the certificate after the client's side of the handshake:
    // the client reads the server's alert, or only sees the connection close.
    match error.code() {
        Some(tonic::Code::Unauthenticated) => {
            assert!(error.to_string().contains("CertificateRequired"), "{error}");
        }
        Some(tonic::Code::Unavailable) => {}
        other => panic!("{other:?}: {error}"),
    }
}

/// A mutual-TLS server whose auth file admits callers by certificate name: `names` of the one
/// principal, granted the built-in dataset.
async fn certificate_authorized_forecast(pki: &Pki, names: &[&str]) -> TestServer {
    use llmarket_server::auth;
    use llmarket_server::{app::ServeOptions, auth::Reflection};
    let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    let file = pki.write(
        "auth.toml",
        &format!(
            "[[principal]]\nname = \"reporting\"\ncertificates = [{}]\ngrants = [\"{BUILTIN}\"]\n",
            quoted.join(", ")
        ),
    );
    let options = ServeOptions {
        tls: Some(ServerTls::load(pki.server_files(true)).expect("server TLS")),
        auth: Some(auth::load(&file).expect("auth file loads")),
        reflection: Reflection::Authenticated,
        ..ServeOptions::default()
    };
    TestServer::start_with_options(
        llmarket_server::app::routes::forecast(builtin_catalog()),
        options,
    )
    .await
}

#[tokio::test]
async fn the_auth_file_admits_a_caller_by_its_verified_certificate_name() {
    let pki = Pki::new("cert-principal");
    let by_uri = certificate_authorized_forecast(&pki, &[CLIENT_URI]).await;
    let names = list_datasets(&by_uri, &pki.ca.cert, Some(&pki.client)).await;
    assert_eq!(names.unwrap(), vec![BUILTIN.to_owned()]);

    // A verified certificate that names no principal is not a credential.
    let pki = Pki::new("cert-stranger-principal");
    let other = certificate_authorized_forecast(&pki, &["someone-else.client.test"]).await;
    let refused = list_datasets(&other, &pki.ca.cert, Some(&pki.client)).await;
    let refused = refused.expect_err("no principal has this certificate");
    assert!(refused.contains("Unauthenticated"), "{refused}");
}

/// Issue 22, item 7: rustls takes a certificate without extended key usages as fit for any
/// purpose, so under mutual TLS alone a certificate from the client CA made for anything (a
/// server's, say) read everything. A client certificate must now carry clientAuth.
#[tokio::test]
async fn a_client_certificate_must_carry_the_client_auth_usage() {
    use rcgen::{ExtendedKeyUsagePurpose as Usage, SanType};
    let pki = Pki::new("client-auth-usage");
    let double = SlowForecast::new(Duration::ZERO);
    let tls = ServerTls::load(pki.server_files(true)).expect("server TLS");
    let server = TestServer::start_tls(double.clone().routes(), tls).await;
    let names = || vec![SanType::DnsName(CLIENT_DNS.try_into().expect("dns name"))];
    let no_usage = pki.ca.leaf(names(), Vec::new());
    let server_only = pki.ca.leaf(names(), vec![Usage::ServerAuth]);
    for (what, leaf) in [("no usage", &no_usage), ("server only", &server_only)] {
        let refused = list_datasets(&server, &pki.ca.cert, Some(leaf)).await;
        assert!(refused.is_err(), "{what}: {refused:?}");
    }
    assert!(double.callers().is_empty(), "{:?}", double.callers());
    let both = pki
        .ca
        .leaf(names(), vec![Usage::ServerAuth, Usage::ClientAuth]);
    list_datasets(&server, &pki.ca.cert, Some(&both))
        .await
        .expect("clientAuth among other usages");
}

/// Issue 22, item 7: DNS and URI names were matched as one list, so a certificate whose URI
/// name is `client-a.internal` logged in as the principal listing the DNS name
/// `client-a.internal`. Names are typed now; an untyped entry without a `:` is a DNS name.
#[tokio::test]
async fn a_uri_name_never_logs_in_as_the_principal_of_the_same_dns_name() {
    use rcgen::{ExtendedKeyUsagePurpose as Usage, SanType};
    let pki = Pki::new("typed-names");
    let as_uri = pki.ca.leaf(
        vec![SanType::URI("client-a.internal".try_into().expect("uri"))],
        vec![Usage::ClientAuth],
    );
    let as_dns = pki.ca.leaf(
        vec![SanType::DnsName(
            "client-a.internal".try_into().expect("dns name"),
        )],
        vec![Usage::ClientAuth],
    );
    for entry in ["client-a.internal", "dns:client-a.internal"] {
        let server = certificate_authorized_forecast(&pki, &[entry]).await;
        let refused = list_datasets(&server, &pki.ca.cert, Some(&as_uri)).await;
        let refused = refused.expect_err("a URI name is not the DNS name listed");
        assert!(refused.contains("Unauthenticated"), "{entry}: {refused}");
        let names = list_datasets(&server, &pki.ca.cert, Some(&as_dns)).await;
        assert_eq!(names.expect(entry), vec![BUILTIN.to_owned()]);
    }
    let server = certificate_authorized_forecast(&pki, &["uri:client-a.internal"]).await;
    let names = list_datasets(&server, &pki.ca.cert, Some(&as_uri)).await;
    assert_eq!(
        names.expect("the URI name listed"),
        vec![BUILTIN.to_owned()]
    );
    let refused = list_datasets(&server, &pki.ca.cert, Some(&as_dns)).await;
    assert!(refused.is_err(), "a DNS name is not the URI listed");
}

/// The largest replies the built-in data gives (full search hits, 50 to a page), several at once
/// on one connection: more than a connection holds back for one write (16 KiB), so the writes
/// pass through TLS both held and straight; each arrives whole, the same as over plaintext.
#[tokio::test]
async fn large_replies_at_once_arrive_whole_over_tls_as_over_plaintext() {
    use llmarket_proto::taxonomy::{
        self as tpb, ConceptView, taxonomy_service_client::TaxonomyServiceClient,
    };
    use llmarket_tests::builtin_vocabulary;

    let request = |query: &str| tpb::SearchConceptsRequest {
        query: query.to_owned(),
        page_size: 50,
        view: ConceptView::Full.into(),
        language_code: "en".to_owned(),
        ..Default::default()
    };
    let queries = ["e", "a", "the", "model", "的", "模型"];
    let plain =
        TestServer::start(llmarket_server::app::routes::taxonomy(builtin_vocabulary())).await;
    let pki = Pki::new("large-replies");
    let tls = ServerTls::load(pki.server_files(false)).expect("server TLS");
    let secure = TestServer::start_tls(
        llmarket_server::app::routes::taxonomy(builtin_vocabulary()),
        tls,
    )
    .await;
    let plain = TaxonomyServiceClient::new(plain.channel().await);
    let secure = TaxonomyServiceClient::new(
        tls_channel(secure.addr, &pki.ca.cert, None)
            .await
            .expect("TLS channel"),
    );
    let fetch = |mut client: TaxonomyServiceClient<tonic::transport::Channel>| {
        let queries = queries.map(request);
        async move {
            let calls = queries.map(|q| {
                let mut client = client.clone();
                tokio::spawn(async move { client.search_concepts(q).await })
            });
            let mut replies = Vec::new();
            for call in calls {
                replies.push(call.await.expect("task").expect("search").into_inner());
            }
            // The connection still serves after them.
            client.search_concepts(request("e")).await.expect("after");
            replies
        }
    };
    let expected = fetch(plain).await;
    let largest = expected.iter().map(prost::Message::encoded_len).max();
    assert!(
        largest > Some(16 * 1024),
        "the largest reply ({largest:?} bytes) must exceed what a connection holds back"
    );
    assert_eq!(fetch(secure).await, expected);
}

/// A mutual-TLS forecast server with `connections` as its connection limits.
async fn limited_mutual_forecast(
    pki: &Pki,
    connections: llmarket_serving::ConnectionLimits,
) -> TestServer {
    let tls = ServerTls::load(pki.server_files(true)).expect("server TLS");
    let options = llmarket_server::app::ServeOptions {
        tls: Some(tls),
        connections,
        ..llmarket_server::app::ServeOptions::default()
    };
    TestServer::start_with_options(
        llmarket_server::app::routes::forecast(builtin_catalog()),
        options,
    )
    .await
}

/// With mutual TLS a completed handshake authenticates a connection: connections that never
/// handshake cannot fill the cap, and a client with its certificate gets in at the cap (the
/// oldest silent connection makes room) and is served again after more of them arrive.
#[tokio::test]
async fn silent_connections_cannot_keep_a_client_with_its_certificate_out() {
    let pki = Pki::new("reserve");
    let connections = llmarket_serving::ConnectionLimits {
        max_connections: 4,
        max_connections_per_address: 4,
        reserved_connections: 2,
        ..Default::default()
    };
    let server = limited_mutual_forecast(&pki, connections).await;
    // As many silent connections as the cap; the listener takes them in order.
    let connect = || tokio::net::TcpStream::connect(server.addr);
    let mut silent = Vec::new();
    for _ in 0..4 {
        silent.push(connect().await.expect("connect"));
    }
    let channel = tls_channel(server.addr, &pki.ca.cert, Some(&pki.client))
        .await
        .expect("a client with its certificate gets in");
    let mut client = ForecastServiceClient::new(channel);
    client
        .list_datasets(fpb::ListDatasetsRequest::default())
        .await
        .expect("served");
    for _ in 0..4 {
        silent.push(connect().await.expect("connect"));
    }
    client
        .list_datasets(fpb::ListDatasetsRequest::default())
        .await
        .expect("still served");
}

/// A connection that never starts its TLS handshake is closed at the first-request deadline.
#[tokio::test]
async fn a_connection_that_never_handshakes_is_closed_at_the_first_request_deadline() {
    use tokio::io::AsyncReadExt as _;
    let pki = Pki::new("handshake-deadline");
    let connections = llmarket_serving::ConnectionLimits {
        first_request_timeout: Duration::from_millis(200),
        ..Default::default()
    };
    let server = limited_mutual_forecast(&pki, connections).await;
    let mut silent = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("connect");
    let mut byte = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_secs(30), silent.read(&mut byte))
        .await
        .expect("closed within 30 s");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    list_datasets(&server, &pki.ca.cert, Some(&pki.client))
        .await
        .expect("a client with its certificate is served");
}

/// `--tls-handshake-timeout` closes a client that never finishes its handshake long before the
/// first-request deadline would.
#[tokio::test]
async fn a_connection_that_never_handshakes_is_closed_at_the_handshake_timeout() {
    use tokio::io::AsyncReadExt as _;
    let pki = Pki::new("handshake-timeout");
    let connections = llmarket_serving::ConnectionLimits {
        first_request_timeout: Duration::from_secs(120),
        tls_handshake_timeout: Duration::from_millis(200),
        ..Default::default()
    };
    let server = limited_mutual_forecast(&pki, connections).await;
    let mut silent = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("connect");
    let mut byte = [0u8; 1];
    // The default (10 s) would not close it within this; the first-request deadline not for 120 s.
    let read = tokio::time::timeout(Duration::from_secs(5), silent.read(&mut byte))
        .await
        .expect("closed at the handshake timeout, not the first-request deadline");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    list_datasets(&server, &pki.ca.cert, Some(&pki.client))
        .await
        .expect("a client with its certificate is served");
}
