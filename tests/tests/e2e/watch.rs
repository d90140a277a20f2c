//! The watch service (`llmarket.watch.v2.WatchService/Watch`) end to end: the real
//! `llmarket-server` process streams a snapshot, then each accepted reload (SIGHUP) to its
//! subscribers; a watch resumed from a version it saw loses no reload, one resumed from a
//! version the server does not remember is ABORTED; a caller sees only what its grants let it
//! read, and each watch is one of its principal's calls in flight; the streaming-call caps (per
//! connection, per listener, the process's) refuse the next watch with RESOURCE_EXHAUSTED,
//! `--max-call-time` ends one, and the server's stop ends every one with UNAVAILABLE; over
//! gRPC-Web (HTTP/1.1) a watch streams its messages and ends with its status in the trailer frame.
#![cfg(unix)]

use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use llmarket_proto::llmarket::watch::v2::{
    Change, Snapshot, WatchRequest, WatchResponse, watch_response::Event,
    watch_service_client::WatchServiceClient,
};
use llmarket_tests::{
    assert::assert_retry_after,
    process::{ServerProcess, write_manifest},
};
use prost::Message as _;
use tonic::{Code, Status, Streaming, transport::Channel};
use tonic_types::StatusExt as _;

const BUILTIN: &str = include_str!("../../../server/data/cic-global-llm-2026/forecast.toml");
const TITLE: &str = r#"title_en = "Global Large Model Industry Report""#;

/// A `--data` directory of dataset directories, each holding one `forecast.toml`.
struct DataDir(PathBuf);

