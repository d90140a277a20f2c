//! End-to-end tests of what an analyst reaches for: `datasets`, `series search`, `series get
//! --transform` and `--project-to`, `series compare`, and the data version and edition in
//! every output format; their error paths are one line and exit 64 for usage errors.

use std::collections::BTreeMap;

use llmarket_tests::Servers;

use crate::common::{assert_fails, assert_strict_json, on, stderr, succeeds};

/// The records of an RFC 4180 text (quoted fields may hold commas, quotes and line breaks).
fn records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (c, _) => field.push(c),
        }
    }
    records
}

/// The CSV's rows as maps from column to field.
fn rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut all = records(text).into_iter();
    let header = all.next().expect("a header");
    all.map(|record| {
        assert_eq!(record.len(), header.len(), "{record:?}");
        header.iter().cloned().zip(record).collect()
    })
    .collect()
}

#[tokio::test]
async fn datasets_lists_each_dataset_with_its_edition_and_data_version() {
    let servers = Servers::start().await;
    let json = succeeds(&servers, &["datasets", "--format", "json"]).await;
    let json = assert_strict_json("datasets", &json);
    let dataset = &json["datasets"][0];
    assert_eq!(dataset["name"], "datasets/cic-global-llm");
    assert_eq!(dataset["edition"], 2026);
    assert_eq!(dataset["horizon_year"], 2029);
    let version = dataset["data_version"].as_str().unwrap();
    assert_eq!(version.len(), 16, "{dataset}");
    let table = succeeds(&servers, &["datasets", "--format", "table"]).await;
    assert!(
        table.contains("cic-global-llm") && table.contains(version),
        "{table}"
    );
    let zh = succeeds(
        &servers,
        &["datasets", "--format", "markdown", "--lang", "zh"],
    )
    .await;
    assert!(
        zh.contains("数据集") && zh.contains("全球大模型行业报告"),
        "{zh}"
    );
    let output = on(&servers, &["datasets", "--format", "csv"]).await;
    assert!(assert_fails(&output, 64).contains("--format csv"));
}

#[tokio::test]
async fn series_search_finds_words_in_titles_and_notes_in_both_languages() {
    let servers = Servers::start().await;
    let search = |words: &'static [&'static str]| {
        let servers = &servers;
        async move {
            let mut args = vec!["series", "search"];
            args.extend(words);
            args.extend(["--format", "json"]);
            let text = succeeds(servers, &args).await;
            let json = assert_strict_json(&format!("{args:?}"), &text);
            json["hits"]
                .as_array()
                .unwrap()
                .iter()
                .map(|hit| {
                    let name = hit["series"]["name"].as_str().unwrap();
                    name.rsplit('/').next().unwrap().to_owned()
                })
                .collect::<Vec<_>>()
        }
    };
    // An English title word, a Chinese one, a word only a note holds, every word at once.
    assert_eq!(search(&["MaaS"]).await, ["maas-market", "market-size"]);
    assert_eq!(search(&["推理成本"]).await, ["inference-cost"]);
    assert_eq!(search(&["deployment-based"]).await, ["market-size"]);
    assert_eq!(search(&["tokens", "year-end"]).await, ["inference-cost"]);
    assert!(search(&["market", "tokens"]).await.is_empty());
    let table = succeeds(
        &servers,
        &["series", "search", "nothing-like-it", "--format", "table"],
    )
    .await;
    assert!(table.contains("Nothing found."), "{table}");
    let output = on(&servers, &["series", "search", ""]).await;
    assert!(assert_fails(&output, 64).contains("empty"));
    let output = on(&servers, &["series", "search"]).await;
    assert_fails(&output, 64);
}

