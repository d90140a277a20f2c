//! End-to-end tests of the client crate's contract v2 calls against the forecast service on the
//! built-in report and the made-up test edition: the configuration's edition selection applied
//! to every v2 read, a request's own edition winning, revisions, the resolution of a selection
//! (and of a v1 id) to an edition and its v1 id. (The watch stream is tested through `llmarket
//! watch` against the server binary, cli/tests/e2e/cli_editions.rs.)

use std::{path::Path, sync::Arc};

use arc_swap::ArcSwap;
use llmarket_client::{Client, ClientConfig, Day, EditionSelection};
use llmarket_forecast::Catalog;
use llmarket_kit::data;
use llmarket_proto::llmarket::forecast::v2 as pb;
use llmarket_tests::TestServer;
use tonic::Code;

const MARKET: &str = "datasets/cic-global-llm/series/market-size";

/// The forecast service (with the watch service beside it) on both editions.
async fn server() -> TestServer {
    let test_edition = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/cic-global-llm-2027-test");
    let sources = data::all_sources(&[test_edition]).expect("sources");
    let catalog = Catalog::load(&sources).expect("catalog");
    TestServer::start(llmarket_server::app::routes::forecast(Arc::new(
        ArcSwap::from_pointee(catalog),
    )))
    .await
}

/// A client of `server` choosing `selection`.
async fn client(server: &TestServer, selection: EditionSelection) -> Client {
    let channel = server.channel().await;
    Client::from_channels(
        channel.clone(),
        channel,
        ClientConfig::default().with_edition(selection),
    )
}

/// The 2029 value and the edition of a v2 QueryObservations of the market size.
async fn market_2029(client: &Client, request_edition: Option<&str>) -> (f64, String) {
    let response = client
        .query_observations(pb::QueryObservationsRequest {
            name: MARKET.to_owned(),
            edition: request_edition.map(|e| pb::EditionSelector {
                selector: Some(pb::edition_selector::Selector::Edition(e.to_owned())),
            }),
            start_year: Some(2029),
            end_year: Some(2029),
            ..Default::default()
        })
        .await
        .expect("QueryObservations");
    let value = response.observations[0]
        .value
        .as_ref()
        .expect("a value")
        .value;
    (value, response.edition)
}

fn day(text: &str) -> EditionSelection {
    EditionSelection::AsOf(text.parse::<Day>().expect("a day"))
}

#[tokio::test]
async fn the_configured_selection_applies_to_v2_reads_unless_the_request_names_one() {
    let server = server().await;
    let latest = client(&server, EditionSelection::Default).await;
    assert_eq!(
        market_2029(&latest, None).await,
        (231.4, "datasets/cic-global-llm/editions/2027".to_owned())
    );
    let before = client(&server, day("2027-01-01")).await;
    assert_eq!(
        market_2029(&before, None).await,
        (206.5, "datasets/cic-global-llm/editions/2026".to_owned())
    );
    let chosen = client(&server, EditionSelection::Edition("2026".to_owned())).await;
    assert_eq!(market_2029(&chosen, None).await.0, 206.5);
    let own = market_2029(&chosen, Some("datasets/cic-global-llm/editions/2027")).await;
    assert_eq!(own.0, 231.4, "the request's own edition wins");
}

#[tokio::test]
async fn a_selection_or_a_v1_id_resolves_to_its_edition() {
    let server = server().await;
    let as_of = client(&server, day("2027-07-01")).await;
    let resolved = as_of.resolve_edition().await.expect("resolved");
    assert_eq!(resolved.dataset, "datasets/cic-global-llm");
    assert_eq!(resolved.edition, "datasets/cic-global-llm/editions/2027");
    let followed = as_of.follow_edition().await.expect("followed");
    assert_eq!(followed.dataset(), "datasets/cic-global-llm");
    assert_eq!(
        followed.edition_selection(),
        &EditionSelection::Edition("datasets/cic-global-llm/editions/2027".to_owned())
    );
    // A v1 id pins its edition when nothing is chosen, and names its series.
    let pinned = client(&server, EditionSelection::Default)
        .await
        .with_dataset("datasets/cic-global-llm-2026");
    let resolved = pinned.resolve_edition().await.expect("resolved");
    assert_eq!(resolved.edition, "datasets/cic-global-llm/editions/2026");
    let followed = pinned.follow_edition().await.expect("followed");
    assert_eq!(followed.dataset(), "datasets/cic-global-llm");
    assert_eq!(
        followed.edition_selection(),
        &EditionSelection::Edition("datasets/cic-global-llm/editions/2026".to_owned())
    );
    assert_eq!(
        followed.series_name("datasets/cic-global-llm-2026/series/market-size"),
        MARKET
    );
    // The default dataset with no selection: nothing to resolve, no call.
    let latest = client(&server, EditionSelection::Default).await;
    assert_eq!(latest.edition_to_follow().await.expect("nothing"), None);
    // Too early: NOT_FOUND from the service.
    let early = client(&server, day("2020-01-01")).await;
    let error = early.resolve_edition().await.unwrap_err();
    assert_eq!(error.code(), Some(Code::NotFound), "{error}");
    let missing = client(&server, EditionSelection::Edition("2031".to_owned())).await;
    let error = missing.follow_edition().await.unwrap_err();
    assert!(error.to_string().contains("editions/2027"), "{error}");
}

#[tokio::test]
async fn each_v1_dataset_version_is_the_content_version_of_its_edition() {
    // Canary of docs/adr/0007-v1-id-of-an-edition.md: a v1 id (`--dataset
    // cic-global-llm-2026`) finds its v2 edition by this equality.
    use llmarket_proto::forecast::{self as v1, forecast_service_client::ForecastServiceClient};
    let server = server().await;
    let mut forecast = ForecastServiceClient::new(server.channel().await);
    let mut v1_versions: Vec<String> = forecast
        .list_datasets(v1::ListDatasetsRequest::default())
        .await
        .expect("v1 ListDatasets")
        .into_inner()
        .datasets
        .into_iter()
        .map(|d| d.version)
        .collect();
    let client = client(&server, EditionSelection::Default).await;
    let mut v2_versions: Vec<String> = client
        .list_editions("datasets/-")
        .await
        .expect("v2 ListEditions")
        .into_iter()
        .map(|e| e.content_version)
        .collect();
    v1_versions.sort_unstable();
    v2_versions.sort_unstable();
    assert_eq!(v1_versions.len(), 2, "{v1_versions:?}");
    assert_eq!(v1_versions, v2_versions);
}

#[tokio::test]
async fn revisions_of_every_edition_or_only_those_published_by_a_day() {
    let server = server().await;
    let client = client(&server, EditionSelection::Default).await;
    let (revisions, version) = client
        .list_series_revisions(MARKET, Some(2029), None)
        .await
        .expect("revisions");
    assert_eq!(revisions.len(), 2);
    assert_eq!(version.len(), 16);
    let (before, _) = client
        .list_series_revisions(MARKET, Some(2029), Some("2027-01-01".parse().unwrap()))
        .await
        .expect("revisions");
    assert_eq!(before.len(), 1);
}
