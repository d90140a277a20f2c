//! The `llmarket` command's Chinese, end to end: every report of the command rendered with
//! `--lang zh` (table, Markdown, the chart's words, and the human texts of its JSON and CSV) from
//! the real servers holds no English word but the names the report's own Chinese text uses and
//! the services' identifiers, and the command's own words use full-width punctuation. Codes
//! (JSON keys and enum values, CSV column names and codes) are data, the same in every language.

use std::collections::BTreeSet;

use llmarket_cli::render::{self, Format, Render, csv::Values};
use llmarket_client::{
    Client, ClientConfig,
    reports::{Language, YearSpan, direct::Fill},
};
use llmarket_proto::llmarket::taxonomy::v2::{
    self as t2, taxonomy_service_client::TaxonomyServiceClient,
};
use llmarket_tests::Servers;

const DATASET: &str = "datasets/cic-global-llm";

/// The English words a Chinese report may hold: names (of models, companies, products, methods
/// and the report's publisher) and units, each as the report's own Chinese text writes it. The
/// test checks that every entry occurs in a Chinese text the services return, so an entry the
/// report does not use fails.
const ALLOWED: &[&str] = &[
    // Publisher and roadmap (§2.2: "OpenAI 五级路线图", "Level 3 交界处", notations L1–L5).
    "CIC",
    "China",
    "Insights",
    "Consultancy",
    "OpenAI",
    "Level",
    "L1",
    "L2",
    "L3",
    "L4",
    "L5",
    "Chatbots",
    "Reasoners",
    "Agents",
    "Innovators",
    "Organizations",
    // Models and products the report names.
    "GPT",
    "GPT-3",
    "GPT-4",
    "GPT-4o",
    "GPT-4V",
    "ChatGPT",
    "Claude",
    "Code",
    "Gemini",
    "ElevenLabs",
    "MiniMax",
    // Terms the report keeps in English.
    "AI",
    "API",
    "MaaS",
    "CAGR",
    "CoT",
    "MoE",
    "RLHF",
    "Transformer",
    "Agent",
    "Agentic",
    "Scaling",
    "Law",
    "Pureplay",
    "Non-pureplay",
    "model-as-a-service",
    // The unit of inference cost ("每百万 token").
    "token",
];

/// A client over both test servers.
async fn client(servers: &Servers) -> Client {
    Client::from_channels(
        servers.forecast.channel().await,
        servers.taxonomy.channel().await,
        ClientConfig::default(),
    )
}

/// Every scheme and concept name the taxonomy serves.
async fn concept_names(servers: &Servers) -> (Vec<String>, Vec<String>) {
    let mut taxonomy = TaxonomyServiceClient::new(servers.taxonomy.channel().await);
    let schemes: Vec<String> = taxonomy
        .list_schemes(t2::ListSchemesRequest {
            parent: DATASET.to_owned(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .expect("ListSchemes")
        .into_inner()
        .schemes
        .into_iter()
        .map(|s| s.name)
        .collect();
    let mut concepts = Vec::new();
    for scheme in &schemes {
        let response = taxonomy
            .list_concepts(t2::ListConceptsRequest {
                parent: scheme.clone(),
                page_size: 1000,
                ..Default::default()
            })
            .await
            .expect("ListConcepts")
            .into_inner();
        assert!(response.next_page_token.is_empty(), "one page");
        concepts.extend(response.concepts.into_iter().map(|c| c.name));
    }
    (schemes, concepts)
}

/// A Chinese character (Han, full-width punctuation), or `□` for a quoted Chinese text.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}'
        | '\u{ff00}'..='\u{ffef}' | '□')
}

/// A Chinese word: a Han character, or `□` for a quoted Chinese text.
fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '□')
}

/// What one report says in Chinese: its rendered texts, and the Chinese texts the services
/// gave it (the report's own words, which are not the command's to change).
#[derive(Default)]
struct Rendered {
    /// `(what, text)`: each report as a table, as Markdown, and its chart's words.
    texts: Vec<(String, String)>,
    /// Every string of the reports' JSON that holds a Chinese character.
    quoted: BTreeSet<String>,
    /// A concept's words in another language (its `languages` entries other than zh-Hans),
    /// which a Chinese report shows beside the Chinese ones as data, as the report's own table
    /// of levels does.
    other_language: BTreeSet<String>,
}

