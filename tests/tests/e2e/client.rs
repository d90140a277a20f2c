//! End-to-end tests of the composing client against the real servers: every composed query's
//! content against the report's figures and concepts, stable JSON, the Markdown snapshot, partial
//! failure, failover between replicas, and deadlines (against a slow in-test fake).

use std::time::Duration;

use llmarket_cli::render::{self, Format};
use llmarket_client::{
    Client, ClientConfig, ClientError, RetryPolicy, Service,
    reports::{
        CostOutlook, Language, MarketOverview, SegmentReport, Timeline, YearSpan,
        model::{Kind, Provenance, Qualifier, RateKind, Unit},
    },
};
use llmarket_tests::{Servers, TestServer, doubles::SlowForecast};
use tonic::Code;

const DATASET: &str = "datasets/cic-global-llm";
const MARKET: &str = "datasets/cic-global-llm/series/market-size";
const COST_DECLINE: &str = "datasets/cic-global-llm/schemes/drivers/concepts/cost-decline";

/// A client over both test servers, with quick retries.
async fn client(servers: &Servers) -> Client {
    Client::from_channels(
        servers.forecast.channel().await,
        servers.taxonomy.channel().await,
        quick_config(),
    )
}

fn quick_config() -> ClientConfig {
    ClientConfig::default().with_retry(RetryPolicy {
        max_attempts: 4,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(50),
        multiplier: 2.0,
    })
}

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0)
}

async fn overview(client: &Client) -> MarketOverview {
    client
        .market_overview(DATASET, YearSpan::all(), Language::En)
        .await
        .expect("market overview")
}

// ---- content ----

#[tokio::test]
async fn the_overview_holds_the_reports_figures() {
    let servers = Servers::start().await;
    let report = overview(&client(&servers).await).await;

    assert_eq!(report.dataset.name, DATASET);
    assert_eq!(report.dataset.title_zh_hans, "全球大模型行业报告");
    assert_eq!(report.dataset.title, report.dataset.title_en);
    assert_eq!(report.dataset.year, 2026);
    assert!(
        report.dataset.notice.contains("confidential"),
        "{}",
        report.dataset.notice
    );

    // The market: 2024 and 2029 as stated, 2025..=2028 derived and flagged.
    let market = &report.market;
    assert_eq!(market.name, MARKET);
    assert_eq!(market.unit, Unit::UsdBillion);
    let years: Vec<i32> = market.points.iter().map(|p| p.year).collect();
    assert_eq!(years, vec![2024, 2025, 2026, 2027, 2028, 2029]);
    let first = &market.points[0];
    assert_eq!(
        (first.value, first.provenance, first.kind),
        (10.7, Provenance::Reported, Kind::Actual)
    );
    let last = &market.points[5];
    assert_eq!(
        (last.value, last.provenance, last.kind),
        (206.5, Provenance::Reported, Kind::Forecast)
    );
    for derived in &market.points[1..5] {
        assert_eq!(derived.provenance, Provenance::Derived, "{derived:?}");
        assert!(derived.method.is_some(), "{derived:?}");
        let expected = 10.7 * (206.5_f64 / 10.7).powf(f64::from(derived.year - 2024) / 5.0);
        // To the first decimal place its interval spans (tenths), the interval around it.
        assert!(
            (derived.value - expected).abs() <= 0.05 + 1e-9,
            "{derived:?} vs {expected}"
        );
        let (low, high) = (derived.low.unwrap(), derived.high.unwrap());
        assert!(
            low < expected && expected < high,
            "{derived:?} vs {expected}"
        );
    }

    // Growth: computed from the endpoints, stated 80.7 %, and they agree within rounding.
    let growth = &report.growth;
    assert_eq!(
        (growth.start.year, growth.end.year, growth.years),
        (2024, 2029, 5)
    );
    assert!(
        close(growth.cagr, (206.5_f64 / 10.7).powf(0.2) - 1.0),
        "{}",
        growth.cagr
    );
    assert!(close(growth.multiple, 206.5 / 10.7));
    let stated = growth.stated.as_ref().expect("a stated CAGR");
    assert_eq!(stated.rate_kind, RateKind::Cagr);
    assert_eq!(stated.value, 0.807);
    assert_eq!(
        (stated.start_year, stated.end_year),
        (Some(2024), Some(2029))
    );
    assert_eq!(growth.agrees_with_stated, Some(true));

    // Breakdown of 2029: 151.5 + 55.0 = 206.5.
    let breakdown = &report.breakdown;
    assert_eq!(breakdown.year, 2029);
    assert_eq!(breakdown.total.value, 206.5);
    let parts: Vec<(&str, f64)> = breakdown
        .components
        .iter()
        .map(|c| (c.series.rsplit('/').next().unwrap(), c.value.value))
        .collect();
    assert_eq!(
        parts,
        vec![("application-market", 151.5), ("maas-market", 55.0)]
    );
    assert!(close(breakdown.components[0].share, 151.5 / 206.5));
    assert!(close(breakdown.components[1].share, 55.0 / 206.5));
    assert!(breakdown.components_add_up);

    // The words: drivers, trends, barriers, and L3 at its border.
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let drivers = report.drivers.as_ref().expect("drivers");
    assert!(!drivers.is_empty());
    assert!(
        drivers
            .iter()
            .any(|d| d.series.iter().any(|s| s.ends_with("/inference-cost"))),
        "the cost-decline driver links to the inference-cost series: {drivers:#?}"
    );
    let barriers = report.barriers.as_ref().expect("barriers");
    assert_eq!(barriers.len(), 3, "three core barriers: {barriers:#?}");
    assert!(!report.trends.as_ref().expect("trends").is_empty());
    let current = report.current_capability.as_ref().expect("current level");
    assert_eq!(current.level.notation.as_deref(), Some("L3"));
    assert_eq!(current.position, "border");
}

