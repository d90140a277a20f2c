//! End-to-end checks of every chart the tests make for the defects of issue 23 item 7: each is
//! drawn as SVG (parsed here) and as PNG (a PNG of the SVG's size, twice over). Tick labels
//! never read "0" for a value that is not zero and stay clear of the axis title; years past
//! the report's horizon are shaded; milestones sit on the time axis, not at a value; milestone
//! titles are not cut; one log/linear rule; a derived bound carries its label.

use llmarket_tests::Servers;

use crate::common::{assert_fails, on, scratch};

/// One `<text>` of an SVG: where, its size and rotation, and what it says.
#[derive(Debug, Clone)]
struct Text {
    x: f64,
    y: f64,
    size: f64,
    anchor: String,
    rotated: bool,
    text: String,
}

/// The value of `name="…"` in `element`.
fn attribute<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let start = element.find(&format!(" {name}=\""))? + name.len() + 3;
    let rest = &element[start..];
    Some(&rest[..rest.find('"')?])
}

/// Every `<text>` of `svg`.
fn texts(svg: &str) -> Vec<Text> {
    svg.split("<text")
        .skip(1)
        .filter_map(|rest| {
            let (head, body) = rest.split_once('>')?;
            let body = &body[..body.find("</text>")?];
            Some(Text {
                x: attribute(head, "x")?.parse().ok()?,
                y: attribute(head, "y")?.parse().ok()?,
                size: attribute(head, "font-size")?.parse().ok()?,
                anchor: attribute(head, "text-anchor").unwrap_or("start").to_owned(),
                rotated: head.contains("rotate("),
                text: body.trim().to_owned(),
            })
        })
        .collect()
}

/// The tick labels of the value axis (right-aligned texts left of the plot).
fn y_ticks(svg: &str) -> Vec<Text> {
    texts(svg)
        .into_iter()
        .filter(|t| t.anchor == "end" && !t.rotated)
        .collect()
}

/// The points of every `<polygon>` filled with `color`.
fn polygons(svg: &str, color: &str) -> Vec<Vec<(f64, f64)>> {
    svg.split("<polygon")
        .skip(1)
        .map(|rest| &rest[..rest.find("/>").unwrap_or(rest.len())])
        .filter(|element| element.contains(&format!("fill=\"{color}\"")))
        .map(|element| {
            attribute(element, "points")
                .unwrap_or_default()
                .split_whitespace()
                .filter_map(|pair| {
                    let (x, y) = pair.split_once(',')?;
                    Some((x.parse().ok()?, y.parse().ok()?))
                })
                .collect()
        })
        .collect()
}

/// The shaded rectangles (years past the horizon) of `svg` wider than a legend sample, as
/// (x, width).
fn shades(svg: &str) -> Vec<(f64, f64)> {
    svg.split("<rect")
        .skip(1)
        .map(|rest| &rest[..rest.find("/>").unwrap_or(rest.len())])
        .filter(|element| element.contains("fill=\"#C8C8C8\""))
        .filter_map(|element| {
            let x: f64 = attribute(element, "x")?.parse().ok()?;
            let width: f64 = attribute(element, "width")?.parse().ok()?;
            (width > 20.0).then_some((x, width))
        })
        .collect()
}

/// Draws `args`' chart as SVG and as PNG into `dir`, checks the PNG, and returns the SVG.
async fn both(servers: &Servers, dir: &std::path::Path, name: &str, args: &[&str]) -> String {
    let mut svg = String::new();
    for ext in ["svg", "png"] {
        let path = dir.join(format!("{name}.{ext}"));
        let mut all = args.to_vec();
        all.extend(["--chart", path.to_str().unwrap(), "--format", "json"]);
        let output = on(servers, &all).await;
        assert_eq!(
            output.status.code(),
            Some(0),
            "{all:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        if let Ok(keep) = std::env::var("LLMARKET_KEEP_CHARTS") {
            let file = format!("check-{name}.{ext}");
            std::fs::copy(&path, std::path::Path::new(&keep).join(file)).unwrap();
        }
        let bytes = std::fs::read(&path).expect("chart written");
        if ext == "svg" {
            svg = String::from_utf8(bytes).unwrap();
        } else {
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{name}: a PNG");
            let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
            assert_eq!(width, 1800, "{name}: twice the SVG's width");
        }
    }
    svg
}

