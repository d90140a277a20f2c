//! The process's budget (`--max-unsent-bytes-total`, `--max-streams-total`) against the real
//! binary: clients that pile up unread replies or stalled streams on their own connections are
//! refused with RESOURCE_EXHAUSTED once the process as a whole is at its budget, past every
//! per-connection limit, while a caller on a connection of its own keeps being answered.
#![cfg(target_os = "linux")]

use std::time::Duration;

use bytes::Bytes;
use llmarket_proto::taxonomy::{self as pb, taxonomy_service_client::TaxonomyServiceClient};
use prost::Message as _;

use crate::hostile_connections::{
    Server, assert_healthy, every_concept, grpc_frame, open_streams, peak_rss, raw_h2,
    settled_connection, unread,
};

/// How a stream of a client that reads nothing ended, as far as it can see.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    /// Refused: RESOURCE_EXHAUSTED, with this message (percent-decoded).
    Refused(String),
    /// Another status.
    Status(String),
    /// Nothing final within the wait: a reply waiting for the client to read it, or a call
    /// still being handled.
    Open,
}

/// What `response` shows within `wait`: a status in the headers (trailers-only) or in the
/// trailers after the data there is room for, or nothing yet.
async fn seen(response: h2::client::ResponseFuture, wait: Duration) -> Seen {
    let outcome = tokio::time::timeout(wait, async move {
        let response = response.await.ok()?;
        if response.headers().contains_key("grpc-status") {
            return Some(response.headers().clone());
        }
        let mut body = response.into_body();
        while let Some(data) = body.data().await {
            data.ok()?;
        }
        body.trailers().await.ok().flatten()
    })
    .await;
    let Ok(Some(headers)) = outcome else {
        return Seen::Open;
    };
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let message = percent_decode(&get("grpc-message"));
    match get("grpc-status").as_str() {
        "8" => Seen::Refused(message),
        code => Seen::Status(format!("{code}: {message}")),
    }
}

/// `grpc-message` is percent-encoded.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The largest BatchGetConcepts request there is (every concept once), and its reply's size
/// on the wire, asked of a server started for it.
async fn largest_batch() -> (Bytes, usize) {
    let (request, reply) = largest_batch_request().await;
    (grpc_frame(&request), reply)
}

/// [`largest_batch`], the request as a message.
async fn largest_batch_request() -> (pb::BatchGetConceptsRequest, usize) {
    let server = Server::start(&[], None);
    let channel = server.channel().await;
    let names = every_concept(&channel).await;
    let request = pb::BatchGetConceptsRequest {
        names,
        language_code: "zh-Hans".to_owned(),
    };
    let reply = TaxonomyServiceClient::new(channel)
        .batch_get_concepts(request.clone())
        .await
        .expect("BatchGetConcepts")
        .into_inner();
    (request, 5 + reply.encoded_len())
}

