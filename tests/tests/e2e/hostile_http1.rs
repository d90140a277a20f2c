//! Hostile HTTP/1.1 clients against the real `llmarket-server` binary: an unfinished oversized
//! request head on the gRPC port (its gRPC-Web path) and on the admin listener, a flood of idle
//! admin connections past `--admin-max-connections`, and an admin client that pipelines requests
//! and never reads the answers. Each is refused or closed while gRPC calls keep being answered.
#![cfg(unix)]

use std::{
    io::ErrorKind,
    net::SocketAddr,
    time::{Duration, Instant},
};

use llmarket_tests::process::ServerProcess;
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::TcpStream,
};
use tonic::transport::Endpoint;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

/// A taxonomy process with an admin listener and `args`; its gRPC and admin addresses.
fn start(args: &[&str]) -> (ServerProcess, SocketAddr, SocketAddr) {
    let mut all = vec![
        "taxonomy",
        "--listen",
        "127.0.0.1:0",
        "--admin-listen",
        "127.0.0.1:0",
    ];
    all.extend(args);
    let process = ServerProcess::start(&all, 2);
    let (grpc, admin) = (process.addr("taxonomy"), process.addr("admin"));
    (process, grpc, admin)
}

/// Health answers SERVING on `addr` over a fresh connection.
async fn assert_serving(addr: SocketAddr) {
    let channel = Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .timeout(Duration::from_secs(10))
        .connect()
        .await
        .expect("connect");
    let status = HealthClient::new(channel)
        .check(HealthCheckRequest::default())
        .await
        .expect("health check")
        .into_inner()
        .status();
    assert_eq!(status, ServingStatus::Serving);
}

/// What `stream` reads within `within`: the bytes until the peer closes, `None` if it neither
/// answers nor closes in that time.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut seen = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buffer = [0; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buffer[..n]),
            }
        }
    });
    read.await.ok().map(|()| seen)
}

/// `GET /metrics` on a fresh admin connection: the status line.
async fn get_metrics(admin: SocketAddr) -> String {
    let mut stream = TcpStream::connect(admin).await.expect("connect admin");
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("send");
    let answer = read_until_closed(&mut stream, Duration::from_secs(10))
        .await
        .expect("an answer");
    String::from_utf8_lossy(&answer)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn an_oversized_http1_request_head_is_refused_at_16_kib_on_both_listeners() {
    let (_server, grpc, admin) = start(&[]);
    for addr in [grpc, admin] {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        // A head that never ends: 64 KiB of one header. hyper's default buffer (~400 KB)
        // would wait for more, holding it; at 16 KiB it answers 431 and closes at once.
        let mut head = b"POST /llmarket.taxonomy.v1.TaxonomyService/ListSchemes HTTP/1.1\r\nHost: x\r\nX-Pad: "
            .to_vec();
        head.extend(std::iter::repeat_n(b'a', 64 * 1024));
        // The server may close before taking it all.
        let _ = stream.write_all(&head).await;
        let answer = read_until_closed(&mut stream, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("{addr}: an unfinished 64 KiB head was still held"));
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
            "{addr}: {answer}"
        );
    }
    assert_serving(grpc).await;
    assert_eq!(get_metrics(admin).await, "HTTP/1.1 200 OK");
}

#[tokio::test]
async fn admin_connections_past_the_cap_are_closed_and_grpc_is_untouched() {
    let (_server, grpc, admin) = start(&["--admin-max-connections", "2"]);
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(admin).await.expect("connect admin");
        // One full exchange, so the server has surely accepted and counted this connection.
        stream
            .write_all(b"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buffer = [0; 1024];
        let n = stream.read(&mut buffer).await.unwrap();
        assert!(buffer[..n].starts_with(b"HTTP/1.1 200"));
        held.push(stream);
    }
    // A third: closed as soon as it is accepted, with nothing read.
    let mut third = TcpStream::connect(admin).await.expect("connect admin");
    let answer = read_until_closed(&mut third, Duration::from_secs(5))
        .await
        .expect("the connection past the cap is closed");
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    assert_serving(grpc).await;

    // A place given back is taken again (the server sees the close on its next read).
    drop(held.pop());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = get_metrics(admin).await;
        if status == "HTTP/1.1 200 OK" {
            break;
        }
        assert!(Instant::now() < deadline, "no place came back: {status:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_admin_client_that_pipelines_and_never_reads_is_dropped() {
    let (_server, grpc, admin) = start(&["--admin-connection-time", "1s"]);
    let stream = TcpStream::connect(admin).await.expect("connect admin");
    let (_unread, mut writer) = stream.into_split();
    // Far more requests than the socket buffers hold, and no answer ever read: the server blocks
    // writing answers, stops reading requests, and this write blocks in turn, until the server
    // drops the connection (its time is 1 s, then 10 s to read the last answer), which fails it.
    let pipelined = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".repeat(200_000);
    let write = tokio::time::timeout(Duration::from_secs(60), writer.write_all(&pipelined)).await;
    match write {
        Err(_) => panic!("a pipelining client that never reads was still held after 60 s"),
        Ok(Ok(())) => panic!("7 MB of pipelined requests were all taken with no answer read"),
        Ok(Err(e)) => assert!(
            matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe),
            "{e}"
        ),
    }
    assert_serving(grpc).await;
}
