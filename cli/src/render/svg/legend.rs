//! The legend of a line chart: each line as drawn, then the kinds of mark drawn, in the corner
//! the points leave most free.

use plotters::prelude::*;

use super::{
    axis::Scale,
    marks::{Context, DASH, DASH_GAP, Drawn, EVENT_COLOR, HORIZON_SHADE, bound_paths, diamond},
    style::drawing,
    text::font,
};
use crate::render::{Chart, ChartError};

/// The legend: each line as drawn, then the kinds of marker drawn.
pub(super) fn legend(
    context: &mut Context<'_>,
    chart: &Chart,
    drawn: &Drawn,
    events: bool,
    scale: Scale,
) -> Result<(), ChartError> {
    let corner = legend_corner(context, chart, scale);
    let mut entries: Vec<(&str, Marker)> = Vec::new();
    let kinds = [
        (drawn.stated, &chart.markers.0, Marker::Stated),
        (drawn.derived, &chart.markers.1, Marker::Derived),
        (drawn.path, &chart.growth_path, Marker::Path),
        (drawn.bar, &chart.bounds.0, Marker::Interval),
        (drawn.bound, &chart.bounds.1, Marker::Bound),
        (
            drawn.derived_bound,
            &chart.derived_bound,
            Marker::DerivedBound,
        ),
        (events, &chart.event_label, Marker::Event),
        (drawn.past, &chart.past_horizon, Marker::Past),
    ];
    for (shown, label, kind) in kinds {
        if shown {
            entries.push((label, kind));
        }
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
            Marker::Bound | Marker::DerivedBound => {
                let derived = matches!(kind, Marker::DerivedBound);
                entry.legend(move |(x, y)| {
                    let [bar, stem, head] = bound_paths(BLACK, 1, derived, 13);
                    EmptyElement::at((x + 10, y - 6)) + bar + stem + head
                })
            }
            Marker::Event => {
                entry.legend(|(x, y)| EmptyElement::at((x + 10, y)) + diamond(EVENT_COLOR))
            }
            Marker::Past => entry.legend(|(x, y)| {
                Rectangle::new(
                    [(x, y - 7), (x + 20, y + 7)],
                    HORIZON_SHADE.mix(0.35).filled(),
                )
            }),
        };
    }
    context
        .configure_series_labels()
        .position(corner)
        .label_font(font(14.0))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(drawing)?;
    Ok(())
}
/// A kind of marker the legend explains.
#[derive(Debug, Clone, Copy)]
enum Marker {
    Stated,
    Derived,
    Path,
    Interval,
    Bound,
    DerivedBound,
    Event,
    Past,
}

/// The legend goes in the corner the points leave most free: of the upper two (then the lower
/// two), the one with the fewest points in its third of the height and half of the width.
fn legend_corner(context: &Context<'_>, chart: &Chart, scale: Scale) -> SeriesLabelPosition {
    let (x_range, y_range) = (context.x_range(), context.y_range());
    let (x0, x1) = (f64::from(x_range.start), f64::from(x_range.end));
    let (y0, y1) = (y_range.start, y_range.end);
    let at: Vec<(f64, f64)> = chart
        .lines
        .iter()
        .flat_map(|l| &l.points)
        .filter(|p| p.value.is_finite() && (scale == Scale::Linear || p.value > 0.0))
        .map(|p| {
            (
                (f64::from(p.year) - x0) / (x1 - x0).max(1.0),
                (scale.y(p.value) - y0) / (y1 - y0),
            )
        })
        .collect();
    let count = |left: bool, upper: bool| {
        at.iter()
            .filter(|(x, y)| (*x < 0.55) == left && if upper { *y > 0.62 } else { *y < 0.38 })
            .count()
    };
    let corners = [
        (count(true, true), SeriesLabelPosition::UpperLeft),
        (count(false, true), SeriesLabelPosition::UpperRight),
        (count(true, false) + 1, SeriesLabelPosition::LowerLeft),
        (count(false, false) + 1, SeriesLabelPosition::LowerRight),
    ];
    corners
        .into_iter()
        .min_by_key(|(points, _)| *points)
        .map_or(SeriesLabelPosition::UpperLeft, |(_, corner)| corner)
}