#[tokio::test]
async fn the_overview_comes_in_chinese_too() {
    let servers = Servers::start().await;
    let report = client(&servers)
        .await
        .market_overview(DATASET, YearSpan::all(), Language::Zh)
        .await
        .unwrap();
    assert_eq!(report.dataset.title, "全球大模型行业报告");
    assert!(
        report.market.title.contains("市场规模"),
        "{}",
        report.market.title
    );
    let current = report.current_capability.expect("current level");
    assert!(
        current
            .level
            .label
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{}",
        current.level.label
    );
}

#[tokio::test]
async fn a_span_narrows_the_overview() {
    let servers = Servers::start().await;
    let report = client(&servers)
        .await
        .market_overview(DATASET, YearSpan::between(2025, 2029), Language::En)
        .await
        .unwrap();
    assert_eq!(report.market.points.first().map(|p| p.year), Some(2025));
    assert_eq!(report.growth.start.year, 2025);
    assert!(report.growth.start.is_derived());
    assert_eq!(
        report.growth.stated, None,
        "the report states no CAGR for 2025-2029"
    );
    assert_eq!(report.growth.agrees_with_stated, None);
}

#[tokio::test]
async fn bad_arguments_are_refused_before_any_call() {
    // Nothing listens at these endpoints: a call would fail UNAVAILABLE, not INVALID_ARGUMENT.
    let config = ClientConfig::new(
        vec!["http://127.0.0.1:1".to_owned()],
        vec!["http://127.0.0.1:1".to_owned()],
    )
    .with_retry(RetryPolicy::none());
    let client = Client::connect(config).await.unwrap();
    let inverted = YearSpan::between(2029, 2024);
    let en = Language::En;
    let cases = [
        (
            "overview over an inverted span",
            client
                .market_overview(DATASET, inverted, en)
                .await
                .map(drop),
        ),
        (
            "timeline over an inverted span",
            client.timeline(inverted, en).await.map(drop),
        ),
        (
            "segment over an inverted span",
            client
                .segment_report("schemes/a/concepts/b", inverted, en)
                .await
                .map(drop),
        ),
        (
            "milestones over an inverted span",
            client.milestones(inverted, None, en).await.map(drop),
        ),
        (
            "cost outlook without an end year",
            client.cost_outlook(YearSpan::all(), en).await.map(drop),
        ),
    ];
    for (case, result) in cases {
        let error = result.expect_err(case);
        assert!(
            matches!(error, ClientError::InvalidArgument { .. }),
            "{case}: {error}"
        );
    }
}

#[tokio::test]
async fn an_unknown_dataset_fails_naming_the_forecast_service() {
    let servers = Servers::start().await;
    let error = client(&servers)
        .await
        .market_overview("datasets/nope", YearSpan::all(), Language::En)
        .await
        .unwrap_err();
    assert_eq!(error.service(), Some(Service::Forecast), "{error}");
    assert_eq!(error.code(), Some(Code::NotFound), "{error}");
}