impl DataDir {
    fn new(name: &str) -> Self {
        let root =
            std::env::temp_dir().join(format!("llmarket-watch-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("create the data directory");
        Self(root)
    }

    /// Writes dataset `id` titled `title`, with its manifest.
    fn write(&self, id: &str, title: &str) {
        let dir = self.0.join(id);
        std::fs::create_dir_all(&dir).expect("create the dataset directory");
        let text = BUILTIN
            .replacen(
                r#"id = "cic-global-llm-2026""#,
                &format!("id = \"{id}\""),
                1,
            )
            .replacen(TITLE, &format!("title_en = \"{title}\""), 1);
        std::fs::write(dir.join("forecast.toml"), text).expect("write forecast.toml");
        write_manifest(&dir);
    }

    fn arg(&self) -> &str {
        self.0.to_str().expect("utf-8 path")
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The forecast server of `data` (reloaded on SIGHUP only), with `extra` flags.
fn server(data: &DataDir, extra: &[&str]) -> ServerProcess {
    let mut args = vec!["--data", data.arg(), "--data-watch", "off"];
    args.extend_from_slice(extra);
    args.extend(["forecast", "--listen", "127.0.0.1:0"]);
    ServerProcess::start(&args, 1)
}

/// A new connection to `server`'s forecast listener.
async fn connect(server: &ServerProcess) -> Channel {
    tonic::transport::Endpoint::from_shared(format!("http://{}", server.addr("Forecast")))
        .expect("a valid address")
        .connect()
        .await
        .expect("connect")
}

/// Starts a watch of `parent` on `channel`, resuming from `resume` (empty: a snapshot), with
/// `token` as the bearer credential when given.
async fn watch(
    channel: Channel,
    parent: &str,
    resume: &str,
    token: Option<&str>,
) -> Result<Streaming<WatchResponse>, Status> {
    let mut request = tonic::Request::new(WatchRequest {
        parent: parent.to_owned(),
        resume_data_version: resume.to_owned(),
    });
    if let Some(token) = token {
        let value = format!("Bearer {token}").parse().expect("a header value");
        request.metadata_mut().insert("authorization", value);
    }
    WatchServiceClient::new(channel)
        .watch(request)
        .await
        .map(tonic::Response::into_inner)
}

/// The next event of `stream` (within 30 s, so a missing one fails rather than hangs).
async fn next(stream: &mut Streaming<WatchResponse>) -> Event {
    tokio::time::timeout(Duration::from_secs(30), stream.message())
        .await
        .expect("a message within 30 s")
        .expect("the stream goes on")
        .expect("a message")
        .event
        .expect("an event")
}

fn snapshot(event: Event) -> Snapshot {
    match event {
        Event::Snapshot(snapshot) => snapshot,
        other => panic!("expected a snapshot, got {other:?}"),
    }
}

fn change(event: Event) -> Change {
    match event {
        Event::Change(change) => change,
        other => panic!("expected a change, got {other:?}"),
    }
}

fn names(change: &Change) -> Vec<&str> {
    change.changes.iter().map(|c| c.name.as_str()).collect()
}

fn datasets(datasets: &[llmarket_proto::llmarket::watch::v2::DatasetVersion]) -> Vec<&str> {
    datasets.iter().map(|d| d.dataset.as_str()).collect()
}

/// Retitles dataset `id` and reloads with SIGHUP, waiting for the reload to be logged.
fn reload(server: &ServerProcess, data: &DataDir, id: &str, title: &str) -> Instant {
    data.write(id, title);
    let sent = Instant::now();
    server.signal("HUP");
    server.line_containing("reloaded data");
    sent
}

#[tokio::test]
async fn a_watch_sees_each_reload_and_resumes_from_a_version_without_losing_one() {
    let data = DataDir::new("reloads");
    data.write("watched", "First");
    let server = server(&data, &[]);
    let mut stream = watch(connect(&server).await, "datasets/-", "", None)
        .await
        .expect("Watch");
    let first = snapshot(next(&mut stream).await);
    assert_eq!(
        datasets(&first.datasets),
        ["datasets/cic-global-llm", "datasets/watched"]
    );
    assert_eq!(
        first.datasets[1].latest_edition,
        "datasets/watched/editions/1"
    );

    // One reload: its event, within a second of the signal (printed; the benchmark records it).
    let sent = reload(&server, &data, "watched", "Second");
    let second = change(next(&mut stream).await);
    eprintln!("reload to event: {:?}", sent.elapsed());
    assert_eq!(second.previous_data_version, first.data_version);
    assert_eq!(
        names(&second),
        ["datasets/watched", "datasets/watched/editions/1"]
    );
    assert_eq!(
        second.changes[0].change_type(),
        llmarket_proto::llmarket::watch::v2::ChangeType::Changed
    );
    assert_ne!(
        second.datasets[1].content_version,
        first.datasets[1].content_version
    );
    assert_eq!(
        second.datasets[0], first.datasets[0],
        "the built-in dataset did not change"
    );
    drop(stream);

    // Two reloads while nobody watches; resuming from the last version seen gets both, in order.
    reload(&server, &data, "watched", "Third");
    reload(&server, &data, "watched", "Fourth");
    let mut resumed = watch(
        connect(&server).await,
        "datasets/-",
        &second.data_version,
        None,
    )
    .await
    .expect("Watch resumed");
    let third = change(next(&mut resumed).await);
    let fourth = change(next(&mut resumed).await);
    assert_eq!(third.previous_data_version, second.data_version);
    assert_eq!(fourth.previous_data_version, third.data_version);
    // And the next reload after them.
    reload(&server, &data, "watched", "Fifth");
    let fifth = change(next(&mut resumed).await);
    assert_eq!(fifth.previous_data_version, fourth.data_version);

    // From the first version, every reload since.
    let mut all = watch(
        connect(&server).await,
        "datasets/-",
        &first.data_version,
        None,
    )
    .await
    .expect("Watch resumed");
    for expected in [&second, &third, &fourth, &fifth] {
        assert_eq!(
            change(next(&mut all).await).data_version,
            expected.data_version
        );
    }

    // A version the server never served: list again.
    let status = watch(
        connect(&server).await,
        "datasets/-",
        "0123456789abcdef",
        None,
    )
    .await
    .expect_err("an unknown version");
    assert_eq!(status.code(), Code::Aborted, "{status:?}");
    let info = status.get_details_error_info().expect("ErrorInfo");
    assert_eq!(info.reason, "RESUME_VERSION_UNKNOWN");
}

#[tokio::test]
async fn a_caller_sees_only_the_datasets_and_changes_its_grants_let_it_read() {
    let data = DataDir::new("grants");
    data.write("open", "Open");
    data.write("closed", "Closed");
    let auth = data.0.join("auth.toml");
    let digest = llmarket_server::auth::token::TokenDigest::of("narrow-token");
    std::fs::write(
        &auth,
        format!("[[principal]]\nname = \"narrow\"\ntokens = [\"{digest}\"]\ngrants = [\"datasets/open\"]\n"),
    )
    .expect("write the auth file");
    let auth = auth.to_str().expect("utf-8 path");
    let server = server(
        &data,
        &[
            "--auth-file",
            auth,
            "--watch-heartbeat",
            "300ms",
            "--max-calls-per-principal",
            "2",
        ],
    );
    let token = Some("narrow-token");

    let status = watch(connect(&server).await, "datasets/-", "", None)
        .await
        .expect_err("no credential");
    assert_eq!(status.code(), Code::Unauthenticated);
    let status = watch(connect(&server).await, "datasets/closed", "", token)
        .await
        .expect_err("a dataset not granted");
    assert_eq!(status.code(), Code::PermissionDenied);

    let mut stream = watch(connect(&server).await, "datasets/-", "", token)
        .await
        .expect("Watch");
    let first = snapshot(next(&mut stream).await);
    assert_eq!(datasets(&first.datasets), ["datasets/open"]);

    // A reload of a dataset it may not read: nothing but heartbeats, of the same version.
    reload(&server, &data, "closed", "Closed again");
    let Event::Heartbeat(heartbeat) = next(&mut stream).await else {
        panic!("a reload of a dataset not granted is not seen")
    };
    assert_eq!(heartbeat.data_version, first.data_version);

    reload(&server, &data, "open", "Open again");
    let seen = loop {
        match next(&mut stream).await {
            Event::Heartbeat(_) => continue,
            event => break change(event),
        }
    };
    assert_eq!(names(&seen), ["datasets/open", "datasets/open/editions/1"]);
    assert_eq!(seen.previous_data_version, first.data_version);
    assert_eq!(datasets(&seen.datasets), ["datasets/open"]);

    // A watch is one of its principal's calls in flight: with one open, one more fits, and the
    // next is refused.
    let _second = watch(connect(&server).await, "datasets/-", "", token)
        .await
        .expect("a second watch");
    let status = watch(connect(&server).await, "datasets/-", "", token)
        .await
        .expect_err("past --max-calls-per-principal");
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(
        status.message().contains("calls in flight"),
        "{}",
        status.message()
    );
    assert_retry_after(
        &status,
        "PRINCIPAL_CALLS_LIMIT",
        llmarket_serving::refusal::CALL_RETRY,
    );
    drop(stream);
    tokio::time::sleep(Duration::from_millis(300)).await;
    watch(connect(&server).await, "datasets/-", "", token)
        .await
        .expect("a watch ended gives its place back");
}

#[tokio::test]
async fn past_the_caps_the_next_watch_is_refused_and_the_call_time_ends_one() {
    let data = DataDir::new("caps");
    data.write("capped", "Capped");
    let server = server(
        &data,
        &[
            "--max-streaming-calls",
            "3",
            "--max-streaming-calls-per-connection",
            "2",
            "--max-call-time",
            "2s",
        ],
    );
    let refused = |result: Result<Streaming<WatchResponse>, Status>, flag: &str, reason: &str| {
        let status = result.expect_err("refused");
        assert!(status.message().contains(flag), "{}", status.message());
        // A retry cures it once a watch ends: the details say when.
        assert_retry_after(&status, reason, llmarket_serving::refusal::STREAM_RETRY);
    };
    let one = connect(&server).await;
    let mut open = Vec::new();
    for _ in 0..2 {
        open.push(
            watch(one.clone(), "datasets/-", "", None)
                .await
                .expect("Watch"),
        );
    }
    refused(
        watch(one.clone(), "datasets/-", "", None).await,
        "--max-streaming-calls-per-connection",
        "CONNECTION_STREAMING_CALLS_LIMIT",
    );
    let two = connect(&server).await;
    open.push(
        watch(two.clone(), "datasets/-", "", None)
            .await
            .expect("Watch"),
    );
    refused(
        watch(two.clone(), "datasets/-", "", None).await,
        "--max-streaming-calls)",
        "STREAMING_CALLS_LIMIT",
    );
    // The call time ends every watch, with DEADLINE_EXCEEDED; their places are given back.
    let mut stream = open.pop().expect("a watch");
    snapshot(next(&mut stream).await);
    let ended = loop {
        match tokio::time::timeout(Duration::from_secs(30), stream.message())
            .await
            .expect("the watch ends within 30 s")
        {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the watch ended without a status"),
            Err(status) => break status,
        }
    };
    assert_eq!(ended.code(), Code::DeadlineExceeded, "{ended:?}");
    drop(open);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = watch(two, "datasets/-", "", None)
        .await
        .expect("Watch after");
    snapshot(next(&mut again).await);
}

#[tokio::test]
async fn past_the_process_budget_the_next_watch_is_refused() {
    let data = DataDir::new("budget");
    data.write("budgeted", "Budgeted");
    // 8 streams, and a reserve of 1 for connections with few calls open: the 10th watch, each
    // on its own connection, is refused.
    let server = server(&data, &["--max-streams-total", "8"]);
    let mut open = Vec::new();
    for _ in 0..9 {
        let mut stream = watch(connect(&server).await, "datasets/-", "", None)
            .await
            .expect("Watch within the budget");
        snapshot(next(&mut stream).await);
        open.push(stream);
    }
    let status = watch(connect(&server).await, "datasets/-", "", None)
        .await
        .expect_err("past the budget");
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(
        status.message().contains("--max-streams-total"),
        "{}",
        status.message()
    );
    assert_retry_after(
        &status,
        "OPEN_CALLS_LIMIT",
        llmarket_serving::refusal::CALL_RETRY,
    );
}

/// The forecast service of the built-in data with the watch service of a hub beside it, in
/// this process, ending every call at `max_call_time`; the hub's dataset id.
async fn in_process(max_call_time: Duration) -> (llmarket_tests::TestServer, String) {
    use llmarket_server::app::routes;
    use llmarket_watch::{DatasetState, Hub, State};

    let catalog = llmarket_tests::builtin_catalog();
    let loaded = catalog.load();
    let dataset = &loaded.v2_datasets()[0];
    let id = dataset.id.clone();
    let hub = Hub::new(
        State {
            version: loaded.data_version().clone(),
            datasets: vec![DatasetState {
                id: id.clone(),
                version_parts: loaded
                    .editions_of(dataset)
                    .map(|edition| edition.id.clone())
                    .collect(),
                content_version: "1".into(),
                latest_edition: format!("datasets/{id}/editions/2026"),
            }],
        },
        Duration::from_millis(200),
    );
    let server = llmarket_tests::TestServer::start_with_limits(
        routes::forecast(catalog).also(routes::watch(&hub)),
        llmarket_tests::TEST_GRACE,
        llmarket_server::app::stack::Limits {
            max_call_time,
            ..Default::default()
        },
    )
    .await;
    (server, id)
}

#[tokio::test]
async fn reflection_lists_the_watch_service_beside_the_service() {
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let (server, _) = in_process(Duration::from_secs(30)).await;
    let mut client = ServerReflectionClient::new(server.channel().await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection")
        .into_inner();
    let response = stream.message().await.expect("ok").expect("one response");
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("unexpected reflection response")
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    assert!(
        names.iter().any(|n| n == "llmarket.watch.v2.WatchService"),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .any(|n| n == llmarket_proto::FORECAST_SERVICE_NAME),
        "{names:?}"
    );
}

/// A watch over gRPC-Web (HTTP/1.1, as a browser sends it): its messages in data frames, then,
/// at the call time limit, DEADLINE_EXCEEDED in the trailer frame.
#[tokio::test]
async fn a_watch_over_grpc_web_streams_its_messages_and_ends_with_its_status() {
    let (server, id) = in_process(Duration::from_secs(1)).await;
    let request = WatchRequest {
        parent: "datasets/-".into(),
        resume_data_version: String::new(),
    };
    let response = super::grpc_web::http1(
        &server,
        "POST",
        "/llmarket.watch.v2.WatchService/Watch",
        &super::grpc_web::GRPC_WEB,
        &super::grpc_web::frame(&request.encode_to_vec()),
    )
    .await;
    assert_eq!(response.status, 200);
    let frames = super::grpc_web::frames(&response.body);
    let messages: Vec<Event> = frames
        .iter()
        .filter(|(flag, _)| *flag == 0)
        .map(|(_, m)| WatchResponse::decode(m.as_slice()).unwrap().event.unwrap())
        .collect();
    let first = snapshot(messages[0].clone());
    assert_eq!(datasets(&first.datasets), [format!("datasets/{id}")]);
    assert!(
        messages[1..]
            .iter()
            .all(|m| matches!(m, Event::Heartbeat(_)))
            && messages.len() > 1,
        "heartbeats after the snapshot: {messages:?}"
    );
    assert_eq!(
        super::grpc_web::grpc_status(&response).as_deref(),
        Some("4"),
        "DEADLINE_EXCEEDED at the call time limit"
    );
}

/// The server's resident memory in KiB (`VmRSS` of `/proc/PID/status`).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// The server's CPU time so far (user + system, from `/proc/PID/stat`), in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read stat");
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    let rest = &stat[stat.rfind(')').expect("a command") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
}

/// The server's CPU time spent on one reload of `data` (from the signal until every watch has
/// its event, or for none), in milliseconds at 100 ticks a second.
fn reload_cpu_ms(server: &ServerProcess, before: u64) -> u64 {
    (cpu_ticks(server.pid()) - before) * 10
}

/// 1,000 watches on one process (20 connections of 50): the server's RSS before and after they
/// open, and for each of 5 reloads the time from the first watch's event to the last one's
/// (the fan-out) and from the signal to the last one. Measures, asserts only that every watch
/// sees every reload; run by hand (docs/benchmarks/2026-12-07-watch.md):
/// `cargo test -p llmarket-tests --test e2e -- --ignored --nocapture watch::measure_thousand`.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement: run by hand, alone on the machine"]
async fn measure_thousand_watches_on_one_process() {
    const CONNECTIONS: usize = 20;
    const PER_CONNECTION: usize = 50;
    let data = DataDir::new("thousand");
    data.write("bench", "Bench 0");
    let server = server(
        &data,
        &[
            "--max-streaming-calls",
            "2000",
            "--max-streaming-calls-per-connection",
            "100",
            "--max-call-time",
            "1h",
        ],
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Reloads with nobody watching: what a reload costs the server alone.
    for round in 1..=3 {
        let ticks = cpu_ticks(server.pid());
        reload(&server, &data, "bench", &format!("Unwatched {round}"));
        tokio::time::sleep(Duration::from_millis(300)).await;
        eprintln!(
            "unwatched reload {round}: server CPU {} ms",
            reload_cpu_ms(&server, ticks)
        );
    }
    let before = rss_kib(server.pid());
    let (events, mut received) = tokio::sync::mpsc::unbounded_channel::<(usize, Instant)>();
    for _ in 0..CONNECTIONS {
        let channel = connect(&server).await;
        for _ in 0..PER_CONNECTION {
            let mut stream = watch(channel.clone(), "datasets/-", "", None)
                .await
                .expect("Watch");
            snapshot(next(&mut stream).await);
            let events = events.clone();
            tokio::spawn(async move {
                let mut seen = 0;
                while let Ok(Some(message)) = stream.message().await {
                    if matches!(message.event, Some(Event::Change(_))) {
                        seen += 1;
                        let _ = events.send((seen, Instant::now()));
                    }
                }
            });
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib(server.pid());
    let watches = CONNECTIONS * PER_CONNECTION;
    eprintln!(
        "RSS: {before} KiB idle, {after} KiB with {watches} watches ({:.1} KiB a watch)",
        (after.saturating_sub(before)) as f64 / watches as f64
    );
    for round in 1..=5 {
        let ticks = cpu_ticks(server.pid());
        let sent = reload(&server, &data, "bench", &format!("Bench {round}"));
        let mut times = Vec::with_capacity(watches);
        while times.len() < watches {
            let (seen, at) = tokio::time::timeout(Duration::from_secs(30), received.recv())
                .await
                .expect("every watch sees the reload within 30 s")
                .expect("an event");
            assert_eq!(seen, round, "each watch sees each reload once, in order");
            times.push(at);
        }
        let (first, last) = (times.iter().min().unwrap(), times.iter().max().unwrap());
        tokio::time::sleep(Duration::from_millis(300)).await;
        eprintln!(
            "reload {round}: fan-out (first to last event) {:?}, signal to last event {:?}, \
             server CPU {} ms",
            *last - *first,
            *last - sent,
            reload_cpu_ms(&server, ticks)
        );
    }
}

/// SIGTERM ends an open watch with UNAVAILABLE at once, so it does not hold the drain for the
/// whole grace period. (Multi-threaded, so the client's connection keeps answering the server's
/// GOAWAY while this thread waits for the exit.)
#[tokio::test(flavor = "multi_thread")]
async fn a_watch_ends_with_unavailable_when_the_server_stops() {
    let data = DataDir::new("stop");
    data.write("stopping", "Stopping");
    let mut server = server(&data, &["--shutdown-grace", "120s"]);
    let mut stream = watch(connect(&server).await, "datasets/-", "", None)
        .await
        .expect("Watch");
    snapshot(next(&mut stream).await);
    server.signal("TERM");
    let status = tokio::time::timeout(Duration::from_secs(30), stream.message())
        .await
        .expect("the watch ends within 30 s")
        .expect_err("a status");
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    drop(stream);
    // `wait` gives up after 60 s, half the grace period: the drain did not wait for the watch.
    let exited = tokio::task::spawn_blocking(move || server.wait());
    assert!(exited.await.expect("waited").success());
}
