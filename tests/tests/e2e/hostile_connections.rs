//! Hostile and careless clients against the real `llmarket-server` binary, run as its own process
//! on loopback: a client that stops reading, stalled streams, an idle-connection flood, idle and
//! aged connections, one address holding more than its share of connections, connections that
//! never send a first request, and a server that cannot raise its open-file limit. Each case checks that
//! health still answers, that another client is served meanwhile, and the server's RSS (read from
//! /proc). Linux only (it reads /proc).
#![cfg(target_os = "linux")]

use std::{
    process::Command,
    time::{Duration, Instant},
};

use bytes::{BufMut as _, Bytes, BytesMut};
use llmarket_proto::taxonomy::{self as pb, taxonomy_service_client::TaxonomyServiceClient};
use llmarket_tests::process::{ServerProcess, server_bin};
use prost::Message as _;
use tokio::net::TcpStream;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

pub(crate) const TAXONOMY: &str = "llmarket.taxonomy.v1.TaxonomyService";

/// A `llmarket-server taxonomy` process on an ephemeral loopback port.
pub(crate) struct Server {
    process: ServerProcess,
    pub(crate) addr: String,
}

impl Server {
    /// Starts the taxonomy service with `args`; under `ulimit -n {fds}` when `fds` is given.
    pub(crate) fn start(args: &[&str], fds: Option<u32>) -> Self {
        let bin = server_bin();
        let mut command = match fds {
            Some(fds) => {
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg(format!("ulimit -n {fds} && exec \"$0\" \"$@\""))
                    .arg(&bin);
                c
            }
            None => Command::new(&bin),
        };
        command
            .args(["taxonomy", "--listen", "127.0.0.1:0"])
            .args(args);
        let process = ServerProcess::spawn(command, 1);
        let addr = process.addr("taxonomy").to_string();
        Self { process, addr }
    }

    /// Log lines up to and including the first "listening".
    fn startup(&self) -> &[String] {
        &self.process.startup
    }

    /// Sends `signal` (e.g. `HUP`) to the server.
    pub(crate) fn signal(&self, signal: &str) {
        self.process.signal(signal);
    }

    /// The next stderr line containing `needle`, within 30 s.
    pub(crate) fn wait_for(&self, needle: &str) -> String {
        self.process.line_containing(needle)
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// Resident memory in KiB.
    pub(crate) fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("read /proc/PID/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS line")
    }

    /// CPU time used so far (user + system), in clock ticks.
    fn cpu_ticks(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid()))
            .expect("read /proc/PID/stat");
        // Fields after the command name, which is in parentheses and may hold spaces.
        let rest = stat.rsplit_once(')').expect("stat fields").1;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
    }

    /// A fresh channel, connected.
    pub(crate) async fn channel(&self) -> Channel {
        Endpoint::from_shared(self.url())
            .expect("url")
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .connect()
            .await
            .expect("connect")
    }
}

/// Clock ticks per second of /proc/PID/stat.
fn ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

/// Health (overall) on `channel`, within 5 s.
pub(crate) async fn health(channel: &Channel) -> ServingStatus {
    let mut client = HealthClient::new(channel.clone());
    let check = client.check(HealthCheckRequest {
        service: TAXONOMY.to_owned(),
    });
    let response = tokio::time::timeout(Duration::from_secs(5), check)
        .await
        .expect("health answers within 5 s")
        .expect("health check");
    response.into_inner().status()
}

/// A real call on `channel` succeeds within 5 s.
pub(crate) async fn assert_served(channel: &Channel) {
    let mut client = TaxonomyServiceClient::new(channel.clone());
    let call = client.list_schemes(pb::ListSchemesRequest {
        language_code: "en".to_owned(),
        ..Default::default()
    });
    let response = tokio::time::timeout(Duration::from_secs(5), call)
        .await
        .expect("a call answers within 5 s")
        .expect("ListSchemes");
    assert!(!response.into_inner().schemes.is_empty());
}

/// Health and a real call both answer on `channel`.
pub(crate) async fn assert_healthy(channel: &Channel) {
    assert_eq!(health(channel).await, ServingStatus::Serving);
    assert_served(channel).await;
}