#[tokio::test]
async fn a_transform_is_derived_by_the_service_with_its_method() {
    let servers = Servers::start().await;
    let args = [
        "series",
        "get",
        "market-size",
        "--transform",
        "yoy",
        "--interpolate",
    ];
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let json = assert_strict_json("yoy", &succeeds(&servers, &json_args).await);
    assert_eq!(json["transform"], "year_over_year");
    assert_eq!(json["values"]["unit"], "fraction");
    let points = json["values"]["points"].as_array().unwrap();
    assert_eq!(points.len(), 5, "2025–2029: {points:?}");
    for point in points {
        assert_eq!(point["provenance"], "derived", "{point}");
        assert_eq!(
            point["derivation"]["method_kind"], "year_over_year",
            "{point}"
        );
        let growth = point["value"].as_f64().unwrap();
        assert!((growth - 0.807).abs() < 0.01, "the stated 80.7 %: {point}");
    }
    let mut csv_args = args.to_vec();
    csv_args.extend(["--format", "csv"]);
    let csv = rows(&succeeds(&servers, &csv_args).await);
    assert!(
        csv.iter().all(|r| r["measure"] == "year_over_year"),
        "{csv:?}"
    );
    let mut table_args = args.to_vec();
    table_args.extend(["--format", "table"]);
    let table = succeeds(&servers, &table_args).await;
    assert!(
        table.contains("growth over the previous year (derived by the service)"),
        "{table}"
    );
    assert!(
        table.contains("year-over-year growth"),
        "the method: {table}"
    );
    // A person reads the growth in percent, as the stated 80.7 % CAGR beside it; JSON and CSV
    // keep the fraction.
    assert!(
        table.contains("percent") && table.contains("≈81%*") && !table.contains("0.81"),
        "{table}"
    );
    assert!(csv.iter().all(|r| r["unit"] == "fraction"), "{csv:?}");
    assert!(
        csv.iter()
            .any(|r| r["value"].starts_with("0.8") && !r["value"].contains('%')),
        "{csv:?}"
    );

    // A share of the parent and an index.
    let share_args = ["series", "get", "maas-market", "--transform", "share"];
    let share_as = |format: &'static [&'static str]| {
        let args: Vec<&str> = share_args.iter().chain(format).copied().collect();
        let servers = &servers;
        async move { succeeds(servers, &args).await }
    };
    let share = assert_strict_json("share", &share_as(&["--format", "json"]).await);
    let value = share["values"]["points"][0]["value"].as_f64().unwrap();
    assert!((value - 55.0 / 206.5).abs() < 0.001, "{share}");
    let share_zh = share_as(&["--format", "markdown", "--lang", "zh"]).await;
    assert!(
        share_zh.contains("| 年份 | 百分比 |") && share_zh.contains("| 2029 | 26.63%\\* |"),
        "{share_zh}"
    );
    let index = succeeds(
        &servers,
        &[
            "series",
            "get",
            "market-size",
            "--transform",
            "index",
            "--format",
            "json",
        ],
    )
    .await;
    let index = assert_strict_json("index", &index);
    assert_eq!(index["values"]["unit"], "index");
    assert_eq!(index["values"]["points"][0]["value"], 100.0);

    // What cannot be transformed is a usage error saying what would work.
    let output = on(
        &servers,
        &["series", "get", "market-size", "--transform", "yoy"],
    )
    .await;
    let line = assert_fails(&output, 64);
    assert!(
        line.contains("--transform yoy") && line.contains("--interpolate"),
        "{line}"
    );
    let output = on(
        &servers,
        &["series", "get", "market-size", "--transform", "share"],
    )
    .await;
    assert!(assert_fails(&output, 64).contains("has no parent"));
    let output = on(
        &servers,
        &["series", "get", "market-size", "--transform", "ratio"],
    )
    .await;
    assert!(assert_fails(&output, 64).contains("possible values: yoy, index, share"));
    let output = on(
        &servers,
        &["series", "get", "no-such-series", "--transform", "yoy"],
    )
    .await;
    assert!(assert_fails(&output, 1).contains("no-such-series not found"));
}

