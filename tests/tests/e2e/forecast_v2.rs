//! End-to-end tests of `llmarket.forecast.v2` over gRPC, on the built-in report and the made-up
//! test edition (tests/data): reads by edition and as of a date, revisions, reflection listing
//! v2 beside v1, and v1 answering as before with a second edition loaded.

use std::{path::Path, sync::Arc};

use arc_swap::ArcSwap;
use llmarket_forecast::Catalog;
use llmarket_kit::data;
use llmarket_proto::{
    forecast as v1,
    google::r#type::Date,
    llmarket::forecast::v2::{
        self as pb, edition_selector::Selector, forecast_service_client::ForecastServiceClient,
    },
};
use llmarket_tests::{TestServer, data_version};
use tonic::Code;

const MARKET: &str = "datasets/cic-global-llm/series/market-size";

/// The forecast service on the built-in report and the test edition.
async fn server() -> TestServer {
    let test_edition = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/cic-global-llm-2027-test");
    let sources = data::all_sources(&[test_edition]).expect("sources");
    let catalog = Catalog::load(&sources).expect("catalog");
    TestServer::start(llmarket_server::app::routes::forecast(Arc::new(
        ArcSwap::from_pointee(catalog),
    )))
    .await
}

fn as_of(year: i32, month: i32, day: i32) -> Option<pb::EditionSelector> {
    Some(pb::EditionSelector {
        selector: Some(Selector::AsOf(Date { year, month, day })),
    })
}

