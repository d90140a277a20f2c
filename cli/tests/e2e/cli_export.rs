//! End-to-end tests of the export options of `llmarket` against servers started in this
//! process: tidy CSV, `--output FILE`, BCP-47 `--lang` tags and shell completions.

use std::collections::BTreeMap;

use llmarket_tests::Servers;

use crate::common::{on, scratch, succeeds};

/// The records of `csv` (RFC 4180: quoted fields, doubled quotes, CRLF line ends).
fn parse_csv(csv: &str) -> Vec<Vec<String>> {
    assert!(csv.ends_with("\r\n"), "CRLF line ends: {csv:?}");
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = csv.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    records
}

/// The CSV's rows as maps from column to field, each row as long as the header.
fn rows(csv: &str) -> Vec<BTreeMap<String, String>> {
    let mut records = parse_csv(csv).into_iter();
    let header = records.next().expect("a header");
    records
        .map(|record| {
            assert_eq!(record.len(), header.len(), "{record:?}");
            header.iter().cloned().zip(record).collect()
        })
        .collect()
}

/// The row of `series`/`measure` in `year`.
fn row<'a>(
    rows: &'a [BTreeMap<String, String>],
    series: &str,
    measure: &str,
    year: &str,
) -> &'a BTreeMap<String, String> {
    rows.iter()
        .find(|r| r["series"] == series && r["measure"] == measure && r["year"] == year)
        .unwrap_or_else(|| panic!("no {series} {measure} {year} in {rows:?}"))
}

#[tokio::test]
async fn csv_is_one_row_per_value_with_its_interval_and_provenance() {
    let servers = Servers::start().await;
    let csv = succeeds(
        &servers,
        &[
            "series",
            "get",
            "inference-cost",
            "--interpolate",
            "--format",
            "csv",
        ],
    )
    .await;
    let header = csv.lines().next().unwrap();
    assert_eq!(
        header,
        "series,measure,from_year,year,value,low,high,width_unknown,unit,qualifier,kind,\
         provenance,method,past_horizon,source,note,quote,series_note,edition,data_version"
    );
    let series = rows(&csv);
    assert_eq!(series.len(), 3, "{series:?}");
    // 2023 lies between about 20 and below 0.1: at most about 1.41, open below; its inputs
    // carry one significant digit (0.1), so at most about 2.
    let between = row(&series, "inference-cost", "value", "2023");
    assert_eq!(between["qualifier"], "upper_bound");
    assert_eq!(between["provenance"], "derived");
    assert_eq!(between["method"], "cagr_interpolation");
    assert_eq!(between["low"], "");
    assert_eq!(
        (between["value"].as_str(), between["high"].as_str()),
        ("2", "2"),
        "{between:?}"
    );
    assert_eq!(between["width_unknown"], "true");
    let stated = row(&series, "inference-cost", "value", "2024");
    assert_eq!(
        (stated["provenance"].as_str(), stated["source"].as_str()),
        ("reported", "2.1")
    );

    let overview = rows(&succeeds(&servers, &["report", "overview", "--format", "csv"]).await);
    let size = row(&overview, "market-size", "value", "2024");
    let (low, value, high): (f64, f64, f64) = (
        size["low"].parse().unwrap(),
        size["value"].parse().unwrap(),
        size["high"].parse().unwrap(),
    );
    assert!(low < value && value < high, "{size:?}");
    assert_eq!(size["unit"], "usd_billion");
    assert_eq!(size["kind"], "actual");
    // A note with a comma survives quoting.
    assert!(size["note"].contains("10.7 billion), CIC"), "{size:?}");
    row(&overview, "maas-market", "value", "2029");
    // Each value once: the breakdown's total is the market's own 2029 value.
    assert_eq!(
        overview
            .iter()
            .filter(|r| r["series"] == "market-size"
                && r["measure"] == "value"
                && r["year"] == "2029")
            .count(),
        1
    );

    let cost = rows(&succeeds(&servers, &["report", "cost", "--format", "csv"]).await);
    let projected = row(&cost, "inference-cost", "projection", "2029");
    assert_eq!(projected["method"], "projection");
}

/// The rows of `rows` for `series` and `measure`.
fn rows_of<'a>(
    rows: &'a [BTreeMap<String, String>],
    series: &str,
    measure: &str,
) -> Vec<&'a BTreeMap<String, String>> {
    rows.iter()
        .filter(|r| r["series"] == series && r["measure"] == measure)
        .collect()
}