#[tokio::test]
async fn a_projection_runs_at_the_stated_rate_from_the_last_year_flagged_past_the_horizon() {
    let servers = Servers::start().await;
    let args = ["series", "get", "market-size", "--project-to", "2032"];
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let json = assert_strict_json("project", &succeeds(&servers, &json_args).await);
    let projection = &json["projection"];
    assert_eq!(projection["base"]["year"], 2029);
    assert_eq!(projection["base"]["value"], 206.5);
    assert!((projection["annual_rate"].as_f64().unwrap() - 0.807).abs() < 1e-9);
    let points = projection["points"].as_array().unwrap();
    let years: Vec<i64> = points.iter().map(|p| p["year"].as_i64().unwrap()).collect();
    assert_eq!(years, [2030, 2031, 2032]);
    for point in points {
        assert_eq!(point["provenance"], "derived");
        assert_eq!(point["past_horizon"], true, "{point}");
        assert_eq!(point["derivation"]["method_kind"], "projection", "{point}");
    }
    let mut csv_args = args.to_vec();
    csv_args.extend(["--format", "csv"]);
    let csv = rows(&succeeds(&servers, &csv_args).await);
    let projected: Vec<_> = csv
        .iter()
        .filter(|r| r["measure"] == "projection")
        .collect();
    assert_eq!(projected.len(), 3, "{csv:?}");
    assert!(projected.iter().all(|r| r["past_horizon"] == "true"));
    let mut table_args = args.to_vec();
    table_args.extend(["--format", "table"]);
    let table = succeeds(&servers, &table_args).await;
    assert!(table.contains("Projection at the stated rate"), "{table}");
    assert!(
        table.contains("*†"),
        "derived and past the horizon: {table}"
    );

    for (extra, wanted) in [
        (
            &["--project-to", "2028"][..],
            "give a year from 2030 to 2200",
        ),
        (&["--project-to", "2029"], "give a year from 2030 to 2200"),
        (&["--project-to", "2201"], "give a year from 2030 to 2200"),
        (
            &["--project-to", "2032", "--transform", "yoy"],
            "cannot be used with",
        ),
        (&["--project-to", "soon"], "invalid value"),
    ] {
        let mut all = vec!["series", "get", "market-size"];
        all.extend(extra);
        let output = on(&servers, &all).await;
        let line = assert_fails(&output, 64);
        assert!(line.contains(wanted), "{all:?}: {line}");
    }
    let output = on(
        &servers,
        &["series", "get", "maas-market", "--project-to", "2032"],
    )
    .await;
    assert!(assert_fails(&output, 64).contains("states no rate for maas-market"));
}

