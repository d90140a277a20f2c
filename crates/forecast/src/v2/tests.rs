//! The v2 handlers over the built-in edition and the made-up test edition (tests/data).

use std::sync::Arc;

use arc_swap::ArcSwap;
use llmarket_proto::google::r#type::Date;
use pb::{edition_selector::Selector, forecast_service_server::ForecastService as _};
use tonic::Code;
use tonic_types::StatusExt as _;

use super::*;
use crate::model::ConceptLink;
use llmarket_kit::data::{DataFile, DatasetFiles, EditionMeta, PublishDate, builtin};

const MARKET: &str = "datasets/cic-global-llm/series/market-size";

fn test_edition() -> DatasetFiles {
    DatasetFiles {
        directory: "cic-global-llm-2027-test".to_owned(),
        forecast: Some(DataFile::owned(
            "tests/data/cic-global-llm-2027-test/forecast.toml",
            include_str!("../../../../tests/data/cic-global-llm-2027-test/forecast.toml")
                .to_owned(),
        )),
        taxonomy: None,
        edition: Some(EditionMeta {
            dataset: "cic-global-llm".to_owned(),
            id: "2027".to_owned(),
            published: Some(PublishDate::parse("2027-06-30").unwrap()),
        }),
    }
}

fn api(sources: &[DatasetFiles]) -> ForecastApiV2 {
    let catalog = Catalog::load(sources).unwrap();
    ForecastApiV2::new(Arc::new(ArcSwap::from_pointee(catalog)))
}

fn both() -> ForecastApiV2 {
    api(&[builtin(), test_edition()])
}

fn as_of(year: i32, month: i32, day: i32) -> Option<pb::EditionSelector> {
    Some(pb::EditionSelector {
        selector: Some(Selector::AsOf(Date { year, month, day })),
    })
}

fn edition(name: &str) -> Option<pb::EditionSelector> {
    Some(pb::EditionSelector {
        selector: Some(Selector::Edition(name.to_owned())),
    })
}

async fn market_2029(
    api: &ForecastApiV2,
    selector: Option<pb::EditionSelector>,
) -> Result<(f64, String), Status> {
    let series = api
        .get_series(Request::new(pb::GetSeriesRequest {
            name: MARKET.into(),
            edition: selector,
        }))
        .await?
        .into_inner();
    let value = series
        .observations
        .iter()
        .find(|o| o.year == 2029)
        .and_then(|o| o.value.as_ref())
        .map(|v| v.value)
        .unwrap();
    Ok((value, series.edition))
}