/// The checks every chart passes: no tick reads "0" unless the axis is linear and starts at 0,
/// every tick of a log axis is a power of ten, ticks clear of the axis title, no "…".
fn assert_sound(name: &str, svg: &str) {
    let log = svg.contains("(log scale)") || svg.contains("（对数刻度）");
    let ticks = y_ticks(svg);
    assert!(ticks.len() >= 2, "{name}: value ticks: {ticks:?}");
    for tick in &ticks {
        if log {
            let power = tick.text.starts_with("10")
                && tick.text[2..].chars().all(|c| "⁻⁰¹²³⁴⁵⁶⁷⁸⁹".contains(c));
            let plain = [
                "0.0001", "0.001", "0.01", "0.1", "1", "10", "100", "1000", "10000",
            ]
            .contains(&tick.text.as_str());
            assert!(power || plain, "{name}: log tick {:?}", tick.text);
        }
        assert!(
            tick.text != "0" || (!log && tick.y == ticks.iter().map(|t| t.y).fold(0.0, f64::max)),
            "{name}: a tick reads 0 above the axis's foot: {ticks:?}"
        );
    }
    // The axis title (rotated, left of the ticks) ends before the widest tick begins.
    let title = texts(svg)
        .into_iter()
        .find(|t| t.rotated)
        .expect("an axis title");
    let leftmost = ticks
        .iter()
        .map(|t| t.x - 0.62 * t.size * t.text.chars().count() as f64)
        .fold(f64::INFINITY, f64::min);
    assert!(
        title.x + title.size / 2.0 < leftmost,
        "{name}: the axis title at {} runs into ticks from {leftmost}",
        title.x
    );
    assert!(!svg.contains('…'), "{name}: a text is cut");
    assert_no_distant_join(name, svg);
}

/// The pixels a year spans on the time axis, from its year labels (none on a bar chart).
fn year_width(svg: &str) -> Option<f64> {
    let labelled: Vec<(f64, f64)> = texts(svg)
        .into_iter()
        .filter(|t| t.anchor == "middle")
        .filter_map(|t| Some((t.text.parse::<f64>().ok()?, t.x)))
        .filter(|(year, _)| (2000.0..2300.0).contains(year))
        .collect();
    let [(y0, x0), .., (y1, x1)] = labelled[..] else {
        return None;
    };
    Some((x1 - x0) / (y1 - y0))
}

