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
    // bars with arrows. Circles: the one point and the legend's sample of a stated point (no
    // derived point is drawn as a point, so the legend has none).
    assert_eq!(svg.matches("<circle").count(), 1 + 1, "{svg}");
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

    // A command that never charts refuses --chart given after it.
    let path = dir.join("never.svg");
    let output = on(
        &servers,
        &["series", "list", "--chart", path.to_str().unwrap()],
    )
    .await;
    assert_eq!(output.status.code(), Some(64));
    assert!(!path.exists(), "no chart file");
    for args in [&["report", "segment", "trends/scale-and-moe"][..]] {
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
        assert!((1000..=2000).contains(&height), "{file}: {height}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The points of each `<polyline>` in `color` and 2 pixels wide (the lines drawn, not the axes).
fn polylines(svg: &str, color: &str) -> Vec<Vec<(f64, f64)>> {
    let wanted = format!("stroke=\"{color}\" stroke-width=\"2\"");
    svg.split("<polyline")
        .skip(1)
        .map(|rest| &rest[..rest.find("/>").unwrap_or(rest.len())])
        .filter(|element| element.contains(&wanted))
        .map(|element| {
            let points = element.split("points=\"").nth(1).unwrap_or_default();
            let points = &points[..points.find('"').unwrap_or(points.len())];
            points
                .split_whitespace()
                .map(|pair| {
                    let (x, y) = pair.split_once(',').expect("x,y");
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect()
        })
        .collect()
}

/// The centres of the filled `<circle>`s in `color` (the stated points), left to right.
fn stated_points(svg: &str, color: &str) -> Vec<(f64, f64)> {
    let fill = format!("fill=\"{color}\"");
    let attribute = |element: &str, name: &str| -> f64 {
        let value = element.split(&format!(" {name}=\"")).nth(1).unwrap();
        value[..value.find('"').unwrap()].parse().unwrap()
    };
    let mut points: Vec<(f64, f64)> = svg
        .split("<circle")
        .skip(1)
        .map(|rest| &rest[..rest.find("/>").unwrap_or(rest.len())])
        .filter(|element| element.contains(&fill))
        .map(|element| (attribute(element, "cx"), attribute(element, "cy")))
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    points
}

#[tokio::test]
async fn stated_values_years_apart_are_joined_by_the_path_of_constant_growth_or_not_at_all() {
    let servers = Servers::start().await;
    let dir = scratch("gap");
    // The report states 10.7 (2024) and 206.5 (2029) and an 80.7 % CAGR between: read off a
    // straight line, 2026 would be about 88; at constant growth it is about 35.
    let svg = chart(&servers, &dir, "gap.svg", &["series", "get", "market-size"]).await;
    let svg = String::from_utf8(svg).unwrap();
    let blue = "#1F77B4";
    let stated = stated_points(&svg, blue);
    let [(x0, y0), (x1, y1)] = stated[..] else {
        panic!("two stated points: {stated:?}");
    };
    // Pixels to (year, value): the axis is linear in both.
    let to_data = |(x, y): (f64, f64)| {
        let year = 2024.0 + (x - x0) / (x1 - x0) * 5.0;
        let value = 10.7 + (y - y0) / (y1 - y0) * (206.5 - 10.7);
        (year, value)
    };
    let drawn: Vec<(f64, f64)> = polylines(&svg, blue)
        .into_iter()
        .flatten()
        .filter(|&(x, _)| x >= x0 - 0.5)
        .map(to_data)
        .collect();
    assert!(
        drawn.len() > 4,
        "the path of constant growth is drawn: {svg}"
    );
    for (year, value) in drawn {
        let constant = 10.7 * (206.5f64 / 10.7).powf((year - 2024.0) / 5.0);
        assert!(
            (value - constant).abs() <= 0.08 * constant + 2.0,
            "({year:.2}, {value:.1}) is off the path of constant growth ({constant:.1}): {svg}"
        );
    }
    // The legend lists what is drawn: stated points and the derived path, no derived points.
    assert!(svg.contains("stated in the report"), "{svg}");
    assert!(
        svg.contains("constant growth between the values (derived)"),
        "{svg}"
    );
    assert!(!svg.contains("derived by the service"), "{svg}");

    // With every year derived, the points are a year apart and joined as before.
    let svg = chart(
        &servers,
        &dir,
        "every-year.svg",
        &["series", "get", "market-size", "--interpolate"],
    )
    .await;
    let svg = String::from_utf8(svg).unwrap();
    assert!(svg.contains("derived by the service"), "{svg}");
    assert!(!svg.contains("constant growth between the values"), "{svg}");
    std::fs::remove_dir_all(&dir).ok();
}
