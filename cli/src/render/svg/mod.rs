//! A [`Chart`] as an SVG line chart (plotters, SVG backend only). Stated points are filled
//! circles labelled with the value as the report gives it, derived points hollow ones; an
//! interval is an error bar and a bound an arrow towards its open side (never a point; hollow
//! and labelled with `*` when derived); years past the report's horizon are shaded; events are
//! numbered marks on the time axis, listed in full under the chart; the source line sits under
//! the chart. Text names a list of CJK-capable fonts, so Chinese renders wherever one of them
//! is installed.

mod axis;
mod bars;
mod legend;
mod marks;
mod style;
mod text;

use plotters::{backend::SVGBackend, coord::Shift, prelude::*};

pub use self::marks::HORIZON_SHADE;
pub use self::text::FONTS;
use self::{
    axis::Scale,
    legend::legend,
    marks::{Context, DASH, DASH_GAP, Drawn, EVENT_COLOR, EVENT_TEXT, bound_paths, diamond},
    style::{COLORS, EVENT_ROW, FOOTER, GREY, HEIGHT, NOTE_WIDTH, WIDTH, drawing},
    text::{font, pixels, title_size, wrap},
};
use crate::render::{Bound, Chart, ChartError, ChartPoint, growth_path};

/// A line with more points than this gets a marker only every few years (and at its ends),
/// so a projection to 2200 stays readable.
const MAX_MARKERS: usize = 24;
/// The height of the time axis's area: its years, the row of event marks, its title.
const X_AREA: u32 = 45;
const X_AREA_EVENTS: u32 = 72;

/// `chart` as an SVG document.
pub fn render(chart: &Chart) -> Result<String, ChartError> {
    if !chart.bars.is_empty() {
        return bars::render(chart);
    }
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
    let scale = if chart.log_scale {
        Scale::Log
    } else {
        Scale::Linear
    };
    if scale == Scale::Log
        && let Some(bad) = points.iter().find(|p| p.value <= 0.0)
    {
        return Err(ChartError::NotPositive(bad.value));
    }
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
        .filter(|v| v.is_finite() && (scale == Scale::Linear || *v > 0.0))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let range = scale.range(low, high);
    // Under the chart: the events, one to a line and wrapped (never cut), then the notes.
    let event_lines: Vec<(Option<usize>, String)> = chart
        .events
        .iter()
        .enumerate()
        .flat_map(|(i, event)| {
            wrap(&format!("{}  {}", i + 1, event.label), NOTE_WIDTH)
                .into_iter()
                .enumerate()
                .map(move |(row, line)| ((row == 0).then_some(i), line))
        })
        .collect();
    let note_lines: Vec<String> = chart
        .notes
        .iter()
        .flat_map(|note| wrap(note, NOTE_WIDTH))
        .collect();
    let rows = u32::try_from(event_lines.len() + note_lines.len()).unwrap_or(u32::MAX / 64);
    let footer_height = FOOTER + EVENT_ROW * rows;
    let height = HEIGHT + EVENT_ROW * rows;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let (plot, footer) = root.split_vertically(height - footer_height);
        draw(&plot, chart, years, (first, last), scale, range)?;
        let mut row = 0i32;
        for (_, line) in &event_lines {
            footer
                .draw_text(line, &font(13.0).color(&EVENT_TEXT), (20, row))
                .map_err(drawing)?;
            row += EVENT_ROW as i32;
        }
        for line in &note_lines {
            footer
                .draw_text(line, &font(13.0).color(&BLACK), (20, row + 4))
                .map_err(drawing)?;
            row += EVENT_ROW as i32;
        }
        if !chart.source.is_empty() {
            footer
                .draw_text(&chart.source, &font(13.0).color(&GREY), (20, row + 4))
                .map_err(drawing)?;
        }
        root.present().map_err(drawing)?;
    }
    Ok(out)
}

/// Whether an interval from `low` to `high` (on the drawn axis) is wide enough to see on the
/// axis `bottom..top`: one hundredth of it.
fn visible((low, high): (f64, f64), (bottom, top): (f64, f64)) -> bool {
    high - low > (top - bottom) / 100.0
}

/// The value axis's title: the unit, and "(log scale)" when it is logarithmic.
fn y_title(chart: &Chart, scale: Scale) -> String {
    match scale {
        Scale::Log if !chart.log_word.is_empty() => {
            let chinese = !chart.log_word.is_ascii();
            if chinese {
                format!("{}（{}）", chart.y_label, chart.log_word)
            } else {
                format!("{} ({})", chart.y_label, chart.log_word)
            }
        }
        Scale::Log | Scale::Linear => chart.y_label.clone(),
    }
}

