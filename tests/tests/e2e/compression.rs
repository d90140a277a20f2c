//! Compression as the caller asks: a caller accepting gzip or zstd gets the big replies
//! compressed and the same messages as one that accepts neither; compressed requests are
//! accepted; small replies are sent as they are.

use llmarket_proto::{
    forecast::{self as fpb, forecast_service_client::ForecastServiceClient},
    taxonomy::{self as tpb, taxonomy_service_client::TaxonomyServiceClient},
};
use llmarket_tests::TestServer;
use tonic::codec::CompressionEncoding::{self, Gzip, Zstd};

fn concepts() -> tpb::ListConceptsRequest {
    tpb::ListConceptsRequest {
        parent: "schemes/industry".into(),
        language_code: "en".into(),
        ..Default::default()
    }
}

/// The reply's `grpc-encoding`, if any, and its message.
fn encoded<T>(response: tonic::Response<T>) -> (Option<String>, T) {
    let encoding = response
        .metadata()
        .get("grpc-encoding")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (encoding, response.into_inner())
}

#[tokio::test]
async fn gzip_and_zstd_callers_get_the_same_messages_compressed() {
    let server = TestServer::taxonomy().await;
    let channel = server.channel().await;
    let plain = TaxonomyServiceClient::new(channel.clone())
        .list_concepts(concepts())
        .await
        .expect("ListConcepts");
    let (encoding, expected) = encoded(plain);
    assert_eq!(encoding, None);
    for codec in [Gzip, Zstd] {
        let mut client = TaxonomyServiceClient::new(channel.clone())
            .accept_compressed(codec)
            .send_compressed(codec);
        // Twice: the second reply comes from the reply cache, compressed as the first.
        for _ in 0..2 {
            let (encoding, got) = encoded(client.list_concepts(concepts()).await.expect("call"));
            assert_eq!(encoding.as_deref(), Some(name(codec)));
            assert_eq!(got, expected, "{codec:?}");
        }
    }
}

fn name(codec: CompressionEncoding) -> &'static str {
    match codec {
        Gzip => "gzip",
        Zstd => "zstd",
        other => panic!("not used here: {other:?}"),
    }
}

#[tokio::test]
async fn small_replies_and_compressed_requests_work_for_every_caller() {
    let server = TestServer::forecast().await;
    let channel = server.channel().await;
    let request = || fpb::GetDatasetRequest {
        name: "datasets/cic-global-llm-2026".into(),
    };
    let expected = ForecastServiceClient::new(channel.clone())
        .get_dataset(request())
        .await
        .expect("GetDataset")
        .into_inner();
    for codec in [Gzip, Zstd] {
        let mut client = ForecastServiceClient::new(channel.clone())
            .accept_compressed(codec)
            .send_compressed(codec);
        let got = client.get_dataset(request()).await.expect("GetDataset");
        assert_eq!(got.into_inner(), expected, "{codec:?}");
    }
}