/// The names of every concept, largest reply first: the largest batch with a reply, now that
/// a batch may not repeat a name.
pub(crate) async fn every_concept(channel: &Channel) -> Vec<String> {
    let mut client = TaxonomyServiceClient::new(channel.clone());
    let schemes = client
        .list_schemes(pb::ListSchemesRequest {
            page_size: 1000,
            ..Default::default()
        })
        .await
        .expect("ListSchemes")
        .into_inner()
        .schemes;
    let mut all = Vec::new();
    for scheme in schemes {
        let mut token = String::new();
        loop {
            let page = client
                .list_concepts(pb::ListConceptsRequest {
                    parent: scheme.name.clone(),
                    page_size: 1000,
                    page_token: token.clone(),
                    ..Default::default()
                })
                .await
                .expect("ListConcepts")
                .into_inner();
            for concept in page.concepts {
                all.push((std::cmp::Reverse(concept.encoded_len()), concept.name));
            }
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
    }
    assert!(!all.is_empty(), "the built-in data has concepts");
    all.sort();
    all.into_iter().map(|(_, name)| name).take(1000).collect()
}

/// One gRPC message frame: no compression, length, bytes.
pub(crate) fn grpc_frame(message: &impl prost::Message) -> Bytes {
    let body = message.encode_to_vec();
    let mut frame = BytesMut::with_capacity(5 + body.len());
    frame.put_u8(0);
    frame.put_u32(u32::try_from(body.len()).expect("small message"));
    frame.put_slice(&body);
    frame.freeze()
}

pub(crate) fn grpc_request(addr: &str, method: &str) -> http::Request<()> {
    http::Request::builder()
        .method("POST")
        .uri(format!("http://{addr}/{TAXONOMY}/{method}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .expect("request")
}

/// A raw HTTP/2 connection whose receive windows are never released: a client that reads nothing.
pub(crate) async fn raw_h2(
    addr: &str,
) -> (
    h2::client::SendRequest<Bytes>,
    tokio::task::JoinHandle<()>,
    usize,
) {
    let (send, task, max_streams, _) = settled_connection(addr, h2::client::Builder::new()).await;
    (send, task, max_streams)
}

/// A raw HTTP/2 connection made with `builder`, once the server's SETTINGS are in, driven on a
/// task of its own: its requests, the task, the server's stream limit and the connection's PING
/// (whose PONG comes once the server has read every frame sent before).
pub(crate) async fn settled_connection(
    addr: &str,
    builder: h2::client::Builder,
) -> (
    h2::client::SendRequest<Bytes>,
    tokio::task::JoinHandle<()>,
    usize,
    h2::PingPong,
) {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let (send, mut conn) = builder
        .handshake::<_, Bytes>(tcp)
        .await
        .expect("h2 handshake");
    let ping = settled(&mut conn).await;
    let max_streams = conn.max_concurrent_send_streams();
    let task = tokio::spawn(async move {
        let _ = conn.await;
    });
    (send, task, max_streams, ping)
}

/// Drives `conn` until the server has answered a PING (the SETTINGS it sent first are in); the
/// connection's PING, to use again once `conn` is driven elsewhere.
async fn settled<T>(conn: &mut h2::client::Connection<T, Bytes>) -> h2::PingPong
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut ping = conn.ping_pong().expect("the connection's ping, taken once");
    tokio::select! {
        pong = ping.ping(h2::Ping::opaque()) => {
            pong.expect("PONG");
        }
        ended = &mut *conn => panic!("the connection ended before its PONG: {ended:?}"),
    }
    ping
}

/// A raw HTTP/2 connection that gives the server no room at all to send reply data (a stream
/// window of 0): every reply it is sent waits, whole, in the server.
pub(crate) async fn unread(
    addr: &str,
) -> (h2::client::SendRequest<Bytes>, tokio::task::JoinHandle<()>) {
    let mut builder = h2::client::Builder::new();
    builder.initial_window_size(0);
    let (send, task, _, _) = settled_connection(addr, builder).await;
    (send, task)
}

/// Opens up to `count` streams on `send`, each sending `body` (ending the request when
/// `end` is set), and keeps their responses unread. Returns how many were opened.
pub(crate) async fn open_streams(
    send: &h2::client::SendRequest<Bytes>,
    addr: &str,
    method: &str,
    body: &Bytes,
    count: usize,
    end: bool,
) -> Vec<(h2::client::ResponseFuture, h2::SendStream<Bytes>)> {
    let mut held = Vec::new();
    for _ in 0..count {
        let ready = tokio::time::timeout(Duration::from_millis(500), send.clone().ready()).await;
        let Ok(Ok(mut ready)) = ready else { break };
        let Ok((response, mut stream)) = ready.send_request(grpc_request(addr, method), false)
        else {
            break;
        };
        let _ = stream.send_data(body.clone(), end);
        held.push((response, stream));
    }
    held
}

/// The highest RSS seen over `period`, sampled every 100 ms.
pub(crate) async fn peak_rss(server: &Server, period: Duration) -> u64 {
    let end = Instant::now() + period;
    let mut peak = server.rss_kib();
    while Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(100)).await;
        peak = peak.max(server.rss_kib());
    }
    peak
}

