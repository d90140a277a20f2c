//! A [`Chart`] as an SVG line chart (plotters, SVG backend only). Stated points are filled
//! circles, derived points hollow ones, so what the report says and what was computed stay apart.

use plotters::{
    backend::SVGBackend,
    coord::{
        Shift,
        ranged1d::{AsRangedCoord, ValueFormatter},
    },
    prelude::*,
};

use crate::render::{Chart, ChartError, format::number};

const WIDTH: u32 = 900;
const HEIGHT: u32 = 520;
const COLORS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];

/// `chart` as an SVG document.
pub fn render(chart: &Chart) -> Result<String, ChartError> {
    let points: Vec<(i32, f64, bool)> = chart
        .lines
        .iter()
        .flat_map(|l| l.points.iter().copied())
        .filter(|(_, v, _)| v.is_finite())
        .collect();
    let (Some(first), Some(last)) = (
        points.iter().map(|p| p.0).min(),
        points.iter().map(|p| p.0).max(),
    ) else {
        return Err(ChartError::Empty);
    };
    let years = if first == last {
        first - 1..last + 1
    } else {
        first..last
    };
    let low = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let high = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        if chart.log_scale {
            if low <= 0.0 {
                return Err(ChartError::NotPositive(low));
            }
            draw(&root, chart, years, (low / 3.0..high * 3.0).log_scale())?;
        } else {
            let bottom = if low >= 0.0 { 0.0 } else { low * 1.1 };
            let top = if high > 0.0 { high * 1.1 } else { 1.0 };
            draw(&root, chart, years, bottom..top)?;
        }
        root.present().map_err(drawing)?;
    }
    Ok(out)
}

fn drawing(error: impl std::fmt::Display) -> ChartError {
    ChartError::Drawing(error.to_string())
}

fn draw<Y>(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    chart: &Chart,
    years: std::ops::Range<i32>,
    values: Y,
) -> Result<(), ChartError>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    root.fill(&WHITE).map_err(drawing)?;
    let mut context = ChartBuilder::on(root)
        .caption(&chart.title, ("sans-serif", 22))
        .margin(20)
        .x_label_area_size(45)
        .y_label_area_size(80)
        .build_cartesian_2d(years.clone(), values)
        .map_err(drawing)?;
    let year_count = usize::try_from(years.end - years.start + 1).unwrap_or(2);
    context
        .configure_mesh()
        .x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .x_labels(year_count.min(12))
        .x_label_formatter(&|year| year.to_string())
        .y_label_formatter(&|value| number(*value))
        .draw()
        .map_err(drawing)?;

    for (line, color) in chart.lines.iter().zip(COLORS.iter().cycle()) {
        let color = *color;
        let points = || line.points.iter().filter(|p| p.1.is_finite());
        context
            .draw_series(LineSeries::new(
                points().map(|p| (p.0, p.1)),
                color.stroke_width(2),
            ))
            .map_err(drawing)?
            .label(&line.label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        context
            .draw_series(
                points()
                    .filter(|p| !p.2)
                    .map(|p| Circle::new((p.0, p.1), 5, color.filled())),
            )
            .map_err(drawing)?;
        // Derived: a hollow circle (white inside, the line's colour around).
        context
            .draw_series(points().filter(|p| p.2).flat_map(|p| {
                [
                    Circle::new((p.0, p.1), 5, WHITE.filled()),
                    Circle::new((p.0, p.1), 5, color.stroke_width(2)),
                ]
            }))
            .map_err(drawing)?;
    }
    context
        .draw_series(std::iter::empty::<Circle<(i32, f64), i32>>())
        .map_err(drawing)?
        .label(&chart.markers.0)
        .legend(|(x, y)| Circle::new((x + 10, y), 5, BLACK.filled()));
    context
        .draw_series(std::iter::empty::<Circle<(i32, f64), i32>>())
        .map_err(drawing)?
        .label(&chart.markers.1)
        .legend(|(x, y)| Circle::new((x + 10, y), 5, BLACK.stroke_width(2)));
    context
        .configure_series_labels()
        .position(legend_corner(chart))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(drawing)?;
    Ok(())
}

/// The legend goes in the upper corner the lines leave free: upper left for rising series,
/// upper right for falling ones.
fn legend_corner(chart: &Chart) -> SeriesLabelPosition {
    let falling = chart.lines.iter().any(
        |line| matches!((line.points.first(), line.points.last()), (Some(a), Some(b)) if b.1 < a.1),
    );
    if falling {
        SeriesLabelPosition::UpperRight
    } else {
        SeriesLabelPosition::UpperLeft
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Line;

    fn chart(log_scale: bool) -> Chart {
        Chart {
            title: "Market size".to_owned(),
            x_label: "year".to_owned(),
            y_label: "USD billion".to_owned(),
            markers: (
                "stated in the report".to_owned(),
                "derived by the service".to_owned(),
            ),
            log_scale,
            lines: vec![Line {
                label: "market".to_owned(),
                points: vec![
                    (2024, 10.7, false),
                    (2025, 19.3, true),
                    (2029, 206.5, false),
                ],
            }],
        }
    }

    #[test]
    fn stated_and_derived_points_are_drawn_differently() {
        let svg = render(&chart(false)).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
        assert!(svg.contains("Market size"));
        assert!(svg.contains("derived by the service"));
        // Filled circles for stated points, white-filled ones for derived points.
        assert!(svg.matches("<circle").count() >= 2 + 2 + 2);
        assert!(svg.contains("fill=\"#FFFFFF\""), "no hollow marker");
    }

    #[test]
    fn a_log_chart_needs_positive_values() {
        assert!(render(&chart(true)).is_ok());
        let mut bad = chart(true);
        bad.lines[0].points.push((2030, 0.0, true));
        assert!(matches!(render(&bad), Err(ChartError::NotPositive(_))));
    }

    #[test]
    fn an_empty_chart_is_an_error() {
        let mut empty = chart(false);
        empty.lines.clear();
        assert!(matches!(render(&empty), Err(ChartError::Empty)));
    }
}
