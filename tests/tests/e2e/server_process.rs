//! The real `llmarket-server` process: it serves a non-loopback address only when told how it
//! is protected, SIGHUP reloads its data (keeping the old data when the new is bad, and answering
//! the new data at once though replies of the old were kept), SIGTERM
//! stops both services cleanly, and a second SIGTERM or SIGINT during the drain exits at once.
//! (Its refusals and exit codes for bad input are tested in `server/tests/cli.rs`.)
#![cfg(unix)]

use std::time::{Duration, Instant};

use llmarket_proto::forecast::{GetDatasetRequest, forecast_service_client::ForecastServiceClient};
use llmarket_tests::process::{ServerProcess, write_manifest};

const BUILTIN: &str = include_str!("../../../server/data/cic-global-llm-2026/forecast.toml");

/// The English title of `datasets/{id}` as the server at `addr` serves it now.
async fn served_title(addr: std::net::SocketAddr, id: &str) -> String {
    let mut client = ForecastServiceClient::new(
        tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
            .expect("a valid address")
            .connect()
            .await
            .expect("connect"),
    );
    let response = client
        .get_dataset(GetDatasetRequest {
            name: format!("datasets/{id}"),
        })
        .await
        .expect("GetDataset");
    response.into_inner().dataset.expect("dataset").title_en
}