/// 1 connection, 400 streams of the BatchGetConcepts with the largest reply (every concept
/// once; a batch may not repeat one), replies never read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a memory or CPU threshold: the test command runs it alone (--ignored)"]
async fn a_client_that_stops_reading_pins_bounded_memory_and_gives_it_back() {
    let server = Server::start(&["--send-timeout", "3s"], None);
    let good = server.channel().await;
    let names = every_concept(&good).await;
    assert_healthy(&good).await;
    let idle = server.rss_kib();

    let request = pb::BatchGetConceptsRequest {
        names,
        language_code: "zh-Hans".to_owned(),
    };
    let body = grpc_frame(&request);
    let (send, conn, max_streams) = raw_h2(&server.addr).await;
    assert_eq!(
        max_streams, 100,
        "the stream limit is advertised in SETTINGS"
    );
    let held = open_streams(&send, &server.addr, "BatchGetConcepts", &body, 400, true).await;
    assert!(!held.is_empty());
    let peak = peak_rss(&server, Duration::from_secs(2)).await;
    // Meanwhile, others are served.
    assert_healthy(&server.channel().await).await;
    assert_healthy(&good).await;

    // The server closes the connection whose client stopped reading (--send-timeout 3s).
    server.wait_for("closing a connection whose peer stopped reading");
    // The client leaves.
    drop(held);
    drop(send);
    conn.abort();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let after = server.rss_kib();
    eprintln!(
        "slow reader: RSS idle {idle} KiB, peak {peak} KiB (+{} KiB), 10 s after the client left {after} KiB",
        peak.saturating_sub(idle)
    );
    assert!(
        peak.saturating_sub(idle) <= 64 * 1024,
        "peak {peak} KiB is more than 64 MiB above idle {idle} KiB"
    );
    assert!(
        after < 2 * idle,
        "{after} KiB 10 s after the client left, idle was {idle} KiB"
    );
    assert_healthy(&good).await;
}

/// Streams that send headers and never end the request: at most the stream limit are open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a memory or CPU threshold: the test command runs it alone (--ignored)"]
async fn stalled_streams_are_held_to_the_stream_limit() {
    let server = Server::start(&["--max-concurrent-streams", "20"], None);
    let good = server.channel().await;
    assert_healthy(&good).await;
    let idle = server.rss_kib();

    let (send, conn, max_streams) = raw_h2(&server.addr).await;
    assert_eq!(max_streams, 20);
    let half = Bytes::from_static(&[0, 0, 0, 0, 100]);
    let held = open_streams(&send, &server.addr, "ListSchemes", &half, 300, false).await;
    // The h2 client queues the streams past the advertised limit and never sends them.
    assert!(!held.is_empty());
    assert_healthy(&good).await;
    assert_healthy(&server.channel().await).await;
    let rss = server.rss_kib();
    assert!(
        rss < idle + 16 * 1024,
        "RSS {rss} KiB with stalled streams, idle {idle} KiB"
    );
    drop(held);
    conn.abort();
}

/// Twice `--max-connections` idle connections: the ones over the cap are closed at once, and a
/// client connected before keeps being served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a memory or CPU threshold: the test command runs it alone (--ignored)"]
async fn an_idle_connection_flood_is_held_to_the_cap() {
    use tokio::io::AsyncReadExt as _;
    // One address, so its cap must not be the lower one.
    let server = Server::start(
        &[
            "--max-connections",
            "50",
            "--max-connections-per-address",
            "50",
        ],
        None,
    );
    let good = server.channel().await;
    assert_healthy(&good).await;
    let idle = server.rss_kib();

    // From another address than the client's, each within its address's cap.
    let mut flood = Vec::new();
    for _ in 0..100 {
        let from = std::net::Ipv4Addr::new(127, 0, 0, 2);
        flood.push(connect_from(from, &server.addr).await);
    }
    let mut closed = 0;
    for stream in &mut flood {
        let mut byte = [0u8; 64];
        // A held connection gets the server's SETTINGS; a refused one reads end of stream.
        if let Ok(Ok(0)) =
            tokio::time::timeout(Duration::from_millis(50), stream.read(&mut byte)).await
        {
            closed += 1;
        }
    }
    assert!(
        closed >= 50,
        "only {closed} of 100 connections over a cap of 50 were closed"
    );
    server.wait_for("at the connection cap");
    assert_healthy(&good).await;
    let rss = server.rss_kib();
    assert!(
        rss < idle + 16 * 1024,
        "RSS {rss} KiB with the flood, idle {idle} KiB"
    );
    drop(flood);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_healthy(&server.channel().await).await;
}