#[tokio::test]
async fn several_series_share_one_chart_of_one_unit() {
    let servers = Servers::start().await;
    let dir = crate::common::scratch("compare");
    let path = dir.join("compare.svg");
    let chart = path.to_str().unwrap();
    let args = [
        "series",
        "compare",
        "--series",
        "market-size,maas-market",
        "--series",
        "application-market",
        "--chart",
        chart,
        "--format",
        "json",
    ];
    let json = assert_strict_json("compare", &succeeds(&servers, &args).await);
    let names: Vec<&str> = json["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s["info"]["name"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(names, ["market-size", "maas-market", "application-market"]);
    let svg = std::fs::read_to_string(&path).unwrap();
    // Three lines, three colours: the market's path, the MaaS point, the application point.
    for color in ["#1F77B4", "#D62728", "#2CA02C"] {
        assert!(svg.contains(&format!("fill=\"{color}\"")), "{color}: {svg}");
    }
    assert!(svg.contains("Large-model MaaS") && svg.contains("Large-model application"));

    let output = on(
        &servers,
        &[
            "series",
            "compare",
            "--series",
            "market-size,inference-cost",
            "--chart",
            chart,
        ],
    )
    .await;
    assert!(assert_fails(&output, 64).contains("different units"));
    let output = on(
        &servers,
        &[
            "series",
            "compare",
            "--series",
            "market-size",
            "--from",
            "2035",
        ],
    )
    .await;
    assert!(assert_fails(&output, 64).contains("outside the data"));
    let output = on(&servers, &["series", "compare"]).await;
    assert!(assert_fails(&output, 64).contains("--series"));
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn every_format_names_the_edition_and_the_data_version() {
    let servers = Servers::start().await;
    let json = succeeds(&servers, &["datasets", "--format", "json"]).await;
    let version = assert_strict_json("datasets", &json)["datasets"][0]["data_version"]
        .as_str()
        .unwrap()
        .to_owned();
    for command in [
        &["report", "overview"][..],
        &["report", "cost"],
        &["report", "timeline"],
        &["report", "segment", "industry/maas"],
        &["series", "get", "market-size"],
        &["series", "compare", "--series", "market-size,maas-market"],
    ] {
        for format in ["table", "markdown"] {
            let mut args = command.to_vec();
            args.extend(["--format", format]);
            let text = succeeds(&servers, &args).await;
            assert!(
                text.contains("2026 edition") && text.contains(&version),
                "{args:?}: {text}"
            );
        }
        let mut args = command.to_vec();
        args.extend(["--format", "json"]);
        let json = assert_strict_json(&format!("{args:?}"), &succeeds(&servers, &args).await);
        assert_eq!(json["citation"]["edition"], 2026, "{args:?}");
        assert_eq!(
            json["citation"]["data_version"],
            version.as_str(),
            "{args:?}"
        );
        let mut args = command.to_vec();
        args.extend(["--format", "csv"]);
        let output = on(&servers, &args).await;
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
        let csv = rows(&String::from_utf8_lossy(&output.stdout));
        assert!(!csv.is_empty(), "{args:?}");
        for row in &csv {
            assert_eq!(row["edition"], "2026", "{args:?}");
            assert_eq!(row["data_version"], version, "{args:?}");
        }
    }
}

#[tokio::test]
async fn a_breakdown_splits_a_year_into_components_with_derived_shares_and_bars() {
    let servers = Servers::start().await;
    let dir = crate::common::scratch("breakdown");
    let path = dir.join("breakdown.svg");
    let chart = path.to_str().unwrap();
    let json = succeeds(
        &servers,
        &[
            "series",
            "breakdown",
            "market-size",
            "--chart",
            chart,
            "--format",
            "json",
        ],
    )
    .await;
    let json = assert_strict_json("breakdown", &json);
    let b = &json["breakdown"];
    assert_eq!(b["year"], 2029);
    assert_eq!(b["total"]["value"], 206.5);
    let values: Vec<f64> = b["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"]["value"].as_f64().unwrap())
        .collect();
    assert_eq!(values, [151.5, 55.0]);
    // Three bars (two components, the total), the shares labelled as derived.
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(
        svg.contains("151.5 (73.4%*)") && svg.contains("55.0 (26.6%*)"),
        "{svg}"
    );
    let bars = svg
        .split("<rect")
        .filter(|r| {
            r.contains("fill=\"#1F77B4\"")
                || r.contains("fill=\"#D62728\"")
                || r.contains("fill=\"#6E6E6E\"")
        })
        .count();
    assert_eq!(bars, 3, "{svg}");
    let table = succeeds(
        &servers,
        &["series", "breakdown", "market-size", "--format", "table"],
    )
    .await;
    assert!(
        table.contains("73.4%*") && table.contains("component ÷ total"),
        "{table}"
    );
    let csv = rows(
        &succeeds(
            &servers,
            &["series", "breakdown", "market-size", "--format", "csv"],
        )
        .await,
    );
    assert_eq!(csv.len(), 3, "{csv:?}");
    assert!(
        csv.iter()
            .all(|r| r["year"] == "2029" && r["data_version"].len() == 16)
    );

    let output = on(&servers, &["series", "breakdown", "inference-cost"]).await;
    assert!(assert_fails(&output, 64).contains("has no components"));
    let output = on(
        &servers,
        &["series", "breakdown", "market-size", "--year", "2031"],
    )
    .await;
    assert!(assert_fails(&output, 64).contains("give --year within 2024–2029"));
    let output = on(
        &servers,
        &["series", "breakdown", "market-size", "--year", "2024"],
    )
    .await;
    assert!(assert_fails(&output, 64).contains("application-market has no value for 2024"));
    std::fs::remove_dir_all(&dir).ok();
}
