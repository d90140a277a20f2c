//! End-to-end tests of the `llmarket` binary's discovery commands and error messages against
//! servers started in this process: schemes, concept lists and trees, the capability ladder;
//! NOT_FOUND with the nearest names; connection errors naming the URL and its variable; the
//! wrong service at an address; missing parts and `--strict`; years outside the data; empty
//! results; tables fitted to the width; help limited to the options that apply.

use llmarket_client::reports::discovery::{CapabilityLadder, ConceptList, SchemeList};
use llmarket_tests::{Servers, TestServer};
use unicode_width::UnicodeWidthStr as _;

use crate::common::{against, assert_fails, dead_url, llmarket_with_env, stderr, stdout, succeeds};

// ---- discovery ----

#[tokio::test]
async fn schemes_lists_every_scheme_in_both_languages() {
    let servers = Servers::start().await;
    let json = succeeds(&servers, &["schemes", "--format", "json"]).await;
    let list: SchemeList = serde_json::from_str(&json).expect("JSON");
    let names: Vec<&str> = list.schemes.iter().map(|s| s.name.as_str()).collect();
    assert!(
        names.contains(&"datasets/cic-global-llm/schemes/capability-levels"),
        "{names:?}"
    );
    assert!(
        names.contains(&"datasets/cic-global-llm/schemes/drivers"),
        "{names:?}"
    );
    assert!(list.schemes.iter().all(|s| s.concept_count > 0), "{list:?}");

    let en = succeeds(&servers, &["schemes", "--format", "table"]).await;
    assert!(en.starts_with("Schemes\n"), "{en}");
    assert!(en.contains("capability-levels") && en.contains("OpenAI's five-level roadmap"));
    let zh = succeeds(&servers, &["schemes", "--format", "table", "--lang", "zh"]).await;
    assert!(zh.starts_with("概念体系\n"), "{zh}");
    assert!(
        zh.contains("OpenAI 的五级路线图") && zh.contains("概念数"),
        "{zh}"
    );
}

#[tokio::test]
async fn concepts_list_covers_every_scheme_and_shows_the_hierarchy_as_a_tree() {
    let servers = Servers::start().await;
    let schemes: SchemeList =
        serde_json::from_str(&succeeds(&servers, &["schemes", "--format", "json"]).await).unwrap();
    let all: ConceptList =
        serde_json::from_str(&succeeds(&servers, &["concepts", "list", "--format", "json"]).await)
            .unwrap();
    let expected: i32 = schemes.schemes.iter().map(|s| s.concept_count).sum();
    assert_eq!(all.concepts.len(), usize::try_from(expected).unwrap());
    assert_eq!(all.scheme, None);

    let drivers: ConceptList = serde_json::from_str(
        &succeeds(
            &servers,
            &[
                "concepts", "list", "--scheme", "drivers", "--format", "json",
            ],
        )
        .await,
    )
    .unwrap();
    assert_eq!(
        drivers.scheme.as_deref(),
        Some("datasets/cic-global-llm/schemes/drivers")
    );
    assert!(drivers.concepts.iter().all(|c| {
        c.name
            .starts_with("datasets/cic-global-llm/schemes/drivers/")
    }));

    let tree = succeeds(
        &servers,
        &[
            "concepts",
            "list",
            "--scheme",
            "schemes/drivers",
            "--tree",
            "--format",
            "table",
        ],
    )
    .await;
    // A top concept at the margin, its narrower concept indented under it.
    assert!(
        tree.contains("\n• Scaling law (drivers/scaling-law)\n"),
        "{tree}"
    );
    assert!(
        tree.contains("\n  • Pre-training scaling law (drivers/pretraining-scaling-law)"),
        "{tree}"
    );
    let markdown = succeeds(
        &servers,
        &["concepts", "list", "--tree", "--format", "markdown"],
    )
    .await;
    assert!(
        markdown.contains("## datasets/cic-global-llm/schemes/industry"),
        "{markdown}"
    );

    let output = against(
        &servers.forecast.url(),
        &servers.taxonomy.url(),
        &["concepts", "list", "--scheme", "driver"],
    )
    .await;
    let message = assert_fails(&output, 1);
    assert!(
        message.contains("the nearest names: datasets/cic-global-llm/schemes/drivers"),
        "{message}"
    );
}

