//! A name of the wrong kind, a dataset that does not exist, an option the command would ignore,
//! and identifiers in narrow tables: each answered with what to give instead.

use llmarket_tests::Servers;

use crate::common::{assert_fails, assert_strict_json, llmarket_with_env, on, succeeds};

#[tokio::test]
async fn a_series_given_to_report_segment_points_to_its_concept() {
    let servers = Servers::start().await;
    for given in [
        "market-size",
        "datasets/cic-global-llm-2026/series/market-size",
        "industry/market-size",
    ] {
        let output = on(&servers, &["report", "segment", given]).await;
        let message = assert_fails(&output, 64);
        assert!(
            message.contains("market-size is a series, not a concept")
                && message.contains("llmarket report segment industry/model-based-revenue"),
            "{given}: {message}"
        );
    }
    let output = on(&servers, &["report", "segment", "no-such-thing"]).await;
    let message = assert_fails(&output, 64);
    assert!(message.contains("neither a concept"), "{message}");
}

#[tokio::test]
async fn an_unknown_dataset_is_answered_with_the_datasets_there_are() {
    let servers = Servers::start().await;
    for command in [
        &["--dataset", "nope", "report", "overview"][..],
        &["--dataset", "nope", "series", "list"],
        &["--dataset", "nope", "series", "get", "market-size"],
    ] {
        let output = on(&servers, command).await;
        let message = assert_fails(&output, 64);
        assert!(
            message.contains("--dataset nope: no such dataset")
                && message.contains("cic-global-llm"),
            "{command:?}: {message}"
        );
        // No call's name: those are the services' business.
        for rpc in ["GetSeries", "ListSeries", "GetObservations", "NOT_FOUND"] {
            assert!(!message.contains(rpc), "{command:?}: {message}");
        }
    }
}

#[tokio::test]
async fn an_option_the_command_would_ignore_is_refused() {
    let servers = Servers::start().await;
    let url = servers.forecast.url();
    let cases: [(&[&str], &str); 5] = [
        (
            &[
                "report",
                "segment",
                "drivers/cost-decline",
                "--dataset",
                "x",
            ],
            "--dataset does not apply to `report segment`",
        ),
        (
            &["levels", "--forecast", &url],
            "--forecast does not apply to `levels`",
        ),
        (
            &["schemes", "--strict"],
            "--strict does not apply to `schemes`",
        ),
        (
            &["completions", "bash", "--lang", "zh"],
            "--lang does not apply to `completions`",
        ),
        (
            &["completions", "bash", "--format", "json"],
            "--format does not apply to `completions`",
        ),
    ];
    for (args, expected) in cases {
        let output = llmarket_with_env(args, &[]).await;
        let message = assert_fails(&output, 64);
        assert!(message.contains(expected), "{args:?}: {message}");
    }
    // Before the command, an option is a setting for any command (as in an alias), and so is
    // a variable.
    succeeds(&servers, &["--strict", "schemes"]).await;
    let output = llmarket_with_env(
        &["--taxonomy", &servers.taxonomy.url(), "levels"],
        &[("LLMARKET_FORECAST_URL", "http://127.0.0.1:1")],
    )
    .await;
    assert_eq!(output.status.code(), Some(0));
}

#[tokio::test]
async fn identifiers_are_broken_only_between_their_words_in_a_narrow_table() {
    let servers = Servers::start().await;
    let output = llmarket_with_env(
        &[
            "--forecast",
            &servers.forecast.url(),
            "--taxonomy",
            &servers.taxonomy.url(),
            "--format",
            "table",
            "concepts",
            "list",
            "--scheme",
            "industry",
        ],
        &[("COLUMNS", "60")],
    )
    .await;
    assert_eq!(output.status.code(), Some(0));
    let table = String::from_utf8_lossy(&output.stdout).into_owned();
    for id in [
        "industry/large-model-industry",
        "industry/large-model-companies",
        "industry/deployment-based-revenue",
        "industry/ai-native-applications",
    ] {
        // Each piece of the name in the table ends (or the next begins) at a `/` or hyphen.
        let pieces: Vec<&str> = table
            .split_whitespace()
            .filter(|word| word.len() < id.len())
            .filter(|word| {
                (id.starts_with(word) && word.contains('/'))
                    || (id.ends_with(word) && word.contains('-'))
            })
            .collect();
        for piece in pieces {
            let whole_start = id.starts_with(piece) && piece.ends_with(['/', '-']);
            let whole_end =
                id.ends_with(piece) && id[..id.len() - piece.len()].ends_with(['/', '-']);
            assert!(
                whole_start || whole_end,
                "{id} broken inside a word ({piece:?}):\n{table}"
            );
        }
        assert!(table.contains(&id[..9]), "{id} in:\n{table}");
    }
}