#[tokio::test]
async fn the_builtin_report_is_edition_2026_of_one_dataset() {
    let api = api(&[builtin()]);
    let datasets = api
        .list_datasets(Request::new(pb::ListDatasetsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(datasets.datasets.len(), 1);
    let dataset = &datasets.datasets[0];
    assert_eq!(dataset.name, "datasets/cic-global-llm");
    assert_eq!(
        dataset.latest_edition,
        "datasets/cic-global-llm/editions/2026"
    );
    assert_eq!(dataset.data_version, datasets.data_version);
    let got = api
        .get_edition(Request::new(pb::GetEditionRequest {
            name: "datasets/cic-global-llm/editions/2026".into(),
        }))
        .await
        .unwrap()
        .into_inner();
    let date = got.publish_date.unwrap();
    assert_eq!(
        (date.year, date.month, date.day),
        (2026, 0, 0),
        "the report gives the year only"
    );
    assert_eq!(got.horizon_year, Some(2029));
    assert_eq!(market_2029(&api, None).await.unwrap().0, 206.5);
}

#[tokio::test]
async fn reads_choose_the_latest_a_named_or_the_as_of_edition() {
    let api = both();
    let (value, latest) = market_2029(&api, None).await.unwrap();
    assert_eq!(
        (value, latest.as_str()),
        (231.4, "datasets/cic-global-llm/editions/2027")
    );
    let named = market_2029(&api, edition_name_2026()).await.unwrap();
    assert_eq!(named.0, 206.5);
    // The 2026 edition is known to the year only: it counts from 2026-12-31.
    let err = market_2029(&api, as_of(2026, 12, 30)).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    assert!(
        err.message().contains("no edition published by 2026-12-30"),
        "{}",
        err.message()
    );
    assert_eq!(
        market_2029(&api, as_of(2026, 12, 31)).await.unwrap().0,
        206.5
    );
    // Never a value published later: the day before the test edition still reads 2026.
    assert_eq!(
        market_2029(&api, as_of(2027, 6, 29)).await.unwrap().0,
        206.5
    );
    assert_eq!(
        market_2029(&api, as_of(2027, 6, 30)).await.unwrap().0,
        231.4
    );
    let missing = market_2029(&api, edition("datasets/cic-global-llm/editions/2028"))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    let details = missing.get_error_details();
    assert_eq!(
        details.resource_info().unwrap().resource_name,
        "datasets/cic-global-llm/editions/2028"
    );
    let other = market_2029(&api, edition("datasets/other/editions/2026"))
        .await
        .unwrap_err();
    assert_eq!(other.code(), Code::InvalidArgument);
}

fn edition_name_2026() -> Option<pb::EditionSelector> {
    edition("datasets/cic-global-llm/editions/2026")
}

#[tokio::test]
async fn revisions_show_each_editions_value_and_interval() {
    let api = both();
    let revisions = api
        .list_series_revisions(Request::new(pb::ListSeriesRevisionsRequest {
            name: MARKET.into(),
            year: Some(2029),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    let seen: Vec<_> = revisions
        .revisions
        .iter()
        .map(|r| {
            let figure = r.observation.as_ref().unwrap().value.unwrap();
            let interval = figure.interval.unwrap();
            (
                r.edition.as_str(),
                figure.value,
                interval.low,
                interval.high,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "datasets/cic-global-llm/editions/2026",
                206.5,
                Some(206.45),
                Some(206.55)
            ),
            (
                "datasets/cic-global-llm/editions/2027",
                231.4,
                Some(231.35),
                Some(231.45)
            ),
        ]
    );
    let before = api
        .list_series_revisions(Request::new(pb::ListSeriesRevisionsRequest {
            name: MARKET.into(),
            year: Some(2029),
            as_of: Some(Date {
                year: 2027,
                month: 1,
                day: 1,
            }),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        before.revisions.len(),
        1,
        "as of 2027-01-01 only the 2026 edition"
    );
}

#[tokio::test]
async fn figures_have_one_interval_with_open_sides_absent_and_units_as_data() {
    let api = api(&[builtin()]);
    let cost = api
        .get_series(Request::new(pb::GetSeriesRequest {
            name: "datasets/cic-global-llm/series/inference-cost".into(),
            edition: None,
        }))
        .await
        .unwrap()
        .into_inner();
    let unit = cost.unit.unwrap();
    assert_eq!(
        (unit.kind(), unit.currency_code.as_str(), unit.per.as_str()),
        (pb::UnitKind::CurrencyPerQuantity, "USD", "token")
    );
    let below = cost
        .observations
        .iter()
        .find(|o| o.value.as_ref().unwrap().qualifier() == pb::Qualifier::UpperBound)
        .expect("the report states an upper bound");
    let interval = below.value.as_ref().unwrap().interval.unwrap();
    assert_eq!(interval.low, None, "an open side is absent, not -infinity");
    assert!(interval.high.is_some());
    let growth = api
        .compute_growth(Request::new(pb::ComputeGrowthRequest {
            name: MARKET.into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(growth.agrees_with_stated, Some(true));
    assert!((growth.cagr.unwrap().value - 0.807).abs() < 0.001);
    assert_eq!(growth.edition, "datasets/cic-global-llm/editions/2026");
}

#[tokio::test]
async fn errors_carry_v2_details() {
    let api = api(&[builtin()]);
    let missing = api
        .get_series(Request::new(pb::GetSeriesRequest {
            name: "datasets/cic-global-llm/series/market-sise".into(),
            edition: None,
        }))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    let details = missing.get_error_details();
    assert_eq!(
        details.resource_info().unwrap().resource_type,
        "llmarket.forecast.v2.Series"
    );
    assert!(details.error_info().unwrap().metadata["nearest"].contains("market-size"));
    let dataset = api
        .get_dataset(Request::new(pb::GetDatasetRequest {
            name: "datasets/nope".into(),
        }))
        .await
        .unwrap_err();
    assert_eq!(dataset.code(), Code::NotFound);
    assert!(dataset.get_error_details().resource_info().is_some());
    let precondition = api
        .query_observations(Request::new(pb::QueryObservationsRequest {
            name: MARKET.into(),
            transform: pb::Transform::ShareOfParent.into(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(precondition.code(), Code::FailedPrecondition);
    let failure = precondition.get_error_details();
    let violation = &failure.precondition_failure().unwrap().violations[0];
    assert_eq!(
        (violation.r#type.as_str(), violation.subject.as_str()),
        ("NO_PARENT", MARKET)
    );
    let filter = api
        .list_series(Request::new(pb::ListSeriesRequest {
            parent: "datasets/cic-global-llm".into(),
            filter: "unit = \"x\"".into(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(
        filter
            .get_error_details()
            .bad_request()
            .unwrap()
            .field_violations[0]
            .field,
        "filter"
    );
}

#[tokio::test]
async fn lists_filter_and_read_across_datasets() {
    let api = both();
    let top = api
        .list_series(Request::new(pb::ListSeriesRequest {
            parent: "datasets/-".into(),
            filter: "parent = \"\"".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = top.series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["datasets/cic-global-llm/series/inference-cost", MARKET]
    );
    let parts = api
        .list_series(Request::new(pb::ListSeriesRequest {
            parent: "datasets/cic-global-llm".into(),
            filter: format!("parent = \"{MARKET}\""),
            page_size: 1,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(parts.series.len(), 1);
    assert_eq!(parts.edition, "datasets/cic-global-llm/editions/2027");
    let next = api
        .list_series(Request::new(pb::ListSeriesRequest {
            parent: "datasets/cic-global-llm".into(),
            filter: format!("parent = \"{MARKET}\""),
            page_size: 1,
            page_token: parts.next_page_token,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(next.series.len(), 1);
    assert_ne!(next.series[0].name, parts.series[0].name);
    assert!(next.next_page_token.is_empty());
    let editions = api
        .list_editions(Request::new(pb::ListEditionsRequest {
            parent: "datasets/-".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    let names: Vec<_> = editions.editions.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "datasets/cic-global-llm/editions/2026",
            "datasets/cic-global-llm/editions/2027"
        ]
    );
}

#[tokio::test]
async fn grants_choose_among_the_editions_a_caller_may_read() {
    let api = both();
    let read = |grants: &'static [&'static str], selector: Option<pb::EditionSelector>| {
        let request = granted(
            pb::GetSeriesRequest {
                name: MARKET.into(),
                edition: selector,
            },
            grants,
        );
        let api = api.clone();
        async move { api.get_series(request).await }
    };
    // A v1 grant of the 2026 edition reads that edition only, as "latest" too.
    let v1 = read(&["datasets/cic-global-llm-2026"], None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v1.edition, "datasets/cic-global-llm/editions/2026");
    let denied = read(
        &["datasets/cic-global-llm-2026"],
        edition("datasets/cic-global-llm/editions/2027"),
    )
    .await
    .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let unknown = read(
        &["datasets/cic-global-llm-2026"],
        edition("datasets/cic-global-llm/editions/2099"),
    )
    .await
    .unwrap_err();
    assert_eq!(
        unknown.code(),
        Code::PermissionDenied,
        "no telling which editions exist"
    );
    let whole = read(&["datasets/cic-global-llm"], None)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(whole.edition, "datasets/cic-global-llm/editions/2027");
    let none = read(&["datasets/other"], None).await.unwrap_err();
    assert_eq!(none.code(), Code::PermissionDenied);
}

const DRIVER: &str = "datasets/cic-global-llm/schemes/drivers/concepts/compute";
const SEGMENT: &str = "datasets/cic-global-llm/schemes/industry/concepts/maas";

/// Both editions, the 2026 one linking `market-size` to a driver and a segment and the 2027 one
/// linking it to the segment only.
fn linked() -> ForecastApiV2 {
    let link = |edition, concept: &'static str| ConceptLink {
        dataset: "cic-global-llm",
        edition,
        series: "market-size",
        concept,
        scheme: concept.split('/').nth(3).unwrap(),
        v1_served: true,
    };
    let catalog = Catalog::load(&[builtin(), test_edition()])
        .unwrap()
        .with_concepts([
            link("2026", SEGMENT),
            link("2026", DRIVER),
            link("2026", DRIVER),
            link("2027", SEGMENT),
            // Links of an edition or a series the catalog does not have are left out.
            link("2099", DRIVER),
            ConceptLink {
                series: "no-such-series",
                ..link("2026", DRIVER)
            },
        ]);
    ForecastApiV2::new(Arc::new(ArcSwap::from_pointee(catalog)))
}

fn granted<T>(message: T, grants: &[&str]) -> Request<T> {
    let mut request = Request::new(message);
    request
        .extensions_mut()
        .insert(llmarket_kit::access::Caller::granted(grants));
    request
}

async fn listed(api: &ForecastApiV2, request: Request<pb::ListSeriesRequest>) -> Vec<String> {
    let found = api.list_series(request).await.unwrap().into_inner();
    found.series.into_iter().map(|s| s.name).collect()
}

#[tokio::test]
async fn a_series_lists_the_concepts_its_edition_links_it_to() {
    let api = linked();
    let get = |selector| pb::GetSeriesRequest {
        name: MARKET.into(),
        edition: selector,
    };
    let latest = api.get_series(Request::new(get(None))).await.unwrap();
    assert_eq!(latest.into_inner().concepts, [SEGMENT]);
    let earlier = api
        .get_series(Request::new(get(edition(
            "datasets/cic-global-llm/editions/2026",
        ))))
        .await
        .unwrap();
    assert_eq!(
        earlier.into_inner().concepts,
        [DRIVER, SEGMENT],
        "sorted, once each"
    );
    let unlinked = api
        .get_series(Request::new(pb::GetSeriesRequest {
            name: "datasets/cic-global-llm/series/maas-market".into(),
            edition: None,
        }))
        .await
        .unwrap();
    assert!(unlinked.into_inner().concepts.is_empty());
    // A caller granted the 2026 edition and one scheme sees that scheme's concepts only (a
    // grant of the v2 dataset would read all its schemes).
    let narrow = &[
        "datasets/cic-global-llm-2026",
        "datasets/cic-global-llm/schemes/industry",
    ];
    let shown = api
        .get_series(granted(
            get(edition("datasets/cic-global-llm/editions/2026")),
            narrow,
        ))
        .await
        .unwrap();
    assert_eq!(shown.into_inner().concepts, [SEGMENT]);
    let shown = api
        .get_series(granted(get(None), &["datasets/cic-global-llm-2026"]))
        .await;
    assert!(shown.unwrap().into_inner().concepts.is_empty());
}

#[tokio::test]
async fn a_concepts_filter_selects_series_by_linked_concepts_across_schemes() {
    let api = linked();
    let list = |filter: &str, selector| pb::ListSeriesRequest {
        parent: "datasets/cic-global-llm".into(),
        filter: filter.into(),
        edition: selector,
        ..Default::default()
    };
    let in_2026 = || edition("datasets/cic-global-llm/editions/2026");
    let driver_and_segment = format!("concepts:\"{DRIVER}\" AND concepts:\"{SEGMENT}\"");
    assert_eq!(
        listed(&api, Request::new(list(&driver_and_segment, in_2026()))).await,
        [MARKET]
    );
    // The latest edition links the series to the segment only.
    assert!(
        listed(&api, Request::new(list(&driver_and_segment, None)))
            .await
            .is_empty()
    );
    let segment = format!("concepts:\"{SEGMENT}\"");
    assert_eq!(
        listed(&api, Request::new(list(&segment, None))).await,
        [MARKET]
    );
    let nothing = "concepts:\"datasets/cic-global-llm/schemes/drivers/concepts/none\"";
    assert!(
        listed(&api, Request::new(list(nothing, None)))
            .await
            .is_empty()
    );
    // A concept the caller may not read selects nothing, as one that links nothing.
    let narrow = &[
        "datasets/cic-global-llm-2026",
        "datasets/cic-global-llm/schemes/industry",
    ];
    let driver = format!("concepts:\"{DRIVER}\"");
    assert!(
        listed(&api, granted(list(&driver, in_2026()), narrow))
            .await
            .is_empty()
    );
    assert_eq!(
        listed(&api, granted(list(&segment, in_2026()), narrow)).await,
        [MARKET]
    );
    // Across datasets (`datasets/-`) too.
    let mut any = list(&segment, None);
    any.parent = "datasets/-".into();
    assert_eq!(listed(&api, Request::new(any)).await, [MARKET]);
    // Without links (no vocabulary), the filter selects nothing; it is no error.
    assert!(
        listed(&both(), Request::new(list(&segment, None)))
            .await
            .is_empty()
    );
}

#[test]
fn a_changed_link_is_a_changed_series() {
    let old = Catalog::load(&[builtin()]).unwrap();
    let link = ConceptLink {
        dataset: "cic-global-llm",
        edition: "2026",
        series: "market-size",
        concept: SEGMENT,
        scheme: "industry",
        v1_served: true,
    };
    let new = old.clone().with_concepts([link]);
    assert_eq!(old.changes(&new).changed, [MARKET]);
    assert!(new.changes(&new.clone().with_concepts([link])).is_empty());
}

#[tokio::test]
async fn a_v1_scheme_grant_reads_a_linked_concept_where_v1_serves_its_scheme() {
    let link = |concept, scheme, v1_served| ConceptLink {
        dataset: "cic-global-llm",
        edition: "2026",
        series: "market-size",
        concept,
        scheme,
        v1_served,
    };
    let catalog = Catalog::load(&[builtin()]).unwrap().with_concepts([
        link(DRIVER, "drivers", true),
        link(SEGMENT, "industry", false),
    ]);
    let api = ForecastApiV2::new(Arc::new(ArcSwap::from_pointee(catalog)));
    let request = |grants: &[&str]| {
        granted(
            pb::GetSeriesRequest {
                name: MARKET.into(),
                edition: None,
            },
            grants,
        )
    };
    let v1 = [
        "datasets/cic-global-llm-2026",
        "schemes/drivers",
        "schemes/industry",
    ];
    let shown = api.get_series(request(&v1)).await.unwrap().into_inner();
    assert_eq!(
        shown.concepts,
        [DRIVER],
        "industry is not v1's from this dataset"
    );
    let filter = pb::ListSeriesRequest {
        parent: "datasets/cic-global-llm".into(),
        filter: format!("concepts:\"{DRIVER}\""),
        ..Default::default()
    };
    assert_eq!(listed(&api, granted(filter, &v1)).await, [MARKET]);
}
