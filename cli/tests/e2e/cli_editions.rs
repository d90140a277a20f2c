//! End-to-end tests of contract v2 in `llmarket`: `editions`, `revisions` (every format and the
//! chart), `--edition` and `--as-of` on the reports, `watch` hearing a reload, and their error
//! paths; against the real `llmarket-server` binary serving the built-in data and a copy of the
//! made-up test edition (tests/data/cic-global-llm-2027-test: 2029 market size 231.4, where the
//! built-in 2026 edition states 206.5).

use std::{
    io::{BufRead as _, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use llmarket_tests::process::{ServerProcess, server_bin};

use crate::common::{against, assert_fails, scratch, stderr, stdout, strict_json, succeeds_at};

/// The 2029 market size each edition states.
const STATED_2026: f64 = 206.5;
const STATED_2027: f64 = 231.4;

/// A server of the built-in data and a copy of the test edition (in `dir`, to change it).
struct Served {
    server: ServerProcess,
    dir: PathBuf,
    forecast: String,
    taxonomy: String,
}

/// Starts `llmarket-server all` on ephemeral ports with a copy of the test edition, reloaded
/// on SIGHUP only (no data watcher).
fn serve(name: &str) -> Served {
    let source =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/cic-global-llm-2027-test");
    let dir = scratch(&format!("editions-{name}")).join("cic-global-llm-2027-test");
    std::fs::create_dir_all(&dir).expect("create the edition's directory");
    for file in ["forecast.toml", "manifest.toml"] {
        std::fs::copy(source.join(file), dir.join(file)).expect("copy the test edition");
    }
    let server = ServerProcess::start(
        &[
            "--data",
            dir.to_str().expect("utf-8 path"),
            "--data-watch",
            "off",
            "all",
            "--forecast-listen",
            "127.0.0.1:0",
            "--taxonomy-listen",
            "127.0.0.1:0",
        ],
        2,
    );
    let forecast = format!("http://{}", server.addr("Forecast"));
    let taxonomy = format!("http://{}", server.addr("Taxonomy"));
    Served {
        server,
        dir,
        forecast,
        taxonomy,
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        // The scratch directory holding the edition's copy.
        if let Some(scratch) = self.dir.parent() {
            let _ = std::fs::remove_dir_all(scratch);
        }
    }
}

impl Served {
    /// `llmarket args…` against this server; asserts success, returns stdout.
    async fn succeeds(&self, args: &[&str]) -> String {
        succeeds_at(&self.forecast, &self.taxonomy, args).await
    }

    /// `llmarket args…` against this server.
    async fn run(&self, args: &[&str]) -> std::process::Output {
        against(&self.forecast, &self.taxonomy, args).await
    }
}

/// The records of a CSV text (RFC 4180: quoted fields may hold commas, quotes and newlines).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (c, _) => field.push(c),
        }
    }
    assert!(!quoted, "a quoted field is not closed");
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// The column `name` of `records` (the header first), by row.
fn column<'a>(records: &'a [Vec<String>], name: &str) -> Vec<&'a str> {
    let header = &records[0];
    let at = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    records[1..].iter().map(|r| r[at].as_str()).collect()
}

/// The 2029 value of market-size in the CSV of `series get market-size`, and its edition.
fn market_2029(csv: &str) -> (f64, String) {
    let records = csv_records(csv);
    let years = column(&records, "year");
    let values = column(&records, "value");
    let editions = column(&records, "edition");
    let at = years
        .iter()
        .position(|y| *y == "2029")
        .unwrap_or_else(|| panic!("no 2029 row in {csv}"));
    (
        values[at].parse().expect("a number"),
        editions[at].to_owned(),
    )
}