/// Calls `call` on a connection of its own every 100 ms until it succeeds: how long that took,
/// or the last refusal once `within` has passed.
async fn answered_within<F, Fut>(
    server: &Server,
    within: Duration,
    call: F,
) -> Result<Duration, tonic::Status>
where
    F: Fn(tonic::transport::Channel) -> Fut,
    Fut: Future<Output = Result<(), tonic::Status>>,
{
    let start = tokio::time::Instant::now();
    loop {
        match call(server.channel().await).await {
            Ok(()) => return Ok(start.elapsed()),
            Err(status) if start.elapsed() >= within => return Err(status),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// Two clients that read nothing, on connections of their own, each well under
/// `--max-unsent-bytes` (16 MiB a connection): together they reach the process's budget, past
/// which even the second's first reply is refused; a caller on a third connection is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unread_replies_are_held_to_the_process_budget_across_connections() {
    let (body, reply) = largest_batch().await;
    assert!(reply > 20_000, "the largest reply is {reply} bytes");
    // Room for two of the largest replies, not three; the reserve (an eighth more) is room
    // for small replies only.
    let budget = (reply * 5 / 2).to_string();
    let server = Server::start(&["--max-unsent-bytes-total", &budget], None);
    let good = server.channel().await;
    assert_healthy(&good).await;

    let (first, first_conn) = unread(&server.addr).await;
    let held = open_streams(&first, &server.addr, "BatchGetConcepts", &body, 4, true).await;
    assert_eq!(held.len(), 4);
    let mut seen_first = Vec::new();
    // The request halves are kept: dropping every handle of a stream resets it.
    let mut kept = Vec::new();
    for (response, stream) in held {
        seen_first.push(seen(response, Duration::from_secs(2)).await);
        kept.push(stream);
    }
    // Two replies wait to be read (which two depends on which handler finished first); the
    // others are refused.
    let waiting = seen_first.iter().filter(|s| **s == Seen::Open).count();
    assert_eq!(waiting, 2, "{seen_first:?}");
    for seen in &seen_first {
        assert!(
            match seen {
                Seen::Open => true,
                Seen::Refused(message) => message.contains("--max-unsent-bytes-total"),
                Seen::Status(_) => false,
            },
            "{seen_first:?}"
        );
    }

    // A second client's first reply: under its connection's budget, over the process's.
    let (second, second_conn) = unread(&server.addr).await;
    let held = open_streams(&second, &server.addr, "BatchGetConcepts", &body, 1, true).await;
    let (response, stream) = held.into_iter().next().expect("a stream");
    kept.push(stream);
    let second_seen = seen(response, Duration::from_secs(2)).await;
    assert!(
        matches!(&second_seen, Seen::Refused(m) if m.contains("--max-unsent-bytes-total")),
        "{second_seen:?}"
    );

    // A caller on its own connection, and one already connected, are answered meanwhile.
    assert_healthy(&server.channel().await).await;
    assert_healthy(&good).await;

    // The clients leave: their replies are given back, and large replies go again.
    drop((first, second, kept));
    first_conn.abort();
    second_conn.abort();
    let (third, _third_conn) = unread(&server.addr).await;
    let mut open = false;
    for _ in 0..50 {
        let held = open_streams(&third, &server.addr, "BatchGetConcepts", &body, 1, true).await;
        let (response, stream) = held.into_iter().next().expect("a stream");
        if seen(response, Duration::from_millis(500)).await == Seen::Open {
            open = true;
            break;
        }
        drop(stream);
    }
    assert!(open, "the budget was not given back when its holders left");
}

/// A client that opens more stalled streams than `--max-streams-total` on one connection: past
/// the budget they are refused at once; a caller on a connection of its own (fewer than 4
/// calls open) still has the reserve.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_calls_are_held_to_the_process_budget() {
    let server = Server::start(&["--max-streams-total", "10"], None);
    let (send, conn, max_streams) = raw_h2(&server.addr).await;
    assert_eq!(max_streams, 100, "well over the process's budget");
    // The length prefix of a message that never comes.
    let stalled = Bytes::from_static(&[0, 0, 0, 0, 100]);
    let held = open_streams(&send, &server.addr, "ListSchemes", &stalled, 20, false).await;
    assert_eq!(held.len(), 20);
    let mut outcomes = Vec::new();
    let mut streams = Vec::new();
    for (response, stream) in held {
        outcomes.push(seen(response, Duration::from_millis(300)).await);
        streams.push(stream);
    }
    // Ten are held (which ten depends on the order the server took them up), ten refused.
    let open = outcomes.iter().filter(|s| **s == Seen::Open).count();
    assert_eq!(open, 10, "{outcomes:?}");
    for seen in &outcomes {
        assert!(
            match seen {
                Seen::Open => true,
                Seen::Refused(message) => message.contains("--max-streams-total"),
                Seen::Status(_) => false,
            },
            "{outcomes:?}"
        );
    }
    // A new connection, with nothing open: the reserve.
    assert_healthy(&server.channel().await).await;

    // The stalled streams end (the client leaves): their places are given back.
    drop((streams, send));
    conn.abort();
    let (send, _conn, _) = raw_h2(&server.addr).await;
    let mut given_back = false;
    for _ in 0..50 {
        let held = open_streams(&send, &server.addr, "ListSchemes", &stalled, 8, false).await;
        let mut last = Seen::Open;
        for (response, _stream) in held {
            last = seen(response, Duration::from_millis(100)).await;
        }
        if last == Seen::Open {
            given_back = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        given_back,
        "the stalled streams' places were not given back"
    );
}

/// The slow readers of the report: 40 connections, each with 100 streams of the largest
/// BatchGetConcepts, none read. Under an 8 MiB budget the server's RSS stays within 64 MiB of
/// idle (every per-connection limit alone allows 640 MiB), and another caller is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a memory or CPU threshold: the test command runs it alone (--ignored)"]
async fn forty_slow_readers_stay_within_the_process_budget() {
    let (body, _) = largest_batch().await;
    let server = Server::start(
        &[
            "--max-unsent-bytes-total",
            "8388608",
            "--send-timeout",
            "60s",
        ],
        None,
    );
    let good = server.channel().await;
    assert_healthy(&good).await;
    let idle = server.rss_kib();
    let mut readers = Vec::new();
    for _ in 0..40 {
        let (send, conn) = unread(&server.addr).await;
        let held = open_streams(&send, &server.addr, "BatchGetConcepts", &body, 100, true).await;
        readers.push((send, conn, held));
    }
    let peak = peak_rss(&server, Duration::from_secs(3)).await;
    assert_healthy(&server.channel().await).await;
    assert_healthy(&good).await;
    eprintln!(
        "40 slow readers x 100 streams, --max-unsent-bytes-total 8 MiB: RSS idle {idle} KiB, \
         peak {peak} KiB (+{} KiB)",
        peak.saturating_sub(idle)
    );
    assert!(
        peak.saturating_sub(idle) <= 64 * 1024,
        "peak {peak} KiB is more than 64 MiB above idle {idle} KiB"
    );
    for (_, conn, _) in &readers {
        conn.abort();
    }
}

/// The stalled streams of the report: 200 connections of 100 streams that never finish their
/// request. Under a budget of 2,000 open calls the server's RSS stays within 64 MiB of idle
/// (most of it what 200 connections keep after a burst of 100 calls; without the budget the same
/// flood took about 100 MiB), and another caller is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a memory or CPU threshold: the test command runs it alone (--ignored)"]
async fn twenty_thousand_stalled_streams_stay_within_the_process_budget() {
    let server = Server::start(&["--max-streams-total", "2000"], None);
    let good = server.channel().await;
    assert_healthy(&good).await;
    let idle = server.rss_kib();
    let stalled = Bytes::from_static(&[0, 0, 0, 0, 100]);
    let mut flood = Vec::new();
    for _ in 0..200 {
        let (send, conn, _) = raw_h2(&server.addr).await;
        let held = open_streams(&send, &server.addr, "ListSchemes", &stalled, 100, false).await;
        flood.push((send, conn, held));
    }
    let peak = peak_rss(&server, Duration::from_secs(3)).await;
    assert_healthy(&server.channel().await).await;
    assert_healthy(&good).await;
    eprintln!(
        "200 connections x 100 stalled streams, --max-streams-total 2000: RSS idle {idle} KiB, \
         peak {peak} KiB (+{} KiB)",
        peak.saturating_sub(idle)
    );
    assert!(
        peak.saturating_sub(idle) <= 64 * 1024,
        "peak {peak} KiB is more than 64 MiB above idle {idle} KiB"
    );
    for (_, conn, _) in &flood {
        conn.abort();
    }
}

/// Stalled calls spread thin, three on each of six connections, as a crowd of lone callers
/// would hold them: they take the reserve of open calls too. Once the process is into its
/// reserve, a call still unanswered a second after it arrived is ended (STALLED_CALL_ENDED), and
/// a new caller is answered within seconds, not when `--max-call-time` (60 s here) ends the
/// flood.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_calls_spread_over_connections_do_not_lock_out_a_new_caller() {
    let server = Server::start(
        &["--max-streams-total", "8", "--max-call-time", "60s"],
        None,
    );
    let stalled = Bytes::from_static(&[0, 0, 0, 0, 100]);
    let mut flood = Vec::new();
    for _ in 0..6 {
        let (send, conn, _, mut ping) =
            settled_connection(&server.addr, h2::client::Builder::new()).await;
        let held = open_streams(&send, &server.addr, "ListSchemes", &stalled, 3, false).await;
        // The server has taken every stream up once it answers a PING sent after them.
        ping.ping(h2::Ping::opaque()).await.expect("PONG");
        flood.push((send, conn, held));
    }
    let list = |channel| async move {
        TaxonomyServiceClient::new(channel)
            .list_schemes(pb::ListSchemesRequest::default())
            .await
            .map(drop)
    };
    // Past the budget and its reserve, the flood's other streams were refused (below). Whether a
    // first call now is refused depends on how far the flood's calls are from their next check,
    // so only what follows is asserted: without the shedding, nothing frees a place for 60 s.
    let took = answered_within(&server, Duration::from_secs(10), list)
        .await
        .expect("a new caller is answered");
    eprintln!("a new caller was answered {took:?} after the flood");

    let (mut ended, mut refused) = (0, 0);
    let mut outcomes = Vec::new();
    for (_, _, held) in &mut flood {
        for (response, _stream) in held.drain(..) {
            let outcome = seen(response, Duration::from_millis(100)).await;
            match &outcome {
                Seen::Refused(m) if m.contains("still unanswered a second") => ended += 1,
                Seen::Refused(m) if m.contains("--max-streams-total") => refused += 1,
                Seen::Open => {}
                other => panic!("{other:?} among {outcomes:?}"),
            }
            outcomes.push(outcome);
        }
    }
    assert!(
        refused >= 1,
        "the flood never filled the budget: {outcomes:?}"
    );
    assert!(ended >= 1, "no stalled call was ended: {outcomes:?}");
    for (_, conn, _) in &flood {
        conn.abort();
    }
}

/// Clients that read nothing, one reply each on connections of their own, as lone callers
/// would: together they take the reserve of unsent bytes too. Once the process is into its
/// reserve, a connection whose replies have not moved for a second is closed (the process checks
/// every connection once a second), and a new caller gets the largest reply within seconds, not
/// when `--send-timeout` (60 s here) closes them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unread_replies_spread_over_connections_do_not_lock_out_a_new_caller() {
    let (request, reply) = largest_batch_request().await;
    let body = grpc_frame(&request);
    // Room for 1.9 of the largest replies, and 2.1 with the reserve: the second unread one
    // goes into the reserve, and a third does not fit.
    let budget = (reply * 19 / 10).to_string();
    let server = Server::start(
        &["--max-unsent-bytes-total", &budget, "--send-timeout", "60s"],
        None,
    );
    let mut readers = Vec::new();
    for _ in 0..2 {
        let (send, conn) = unread(&server.addr).await;
        let held = open_streams(&send, &server.addr, "BatchGetConcepts", &body, 1, true).await;
        let (response, stream) = held.into_iter().next().expect("a stream");
        let outcome = seen(response, Duration::from_millis(500)).await;
        assert_eq!(outcome, Seen::Open, "the reply waits to be read");
        readers.push((send, conn, stream));
    }
    let took = answered_within(&server, Duration::from_secs(10), |channel| {
        let request = request.clone();
        async move {
            TaxonomyServiceClient::new(channel)
                .batch_get_concepts(request)
                .await
                .map(drop)
        }
    })
    .await
    .expect("a new caller gets the largest reply");
    eprintln!("a new caller got the largest reply {took:?} after the unread ones");
    server.wait_for("closing a connection whose peer stopped reading");
    for (_, conn, _) in &readers {
        conn.abort();
    }
}