#[tokio::test]
async fn levels_shows_the_ladder_with_the_current_level() {
    let servers = Servers::start().await;
    let ladder: CapabilityLadder =
        serde_json::from_str(&succeeds(&servers, &["levels", "--format", "json"]).await).unwrap();
    let notations: Vec<&str> = ladder
        .levels
        .iter()
        .filter_map(|l| l.notation.as_deref())
        .collect();
    assert_eq!(notations, ["L1", "L2", "L3", "L4", "L5"]);
    assert_eq!(
        ladder.current.as_deref(),
        Some("datasets/cic-global-llm/schemes/capability-levels/concepts/l3")
    );
    assert_eq!(ladder.position.as_deref(), Some("border"));

    let en = succeeds(&servers, &["levels", "--format", "table"]).await;
    let l3 = en.lines().find(|l| l.starts_with("L3")).expect("an L3 row");
    assert!(
        l3.contains("Agents") && l3.contains("◀ current level"),
        "{en}"
    );
    assert!(
        !en.lines().any(|l| l.starts_with("L2") && l.contains('◀')),
        "{en}"
    );
    let zh = succeeds(&servers, &["levels", "--format", "table", "--lang", "zh"]).await;
    let l3 = zh.lines().find(|l| l.starts_with("L3")).expect("an L3 row");
    assert!(l3.contains("能行动的AI") && l3.contains("当前等级"), "{zh}");
    // The position is the command's words, in Chinese; the English beside it is the data's.
    let position = &l3[l3.find('◀').expect("a position")..];
    assert!(
        !position.contains("current") && !position.contains("border"),
        "{zh}"
    );
}

// ---- NOT_FOUND ----

#[tokio::test]
async fn a_missing_name_is_answered_with_the_nearest_names() {
    let servers = Servers::start().await;
    let (f, t) = (servers.forecast.url(), servers.taxonomy.url());
    let cases: [(&[&str], &str); 4] = [
        (
            &["concepts", "get", "capability-levels/l9"],
            "datasets/cic-global-llm/schemes/capability-levels/concepts/l1",
        ),
        (
            &["concepts", "get", "capability-levels/agents"],
            "datasets/cic-global-llm/schemes/capability-levels/concepts/l3",
        ),
        (
            &["report", "segment", "drivers/scaling"],
            "datasets/cic-global-llm/schemes/drivers/concepts/scaling-law",
        ),
        (
            &["series", "get", "market-sise"],
            "datasets/cic-global-llm/series/market-size",
        ),
    ];
    for (args, nearest) in cases {
        let message = assert_fails(&against(&f, &t, args).await, 1);
        assert!(message.contains("NOT_FOUND"), "{args:?}: {message}");
        assert!(
            message.contains(&format!("the nearest names: {nearest}")),
            "{args:?}: {message}"
        );
    }
}

// ---- connection errors ----

#[tokio::test]
async fn an_unreachable_service_names_the_url_tried_and_what_sets_it() {
    let servers = Servers::start().await;
    let dead = dead_url().await;
    let message = assert_fails(
        &against(&dead, &servers.taxonomy.url(), &["series", "list"]).await,
        69,
    );
    assert!(message.contains(&format!("tried {dead}")), "{message}");
    assert!(
        message.contains("--forecast") && message.contains("LLMARKET_FORECAST_URL"),
        "{message}"
    );
    let output = llmarket_with_env(&["schemes"], &[("LLMARKET_TAXONOMY_URL", &dead)]).await;
    let message = assert_fails(&output, 69);
    assert!(message.contains(&format!("tried {dead}")), "{message}");
    assert!(message.contains("LLMARKET_TAXONOMY_URL"), "{message}");
}

#[tokio::test]
async fn the_wrong_service_at_an_address_is_named() {
    let servers = Servers::start().await;
    let (f, t) = (servers.forecast.url(), servers.taxonomy.url());
    // The forecast URL pointing at the taxonomy service.
    let message = assert_fails(&against(&t, &t, &["series", "list"]).await, 1);
    assert!(
        message.contains(&format!(
            "{t} serves the taxonomy service, not the forecast service"
        )),
        "{message}"
    );
    assert!(message.contains("LLMARKET_FORECAST_URL"), "{message}");
    assert!(!message.contains("UNIMPLEMENTED: ;"), "{message}");
    // And the other way round.
    let message = assert_fails(&against(&f, &f, &["levels"]).await, 1);
    assert!(
        message.contains(&format!(
            "{f} serves the forecast service, not the taxonomy service"
        )),
        "{message}"
    );
}

