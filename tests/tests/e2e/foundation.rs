//! End-to-end tests of what every process serves besides its own service: health, reflection
//! (v1 and v1alpha, advertising only the process's own services), and graceful shutdown.

use std::time::Duration;

use llmarket_proto::forecast as fpb;
use llmarket_serving::HEALTH_SERVICE_NAME;
use llmarket_tests::{Servers, TestServer, doubles::SlowForecast};
use tokio::task::JoinHandle;
use tokio_stream::StreamExt as _;
use tonic::{Code, Status};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

async fn health_status(server: &TestServer, service: &str) -> Result<ServingStatus, Status> {
    let mut client = HealthClient::new(server.channel().await);
    let response = client
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await?;
    Ok(response.into_inner().status())
}

#[tokio::test]
async fn both_services_report_serving_overall_and_by_name() {
    let servers = Servers::start().await;
    for (server, name) in [
        (&servers.forecast, llmarket_proto::FORECAST_SERVICE_NAME),
        (&servers.taxonomy, llmarket_proto::TAXONOMY_SERVICE_NAME),
    ] {
        for service in ["", name] {
            assert_eq!(
                health_status(server, service).await.unwrap(),
                ServingStatus::Serving,
                "{service:?}"
            );
        }
    }
}

#[tokio::test]
async fn health_of_a_service_the_process_does_not_serve_is_not_found() {
    let servers = Servers::start().await;
    let err = health_status(&servers.forecast, llmarket_proto::TAXONOMY_SERVICE_NAME)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

/// Defines `$name`, which lists a server's services through reflection `$version` (the two
/// versions are distinct generated types with the same shape).
macro_rules! reflection_services {
    ($name:ident, $version:ident) => {
        async fn $name(server: &TestServer) -> Vec<String> {
            use tonic_reflection::pb::$version::{
                ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
                server_reflection_request::MessageRequest,
                server_reflection_response::MessageResponse,
            };
            let mut client = ServerReflectionClient::new(server.channel().await);
            let request = ServerReflectionRequest {
                host: String::new(),
                message_request: Some(MessageRequest::ListServices(String::new())),
            };
            let mut stream = client
                .server_reflection_info(tokio_stream::iter([request]))
                .await
                .expect(concat!("reflection ", stringify!($version), " call"))
                .into_inner();
            let response = stream
                .next()
                .await
                .expect("one response")
                .expect("ok response");
            match response.message_response {
                Some(MessageResponse::ListServicesResponse(list)) => {
                    list.service.into_iter().map(|s| s.name).collect()
                }
                other => panic!("unexpected reflection response {other:?}"),
            }
        }
    };
}

reflection_services!(reflection_v1_services, v1);
// What older grpcurl and ghz speak.
reflection_services!(reflection_v1alpha_services, v1alpha);

#[tokio::test]
async fn reflection_advertises_only_the_process_own_services() {
    let servers = Servers::start().await;
    for (server, own, other) in [
        (
            &servers.forecast,
            llmarket_proto::FORECAST_SERVICE_NAME,
            llmarket_proto::TAXONOMY_SERVICE_NAME,
        ),
        (
            &servers.taxonomy,
            llmarket_proto::TAXONOMY_SERVICE_NAME,
            llmarket_proto::FORECAST_SERVICE_NAME,
        ),
    ] {
        for services in [
            reflection_v1_services(server).await,
            reflection_v1alpha_services(server).await,
        ] {
            assert!(
                services.iter().any(|s| s == own),
                "{own} missing from {services:?}"
            );
            assert!(
                services.iter().any(|s| s == HEALTH_SERVICE_NAME),
                "{services:?}"
            );
            assert!(
                !services.iter().any(|s| s == other),
                "{other} leaked into {services:?}"
            );
        }
    }
}

#[tokio::test]
async fn reflection_describes_the_service_by_symbol() {
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let server = TestServer::forecast().await;
    let mut client = ServerReflectionClient::new(server.channel().await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::FileContainingSymbol(
            llmarket_proto::FORECAST_SERVICE_NAME.to_owned(),
        )),
    };
    let mut stream = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let response = stream.next().await.unwrap().unwrap();
    match response.message_response {
        Some(MessageResponse::FileDescriptorResponse(files)) => {
            assert!(!files.file_descriptor_proto.is_empty());
        }
        other => panic!("unexpected reflection response {other:?}"),
    }
}

/// A ListDatasets call on `channel`, spawned, once `slow` holds it.
async fn held_call(
    channel: tonic::transport::Channel,
    slow: &SlowForecast,
) -> JoinHandle<Result<tonic::Response<fpb::ListDatasetsResponse>, Status>> {
    let mut client = fpb::forecast_service_client::ForecastServiceClient::new(channel);
    let call = tokio::spawn(async move {
        client
            .list_datasets(fpb::ListDatasetsRequest::default())
            .await
    });
    slow.arrived.notified().await;
    call
}