#[tokio::test]
async fn csv_of_the_reports_has_their_rates_shares_and_milestones() {
    let servers = Servers::start().await;
    // The overview: the CAGR computed (derived) and as stated (reported), and the shares.
    let overview = rows(&succeeds(&servers, &["report", "overview", "--format", "csv"]).await);
    let cagr = rows_of(&overview, "market-size", "cagr");
    assert_eq!(cagr.len(), 2, "{cagr:?}");
    let stated = cagr.iter().find(|r| r["provenance"] == "reported").unwrap();
    assert_eq!(
        (stated["from_year"].as_str(), stated["year"].as_str()),
        ("2024", "2029")
    );
    assert_eq!(stated["value"], "0.807");
    assert!(stated["quote"].contains("80.7%"), "{stated:?}");
    let computed = cagr.iter().find(|r| r["provenance"] == "derived").unwrap();
    assert_eq!(computed["method"], "cagr");
    assert_eq!(computed["value"], "0.808", "at its interval's precision");
    let multiple = rows_of(&overview, "market-size", "multiple");
    assert_eq!(multiple[0]["value"], "19.3");
    for (series, value) in [("application-market", "0.7337"), ("maas-market", "0.2663")] {
        let share = rows_of(&overview, series, "share_of_parent");
        assert_eq!(share.len(), 1, "{series}: {overview:?}");
        assert_eq!(share[0]["value"], value);
        assert_eq!(share[0]["provenance"], "derived");
        assert_eq!(share[0]["method"], "share_of_parent");
    }
    // The timeline: its milestones after the values.
    let timeline = rows(&succeeds(&servers, &["report", "timeline", "--format", "csv"]).await);
    let gpt4o = timeline
        .iter()
        .find(|r| {
            r["milestone"] == "datasets/cic-global-llm/milestones/2025-03-gpt-4o-native-multimodal"
        })
        .expect("a milestone row");
    assert_eq!(
        (
            gpt4o["measure"].as_str(),
            gpt4o["year"].as_str(),
            gpt4o["month"].as_str()
        ),
        ("milestone", "2025", "3")
    );
    assert!(gpt4o["title"].contains("GPT-4o"), "{gpt4o:?}");
    // The cost: the fall so far at its precision, and the stated rate of no year.
    let cost = rows(&succeeds(&servers, &["report", "cost", "--format", "csv"]).await);
    let fall = rows_of(&cost, "inference-cost", "cagr");
    assert_eq!(fall.len(), 1, "{cost:?}");
    assert_eq!(
        (fall[0]["from_year"].as_str(), fall[0]["year"].as_str()),
        ("2022", "2024")
    );
    assert_eq!(
        (fall[0]["value"].as_str(), fall[0]["qualifier"].as_str()),
        ("-0.9292", "upper_bound"),
        "no float noise, to 0.01 percentage points towards the open side: {fall:?}"
    );
    let rate = rows_of(&cost, "inference-cost", "annual_change");
    assert_eq!(rate.len(), 1, "{cost:?}");
    assert_eq!(
        (rate[0]["value"].as_str(), rate[0]["year"].as_str()),
        ("-0.9", "")
    );
    assert_eq!(
        (rate[0]["low"].as_str(), rate[0]["high"].as_str()),
        ("", ""),
        "about -90%: no interval"
    );
    assert_eq!(rate[0]["provenance"], "reported");
}