#[tokio::test]
async fn a_report_with_the_wrong_service_at_an_address_names_it_once() {
    let servers = Servers::start().await;
    let f = servers.forecast.url();
    // The taxonomy URL pointing at the forecast service: the numbers come, the words do not.
    for format in ["json", "markdown"] {
        let output = against(&f, &f, &["report", "overview", "--format", format]).await;
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let warnings = stderr(&output);
        assert_eq!(warnings.lines().count(), 1, "one line: {warnings}");
        assert!(
            warnings.starts_with(
                "llmarket: warning: the report has no drivers, trends, barriers, current \
                 capability level: "
            ),
            "{warnings}"
        );
        assert!(
            warnings.contains(&format!(
                "{f} serves the forecast service, not the taxonomy service: point --taxonomy \
                 (or LLMARKET_TAXONOMY_URL) at the taxonomy service"
            )),
            "{warnings}"
        );
        assert!(!warnings.contains("UNIMPLEMENTED: \n"), "{warnings}");
    }
    // --strict fails on it, after the same one warning.
    let output = against(&f, &f, &["report", "overview", "--strict"]).await;
    assert_eq!(output.status.code(), Some(69), "{}", stderr(&output));
    let lines: Vec<String> = stderr(&output).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].contains("serves the forecast service"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("llmarket: error: --strict"),
        "{lines:?}"
    );
}

// ---- missing parts ----