/// The concept of the application market (the one linking to its series).
async fn application_market_concept(client: &Client) -> String {
    let hits = client
        .search("application", Vec::new(), Language::En)
        .await
        .expect("search");
    hits.hits
        .iter()
        .map(|h| &h.concept)
        .find(|c| c.series.iter().any(|s| s.ends_with("/application-market")))
        .map(|c| c.name.clone())
        .expect("a concept linking to the application-market series")
}

#[tokio::test]
async fn the_segment_report_joins_a_concept_with_its_series() {
    let servers = Servers::start().await;
    let client = client(&servers).await;
    let concept = application_market_concept(&client).await;
    let report: SegmentReport = client
        .segment_report(&concept, YearSpan::all(), Language::En)
        .await
        .unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_eq!(report.concept.concept.name, concept);
    assert!(!report.concept.concept.definition.is_empty());
    assert!(
        !report.concept.ancestors.is_empty(),
        "it has a place in the hierarchy"
    );
    for neighbour in report
        .concept
        .ancestors
        .iter()
        .chain(&report.concept.narrower)
        .chain(&report.concept.related)
    {
        assert!(neighbour.label.is_some(), "label of {}", neighbour.name);
    }
    let series = report
        .series
        .iter()
        .find(|s| s.values.name.ends_with("/application-market"))
        .expect("the application-market series");
    assert_eq!(series.parent.as_deref(), Some(MARKET));
    let values: Vec<(i32, f64)> = series
        .values
        .points
        .iter()
        .map(|p| (p.year, p.value))
        .collect();
    assert_eq!(values, vec![(2029, 151.5)]);
    assert!(series.growth.is_none(), "one stated value: no growth");
    assert!(series.growth_note.is_some());
    let share = series
        .share_of_parent
        .iter()
        .find(|p| p.year == 2029)
        .expect("share in 2029");
    // To the first decimal place its interval spans (151.45 / 206.55 … 151.55 / 206.45).
    assert_eq!(share.value, 0.7337, "{share:?}");
    let (low, high) = (share.low.unwrap(), share.high.unwrap());
    assert!(low < 151.5 / 206.5 && 151.5 / 206.5 < high, "{share:?}");
    assert!(share.is_derived());
}

#[tokio::test]
async fn the_segment_of_the_whole_market_has_growth_and_no_parent() {
    let servers = Servers::start().await;
    let client = client(&servers).await;
    let hits = client
        .search("market", Vec::new(), Language::En)
        .await
        .unwrap();
    let concept = hits
        .hits
        .iter()
        .map(|h| &h.concept)
        .find(|c| c.series.iter().any(|s| s == MARKET))
        .map(|c| c.name.clone())
        .expect("a concept linking to the market-size series");
    let report = client
        .segment_report(&concept, YearSpan::all(), Language::En)
        .await
        .unwrap();
    let market = report
        .series
        .iter()
        .find(|s| s.values.name == MARKET)
        .unwrap();
    assert_eq!(market.parent, None);
    assert!(market.share_of_parent.is_empty());
    let growth = market.growth.as_ref().expect("growth");
    assert_eq!(growth.agrees_with_stated, Some(true));
}

#[tokio::test]
async fn the_timeline_puts_milestones_beside_the_market_size() {
    let servers = Servers::start().await;
    let report: Timeline = client(&servers)
        .await
        .timeline(YearSpan::between(2022, 2026), Language::En)
        .await
        .unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_eq!(report.series, MARKET);
    let years: Vec<i32> = report.years.iter().map(|y| y.year).collect();
    assert_eq!(years, vec![2022, 2023, 2024, 2025, 2026]);
    // No market size before the first stated year; 2024 stated; 2025 and 2026 derived.
    assert_eq!(report.years[0].market_size, None);
    assert_eq!(report.years[1].market_size, None);
    let stated = report.years[2].market_size.as_ref().unwrap();
    assert_eq!(
        (stated.value, stated.provenance),
        (10.7, Provenance::Reported)
    );
    for year in &report.years[3..] {
        assert!(year.market_size.as_ref().unwrap().is_derived(), "{year:?}");
    }
    // Milestones sit in their own year, and the report's years 2022-2025 all have some.
    for year in &report.years {
        for milestone in year.milestones.as_ref().expect("milestones") {
            assert_eq!(milestone.year, year.year);
        }
    }
    for year in 2022..=2025 {
        let row = report.years.iter().find(|y| y.year == year).unwrap();
        assert!(
            !row.milestones.as_ref().unwrap().is_empty(),
            "no milestone in {year}"
        );
    }
}