/// The keys of a report's JSON whose strings are words for a person (the others are codes,
/// identifiers, numbers or names such as the publisher's).
const HUMAN_KEYS: &[&str] = &[
    "title",
    "label",
    "alt_labels",
    "definition",
    "description",
    "note",
    "method",
    "quote",
    "notice",
    "matched_text",
    "growth_note",
    "parent_title",
];

/// The CSV columns that hold words for a person (the others hold codes, identifiers and
/// numbers).
const HUMAN_COLUMNS: &[&str] = &[
    "note",
    "series_note",
    "quote",
    "title",
    "description",
    "label",
    "alt_labels",
    "definition",
];

/// The strings under [`HUMAN_KEYS`] in `value`, one a line.
fn human_strings(value: &serde_json::Value, key: Option<&str>, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) if key.is_some_and(|k| HUMAN_KEYS.contains(&k)) => {
            out.push(s.clone());
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| human_strings(v, key, out)),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                human_strings(v, Some(k), out);
            }
        }
        _ => {}
    }
}

/// The fields of `csv` in [`HUMAN_COLUMNS`], one a line, but those of rows in another language
/// (`language` other than zh-Hans: a concept's English words, shown as data).
fn human_fields(csv: &str) -> Vec<String> {
    let mut lines = csv.split("\r\n").filter(|l| !l.is_empty());
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let mut out = Vec::new();
    // The records (fields may hold quoted commas and line breaks).
    for record in records(csv).into_iter().skip(1) {
        let field = |name: &str| {
            header
                .iter()
                .position(|h| *h == name)
                .and_then(|i| record.get(i).cloned())
        };
        if field("language").is_some_and(|l| l != "zh-Hans") {
            continue;
        }
        out.extend(HUMAN_COLUMNS.iter().filter_map(|c| field(c)));
    }
    out
}

/// The records of an RFC 4180 `csv`.
fn records(csv: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let mut chars = csv.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
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

impl Rendered {
    fn add<R: Render + Values + Clone>(&mut self, what: &str, report: &R) {
        for (format, name) in [(Format::Table, "table"), (Format::Markdown, "markdown")] {
            let text = render::render(report, format).expect("render");
            self.texts.push((format!("{what} ({name})"), text));
        }
        // JSON and CSV as the command prints them: the command's words in the data localized.
        let mut localized = report.clone();
        localized.localize(Language::Zh);
        let json = serde_json::to_value(&localized).expect("json");
        let mut human = Vec::new();
        human_strings(&json, None, &mut human);
        self.texts
            .push((format!("{what} (json)"), human.join("\n")));
        if let Some(csv) = render::csv::render(&localized) {
            self.texts
                .push((format!("{what} (csv)"), human_fields(&csv).join("\n")));
        }
        if let Some(chart) = report.chart() {
            let svg = render::svg::render(&chart).expect("chart");
            self.texts
                .push((format!("{what} (chart)"), svg_texts(&svg).join("\n")));
        }
        let json = serde_json::to_value(report).expect("json");
        strings(&json, &mut self.quoted);
        other_language(&json, &mut self.other_language);
    }
}

/// The strings of every `languages` entry of `value` whose language is not zh-Hans.
fn other_language(value: &serde_json::Value, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Array(entries)) = map.get("languages") {
                for entry in entries {
                    if entry["language_code"] != "zh-Hans" {
                        for (key, text) in entry.as_object().into_iter().flatten() {
                            if key != "language_code" {
                                all_strings(text, out);
                            }
                        }
                    }
                }
            }
            map.values().for_each(|v| other_language(v, out));
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| other_language(v, out)),
        _ => {}
    }
}

/// Every string in `value`.
fn all_strings(value: &serde_json::Value, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::String(s) if !s.is_empty() => {
            out.insert(s.clone());
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| all_strings(v, out)),
        _ => {}
    }
}