#[tokio::test]
async fn missing_parts_are_warnings_on_stderr_and_strict_makes_them_fail() {
    let forecast = TestServer::forecast().await;
    let dead = dead_url().await;
    let output = against(
        &forecast.url(),
        &dead,
        &["report", "overview", "--format", "json"],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let warnings: Vec<String> = stderr(&output).lines().map(str::to_owned).collect();
    assert_eq!(warnings.len(), 4, "{warnings:?}");
    for warning in &warnings {
        assert!(
            warning.starts_with("llmarket: warning: the report has no "),
            "{warning}"
        );
        assert!(warning.contains(&format!("tried {dead}")), "{warning}");
    }
    assert!(warnings[0].contains("drivers"), "{warnings:?}");
    assert!(!output.stdout.is_empty());

    let output = against(&forecast.url(), &dead, &["report", "overview", "--strict"]).await;
    assert_eq!(output.status.code(), Some(69), "{}", stderr(&output));
    assert!(output.stdout.is_empty(), "{}", stdout(&output));
    let last = stderr(&output)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    assert!(
        last.starts_with("llmarket: error: --strict: the report is incomplete"),
        "{last}"
    );
    assert!(last.contains("4 parts missing"), "{last}");

    // With every service up, --strict changes nothing.
    let servers = Servers::start().await;
    let output = against(
        &servers.forecast.url(),
        &servers.taxonomy.url(),
        &["report", "overview", "--strict"],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(output.stderr.is_empty(), "{}", stderr(&output));
}

// ---- years ----

#[tokio::test]
async fn years_outside_the_data_are_usage_errors_stating_the_valid_ones() {
    let servers = Servers::start().await;
    let (f, t) = (servers.forecast.url(), servers.taxonomy.url());
    let cases: [(&[&str], &str); 6] = [
        (
            &["report", "overview", "--from", "1990", "--to", "2000"],
            "--from 1990 --to 2000 is outside the data: market-size has values for 2024–2029; give --from and --to within 2024–2029",
        ),
        (
            &["report", "overview", "--from", "2030"],
            "within 2024–2029",
        ),
        (
            &["report", "timeline", "--from", "2031", "--to", "2035"],
            "within 2024–2029",
        ),
        (
            &["report", "cost", "--from", "1990", "--to", "1995"],
            "inference-cost has values for 2022–2024; give --from within 2022–2024",
        ),
        (
            &[
                "series",
                "get",
                "market-size",
                "--from",
                "2010",
                "--to",
                "2012",
            ],
            "market-size has values for 2024–2029",
        ),
        (
            &[
                "report",
                "segment",
                "industry/maas",
                "--from",
                "1990",
                "--to",
                "1995",
            ],
            "maas-market has a value for 2029 only; give --from and --to within 2029",
        ),
    ];
    for (args, wanted) in cases {
        let message = assert_fails(&against(&f, &t, args).await, 64);
        assert!(message.contains(wanted), "{args:?}: {message}");
        assert!(
            !message.contains("FAILED_PRECONDITION"),
            "{args:?}: {message}"
        );
        assert!(!message.contains("INVALID_ARGUMENT"), "{args:?}: {message}");
    }
}

#[tokio::test]
async fn every_command_follows_one_rule_for_years_and_states_the_limits() {
    let servers = Servers::start().await;
    let (f, t) = (servers.forecast.url(), servers.taxonomy.url());
    let cases: [(&[&str], &str); 9] = [
        // Growth needs two years: the cause, not "outside the data".
        (
            &["report", "overview", "--from", "2029"],
            "--from 2029 leaves one year of market-size (2029), and its growth needs two: give \
             --from before --to, both within 2024–2029",
        ),
        (
            &["report", "overview", "--from", "2024", "--to", "2024"],
            "leaves one year of market-size (2024), and its growth needs two",
        ),
        // A projection's --to: its limits stated, 2200 included.
        (
            &["report", "cost", "--to", "2201"],
            "--to 2201 is outside the projection, which runs from the last stated year 2024 to \
             2200: give --to within 2025–2200",
        ),
        (
            &["report", "cost", "--to", "2024"],
            "--to 2024 is outside the projection, which runs from the last stated year 2024 to \
             2200: give --to within 2025–2200",
        ),
        (
            &["report", "cost", "--from", "2030"],
            "--from 2030 is outside the data: inference-cost has values for 2022–2024; give \
             --from within 2022–2024",
        ),
        // Past the data: refused alike, never cut short or shown empty.
        (
            &["series", "get", "market-size", "--to", "2035"],
            "--to 2035 is outside the data: market-size has values for 2024–2029; give --from \
             and --to within 2024–2029",
        ),
        (
            &["report", "overview", "--to", "2035"],
            "--to 2035 is outside the data: market-size has values for 2024–2029; give --from \
             and --to within 2024–2029",
        ),
        (
            &["report", "timeline", "--to", "2035"],
            "--to 2035 is outside the data: the timeline has values for 2022–2029; give --from \
             and --to within 2022–2029",
        ),
        (
            &["report", "overview", "--from", "2029", "--to", "2025"],
            "--from 2029 is after --to 2025; give --from before --to",
        ),
    ];
    for (args, wanted) in cases {
        let output = against(&f, &t, args).await;
        assert!(output.stdout.is_empty(), "{args:?}: nothing printed");
        let message = assert_fails(&output, 64);
        assert!(message.contains(wanted), "{args:?}: {message}");
        assert!(
            !message.contains("..="),
            "no Rust syntax: {args:?}: {message}"
        );
    }
    // Within the limits, each still answers.
    for args in [
        &["report", "cost", "--to", "2200", "--format", "json"][..],
        &["report", "cost", "--to", "2025", "--format", "json"],
        &[
            "series",
            "get",
            "market-size",
            "--from",
            "2025",
            "--to",
            "2029",
            "--format",
            "json",
        ],
        &[
            "report", "timeline", "--from", "2022", "--to", "2029", "--format", "json",
        ],
    ] {
        let output = against(&f, &t, args).await;
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[tokio::test]
async fn an_empty_result_says_nothing_in_range() {
    let servers = Servers::start().await;
    for (args, en, zh) in [
        (
            &["milestones", "--from", "1990", "--to", "1995"][..],
            "Nothing in range.",
            "所选年份范围内没有数据。",
        ),
        (
            &[
                "series",
                "get",
                "market-size",
                "--from",
                "2025",
                "--to",
                "2028",
            ],
            "Nothing in range.",
            "所选年份范围内没有数据。",
        ),
    ] {
        for format in ["table", "markdown"] {
            let mut english = args.to_vec();
            english.extend(["--format", format]);
            assert!(
                succeeds(&servers, &english).await.contains(en),
                "{english:?}"
            );
            let mut chinese = english.clone();
            chinese.extend(["--lang", "zh"]);
            let text = succeeds(&servers, &chinese).await;
            assert!(
                text.contains(zh) && !text.contains(en),
                "{chinese:?}: {text}"
            );
        }
    }
}

// ---- layout and help ----

#[tokio::test]
async fn tables_fit_the_width_columns_gives() {
    let servers = Servers::start().await;
    let (f, t) = (servers.forecast.url(), servers.taxonomy.url());
    for lang in ["en", "zh"] {
        for command in [
            &["concepts", "search", "agent"][..],
            &["report", "overview"],
            &["concepts", "list"],
        ] {
            let mut args = vec!["--forecast", f.as_str(), "--taxonomy", t.as_str()];
            args.extend_from_slice(command);
            args.extend(["--format", "table", "--lang", lang]);
            let narrow = llmarket_with_env(&args, &[("COLUMNS", "60")]).await;
            assert_eq!(narrow.status.code(), Some(0), "{}", stderr(&narrow));
            let text = stdout(&narrow);
            // Headings keep their length (and their underline); every other line fits.
            let lines: Vec<&str> = text.lines().collect();
            let underline =
                |line: &str| !line.is_empty() && line.chars().all(|c| c == '═' || c == '─');
            for (i, line) in lines.iter().enumerate() {
                let heading = lines.get(i + 1).is_some_and(|next| underline(next));
                if heading || underline(line) {
                    continue;
                }
                assert!(
                    line.width() <= 60,
                    "{command:?} {lang}: {line:?} is {} wide",
                    line.width()
                );
            }
            // Piped without COLUMNS, lines keep their natural length.
            let wide = stdout(&llmarket_with_env(&args, &[]).await);
            assert!(wide.lines().count() <= text.lines().count(), "{command:?}");
        }
    }
}

#[tokio::test]
async fn help_lists_only_the_options_that_apply() {
    let help = |args: &'static [&'static str]| async move {
        let output = llmarket_with_env(args, &[]).await;
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        stdout(&output)
    };
    let schemes = help(&["schemes", "--help"]).await;
    assert!(schemes.contains("--taxonomy"), "{schemes}");
    for absent in ["--forecast", "--dataset", "--chart", "--strict"] {
        assert!(!schemes.contains(absent), "{absent}:\n{schemes}");
    }
    let list = help(&["series", "list", "--help"]).await;
    assert!(
        list.contains("--forecast") && !list.contains("--taxonomy"),
        "{list}"
    );
    assert!(
        !list.contains("--chart") && !list.contains("--strict"),
        "{list}"
    );
    let overview = help(&["report", "overview", "--help"]).await;
    for present in [
        "--forecast",
        "--taxonomy",
        "--dataset",
        "--chart",
        "--strict",
        "--from",
    ] {
        assert!(overview.contains(present), "{present}:\n{overview}");
    }
    let tree = help(&["concepts", "list", "--help"]).await;
    assert!(
        tree.contains("--tree") && tree.contains("--scheme"),
        "{tree}"
    );
    assert!(!tree.contains("--forecast"), "{tree}");
}

/// The milestones `llmarket milestones ARGS --format json` lists.
async fn milestones(servers: &Servers, args: &[&str]) -> Vec<serde_json::Value> {
    let mut all = vec!["milestones", "--format", "json"];
    all.extend_from_slice(args);
    let text = succeeds(servers, &all).await;
    let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    value["milestones"].as_array().expect("milestones").clone()
}

#[tokio::test]
async fn milestones_of_a_concept_and_a_span_are_those_naming_it_in_the_span() {
    let servers = Servers::start().await;
    let concept = "datasets/cic-global-llm/schemes/trends/concepts/cot-reasoning-models";
    let all = milestones(&servers, &[]).await;
    let naming: Vec<&serde_json::Value> = all
        .iter()
        .filter(|m| {
            m["concepts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == concept)
        })
        .collect();
    assert!(naming.len() >= 2 && naming.len() < all.len(), "{all:?}");
    // The short form, the v1 form and the full name select the same milestones.
    for typed in [
        "trends/cot-reasoning-models",
        "schemes/trends/concepts/cot-reasoning-models",
        concept,
    ] {
        let found = milestones(&servers, &["--concept", typed]).await;
        assert_eq!(found.iter().collect::<Vec<_>>(), naming, "{typed}");
    }
    let first_year = naming[0]["year"].as_i64().unwrap();
    let from = (first_year + 1).to_string();
    let later = milestones(
        &servers,
        &["--concept", "trends/cot-reasoning-models", "--from", &from],
    )
    .await;
    assert_eq!(later.len(), naming.len() - 1, "{later:?}");
    assert!(
        later
            .iter()
            .all(|m| m["year"].as_i64().unwrap() > first_year)
    );
}