#[tokio::test]
async fn shutdown_turns_health_not_serving_and_lets_the_in_flight_call_finish() {
    let slow = SlowForecast::new(Duration::from_millis(600));
    let mut server = TestServer::start(slow.clone().routes()).await;
    let channel = server.channel().await;

    // Watch health on its own connection, so we see the flip to NOT_SERVING.
    let mut health = HealthClient::new(server.channel().await);
    let mut watch = health
        .watch(HealthCheckRequest {
            service: llmarket_proto::FORECAST_SERVICE_NAME.to_owned(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        watch.next().await.unwrap().unwrap().status(),
        ServingStatus::Serving
    );

    let in_flight = held_call(channel, &slow).await;
    server.begin_shutdown();

    assert_eq!(
        watch.next().await.unwrap().unwrap().status(),
        ServingStatus::NotServing
    );
    drop(watch);

    let response = in_flight
        .await
        .unwrap()
        .expect("the in-flight call completes");
    assert_eq!(response.into_inner(), fpb::ListDatasetsResponse::default());
    server.shutdown().await.expect("clean shutdown");
}

#[tokio::test]
async fn after_shutdown_new_connections_are_refused() {
    let server = TestServer::forecast().await;
    let url = server.url();
    server.shutdown().await.unwrap();
    let result = tonic::transport::Endpoint::from_shared(url)
        .unwrap()
        .connect_timeout(Duration::from_secs(2))
        .connect()
        .await;
    assert!(result.is_err(), "a stopped server must refuse connections");
}

#[tokio::test]
async fn shutdown_is_bounded_by_the_grace_period() {
    // A call that would take a minute must not hold the process past a 200 ms grace period.
    let slow = SlowForecast::new(Duration::from_secs(60));
    let mut server =
        TestServer::start_with_grace(slow.clone().routes(), Duration::from_millis(200)).await;
    let in_flight = held_call(server.channel().await, &slow).await;
    server.begin_shutdown();
    // The server returns once the grace period is over, while the call is still running
    // (in a process, returning from main then ends it; here the test aborts it).
    server
        .shutdown()
        .await
        .expect("shutdown returns after the grace period");
    assert!(
        !in_flight.is_finished(),
        "shutdown waited for the call instead of the grace period"
    );
    in_flight.abort();
}

#[tokio::test]
async fn huge_names_are_invalid_argument_not_protocol_errors() {
    use llmarket_proto::taxonomy as tpb;
    let servers = Servers::start().await;
    // Huge, yet within the 64 KiB a request of these methods may take (past it the request is
    // refused from its length prefix, see hostile_calls.rs).
    let huge = format!("datasets/{}", "x".repeat(60_000));
    let mut forecast =
        fpb::forecast_service_client::ForecastServiceClient::new(servers.forecast.channel().await);
    let err = forecast
        .get_series(fpb::GetSeriesRequest { name: huge.clone() })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    assert!(err.message().starts_with("name: "), "{}", err.message());
    assert!(
        err.message().len() < 2_000,
        "the message repeats the whole input"
    );

    let mut taxonomy =
        tpb::taxonomy_service_client::TaxonomyServiceClient::new(servers.taxonomy.channel().await);
    let err = taxonomy
        .get_concept(tpb::GetConceptRequest {
            name: huge,
            language_code: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
}

#[tokio::test]
async fn every_response_names_the_data_version_it_was_answered_from() {
    use llmarket_kit::data::{DataVersion, builtin};
    use llmarket_kit::metadata::DATA_VERSION_HEADER;
    use llmarket_proto::taxonomy as tpb;

    let servers = Servers::start().await;
    let expected = DataVersion::of(&[builtin()]);
    let version = |metadata: &tonic::metadata::MetadataMap| {
        let value = metadata.get(DATA_VERSION_HEADER).expect("a data version");
        value.to_str().expect("ASCII").to_owned()
    };

    let mut forecast =
        fpb::forecast_service_client::ForecastServiceClient::new(servers.forecast.channel().await);
    let response = forecast
        .list_datasets(fpb::ListDatasetsRequest::default())
        .await
        .expect("ListDatasets");
    assert_eq!(version(response.metadata()), expected.as_str());

    let mut taxonomy =
        tpb::taxonomy_service_client::TaxonomyServiceClient::new(servers.taxonomy.channel().await);
    let response = taxonomy
        .list_schemes(tpb::ListSchemesRequest::default())
        .await
        .expect("ListSchemes");
    assert_eq!(version(response.metadata()), expected.as_str());

    // An error answers before any data is read: it names no version.
    let error = forecast
        .get_dataset(fpb::GetDatasetRequest {
            name: "datasets/no-such-dataset".to_owned(),
        })
        .await
        .expect_err("NOT_FOUND");
    assert_eq!(error.code(), Code::NotFound);
    assert!(error.metadata().get(DATA_VERSION_HEADER).is_none());
}
