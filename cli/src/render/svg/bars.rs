//! A [`Chart`] of bars (a breakdown: one bar per component, then the total in grey; a derived
//! value hollow), each
//! labelled with its value as the report gives it and its share (derived, `*`); the notes and
//! the source line under it, as under a line chart.

use plotters::{
    backend::SVGBackend,
    prelude::*,
    style::text_anchor::{HPos, Pos, VPos},
};

use super::{
    axis,
    style::{COLORS, EVENT_ROW, FOOTER, GREY, HEIGHT, NOTE_WIDTH, WIDTH, drawing},
    text::{font, title_size, wrap},
};
use crate::render::{Chart, ChartError};

/// `chart`'s bars as an SVG document.
pub(super) fn render(chart: &Chart) -> Result<String, ChartError> {
    let high = chart
        .bars
        .iter()
        .map(|b| b.value)
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    if high <= 0.0 {
        return Err(ChartError::Empty);
    }
    let note_lines: Vec<String> = chart
        .notes
        .iter()
        .flat_map(|note| wrap(note, NOTE_WIDTH))
        .collect();
    let rows = u32::try_from(note_lines.len()).unwrap_or(u32::MAX / 64);
    let height = HEIGHT + EVENT_ROW * rows;
    let count = chart.bars.len();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let (plot, footer) = root.split_vertically(height - FOOTER - EVENT_ROW * rows);
        let slots = count as f64;
        let mut context = ChartBuilder::on(&plot)
            .caption(&chart.title, font(title_size(&chart.title, WIDTH - 40)))
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..slots, 0.0..high * 1.2)
            .map_err(drawing)?;
        context
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_desc(&chart.y_label)
            .label_style(font(14.0))
            .axis_desc_style(font(15.0))
            .y_label_formatter(&|y| axis::tick(*y))
            .draw()
            .map_err(drawing)?;
        // Wide enough for the category under each bar, wrapped, in columns of about 7 pixels.
        let columns = usize::try_from((WIDTH - 150) / u32::try_from(count.max(1)).unwrap_or(1) / 7)
            .unwrap_or(20)
            .max(8);
        for (i, bar) in chart.bars.iter().enumerate() {
            let left = i as f64 + 0.2;
            let right = i as f64 + 0.8;
            let color = if bar.total {
                GREY
            } else {
                COLORS[i % COLORS.len()]
            };
            // Filled when stated; hollow (an outline) when derived.
            let style = if bar.derived {
                color.stroke_width(2)
            } else {
                color.filled()
            };
            context
                .draw_series(std::iter::once(Rectangle::new(
                    [(left, 0.0), (right, bar.value)],
                    style,
                )))
                .map_err(drawing)?;
            let top = context.backend_coord(&(i as f64 + 0.5, bar.value));
            root.draw(&Text::new(
                bar.text.clone(),
                (top.0, top.1 - 20),
                font(13.0)
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(drawing)?;
            let foot = context.backend_coord(&(i as f64 + 0.5, 0.0));
            for (row, line) in wrap(&bar.label, columns).iter().enumerate() {
                let y = foot.1 + 8 + i32::try_from(row).unwrap_or(0) * 16;
                root.draw(&Text::new(
                    line.clone(),
                    (foot.0, y),
                    font(13.0)
                        .color(&BLACK)
                        .pos(Pos::new(HPos::Center, VPos::Top)),
                ))
                .map_err(drawing)?;
            }
        }
        let mut row = 4i32;
        for line in &note_lines {
            footer
                .draw_text(line, &font(13.0).color(&BLACK), (20, row))
                .map_err(drawing)?;
            row += EVENT_ROW as i32;
        }
        if !chart.source.is_empty() {
            footer
                .draw_text(&chart.source, &font(13.0).color(&GREY), (20, row))
                .map_err(drawing)?;
        }
        root.present().map_err(drawing)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Bar;

    fn bar(label: &str, value: f64, derived: bool, total: bool) -> Bar {
        Bar {
            label: label.to_owned(),
            value,
            derived,
            total,
            text: format!("{value}"),
        }
    }

    #[test]
    fn stated_bars_are_filled_derived_ones_hollow_and_the_total_grey() {
        let chart = Chart {
            title: "Breakdown".to_owned(),
            x_label: String::new(),
            y_label: "USD billion".to_owned(),
            markers: (String::new(), String::new()),
            bounds: (String::new(), String::new()),
            derived_bound: String::new(),
            past_horizon: String::new(),
            log_word: String::new(),
            growth_path: String::new(),
            log_scale: false,
            lines: Vec::new(),
            bars: vec![
                bar("apps", 151.5, false, false),
                bar("maas", 55.0, true, false),
                bar("total", 206.5, false, true),
            ],
            events: Vec::new(),
            event_label: String::new(),
            notes: vec!["* a share".to_owned()],
            source: "Source: a report".to_owned(),
        };
        let svg = super::super::render(&chart).unwrap();
        assert!(
            svg.contains("fill=\"#1F77B4\""),
            "a filled stated bar: {svg}"
        );
        assert!(
            svg.contains("stroke=\"#D62728\""),
            "a hollow derived bar: {svg}"
        );
        assert!(svg.contains("fill=\"#6E6E6E\""), "a grey total: {svg}");
        assert!(svg.contains("apps") && svg.contains("* a share") && svg.contains("Source"));
        let empty = Chart {
            bars: vec![bar("none", 0.0, false, false)],
            ..chart
        };
        assert!(matches!(
            super::super::render(&empty),
            Err(ChartError::Empty)
        ));
    }
}