#[tokio::test]
async fn the_cost_outlook_projects_the_stated_fall() {
    let servers = Servers::start().await;
    let report: CostOutlook = client(&servers)
        .await
        .cost_outlook(
            YearSpan {
                start: None,
                end: Some(2027),
            },
            Language::En,
        )
        .await
        .unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_eq!(report.cost.unit, Unit::UsdPerMillionTokens);
    let stated: Vec<(i32, f64, Qualifier)> = report
        .cost
        .points
        .iter()
        .map(|p| (p.year, p.value, p.qualifier))
        .collect();
    assert_eq!(
        stated,
        vec![
            (2022, 20.0, Qualifier::Approximate),
            (2024, 0.1, Qualifier::UpperBound)
        ]
    );
    let rate = report.stated_rate.as_ref().expect("stated rate");
    assert_eq!((rate.rate_kind, rate.value), (RateKind::AnnualChange, -0.9));
    let projection = &report.projection;
    assert_eq!(projection.base.year, 2024);
    assert_eq!(projection.annual_rate, -0.9);
    let projected: Vec<i32> = projection.points.iter().map(|p| p.year).collect();
    assert_eq!(projected, vec![2025, 2026, 2027]);
    for point in &projection.points {
        let expected = 0.1 * 0.1_f64.powi(point.year - 2024);
        assert!(close(point.value, expected), "{point:?}");
        assert!(point.is_derived());
        assert_eq!(
            point.qualifier,
            Qualifier::UpperBound,
            "below 0.1 stays below"
        );
    }
    let unlocked = report.unlocked_applications.as_ref().expect("applications");
    assert!(!unlocked.is_empty());
    for app in unlocked {
        assert!(!app.unlocked_by.is_empty());
    }
}

// ---- output ----

#[tokio::test]
async fn reports_round_trip_through_json() {
    let servers = Servers::start().await;
    let client = client(&servers).await;
    let overview = overview(&client).await;
    let json = serde_json::to_string(&overview).unwrap();
    assert_eq!(
        serde_json::from_str::<MarketOverview>(&json).unwrap(),
        overview
    );

    let timeline = client
        .timeline(YearSpan::all(), Language::Zh)
        .await
        .unwrap();
    let json = serde_json::to_string(&timeline).unwrap();
    assert_eq!(serde_json::from_str::<Timeline>(&json).unwrap(), timeline);

    let cost = client
        .cost_outlook(YearSpan::between(2022, 2029), Language::En)
        .await
        .unwrap();
    let json = render::render(&cost, Format::Json).unwrap();
    assert_eq!(serde_json::from_str::<CostOutlook>(&json).unwrap(), cost);

    let concept = application_market_concept(&client).await;
    let segment = client
        .segment_report(&concept, YearSpan::all(), Language::En)
        .await
        .unwrap();
    let json = serde_json::to_string(&segment).unwrap();
    assert_eq!(
        serde_json::from_str::<SegmentReport>(&json).unwrap(),
        segment
    );
}

#[tokio::test]
async fn the_json_names_stay_stable() {
    let servers = Servers::start().await;
    let overview = overview(&client(&servers).await).await;
    let json: serde_json::Value = serde_json::to_value(&overview).unwrap();
    let point = &json["market"]["points"][1];
    assert_eq!(point["provenance"], "derived");
    assert_eq!(point["unit"], "usd_billion");
    assert_eq!(json["market"]["points"][0]["kind"], "actual");
    assert_eq!(json["growth"]["stated"]["rate_kind"], "cagr");
    assert_eq!(json["language"], "en");
    assert!(json["warnings"].as_array().unwrap().is_empty());
}

/// Compares `text` with the reviewed snapshot `tests/snapshots/{name}.snap`; a difference fails
/// the test and leaves `{name}.snap.new` beside it to review.
fn assert_snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

