//! End-to-end tests that the `llmarket` command shows what the source says about its figures:
//! the series' scope note under every table, Markdown and chart that uses the series, the
//! report's own words in JSON and CSV, and a citation line (report, publisher, edition,
//! section, data version) under tables, Markdown and charts.

use llmarket_tests::Servers;

use crate::common::{assert_strict_json, on, scratch, succeeds};

/// What the market-size series' scope note says in each language.
const SCOPE_EN: &str = "deployment-based revenue (private deployments) is not included";
const SCOPE_ZH: &str = "不包括基于部署的收入（私有化部署）";

/// Whether `text` holds the citation line of the built-in report for `section`: publisher,
/// title, edition and a 16-hex-digit data version.
fn cited(text: &str, lang: &str, section: &str) -> bool {
    let (start, version) = match lang {
        "zh" => (
            format!(
                "来源：全球大模型行业报告，CIC 灼识 (China Insights Consultancy)，2026 年版，§{section}"
            ),
            "；数据版本 ",
        ),
        _ => (
            format!(
                "Source: Global Large Model Industry Report, CIC 灼识 (China Insights Consultancy), \
                 2026 edition, §{section}"
            ),
            "; data version ",
        ),
    };
    text.lines().any(|line| {
        let line = line.trim_start_matches("> ").trim();
        line.strip_prefix(start.as_str())
            .and_then(|rest| rest.strip_prefix(version))
            .is_some_and(|v| v.len() == 16 && v.chars().all(|c| c.is_ascii_hexdigit()))
    })
}

#[tokio::test]
async fn tables_markdown_and_charts_show_the_scope_note_and_cite_the_report() {
    let servers = Servers::start().await;
    let dir = scratch("scope");
    let commands: [&[&str]; 4] = [
        &["series", "get", "market-size"],
        &["report", "overview"],
        &["report", "timeline"],
        &["report", "segment", "industry/model-based-revenue"],
    ];
    for command in commands {
        for (lang, scope) in [("en", SCOPE_EN), ("zh", SCOPE_ZH)] {
            for format in ["table", "markdown"] {
                let mut args = command.to_vec();
                args.extend(["--format", format, "--lang", lang]);
                let text = succeeds(&servers, &args).await;
                // Wrapped or not, the note is there: compare without line breaks.
                let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
                assert!(flat.contains(scope), "{args:?}: no scope note:\n{text}");
                assert!(cited(&text, lang, "1.2"), "{args:?}: no citation:\n{text}");
            }
            let path = dir.join(format!(
                "{}-{lang}.svg",
                command.join("-").replace('/', "-")
            ));
            let mut args = command.to_vec();
            args.extend(["--lang", lang, "--format", "json", "--chart"]);
            args.push(path.to_str().unwrap());
            succeeds(&servers, &args).await;
            let svg = std::fs::read_to_string(&path).expect("chart");
            let texts = svg.replace("&apos;", "'").replace("&amp;", "&");
            let flat = texts.split_whitespace().collect::<Vec<_>>().join(" ");
            let scope_start: String = scope.chars().take(12).collect();
            assert!(
                flat.contains(&scope_start),
                "{command:?} {lang}: chart note:\n{svg}"
            );
            let edition = if lang == "zh" {
                "2026 年版，§1.2"
            } else {
                "2026 edition, §1.2"
            };
            assert!(
                flat.contains(edition),
                "{command:?} {lang}: chart citation:\n{svg}"
            );
        }
    }
    // The cost series has its own note and section.
    let cost = succeeds(&servers, &["report", "cost", "--format", "markdown"]).await;
    assert!(cost.contains("Year-end figures"), "{cost}");
    assert!(cited(&cost, "en", "2.1"), "{cost}");
    // Commands without figures cite nothing.
    let concept = succeeds(
        &servers,
        &["concepts", "get", "industry/maas", "--format", "table"],
    )
    .await;
    assert!(!concept.contains("data version"), "{concept}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn json_and_csv_carry_the_scope_note_and_the_reports_own_words() {
    let servers = Servers::start().await;
    let json = succeeds(
        &servers,
        &["series", "get", "market-size", "--format", "json"],
    )
    .await;
    let detail = assert_strict_json("series get", &json);
    let note = detail["values"]["note"].as_str().expect("a note");
    assert!(note.contains(SCOPE_EN), "{note}");
    let quotes: Vec<&str> = detail["values"]["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["quote"].as_str().expect("a quote"))
        .collect();
    assert_eq!(
        quotes,
        [
            "据 CIC 灼识咨询测算, 2024 年该市场规模为 107 亿美元",
            "预计 2029 年将增至 2,065 亿美元"
        ]
    );
    assert_eq!(
        detail["stated_rates"][0]["quote"],
        "年复合增长率 (CAGR) 达 80.7%"
    );
    let zh = succeeds(
        &servers,
        &[
            "series",
            "get",
            "market-size",
            "--format",
            "json",
            "--lang",
            "zh",
        ],
    )
    .await;
    let zh = assert_strict_json("series get --lang zh", &zh);
    assert!(
        zh["values"]["note"].as_str().unwrap().contains(SCOPE_ZH),
        "{zh}"
    );

    let csv = succeeds(
        &servers,
        &["series", "get", "market-size", "--format", "csv"],
    )
    .await;
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(
        header.ends_with(",note,quote,series_note,edition,data_version"),
        "{header}"
    );
    let first = lines.next().unwrap();
    assert!(first.contains(",\"据 CIC 灼识咨询测算, 2024 年"), "{first}");
    assert!(first.contains(SCOPE_EN), "{first}");
    // The timeline carries the market's note too.
    let timeline = succeeds(&servers, &["report", "timeline", "--format", "json"]).await;
    let timeline = assert_strict_json("timeline", &timeline);
    assert!(timeline["note"].as_str().unwrap().contains(SCOPE_EN));
    let output = on(&servers, &["report", "timeline", "--format", "csv"]).await;
    assert!(String::from_utf8_lossy(&output.stdout).contains(SCOPE_EN));
}