#[tokio::test]
async fn json_warnings_say_which_service_answers_at_the_wrong_port() {
    let servers = Servers::start().await;
    let f = servers.forecast.url();
    // The taxonomy URL pointing at the forecast service.
    let output = crate::common::against(&f, &f, &["report", "overview", "--format", "json"]).await;
    assert_eq!(output.status.code(), Some(0));
    let json = assert_strict_json("report overview", &crate::common::stdout(&output));
    let warnings = json["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 4, "{warnings:?}");
    for warning in warnings {
        let reason = warning["reason"].as_str().unwrap_or_default();
        assert!(
            reason.contains(&format!(
                "{f} serves the forecast service, not the taxonomy service"
            )),
            "{reason}"
        );
        assert!(!reason.trim_end().ends_with("UNIMPLEMENTED:"), "{reason}");
    }
}

#[tokio::test]
async fn completions_offer_tags_and_the_datas_names_and_only_options_that_apply() {
    let servers = Servers::start().await;
    let script = succeeds(&servers, &["completions", "bash"]).await;
    // `--lang` completes tags, `--from` nothing, never file names.
    let after = |option: &str| {
        let at = script
            .find(&format!("                {option})"))
            .unwrap_or_else(|| panic!("{option} in the script"));
        script[at..]
            .lines()
            .nth(1)
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    assert_eq!(
        after("--lang"),
        r#"COMPREPLY=($(compgen -W "en en-US zh zh-Hans zh-CN" -- "${cur}"))"#
    );
    assert_eq!(after("--from"), r#"COMPREPLY=("${cur}")"#);
    assert!(after("--dataset").contains("cic-global-llm"));
    // Each subcommand offers only its options; `completions` only --output.
    let opts = |command: &str| {
        let at = script
            .find(&format!("        llmarket__subcmd__{command})"))
            .unwrap_or_else(|| panic!("{command} in the script"));
        script[at..]
            .lines()
            .nth(1)
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let completions = opts("completions");
    assert!(completions.contains("--output"), "{completions}");
    for absent in ["--lang", "--format", "--forecast", "--strict", "--chart"] {
        assert!(!completions.contains(absent), "{absent}: {completions}");
    }
    let get = opts("series__subcmd__get");
    assert!(
        !get.contains("--taxonomy") && !get.contains("--strict"),
        "{get}"
    );
    // Every series and concept the built-in data has is offered where one is asked for.
    for series in [
        "market-size",
        "inference-cost",
        "application-market",
        "maas-market",
    ] {
        assert!(get.contains(series), "{series}: {get}");
    }
    let concepts = rows_of_csv(&succeeds(&servers, &["concepts", "list", "--format", "csv"]).await);
    let segment = opts("report__subcmd__segment");
    let offered = script
        .lines()
        .skip_while(|line| !line.contains("llmarket__subcmd__report__subcmd__segment)"))
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    assert_eq!(offered.trim(), segment);
    let mut served = 0;
    for concept in &concepts {
        let short = concept
            .trim_start_matches("datasets/cic-global-llm/schemes/")
            .replacen("/concepts/", "/", 1);
        assert!(
            segment
                .split_whitespace()
                .any(|word| word.trim_matches('"') == short),
            "{short} offered to report segment"
        );
        served += 1;
    }
    let listed = segment
        .split_whitespace()
        .filter(|w| !w.starts_with('-') && w.contains('/'));
    assert_eq!(listed.count(), served, "no name the data does not have");
    // The help of `completions` lists only what applies.
    let help = succeeds(&servers, &["completions", "--help"]).await;
    assert!(
        help.contains("--output") && !help.contains("--lang"),
        "{help}"
    );
}

/// The distinct `concept` column of a concepts CSV.
fn rows_of_csv(csv: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in csv.lines().skip(1) {
        let name = line.split(',').next().unwrap_or_default().to_owned();
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}