#[tokio::test]
async fn as_of_before_the_test_edition_never_shows_it_and_edition_2027_does() {
    let served = serve("as-of");
    let before = served
        .succeeds(&[
            "series",
            "get",
            "market-size",
            "--as-of",
            "2027-01-01",
            "--format",
            "csv",
        ])
        .await;
    assert_eq!(market_2029(&before), (STATED_2026, "2026".to_owned()));
    // The edition published on 2027-06-30 is seen from that day on.
    let on_the_day = served
        .succeeds(&[
            "series",
            "get",
            "market-size",
            "--as-of",
            "2027-06-30",
            "--format",
            "csv",
        ])
        .await;
    assert_eq!(market_2029(&on_the_day), (STATED_2027, "2027".to_owned()));
    let chosen = served
        .succeeds(&[
            "series",
            "get",
            "market-size",
            "--edition",
            "2027",
            "--format",
            "csv",
        ])
        .await;
    assert_eq!(market_2029(&chosen), (STATED_2027, "2027".to_owned()));
    // Every report follows the flags: the overview before the test edition has none of its
    // figures, with it its 2029 size and its citation.
    let overview = served
        .succeeds(&[
            "report",
            "overview",
            "--as-of",
            "2027-01-01",
            "--format",
            "json",
        ])
        .await;
    assert!(!overview.contains("231.4"), "{overview}");
    assert!(overview.contains("206.5"));
    let overview = served
        .succeeds(&[
            "report",
            "overview",
            "--edition",
            "2027",
            "--format",
            "markdown",
        ])
        .await;
    assert!(
        overview.contains("231.4") && !overview.contains("206.5"),
        "{overview}"
    );
    assert!(
        overview.contains("2027 edition"),
        "cited as the 2027 edition: {overview}"
    );
    // Before the subcommand, as a setting; a full edition name; a v1 id typed as the dataset.
    let full = served
        .succeeds(&[
            "--edition",
            "datasets/cic-global-llm/editions/2027",
            "series",
            "get",
            "market-size",
            "--format",
            "csv",
        ])
        .await;
    assert_eq!(market_2029(&full).0, STATED_2027);
    let v1 = served
        .succeeds(&[
            "--dataset",
            "cic-global-llm-2027-test",
            "series",
            "get",
            "market-size",
            "--format",
            "csv",
        ])
        .await;
    assert_eq!(
        market_2029(&v1).0,
        STATED_2027,
        "the v1 id pins its edition"
    );
    let v1_other = served
        .succeeds(&[
            "--dataset",
            "datasets/cic-global-llm-2027-test",
            "--edition",
            "2026",
            "series",
            "get",
            "market-size",
            "--format",
            "csv",
        ])
        .await;
    assert_eq!(
        market_2029(&v1_other).0,
        STATED_2026,
        "--edition wins over the v1 id"
    );
}

#[tokio::test]
async fn editions_lists_both_with_their_dates() {
    let served = serve("list");
    let json =
        strict_json(&served.succeeds(&["editions", "--format", "json"]).await).expect("valid JSON");
    assert_eq!(json["dataset"], "datasets/cic-global-llm");
    let editions = json["editions"].as_array().expect("editions");
    let ids: Vec<&str> = editions.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["2026", "2027"], "oldest first");
    assert_eq!(editions[1]["published"], "2027-06-30");
    assert!(
        editions
            .iter()
            .all(|e| e["content_version"].as_str().unwrap().len() == 16)
    );
    let table = served.succeeds(&["editions", "--format", "table"]).await;
    assert!(
        table.contains("made-up figures") && table.contains("2027-06-30"),
        "{table}"
    );
    let csv = csv_records(&served.succeeds(&["editions", "--format", "csv"]).await);
    assert_eq!(column(&csv, "edition"), ["2026", "2027"]);
    // A v1 id names the same dataset.
    let same = served
        .succeeds(&[
            "editions",
            "--dataset",
            "cic-global-llm-2026",
            "--format",
            "json",
        ])
        .await;
    assert_eq!(strict_json(&same).unwrap()["editions"], json["editions"]);
}