/// An idle connection gets GOAWAY after `--idle-timeout`; a busy one after
/// `--max-connection-age`, then closes after the grace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_aged_connections_are_closed() {
    let server = Server::start(
        &[
            "--idle-timeout",
            "1s",
            "--max-connection-age",
            "3s",
            "--max-connection-age-grace",
            "1s",
        ],
        None,
    );
    // Idle: no call at all.
    let (_send, idle_conn, _) = raw_h2(&server.addr).await;
    tokio::time::timeout(Duration::from_secs(5), idle_conn)
        .await
        .expect("the idle connection is closed within 5 s")
        .expect("connection task");

    // Busy: a call every 300 ms, so never idle for 1 s; the age closes it.
    let busy = server.channel().await;
    let opened = Instant::now();
    let tcp = TcpStream::connect(&server.addr).await.expect("connect");
    let (send, conn) = h2::client::handshake(tcp).await.expect("handshake");
    let conn = tokio::spawn(conn);
    let body = grpc_frame(&pb::ListSchemesRequest::default());
    let calls = tokio::spawn(async move {
        let mut send = send;
        loop {
            let Ok(mut ready) = send.clone().ready().await else {
                return;
            };
            let Ok((response, mut stream)) =
                ready.send_request(grpc_request("x", "ListSchemes"), false)
            else {
                return;
            };
            let _ = stream.send_data(body.clone(), true);
            let _ = response.await;
            send = ready;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    });
    tokio::time::timeout(Duration::from_secs(10), conn)
        .await
        .expect("the aged connection is closed within 10 s")
        .expect("connection task")
        .ok();
    assert!(
        opened.elapsed() >= Duration::from_secs(2),
        "closed before its age"
    );
    calls.abort();
    assert_healthy(&busy).await;
}

/// Under `ulimit -n 256` the server cannot raise its limit: it lowers its connection cap, keeps
/// serving a client connected before a flood of connections, and does not spin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a memory or CPU threshold: the test command runs it alone (--ignored)"]
async fn at_the_open_file_limit_the_server_keeps_serving_and_does_not_spin() {
    let server = Server::start(&[], Some(256));
    assert!(
        server
            .startup()
            .iter()
            .any(|l| l.contains("connection cap lowered")),
        "{:?}",
        server.startup()
    );
    let good = server.channel().await;
    assert_healthy(&good).await;

    let mut flood = Vec::new();
    for _ in 0..400 {
        match tokio::time::timeout(Duration::from_secs(1), TcpStream::connect(&server.addr)).await {
            Ok(Ok(stream)) => flood.push(stream),
            _ => break,
        }
    }
    let before = server.cpu_ticks();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let used = server.cpu_ticks() - before;
    let seconds = used as f64 / ticks_per_second() as f64;
    eprintln!(
        "fd limit: {} connections held by the client, server CPU {seconds:.2} s in 5 s",
        flood.len()
    );
    assert!(
        seconds < 0.5,
        "{seconds} CPU-seconds in 5 s at the open-file limit"
    );
    assert_healthy(&good).await;
    drop(flood);
}

/// A TCP connection to `addr` from `source`: another loopback address (127.0.0.2, …) is another
/// peer to the server.
async fn connect_from(source: std::net::Ipv4Addr, addr: &str) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind((source, 0).into())
        .expect("bind a loopback source address");
    socket
        .connect(addr.parse().expect("server address"))
        .await
        .expect("connect")
}

/// The HTTP/2 client preface and an empty SETTINGS frame: enough for the server to answer with
/// its own SETTINGS once it has taken the connection.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";

