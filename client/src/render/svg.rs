//! A [`Chart`] as an SVG line chart (plotters, SVG backend only). Stated points are filled
//! circles labelled with the value as the report gives it, derived points hollow ones; an
//! interval is an error bar and a bound an arrow towards its open side (never a point); events
//! are diamonds on the first line; the source line sits under the chart. Text names a list of
//! CJK-capable fonts, so Chinese renders wherever one of them is installed.

use plotters::{
    backend::SVGBackend,
    coord::{
        Shift,
        ranged1d::{AsRangedCoord, ValueFormatter},
    },
    prelude::*,
    style::FontFamily,
};

use unicode_width::{UnicodeWidthChar as _, UnicodeWidthStr as _};

use crate::render::{Bound, Chart, ChartError, ChartPoint, growth_path};

const WIDTH: u32 = 900;
const HEIGHT: u32 = 560;
/// The strip under the chart holding the source line.
const FOOTER: u32 = 28;
/// The fonts of every text, CJK-capable ones first (Linux, macOS, Windows), then the generic.
pub const FONTS: &str =
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";
const COLORS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];
const EVENT_COLOR: RGBColor = RGBColor(230, 120, 0);
const GREY: RGBColor = RGBColor(110, 110, 110);
const EVENT_TEXT: RGBColor = RGBColor(150, 75, 0);
/// The widest event text listed under the chart, in terminal columns (longer ones end in "…").
const EVENT_LABEL_WIDTH: usize = 60;
/// The height of a row of the event list (and of a line of the notes).
const EVENT_ROW: u32 = 20;
/// The widest line of a note under the chart, in terminal columns.
const NOTE_WIDTH: usize = 118;
/// The length of a dash of the path of constant growth, and of the gap between two dashes.
const DASH: i32 = 8;
const DASH_GAP: i32 = 5;

/// A text style in [`FONTS`].
fn font(size: f64) -> TextStyle<'static> {
    TextStyle::from((FontFamily::Name(FONTS), size))
}

/// `chart` as an SVG document.
pub fn render(chart: &Chart) -> Result<String, ChartError> {
    let points: Vec<&ChartPoint> = chart
        .lines
        .iter()
        .flat_map(|l| &l.points)
        .filter(|p| p.value.is_finite())
        .collect();
    let (Some(first), Some(last)) = (
        points.iter().map(|p| p.year).min(),
        points.iter().map(|p| p.year).max(),
    ) else {
        return Err(ChartError::Empty);
    };
    // The events' years too, and a year of room on either side for markers and labels.
    let first = chart.events.iter().map(|e| e.year).fold(first, i32::min);
    let last = chart.events.iter().map(|e| e.year).fold(last, i32::max);
    let years = first - 1..last + 1;
    // The value axis holds every value and every known end of an interval.
    let values = points.iter().flat_map(|p| {
        let (low, high) = match p.bound {
            Bound::Value { low, high } => (low, high),
            Bound::AtMost | Bound::AtLeast => (None, None),
        };
        [Some(p.value), low, high].into_iter().flatten()
    });
    let (low, high) = values
        .filter(|v| v.is_finite() && (!chart.log_scale || *v > 0.0))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    // The events are listed under the chart, two to a row; then the notes, wrapped.
    let event_rows = u32::try_from(chart.events.len().div_ceil(2)).unwrap_or(u32::MAX / 2);
    let note_lines: Vec<String> = chart
        .notes
        .iter()
        .flat_map(|note| wrap(note, NOTE_WIDTH))
        .collect();
    let note_rows = u32::try_from(note_lines.len()).unwrap_or(u32::MAX / 4);
    let footer_height = FOOTER + EVENT_ROW * (event_rows + note_rows);
    let height = HEIGHT + EVENT_ROW * (event_rows + note_rows);
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let (plot, footer) = root.split_vertically(height - footer_height);
        let span = (first, last);
        if chart.log_scale {
            if let Some(bad) = points.iter().find(|p| p.value <= 0.0) {
                return Err(ChartError::NotPositive(bad.value));
            }
            draw(
                &plot,
                chart,
                years,
                span,
                (low / 4.0..high * 4.0).log_scale(),
            )?;
        } else {
            let bottom = if low >= 0.0 { 0.0 } else { low * 1.15 };
            let top = if high > 0.0 { high * 1.15 } else { 1.0 };
            draw(&plot, chart, years, span, bottom..top)?;
        }
        for (i, event) in chart.events.iter().enumerate() {
            let column = i32::try_from(i % 2).unwrap_or(0) * (WIDTH as i32 / 2);
            let row = i32::try_from(i / 2).unwrap_or(0) * EVENT_ROW as i32;
            let text = format!("{}  {}", i + 1, short(&event.label));
            footer
                .draw_text(&text, &font(13.0).color(&EVENT_TEXT), (20 + column, row))
                .map_err(drawing)?;
        }
        for (i, line) in note_lines.iter().enumerate() {
            let row =
                (EVENT_ROW * event_rows) as i32 + i32::try_from(i).unwrap_or(0) * EVENT_ROW as i32;
            footer
                .draw_text(line, &font(13.0).color(&BLACK), (20, row + 4))
                .map_err(drawing)?;
        }
        if !chart.source.is_empty() {
            let row = (EVENT_ROW * (event_rows + note_rows) + 4) as i32;
            footer
                .draw_text(&chart.source, &font(13.0).color(&GREY), (20, row))
                .map_err(drawing)?;
        }
        root.present().map_err(drawing)?;
    }
    Ok(out)
}