#[tokio::test]
async fn revisions_show_both_editions_with_intervals_in_json_csv_and_a_chart() {
    let served = serve("revisions");
    let json = served
        .succeeds(&[
            "revisions",
            "market-size",
            "--year",
            "2029",
            "--format",
            "json",
        ])
        .await;
    let json = strict_json(&json).expect("valid JSON");
    let revisions = json["revisions"].as_array().expect("revisions");
    assert_eq!(revisions.len(), 2, "{json:#}");
    for (revision, (id, stated)) in revisions
        .iter()
        .zip([("2026", STATED_2026), ("2027", STATED_2027)])
    {
        assert_eq!(revision["edition_id"], id);
        let value = &revision["value"];
        assert_eq!(value["year"], 2029);
        assert_eq!(value["value"].as_f64(), Some(stated));
        let (low, high) = (
            value["low"].as_f64().unwrap(),
            value["high"].as_f64().unwrap(),
        );
        assert!(low < stated && stated < high, "{value}");
        assert_eq!(value["provenance"], "reported");
    }
    let csv = served
        .succeeds(&[
            "revisions",
            "market-size",
            "--year",
            "2029",
            "--format",
            "csv",
        ])
        .await;
    let records = csv_records(&csv);
    assert_eq!(column(&records, "edition"), ["2026", "2027"]);
    assert_eq!(column(&records, "value"), ["206.5", "231.4"]);
    assert!(
        column(&records, "low")
            .iter()
            .all(|low| low.parse::<f64>().is_ok())
    );
    // Every year: 2024 and 2029 of each edition.
    let all = strict_json(
        &served
            .succeeds(&["revisions", "market-size", "--format", "json"])
            .await,
    )
    .unwrap();
    assert_eq!(all["revisions"].as_array().unwrap().len(), 4);
    // As of a day before the test edition: only the 2026 edition.
    let before = strict_json(
        &served
            .succeeds(&[
                "revisions",
                "market-size",
                "--as-of",
                "2027-01-01",
                "--format",
                "json",
            ])
            .await,
    )
    .unwrap();
    let editions: Vec<&str> = before["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["edition_id"].as_str().unwrap())
        .collect();
    assert_eq!(editions, ["2026", "2026"]);

    let dir = scratch("editions-chart");
    let path = dir.join("revisions.svg");
    served
        .succeeds(&[
            "revisions",
            "market-size",
            "--year",
            "2029",
            "--chart",
            path.to_str().unwrap(),
            "--format",
            "json",
        ])
        .await;
    let svg = std::fs::read_to_string(&path).expect("the chart");
    resvg::usvg::Tree::from_str(&svg, &resvg::usvg::Options::default()).expect("a valid SVG");
    for label in [
        "Edition 2026 (published 2026)",
        "Edition 2027 (published 2027-06-30)",
    ] {
        assert!(svg.contains(label), "{label} in the legend");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn an_unknown_edition_names_the_nearest_and_a_bad_date_is_a_usage_error() {
    let served = serve("errors");
    // Near an edition (the server names the nearest) or far from any (the command does).
    for unknown in ["2028", "2031"] {
        let output = served
            .run(&["series", "get", "market-size", "--edition", unknown])
            .await;
        let message = assert_fails(&output, 1);
        assert!(message.contains("NOT_FOUND"), "{message}");
        assert!(
            message.contains("nearest")
                && message.contains("datasets/cic-global-llm/editions/2027"),
            "{unknown}: {message}"
        );
    }
    let output = served
        .run(&["series", "get", "market-size", "--as-of", "2020-01-01"])
        .await;
    let message = assert_fails(&output, 1);
    assert!(
        message.contains("NOT_FOUND") && message.contains("2020-01-01"),
        "{message}"
    );
    for bad in ["2027-02-29", "2027-13-01", "tomorrow", "2027/01/01"] {
        let output = served.run(&["report", "overview", "--as-of", bad]).await;
        let message = assert_fails(&output, 64);
        assert!(message.contains("--as-of"), "{bad}: {message}");
    }
    let output = served
        .run(&[
            "series",
            "list",
            "--edition",
            "2027",
            "--as-of",
            "2027-01-01",
        ])
        .await;
    assert_fails(&output, 64);
    // After a command they do not apply to, refused rather than ignored.
    let output = served.run(&["editions", "--as-of", "2027-01-01"]).await;
    let message = assert_fails(&output, 64);
    assert!(
        message.contains("does not apply to `editions`"),
        "{message}"
    );
    let output = served.run(&["watch", "--format", "csv"]).await;
    assert_fails(&output, 64);
}

/// A running `llmarket watch` and the lines it prints.
struct Watcher {
    child: Option<Child>,
    lines: mpsc::Receiver<String>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Watcher {
    fn start(served: &Served) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_llmarket"));
        for (key, _) in std::env::vars() {
            if key.starts_with("LLMARKET_") {
                command.env_remove(key);
            }
        }
        let mut child = command
            .args(["--forecast", &served.forecast, "watch", "--format", "json"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start llmarket watch");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child: Some(child),
            lines,
        }
    }

    /// The process id.
    fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Waits for the command to exit; its status and what it printed after the lines read.
    fn finish(mut self) -> std::process::Output {
        let child = self.child.take().expect("running");
        child.wait_with_output().expect("wait")
    }

    /// The next event but a heartbeat.
    fn next_event(&self) -> serde_json::Value {
        loop {
            let event = self.next();
            if event["event"] != "heartbeat" {
                return event;
            }
        }
    }

    /// The next line within `wait`, parsed; none when nothing came.
    fn next_within(&self, wait: Duration) -> Option<serde_json::Value> {
        let line = self.lines.recv_timeout(wait).ok()?;
        Some(strict_json(&line).unwrap_or_else(|e| panic!("{line:?}: {e}")))
    }

    /// The next line, parsed: each must be one JSON object (JSON Lines).
    fn next(&self) -> serde_json::Value {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(30))
            .expect("an event within 30 s");
        let value = strict_json(&line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
        assert!(value.is_object(), "{line}");
        value
    }
}

/// Changes the test edition's 2029 market size to `value` and rewrites its manifest.
fn restate(dir: &Path, from: &str, to: &str) {
    let file = dir.join("forecast.toml");
    let text = std::fs::read_to_string(&file).expect("read");
    let changed = text.replacen(&format!("value = {from}"), &format!("value = {to}"), 1);
    assert_ne!(changed, text, "the edition states {from}");
    std::fs::write(&file, changed).expect("write");
    let status = Command::new(server_bin())
        .args(["data", "manifest"])
        .arg(dir)
        .args(["--edition", "cic-global-llm/2027@2027-06-30"])
        .stdout(Stdio::null())
        .status()
        .expect("run llmarket-server data manifest");
    assert!(status.success());
}

#[tokio::test]
async fn watch_prints_a_reload_as_json_lines_and_exits_0_on_sigterm() {
    let served = serve("watch");
    let watcher = Watcher::start(&served);
    let snapshot = watcher.next();
    assert_eq!(snapshot["event"], "snapshot", "{snapshot}");
    assert_eq!(
        snapshot["datasets"][0]["dataset"],
        "datasets/cic-global-llm"
    );
    restate(&served.dir, "231.4", "240.1");
    served.server.signal("HUP");
    let change = watcher.next_event();
    assert_eq!(change["event"], "change", "{change}");
    let names: Vec<&str> = change["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"datasets/cic-global-llm/series/market-size"),
        "{names:?}"
    );
    let status = Command::new("kill")
        .args(["-s", "TERM", &watcher.pid().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || watcher.finish())
        .await
        .expect("join");
    assert_eq!(exit.status.code(), Some(0), "{}", stderr(&exit));
    assert!(stdout(&exit).is_empty(), "every line was read before");
}

#[tokio::test]
async fn watch_resumes_after_the_server_goes_away() {
    let served = serve("resume");
    let watcher = Watcher::start(&served);
    assert_eq!(watcher.next()["event"], "snapshot");
    // The server stops: the stream ends and the watch says it will resume.
    let mut served = served;
    let forecast_addr = served.server.addr("Forecast");
    served.server.signal("TERM");
    served.server.wait();
    let dir = served.dir.clone();
    let interrupted = watcher.next_event();
    assert_eq!(interrupted["event"], "interrupted", "{interrupted}");
    assert!(interrupted["resume_from"].is_string(), "{interrupted}");
    // A server on the same address again: the watch reconnects by itself, resuming after the
    // last version (or from a snapshot when the new server does not know it), and hears the
    // next reload. Until the watch is back, a reload may pass unheard (the snapshot after it
    // says so): the data is changed again then.
    let restarted = ServerProcess::start(
        &[
            "--data",
            dir.to_str().unwrap(),
            "--data-watch",
            "off",
            "forecast",
            "--listen",
            &forecast_addr.to_string(),
        ],
        1,
    );
    let values = ["231.4", "240.1", "241.1", "242.1", "243.1", "244.1"];
    let mut heard = None;
    for pair in values.windows(2) {
        restate(&dir, pair[0], pair[1]);
        restarted.signal("HUP");
        while let Some(event) = watcher.next_within(Duration::from_secs(10)) {
            match event["event"].as_str() {
                Some("change") => {
                    heard = Some(event);
                    break;
                }
                Some("heartbeat" | "interrupted" | "snapshot") => {}
                _ => panic!("unexpected event {event}"),
            }
        }
        if heard.is_some() {
            break;
        }
    }
    let Some(change) = heard else {
        let exit = watcher.finish();
        panic!(
            "the watch heard no reload of the restarted server ({:?}): {}",
            exit.status,
            stderr(&exit)
        );
    };
    assert!(
        change["changes"].to_string().contains("series/market-size"),
        "{change}"
    );
}