/// A non-loopback address is served with `--allow-insecure`, or with an auth file over TLS; a
/// non-loopback admin listener with `--allow-public-admin`. (The refusals without them are in
/// `server/tests/e2e/cli.rs`.)
#[test]
fn allow_insecure_or_an_auth_file_over_tls_serves_a_non_loopback_address() {
    let server = ServerProcess::start(
        &["forecast", "--listen", "0.0.0.0:0", "--allow-insecure"],
        1,
    );
    drop(server);

    let dir = std::env::temp_dir().join(format!("llmarket-auth-open-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let file = dir.join("auth.toml");
    let digest = llmarket_server::auth::token::TokenDigest::of("t");
    std::fs::write(
        &file,
        format!(
            "[[principal]]\nname = \"a\"\ntokens = [\"{digest}\"]\ngrants = [\"datasets/*\"]\n"
        ),
    )
    .expect("write");
    let auth = file.to_str().expect("utf-8 path");
    let pki = llmarket_tests::pki::Pki::new("public-auth");
    let path = |name: &str| pki.path(name).to_str().expect("utf-8 path").to_owned();
    let (cert, key) = (path("server.pem"), path("server.key"));
    // A key every user may read is used, with a warning (issue 22, item 12).
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .expect("chmod");
    let server = ServerProcess::start(
        &[
            "forecast",
            "--listen",
            "0.0.0.0:0",
            "--auth-file",
            auth,
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
            "--admin-listen",
            "0.0.0.0:0",
            "--allow-public-admin",
        ],
        2,
    );
    assert!(
        server
            .startup
            .iter()
            .any(|l| l.contains("access control on")),
        "{:?}",
        server.startup
    );
    assert!(
        server.startup.iter().any(|l| l.contains("WARN")
            && l.contains("server.key is readable by every user (mode 0644)")),
        "{:?}",
        server.startup
    );
    drop(server);
    std::fs::remove_dir_all(&pki.dir).expect("clean up");
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[tokio::test]
async fn sighup_swaps_in_good_data_and_keeps_the_old_data_when_the_new_is_bad() {
    let original = BUILTIN.replacen(r#"id = "cic-global-llm-2026""#, r#"id = "reload-test""#, 1);
    assert_ne!(original, BUILTIN, "the built-in file names its id");
    let dir = std::env::temp_dir().join(format!("llmarket-sighup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the data directory");
    let file = dir.join("forecast.toml");
    std::fs::write(&file, &original).expect("write");
    write_manifest(&dir);

    let dir_arg = dir.to_str().expect("utf-8 path");
    // Written file by file, the directory is reloaded on SIGHUP alone (no watch).
    let server = ServerProcess::start(
        &[
            "--data",
            dir_arg,
            "--data-watch",
            "off",
            "forecast",
            "--listen",
            "127.0.0.1:0",
        ],
        1,
    );
    let addr = server.addr("Forecast");
    let first = served_title(addr, "reload-test").await;
    assert_eq!(first, "Global Large Model Industry Report");
    // Asked again, the reply comes from the reply cache (on by default): every reload below
    // must still be answered at once.
    assert_eq!(served_title(addr, "reload-test").await, first);

    // Bad data: rejected, the old data keeps being served.
    std::fs::write(&file, "id = [broken").expect("write");
    write_manifest(&dir);
    server.signal("HUP");
    server.line_containing("reload rejected");
    assert_eq!(served_title(addr, "reload-test").await, first);

    // A file cut short before its fourth series still parses, but differs from its manifest:
    // rejected, nothing of it is served.
    let fourth = original
        .match_indices("[[series]]")
        .nth(3)
        .map(|(at, _)| at)
        .expect("a fourth series");
    std::fs::write(&file, &original[..fourth]).expect("write");
    server.signal("HUP");
    let rejected = server.line_containing("reload rejected");
    assert!(rejected.contains("incomplete or changed"), "{rejected}");
    assert_eq!(served_title(addr, "reload-test").await, first);

    // Good data: swapped in whole.
    let renamed = original.replacen(
        r#"title_en = "Global Large Model Industry Report""#,
        r#"title_en = "Reloaded report""#,
        1,
    );
    std::fs::write(&file, renamed).expect("write");
    write_manifest(&dir);
    server.signal("HUP");
    let reloaded = server.line_containing("reloaded data");
    assert!(
        reloaded.contains("changed datasets/reload-test"),
        "{reloaded}"
    );
    assert!(reloaded.contains("version="), "{reloaded}");
    assert_eq!(served_title(addr, "reload-test").await, "Reloaded report");
    assert_eq!(
        served_title(addr, "cic-global-llm-2026").await,
        first,
        "the built-in dataset stays"
    );

    drop(server);
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[test]
fn sigterm_stops_both_services_cleanly() {
    let mut server = ServerProcess::start(
        &[
            "all",
            "--forecast-listen",
            "127.0.0.1:0",
            "--taxonomy-listen",
            "127.0.0.1:0",
        ],
        2,
    );
    server.signal("TERM");
    assert_eq!(server.wait().code(), Some(0));
    // The process has exited, so its log ends.
    let rest = server.rest_of_log();
    assert!(
        rest.iter().any(|l| l.contains("received SIGTERM")),
        "{rest:?}"
    );
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
}

/// A second SIGTERM or SIGINT while a call holds the drain open ends the process at once, with
/// the code a shell reports for that signal.
#[test]
fn a_second_signal_during_the_drain_exits_at_once() {
    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        let mut server = ServerProcess::start(
            &[
                "forecast",
                "--listen",
                "127.0.0.1:0",
                "--shutdown-grace",
                "60s",
            ],
            1,
        );
        let addr = server.addr("Forecast");
        // A worker thread keeps the client's connection running between the blocking steps.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        // A call whose request never ends: in flight until the grace period is over.
        let held = runtime.block_on(async {
            let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
            let (send, mut conn) = h2::client::handshake(tcp).await.expect("handshake");
            let mut ping = conn.ping_pong().expect("ping handle");
            tokio::spawn(conn);
            let mut send = send.ready().await.expect("ready");
            let request = http::Request::builder()
                .method("POST")
                .uri(format!(
                    "http://{addr}/llmarket.forecast.v1.ForecastService/ListDatasets"
                ))
                .header("content-type", "application/grpc")
                .header("te", "trailers")
                .body(())
                .expect("request");
            let held = send.send_request(request, false).expect("send request");
            // The server answers a ping after the frames before it: the call has arrived.
            ping.ping(h2::Ping::opaque()).await.expect("pong");
            held
        });
        server.signal(signal);
        server.line_containing("draining in-flight calls");
        let started = Instant::now();
        server.signal(signal);
        assert_eq!(
            server.wait().code(),
            Some(code),
            "after a second SIG{signal}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "did not wait out the grace"
        );
        let rest = server.rest_of_log();
        assert!(
            rest.iter().any(|l| l.contains("exiting at once")),
            "{rest:?}"
        );
        drop(held);
    }
}
