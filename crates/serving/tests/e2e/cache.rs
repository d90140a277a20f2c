//! The reply cache over real HTTP/2: a method it is told is cacheable is answered from the cache
//! the second time; a reply over the per-entry limit reaches the client before it ends and is not
//! kept; a streaming method is passed on before its request ends, and never kept.

use std::time::Duration;

use bytes::Bytes;
use prost::Message as _;
use prost_types::{
    FileDescriptorProto, FileDescriptorSet, MethodDescriptorProto, MethodOptions,
    ServiceDescriptorProto, method_options::IdempotencyLevel,
};

use crate::probe::{BIG, ECHO, EMPTY_MESSAGE, LARGE, Server, WATCH, call, connect, open, status};

/// The probe's methods as a contract would declare them: `Echo` and `Large` unary reads, `Hold`
/// with no idempotency level, `Watch` a server-streaming read.
fn descriptors() -> Vec<u8> {
    let method =
        |name: &str, level: Option<IdempotencyLevel>, streaming: bool| MethodDescriptorProto {
            name: Some(name.into()),
            input_type: Some(".google.protobuf.Empty".into()),
            output_type: Some(".google.protobuf.Empty".into()),
            options: level.map(|level| MethodOptions {
                idempotency_level: Some(level as i32),
                ..MethodOptions::default()
            }),
            server_streaming: Some(streaming),
            ..MethodDescriptorProto::default()
        };
    FileDescriptorSet {
        file: vec![FileDescriptorProto {
            name: Some("canary/v1/probe.proto".into()),
            package: Some("canary.v1".into()),
            service: vec![ServiceDescriptorProto {
                name: Some("Probe".into()),
                method: vec![
                    method("Echo", Some(IdempotencyLevel::NoSideEffects), false),
                    method("Large", Some(IdempotencyLevel::NoSideEffects), false),
                    method("Hold", None, false),
                    method("Watch", Some(IdempotencyLevel::NoSideEffects), true),
                ],
                ..ServiceDescriptorProto::default()
            }],
            ..FileDescriptorProto::default()
        }],
    }
    .encode_to_vec()
}

#[tokio::test]
async fn a_declared_read_is_answered_from_the_cache() {
    let server = Server::cached(descriptors()).await;
    let mut client = connect(&server.addr, 65_535).await;
    for _ in 0..3 {
        assert_eq!(call(&mut client, ECHO).await.0, tonic::Code::Ok);
    }
    assert_eq!(server.probe.runs(), 1);
}

#[tokio::test]
async fn a_reply_over_the_entry_limit_streams_through_and_is_not_kept() {
    let server = Server::cached(descriptors()).await;
    let mut client = connect(&server.addr, 1 << 20).await;
    let (response, mut request) = open(&mut client, LARGE).await;
    request
        .send_data(Bytes::from_static(EMPTY_MESSAGE), true)
        .expect("send the request");
    let mut body = tokio::time::timeout(Duration::from_secs(10), response)
        .await
        .expect("answered in time")
        .expect("a response")
        .into_body();
    // The whole reply arrives while the service has not ended it: passed on, not collected.
    let mut read = 0;
    while read < BIG {
        let data = tokio::time::timeout(Duration::from_secs(10), body.data())
            .await
            .expect("the reply streams before it ends")
            .expect("more data")
            .expect("reply data");
        read += data.len();
        let _ = body.flow_control().release_capacity(data.len());
    }
    server.probe.release();
    let trailers = body.trailers().await.expect("trailers").expect("trailers");
    assert_eq!(trailers.get("grpc-status").unwrap(), "0");

    // Not kept: the next call runs the service again.
    let (again, mut request) = open(&mut client, LARGE).await;
    request
        .send_data(Bytes::from_static(EMPTY_MESSAGE), true)
        .expect("send the request");
    server.probe.release();
    assert_eq!(status(again).await.0, tonic::Code::Ok);
    assert_eq!(server.probe.runs(), 2);
}

#[tokio::test]
async fn a_streaming_call_is_passed_on_before_its_request_ends_and_never_kept() {
    let server = Server::cached(descriptors()).await;
    let mut client = connect(&server.addr, 65_535).await;
    // A request that never ends: a cache reading it whole would never call the service.
    let (response, _request) = open(&mut client, WATCH).await;
    assert_eq!(status(response).await.0, tonic::Code::Ok);
    assert_eq!(call(&mut client, WATCH).await.0, tonic::Code::Ok);
    assert_eq!(server.probe.runs(), 2);
}
