//! End-to-end tests of the forecast service over gRPC: every figure of the report's sections 1.2
//! and 2.1 as stored, the derived figures (CAGR, breakdown, fill, projection, consistency),
//! paging, and every kind of bad input.

use std::sync::Arc;

use arc_swap::ArcSwap;
use llmarket_forecast as forecast;
use llmarket_kit::data::{self, DataFile, DatasetFiles};
use llmarket_proto::forecast::{
    self as pb, forecast_service_client::ForecastServiceClient, project_series_request::Scenario,
};
use llmarket_tests::{
    TestServer,
    assert::{assert_invalid, assert_not_found},
};
use tonic::{Code, Status, transport::Channel};

const DATASET: &str = "datasets/cic-global-llm-2026";

fn series(id: &str) -> String {
    format!("{DATASET}/series/{id}")
}

async fn client(server: &TestServer) -> ForecastServiceClient<Channel> {
    ForecastServiceClient::new(server.channel().await)
}

#[track_caller]
fn assert_close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} is not within {tolerance} of {expected}"
    );
}

/// Asserts FAILED_PRECONDITION with a message containing each of `needles`.
#[track_caller]
fn assert_precondition<T: std::fmt::Debug>(result: Result<T, Status>, needles: &[&str]) {
    let status = result.expect_err("expected FAILED_PRECONDITION");
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
    for needle in needles {
        assert!(
            status.message().contains(needle),
            "{needle:?} not in {:?}",
            status.message()
        );
    }
}

/// A stored figure as the report states it.
struct Stated {
    year: i32,
    value: f64,
    unit: pb::Unit,
    qualifier: pb::Qualifier,
    kind: pb::ObservationKind,
    source: &'static str,
    resolution: f64,
    quote: &'static str,
    note: &'static str,
}

#[track_caller]
fn assert_stated(observation: &pb::Observation, expected: &Stated) {
    assert_eq!(observation.year, expected.year);
    assert_eq!(observation.value, expected.value, "{observation:?}");
    assert_eq!(observation.unit(), expected.unit, "{observation:?}");
    assert_eq!(
        observation.qualifier(),
        expected.qualifier,
        "{observation:?}"
    );
    assert_eq!(observation.kind(), expected.kind, "{observation:?}");
    assert_eq!(observation.provenance(), pb::Provenance::Reported);
    assert_eq!(observation.source, expected.source);
    assert_eq!(observation.resolution, expected.resolution);
    assert!(observation.method.is_empty(), "{observation:?}");
    assert!(
        observation.quote.contains(expected.quote),
        "{observation:?}"
    );
    assert!(observation.note.contains(expected.note), "{observation:?}");
}

async fn get_series(client: &mut ForecastServiceClient<Channel>, id: &str) -> pb::Series {
    client
        .get_series(pb::GetSeriesRequest { name: series(id) })
        .await
        .expect("get series")
        .into_inner()
        .series
        .expect("series")
}

async fn get_dataset(client: &mut ForecastServiceClient<Channel>) -> pb::Dataset {
    client
        .get_dataset(pb::GetDatasetRequest {
            name: DATASET.into(),
        })
        .await
        .expect("get dataset")
        .into_inner()
        .dataset
        .expect("dataset")
}