fn drawing(error: impl std::fmt::Display) -> ChartError {
    ChartError::Drawing(error.to_string())
}

/// Whether an interval from `low` to `high` is wide enough to see on the axis `top..bottom`
/// (one hundredth of it, measured in ratios on a logarithmic axis).
fn visible(chart: &Chart, (low, high): (f64, f64), (bottom, top): (f64, f64)) -> bool {
    if chart.log_scale {
        low > 0.0 && (high / low).ln() > (top / bottom).ln() / 100.0
    } else {
        high - low > (top - bottom) / 100.0
    }
}

fn draw<Y>(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    chart: &Chart,
    years: std::ops::Range<i32>,
    (first, last): (i32, i32),
    values: Y,
) -> Result<(), ChartError>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let mut context = ChartBuilder::on(root)
        .caption(&chart.title, font(22.0))
        .margin(20)
        .x_label_area_size(45)
        .y_label_area_size(80)
        .build_cartesian_2d(years.clone(), values)
        .map_err(drawing)?;
    let y_range = context.y_range();
    let axis = (y_range.start, y_range.end);
    let year_count = usize::try_from(years.end - years.start + 1).unwrap_or(2);
    // One tick style on both axes: the same font, and numbers without padding zeros.
    context
        .configure_mesh()
        .x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .label_style(font(14.0))
        .axis_desc_style(font(15.0))
        .x_labels(year_count.min(14))
        .x_label_formatter(&|year| {
            if (first..=last).contains(year) {
                year.to_string()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|value| tick(*value))
        .draw()
        .map_err(drawing)?;

    // Events, under the lines' markers: a diamond on the first line at their year (on the axis in a year the line has no
    // value), a thin rule down to the axis, and their numbers in the list under the chart.
    let mut years_marked: Vec<(i32, Vec<usize>)> = Vec::new();
    for (i, event) in chart.events.iter().enumerate() {
        match years_marked
            .iter_mut()
            .find(|(year, _)| *year == event.year)
        {
            Some((_, numbers)) => numbers.push(i + 1),
            None => years_marked.push((event.year, vec![i + 1])),
        }
    }
    for (year, numbers) in &years_marked {
        let value = chart
            .lines
            .first()
            .and_then(|l| l.points.iter().find(|p| p.year == *year))
            .map(|p| p.value)
            .filter(|v| v.is_finite())
            .unwrap_or(axis.0);
        let at = (*year, value);
        context
            .draw_series(std::iter::once(PathElement::new(
                vec![(*year, axis.0), at],
                EVENT_COLOR.mix(0.6).stroke_width(1),
            )))
            .map_err(drawing)?;
        let numbers: Vec<String> = numbers.iter().map(usize::to_string).collect();
        context
            .draw_series(std::iter::once(
                EmptyElement::at(at)
                    + diamond(EVENT_COLOR)
                    + Text::new(numbers.join(","), (11, 2), font(13.0).color(&EVENT_TEXT)),
            ))
            .map_err(drawing)?;
    }
    let (mut any_bar, mut any_bound) = (false, false);
    let (mut any_stated, mut any_derived, mut any_path) = (false, false, false);
    for (line, color) in chart.lines.iter().zip(COLORS.iter().cycle()) {
        let color = *color;
        let style = color.stroke_width(2);
        let points = || line.points.iter().filter(|p| p.value.is_finite());
        let finite: Vec<&ChartPoint> = points().collect();
        // Values of neighbouring years are joined by a straight line; values further apart
        // only by the path of constant growth, dashed and derived (or not at all): a straight
        // line across years would be read as values no one stated or derived.
        let mut runs: Vec<Vec<(i32, f64)>> = vec![Vec::new()];
        for (i, point) in finite.iter().enumerate() {
            if i > 0 && point.year - finite[i - 1].year > 1 {
                runs.push(Vec::new());
            }
            if let Some(run) = runs.last_mut() {
                run.push((point.year, point.value));
            }
        }
        let mut solid = false;
        for run in runs.into_iter().filter(|run| run.len() > 1) {
            solid = true;
            context
                .draw_series(LineSeries::new(run, style))
                .map_err(drawing)?;
        }
        let mut dashed = false;
        for pair in finite.windows(2) {
            if let Some(path) = growth_path(pair[0], pair[1]) {
                dashed = true;
                context
                    .draw_series(DashedLineSeries::new(path, DASH, DASH_GAP, style))
                    .map_err(drawing)?;
            }
        }
        any_path |= dashed;
        // The line's legend entry shows it as it is drawn.
        let entry = context
            .draw_series(std::iter::empty::<Circle<(i32, f64), i32>>())
            .map_err(drawing)?;
        entry.label(&line.label);
        if solid {
            entry.legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        } else if dashed {
            entry.legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (DASH, 0)], style)
                    + PathElement::new(vec![(DASH + DASH_GAP, 0), (20, 0)], style)
            });
        } else {
            entry.legend(move |(x, y)| Circle::new((x + 10, y), 5, color.filled()));
        }
        for point in points() {
            let at = (point.year, point.value);
            match point.bound {
                Bound::Value { low, high } => {
                    if let (Some(low), Some(high)) = (low, high)
                        && visible(chart, (low, high), axis)
                    {
                        any_bar = true;
                        let thin = color.stroke_width(1);
                        let cap = |y| {
                            EmptyElement::at((point.year, y))
                                + PathElement::new(vec![(-5, 0), (5, 0)], thin)
                        };
                        context
                            .draw_series([cap(low), cap(high)])
                            .map_err(drawing)?;
                        context
                            .draw_series(std::iter::once(PathElement::new(
                                vec![(point.year, low), (point.year, high)],
                                thin,
                            )))
                            .map_err(drawing)?;
                    }
                    // Filled when stated; hollow (white inside, a coloured ring) when derived.
                    any_derived |= point.derived;
                    any_stated |= !point.derived;
                    let marker = if point.derived {
                        vec![
                            Circle::new(at, 5, WHITE.filled()),
                            Circle::new(at, 5, style),
                        ]
                    } else {
                        vec![Circle::new(at, 5, color.filled())]
                    };
                    context.draw_series(marker).map_err(drawing)?;
                }
                Bound::AtMost | Bound::AtLeast => {
                    // A bar at the bound and an arrow towards its open side: not a point.
                    any_bound = true;
                    let sign = if point.bound == Bound::AtMost { 1 } else { -1 };
                    context
                        .draw_series(std::iter::once(
                            EmptyElement::at(at)
                                + PathElement::new(vec![(-7, 0), (7, 0)], style)
                                + PathElement::new(vec![(0, 0), (0, 26 * sign)], style)
                                + PathElement::new(
                                    vec![(-5, 19 * sign), (0, 26 * sign), (5, 19 * sign)],
                                    style,
                                ),
                        ))
                        .map_err(drawing)?;
                }
            }
            if let Some(label) = &point.label {
                context
                    .draw_series(std::iter::once(
                        EmptyElement::at(at)
                            + Text::new(label.clone(), (8, -22), font(13.0).color(&color)),
                    ))
                    .map_err(drawing)?;
            }
        }
    }
    // Legend entries for the marker kinds drawn.
    let mut entries: Vec<(&str, Marker)> = Vec::new();
    if any_stated {
        entries.push((&chart.markers.0, Marker::Stated));
    }
    if any_derived {
        entries.push((&chart.markers.1, Marker::Derived));
    }
    if any_path {
        entries.push((&chart.growth_path, Marker::Path));
    }
    if any_bar {
        entries.push((&chart.bounds.0, Marker::Interval));
    }
    if any_bound {
        entries.push((&chart.bounds.1, Marker::Bound));
    }
    if !years_marked.is_empty() {
        entries.push((&chart.event_label, Marker::Event));
    }
    for (label, kind) in entries {
        let entry = context
            .draw_series(std::iter::empty::<Circle<(i32, f64), i32>>())
            .map_err(drawing)?;
        entry.label(label);
        let black = BLACK.stroke_width(2);
        let thin = BLACK.stroke_width(1);
        match kind {
            Marker::Stated => entry.legend(|(x, y)| Circle::new((x + 10, y), 5, BLACK.filled())),
            Marker::Derived => entry.legend(move |(x, y)| Circle::new((x + 10, y), 5, black)),
            Marker::Path => entry.legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (DASH, 0)], black)
                    + PathElement::new(vec![(DASH + DASH_GAP, 0), (20, 0)], black)
            }),
            Marker::Interval => entry.legend(move |(x, y)| {
                EmptyElement::at((x + 10, y))
                    + PathElement::new(vec![(0, -8), (0, 8)], thin)
                    + PathElement::new(vec![(-5, -8), (5, -8)], thin)
                    + PathElement::new(vec![(-5, 8), (5, 8)], thin)
            }),
            Marker::Bound => entry.legend(move |(x, y)| {
                EmptyElement::at((x + 10, y - 7))
                    + PathElement::new(vec![(-7, 0), (7, 0)], black)
                    + PathElement::new(vec![(0, 0), (0, 14)], black)
                    + PathElement::new(vec![(-4, 9), (0, 14), (4, 9)], black)
            }),
            Marker::Event => {
                entry.legend(|(x, y)| EmptyElement::at((x + 10, y)) + diamond(EVENT_COLOR))
            }
        };
    }
    context
        .configure_series_labels()
        .position(legend_corner(chart))
        .label_font(font(14.0))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(drawing)?;
    Ok(())
}

