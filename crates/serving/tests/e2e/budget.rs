//! The connection's unsent-bytes budget (`--max-unsent-bytes`) against a client that gives the
//! server a little room to send and reads nothing: its replies wait in the server, and are
//! counted until they can leave.

use bytes::Bytes;
use llmarket_serving::ConnectionLimits;

use crate::probe::{FRAME, FRAMES, Server, connect, open, status};

/// A reply that h2 was given (its window had room for some of it) but that cannot leave waits
/// in h2, outside the body: it is still counted, so the next reply past the budget is refused.
/// Once the client reads, its bytes are given back.
#[tokio::test]
async fn a_reply_waiting_behind_a_small_window_is_counted_until_it_can_leave() {
    let limits = ConnectionLimits {
        max_unsent_bytes: FRAME + FRAME / 2,
        ..ConnectionLimits::default()
    };
    let server = Server::with_limits(8, limits).await;
    // Room for 1 KiB of each 16 KiB reply.
    let mut client = connect(&server.addr, 1024).await;
    let (first, mut request) = open(&mut client, FRAMES).await;
    request
        .send_data(Bytes::new(), true)
        .expect("end the request");
    let first = tokio::time::timeout(std::time::Duration::from_secs(10), first)
        .await
        .expect("answered in time")
        .expect("a response");
    // Let hyper hand the reply to h2 and the body reach its trailers.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let (second, mut request) = open(&mut client, FRAMES).await;
    request
        .send_data(Bytes::new(), true)
        .expect("end the request");
    let (code, message) = status(second).await;
    assert_eq!(code, tonic::Code::ResourceExhausted, "{message}");
    assert!(message.contains("has not read"), "{message}");

    // The client reads the first reply: its bytes are given back, and a reply goes again.
    let mut body = first.into_body();
    let mut read = 0;
    while let Some(data) = body.data().await {
        let data = data.expect("reply data");
        read += data.len();
        let _ = body.flow_control().release_capacity(data.len());
    }
    assert_eq!(read, FRAME);
    let (third, mut request) = open(&mut client, FRAMES).await;
    request
        .send_data(Bytes::new(), true)
        .expect("end the request");
    assert_eq!(status(third).await.0, tonic::Code::Ok);
}