#[tokio::test]
async fn reports_render_as_their_reviewed_snapshots() {
    let servers = Servers::start().await;
    let client = client(&servers).await;
    let overview_en = overview(&client).await;
    let overview_zh = client
        .market_overview(DATASET, YearSpan::all(), Language::Zh)
        .await
        .unwrap();
    let timeline_zh = client
        .timeline(YearSpan::between(2022, 2026), Language::Zh)
        .await
        .unwrap();
    let cost_en = client
        .cost_outlook(YearSpan::between(2022, 2029), Language::En)
        .await
        .unwrap();
    let cases = [
        (
            "overview_markdown_en",
            render::render(&overview_en, Format::Markdown),
        ),
        (
            "overview_table_zh",
            render::render(&overview_zh, Format::Table),
        ),
        (
            "timeline_markdown_zh",
            render::render(&timeline_zh, Format::Markdown),
        ),
        ("cost_table_en", render::render(&cost_en, Format::Table)),
    ];
    let cost_zh = client
        .cost_outlook(YearSpan::between(2022, 2031), Language::Zh)
        .await
        .unwrap();
    let growth_between_derived = client
        .market_overview(DATASET, YearSpan::between(2026, 2027), Language::En)
        .await
        .unwrap();
    let cost_decline = client
        .segment_report(COST_DECLINE, YearSpan::all(), Language::En)
        .await
        .unwrap();
    let cases = cases.into_iter().chain([
        (
            "cost_past_horizon_table_zh",
            render::render(&cost_zh, Format::Table),
        ),
        (
            "overview_2026_2027_markdown_en",
            render::render(&growth_between_derived, Format::Markdown),
        ),
        (
            "segment_cost_decline_markdown_en",
            render::render(&cost_decline, Format::Markdown),
        ),
    ]);
    // A segment with one stated value (no growth) and a share of its parent, and a concept
    // with attributes: their words in Chinese.
    let maas_zh = client
        .segment_report(
            "schemes/industry/concepts/maas",
            YearSpan::all(),
            Language::Zh,
        )
        .await
        .unwrap();
    let l3_zh = client
        .concept("schemes/capability-levels/concepts/l3", Language::Zh)
        .await
        .unwrap();
    let cases = cases.chain([
        (
            "segment_maas_table_zh",
            render::render(&maas_zh, Format::Table),
        ),
        (
            "concept_l3_markdown_zh",
            render::render(&l3_zh, Format::Markdown),
        ),
    ]);
    for (name, text) in cases {
        assert_snapshot(name, &text.unwrap());
    }
}