#[tokio::test]
async fn milestones_levels_and_concepts_export_tidy_csv() {
    let servers = Servers::start().await;
    let milestones = rows(&succeeds(&servers, &["milestones", "--format", "csv"]).await);
    assert!(milestones.len() > 5, "{milestones:?}");
    let first = &milestones[0];
    assert!(
        first["milestone"].starts_with("datasets/cic-global-llm/milestones/"),
        "{first:?}"
    );
    assert!(!first["title"].is_empty() && !first["source"].is_empty());
    let levels = rows(&succeeds(&servers, &["levels", "--format", "csv"]).await);
    // One row per level and language, the current level marked.
    assert_eq!(levels.len(), 10, "{levels:?}");
    let current: Vec<_> = levels.iter().filter(|r| r["current"] == "true").collect();
    assert_eq!(current.len(), 2, "both languages of the current level");
    assert!(current.iter().all(|r| r["notation"] == "L3"));
    let en = levels
        .iter()
        .find(|r| r["notation"] == "L1" && r["language"] == "en")
        .unwrap();
    assert_eq!(en["label"], "Chatbots");
    let concepts = rows(
        &succeeds(
            &servers,
            &[
                "concepts", "list", "--scheme", "industry", "--format", "csv",
            ],
        )
        .await,
    );
    let maas = concepts
        .iter()
        .find(|r| {
            r["concept"] == "datasets/cic-global-llm/schemes/industry/concepts/maas"
                && r["language"] == "zh-Hans"
        })
        .expect("MaaS in Chinese");
    assert!(maas["alt_labels"].contains("模型即服务"), "{maas:?}");
    assert_eq!(
        maas["broader"],
        "datasets/cic-global-llm/schemes/industry/concepts/model-based-revenue"
    );
}

#[tokio::test]
async fn every_command_with_values_exports_csv_with_the_same_codes_and_texts_in_its_language() {
    let servers = Servers::start().await;
    let commands: [&[&str]; 9] = [
        &["report", "overview"],
        &["report", "segment", "drivers/cost-decline"],
        &["report", "timeline"],
        &["report", "cost"],
        &["series", "get", "market-size"],
        &["series", "get", "market-size", "--interpolate"],
        &["milestones"],
        &["levels"],
        &["concepts", "list", "--scheme", "industry"],
    ];
    let han = |text: &str| text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    for command in commands {
        let mut codes = Vec::new();
        let mut texts = Vec::new();
        for lang in ["en", "zh"] {
            let mut args = command.to_vec();
            args.extend(["--format", "csv", "--lang", lang]);
            let csv = succeeds(&servers, &args).await;
            let mut rows = rows(&csv);
            assert!(!rows.is_empty(), "{args:?}: {csv}");
            // The words for a person are in the asked language (a concept's in the language
            // its row names); the rest is codes, the same in every language.
            let mut words = Vec::new();
            for row in &mut rows {
                for column in ["note", "series_note", "title", "description"] {
                    let Some(text) = row.remove(column) else {
                        continue;
                    };
                    if lang == "zh" && !text.is_empty() {
                        assert!(han(&text), "{args:?}: {column} {text:?}");
                        let english = text.contains(" the ") || text.contains("USD");
                        assert!(!english, "{args:?}: {column} {text:?}");
                    }
                    words.push(text);
                }
            }
            codes.push(rows);
            texts.push(words);
        }
        assert_eq!(
            codes[0], codes[1],
            "{command:?}: codes and numbers are data"
        );
        let translated = ["report", "series", "milestones"].contains(&command[0]);
        assert!(
            !translated || texts[0] != texts[1],
            "{command:?}: the Chinese CSV has Chinese words: {:?}",
            texts[1]
        );
    }
    // A command that prints no values says so.
    for command in [
        &["series", "list"][..],
        &["concepts", "get", "capability-levels/l3"],
    ] {
        let mut args = command.to_vec();
        args.extend(["--format", "csv"]);
        let output = on(&servers, &args).await;
        assert_eq!(output.status.code(), Some(64), "{args:?}");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(message.contains("prints no values"), "{message}");
    }
}

