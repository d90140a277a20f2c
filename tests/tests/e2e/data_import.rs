//! A new edition from the tidy CSV, as a user makes one: the real `llmarket` command exports the
//! built-in report from a real server as CSV, one stated value is changed,
//! `llmarket-server data import` writes the new edition, and a server with the built-in data and
//! the new edition answers forecast v2 with both (revisions, as-of reads). An unchanged export
//! imports to the base's stated values. (The command's refusals are in `server/tests/e2e/cli.rs`;
//! each CSV error at its line in `crates/forecast/src/import`.)
#![cfg(unix)]

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use llmarket_forecast::load::parse_dataset;
use llmarket_kit::data::DataFile;
use llmarket_proto::{
    google::r#type::Date,
    llmarket::forecast::v2::{
        self as pb, edition_selector::Selector, forecast_service_client::ForecastServiceClient,
    },
};
use llmarket_tests::process::{ServerProcess, cli_bin, server_bin};

const MARKET: &str = "datasets/cic-global-llm/series/market-size";
/// The row `llmarket report overview --format csv` writes for the stated 2029 market size.
const STATED_2029: &str = "market-size,value,,2029,206.5,206.45,206.55,false,usd_billion,exact,";
/// The same row with a value no publisher stated (test data, made up here).
const EDITED_2029: &str = "market-size,value,,2029,240.0,239.95,240.05,false,usd_billion,exact,";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("llmarket-import-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// The built-in report's directory in the repository.
fn builtin_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/data/cic-global-llm-2026")
}

/// A server of both services on the built-in data and `data` directories.
fn serve(data: &[&Path]) -> ServerProcess {
    let mut args = vec![
        "all",
        "--forecast-listen",
        "127.0.0.1:0",
        "--taxonomy-listen",
        "127.0.0.1:0",
        "--data-watch",
        "off",
    ];
    for dir in data {
        args.extend(["--data", dir.to_str().expect("UTF-8 path")]);
    }
    ServerProcess::start(&args, 2)
}

