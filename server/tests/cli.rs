//! Tests of the `llmarket-server` binary as a process: exit codes and one-line errors for bad
//! input, `--version`, a clean exit on SIGTERM, and an exit at once on a second signal.

use std::{
    io::{BufRead as _, BufReader},
    net::TcpListener,
    path::PathBuf,
    process::{Command, Output, Stdio},
    sync::mpsc,
    time::Duration,
};

const BIN: &str = env!("CARGO_BIN_EXE_llmarket-server");

/// Runs the binary to completion; one that is still running after a minute (a server that
/// should have refused to start) is killed and fails the test.
fn run(args: &[&str]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("LLMARKET_DATA")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run llmarket-server");
    for _ in 0..1200 {
        if child.try_wait().expect("poll child").is_some() {
            return child.wait_with_output().expect("collect output");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let output = child.wait_with_output().expect("collect output");
    panic!(
        "llmarket-server {args:?} did not exit; stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Asserts the process failed with `code` and a single clear error line on stderr.
fn assert_one_line_error(output: &Output, code: i32, needle: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(lines[0].starts_with("llmarket-server: error: "), "{stderr}");
    assert!(lines[0].contains(needle), "{needle:?} not in {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("llmarket-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Writes the manifest of the dataset directory `dir` with `llmarket-server data manifest`.
fn write_manifest(dir: &std::path::Path) {
    let output = run(&["data", "manifest", dir.to_str().expect("utf-8 path")]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(stdout.contains("manifest.toml"), "{stdout}");
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    assert_one_line_error(&run(&["serve-everything"]), 64, "serve-everything");
}

#[test]
fn missing_subcommand_is_a_usage_error() {
    let output = run(&[]);
    assert_eq!(output.status.code(), Some(64));
}

#[test]
fn bad_address_is_a_usage_error() {
    assert_one_line_error(
        &run(&["forecast", "--listen", "not-an-address"]),
        64,
        "not-an-address",
    );
    assert_one_line_error(
        &run(&["all", "--taxonomy-listen", "127.0.0.1:99999"]),
        64,
        "99999",
    );
}

#[test]
fn bad_grace_period_is_a_usage_error() {
    assert_one_line_error(&run(&["forecast", "--shutdown-grace", "soon"]), 64, "soon");
}

#[test]
fn help_exits_zero() {
    let output = run(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("forecast"));
}

#[test]
fn version_names_the_built_in_data() {
    let output = run(&["--version"]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(env!("CARGO_PKG_VERSION")), "{stdout}");
    assert!(stdout.contains("datasets/cic-global-llm-2026"), "{stdout}");
    assert!(stdout.contains(", data version "), "{stdout}");
}

#[test]
fn zero_timers_are_usage_errors() {
    assert_one_line_error(&run(&["forecast", "--idle-timeout", "0s"]), 64, "zero");
    assert_one_line_error(
        &run(&["forecast", "--max-concurrent-streams", "0"]),
        64,
        "max-concurrent-streams",
    );
}

#[test]
fn port_in_use_is_an_io_error() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    assert_one_line_error(&run(&["taxonomy", "--listen", &addr]), 74, &addr);
}

#[test]
fn unreadable_data_path_is_an_io_error() {
    assert_one_line_error(
        &run(&["--data", "/no/such/llmarket/data", "forecast"]),
        74,
        "/no/such/llmarket/data",
    );
}

#[test]
fn bad_forecast_data_is_a_data_error() {
    let dir = temp_dir("bad-forecast");
    std::fs::write(dir.join("forecast.toml"), "this is = [not toml").expect("write");
    write_manifest(&dir);
    let output = run(&[
        "--data",
        dir.to_str().expect("utf-8 path"),
        "forecast",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_one_line_error(&output, 65, "forecast.toml");
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[test]
fn a_data_directory_without_a_manifest_is_refused_with_the_command_that_writes_one() {
    let dir = temp_dir("no-manifest");
    let builtin = include_str!("../data/cic-global-llm-2026/forecast.toml");
    std::fs::write(dir.join("forecast.toml"), builtin).expect("write");
    let dir_arg = dir.to_str().expect("utf-8 path");
    let output = run(&["--data", dir_arg, "forecast", "--listen", "127.0.0.1:0"]);
    assert_one_line_error(&output, 65, "llmarket-server data manifest");
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[test]
fn bad_taxonomy_data_is_a_data_error() {
    let dir = temp_dir("bad-taxonomy");
    std::fs::write(dir.join("taxonomy.toml"), "[[concepts]\n").expect("write");
    write_manifest(&dir);
    let output = run(&[
        "--data",
        dir.to_str().expect("utf-8 path"),
        "taxonomy",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_one_line_error(&output, 65, "taxonomy.toml");
    std::fs::remove_dir_all(dir).expect("clean up");
}

/// A running `llmarket-server` whose stderr lines arrive on a channel.
#[cfg(unix)]
struct Running {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
}

#[cfg(unix)]
impl Running {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(args)
            .env_remove("LLMARKET_DATA")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start llmarket-server");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self { child, lines }
    }

    /// The next stderr line containing `needle` (bounded wait, so a broken server fails the test).
    fn wait_for(&self, needle: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("no log line with {needle:?}"));
            if line.contains(needle) {
                return line;
            }
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("send signal");
        assert!(status.success());
    }
}

#[cfg(unix)]
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The English title of `datasets/{id}` as the server at `addr` serves it now.
#[cfg(unix)]
fn served_title(addr: &str, id: &str) -> String {
    use llmarket_proto::forecast::{
        GetDatasetRequest, forecast_service_client::ForecastServiceClient,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut client = ForecastServiceClient::connect(format!("http://{addr}"))
            .await
            .expect("connect");
        let response = client
            .get_dataset(GetDatasetRequest {
                name: format!("datasets/{id}"),
            })
            .await
            .expect("GetDataset");
        response.into_inner().dataset.expect("dataset").title_en
    })
}

#[cfg(unix)]
#[test]
fn sighup_swaps_in_good_data_and_keeps_the_old_data_when_the_new_is_bad() {
    let builtin = include_str!("../data/cic-global-llm-2026/forecast.toml");
    let original = builtin.replacen(r#"id = "cic-global-llm-2026""#, r#"id = "reload-test""#, 1);
    assert_ne!(original, builtin, "the built-in file names its id");
    let dir = temp_dir("reload");
    let file = dir.join("forecast.toml");
    std::fs::write(&file, &original).expect("write");
    write_manifest(&dir);

    let dir_arg = dir.to_str().expect("utf-8 path");
    // Written file by file, the directory is reloaded on SIGHUP alone (no watch).
    let server = Running::start(&[
        "--data",
        dir_arg,
        "--data-watch",
        "off",
        "forecast",
        "--listen",
        "127.0.0.1:0",
    ]);
    let line = server.wait_for("listening");
    let addr = line
        .rsplit("addr=")
        .next()
        .expect("addr field")
        .trim()
        .to_owned();
    let first = served_title(&addr, "reload-test");
    assert_eq!(first, "Global Large Model Industry Report");

    // Bad data: rejected, the old data keeps being served.
    std::fs::write(&file, "id = [broken").expect("write");
    write_manifest(&dir);
    server.signal("HUP");
    server.wait_for("reload rejected");
    assert_eq!(served_title(&addr, "reload-test"), first);

    // A file cut short before its fourth series still parses, but differs from its manifest:
    // rejected, nothing of it is served.
    let fourth = original
        .match_indices("[[series]]")
        .nth(3)
        .map(|(at, _)| at)
        .expect("a fourth series");
    std::fs::write(&file, &original[..fourth]).expect("write");
    server.signal("HUP");
    let rejected = server.wait_for("reload rejected");
    assert!(rejected.contains("incomplete or changed"), "{rejected}");
    assert_eq!(served_title(&addr, "reload-test"), first);

    // Good data: swapped in whole.
    let renamed = original.replacen(
        r#"title_en = "Global Large Model Industry Report""#,
        r#"title_en = "Reloaded report""#,
        1,
    );
    std::fs::write(&file, renamed).expect("write");
    write_manifest(&dir);
    server.signal("HUP");
    let reloaded = server.wait_for("reloaded data");
    assert!(
        reloaded.contains("changed datasets/reload-test"),
        "{reloaded}"
    );
    assert!(reloaded.contains("version="), "{reloaded}");
    assert_eq!(served_title(&addr, "reload-test"), "Reloaded report");
    assert_eq!(
        served_title(&addr, "cic-global-llm-2026"),
        first,
        "the built-in dataset stays"
    );

    drop(server);
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_both_services_cleanly() {
    let mut server = Running::start(&[
        "all",
        "--forecast-listen",
        "127.0.0.1:0",
        "--taxonomy-listen",
        "127.0.0.1:0",
    ]);
    server.wait_for("listening");
    server.wait_for("listening");
    server.signal("TERM");
    let status = server.child.wait().expect("wait for server");
    assert_eq!(status.code(), Some(0));
    // The process has exited, so its stderr ends: read what is left up to the end.
    let rest: Vec<String> = server.lines.iter().collect();
    assert!(
        rest.iter().any(|l| l.contains("received SIGTERM")),
        "{rest:?}"
    );
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
}

/// A second SIGTERM or SIGINT while a call holds the drain open ends the process at once, with
/// the code a shell reports for that signal.
#[cfg(unix)]
#[test]
fn a_second_signal_during_the_drain_exits_at_once() {
    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        let mut server = Running::start(&[
            "forecast",
            "--listen",
            "127.0.0.1:0",
            "--shutdown-grace",
            "60s",
        ]);
        let line = server.wait_for("listening");
        let addr = line.rsplit("addr=").next().expect("addr").trim().to_owned();
        // A worker thread keeps the client's connection running between the blocking steps.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        // A call whose request never ends: in flight until the grace period is over.
        let held = runtime.block_on(async {
            let tcp = tokio::net::TcpStream::connect(&addr)
                .await
                .expect("connect");
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
        server.wait_for("draining in-flight calls");
        let started = std::time::Instant::now();
        server.signal(signal);
        let status = server.child.wait().expect("wait for server");
        assert_eq!(status.code(), Some(code), "after a second SIG{signal}");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "did not wait out the grace"
        );
        let rest: Vec<String> = server.lines.iter().collect();
        assert!(
            rest.iter().any(|l| l.contains("exiting at once")),
            "{rest:?}"
        );
        drop(held);
    }
}

#[test]
fn a_non_loopback_address_without_protection_is_refused_before_binding() {
    assert_one_line_error(
        &run(&["forecast", "--listen", "0.0.0.0:0"]),
        64,
        "add --auth-file FILE or mutual TLS (--tls-client-ca), or --allow-insecure",
    );
    assert_one_line_error(
        &run(&[
            "all",
            "--forecast-listen",
            "127.0.0.1:0",
            "--taxonomy-listen",
            "[::]:0",
        ]),
        64,
        "refusing to serve [::]:0",
    );
}

#[cfg(unix)]
#[test]
fn allow_insecure_or_an_auth_file_serves_a_non_loopback_address() {
    let server = Running::start(&["forecast", "--listen", "0.0.0.0:0", "--allow-insecure"]);
    server.wait_for("listening");
    drop(server);

    let dir = temp_dir("auth-open");
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
    let server = Running::start(&["forecast", "--listen", "0.0.0.0:0", "--auth-file", auth]);
    server.wait_for("access control on");
    server.wait_for("listening");
}

#[test]
fn a_bad_auth_file_is_a_data_error_and_a_missing_one_an_io_error() {
    let dir = temp_dir("auth-bad");
    let file = dir.join("auth.toml");
    std::fs::write(
        &file,
        "[[principal]]\nname = \"a\"\ntokens = [\"plain\"]\ngrants = [\"milestones\"]\n",
    )
    .expect("write");
    let path = file.to_str().expect("utf-8 path");
    assert_one_line_error(
        &run(&["forecast", "--listen", "127.0.0.1:0", "--auth-file", path]),
        65,
        "principal[0] \"a\": tokens[0]: \"plain\" is not a token digest",
    );
    assert_one_line_error(
        &run(&[
            "forecast",
            "--listen",
            "127.0.0.1:0",
            "--auth-file",
            "/definitely/not/here.toml",
        ]),
        74,
        "cannot read /definitely/not/here.toml",
    );
}

#[test]
fn token_new_prints_the_token_once_and_an_entry_with_only_its_digest() {
    let output = run(&[
        "token",
        "new",
        "--principal",
        "reports-api",
        "--grant",
        "datasets/*",
        "--grant",
        "schemes/industry",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let token = stdout.trim();
    assert_eq!(stdout.lines().count(), 1);
    assert_eq!(token.len(), 43, "{token}");
    let entry = String::from_utf8_lossy(&output.stderr);
    assert!(!entry.contains(token), "the entry never holds the token");
    let principals =
        llmarket_server::auth::Principals::parse("entry", &entry).expect("the entry is valid");
    let principal = principals
        .authenticate(Some(format!("Bearer {token}").as_bytes()), &[])
        .expect("the token authenticates");
    assert_eq!(principal.name, "reports-api");
    assert!(principal.grants.dataset("any") && principal.grants.scheme("industry"));

    assert_one_line_error(
        &run(&["token", "new", "--principal", "Bad Name"]),
        64,
        "is not a valid name",
    );
    assert_one_line_error(
        &run(&["token", "new", "--principal", "a", "--grant", "everything"]),
        64,
        "--grant \"everything\" is not a grant",
    );
}