#[tokio::test]
async fn as_of_reads_before_the_second_edition_never_see_its_values() {
    let server = server().await;
    let mut client = ForecastServiceClient::new(server.channel().await);
    let value_2029 = |series: pb::Series| {
        let o = series
            .observations
            .iter()
            .find(|o| o.year == 2029)
            .cloned()
            .unwrap();
        (o.value.unwrap().value, o.edition)
    };
    let latest = client
        .get_series(pb::GetSeriesRequest {
            name: MARKET.into(),
            edition: None,
        })
        .await
        .unwrap();
    let version = data_version(&latest);
    let latest = latest.into_inner();
    assert_eq!(
        latest.data_version, version,
        "the version in the message and the header"
    );
    assert_eq!(
        value_2029(latest),
        (231.4, "datasets/cic-global-llm/editions/2027".into())
    );
    for (month, day) in [(1, 1), (6, 29)] {
        let before = client
            .get_series(pb::GetSeriesRequest {
                name: MARKET.into(),
                edition: as_of(2027, month, day),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            value_2029(before).0,
            206.5,
            "as of 2027-{month:02}-{day:02}"
        );
    }
    let growth = client
        .compute_growth(pb::ComputeGrowthRequest {
            name: MARKET.into(),
            edition: as_of(2027, 1, 1),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(growth.edition, "datasets/cic-global-llm/editions/2026");
    assert_eq!(growth.end.unwrap().value.unwrap().value, 206.5);
    let err = client
        .get_series(pb::GetSeriesRequest {
            name: MARKET.into(),
            edition: as_of(2025, 1, 1),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
}

#[tokio::test]
async fn revisions_show_both_editions_2029_market_size_with_intervals() {
    let server = server().await;
    let mut client = ForecastServiceClient::new(server.channel().await);
    let revisions = client
        .list_series_revisions(pb::ListSeriesRevisionsRequest {
            name: MARKET.into(),
            year: Some(2029),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .revisions;
    assert_eq!(revisions.len(), 2);
    for (revision, (edition, value)) in revisions.iter().zip([("2026", 206.5), ("2027", 231.4)]) {
        assert_eq!(
            revision.edition,
            format!("datasets/cic-global-llm/editions/{edition}")
        );
        let figure = revision.observation.as_ref().unwrap().value.unwrap();
        assert_eq!(figure.value, value);
        let interval = figure.interval.unwrap();
        assert!(interval.low.unwrap() < value && value < interval.high.unwrap());
    }
}

#[tokio::test]
async fn v1_answers_as_before_with_a_second_edition_loaded() {
    let server = server().await;
    let mut client =
        v1::forecast_service_client::ForecastServiceClient::new(server.channel().await);
    let series = client
        .get_series(v1::GetSeriesRequest {
            name: "datasets/cic-global-llm-2026/series/market-size".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .series
        .unwrap();
    assert!(
        series
            .observations
            .iter()
            .any(|o| o.year == 2029 && o.value == 206.5)
    );
    let datasets = client
        .list_datasets(v1::ListDatasetsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = datasets.datasets.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "datasets/cic-global-llm-2026",
            "datasets/cic-global-llm-2027-test"
        ],
        "in v1 each edition is a dataset of its own, as it always was"
    );
}

#[tokio::test]
async fn reflection_lists_v2_beside_v1() {
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let server = server().await;
    let mut client = ServerReflectionClient::new(server.channel().await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut replies = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let reply = replies.message().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = reply.message_response else {
        panic!("{reply:?}")
    };
    let names: Vec<_> = list.service.iter().map(|s| s.name.as_str()).collect();
    assert!(
        names.contains(&"llmarket.forecast.v1.ForecastService"),
        "{names:?}"
    );
    assert!(
        names.contains(&"llmarket.forecast.v2.ForecastService"),
        "{names:?}"
    );
}

/// Sends `authorization: Bearer <token>` on every call.
#[derive(Clone)]
struct Bearer(&'static str);

impl tonic::service::Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        let value = format!("Bearer {}", self.0).parse().expect("ascii");
        request.metadata_mut().insert("authorization", value);
        Ok(request)
    }
}

/// The test edition's vocabulary: two schemes, `a` linking `x` to `a_series` and `b` linking
/// `y` to `market-size`.
fn vocabulary(a_series: &str) -> String {
    let scheme = |id: &str, concept: &str, series: &str| {
        format!(
            "[[schemes]]\nid = \"{id}\"\ntitle_zh_hans = \"{id}\"\ntitle_en = \"{id}\"\nsource = \"1\"\n\
             [[schemes.concepts]]\nid = \"{concept}\"\npref_label_zh_hans = \"{concept}\"\n\
             pref_label_en = \"{concept}\"\nseries = [\"{series}\"]\n"
        )
    };
    format!(
        "dataset = \"cic-global-llm-2027-test\"\n{}{}",
        scheme("a", "x", a_series),
        scheme("b", "y", "market-size")
    )
}

#[tokio::test]
async fn a_forecast_process_lists_the_concepts_linked_to_a_series_as_granted_and_reloaded() {
    use llmarket_tests::process::{ServerProcess, write_manifest};
    const X: &str = "datasets/cic-global-llm/schemes/a/concepts/x";
    const Y: &str = "datasets/cic-global-llm/schemes/b/concepts/y";
    const APPLICATIONS: &str = "datasets/cic-global-llm/series/application-market";

    let dir = std::env::temp_dir().join(format!("llmarket-links-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let edition = dir.join("cic-global-llm-2027-test");
    std::fs::create_dir_all(&edition).expect("create the data directory");
    let test_edition = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/cic-global-llm-2027-test");
    for file in ["forecast.toml", "manifest.toml"] {
        std::fs::copy(test_edition.join(file), edition.join(file)).expect("copy");
    }
    std::fs::write(edition.join("taxonomy.toml"), vocabulary("market-size")).expect("write");
    write_manifest(&edition);
    let digest = |token| llmarket_server::auth::token::TokenDigest::of(token);
    let auth = dir.join("auth.toml");
    std::fs::write(
        &auth,
        format!(
            "[[principal]]\nname = \"full\"\ntokens = [\"{}\"]\ngrants = [\"datasets/*\"]\n\
             [[principal]]\nname = \"narrow\"\ntokens = [\"{}\"]\n\
             grants = [\"datasets/cic-global-llm-2027-test\", \"datasets/cic-global-llm/schemes/a\"]\n",
            digest("full"),
            digest("narrow"),
        ),
    )
    .expect("write");
    let server = ServerProcess::start(
        &[
            "--data",
            edition.to_str().expect("utf-8 path"),
            "--data-watch",
            "off",
            "--auth-file",
            auth.to_str().expect("utf-8 path"),
            "forecast",
            "--listen",
            "127.0.0.1:0",
        ],
        1,
    );
    let channel =
        tonic::transport::Channel::from_shared(format!("http://{}", server.addr("Forecast")))
            .expect("url")
            .connect()
            .await
            .expect("connect");
    let client = |token| ForecastServiceClient::with_interceptor(channel.clone(), Bearer(token));
    let concepts = |token, name: &'static str, edition: Option<&'static str>| {
        let mut client = client(token);
        async move {
            let request = pb::GetSeriesRequest {
                name: name.into(),
                edition: edition.map(|e| pb::EditionSelector {
                    selector: Some(Selector::Edition(e.into())),
                }),
            };
            client
                .get_series(request)
                .await
                .unwrap()
                .into_inner()
                .concepts
        }
    };
    let filtered = |token, concept: &'static str| {
        let mut client = client(token);
        async move {
            let request = pb::ListSeriesRequest {
                parent: "datasets/cic-global-llm".into(),
                filter: format!("concepts:\"{concept}\""),
                ..Default::default()
            };
            let found = client.list_series(request).await.unwrap().into_inner();
            found.series.into_iter().map(|s| s.name).collect::<Vec<_>>()
        }
    };

    // One call names every concept linked to the series, across schemes, of the edition read.
    assert_eq!(concepts("full", MARKET, None).await, [X, Y]);
    let builtin = concepts(
        "full",
        MARKET,
        Some("datasets/cic-global-llm/editions/2026"),
    )
    .await;
    assert!(
        builtin.contains(
            &"datasets/cic-global-llm/schemes/industry/concepts/model-based-revenue".to_owned()
        ) && !builtin.contains(&X.to_owned()),
        "the built-in edition's own links: {builtin:?}"
    );
    assert_eq!(filtered("full", Y).await, [MARKET]);
    // A caller granted scheme `a` only sees and selects by its concepts alone.
    assert_eq!(concepts("narrow", MARKET, None).await, [X]);
    assert_eq!(filtered("narrow", X).await, [MARKET]);
    assert!(filtered("narrow", Y).await.is_empty());

    // A reload that moves `x` to another series: both reads follow it.
    std::fs::write(
        edition.join("taxonomy.toml"),
        vocabulary("application-market"),
    )
    .expect("write");
    write_manifest(&edition);
    server.signal("HUP");
    let reloaded = server.line_containing("reloaded data");
    assert!(
        reloaded.contains(MARKET) && reloaded.contains(APPLICATIONS),
        "{reloaded}"
    );
    assert_eq!(concepts("full", MARKET, None).await, [Y]);
    assert_eq!(concepts("full", APPLICATIONS, None).await, [X]);
    assert_eq!(filtered("narrow", X).await, [APPLICATIONS]);
    assert!(concepts("narrow", MARKET, None).await.is_empty());

    drop(server);
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[tokio::test]
async fn every_series_lists_the_concepts_the_taxonomy_service_links_to_it() {
    use llmarket_proto::llmarket::taxonomy::v2::{
        self as tpb, taxonomy_service_client::TaxonomyServiceClient,
    };
    let server = llmarket_tests::process::ServerProcess::start(
        &[
            "all",
            "--forecast-listen",
            "127.0.0.1:0",
            "--taxonomy-listen",
            "127.0.0.1:0",
        ],
        2,
    );
    let channel = |service| {
        tonic::transport::Channel::from_shared(format!("http://{}", server.addr(service)))
            .expect("url")
            .connect_lazy()
    };
    let mut forecast = ForecastServiceClient::new(channel("Forecast"));
    let mut taxonomy = TaxonomyServiceClient::new(channel("Taxonomy"));
    let series = forecast
        .list_series(pb::ListSeriesRequest {
            parent: "datasets/-".into(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .series;
    let mut linked = 0;
    for s in &series {
        // What a client had to ask the taxonomy service before: every concept, of every
        // scheme, that names this series.
        let mut expected: Vec<String> = taxonomy
            .list_concepts(tpb::ListConceptsRequest {
                parent: "datasets/-/schemes/-".into(),
                filter: format!("series:\"{}\"", s.name),
                page_size: 1000,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner()
            .concepts
            .into_iter()
            .map(|c| c.name)
            .collect();
        expected.sort();
        assert_eq!(s.concepts, expected, "{}", s.name);
        linked += usize::from(!expected.is_empty());
        // And the other way: each concept selects the series.
        for concept in &s.concepts {
            let found = forecast
                .list_series(pb::ListSeriesRequest {
                    parent: "datasets/-".into(),
                    filter: format!("concepts:\"{concept}\""),
                    page_size: 1000,
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_inner();
            assert!(
                found.series.iter().any(|f| f.name == s.name),
                "{concept} does not select {}",
                s.name
            );
        }
    }
    assert!(linked > 0, "the built-in report links series to concepts");
}