/// `llmarket --format csv ARGS` against `server`, its stdout.
fn export(server: &ServerProcess, args: &[&str]) -> String {
    let output = Command::new(cli_bin())
        .arg("--forecast")
        .arg(format!("http://{}", server.addr("forecast")))
        .arg("--taxonomy")
        .arg(format!("http://{}", server.addr("taxonomy")))
        .args(["--format", "csv"])
        .args(args)
        .output()
        .expect("run llmarket");
    assert!(
        output.status.success(),
        "llmarket {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// `llmarket-server data import FILES --base BASE --edition EDITION --out OUT`.
fn import(files: &[&Path], base: &Path, edition: &str, out: &Path) -> Output {
    Command::new(server_bin())
        .args(["data", "import"])
        .args(files)
        .arg("--base")
        .arg(base)
        .args(["--edition", edition])
        .arg("--out")
        .arg(out)
        .output()
        .expect("run llmarket-server data import")
}

/// Exports the market overview (the market size, its components and rates) and the cost outlook
/// (the inference cost) from a server on the built-in data into `dir`.
fn export_report(dir: &Path) -> (PathBuf, PathBuf) {
    let server = serve(&[]);
    let overview = dir.join("overview.csv");
    let cost = dir.join("cost.csv");
    std::fs::write(&overview, export(&server, &["report", "overview"])).unwrap();
    std::fs::write(&cost, export(&server, &["report", "cost"])).unwrap();
    (overview, cost)
}

fn as_of(year: i32, month: i32, day: i32) -> Option<pb::EditionSelector> {
    Some(pb::EditionSelector {
        selector: Some(Selector::AsOf(Date { year, month, day })),
    })
}

#[tokio::test]
async fn an_edited_export_imports_as_a_later_edition_that_revises_the_value() {
    let dir = temp_dir("edited");
    let (overview, cost) = export_report(&dir);
    let text = std::fs::read_to_string(&overview).unwrap();
    assert_eq!(text.matches(STATED_2029).count(), 1, "{text}");
    std::fs::write(&overview, text.replace(STATED_2029, EDITED_2029)).unwrap();
    let out = dir.join("cic-global-llm-2027");
    let output = import(
        &[&overview, &cost],
        &builtin_dir(),
        "cic-global-llm/2027@2027-06-30",
        &out,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("(1 changed from the base, 0 added, 0 removed)"),
        "{stderr}"
    );
    // The interpolated years, multiples, derived CAGRs, shares and projections: never stored.
    assert!(!stderr.contains("left out 0 derived"), "{stderr}");
    let stored = std::fs::read_to_string(out.join("forecast.toml")).unwrap();
    let stored = parse_dataset(&DataFile::owned("forecast.toml", stored), "x").unwrap();
    let years: Vec<i32> = stored
        .get("market-size")
        .unwrap()
        .observations
        .iter()
        .map(|o| o.year)
        .collect();
    assert_eq!(years, [2024, 2029], "only the stated years");
    assert!(out.join("taxonomy.toml").exists() && out.join("manifest.toml").exists());

    let server = serve(&[&out]);
    let channel =
        tonic::transport::Endpoint::from_shared(format!("http://{}", server.addr("forecast")))
            .unwrap()
            .connect()
            .await
            .unwrap();
    let mut client = ForecastServiceClient::new(channel);
    let revisions = client
        .list_series_revisions(pb::ListSeriesRevisionsRequest {
            name: MARKET.into(),
            year: Some(2029),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .revisions;
    let seen: Vec<(String, f64)> = revisions
        .iter()
        .map(|r| {
            let figure = r.observation.as_ref().unwrap().value.unwrap();
            (r.edition.clone(), figure.value)
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("datasets/cic-global-llm/editions/2026".to_owned(), 206.5),
            ("datasets/cic-global-llm/editions/2027".to_owned(), 240.0)
        ]
    );
    let value_2029 = |series: pb::Series| {
        let o = series.observations.iter().find(|o| o.year == 2029).unwrap();
        (o.value.unwrap().value, o.edition.clone())
    };
    let read = |edition| {
        let mut client = client.clone();
        async move {
            client
                .get_series(pb::GetSeriesRequest {
                    name: MARKET.into(),
                    edition,
                })
                .await
                .unwrap()
                .into_inner()
        }
    };
    assert_eq!(
        value_2029(read(None).await),
        (240.0, "datasets/cic-global-llm/editions/2027".to_owned())
    );
    // The day before the new edition was published, it is not seen.
    assert_eq!(
        value_2029(read(as_of(2027, 6, 29)).await),
        (206.5, "datasets/cic-global-llm/editions/2026".to_owned())
    );
    assert_eq!(value_2029(read(as_of(2027, 6, 30)).await).0, 240.0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_unchanged_export_imports_to_the_base_stated_values() {
    let dir = temp_dir("unchanged");
    let (overview, cost) = export_report(&dir);
    let out = dir.join("same");
    let output = import(
        &[&overview, &cost],
        &builtin_dir(),
        "cic-global-llm/2027@2027-06-30",
        &out,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("(0 changed from the base, 0 added, 0 removed)")
            && !stderr.contains("kept from the base"),
        "the two exports show every series and its rates: {stderr}"
    );
    let read = |dir: &Path| {
        let path = dir.join("forecast.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        parse_dataset(&DataFile::owned(path.display().to_string(), text), "x").unwrap()
    };
    let (base, new) = (read(&builtin_dir()), read(&out));
    assert_eq!(new.series().len(), base.series().len());
    for (n, b) in new.series().iter().zip(base.series()) {
        assert_eq!(n.observations, b.observations, "{}", b.id);
        assert_eq!(n.stated_rates, b.stated_rates, "{}", b.id);
    }
    // The taxonomy is the base's, byte for byte.
    assert_eq!(
        std::fs::read(out.join("taxonomy.toml")).unwrap(),
        std::fs::read(builtin_dir().join("taxonomy.toml")).unwrap()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