#[tokio::test]
async fn output_writes_the_report_into_a_file_in_the_format_its_name_implies() {
    let servers = Servers::start().await;
    let dir = scratch("output");
    let csv = dir.join("overview.csv");
    // An existing, longer file is truncated.
    std::fs::write(&csv, "x".repeat(100_000)).unwrap();
    let printed = succeeds(
        &servers,
        &["report", "overview", "--output", csv.to_str().unwrap()],
    )
    .await;
    assert!(printed.is_empty(), "nothing on stdout: {printed}");
    let written = std::fs::read_to_string(&csv).unwrap();
    assert!(
        written.starts_with("series,measure,from_year,year"),
        "{written}"
    );
    assert!(!written.contains('x'.to_string().repeat(10).as_str()));

    let md = dir.join("overview.json");
    succeeds(
        &servers,
        &[
            "report",
            "overview",
            "--format",
            "markdown",
            "-o",
            md.to_str().unwrap(),
        ],
    )
    .await;
    assert!(std::fs::read_to_string(&md).unwrap().starts_with("# "));

    let unwritable = dir.join("no-such-dir").join("report.json");
    let output = on(
        &servers,
        &["series", "list", "--output", unwritable.to_str().unwrap()],
    )
    .await;
    assert_eq!(output.status.code(), Some(74));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains(unwritable.to_str().unwrap()),
        "names the path: {message}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn lang_takes_bcp_47_tags_and_names_the_supported_ones() {
    let servers = Servers::start().await;
    let concept = [
        "concepts",
        "get",
        "capability-levels/l3",
        "--format",
        "markdown",
    ];
    let text = |lang: &'static str| {
        let servers = &servers;
        async move {
            let mut args = concept.to_vec();
            args.extend(["--lang", lang]);
            succeeds(servers, &args).await
        }
    };
    let (zh, en) = (text("zh").await, text("en").await);
    assert_ne!(zh, en);
    for tag in ["zh-Hans", "zh-CN", "zh-hans-cn", "zh_SG"] {
        assert_eq!(text(tag).await, zh, "{tag}");
    }
    for tag in ["en-US", "EN", "en-GB"] {
        assert_eq!(text(tag).await, en, "{tag}");
    }
    for tag in ["fr", "zh-Hant", "zh-TW", "english"] {
        let output = on(&servers, &["series", "list", "--lang", tag]).await;
        assert_eq!(output.status.code(), Some(64), "{tag}");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(
            message.contains("zh-Hans") && message.contains("en-US") && message.contains(tag),
            "{message}"
        );
    }
}

#[tokio::test]
async fn completions_are_printed_for_each_shell() {
    let servers = Servers::start().await;
    for (shell, mark) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef llmarket"),
        ("fish", "complete -c llmarket"),
    ] {
        let script = succeeds(&servers, &["completions", shell]).await;
        assert!(script.contains(mark), "{shell}: {script}");
        assert!(
            script.contains("format") && script.contains("milestones"),
            "{shell}"
        );
    }
    let output = on(&servers, &["completions", "tcsh"]).await;
    assert_eq!(output.status.code(), Some(64));
}