/// Which of `count` points of a line get a marker: all of a short line; of a long one every
/// few, its first, its last, and every stated point.
fn marked(count: usize, index: usize, point: &ChartPoint) -> bool {
    let step = count.div_ceil(MAX_MARKERS).max(1);
    // None crowding the last, which always has one.
    let spaced = index.is_multiple_of(step) && (step == 1 || index + step + step / 2 < count);
    !point.derived || spaced || index + 1 == count
}

fn draw(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    chart: &Chart,
    years: std::ops::Range<i32>,
    (first, last): (i32, i32),
    scale: Scale,
    range: std::ops::Range<f64>,
) -> Result<(), ChartError> {
    // The value axis's area fits its widest tick and its title beside it.
    let widest = [range.start, range.end, (range.start + range.end) / 2.0]
        .iter()
        .map(|y| match scale {
            Scale::Linear => pixels(&axis::tick(*y)) + 16,
            Scale::Log => pixels(&axis::power_of_ten(y.round() as i32)),
        })
        .max()
        .unwrap_or(40);
    let y_area = 40 + widest.max(32);
    let x_area = if chart.events.is_empty() {
        X_AREA
    } else {
        X_AREA_EVENTS
    };
    let mut context = ChartBuilder::on(root)
        .caption(&chart.title, font(title_size(&chart.title, WIDTH - 40)))
        .margin(20)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(years.clone(), range.clone())
        .map_err(drawing)?;
    let axis = (range.start, range.end);
    let year_count = usize::try_from(years.end - years.start + 1).unwrap_or(2);
    // One tick style on both axes: the same font, and numbers without padding zeros.
    context
        .configure_mesh()
        .x_desc(&chart.x_label)
        .y_desc(y_title(chart, scale))
        .label_style(font(14.0))
        .axis_desc_style(font(15.0))
        .x_labels(year_count.min(14))
        .y_labels(scale.ticks(&range))
        .x_label_formatter(&|year| {
            if (first..=last).contains(year) {
                year.to_string()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| scale.label(*y))
        .draw()
        .map_err(drawing)?;

    let past = shade_past_horizon(root, &mut context, chart, &years, axis)?;
    let years_marked = mark_events(root, &mut context, chart, axis)?;
    let mut drawn = Drawn {
        past,
        ..Drawn::default()
    };
    for (line, color) in chart.lines.iter().zip(COLORS.iter().cycle()) {
        draw_line(&mut context, line, *color, scale, axis, &mut drawn)?;
    }
    legend(&mut context, chart, &drawn, !years_marked.is_empty(), scale)
}

/// Shades the years past the report's horizon (after the last year before the first point
/// flagged past it) and names them at the top; whether there were any.
fn shade_past_horizon(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    context: &mut Context<'_>,
    chart: &Chart,
    years: &std::ops::Range<i32>,
    (bottom, top): (f64, f64),
) -> Result<bool, ChartError> {
    let Some(first_past) = chart
        .lines
        .iter()
        .flat_map(|l| &l.points)
        .filter(|p| p.past_horizon)
        .map(|p| p.year)
        .min()
    else {
        return Ok(false);
    };
    let (horizon_x, top_y) = context.backend_coord(&(first_past - 1, top));
    let (past_x, bottom_y) = context.backend_coord(&(first_past, bottom));
    let (end_x, _) = context.backend_coord(&(years.end, top));
    let left = (horizon_x + past_x) / 2;
    root.draw(&Rectangle::new(
        [(left, top_y), (end_x, bottom_y)],
        HORIZON_SHADE.mix(0.35).filled(),
    ))
    .map_err(drawing)?;
    root.draw(&PathElement::new(
        vec![(left, top_y), (left, bottom_y)],
        GREY.stroke_width(1),
    ))
    .map_err(drawing)?;
    root.draw(&Text::new(
        chart.past_horizon.clone(),
        (left + 6, top_y + 6),
        font(13.0).color(&GREY),
    ))
    .map_err(drawing)?;
    Ok(true)
}

/// Marks the events on the time axis: a numbered diamond in the row under the years (never a
/// value on the chart) and a faint rule up through the plot at their year. Returns the years
/// marked.
fn mark_events(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    context: &mut Context<'_>,
    chart: &Chart,
    (bottom, top): (f64, f64),
) -> Result<Vec<i32>, ChartError> {
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
        let (x, axis_y) = context.backend_coord(&(*year, bottom));
        let (_, top_y) = context.backend_coord(&(*year, top));
        root.draw(&PathElement::new(
            vec![(x, top_y), (x, axis_y)],
            EVENT_COLOR.mix(0.35).stroke_width(1),
        ))
        .map_err(drawing)?;
        let numbers: Vec<String> = numbers.iter().map(usize::to_string).collect();
        let at = (x, axis_y + 36);
        root.draw(&(EmptyElement::at(at) + diamond(EVENT_COLOR)))
            .map_err(drawing)?;
        root.draw(&Text::new(
            numbers.join(","),
            (at.0 + 10, at.1 - 7),
            font(13.0).color(&EVENT_TEXT),
        ))
        .map_err(drawing)?;
    }
    Ok(years_marked.into_iter().map(|(year, _)| year).collect())
}

/// Draws one line: joins, markers, bars, bounds and labels.
fn draw_line(
    context: &mut Context<'_>,
    line: &crate::render::Line,
    color: RGBColor,
    scale: Scale,
    axis: (f64, f64),
    drawn: &mut Drawn,
) -> Result<(), ChartError> {
    let style = color.stroke_width(2);
    let last_year = context.x_range().end;
    let finite: Vec<&ChartPoint> = line.points.iter().filter(|p| p.value.is_finite()).collect();
    let y = |value: f64| scale.y(value);
    // Values of neighbouring years are joined by a straight line; values further apart
    // only by the path of constant growth, dashed and derived (or not at all): a straight
    // line across years would be read as values no one stated or derived.
    let mut runs: Vec<Vec<(i32, f64)>> = vec![Vec::new()];
    for (i, point) in finite.iter().enumerate() {
        if i > 0 && point.year - finite[i - 1].year > 1 {
            runs.push(Vec::new());
        }
        if let Some(run) = runs.last_mut() {
            run.push((point.year, y(point.value)));
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
            let path: Vec<(i32, f64)> = path.into_iter().map(|(x, v)| (x, y(v))).collect();
            context
                .draw_series(DashedLineSeries::new(path, DASH, DASH_GAP, style))
                .map_err(drawing)?;
        }
    }
    drawn.path |= dashed;
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
    let count = finite.len();
    for (index, point) in finite.iter().enumerate() {
        if !marked(count, index, point) {
            continue;
        }
        let at = (point.year, y(point.value));
        match point.bound {
            Bound::Value { low, high } => {
                if let (Some(low), Some(high)) = (low, high)
                    && (scale == Scale::Linear || low > 0.0)
                    && visible((y(low), y(high)), axis)
                {
                    drawn.bar = true;
                    let thin = color.stroke_width(1);
                    let cap = |v| {
                        EmptyElement::at((point.year, v))
                            + PathElement::new(vec![(-5, 0), (5, 0)], thin)
                    };
                    context
                        .draw_series([cap(y(low)), cap(y(high))])
                        .map_err(drawing)?;
                    context
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(point.year, y(low)), (point.year, y(high))],
                            thin,
                        )))
                        .map_err(drawing)?;
                }
                // Filled when stated; hollow (white inside, a coloured ring) when derived.
                drawn.derived |= point.derived;
                drawn.stated |= !point.derived;
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
                // A bar at the bound and an arrow towards its open side: not a point. A
                // derived bound's bar is hollow (an outline) and its arrow thin.
                let sign = if point.bound == Bound::AtMost { 1 } else { -1 };
                if point.derived {
                    drawn.derived_bound = true;
                } else {
                    drawn.bound = true;
                }
                let [bar, stem, head] = bound_paths(color, sign, point.derived, 26);
                context
                    .draw_series(std::iter::once(EmptyElement::at(at) + bar + stem + head))
                    .map_err(drawing)?;
            }
        }
        if let Some(label) = &point.label {
            // A long line's derived labels only at its ends, so they do not overlap.
            let labelled = !point.derived || count <= 12 || index + 1 == count;
            if labelled {
                let label = &compact(label, point.value);
                // A label that would run past the plot's right edge goes to the point's left.
                // Text of size 13 takes about 7 pixels a column.
                let width = i32::try_from(pixels(label) * 7 / 8).unwrap_or(0);
                let room =
                    context.backend_coord(&(last_year, at.1)).0 - context.backend_coord(&at).0;
                let offset = if room < width + 8 {
                    (-(width + 8), -22)
                } else {
                    (8, -22)
                };
                context
                    .draw_series(std::iter::once(
                        EmptyElement::at(at)
                            + Text::new(label.clone(), offset, font(13.0).color(&color)),
                    ))
                    .map_err(drawing)?;
            }
        }
    }
    Ok(())
}

