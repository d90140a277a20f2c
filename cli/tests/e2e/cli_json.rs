//! End-to-end tests that every JSON the `llmarket` command prints is strict JSON: one value,
//! no object with a key twice (readers disagree on which of two keys wins).

use llmarket_tests::Servers;

use crate::common::{assert_strict_json, strict_json, succeeds};

/// Every subcommand that prints a report, with arguments that give it something to print.
const COMMANDS: [&[&str]; 24] = [
    &["report", "overview"],
    &["report", "segment", "industry/maas"],
    &["report", "segment", "capability-levels/l3"],
    &["report", "timeline"],
    &["report", "cost"],
    &["series", "list"],
    &["series", "get", "market-size"],
    &["series", "get", "market-size", "--interpolate"],
    &["series", "get", "inference-cost", "--interpolate"],
    &["concepts", "list"],
    &["concepts", "list", "--tree"],
    &["concepts", "get", "industry/maas"],
    &["concepts", "search", "agent"],
    &["schemes"],
    &["levels"],
    &["milestones"],
    &["datasets"],
    &["series", "search", "market"],
    &[
        "series",
        "get",
        "market-size",
        "--transform",
        "yoy",
        "--interpolate",
    ],
    &["series", "get", "maas-market", "--transform", "share"],
    &["series", "get", "market-size", "--transform", "index"],
    &["series", "get", "market-size", "--project-to", "2032"],
    &["series", "compare", "--series", "market-size,maas-market"],
    &["series", "breakdown", "market-size"],
];

#[test]
fn the_strict_reader_refuses_a_key_twice() {
    assert!(strict_json(r#"{"a": [1, {"b": null}], "c": "d"}"#).is_ok());
    let error = strict_json(r#"{"a": 1, "b": {"c": 1, "c": 2}}"#).unwrap_err();
    assert!(error.contains("duplicate key \"c\""), "{error}");
    assert!(strict_json(r#"{"a": 1} {"a": 1}"#).is_err(), "one value");
}

#[tokio::test]
async fn every_json_output_has_each_key_once() {
    let servers = Servers::start().await;
    for command in COMMANDS {
        for lang in ["en", "zh"] {
            let mut args = command.to_vec();
            args.extend(["--format", "json", "--lang", lang]);
            let text = succeeds(&servers, &args).await;
            assert_strict_json(&format!("{args:?}"), &text);
        }
    }
}

#[tokio::test]
async fn every_concept_prints_strict_json() {
    // Each concept with a broader one once printed `"broader"` twice.
    let servers = Servers::start().await;
    let list = succeeds(&servers, &["concepts", "list", "--format", "json"]).await;
    let list = assert_strict_json("concepts list", &list);
    let concepts = list["concepts"].as_array().expect("a list of concepts");
    let mut with_broader = 0;
    for concept in concepts {
        let name = concept["name"].as_str().expect("a name");
        let text = succeeds(&servers, &["concepts", "get", name, "--format", "json"]).await;
        let detail = assert_strict_json(name, &text);
        if detail["broader"].as_array().is_some_and(|b| !b.is_empty()) {
            with_broader += 1;
            assert_eq!(detail["broader"], concept["broader"], "{name}");
        }
    }
    assert!(with_broader > 0, "some concept has a broader one");
}
