//! End-to-end tests of the `llmarket` binary against servers started in this process: output
//! formats, the chart, `--version`, and the exit code and one-line message of each failure.

use std::time::Duration;

use llmarket_client::reports::{CostOutlook, MarketOverview, Timeline};
use llmarket_tests::{Servers, TestServer, doubles::SlowForecast};

use crate::common::{
    against, assert_fails, assert_strict_json, dead_url, llmarket, llmarket_with_env, stderr,
    stdout, succeeds, succeeds_at,
};

#[tokio::test]
async fn the_overview_prints_as_json_when_stdout_is_not_a_terminal() {
    let servers = Servers::start().await;
    let output = against(
        &servers.forecast.url(),
        &servers.taxonomy.url(),
        &["report", "overview"],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(output.stderr.is_empty(), "{}", stderr(&output));
    let report: MarketOverview = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report.market.points.len(), 6);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

#[tokio::test]
async fn the_markdown_is_the_json_report_rendered() {
    // What the rendering says is held by the reviewed snapshots of tests/tests/e2e/client.rs; here
    // only that the command prints that rendering of the report it fetched.
    let servers = Servers::start().await;
    let (f, t) = (servers.forecast.url(), servers.taxonomy.url());
    let json = succeeds_at(&f, &t, &["report", "overview", "--format", "json"]).await;
    let report: MarketOverview = serde_json::from_str(&json).expect("JSON");
    let markdown = succeeds_at(&f, &t, &["report", "overview", "--format", "markdown"]).await;
    let rendered =
        llmarket_cli::render::render(&report, llmarket_cli::render::Format::Markdown).unwrap();
    // Then the citation of its figures (tests/cli_scope.rs).
    let citation = markdown
        .strip_prefix(&rendered)
        .unwrap_or_else(|| panic!("{markdown}"));
    assert!(citation.starts_with("\nSource: "), "{citation}");
    assert_eq!(citation.lines().count(), 2, "{citation}");
}

#[tokio::test]
async fn every_command_answers_in_every_format() {
    let servers = Servers::start().await;
    let (f, t) = (servers.forecast.url(), servers.taxonomy.url());
    // Short names (`capability-levels/l3`, `drivers`, a dataset id) expand to full ones.
    let commands: [&[&str]; 11] = [
        &["report", "overview", "--from", "2024", "--to", "2029"],
        &["--dataset", "cic-global-llm-2026", "series", "list"],
        &["concepts", "search", "agent", "--scheme", "trends"],
        &["report", "timeline", "--from", "2022", "--to", "2029"],
        &["report", "cost", "--to", "2027"],
        &["series", "list"],
        &["series", "get", "market-size", "--interpolate"],
        &[
            "series",
            "get",
            "datasets/cic-global-llm-2026/series/inference-cost",
        ],
        &["concepts", "search", "agent"],
        &["concepts", "get", "capability-levels/l3"],
        &["milestones", "--from", "2023", "--to", "2024"],
    ];
    for command in commands {
        for format in ["table", "json", "markdown"] {
            for lang in ["en", "zh"] {
                let mut args = command.to_vec();
                args.extend(["--format", format, "--lang", lang]);
                let text = succeeds_at(&f, &t, &args).await;
                assert!(!text.is_empty(), "{args:?}");
                if format == "json" {
                    assert_strict_json(&format!("{args:?}"), &text);
                }
            }
        }
    }
}

/// The direct commands with a fixed word of their output in English and in Chinese.
const DIRECT_WORDS: [(&[&str], &str, &str); 6] = [
    (&["series", "list"], "Series of", "序列："),
    (
        &["series", "get", "market-size"],
        "Stated rate",
        "报告所述变化率",
    ),
    (
        &["concepts", "get", "capability-levels/l3"],
        "Broader",
        "上位概念",
    ),
    (
        &["concepts", "search", "agent"],
        "Concepts matching",
        "匹配的概念：",
    ),
    (
        &["milestones", "--from", "2022", "--to", "2022"],
        "Milestones",
        "里程碑",
    ),
    (
        &["milestones", "--from", "2022", "--to", "2022"],
        "end of 2022",
        "2022 年末",
    ),
];

#[tokio::test]
async fn direct_commands_print_their_fixed_words_in_the_asked_language() {
    let servers = Servers::start().await;
    let (f, t) = (servers.forecast.url(), servers.taxonomy.url());
    for (command, english, chinese) in DIRECT_WORDS {
        for format in ["table", "markdown"] {
            for (lang, wanted, unwanted) in [("en", english, chinese), ("zh", chinese, english)] {
                let mut args = command.to_vec();
                args.extend(["--format", format, "--lang", lang]);
                let text = succeeds_at(&f, &t, &args).await;
                assert!(text.contains(wanted), "{args:?} lacks {wanted:?}:\n{text}");
                assert!(
                    !text.contains(unwanted),
                    "{args:?} has {unwanted:?}:\n{text}"
                );
            }
        }
    }
}

/// The field names of a JSON value, nested ones as `outer.inner` (array items under `[]`).
fn json_keys(value: &serde_json::Value, path: &str, keys: &mut std::collections::BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                let path = format!("{path}.{key}");
                keys.insert(path.clone());
                json_keys(inner, &path, keys);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                json_keys(item, &format!("{path}[]"), keys);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn direct_commands_keep_their_json_fields_in_every_language() {
    let servers = Servers::start().await;
    let (f, t) = (servers.forecast.url(), servers.taxonomy.url());
    for (command, _, _) in DIRECT_WORDS {
        let mut keys = Vec::new();
        for lang in ["en", "zh"] {
            let mut args = command.to_vec();
            args.extend(["--format", "json", "--lang", lang]);
            let text = succeeds_at(&f, &t, &args).await;
            let value: serde_json::Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            let mut set = std::collections::BTreeSet::new();
            json_keys(&value, "", &mut set);
            assert!(!set.contains(".language"), "{args:?}: {set:?}");
            keys.push(set);
        }
        assert_eq!(keys[0], keys[1], "{command:?}");
    }
}

#[tokio::test]
async fn timeline_and_cost_json_parse_into_their_types() {
    let servers = Servers::start().await;
    let (f, t) = (servers.forecast.url(), servers.taxonomy.url());
    let output = against(&f, &t, &["report", "timeline", "--format", "json"]).await;
    let timeline: Timeline = serde_json::from_slice(&output.stdout).expect("timeline JSON");
    assert!(timeline.years.iter().any(|y| y.market_size.is_some()));
    let output = against(&f, &t, &["report", "cost", "--format", "json"]).await;
    let cost: CostOutlook = serde_json::from_slice(&output.stdout).expect("cost JSON");
    assert_eq!(cost.projection.points.last().map(|p| p.year), Some(2029));
}

#[tokio::test]
async fn endpoints_come_from_the_environment_comma_separated() {
    let servers = Servers::start().await;
    // A dead replica beside the live one: the call is retried onto the live one.
    let forecast = format!("{},{}", dead_url().await, servers.forecast.url());
    let output = llmarket_with_env(
        &["series", "list", "--format", "json"],
        &[
            ("LLMARKET_FORECAST_URL", &forecast),
            ("LLMARKET_TAXONOMY_URL", &servers.taxonomy.url()),
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("market-size"));
}

#[tokio::test]
async fn the_chart_is_an_svg_with_stated_and_derived_points() {
    let servers = Servers::start().await;
    let dir = std::env::temp_dir().join(format!("llmarket-chart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("overview.svg");
    let output = against(
        &servers.forecast.url(),
        &servers.taxonomy.url(),
        &["report", "overview", "--chart", path.to_str().unwrap()],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let svg = std::fs::read_to_string(&path).expect("chart written");
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("stated in the report") && svg.contains("derived by the service"));
    // 2 stated points (filled) and 4 derived points (white fill, coloured ring).
    assert!(svg.matches("<circle").count() >= 2 + 4 * 2, "{svg}");

    // Nothing to chart: the report is printed, with a warning (tests/cli_chart.rs).
    std::fs::remove_dir_all(&dir).ok();
}

// ---- exit codes ----

#[tokio::test]
async fn usage_errors_exit_64() {
    for args in [
        &["--no-such-flag"][..],
        &["report", "bogus"],
        &["report", "segment"],
        &["--deadline", "soon", "series", "list"],
        &["--deadline", "0", "series", "list"],
        &["--forecast", "127.0.0.1:50051", "series", "list"],
        &["--format", "yaml", "series", "list"],
        &["report", "overview", "--from", "2029", "--to", "2024"],
    ] {
        let output = llmarket(args).await;
        let message = assert_fails(&output, 64);
        assert!(
            message.contains("--help") || message.contains("give --from before --to"),
            "{args:?}: {message}"
        );
    }
    let help = llmarket(&["--help"]).await;
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("report"));
}

#[tokio::test]
async fn version_prints_the_crate_version() {
    let output = llmarket(&["--version"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!("llmarket {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[tokio::test]
async fn an_unreachable_forecast_service_exits_69_naming_it() {
    let taxonomy = TestServer::taxonomy().await;
    let output = against(&dead_url().await, &taxonomy.url(), &["report", "overview"]).await;
    let message = assert_fails(&output, 69);
    assert!(message.contains("forecast service"), "{message}");
    assert!(message.contains("UNAVAILABLE"), "{message}");
}

#[tokio::test]
async fn an_unreachable_taxonomy_leaves_numbers_and_warnings() {
    let forecast = TestServer::forecast().await;
    let dead = dead_url().await;
    let output = against(&forecast.url(), &dead, &["report", "overview"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: MarketOverview = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report.market.points.len(), 6);
    assert_eq!(report.warnings.len(), 4, "{:?}", report.warnings);

    // A command that is all taxonomy has nothing to show without it.
    let output = against(&forecast.url(), &dead, &["concepts", "search", "agent"]).await;
    let message = assert_fails(&output, 69);
    assert!(
        message.contains("taxonomy service: SearchConcepts"),
        "{message}"
    );
}

#[tokio::test]
async fn a_server_rejecting_the_request_exits_1() {
    let servers = Servers::start().await;
    let output = against(
        &servers.forecast.url(),
        &servers.taxonomy.url(),
        &["series", "get", "no-such-series"],
    )
    .await;
    let message = assert_fails(&output, 1);
    assert!(
        message.contains("forecast service: GetSeries failed: NOT_FOUND"),
        "{message}"
    );
}

/// A forecast service that answers every call with an empty response after `delay`.
async fn fake_forecast(delay: Duration) -> TestServer {
    TestServer::start(SlowForecast::new(delay).routes()).await
}

#[tokio::test]
async fn a_response_missing_a_required_field_exits_65() {
    let forecast = fake_forecast(Duration::ZERO).await;
    let taxonomy = TestServer::taxonomy().await;
    let output = against(&forecast.url(), &taxonomy.url(), &["report", "overview"]).await;
    let message = assert_fails(&output, 65);
    assert!(message.contains("forecast service"), "{message}");
    assert!(message.contains("bad data"), "{message}");
}

#[tokio::test]
async fn a_call_over_the_deadline_exits_69_naming_the_call() {
    let forecast = fake_forecast(Duration::from_secs(30)).await;
    let taxonomy = TestServer::taxonomy().await;
    let output = against(
        &forecast.url(),
        &taxonomy.url(),
        &["--deadline", "300ms", "series", "list"],
    )
    .await;
    let message = assert_fails(&output, 69);
    assert!(
        message.contains("forecast service: ListSeries failed: DEADLINE_EXCEEDED"),
        "{message}"
    );
}

#[tokio::test]
async fn slips_are_usage_errors_that_say_what_was_meant() {
    let dir = crate::common::scratch("slips");
    let jpg = dir.join("x.jpg");
    let xlsx = dir.join("x.xlsx");
    for (args, wanted) in [
        (
            &["reprot", "overview"][..],
            "unrecognized subcommand 'reprot'; did you mean 'report'?",
        ),
        (
            &["--fromat", "json", "series", "list"],
            "did you mean '--format'?",
        ),
        (&["concepts", "search", ""], "the text to find is empty"),
        (&["concepts", "search", "  "], "the text to find is empty"),
        (
            &[
                "series",
                "get",
                "market-size",
                "--chart",
                jpg.to_str().unwrap(),
            ],
            "cannot draw a .jpg file; give a name ending in .svg or .png",
        ),
        (
            &["series", "list", "--output", xlsx.to_str().unwrap()],
            "cannot write a .xlsx file; give a name ending in .csv, .json, .md or .txt",
        ),
    ] {
        // Refused before any call: no server is needed, none is asked.
        let output = llmarket(args).await;
        let message = assert_fails(&output, 64);
        assert!(message.contains(wanted), "{args:?}: {message}");
    }
    assert!(!jpg.exists() && !xlsx.exists(), "no file written");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn counts_agree_with_their_nouns() {
    let servers = Servers::start().await;
    let (f, t) = (servers.forecast.url(), servers.taxonomy.url());
    let none = succeeds_at(&f, &t, &["concepts", "search", "zzzz", "--format", "table"]).await;
    assert!(none.contains("\n0 hits.\n"), "{none}");
    let one = succeeds_at(&f, &t, &["concepts", "search", "MaaS", "--format", "table"]).await;
    assert!(!one.contains("hit(s)"), "{one}");
    let growth = succeeds_at(
        &f,
        &t,
        &[
            "report", "overview", "--from", "2024", "--to", "2025", "--format", "table",
        ],
    )
    .await;
    assert!(growth.contains(", 1 year ("), "{growth}");
    assert!(!growth.contains("1 years"), "{growth}");
}

#[tokio::test]
async fn levels_and_concepts_get_show_every_language_and_every_label() {
    let servers = Servers::start().await;
    // The ladder as the report's table: level, name and description, in both languages.
    for lang in ["en", "zh"] {
        let table = succeeds(&servers, &["levels", "--format", "table", "--lang", lang]).await;
        let l1 = table
            .lines()
            .find(|l| l.starts_with("L1"))
            .unwrap_or_default();
        for words in [
            "Chatbots",
            "可对话的AI",
            "AI that can converse",
            "OpenAI 五级路线图的第一级",
        ] {
            assert!(l1.contains(words), "{lang}: {words} in {table}");
        }
    }
    // A concept in both languages with every alternative label.
    for lang in ["en", "zh"] {
        let markdown = succeeds(
            &servers,
            &[
                "concepts",
                "get",
                "industry/maas",
                "--format",
                "markdown",
                "--lang",
                lang,
            ],
        )
        .await;
        for words in [
            "MaaS revenue",
            "MaaS 收入",
            "模型即服务",
            "Model-as-a-service",
            "大模型 API 调用和授权收入",
            "API and licensing revenue",
            "通过云端 API 及授权方式实现的",
            "revenue earned through cloud APIs and licensing",
        ] {
            assert!(markdown.contains(words), "{lang}: {words} in {markdown}");
        }
    }
    // JSON: each language's words, keyed by its code.
    let json = succeeds(
        &servers,
        &["concepts", "get", "industry/maas", "--format", "json"],
    )
    .await;
    let concept = assert_strict_json("concepts get", &json);
    let codes: Vec<&str> = concept["languages"]
        .as_array()
        .unwrap_or_else(|| panic!("{json}"))
        .iter()
        .map(|l| l["language_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["zh-Hans", "en"], "{json}");
    assert!(
        concept["languages"][1]["alt_labels"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("Model-as-a-service"))
    );
}
