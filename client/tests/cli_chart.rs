//! End-to-end tests of `llmarket --chart` against servers started in this process: the source
//! line, labels and bounds, the timeline's milestones, one-point and empty charts, and PNG.

use std::process::{Command, Output};

use llmarket_tests::Servers;

/// `llmarket --forecast F --taxonomy T args…` (nothing from the environment).
async fn llmarket(servers: &Servers, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_llmarket"));
    command
        .args(["--forecast", &servers.forecast.url()])
        .args(["--taxonomy", &servers.taxonomy.url()])
        .args(args);
    for variable in [
        "LLMARKET_FORECAST_URL",
        "LLMARKET_TAXONOMY_URL",
        "LLMARKET_DATASET",
    ] {
        command.env_remove(variable);
    }
    tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("run llmarket")
}

/// A fresh directory for this test's files.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("llmarket-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `args` with `--chart dir/file` and returns the chart's bytes, asserting success.
async fn chart(servers: &Servers, dir: &std::path::Path, file: &str, args: &[&str]) -> Vec<u8> {
    let path = dir.join(file);
    let mut all = args.to_vec();
    all.extend(["--chart", path.to_str().unwrap()]);
    let output = llmarket(servers, &all).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{all:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    if let Ok(keep) = std::env::var("LLMARKET_KEEP_CHARTS") {
        std::fs::copy(&path, std::path::Path::new(&keep).join(file)).unwrap();
    }
    std::fs::read(&path).expect("chart written")
}

#[tokio::test]
async fn look() {
    let servers = Servers::start().await;
    let dir = scratch("look");
    for lang in ["en", "zh"] {
        for (name, args) in [
            ("overview", &["report", "overview"][..]),
            ("timeline", &["report", "timeline"][..]),
            ("cost", &["report", "cost"][..]),
            (
                "segment",
                &["report", "segment", "drivers/cost-decline"][..],
            ),
        ] {
            let mut a = args.to_vec();
            a.extend(["--lang", lang]);
            chart(&servers, &dir, &format!("{name}-{lang}.svg"), &a).await;
            chart(&servers, &dir, &format!("{name}-{lang}.png"), &a).await;
        }
    }
}