/// A diamond around the origin of an element.
fn diamond(color: RGBColor) -> Polygon<(i32, i32)> {
    Polygon::new(vec![(0, -10), (8, 0), (0, 10), (-8, 0)], color.filled())
}

/// A kind of marker the legend explains.
#[derive(Debug, Clone, Copy)]
enum Marker {
    Stated,
    Derived,
    Path,
    Interval,
    Bound,
    Event,
}

/// `text` in lines of at most `columns` terminal columns (a CJK character is two), broken at
/// spaces where there are any, else between characters.
fn wrap(text: &str, columns: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut width = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if width + w > columns && c == ' ' {
            lines.push(std::mem::take(&mut line));
            width = 0;
            continue;
        }
        if width + w > columns {
            // Break at the line's last space, carrying the word begun after it.
            let carried = match line.rfind(' ') {
                Some(at) if at > 0 => {
                    let rest = line[at + 1..].to_owned();
                    line.truncate(at);
                    rest
                }
                _ => String::new(),
            };
            lines.push(std::mem::take(&mut line));
            width = carried.width();
            line = carried;
        }
        if line.is_empty() && c == ' ' {
            continue;
        }
        line.push(c);
        width += w;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` cut to [`EVENT_LABEL_WIDTH`] columns (a CJK character is two), ending in "…" when cut.
fn short(text: &str) -> String {
    if text.width() <= EVENT_LABEL_WIDTH {
        return text.to_owned();
    }
    let mut cut = String::new();
    let mut width = 0;
    for c in text.chars() {
        width += c.width().unwrap_or(0);
        if width >= EVENT_LABEL_WIDTH {
            break;
        }
        cut.push(c);
    }
    cut.push('…');
    cut
}

/// A tick's number: plain digits, as many decimals as its magnitude needs and no padding
/// zeros (0.000001, 0.5, 10, 150), the same style on every axis and scale.
fn tick(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return "0".to_owned();
    }
    let decimals = (2.0 - value.abs().log10().floor()).clamp(0.0, 12.0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// The legend goes in the upper corner the lines leave free: upper left for rising series,
/// upper right for falling ones.
fn legend_corner(chart: &Chart) -> SeriesLabelPosition {
    let falling = chart.lines.iter().any(|line| {
        matches!((line.points.first(), line.points.last()), (Some(a), Some(b)) if b.value < a.value)
    });
    if falling {
        SeriesLabelPosition::UpperRight
    } else {
        SeriesLabelPosition::UpperLeft
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{Event, Line};

    fn point(year: i32, value: f64, derived: bool, bound: Bound) -> ChartPoint {
        ChartPoint {
            year,
            value,
            derived,
            bound,
            label: (!derived).then(|| value.to_string()),
        }
    }

    fn chart(log_scale: bool, points: Vec<ChartPoint>) -> Chart {
        Chart {
            title: "Market size".to_owned(),
            x_label: "year".to_owned(),
            y_label: "USD billion".to_owned(),
            markers: ("stated".to_owned(), "derived".to_owned()),
            growth_path: "constant growth".to_owned(),
            bounds: ("interval".to_owned(), "bound".to_owned()),
            log_scale,
            lines: vec![Line {
                label: "market".to_owned(),
                points,
            }],
            events: Vec::new(),
            event_label: "milestone".to_owned(),
            notes: Vec::new(),
            source: "Source: a report".to_owned(),
        }
    }

    const NONE: Bound = Bound::Value {
        low: None,
        high: None,
    };

    #[test]
    fn stated_and_derived_points_are_drawn_differently() {
        let svg = render(&chart(
            false,
            vec![
                point(2024, 10.7, false, NONE),
                point(2025, 19.3, true, NONE),
                point(2029, 206.5, false, NONE),
            ],
        ))
        .unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("Source: a report") && svg.contains("Noto Sans CJK SC"));
        // Two stated discs, one derived ring over white, two legend samples.
        assert_eq!(svg.matches("<circle").count(), 2 + 2 + 2, "{svg}");
        assert!(
            svg.contains(">\n206.5\n<") || svg.contains("206.5"),
            "a label"
        );
        assert!(
            !svg.contains("interval") && !svg.contains("bound"),
            "no unused legend"
        );
    }

    #[test]
    fn values_years_apart_are_joined_only_by_the_dashed_path_of_constant_growth() {
        let stated = |year, value| point(year, value, false, NONE);
        let svg = render(&chart(false, vec![stated(2024, 10.7), stated(2029, 206.5)])).unwrap();
        // Dashes are two-point polylines; a straight line would be one 2024–2029 polyline.
        let blue = "stroke=\"#1F77B4\" stroke-width=\"2\"";
        let dashes = svg.matches(blue).count();
        assert!(dashes > 10, "{svg}");
        assert!(svg.contains("constant growth"), "legend: {svg}");
        assert!(
            !svg.contains(">\nderived\n<"),
            "no derived point drawn: {svg}"
        );
        // A bound at one end: no path, nothing between the two.
        let svg = render(&chart(
            false,
            vec![stated(2022, 20.0), point(2024, 0.1, false, Bound::AtMost)],
        ))
        .unwrap();
        assert!(!svg.contains("constant growth"), "{svg}");
        // Only the bound's arrow (three polylines); the line's legend sample is a disc.
        let lines = svg.matches(blue).count();
        assert_eq!(lines, 3, "{svg}");
    }

    #[test]
    fn an_interval_is_a_bar_and_a_bound_an_arrow_without_a_point() {
        let wide = Bound::Value {
            low: Some(5.0),
            high: Some(15.0),
        };
        let svg = render(&chart(
            false,
            vec![
                point(2024, 10.0, true, wide),
                point(2025, 8.0, false, Bound::AtMost),
            ],
        ))
        .unwrap();
        assert!(svg.contains("interval") && svg.contains("bound"), "{svg}");
        // The interval's point (ring and white), no point for the bound, the legend's sample
        // of a derived point (no stated point is drawn, so none of a stated one).
        assert_eq!(svg.matches("<circle").count(), 2 + 1, "{svg}");
    }

    #[test]
    fn one_point_gets_a_chart_with_its_year() {
        let svg = render(&chart(false, vec![point(2029, 55.0, false, NONE)])).unwrap();
        assert!(svg.contains("2029"));
        assert!(!svg.contains("2028") && !svg.contains("2030"), "{svg}");
    }

    #[test]
    fn events_are_numbered_on_the_line_and_listed_under_it() {
        let mut with_events = chart(false, vec![point(2024, 10.0, false, NONE)]);
        with_events.events = vec![
            Event {
                year: 2024,
                label: "2024 first".to_owned(),
            },
            Event {
                year: 2024,
                label: "2024 second, with a title far too long to fit in half the chart".to_owned(),
            },
        ];
        let svg = render(&with_events).unwrap();
        assert!(
            svg.contains("1  2024 first") && svg.contains("1,2"),
            "{svg}"
        );
        assert!(
            svg.contains("2  2024 second, with") && svg.contains("…\n"),
            "{svg}"
        );
        assert!(!svg.contains("the chart"), "cut: {svg}");
        assert!(svg.contains("milestone"));
    }

    #[test]
    fn notes_wrap_under_the_chart_at_spaces_or_between_chinese_characters() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(
            wrap("按基于模型的收入口径计", 8),
            ["按基于模", "型的收入", "口径计"]
        );
        assert_eq!(wrap("short", 118), ["short"]);
        let mut noted = chart(false, vec![point(2024, 10.0, false, NONE)]);
        noted.notes = vec!["Scope of market: deployment-based revenue is not included.".to_owned()];
        let svg = render(&noted).unwrap();
        assert!(
            svg.contains("deployment-based revenue is not included."),
            "{svg}"
        );
        assert!(svg.contains("height=\"580\""), "one row more: {svg}");
    }

    #[test]
    fn ticks_have_no_padding_zeros() {
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(50.0), "50");
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(tick(0.000001), "0.000001");
        assert_eq!(tick(150.0), "150");
    }

    #[test]
    fn a_log_chart_needs_positive_values_and_an_empty_chart_is_an_error() {
        let values = vec![
            point(2022, 20.0, false, NONE),
            point(2024, 0.1, false, Bound::AtMost),
        ];
        assert!(render(&chart(true, values.clone())).is_ok());
        let mut bad = values;
        bad.push(point(2025, 0.0, true, NONE));
        assert!(matches!(
            render(&chart(true, bad)),
            Err(ChartError::NotPositive(_))
        ));
        assert!(matches!(
            render(&chart(false, Vec::new())),
            Err(ChartError::Empty)
        ));
    }
}