#[tokio::test]
async fn bounds_stay_bounds_through_interpolation_and_the_multiple() {
    let servers = Servers::start().await;
    let client = client(&servers).await;
    let report = client
        .segment_report(COST_DECLINE, YearSpan::all(), Language::En)
        .await
        .unwrap();
    let cost = &report.series[0];
    let y2023 = cost.values.points.iter().find(|p| p.year == 2023).unwrap();
    assert_eq!(y2023.qualifier, Qualifier::UpperBound, "at most, not about");
    assert!(y2023.width_unknown, "and the bound itself is approximate");
    let text = render::render(&report, Format::Markdown).unwrap();
    for needle in [
        // At most about 1.41, from inputs of one significant digit (0.1): at most about 2.
        "| 2023 | ≤2\\* | actual | derived [1] |",
        "≤0.005× (a fall of ≥200×), 2 years (≈20 → ≤0.1)",
        "geometric interpolation between 2022 (about 20, stated) and 2024 (at most 0.1, stated)",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
    assert!(!text.contains("0.01×"), "{text}");
}

#[tokio::test]
async fn a_projection_past_the_horizon_has_one_note() {
    let servers = Servers::start().await;
    let client = client(&servers).await;
    for (language, note) in [
        (
            Language::En,
            "† after 2029, the last year the report states any value for",
        ),
        (Language::Zh, "† 2029 年之后（报告给出数值的最后一年）"),
    ] {
        let report = client
            .cost_outlook(YearSpan::between(2022, 2100), language)
            .await
            .unwrap();
        assert_eq!(report.projection.horizon_year, Some(2029));
        let text = render::render(&report, Format::Table).unwrap();
        assert_eq!(text.matches(note).count(), 1, "{text}");
        assert_eq!(
            text.matches("[1]").count(),
            1 + 76,
            "one method note: {text}"
        );
        assert!(!text.contains("[2]"), "{text}");
        assert_eq!(text.matches("*†").count(), 71, "2030..=2100 are marked");
    }
}

#[tokio::test]
async fn a_cagr_between_interpolated_years_is_called_the_interpolation_rate() {
    let servers = Servers::start().await;
    let client = client(&servers).await;
    let report = client
        .market_overview(DATASET, YearSpan::between(2026, 2027), Language::En)
        .await
        .unwrap();
    assert!(report.growth.only_derived_endpoints);
    let text = render::render(&report, Format::Markdown).unwrap();
    assert!(text.contains("**Interpolation rate:**"), "{text}");
    assert!(!text.contains("CAGR, computed"), "{text}");
    let zh = client
        .market_overview(DATASET, YearSpan::between(2026, 2027), Language::Zh)
        .await
        .unwrap();
    let text = render::render(&zh, Format::Markdown).unwrap();
    assert!(text.contains("插值增长率"), "{text}");
}

// ---- partial failure ----

#[tokio::test]
async fn without_the_taxonomy_a_report_keeps_its_numbers_and_says_what_is_missing() {
    let servers = Servers::start().await;
    let client = client(&servers).await;
    servers.taxonomy.shutdown().await.unwrap();

    let report = overview(&client).await;
    assert_eq!(report.market.points.len(), 6);
    assert_eq!(report.breakdown.components.len(), 2);
    assert_eq!(report.drivers, None);
    assert_eq!(report.trends, None);
    assert_eq!(report.barriers, None);
    assert_eq!(report.current_capability, None);
    let missing: Vec<&str> = report.warnings.iter().map(|w| w.missing.as_str()).collect();
    assert_eq!(
        missing,
        vec!["drivers", "trends", "barriers", "current capability level"]
    );
    for warning in &report.warnings {
        assert_eq!(warning.service, Service::Taxonomy);
        assert_eq!(warning.call.as_deref(), Some("ListConcepts"));
        assert_eq!(warning.code.as_deref(), Some("UNAVAILABLE"), "{warning}");
    }
    let markdown = render::render(&report, Format::Markdown).unwrap();
    assert!(markdown.contains("## Warnings"), "{markdown}");
    assert!(markdown.contains("drivers missing: taxonomy service: ListConcepts failed"));
    let zh = client
        .market_overview(DATASET, YearSpan::all(), Language::Zh)
        .await
        .unwrap();
    let markdown = render::render(&zh, Format::Markdown).unwrap();
    for part in ["驱动因素", "发展趋势", "竞争壁垒", "当前能力等级"] {
        let line = format!("- {part}暂缺：taxonomy service: ListConcepts failed");
        assert!(markdown.contains(&line), "{line:?} not in\n{markdown}");
    }

    let timeline = client
        .timeline(YearSpan::all(), Language::En)
        .await
        .unwrap();
    assert!(timeline.years.iter().all(|y| y.milestones.is_none()));
    assert!(timeline.years.iter().any(|y| y.market_size.is_some()));
    assert_eq!(timeline.warnings.len(), 1);
    assert_eq!(timeline.warnings[0].call.as_deref(), Some("ListMilestones"));

    let cost = client
        .cost_outlook(YearSpan::between(2022, 2029), Language::En)
        .await
        .unwrap();
    assert_eq!(cost.projection.points.len(), 5);
    assert_eq!(cost.unlocked_applications, None);
    assert_eq!(cost.warnings[0].missing, "unlocked applications");
}

#[tokio::test]
async fn without_the_forecast_a_numbers_report_fails_naming_it() {
    let servers = Servers::start().await;
    let client = client(&servers).await;
    servers.forecast.shutdown().await.unwrap();
    for error in [
        client
            .market_overview(DATASET, YearSpan::all(), Language::En)
            .await
            .unwrap_err(),
        client
            .timeline(YearSpan::all(), Language::En)
            .await
            .unwrap_err(),
        client
            .cost_outlook(YearSpan::between(2022, 2029), Language::En)
            .await
            .unwrap_err(),
    ] {
        assert_eq!(error.service(), Some(Service::Forecast), "{error}");
        assert_eq!(error.code(), Some(Code::Unavailable), "{error}");
        assert!(
            error.to_string().starts_with("forecast service: "),
            "{error}"
        );
    }
}

// ---- replicas ----

/// A client balancing over two forecast replicas, and the servers: both replicas and taxonomy.
async fn two_forecast_replicas() -> (Client, [TestServer; 3]) {
    let first = TestServer::forecast().await;
    let second = TestServer::forecast().await;
    let taxonomy = TestServer::taxonomy().await;
    let config = ClientConfig {
        forecast: vec![first.url(), second.url()],
        taxonomy: vec![taxonomy.url()],
        ..quick_config()
    };
    let client = Client::connect(config).await.unwrap();
    (client, [first, second, taxonomy])
}

#[tokio::test]
async fn a_replica_stopped_mid_run_is_stepped_over() {
    let (client, [mut first, _second, _taxonomy]) = two_forecast_replicas().await;
    for round in 0..30 {
        if round == 10 {
            // Stop one replica while the client keeps calling: graceful shutdown, then gone.
            first.begin_shutdown();
        }
        let report = client
            .market_overview(DATASET, YearSpan::all(), Language::En)
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_eq!(report.market.points.len(), 6);
    }
    first.shutdown().await.unwrap();
    for round in 0..10 {
        client
            .market_overview(DATASET, YearSpan::all(), Language::En)
            .await
            .unwrap_or_else(|e| panic!("after the stop, round {round}: {e}"));
    }
}

#[tokio::test]
async fn with_every_replica_gone_the_error_names_the_service() {
    let (client, [first, second, _taxonomy]) = two_forecast_replicas().await;
    first.shutdown().await.unwrap();
    second.shutdown().await.unwrap();
    let error = client.series_list(DATASET, Language::En).await.unwrap_err();
    assert_eq!(error.service(), Some(Service::Forecast));
    assert_eq!(error.rpc(), Some("ListSeries"));
    assert_eq!(error.code(), Some(Code::Unavailable));
}

// ---- deadlines ----

/// A client (with `deadline`) of a forecast service that answers every call with an empty
/// response after `delay`, and of the real taxonomy; the servers run while the guard lives.
async fn slow_forecast_client(delay: Duration, deadline: Duration) -> (Client, [TestServer; 2]) {
    let forecast = TestServer::start(SlowForecast::new(delay).routes()).await;
    let taxonomy = TestServer::taxonomy().await;
    let client = Client::from_channels(
        forecast.channel().await,
        taxonomy.channel().await,
        quick_config().with_deadline(deadline),
    );
    (client, [forecast, taxonomy])
}

#[tokio::test]
async fn a_call_slower_than_the_deadline_is_deadline_exceeded_and_named() {
    let (client, _servers) =
        slow_forecast_client(Duration::from_secs(30), Duration::from_millis(200)).await;
    let error = client.series_list(DATASET, Language::En).await.unwrap_err();
    assert_eq!(error.code(), Some(Code::DeadlineExceeded), "{error}");
    assert_eq!(error.service(), Some(Service::Forecast));
    assert_eq!(error.rpc(), Some("ListSeries"));
    assert_eq!(
        error.to_string(),
        "forecast service: ListSeries failed: DEADLINE_EXCEEDED: no answer within the deadline of 200ms"
    );

    let error = client
        .market_overview(DATASET, YearSpan::all(), Language::En)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(Code::DeadlineExceeded), "{error}");
    assert_eq!(error.service(), Some(Service::Forecast));
    let forecast_calls = [
        "GetDataset",
        "ListEditions",
        "GetSeries",
        "QueryObservations",
        "ComputeGrowth",
        "ComputeBreakdown",
    ];
    assert!(forecast_calls.contains(&error.rpc().unwrap()), "{error}");
}

#[tokio::test]
async fn a_call_within_the_deadline_succeeds_even_when_slow() {
    let (client, _servers) =
        slow_forecast_client(Duration::from_millis(50), Duration::from_secs(10)).await;
    let list = client.series_list(DATASET, Language::En).await.unwrap();
    assert!(list.series.is_empty());
}

#[tokio::test]
async fn a_response_missing_a_required_field_is_bad_data() {
    // The fake answers with empty messages: GetDataset without its dataset.
    let (client, _servers) = slow_forecast_client(Duration::ZERO, Duration::from_secs(10)).await;
    let error = client
        .market_overview(DATASET, YearSpan::all(), Language::En)
        .await
        .unwrap_err();
    assert!(matches!(error, ClientError::BadData { .. }), "{error}");
    assert_eq!(error.service(), Some(Service::Forecast));
    assert!(error.to_string().contains("required field"), "{error}");
}