/// Whether the server took the connection (answered with bytes) or closed it (end of stream),
/// after the client sent the HTTP/2 preface; within 30 s.
async fn taken(stream: &mut TcpStream) -> bool {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    if stream.write_all(H2_PREFACE).await.is_err() {
        return false;
    }
    let mut bytes = [0u8; 64];
    match tokio::time::timeout(Duration::from_secs(30), stream.read(&mut bytes)).await {
        Err(_) => panic!("neither taken nor closed within 30 s"),
        Ok(Ok(0) | Err(_)) => false,
        Ok(Ok(_)) => true,
    }
}

/// Health (for the taxonomy service) over a raw HTTP/2 connection on `tcp`.
async fn raw_health(tcp: TcpStream, addr: &str) -> ServingStatus {
    use tonic_health::pb::HealthCheckResponse;
    let (send, conn) = h2::client::handshake(tcp).await.expect("h2 handshake");
    let conn = tokio::spawn(conn);
    let mut send = send.ready().await.expect("ready");
    let request = http::Request::builder()
        .method("POST")
        .uri(format!("http://{addr}/grpc.health.v1.Health/Check"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .expect("request");
    let (response, mut stream) = send.send_request(request, false).expect("send");
    let check = HealthCheckRequest {
        service: TAXONOMY.to_owned(),
    };
    stream.send_data(grpc_frame(&check), true).expect("send");
    let response = tokio::time::timeout(Duration::from_secs(5), response)
        .await
        .expect("health answers within 5 s")
        .expect("a response");
    let mut body = response.into_body();
    let message = body.data().await.expect("a message").expect("its bytes");
    let status = HealthCheckResponse::decode(&message[5..])
        .expect("a HealthCheckResponse")
        .status();
    conn.abort();
    status
}

/// One address holding more connections than its share (a quarter of `--max-connections` by
/// default) does not lock out a caller from another address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_over_its_share_does_not_lock_out_another() {
    let server = Server::start(&["--max-connections", "20"], None);
    let hog = std::net::Ipv4Addr::new(127, 0, 0, 2);
    let mut held = Vec::new();
    let mut closed = 0;
    for _ in 0..20 {
        let mut stream = connect_from(hog, &server.addr).await;
        if taken(&mut stream).await {
            held.push(stream);
        } else {
            closed += 1;
        }
    }
    assert_eq!(
        (held.len(), closed),
        (5, 15),
        "one address keeps a quarter of --max-connections 20"
    );
    server.wait_for("its address is at the per-address cap");
    let other = connect_from(std::net::Ipv4Addr::new(127, 0, 0, 3), &server.addr).await;
    assert_eq!(
        raw_health(other, &server.addr).await,
        ServingStatus::Serving
    );
    drop(held);
}

/// A connection that sends no request within `--first-request-timeout` is closed: silent TCP,
/// and HTTP/2 with its preface and no request. A client that called at once is still served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_sends_no_first_request_is_closed() {
    use tokio::io::AsyncReadExt as _;
    let server = Server::start(&["--first-request-timeout", "1s"], None);
    let good = server.channel().await;
    assert_healthy(&good).await;

    let mut silent = TcpStream::connect(&server.addr).await.expect("connect");
    let (send, conn, _) = raw_h2(&server.addr).await;
    let mut byte = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_secs(30), silent.read(&mut byte))
        .await
        .expect("a silent connection is closed within 30 s");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    tokio::time::timeout(Duration::from_secs(30), conn)
        .await
        .expect("an HTTP/2 connection with no request is closed within 30 s")
        .expect("connection task");
    drop(send);
    assert_healthy(&good).await;
}

/// ListSchemes with `token` as bearer on an open raw HTTP/2 connection: its `grpc-status`.
async fn list_schemes_on(send: &h2::client::SendRequest<Bytes>, addr: &str, token: &str) -> String {
    let mut ready = send.clone().ready().await.expect("ready");
    let mut request = grpc_request(addr, "ListSchemes");
    let bearer = format!("Bearer {token}").parse().expect("header value");
    request.headers_mut().insert("authorization", bearer);
    let (response, mut stream) = ready.send_request(request, false).expect("send");
    let message = grpc_frame(&pb::ListSchemesRequest::default());
    stream.send_data(message, true).expect("send");
    let response = tokio::time::timeout(Duration::from_secs(5), response)
        .await
        .expect("an answer within 5 s")
        .expect("a response");
    let text = |v: &http::HeaderValue| v.to_str().expect("ascii").to_owned();
    if let Some(status) = response.headers().get("grpc-status") {
        return text(status);
    }
    let mut body = response.into_body();
    while let Some(data) = body.data().await {
        let data = data.expect("reply bytes");
        let _ = body.flow_control().release_capacity(data.len());
    }
    let trailers = body.trailers().await.expect("trailers").expect("trailers");
    text(trailers.get("grpc-status").expect("grpc-status"))
}