#[tokio::test]
async fn dataset_metadata() {
    let server = TestServer::forecast().await;
    let mut client = client(&server).await;
    let list = client
        .list_datasets(pb::ListDatasetsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(list.datasets.len(), 1);
    assert!(list.next_page_token.is_empty());
    let dataset = get_dataset(&mut client).await;
    assert_eq!(dataset, list.datasets[0]);
    assert_eq!(dataset.name, DATASET);
    assert_eq!(dataset.title_zh_hans, "全球大模型行业报告");
    assert_eq!(dataset.title_en, "Global Large Model Industry Report");
    assert!(
        dataset.publisher.contains("CIC 灼识"),
        "{}",
        dataset.publisher
    );
    assert!(dataset.publisher.contains("China Insights Consultancy"));
    assert_eq!(dataset.year, 2026);
    assert_eq!(dataset.currency, "USD");
    assert!(!dataset.source_document.is_empty());
    assert_eq!(dataset.source_language_code, "zh-Hans");
    assert!(
        dataset
            .notice_zh_hans
            .contains("本文件包含高度机密信息，仅供我方客户专属使用")
    );
    assert!(dataset.notice_en.contains("confidential"));
    assert_eq!(dataset.version.len(), 16);
    assert!(dataset.version.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(dataset.series_count, 4);
}

#[tokio::test]
async fn every_figure_of_sections_1_2_and_2_1_is_stored_as_stated() {
    use pb::{ObservationKind::*, Qualifier::*, Unit::*};
    let server = TestServer::forecast().await;
    let mut client = client(&server).await;

    let market = get_series(&mut client, "market-size").await;
    assert_eq!(market.unit(), UsdBillion);
    assert_eq!(market.source, "1.2");
    assert_eq!(
        market.components,
        [series("application-market"), series("maas-market")]
    );
    assert!(market.parent.is_empty());
    assert_eq!((market.first_year, market.last_year), (2024, 2029));
    assert_eq!(market.observations.len(), 2, "only what the text states");
    let billions = |year, value, kind, quote| Stated {
        year,
        value,
        unit: UsdBillion,
        qualifier: Exact,
        kind,
        source: "1.2",
        resolution: 0.1,
        quote,
        note: "",
    };
    assert_stated(
        &market.observations[0],
        &billions(2024, 10.7, Actual, "2024 年该市场规模为 107 亿美元"),
    );
    assert_stated(
        &market.observations[1],
        &billions(2029, 206.5, Forecast, "预计 2029 年将增至 2,065 亿美元"),
    );
    assert_eq!(market.stated_rates.len(), 1);
    let cagr = &market.stated_rates[0];
    assert_eq!(cagr.rate_kind(), pb::RateKind::Cagr);
    assert_eq!(cagr.value, 0.807);
    assert_eq!((cagr.start_year, cagr.end_year), (2024, 2029));
    assert_eq!(cagr.qualifier(), Exact);
    assert_eq!(cagr.kind(), Forecast);
    assert_eq!(cagr.source, "1.2");
    assert_eq!(cagr.resolution, 0.001);
    assert!(cagr.quote.contains("80.7%"));

    let application = get_series(&mut client, "application-market").await;
    assert_eq!(application.parent, series("market-size"));
    assert_eq!(application.observations.len(), 1);
    assert_stated(
        &application.observations[0],
        &billions(
            2029,
            151.5,
            Forecast,
            "大模型应用市场 2029 年规模预计将达 1,515 亿美元",
        ),
    );
    let maas = get_series(&mut client, "maas-market").await;
    assert_eq!(maas.parent, series("market-size"));
    assert_eq!(maas.observations.len(), 1);
    assert_stated(
        &maas.observations[0],
        &billions(
            2029,
            55.0,
            Forecast,
            "大模型 MaaS 市场同期规模将增至 550 亿美元",
        ),
    );

    let cost = get_series(&mut client, "inference-cost").await;
    assert_eq!(cost.unit(), UsdPerMillionTokens);
    assert_eq!(cost.source, "2.1");
    assert_eq!(cost.observations.len(), 2);
    let tokens = |year, value, qualifier, quote, note| Stated {
        year,
        value,
        unit: UsdPerMillionTokens,
        qualifier,
        kind: Actual,
        source: "2.1",
        resolution: 0.0,
        quote,
        note,
    };
    assert_stated(
        &cost.observations[0],
        &tokens(
            2022,
            20.0,
            Approximate,
            "2022 年末约每百万 token 20 美元",
            "end of 2022",
        ),
    );
    assert_stated(
        &cost.observations[1],
        &tokens(
            2024,
            0.1,
            UpperBound,
            "2024 年末的 0.1 美元以下",
            "end of 2024",
        ),
    );
    assert_eq!(cost.stated_rates.len(), 1);
    let fall = &cost.stated_rates[0];
    assert_eq!(fall.rate_kind(), pb::RateKind::AnnualChange);
    assert_eq!(fall.value, -0.9);
    assert_eq!((fall.start_year, fall.end_year), (0, 0));
    assert_eq!(fall.kind(), Forecast);
    assert_eq!(fall.source, "2.1");
    assert!(fall.quote.contains("每年以十倍幅度下降"));
}

#[tokio::test]
async fn fill_derives_2025_to_2028_and_nothing_is_stored_for_them() {
    let server = TestServer::forecast().await;
    let mut client = client(&server).await;
    let request = |fill: pb::Fill| pb::GetObservationsRequest {
        series: series("market-size"),
        start_year: 2023,
        end_year: 2029,
        transform: pb::Transform::None.into(),
        fill: fill.into(),
    };
    let plain = client
        .get_observations(request(pb::Fill::None))
        .await
        .unwrap()
        .into_inner();
    let years: Vec<i32> = plain.observations.iter().map(|o| o.year).collect();
    assert_eq!(years, [2024, 2029]);
    assert_eq!(plain.fill(), pb::Fill::None);

    let filled = client
        .get_observations(request(pb::Fill::CagrInterpolate))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(filled.series, series("market-size"));
    assert_eq!(filled.fill(), pb::Fill::CagrInterpolate);
    assert_eq!(filled.transform(), pb::Transform::None);
    let years: Vec<i32> = filled.observations.iter().map(|o| o.year).collect();
    assert_eq!(
        years,
        [2024, 2025, 2026, 2027, 2028, 2029],
        "2023 is before the first stated year"
    );
    assert_eq!(
        filled.observations[0].provenance(),
        pb::Provenance::Reported
    );
    assert_eq!(
        filled.observations[5].provenance(),
        pb::Provenance::Reported
    );
    for (k, o) in filled.observations[1..5].iter().enumerate() {
        let expected = 10.7 * (206.5f64 / 10.7).powf((k + 1) as f64 / 5.0);
        assert_close(o.value, expected, 1e-9);
        assert_eq!(o.provenance(), pb::Provenance::Derived);
        assert_eq!(o.qualifier(), pb::Qualifier::Approximate);
        assert_eq!(o.kind(), pb::ObservationKind::Forecast);
        assert_eq!(o.unit(), pb::Unit::UsdBillion);
        assert_eq!(o.source, "1.2");
        assert_eq!(
            o.method,
            "geometric interpolation between 2024 (10.7, reported) and 2029 (206.5, reported)"
        );
        assert!(o.quote.is_empty() && o.resolution == 0.0);
    }
    // Asking for the fill stores nothing: the series still holds only what the report states.
    assert_eq!(
        get_series(&mut client, "market-size")
            .await
            .observations
            .len(),
        2
    );
}

#[tokio::test]
async fn transforms_over_the_wire() {
    let server = TestServer::forecast().await;
    let mut client = client(&server).await;
    let request = |id: &str, transform: pb::Transform, fill: pb::Fill| pb::GetObservationsRequest {
        series: series(id),
        start_year: 0,
        end_year: 0,
        transform: transform.into(),
        fill: fill.into(),
    };
    let yoy = client
        .get_observations(request(
            "market-size",
            pb::Transform::YearOverYear,
            pb::Fill::CagrInterpolate,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(yoy.observations.len(), 5);
    for o in &yoy.observations {
        assert_close(o.value, 0.807_620_49, 1e-8);
        assert_eq!(o.unit(), pb::Unit::Fraction);
        assert_eq!(o.provenance(), pb::Provenance::Derived);
    }
    let index = client
        .get_observations(request("market-size", pb::Transform::Index, pb::Fill::None))
        .await
        .unwrap()
        .into_inner();
    assert_close(index.observations[0].value, 100.0, 1e-12);
    assert_close(index.observations[1].value, 206.5 / 10.7 * 100.0, 1e-9);
    assert_eq!(index.observations[1].qualifier(), pb::Qualifier::Exact);
    assert_eq!(index.observations[1].unit(), pb::Unit::Index);
    let share = client
        .get_observations(request(
            "maas-market",
            pb::Transform::ShareOfParent,
            pb::Fill::None,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(share.observations.len(), 1);
    assert_close(share.observations[0].value, 55.0 / 206.5, 1e-12);
    assert_precondition(
        client
            .get_observations(request(
                "market-size",
                pb::Transform::ShareOfParent,
                pb::Fill::None,
            ))
            .await,
        &["market-size has no parent"],
    );
    assert_precondition(
        client
            .get_observations(request(
                "market-size",
                pb::Transform::YearOverYear,
                pb::Fill::None,
            ))
            .await,
        &[
            "no value for 2028",
            "fill=FILL_CAGR_INTERPOLATE would derive it",
        ],
    );
}

#[tokio::test]
async fn derived_cagr_agrees_with_the_stated_rate() {
    let server = TestServer::forecast().await;
    let mut client = client(&server).await;
    let growth = client
        .compute_growth(pb::ComputeGrowthRequest {
            series: series("market-size"),
            start_year: 0,
            end_year: 0,
            fill: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(growth.series, series("market-size"));
    assert_eq!(growth.years, 5);
    assert_close(growth.cagr, (206.5f64 / 10.7).powf(0.2) - 1.0, 1e-12);
    assert_close(growth.cagr, 0.807_62, 1e-5);
    assert_close(growth.multiple, 206.5 / 10.7, 1e-12);
    // 10.65..10.75 and 206.45..206.55 allow 80.58 %..80.94 %; the stated 80.7 % lies inside.
    assert_close(growth.cagr_low, (206.45f64 / 10.75).powf(0.2) - 1.0, 1e-12);
    assert_close(growth.cagr_high, (206.55f64 / 10.65).powf(0.2) - 1.0, 1e-12);
    assert!(growth.cagr_low < 0.807 && 0.807 < growth.cagr_high);
    let stated = growth.stated_rate.as_ref().expect("stated CAGR 2024-2029");
    assert_eq!(stated.value, 0.807);
    assert!(growth.agrees_with_stated);
    let (start, end) = (growth.start.unwrap(), growth.end.unwrap());
    assert_eq!((start.year, start.value), (2024, 10.7));
    assert_eq!((end.year, end.value), (2029, 206.5));
    assert_eq!(start.provenance(), pb::Provenance::Reported);
    assert!(
        growth.method.contains("(206.5 / 10.7)^(1/5)"),
        "{}",
        growth.method
    );

    // A span the report states no rate for: computed from a derived endpoint, nothing to agree with.
    let growth = client
        .compute_growth(pb::ComputeGrowthRequest {
            series: series("market-size"),
            start_year: 2026,
            end_year: 2029,
            fill: pb::Fill::CagrInterpolate.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(growth.stated_rate.is_none());
    assert!(!growth.agrees_with_stated);
    assert_close(growth.cagr, 0.807_620_49, 1e-8);
    assert_eq!(growth.start.unwrap().provenance(), pb::Provenance::Derived);
}

#[tokio::test]
async fn breakdown_of_2029() {
    let server = TestServer::forecast().await;
    let mut client = client(&server).await;
    let breakdown = client
        .get_breakdown(pb::GetBreakdownRequest {
            series: series("market-size"),
            year: 0,
            fill: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(breakdown.year, 2029);
    assert_eq!(breakdown.total.as_ref().unwrap().value, 206.5);
    let parts: Vec<(&str, f64)> = breakdown
        .components
        .iter()
        .map(|c| (c.series.as_str(), c.value.as_ref().unwrap().value))
        .collect();
    assert_eq!(
        parts,
        [
            (series("application-market").as_str(), 151.5),
            (series("maas-market").as_str(), 55.0)
        ]
    );
    assert_close(breakdown.components[0].share, 0.7337, 5e-5);
    assert_close(breakdown.components[1].share, 0.2663, 5e-5);
    assert_eq!(breakdown.components[0].title_zh_hans, "大模型应用市场");
    assert_eq!(
        breakdown.components[1].title_en,
        "Large-model MaaS (model-as-a-service) market"
    );
    assert_close(breakdown.components_sum, 206.5, 1e-12);
    assert_close(breakdown.residual, 0.0, 1e-12);
    assert!(breakdown.components_add_up);
    assert_eq!(
        breakdown.components[0].value.as_ref().unwrap().provenance(),
        pb::Provenance::Reported
    );
}

#[tokio::test]
async fn tenfold_yearly_cost_fall_projected_from_2024() {
    let server = TestServer::forecast().await;
    let mut client = client(&server).await;
    for scenario in [Scenario::StatedRate(true), Scenario::AnnualRate(-0.9)] {
        let projection = client
            .project_series(pb::ProjectSeriesRequest {
                series: series("inference-cost"),
                base_year: 0,
                end_year: 2028,
                scenario: Some(scenario),
                fill: 0,
            })
            .await
            .unwrap()
            .into_inner();
        let base = projection.base.unwrap();
        assert_eq!((base.year, base.value), (2024, 0.1));
        assert_eq!(base.qualifier(), pb::Qualifier::UpperBound);
        assert_eq!(projection.annual_rate, -0.9);
        assert_eq!(
            projection.stated_rate.is_some(),
            matches!(scenario, Scenario::StatedRate(_))
        );
        let expected = [(2025, 0.01), (2026, 0.001), (2027, 0.0001), (2028, 0.00001)];
        assert_eq!(projection.projections.len(), expected.len());
        for (o, (year, value)) in projection.projections.iter().zip(expected) {
            assert_eq!(o.year, year);
            assert_close(o.value, value, value * 1e-9);
            assert_eq!(
                o.qualifier(),
                pb::Qualifier::UpperBound,
                "below 0.1 stays below"
            );
            assert_eq!(o.provenance(), pb::Provenance::Derived);
            assert_eq!(o.kind(), pb::ObservationKind::Forecast);
            assert_eq!(o.unit(), pb::Unit::UsdPerMillionTokens);
            assert!(
                o.method.contains("2024 (at most 0.1, reported)"),
                "{}",
                o.method
            );
            assert!(o.source.starts_with("2.1"));
        }
    }
}

/// The interval of an observation or estimate, which every value now carries.
#[track_caller]
fn interval(interval: &Option<pb::Interval>) -> &pb::Interval {
    interval.as_ref().expect("every value carries its interval")
}

#[tokio::test]
async fn stated_values_say_what_they_stand_for() {
    let server = TestServer::forecast().await;
    let mut client = client(&server).await;
    let market = get_series(&mut client, "market-size").await;
    let i = interval(&market.observations[0].interval);
    assert_close(i.low, 10.65, 1e-9);
    assert_close(i.high, 10.75, 1e-9);
    assert!(!i.width_unknown);
    let cost = get_series(&mut client, "inference-cost").await;
    let about_20 = interval(&cost.observations[0].interval);
    assert_eq!((about_20.low, about_20.high), (20.0, 20.0));
    assert!(about_20.width_unknown, "about 20 has no stated rounding");
    let below = interval(&cost.observations[1].interval);
    assert_eq!((below.low, below.high), (f64::NEG_INFINITY, 0.1));
    assert!(!below.width_unknown);
    assert!(cost.observations.iter().all(|o| o.derivation.is_none()));
    let dataset = get_dataset(&mut client).await;
    assert_eq!(dataset.horizon_year, 2029);
}

#[tokio::test]
async fn cost_2023_interpolated_from_about_20_and_below_0_1_is_at_most_about_1_41() {
    let server = TestServer::forecast().await;
    let mut client = client(&server).await;
    let filled = client
        .get_observations(pb::GetObservationsRequest {
            series: series("inference-cost"),
            start_year: 2023,
            end_year: 2023,
            transform: pb::Transform::None.into(),
            fill: pb::Fill::CagrInterpolate.into(),
        })
        .await
        .unwrap()
        .into_inner();
    let o = &filled.observations[0];
    assert_close(o.value, 2f64.sqrt(), 1e-9);
    assert_eq!(o.qualifier(), pb::Qualifier::UpperBound, "not approximate");
    let i = interval(&o.interval);
    assert_eq!(i.low, f64::NEG_INFINITY);
    assert_close(i.high, 2f64.sqrt(), 1e-9);
    assert!(i.width_unknown, "a bound that is itself approximate");
    let d = o
        .derivation
        .as_ref()
        .expect("a derived value names its method");
    assert_eq!(d.method_kind(), pb::MethodKind::CagrInterpolation);
    let inputs: Vec<(i32, f64, pb::Qualifier, bool)> = d
        .inputs
        .iter()
        .map(|i| (i.year, i.value, i.qualifier(), i.width_unknown))
        .collect();
    assert_eq!(
        inputs,
        [
            (2022, 20.0, pb::Qualifier::Approximate, true),
            (2024, 0.1, pb::Qualifier::UpperBound, false)
        ]
    );
    assert!(
        o.method.contains("2024 (at most 0.1, reported)"),
        "{}",
        o.method
    );
}

#[tokio::test]
async fn cost_multiple_2022_to_2024_is_at_most_about_0_005() {
    let server = TestServer::forecast().await;
    let mut client = client(&server).await;
    let g = client
        .compute_growth(pb::ComputeGrowthRequest {
            series: series("inference-cost"),
            start_year: 2022,
            end_year: 2024,
            fill: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let multiple = g.multiple_estimate.as_ref().unwrap();
    assert_close(multiple.value, 0.005, 1e-12);
    assert_eq!(multiple.qualifier(), pb::Qualifier::UpperBound);
    let i = interval(&multiple.interval);
    assert_eq!(i.low, f64::NEG_INFINITY);
    assert_close(i.high, 0.005, 1e-12);
    assert!(i.width_unknown);
    // A fall of at least about 200 times: the reciprocal of the bound.
    assert_close(1.0 / i.high, 200.0, 1e-6);
    let cagr = g.cagr_estimate.as_ref().unwrap();
    assert_eq!(cagr.qualifier(), pb::Qualifier::UpperBound);
    assert_close(interval(&cagr.interval).high, 0.005f64.sqrt() - 1.0, 1e-12);
    // The old fields keep their meaning.
    assert_eq!(g.cagr_low, -1.0);
    assert!(!g.only_derived_endpoints);
}

#[tokio::test]
async fn tenfold_fall_past_the_horizon_is_flagged() {
    let server = TestServer::forecast().await;
    let mut client = client(&server).await;
    let projection = client
        .project_series(pb::ProjectSeriesRequest {
            series: series("inference-cost"),
            base_year: 0,
            end_year: 2100,
            scenario: Some(Scenario::StatedRate(true)),
            fill: 0,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(projection.horizon_year, 2029);
    for o in &projection.projections {
        assert_eq!(o.past_horizon, o.year > 2029, "{}", o.year);
        assert_eq!(o.qualifier(), pb::Qualifier::UpperBound);
        assert!(
            interval(&o.interval).width_unknown,
            "a constant rate is a model"
        );
        let d = o.derivation.as_ref().unwrap();
        assert_eq!(d.method_kind(), pb::MethodKind::Projection);
        assert_eq!(d.years, o.year - 2024);
        assert_eq!(d.annual_rate, -0.9);
        assert_eq!(d.stated_rate_kind(), pb::RateKind::AnnualChange);
        assert_eq!(d.rate_source, "2.1");
    }
    assert_eq!(
        projection
            .projections
            .iter()
            .filter(|o| o.past_horizon)
            .count(),
        71
    );
}

#[tokio::test]
async fn cagr_between_interpolated_years_is_flagged_as_the_interpolation_rate() {
    let server = TestServer::forecast().await;
    let mut client = client(&server).await;
    let growth = |start_year, end_year| pb::ComputeGrowthRequest {
        series: series("market-size"),
        start_year,
        end_year,
        fill: pb::Fill::CagrInterpolate.into(),
    };
    let g = client
        .compute_growth(growth(2026, 2027))
        .await
        .unwrap()
        .into_inner();
    assert!(g.only_derived_endpoints);
    assert_close(g.cagr, (206.5f64 / 10.7).powf(0.2) - 1.0, 1e-9);
    assert_eq!(
        g.cagr_estimate.as_ref().unwrap().qualifier(),
        pb::Qualifier::Approximate
    );
    for (start, end) in [(2024, 2027), (2024, 2029)] {
        let g = client
            .compute_growth(growth(start, end))
            .await
            .unwrap()
            .into_inner();
        assert!(!g.only_derived_endpoints, "{start}-{end}");
    }
}

#[tokio::test]
async fn shares_sums_and_residuals_carry_their_intervals() {
    let server = TestServer::forecast().await;
    let mut client = client(&server).await;
    let b = client
        .get_breakdown(pb::GetBreakdownRequest {
            series: series("market-size"),
            year: 2029,
            fill: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let share = b.components[0].share_estimate.as_ref().unwrap();
    assert_eq!(share.qualifier(), pb::Qualifier::Exact);
    let i = interval(&share.interval);
    assert_close(i.low, 151.45 / 206.55, 1e-12);
    assert_close(i.high, 151.55 / 206.45, 1e-12);
    let sum = b.components_sum_estimate.as_ref().unwrap();
    assert_close(interval(&sum.interval).low, 206.4, 1e-9);
    let residual = *interval(&b.residual_estimate.as_ref().unwrap().interval);
    assert_close(residual.low, -0.15, 1e-9);
    assert_close(residual.high, 0.15, 1e-9);
    // Shares of a parent over the wire carry the parent's name in their derivation.
    let share = client
        .get_observations(pb::GetObservationsRequest {
            series: series("maas-market"),
            start_year: 0,
            end_year: 0,
            transform: pb::Transform::ShareOfParent.into(),
            fill: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let d = share.observations[0].derivation.as_ref().unwrap();
    assert_eq!(d.method_kind(), pb::MethodKind::ShareOfParent);
    assert_eq!(d.parent, series("market-size"));
}

#[tokio::test]
async fn consistency_checks_all_pass_on_the_builtin_data() {
    let server = TestServer::forecast().await;
    let mut client = client(&server).await;
    let response = client
        .check_consistency(pb::CheckConsistencyRequest {
            dataset: DATASET.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.dataset, DATASET);
    assert_eq!(response.checks.len(), 4, "{:#?}", response.checks);
    assert_eq!((response.passed_count, response.failed_count), (4, 0));
    let find = |kind: pb::CheckKind, id: &str| {
        response
            .checks
            .iter()
            .find(|c| c.check_kind() == kind && c.series == series(id))
            .unwrap_or_else(|| panic!("no {kind:?} check of {id}"))
    };
    let sum = find(pb::CheckKind::ComponentsSum, "market-size");
    assert_eq!((sum.year, sum.expected), (2029, 206.5));
    assert_close(sum.actual, 206.5, 1e-12);
    let cagr = find(pb::CheckKind::StatedCagr, "market-size");
    assert_eq!(
        (cagr.start_year, cagr.year, cagr.expected),
        (2024, 2029, 0.807)
    );
    assert_close(cagr.actual, 0.807_62, 1e-5);
    assert!((cagr.actual - cagr.expected).abs() <= cagr.tolerance);
    find(pb::CheckKind::ComponentWithinParent, "application-market");
    find(pb::CheckKind::ComponentWithinParent, "maas-market");
    assert!(
        response
            .checks
            .iter()
            .all(|c| c.passed && !c.description.is_empty())
    );
}

#[tokio::test]
async fn list_series_pages_one_at_a_time() {
    let server = TestServer::forecast().await;
    let mut client = client(&server).await;
    let mut names = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = client
            .list_series(pb::ListSeriesRequest {
                parent: DATASET.into(),
                page_size: 1,
                page_token,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.series.len(), 1);
        assert!(
            page.series[0].observations.is_empty(),
            "lists carry no observations"
        );
        assert!(page.series[0].first_year > 0);
        names.push(page.series[0].name.clone());
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    let expected: Vec<String> = [
        "application-market",
        "inference-cost",
        "maas-market",
        "market-size",
    ]
    .into_iter()
    .map(series)
    .collect();
    assert_eq!(names, expected);
}

fn dataset_files(directory: &str, text: String) -> DatasetFiles {
    let path = format!("{directory}/forecast.toml");
    DatasetFiles::forecast_only(directory, DataFile::owned(path, text))
}

#[tokio::test]
async fn serves_other_datasets_beside_the_builtin_one() {
    let text = r#"
title_zh_hans = "其他"
title_en = "Other"
publisher = "Someone"
year = 2025
currency = "USD"
source_document = "other.pdf"
[[series]]
id = "a"
title_zh_hans = "甲"
title_en = "A"
unit = "usd-billion"
source = "1"
observations = [{ year = 2020, value = 1.0, qualifier = "exact", kind = "actual" }]
"#;
    let mut sources = data::all_sources(&[]).unwrap();
    sources.push(dataset_files("another-report", text.to_owned()));
    let catalog = forecast::Catalog::load(&sources).unwrap();
    let server = TestServer::start(llmarket_server::app::routes::forecast(Arc::new(
        ArcSwap::from_pointee(catalog),
    )))
    .await;
    let mut client = client(&server).await;
    let first = client
        .list_datasets(pb::ListDatasetsRequest {
            page_size: 1,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        first.datasets[0].name, "datasets/another-report",
        "id from the directory name"
    );
    let second = client
        .list_datasets(pb::ListDatasetsRequest {
            page_size: 1,
            page_token: first.next_page_token,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.datasets[0].name, DATASET);
    assert!(second.next_page_token.is_empty());
    let a = client
        .get_series(pb::GetSeriesRequest {
            name: "datasets/another-report/series/a".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .series
        .unwrap();
    assert_eq!(a.observations[0].value, 1.0);

    // The same id twice is refused whole.
    sources.push(dataset_files("another-report", text.to_owned()));
    let err = forecast::Catalog::load(&sources).unwrap_err();
    assert!(err.to_string().contains("already used"), "{err}");
}

/// One request to a forecast RPC, so that bad-input tests can be tables.
#[derive(Debug, Clone)]
enum Call {
    GetDataset(pb::GetDatasetRequest),
    ListSeries(pb::ListSeriesRequest),
    GetSeries(pb::GetSeriesRequest),
    Observations(pb::GetObservationsRequest),
    Growth(pb::ComputeGrowthRequest),
    Breakdown(pb::GetBreakdownRequest),
    Project(pb::ProjectSeriesRequest),
    Check(pb::CheckConsistencyRequest),
}

impl Call {
    /// Sends the request, keeping only the status of a failure.
    async fn send(self, c: &mut ForecastServiceClient<Channel>) -> Result<(), Status> {
        match self {
            Self::GetDataset(r) => c.get_dataset(r).await.map(drop),
            Self::ListSeries(r) => c.list_series(r).await.map(drop),
            Self::GetSeries(r) => c.get_series(r).await.map(drop),
            Self::Observations(r) => c.get_observations(r).await.map(drop),
            Self::Growth(r) => c.compute_growth(r).await.map(drop),
            Self::Breakdown(r) => c.get_breakdown(r).await.map(drop),
            Self::Project(r) => c.project_series(r).await.map(drop),
            Self::Check(r) => c.check_consistency(r).await.map(drop),
        }
    }
}

/// What a bad request must get back.
#[derive(Debug, Clone, Copy)]
enum Expect<'a> {
    /// INVALID_ARGUMENT with one field violation for this field.
    Invalid(&'a str),
    /// NOT_FOUND naming this resource.
    NotFound(&'a str),
    /// FAILED_PRECONDITION with a message holding each of these.
    Precondition(&'a [&'a str]),
}

/// Sends each call of `cases` to a fresh forecast server and checks its status.
async fn assert_refused(cases: Vec<(Call, Expect<'_>)>) {
    let server = TestServer::forecast().await;
    let mut c = client(&server).await;
    for (call, expect) in cases {
        // Shown only when an assertion below fails, to say which case it was.
        println!("{call:?} should get {expect:?}");
        let result = call.send(&mut c).await;
        match expect {
            Expect::Invalid(field) => assert_invalid(result, field),
            Expect::NotFound(resource) => {
                assert_not_found(result, resource);
            }
            Expect::Precondition(needles) => assert_precondition(result, needles),
        }
    }
}

fn observations(start_year: i32, end_year: i32, transform: i32, fill: i32) -> Call {
    Call::Observations(pb::GetObservationsRequest {
        series: series("market-size"),
        start_year,
        end_year,
        transform,
        fill,
    })
}

fn growth(id: &str, start_year: i32, end_year: i32, fill: i32) -> Call {
    Call::Growth(pb::ComputeGrowthRequest {
        series: series(id),
        start_year,
        end_year,
        fill,
    })
}

fn breakdown(id: &str, year: i32, fill: i32) -> Call {
    Call::Breakdown(pb::GetBreakdownRequest {
        series: series(id),
        year,
        fill,
    })
}

fn project(id: &str, base_year: i32, end_year: i32, scenario: Option<Scenario>) -> Call {
    Call::Project(pb::ProjectSeriesRequest {
        series: series(id),
        base_year,
        end_year,
        scenario,
        fill: 0,
    })
}

/// Every RPC that names a series, asking about `name`, with the field that names it.
fn every_series_call(name: &str) -> Vec<(Call, &'static str)> {
    vec![
        (
            Call::GetSeries(pb::GetSeriesRequest { name: name.into() }),
            "name",
        ),
        (
            Call::Observations(pb::GetObservationsRequest {
                series: name.into(),
                ..Default::default()
            }),
            "series",
        ),
        (
            Call::Growth(pb::ComputeGrowthRequest {
                series: name.into(),
                ..Default::default()
            }),
            "series",
        ),
        (
            Call::Breakdown(pb::GetBreakdownRequest {
                series: name.into(),
                ..Default::default()
            }),
            "series",
        ),
        (
            Call::Project(pb::ProjectSeriesRequest {
                series: name.into(),
                end_year: 2030,
                scenario: Some(Scenario::StatedRate(true)),
                ..Default::default()
            }),
            "series",
        ),
    ]
}

/// Every RPC that names a dataset, asking about `name`, with the field that names it.
fn every_dataset_call(name: &str) -> Vec<(Call, &'static str)> {
    vec![
        (
            Call::GetDataset(pb::GetDatasetRequest { name: name.into() }),
            "name",
        ),
        (
            Call::ListSeries(pb::ListSeriesRequest {
                parent: name.into(),
                ..Default::default()
            }),
            "parent",
        ),
        (
            Call::Check(pb::CheckConsistencyRequest {
                dataset: name.into(),
            }),
            "dataset",
        ),
    ]
}

#[tokio::test]
async fn unknown_datasets_and_series_are_not_found() {
    let missing_dataset = "datasets/no-such-report";
    let missing_series = series("no-such-series");
    let in_missing_dataset = format!("{missing_dataset}/series/market-size");
    let mut cases = Vec::new();
    for (call, _) in every_dataset_call(missing_dataset) {
        cases.push((call, Expect::NotFound(missing_dataset)));
    }
    for (call, _) in every_series_call(&missing_series) {
        cases.push((call, Expect::NotFound(&missing_series)));
    }
    for (call, _) in every_series_call(&in_missing_dataset) {
        cases.push((call, Expect::NotFound(missing_dataset)));
    }
    assert_refused(cases).await;
}

#[tokio::test]
async fn an_unknown_series_is_answered_with_the_nearest_series_of_its_dataset() {
    let server = TestServer::forecast().await;
    let mut c = client(&server).await;
    let typo = series("market-sise");
    for (call, _) in every_series_call(&typo) {
        let nearest = assert_not_found(call.send(&mut c).await, &typo);
        assert_eq!(nearest.first(), Some(&series("market-size")), "{nearest:?}");
        assert!(nearest.len() <= 3, "{nearest:?}");
    }
    let far = series("qqqqqqqqqqqq");
    let (call, _) = every_series_call(&far).remove(0);
    assert!(assert_not_found(call.send(&mut c).await, &far).is_empty());
}

#[tokio::test]
async fn malformed_names_are_invalid_arguments() {
    let mut cases = Vec::new();
    for bad in [
        "",
        "cic-global-llm-2026",
        "datasets/CIC",
        "datasets/a/series/b",
    ] {
        for (call, field) in every_dataset_call(bad) {
            cases.push((call, Expect::Invalid(field)));
        }
    }
    for bad in [
        "",
        DATASET,
        "datasets/x/series/",
        "datasets/x/series/Market",
        "datasets/x/concepts/y",
    ] {
        for (call, field) in every_series_call(bad) {
            cases.push((call, Expect::Invalid(field)));
        }
    }
    assert_refused(cases).await;
}

#[tokio::test]
async fn bad_years_spans_enums_and_rates_are_invalid_arguments() {
    use Expect::Invalid;
    let rate = |r| Some(Scenario::AnnualRate(r));
    let cost = "inference-cost";
    let mut cases = vec![
        (observations(2029, 2024, 0, 0), Invalid("start_year")),
        (observations(2030, 0, 0, 0), Invalid("start_year")),
        (observations(1899, 0, 0, 0), Invalid("start_year")),
        (observations(i32::MIN, 0, 0, 0), Invalid("start_year")),
        (observations(0, 2201, 0, 0), Invalid("end_year")),
        (observations(0, 0, 99, 0), Invalid("transform")),
        (observations(0, 0, -1, 0), Invalid("transform")),
        (observations(0, 0, 0, 7), Invalid("fill")),
        (growth("market-size", 2029, 2024, 0), Invalid("start_year")),
        (growth("market-size", 2024, 2024, 0), Invalid("end_year")),
        (growth("market-size", 2029, 0, 0), Invalid("start_year")),
        (growth("market-size", 0, 3000, 0), Invalid("end_year")),
        (growth("market-size", 0, 0, 99), Invalid("fill")),
        (breakdown("market-size", 1000, 0), Invalid("year")),
        (breakdown("market-size", i32::MAX, 0), Invalid("year")),
        (breakdown("market-size", 2029, 3), Invalid("fill")),
        (project(cost, 1800, 2030, rate(0.1)), Invalid("base_year")),
        (project(cost, 0, 2201, rate(0.1)), Invalid("end_year")),
        (project(cost, 0, 0, rate(0.1)), Invalid("end_year")),
        (project(cost, 2024, 2024, rate(0.1)), Invalid("end_year")),
        (project(cost, 0, 2024, rate(0.1)), Invalid("end_year")),
        (project(cost, 0, 2030, None), Invalid("scenario")),
        (
            project(cost, 0, 2030, Some(Scenario::StatedRate(false))),
            Invalid("stated_rate"),
        ),
        // Finite, but compounding it to 2200 leaves the range of a double.
        (
            project("market-size", 2024, 2200, rate(1e300)),
            Invalid("annual_rate"),
        ),
        (
            Call::Project(pb::ProjectSeriesRequest {
                series: series(cost),
                end_year: 2030,
                scenario: rate(0.1),
                fill: 9,
                ..Default::default()
            }),
            Invalid("fill"),
        ),
    ];
    for bad in [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -1.0,
        -1.5,
        -1e300,
    ] {
        cases.push((
            project("market-size", 2024, 2029, rate(bad)),
            Invalid("annual_rate"),
        ));
    }
    assert_refused(cases).await;
}

#[tokio::test]
async fn bad_paging_is_an_invalid_argument() {
    let server = TestServer::forecast().await;
    let mut c = client(&server).await;
    assert_invalid(
        c.list_datasets(pb::ListDatasetsRequest {
            page_size: -1,
            page_token: String::new(),
        })
        .await,
        "page_size",
    );
    assert_invalid(
        c.list_series(pb::ListSeriesRequest {
            parent: DATASET.into(),
            page_size: i32::MIN,
            page_token: String::new(),
        })
        .await,
        "page_size",
    );
    for token in ["not-a-token", "00000000000000010000000000000000"] {
        assert_invalid(
            c.list_datasets(pb::ListDatasetsRequest {
                page_size: 1,
                page_token: token.into(),
            })
            .await,
            "page_token",
        );
        assert_invalid(
            c.list_series(pb::ListSeriesRequest {
                parent: DATASET.into(),
                page_size: 1,
                page_token: token.into(),
            })
            .await,
            "page_token",
        );
    }
    // A ListSeries token is not a ListDatasets token.
    let page = c
        .list_series(pb::ListSeriesRequest {
            parent: DATASET.into(),
            page_size: 1,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_invalid(
        c.list_datasets(pb::ListDatasetsRequest {
            page_size: 1,
            page_token: page.next_page_token,
        })
        .await,
        "page_token",
    );
}

#[tokio::test]
async fn requests_the_data_cannot_answer_are_failed_preconditions() {
    use Expect::Precondition;
    const HINT: &str = "fill=FILL_CAGR_INTERPOLATE would derive it";
    let interpolate = pb::Fill::CagrInterpolate.into();
    let stated = || Some(Scenario::StatedRate(true));
    let cases = vec![
        (
            growth("market-size", 2025, 2029, 0),
            Precondition(&["market-size has no value for 2025", HINT]),
        ),
        (
            breakdown("market-size", 2026, 0),
            Precondition(&["market-size has no value for 2026", HINT]),
        ),
        (
            project("market-size", 2027, 2030, stated()),
            Precondition(&["no value for 2027", HINT]),
        ),
        // Components lack 2024 and no fill can derive it: the message says so.
        (
            breakdown("market-size", 2024, interpolate),
            Precondition(&[
                "application-market has no value for 2024",
                "not between two stated years",
            ]),
        ),
        // Years beyond the data cannot be derived either.
        (
            growth("market-size", 2024, 2031, interpolate),
            Precondition(&["no value for 2031"]),
        ),
        // Data that cannot answer: no components, no stated rate.
        (
            breakdown("maas-market", 0, 0),
            Precondition(&["no component series"]),
        ),
        (
            project("maas-market", 0, 2030, stated()),
            Precondition(&["states no rate"]),
        ),
    ];
    assert_refused(cases).await;
    // With the fill, growth over derived years works.
    let server = TestServer::forecast().await;
    let mut c = client(&server).await;
    assert!(
        growth("market-size", 2025, 2029, interpolate)
            .send(&mut c)
            .await
            .is_ok()
    );
}
