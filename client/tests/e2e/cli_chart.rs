//! End-to-end tests of `llmarket --chart` against servers started in this process: the source
//! line, labels and bounds, the timeline's milestones, one-point and empty charts, and PNG.

use llmarket_tests::Servers;

use crate::common::{on, scratch};

/// Runs `args` with `--chart dir/file` and returns the chart's bytes, asserting success; with
/// LLMARKET_KEEP_CHARTS set to a directory, also copies the chart there.
async fn chart(servers: &Servers, dir: &std::path::Path, file: &str, args: &[&str]) -> Vec<u8> {
    let path = dir.join(file);
    let mut all = args.to_vec();
    all.extend(["--chart", path.to_str().unwrap()]);
    let output = on(servers, &all).await;
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

/// The width and height a PNG's header states.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "a PNG signature: {:?}",
        &png[..png.len().min(8)]
    );
    assert_eq!(&png[12..16], b"IHDR");
    let number = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (number(16), number(20))
}

#[tokio::test]
async fn a_chart_names_its_source_labels_stated_points_and_asks_for_cjk_fonts() {
    let servers = Servers::start().await;
    let dir = scratch("source");
    let en =
        String::from_utf8(chart(&servers, &dir, "en.svg", &["report", "overview"]).await).unwrap();
    assert!(
        en.contains("Source: Global Large Model Industry Report, CIC"),
        "{en}"
    );
    assert!(en.contains("derived points by llmarket"));
    // The stated values as the report gives them, beside their points.
    assert!(en.contains(">10.7<") || en.contains("10.7\n"), "{en}");
    assert!(en.contains("206.5"));
    assert!(en.contains("Noto Sans CJK SC") && en.contains("Microsoft YaHei"));
    // One tick style: no padding zeros on the value axis.
    assert!(!en.contains(">50.0") && !en.contains("50.0\n"), "{en}");
    let zh = String::from_utf8(
        chart(
            &servers,
            &dir,
            "zh.svg",
            &["report", "overview", "--lang", "zh-Hans"],
        )
        .await,
    )
    .unwrap();
    assert!(zh.contains("来源：全球大模型行业报告，CIC"), "{zh}");
    assert!(zh.contains("推算点由 llmarket 计算"));
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn bounds_are_drawn_as_bounds_not_as_points() {
    let servers = Servers::start().await;
    let dir = scratch("bounds");
    let args = ["report", "segment", "drivers/cost-decline"];
    let svg = String::from_utf8(chart(&servers, &dir, "bounds.svg", &args).await).unwrap();
    // ≈20 (2022) is a point; below 0.1 (2024) and the interpolated at most ≈1.41 (2023) are
    // bars with arrows. Circles: the one point and the legend's two samples.
    assert_eq!(svg.matches("<circle").count(), 1 + 2, "{svg}");
    assert!(svg.contains("at most / at least (open side)"), "{svg}");
    assert!(svg.contains("≤0.1"), "the bound's label: {svg}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn the_timeline_chart_marks_the_milestones_on_the_market_curve() {
    let servers = Servers::start().await;
    let dir = scratch("timeline");
    let span = ["--from", "2024", "--to", "2029"];
    let mut overview_args = vec!["report", "overview"];
    overview_args.extend(span);
    let mut timeline_args = vec!["report", "timeline"];
    timeline_args.extend(span);
    let overview = chart(&servers, &dir, "overview.svg", &overview_args).await;
    let timeline = chart(&servers, &dir, "timeline.svg", &timeline_args).await;
    assert_ne!(overview, timeline);
    let timeline = String::from_utf8(timeline).unwrap();
    let milestones = on(&servers, &["milestones", "--format", "json"]).await;
    let milestones: serde_json::Value = serde_json::from_slice(&milestones.stdout).unwrap();
    let titles: Vec<&str> = milestones["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| {
            m["year"]
                .as_i64()
                .is_some_and(|y| (2024..=2029).contains(&y))
        })
        .map(|m| m["title"].as_str().unwrap())
        .collect();
    assert!(titles.len() >= 2, "{milestones}");
    for title in titles {
        let start: String = title.chars().take(20).collect();
        assert!(timeline.contains(&start), "{title} in {timeline}");
    }
    assert!(
        timeline.contains("milestone"),
        "the legend names the marker"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_one_point_segment_gets_a_chart_and_nothing_to_chart_is_a_warning() {
    let servers = Servers::start().await;
    let dir = scratch("one-point");
    // The MaaS market: one stated value (2029), shown with its year on the axis.
    let svg = chart(
        &servers,
        &dir,
        "maas.svg",
        &["report", "segment", "industry/maas"],
    )
    .await;
    let svg = String::from_utf8(svg).unwrap();
    assert!(svg.contains(">2029<") || svg.contains("2029\n"), "{svg}");
    assert!(svg.contains("55"), "{svg}");

    for args in [
        &["series", "list"][..],
        &["report", "segment", "trends/scale-and-moe"],
    ] {
        let path = dir.join("none.svg");
        let mut all = args.to_vec();
        all.extend(["--chart", path.to_str().unwrap(), "--format", "markdown"]);
        let output = on(&servers, &all).await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{all:?}: {stderr}");
        assert!(!output.stdout.is_empty(), "the report is printed");
        assert!(stderr.starts_with("llmarket: warning: --chart"), "{stderr}");
        assert!(!path.exists(), "no chart file");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_png_chart_is_a_png() {
    let servers = Servers::start().await;
    let dir = scratch("png");
    // LLMARKET_KEEP_CHARTS=DIR keeps them to look at.
    for (file, args) in [
        ("overview-en.png", &["report", "overview"][..]),
        ("overview-zh.png", &["report", "overview", "--lang", "zh"]),
        ("timeline-en.png", &["report", "timeline"]),
        ("timeline-zh.png", &["report", "timeline", "--lang", "zh"]),
        ("cost-zh.png", &["report", "cost", "--lang", "zh"]),
    ] {
        let png = chart(&servers, &dir, file, args).await;
        let (width, height) = png_size(&png);
        assert_eq!(width, 1800, "{file}");
        assert!((1000..=1600).contains(&height), "{file}: {height}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