#[tokio::test]
async fn values_print_at_the_precision_they_carry() {
    let servers = Servers::start().await;
    // A projection from "below 0.1" at −90 % a year carries one significant digit.
    let csv = succeeds(&servers, &["report", "cost", "--format", "csv"]).await;
    let cost = rows(&csv);
    for (year, value) in [
        ("2025", "0.01"),
        ("2026", "0.001"),
        ("2027", "0.0001"),
        ("2028", "0.00001"),
        ("2029", "0.000001"),
    ] {
        let row = row(&cost, "inference-cost", "projection", year);
        assert_eq!(
            (row["value"].as_str(), row["high"].as_str()),
            (value, value),
            "{row:?}"
        );
        assert_eq!(row["low"], "", "{row:?}");
    }
    // "About 20": no interval is known, so none is given (not 20 to 20).
    let about = row(&cost, "inference-cost", "value", "2022");
    assert_eq!(
        (
            about["value"].as_str(),
            about["low"].as_str(),
            about["high"].as_str()
        ),
        ("20", "", "")
    );
    // Interpolated between 10.7 and 206.5: to the first place its interval spans, the interval
    // rounded outwards; stated values to their stated digits.
    let csv = succeeds(
        &servers,
        &[
            "series",
            "get",
            "market-size",
            "--interpolate",
            "--format",
            "csv",
        ],
    )
    .await;
    let market = rows(&csv);
    let cell = |year: &str| {
        let r = row(&market, "market-size", "value", year);
        format!("{} {} {}", r["value"], r["low"], r["high"])
    };
    assert_eq!(cell("2024"), "10.7 10.65 10.75");
    assert_eq!(cell("2025"), "19.3 19.2 19.5");
    assert_eq!(cell("2026"), "35.0 34.8 35.1");
    assert_eq!(cell("2028"), "114.2 114.1 114.4");
    let maas = rows(&succeeds(&servers, &["report", "overview", "--format", "csv"]).await);
    assert_eq!(row(&maas, "maas-market", "value", "2029")["value"], "55.0");

    // The JSON holds the same numbers, without a float's noise.
    let json = succeeds(&servers, &["report", "cost", "--format", "json"]).await;
    let cost: serde_json::Value = serde_json::from_str(&json).unwrap();
    let projected: Vec<f64> = cost["projection"]["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64().unwrap())
        .collect();
    assert_eq!(projected, [0.01, 0.001, 0.0001, 0.00001, 0.000001]);
    assert!(cost["cost"]["points"][0].get("low").is_none(), "{json}");
    let json = succeeds(
        &servers,
        &[
            "series",
            "get",
            "market-size",
            "--interpolate",
            "--format",
            "json",
        ],
    )
    .await;
    let detail: serde_json::Value = serde_json::from_str(&json).unwrap();
    let values: Vec<f64> = detail["values"]["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64().unwrap())
        .collect();
    assert_eq!(values, [10.7, 19.3, 35.0, 63.2, 114.2, 206.5]);
}

#[tokio::test]
async fn the_cost_report_leads_with_the_fall_so_far_marked_derived_in_every_format() {
    let servers = Servers::start().await;
    // Table and Markdown, in both languages: the first field, the values as stated, marked derived.
    for (lang, format, first, marked) in [
        (
            "en",
            "table",
            "Fall so far  2022 → 2024: a fall of ≥200× (≈20 → ≤0.1), ≤-92.93% a year",
            "derived: computed from the values the report states",
        ),
        (
            "en",
            "markdown",
            "- **Fall so far:** 2022 → 2024: a fall of ≥200× (≈20 → ≤0.1), ≤-92.93% a year",
            "derived: computed from the values the report states",
        ),
        (
            "zh",
            "markdown",
            "- **已述降幅：** 2022 → 2024：下降≥200×（≈20 → ≤0.1），每年≤-92.93%",
            "推算：由报告所述数值计算",
        ),
    ] {
        let text = succeeds(
            &servers,
            &["report", "cost", "--format", format, "--lang", lang],
        )
        .await;
        // The first line under the title and its underline.
        let lead = text
            .lines()
            .skip(1)
            .find(|l| !l.trim().is_empty() && !l.starts_with('═'))
            .unwrap_or_default();
        assert!(lead.starts_with(first), "{lang} {format}: {text}");
        assert!(lead.contains(marked), "{lang} {format}: {text}");
    }

    // JSON: the first key after the language, marked derived, with the stated ends as stated.
    let json = succeeds(&servers, &["report", "cost", "--format", "json"]).await;
    let cost = crate::common::assert_strict_json("report cost", &json);
    let at = |key: &str| json.find(&format!("\"{key}\":")).unwrap_or(usize::MAX);
    assert!(at("language") < at("fall_so_far"), "{json}");
    assert!(at("fall_so_far") < at("cost"), "it leads: {json}");
    let fall = &cost["fall_so_far"];
    assert_eq!(fall["provenance"], "derived", "{json}");
    assert_eq!(fall["start"]["year"], 2022);
    assert_eq!(fall["start"]["qualifier"], "approximate");
    assert_eq!(fall["end"]["year"], 2024);
    assert_eq!(fall["end"]["qualifier"], "upper_bound");
    assert_eq!(fall["multiple"].as_f64(), Some(0.005));

    // CSV: the first two rows, derived, the multiple at most 0.005 and the CAGR at most -92.9 %.
    let csv = rows(&succeeds(&servers, &["report", "cost", "--format", "csv"]).await);
    let multiple = &csv[0];
    assert_eq!(
        (multiple["measure"].as_str(), multiple["year"].as_str()),
        ("multiple", "2024")
    );
    assert_eq!(multiple["value"], "0.005");
    assert_eq!(multiple["qualifier"], "upper_bound");
    assert_eq!(multiple["provenance"], "derived");
    let cagr = &csv[1];
    assert_eq!(cagr["measure"], "cagr");
    assert_eq!(cagr["qualifier"], "upper_bound");
    assert_eq!(cagr["provenance"], "derived");
    assert_eq!(cagr["value"], "-0.9292", "{cagr:?}");

    // The chart says it in a note.
    let dir = scratch("cost-fall");
    let path = dir.join("cost.svg");
    let output = on(
        &servers,
        &["report", "cost", "--chart", path.to_str().unwrap()],
    )
    .await;
    assert_eq!(output.status.code(), Some(0));
    let svg = std::fs::read_to_string(&path).expect("chart written");
    assert!(
        svg.contains("Fall so far: 2022 → 2024: a fall of ≥200×"),
        "{svg}"
    );
}