fn strings(value: &serde_json::Value, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::String(s) if s.chars().any(is_cjk) => {
            out.insert(s.clone());
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

/// The contents of the `<text>` elements of an SVG, unescaped.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|rest| {
            let body = &rest[rest.find('>')? + 1..];
            Some(body[..body.find("</text>")?].to_owned())
        })
        .map(|t| {
            t.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&#39;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

/// Renders every report of the command in Chinese.
async fn every_report_in_chinese(servers: &Servers, concepts: &[String]) -> Rendered {
    let client = client(servers).await;
    let zh = Language::Zh;
    let mut out = Rendered::default();
    out.add(
        "report overview",
        &client
            .market_overview(DATASET, YearSpan::all(), zh)
            .await
            .unwrap(),
    );
    out.add(
        "report overview --from 2026 --to 2027",
        &client
            .market_overview(DATASET, YearSpan::between(2026, 2027), zh)
            .await
            .unwrap(),
    );
    out.add(
        "report timeline",
        &client.timeline(YearSpan::all(), zh).await.unwrap(),
    );
    out.add(
        "report cost --from 2022 --to 2031",
        &client
            .cost_outlook(YearSpan::between(2022, 2031), zh)
            .await
            .unwrap(),
    );
    let list = client.series_list(DATASET, zh).await.unwrap();
    out.add("series list", &list);
    for series in &list.series {
        for (fill, flag) in [(Fill::None, ""), (Fill::Interpolate, " --interpolate")] {
            let detail = client
                .series_detail(&series.name, YearSpan::all(), fill, zh)
                .await
                .unwrap();
            out.add(&format!("series get {}{flag}", series.name), &detail);
        }
    }
    for concept in concepts {
        out.add(
            &format!("report segment {concept}"),
            &client
                .segment_report(concept, YearSpan::all(), zh)
                .await
                .unwrap(),
        );
        out.add(
            &format!("concepts get {concept}"),
            &client.concept(concept, zh).await.unwrap(),
        );
    }
    out.add(
        "concepts search 成本",
        &client.search("成本", Vec::new(), zh).await.unwrap(),
    );
    out.add(
        "milestones",
        &client.milestones(YearSpan::all(), None, zh).await.unwrap(),
    );
    for args in ANALYST_COMMANDS {
        out.add_command(servers, args).await;
    }
    out
}

/// The analyst's commands that print what the command computes itself, each as the `llmarket`
/// binary prints it in Chinese (as a table, JSON and CSV).
const ANALYST_COMMANDS: &[&[&str]] = &[
    &["datasets"],
    &["series", "search", "推理"],
    &["series", "get", "market-size", "--transform", "index"],
    &[
        "series",
        "get",
        "market-size",
        "--interpolate",
        "--transform",
        "yoy",
    ],
    &["series", "get", "market-size", "--project-to", "2031"],
    &[
        "series",
        "compare",
        "--series",
        "maas-market,application-market",
    ],
    &["series", "breakdown", "market-size", "--year", "2029"],
];

/// The `llmarket` binary `cargo test --workspace` built beside the test executable.
fn llmarket_bin() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target profile directory");
    let bin = dir.join("llmarket");
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p llmarket-cli` (cargo test --workspace does)",
        bin.display()
    );
    bin
}

impl Rendered {
    /// The words of `llmarket --lang zh ARGS` in each format that prints words.
    async fn add_command(&mut self, servers: &Servers, args: &[&str]) {
        let what = args.join(" ");
        for format in ["table", "json", "csv"] {
            // Async: the servers answer on this test's runtime while the command waits.
            let output = tokio::process::Command::new(llmarket_bin())
                .args([
                    "--forecast",
                    &servers.forecast.url(),
                    "--taxonomy",
                    &servers.taxonomy.url(),
                    "--lang",
                    "zh",
                    "--format",
                    format,
                ])
                .args(args)
                .output()
                .await
                .expect("run llmarket");
            let stdout = String::from_utf8(output.stdout).expect("UTF-8");
            let stderr = String::from_utf8_lossy(&output.stderr);
            if format == "csv" && output.status.code() == Some(64) {
                // A command without values refuses CSV; error messages are English (docs/cli.md).
                continue;
            }
            assert!(
                output.status.success(),
                "llmarket {what} --format {format}: {stderr}"
            );
            let text = match format {
                "json" => {
                    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
                    let mut human = Vec::new();
                    human_strings(&json, None, &mut human);
                    strings(&json, &mut self.quoted);
                    other_language(&json, &mut self.other_language);
                    human.join("\n")
                }
                "csv" => human_fields(&stdout).join("\n"),
                _ => stdout,
            };
            self.texts.push((format!("{what} ({format})"), text));
        }
    }
}

/// The words of `text` that hold an ASCII letter, as runs of ASCII letters, digits and `-._/+`
/// with the punctuation at their ends cut (`GPT-4o`, `schemes/drivers`, `1.00e-4`).
fn ascii_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "-._/+".contains(c)))
        .map(|w| w.trim_matches(|c: char| "-._/+".contains(c)))
        .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
        // A number in scientific notation is not a word.
        .filter(|w| w.parse::<f64>().is_err())
}

/// ASCII `,` `:` `;` `(` `)` `.` in Chinese text: next to a Chinese word (one space between
/// them aside; a wider gap is a column of a table), a full stop only after one (so `206.5`
/// stays a number).
fn half_width_in_chinese(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: isize| (i >= 0).then(|| chars.get(i as usize).copied()).flatten();
    let neighbour = |from: usize, step: isize| {
        let next = at(from as isize + step);
        if next == Some(' ') {
            at(from as isize + 2 * step)
        } else {
            next
        }
    };
    let mut found = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        let left = neighbour(i, -1).is_some_and(is_han);
        let right = neighbour(i, 1).is_some_and(is_han);
        let bad = match c {
            ',' | ':' | ';' | '(' | ')' => left || right,
            '.' => left,
            _ => false,
        };
        if bad {
            let start = i.saturating_sub(12);
            let end = (i + 12).min(chars.len());
            found.push(chars[start..end].iter().collect());
        }
    }
    found
}

/// `text` with every quoted Chinese text of the services replaced by `□` (as the renderers
/// print it: whitespace collapsed; `*` and `_` escaped in Markdown).
fn without_quotes(text: &str, quoted: &[String]) -> String {
    let mut text = text.to_owned();
    for q in quoted {
        let flat = q.split_whitespace().collect::<Vec<_>>().join(" ");
        let escaped = flat.replace('*', "\\*").replace('_', "\\_");
        text = text.replace(&escaped, "□").replace(&flat, "□");
    }
    text
}

#[tokio::test]
async fn every_report_in_chinese_has_chinese_words_and_punctuation() {
    let servers = Servers::start().await;
    let (schemes, concepts) = concept_names(&servers).await;
    let rendered = every_report_in_chinese(&servers, &concepts).await;
    let client = client(&servers).await;
    let series = client.series_list(DATASET, Language::Zh).await.unwrap();

    // The services' identifiers, as a user types them on the command line.
    let mut identifiers: BTreeSet<String> = BTreeSet::from([
        DATASET.to_owned(),
        llmarket_client::reports::short_id(DATASET).to_owned(),
    ]);
    // The data version (a hash), as the citation line shows it.
    let datasets = client.datasets(Language::Zh).await.unwrap();
    identifiers.extend(datasets.datasets.iter().map(|d| d.data_version.clone()));
    identifiers.extend(schemes.iter().cloned());
    identifiers.extend(concepts.iter().cloned());
    for s in &series.series {
        identifiers.insert(s.name.clone());
        identifiers.insert(llmarket_client::reports::short_id(&s.name).to_owned());
    }

    // Every allowed name is one the report's own Chinese text uses.
    let quoted_words: BTreeSet<&str> = rendered
        .quoted
        .iter()
        .flat_map(|q| ascii_words(q))
        .collect();
    let unused: Vec<&&str> = ALLOWED
        .iter()
        .filter(|w| !quoted_words.contains(**w))
        .collect();
    assert!(
        unused.is_empty(),
        "allowed but in no Chinese text: {unused:?}"
    );

    let mut english: BTreeSet<String> = BTreeSet::new();
    let mut punctuation: Vec<String> = Vec::new();
    // Longest first, so a text that holds a shorter one is replaced whole.
    let mut quoted: Vec<String> = rendered.quoted.iter().cloned().collect();
    quoted.sort_by_key(|q| std::cmp::Reverse(q.len()));
    let mut other: Vec<String> = rendered.other_language.iter().cloned().collect();
    other.sort_by_key(|o| std::cmp::Reverse(o.len()));
    // Another language's words, shown beside the Chinese ones, are data, not the command's.
    let without_other = |text: &str| {
        let mut text = text.to_owned();
        for o in &other {
            let escaped = o.replace('*', "\\*").replace('_', "\\_");
            text = text.replace(&escaped, "").replace(o, "");
        }
        text
    };
    for (what, text) in &rendered.texts {
        for word in ascii_words(&without_other(text)) {
            if !ALLOWED.contains(&word) && !identifiers.contains(word) {
                english.insert(format!("{word:?} in {what}"));
            }
        }
        // The Chinese quotes first, so one that holds an English word stays whole.
        punctuation.extend(
            half_width_in_chinese(&without_other(&without_quotes(text, &quoted)))
                .into_iter()
                .map(|at| format!("{at:?} in {what}")),
        );
    }
    punctuation.sort();
    punctuation.dedup();
    assert!(
        english.is_empty() && punctuation.is_empty(),
        "English words:\n{}\n\nhalf-width punctuation in Chinese text:\n{}",
        english.into_iter().collect::<Vec<_>>().join("\n"),
        punctuation.join("\n")
    );
}
