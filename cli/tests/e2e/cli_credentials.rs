//! End-to-end tests of the `llmarket` binary's credentials against TLS servers started in this
//! process: `https://` with `--ca-cert`, mutual TLS with `--client-cert`/`--client-key`, the token
//! from `--token-file` or `LLMARKET_TOKEN`, and exit 77 with a message saying what to set.

use std::{process::Output, time::Duration};

use llmarket_serving::tls::ServerTls;
use llmarket_tests::{
    TestServer,
    doubles::SlowForecast,
    pki::{CLIENT_DNS, CLIENT_URI, Pki},
};

use crate::common::{llmarket_with_env, stderr};

/// Runs `llmarket` with `args` and `env` only (none of the test run's `LLMARKET_*` variables).
async fn llmarket(args: &[String], env: &[(&str, &str)]) -> Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    llmarket_with_env(&args, env).await
}

/// `--forecast URL --taxonomy URL --format json` then `more`.
fn args(url: &str, more: &[&str]) -> Vec<String> {
    ["--forecast", url, "--taxonomy", url, "--format", "json"]
        .iter()
        .chain(more)
        .map(|s| (*s).to_owned())
        .collect()
}

fn path(pki: &Pki, name: &str) -> String {
    pki.path(name).display().to_string()
}

async fn mutual_tls_double(pki: &Pki) -> (TestServer, SlowForecast) {
    let double = SlowForecast::new(Duration::ZERO);
    let tls = ServerTls::load(pki.server_files(true)).expect("server TLS");
    (
        TestServer::start_tls(double.clone().routes(), tls).await,
        double,
    )
}

#[tokio::test]
async fn ca_certificate_client_certificate_and_token_file_reach_the_server() {
    let pki = Pki::new("cli-all");
    let (server, double) = mutual_tls_double(&pki).await;
    let token_file = pki.write("token", "t0ken-from-file\n");
    let output = llmarket(
        &args(
            &server.https_url(),
            &[
                "--ca-cert",
                &path(&pki, "ca.pem"),
                "--client-cert",
                &path(&pki, "client.pem"),
                "--client-key",
                &path(&pki, "client.key"),
                "--token-file",
                &token_file.display().to_string(),
                "series",
                "list",
            ],
        ),
        &[("LLMARKET_TOKEN", "t0ken-from-env")],
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    let callers = double.callers();
    assert_eq!(callers.len(), 1, "{callers:?}");
    assert_eq!(
        callers[0].authorization.as_deref(),
        Some("Bearer t0ken-from-file")
    );
    assert_eq!(
        callers[0].certificate_names,
        vec![format!("dns:{CLIENT_DNS}"), format!("uri:{CLIENT_URI}")]
    );
}

#[tokio::test]
async fn the_token_comes_from_the_environment_and_files_from_their_variables() {
    let pki = Pki::new("cli-env");
    let (server, double) = mutual_tls_double(&pki).await;
    let (ca, cert, key) = (
        path(&pki, "ca.pem"),
        path(&pki, "client.pem"),
        path(&pki, "client.key"),
    );
    let output = llmarket(
        &args(&server.https_url(), &["series", "list"]),
        &[
            ("LLMARKET_TOKEN", "t0ken-from-env"),
            ("LLMARKET_CA_CERT", &ca),
            ("LLMARKET_CLIENT_CERT", &cert),
            ("LLMARKET_CLIENT_KEY", &key),
        ],
    )
    .await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        double.callers()[0].authorization.as_deref(),
        Some("Bearer t0ken-from-env")
    );
}

#[tokio::test]
async fn a_missing_client_certificate_says_what_to_set() {
    let pki = Pki::new("cli-no-cert");
    let (server, double) = mutual_tls_double(&pki).await;
    let output = llmarket(
        &args(
            &server.https_url(),
            &["--ca-cert", &path(&pki, "ca.pem"), "series", "list"],
        ),
        &[],
    )
    .await;
    // With TLS 1.3 the server refuses the certificate after the client's side of the handshake:
    // the client reads the server's alert (77), or only sees the connection close (69).
    let message = stderr(&output);
    match output.status.code() {
        Some(77) => assert!(
            message.contains("refused this client's TLS certificate"),
            "{message}"
        ),
        Some(69) => assert!(message.contains("requires mutual TLS"), "{message}"),
        other => panic!("exit {other:?}: {message}"),
    }
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains("--client-cert and --client-key"),
        "{message}"
    );
    assert!(double.callers().is_empty());
}

/// A forecast service that refuses every call as `code` says, as an authenticating server does.
async fn refusing(code: tonic::Code) -> TestServer {
    TestServer::start(SlowForecast::refusing(code).routes()).await
}

/// Runs `series list` against a server refusing as `code` says, with `env`; checks the exit is 77
/// and returns what the command printed on stderr.
async fn refused_with(code: tonic::Code, env: &[(&str, &str)]) -> String {
    let server = refusing(code).await;
    let output = llmarket(&args(&server.url(), &["series", "list"]), env).await;
    assert_eq!(output.status.code(), Some(77), "{}", stderr(&output));
    stderr(&output)
}

#[tokio::test]
async fn unauthenticated_and_permission_denied_exit_77_and_never_print_the_token() {
    let message = refused_with(tonic::Code::Unauthenticated, &[]).await;
    assert!(
        message.contains("set LLMARKET_TOKEN or --token-file"),
        "{message}"
    );

    let secret = "s3cret-never-printed";
    let with_token = [("LLMARKET_TOKEN", secret)];
    let message = refused_with(tonic::Code::Unauthenticated, &with_token).await;
    assert!(
        message.contains("did not accept the token from LLMARKET_TOKEN"),
        "{message}"
    );
    assert!(!message.contains(secret), "{message}");

    let message = refused_with(tonic::Code::PermissionDenied, &with_token).await;
    assert!(message.contains("PERMISSION_DENIED"), "{message}");
    assert!(
        message.contains("ask the server's operator for a grant"),
        "{message}"
    );
    assert!(!message.contains(secret), "{message}");
}

#[tokio::test]
async fn an_unreadable_token_file_exits_74_and_a_token_over_plaintext_to_another_host_64() {
    let output = llmarket(
        &args(
            "http://127.0.0.1:1",
            &["--token-file", "/no/such/token", "series", "list"],
        ),
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(74), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("--token-file"),
        "{}",
        stderr(&output)
    );

    let output = llmarket(
        &args("http://forecast.example:1", &["series", "list"]),
        &[("LLMARKET_TOKEN", "t0ken")],
    )
    .await;
    assert_eq!(output.status.code(), Some(64), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("use https://"),
        "{}",
        stderr(&output)
    );
}