/// A point's label as drawn: as given, or, when its digits would not fit beside the point (a
/// projection's 10⁻¹⁷⁷ written out), its number as an axis tick between the same sign and marks.
fn compact(label: &str, value: f64) -> String {
    const WIDEST: usize = 18;
    if label.chars().count() <= WIDEST {
        return label.to_owned();
    }
    let numeric = |c: char| c.is_ascii_digit() || c == '.' || c == '-';
    let prefix: String = label.chars().take_while(|c| !numeric(*c)).collect();
    let suffix: String = {
        let mut tail: Vec<char> = label.chars().rev().take_while(|c| !numeric(*c)).collect();
        tail.reverse();
        tail.into_iter().collect()
    };
    format!("{prefix}{}{suffix}", axis::tick(value))
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
            past_horizon: false,
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
            derived_bound: "derived bound".to_owned(),
            past_horizon: "past the horizon".to_owned(),
            log_word: "log scale".to_owned(),
            log_scale,
            bars: Vec::new(),
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
    fn events_are_numbered_on_the_time_axis_and_listed_in_full_under_it() {
        let mut with_events = chart(false, vec![point(2024, 10.0, false, NONE)]);
        let long = "2024 second, with a title far too long to fit in one line of the list under \
                    the chart, so that it has to be wrapped onto a second line there";
        with_events.events = vec![
            Event {
                year: 2022,
                label: "2022 first".to_owned(),
            },
            Event {
                year: 2024,
                label: long.to_owned(),
            },
        ];
        let svg = render(&with_events).unwrap();
        assert!(svg.contains("1  2022 first"), "{svg}");
        assert!(svg.contains("2  2024 second, with"), "{svg}");
        assert!(svg.contains("second line there"), "not cut: {svg}");
        assert!(!svg.contains('…'), "{svg}");
        assert!(svg.contains("milestone"));
    }

    #[test]
    fn notes_are_wrapped_under_the_chart() {
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
    fn a_log_axis_labels_tiny_values_as_powers_of_ten_and_names_itself() {
        let values = vec![
            point(2024, 0.1, false, Bound::AtMost),
            point(2039, 1e-16, true, Bound::AtMost),
        ];
        let svg = render(&chart(true, values)).unwrap();
        assert!(svg.contains("10⁻¹³") || svg.contains("10⁻¹⁴"), "{svg}");
        assert!(svg.contains("USD billion (log scale)"), "{svg}");
        assert!(!svg.contains(">0<") && !svg.contains(">\n0\n<"), "{svg}");
    }

    #[test]
    fn years_past_the_horizon_are_shaded_and_named() {
        let mut past = point(2030, 12.0, true, NONE);
        past.past_horizon = true;
        let svg = render(&chart(false, vec![point(2029, 10.0, false, NONE), past])).unwrap();
        assert!(svg.contains("past the horizon"), "{svg}");
        assert!(svg.contains("fill=\"#C8C8C8\""), "{svg}");
        let svg = render(&chart(false, vec![point(2029, 10.0, false, NONE)])).unwrap();
        assert!(!svg.contains("past the horizon"), "{svg}");
    }

    #[test]
    fn a_derived_bound_is_hollow_and_stated_one_solid() {
        let mut derived = point(2023, 1.41, true, Bound::AtMost);
        derived.label = Some("≤1.41*".to_owned());
        let svg = render(&chart(false, vec![point(2022, 20.0, false, NONE), derived])).unwrap();
        assert!(
            svg.contains("derived bound") && svg.contains("≤1.41*"),
            "{svg}"
        );
        assert!(!svg.contains(">\nbound\n<"), "no stated bound drawn: {svg}");
    }

    #[test]
    fn a_long_label_is_drawn_with_a_power_of_ten() {
        let long = format!("≤0.{}1*†", "0".repeat(40));
        assert_eq!(compact(&long, 1e-41), "≤10⁻⁴¹*†");
        assert_eq!(compact("≤0.01*", 0.01), "≤0.01*");
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