/// No line of the chart (2 pixels wide, in a line's colour) joins points more than a year
/// apart with one straight segment: values years apart are joined only by the dashed path
/// of constant growth, whose dashes are short. Horizontal strokes up to 20 pixels are the
/// legend's samples and the bounds' bars.
fn assert_no_distant_join(name: &str, svg: &str) {
    let Some(year) = year_width(svg) else {
        return;
    };
    let allowed = (year * 1.5).max(8.0);
    for color in ["#1F77B4", "#D62728", "#2CA02C", "#9467BD"] {
        let wanted = format!("stroke=\"{color}\" stroke-width=\"2\"");
        for element in svg.split("<polyline").skip(1) {
            let element = &element[..element.find("/>").unwrap_or(element.len())];
            if !element.contains(&wanted) {
                continue;
            }
            let points: Vec<(f64, f64)> = attribute(element, "points")
                .unwrap_or_default()
                .split_whitespace()
                .filter_map(|pair| {
                    let (x, y) = pair.split_once(',')?;
                    Some((x.parse().ok()?, y.parse().ok()?))
                })
                .collect();
            for pair in points.windows(2) {
                let (dx, dy) = ((pair[1].0 - pair[0].0).abs(), (pair[1].1 - pair[0].1).abs());
                let sample = dy == 0.0 && dx <= 20.0;
                assert!(
                    dx <= allowed || sample,
                    "{name}: a straight {color} line spans {dx} pixels, more than a year \
                     ({year:.1}): {pair:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn every_chart_is_free_of_the_known_defects_as_svg_and_png() {
    let servers = Servers::start().await;
    let dir = scratch("check");
    let charts: [(&str, &[&str]); 16] = [
        ("overview", &["report", "overview"]),
        ("overview-zh", &["report", "overview", "--lang", "zh"]),
        ("timeline", &["report", "timeline"]),
        ("timeline-zh", &["report", "timeline", "--lang", "zh"]),
        ("cost", &["report", "cost"]),
        ("cost-2035", &["report", "cost", "--to", "2035"]),
        ("cost-2200", &["report", "cost", "--to", "2200"]),
        ("cost-zh", &["report", "cost", "--lang", "zh"]),
        (
            "segment-cost",
            &["report", "segment", "drivers/cost-decline"],
        ),
        ("series-cost", &["series", "get", "inference-cost"]),
        ("series-market", &["series", "get", "market-size"]),
        (
            "series-projection",
            &["series", "get", "market-size", "--project-to", "2032"],
        ),
        (
            "series-yoy",
            &[
                "series",
                "get",
                "market-size",
                "--transform",
                "yoy",
                "--interpolate",
            ],
        ),
        ("breakdown", &["series", "breakdown", "market-size"]),
        (
            "breakdown-zh",
            &["series", "breakdown", "market-size", "--lang", "zh"],
        ),
        (
            "compare",
            &[
                "series",
                "compare",
                "--series",
                "market-size,maas-market,application-market",
            ],
        ),
    ];
    let mut drawn = std::collections::BTreeMap::new();
    for (name, args) in charts {
        let svg = both(&servers, &dir, name, args).await;
        assert_sound(name, &svg);
        drawn.insert(name, svg);
    }

    // One rule for the inference cost: logarithmic wherever it is drawn; the market linear.
    for name in ["cost", "cost-2200", "segment-cost", "series-cost"] {
        assert!(drawn[name].contains("(log scale)"), "{name}: log");
    }
    assert!(drawn["cost-zh"].contains("对数刻度"));
    for name in ["overview", "timeline", "series-market"] {
        assert!(!drawn[name].contains("log scale"), "{name}: linear");
    }

    // The cost chart's legend names the stated values' series apart from the marker key
    // "stated in the report" (it said only "stated", which read as a second key for the same).
    let legend: Vec<String> = texts(&drawn["cost"]).into_iter().map(|t| t.text).collect();
    assert!(
        legend.iter().any(|t| t == "values the report states")
            && legend.iter().any(|t| t == "stated in the report")
            && !legend.iter().any(|t| t == "stated"),
        "{legend:?}"
    );

    // The stated 2024 cost, where the projection starts, is labelled once.
    let base_labels = legend.iter().filter(|t| t.as_str() == "≤0.1").count();
    assert_eq!(base_labels, 1, "{legend:?}");

    // A year's growth is drawn in percent (about 81), as its table prints it, not as 0.81.
    let yoy = texts(&drawn["series-yoy"]);
    assert!(yoy.iter().any(|t| t.text == "percent"), "{yoy:?}");
    let top_tick = y_ticks(&drawn["series-yoy"])
        .iter()
        .filter_map(|t| t.text.parse::<f64>().ok())
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(top_tick >= 80.0, "ticks up to {top_tick}");

    // Years past the horizon (2029) are shaded, from between 2029 and 2030 on; none before.
    for name in ["cost-2035", "cost-2200", "series-projection"] {
        let svg = &drawn[name];
        let shade = shades(svg);
        assert_eq!(shade.len(), 1, "{name}: one shaded span: {shade:?}");
        assert!(svg.contains("horizon (†)"), "{name}");
        if name == "cost-2035" {
            // Where a year lies, from two of the axis's year labels.
            let labelled: Vec<(f64, f64)> = texts(svg)
                .into_iter()
                .filter(|t| t.anchor == "middle")
                .filter_map(|t| Some((t.text.parse::<f64>().ok()?, t.x)))
                .filter(|(year, _)| (2000.0..2300.0).contains(year))
                .collect();
            let [(y0, x0), .., (y1, x1)] = labelled[..] else {
                panic!("{name}: year labels: {labelled:?}");
            };
            let year = |label: &str| {
                let wanted: f64 = label.parse().unwrap();
                x0 + (wanted - y0) * (x1 - x0) / (y1 - y0)
            };
            let (x2029, x2030) = (year("2029"), year("2030"));
            assert!(
                x2029 < shade[0].0 && shade[0].0 < x2030,
                "{name}: shade from {} between 2029 ({x2029}) and 2030 ({x2030})",
                shade[0].0
            );
        }
    }
    for name in ["cost", "overview", "timeline", "segment-cost"] {
        assert!(shades(&drawn[name]).is_empty(), "{name}: nothing past 2029");
    }
    // A projection to 2200 stays readable: its derived labels at its ends only, no 177-digit
    // label, the ticks powers of ten.
    let long = texts(&drawn["cost-2200"]);
    assert!(
        long.iter().all(|t| t.text.chars().count() < 200),
        "{long:?}"
    );
    let starred = long.iter().filter(|t| t.text.contains('*')).count();
    assert!(starred <= 3, "labels of a long projection: {starred}");

    // Milestones are marked on the time axis, under the years, never at a value.
    for name in ["timeline", "timeline-zh"] {
        let svg = &drawn[name];
        let year_labels: Vec<f64> = texts(svg)
            .into_iter()
            .filter(|t| t.text == "2024" && t.anchor == "middle")
            .map(|t| t.y)
            .collect();
        let axis_years = year_labels.first().copied().expect("a year label");
        let marks = polygons(svg, "#E67800");
        assert!(marks.len() >= 3, "{name}: the milestone years are marked");
        // The legend's sample is drawn last; every other mark is under the years.
        for mark in &marks[..marks.len() - 1] {
            let top = mark.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
            assert!(top > axis_years, "{name}: a milestone at a value: {mark:?}");
        }
    }
    // Milestone titles in full.
    let milestones = on(&servers, &["milestones", "--format", "json"]).await;
    let milestones: serde_json::Value = serde_json::from_slice(&milestones.stdout).unwrap();
    let timeline_text: String = texts(&drawn["timeline"])
        .into_iter()
        .map(|t| t.text)
        .collect::<Vec<_>>()
        .join(" ");
    for m in milestones["milestones"].as_array().unwrap() {
        let title = m["title"].as_str().unwrap().replace('\'', "&apos;");
        let words: Vec<&str> = title.split_whitespace().collect();
        let last = words.last().copied().unwrap_or_default();
        assert!(
            timeline_text.contains(last),
            "{title}: its last word in the list"
        );
    }

    // The derived 2023 bound of the cost is labelled, marked derived, and drawn hollow.
    let segment = &drawn["segment-cost"];
    let labels: Vec<String> = texts(segment)
        .into_iter()
        .map(|t| t.text)
        .filter(|t| t.starts_with('≤'))
        .collect();
    assert!(
        labels.iter().any(|l| l.ends_with('*')),
        "a labelled derived bound: {labels:?}"
    );
    assert!(segment.contains("at most / at least, derived"), "{segment}");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn the_scale_can_be_forced_and_a_log_axis_needs_positive_values() {
    let servers = Servers::start().await;
    let dir = scratch("scale");
    let svg = both(
        &servers,
        &dir,
        "cost-linear",
        &["report", "cost", "--scale", "linear"],
    )
    .await;
    assert!(!svg.contains("log scale"));
    assert_sound("cost-linear", &svg);
    let svg = both(
        &servers,
        &dir,
        "market-log",
        &["series", "get", "market-size", "--scale", "log"],
    )
    .await;
    assert!(svg.contains("(log scale)"));
    assert_sound("market-log", &svg);
    // --scale without --chart, and a value the scale cannot take.
    let output = on(&servers, &["report", "cost", "--scale", "log"]).await;
    let line = assert_fails(&output, 64);
    assert!(line.contains("--chart"), "{line}");
    let output = on(&servers, &["report", "cost", "--scale", "sideways"]).await;
    assert_fails(&output, 64);
    std::fs::remove_dir_all(&dir).ok();
}
