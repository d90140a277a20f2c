//! Canaries: what hyper, h2 and tonic do that the serving code relies on and they do not
//! promise (docs/adr/0004-transport-below-hyper.md). Each test names the code that rests on it.

use std::time::Duration;

use bytes::Bytes;

use crate::probe::{
    ECHO, EMPTY_MESSAGE, FRAME, FRAMES, Frames, HOLD, Server, call, connect, open, status,
    whole_status,
};

/// How long a test waits to see that something does not happen.
const QUIET: Duration = Duration::from_millis(300);

/// Load shedding (`middleware::load_shed`) counts a call from the end of its request body, which
/// tonic reads to the end before it runs a unary handler: a call whose body stalls after its
/// message holds no place and runs no handler, and once its body ends it is admitted.
#[tokio::test]
async fn a_stalled_request_body_is_not_admitted_and_runs_no_handler() {
    let server = Server::start(1).await;
    let mut client = connect(&server.addr, 65_535).await;
    let (stalled, mut body) = open(&mut client, HOLD).await;
    // The whole message, but not the end of the stream.
    body.send_data(Bytes::from_static(EMPTY_MESSAGE), false)
        .expect("send the message");
    tokio::time::sleep(QUIET).await;
    assert_eq!(
        server.probe.held(),
        0,
        "tonic ran a unary handler before its request body ended"
    );
    // The stalled call holds no place: another call is served.
    assert_eq!(call(&mut client, ECHO).await.0, tonic::Code::Ok);

    // Its body ends: it is admitted, and holds the one place while its handler runs.
    body.send_data(Bytes::new(), true).expect("end the request");
    server.probe.wait_held(1).await;
    let (code, message) = call(&mut client, ECHO).await;
    assert_eq!(code, tonic::Code::ResourceExhausted, "{message}");
    server.probe.release();
    assert_eq!(status(stalled).await.0, tonic::Code::Ok);
}

/// A call shed at the end of its request body fails that body with our status, and tonic
/// answers the call with it: RESOURCE_EXHAUSTED and our message, not INTERNAL or a reset, with
/// its details (RetryInfo, ErrorInfo) and its `grpc-retry-pushback-ms` metadata
/// (`llmarket_serving::refusal`).
#[tokio::test]
async fn a_shed_call_gets_resource_exhausted_through_tonic() {
    let server = Server::start(1).await;
    let mut client = connect(&server.addr, 65_535).await;
    let (held, mut body) = open(&mut client, HOLD).await;
    body.send_data(Bytes::from_static(EMPTY_MESSAGE), true)
        .expect("send the request");
    server.probe.wait_held(1).await;

    let (response, mut request) = open(&mut client, ECHO).await;
    request
        .send_data(Bytes::from_static(EMPTY_MESSAGE), true)
        .expect("send the request");
    let shed = whole_status(response).await;
    let message = shed.message();
    assert_eq!(shed.code(), tonic::Code::ResourceExhausted, "{message}");
    assert!(
        message.contains("server overloaded: 1 calls already in flight"),
        "{message}"
    );
    {
        use tonic_types::StatusExt as _;
        let delay = shed.get_details_retry_info().and_then(|r| r.retry_delay);
        assert_eq!(delay, Some(llmarket_serving::refusal::CALL_RETRY));
        let reason = shed.get_details_error_info().map(|e| e.reason);
        assert_eq!(reason.as_deref(), Some("OVERLOADED"));
        let pushback = shed.metadata().get(llmarket_serving::refusal::PUSHBACK);
        assert_eq!(pushback.and_then(|v| v.to_str().ok()), Some("100"));
    }

    server.probe.release();
    assert_eq!(status(held).await.0, tonic::Code::Ok);
    assert_eq!(call(&mut client, ECHO).await.0, tonic::Code::Ok);
}

/// The unsent-bytes budget (`tracked::TrackedBody`) rests on how hyper drives a reply body: it
/// hands a polled frame to h2 only once h2 has flow-control room for the stream (so every frame
/// before it can leave), and then polls the body for the next. So the body is never polled more
/// than one frame ahead of what can leave: behind a window that holds none of the first frame,
/// the second is polled (and held by hyper), the third is not. Served by hyper alone, so that
/// this is hyper's behaviour and not ours.
#[tokio::test]
async fn a_reply_body_is_polled_at_most_one_frame_ahead_of_what_can_leave() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address").to_string();
    let polled = tokio::sync::watch::Sender::new(0);
    let serving = polled.clone();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("accept");
        let service = hyper::service::service_fn(move |_| {
            let body = Frames::new(3, serving.clone());
            async move { Ok::<_, std::convert::Infallible>(http::Response::new(body)) }
        });
        let _ = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
            .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
            .await;
    });
    // A stream window of 1 KiB: none of the 16 KiB frames can leave whole until the client reads.
    let mut client = connect(&addr, 1024).await;
    let (response, mut body) = open(&mut client, FRAMES).await;
    body.send_data(Bytes::new(), true).expect("end the request");
    let response = tokio::time::timeout(Duration::from_secs(10), response)
        .await
        .expect("answered in time")
        .expect("a response");
    tokio::time::sleep(QUIET).await;
    assert!(
        *polled.borrow() <= 2,
        "hyper polled the reply body for frame {} while the first had not left",
        *polled.borrow()
    );

    // The client reads: every frame leaves, and the body is polled to its end.
    let mut reply = response.into_body();
    let mut read = 0;
    while let Some(data) = reply.data().await {
        let data = data.expect("reply data");
        read += data.len();
        let _ = reply.flow_control().release_capacity(data.len());
    }
    assert_eq!(read, 3 * FRAME);
    assert_eq!(*polled.borrow(), 3);
}