/// An HTTP/2 connection to `addr` from `source`.
pub(crate) async fn h2_from(
    source: std::net::Ipv4Addr,
    addr: &str,
) -> h2::client::SendRequest<Bytes> {
    let (send, conn) = h2::client::handshake(connect_from(source, addr).await)
        .await
        .expect("h2 handshake");
    tokio::spawn(conn);
    send
}

/// With an auth file, anonymous connections from many addresses (each within its share) cannot
/// lock out callers with credentials: at the cap a new connection closes the oldest anonymous
/// one, and a connection whose call passed authentication keeps its place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_connections_cannot_lock_out_authenticated_callers() {
    const TOKEN: &str = "hostile-connections-token";
    let dir = std::env::temp_dir().join(format!("llmarket-reserve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let file = dir.join("auth.toml");
    let digest = llmarket_server::auth::token::TokenDigest::of(TOKEN);
    let entry =
        format!("[[principal]]\nname = \"a\"\ntokens = [\"{digest}\"]\ngrants = [\"schemes/*\"]\n");
    std::fs::write(&file, entry).expect("write the auth file");
    // A cap of 8: 2 per address, 2 kept for authenticated connections.
    let auth = file.to_str().expect("utf-8 path");
    let server = Server::start(&["--max-connections", "8", "--auth-file", auth], None);
    let ip = |last: u8| std::net::Ipv4Addr::new(127, 0, 0, last);

    let first = h2_from(ip(20), &server.addr).await;
    assert_eq!(list_schemes_on(&first, &server.addr, TOKEN).await, "0");

    // 16 anonymous connections from 8 addresses, more than the 7 slots left; each is taken
    // or refused before the next.
    let mut hogs = Vec::new();
    for last in 2..10 {
        for _ in 0..2 {
            let mut stream = connect_from(ip(last), &server.addr).await;
            taken(&mut stream).await;
            hogs.push(stream);
        }
    }
    // A new caller with credentials gets in, and the first one kept its connection.
    let second = h2_from(ip(21), &server.addr).await;
    assert_eq!(list_schemes_on(&second, &server.addr, TOKEN).await, "0");
    assert_eq!(list_schemes_on(&first, &server.addr, TOKEN).await, "0");
    server.wait_for("closing the oldest connection not authenticated");
    drop(hogs);
    let _ = std::fs::remove_dir_all(&dir);
}

/// What idle connections cost the server: 1,000 connections that each made one call and then
/// sit quiet (within `--idle-timeout`), the server's CPU over 20 s, with one task checking every
/// connection for a peer that stopped reading (`crates/serving/src/stalls.rs`). Measures,
/// asserts nothing; run by hand against the release binary
/// (docs/benchmarks/2026-12-07-stalled-first.md): `LLMARKET_SERVER_BIN=… cargo test -p
/// llmarket-tests --test e2e -- --ignored --nocapture hostile_connections::measure_idle`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run by hand, alone on the machine"]
async fn measure_idle_connections_cost() {
    const CONNECTIONS: usize = 1000;
    let server = Server::start(&["--max-connections-per-address", "2000"], None);
    let body = grpc_frame(&pb::ListSchemesRequest::default());
    let baseline = {
        let before = server.cpu_ticks();
        tokio::time::sleep(Duration::from_secs(20)).await;
        server.cpu_ticks() - before
    };
    let mut held = Vec::new();
    for _ in 0..CONNECTIONS {
        let (send, conn, _) = raw_h2(&server.addr).await;
        let streams = open_streams(&send, &server.addr, "ListSchemes", &body, 1, true).await;
        for (response, _) in streams {
            let _ = response.await.expect("a response");
        }
        held.push((send, conn));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = server.cpu_ticks();
    tokio::time::sleep(Duration::from_secs(20)).await;
    let idle = server.cpu_ticks() - before;
    let ms = |ticks: u64| ticks * 1000 / ticks_per_second();
    eprintln!(
        "server CPU over 20 s: {} ms with no connection, {} ms with {CONNECTIONS} idle connections",
        ms(baseline),
        ms(idle)
    );
    for (_, conn) in held {
        conn.abort();
    }
}
