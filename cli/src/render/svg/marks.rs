//! What the line chart draws besides its lines, shared by the drawing and the legend: colours
//! and sizes of the marks, the shape of a bound and of an event, what was drawn, and the
//! drawing context's type.

use plotters::{
    backend::SVGBackend,
    coord::{types::RangedCoordf64, types::RangedCoordi32},
    prelude::*,
};

/// The colour of an event's mark and rule.
pub(super) const EVENT_COLOR: RGBColor = RGBColor(230, 120, 0);
/// The colour of an event's number and of the event list.
pub(super) const EVENT_TEXT: RGBColor = RGBColor(150, 75, 0);
/// The fill of the years past the report's horizon.
pub const HORIZON_SHADE: RGBColor = RGBColor(200, 200, 200);
/// The length of a dash of the path of constant growth, and of the gap between two dashes.
pub(super) const DASH: i32 = 8;
pub(super) const DASH_GAP: i32 = 5;
/// The drawing context of a chart: years across, values (or their logarithms) up.
pub(super) type Context<'a> =
    ChartContext<'a, SVGBackend<'a>, Cartesian2d<RangedCoordi32, RangedCoordf64>>;

/// What the lines drew, for the legend to list only that.
#[derive(Debug, Default)]
pub(super) struct Drawn {
    pub(super) stated: bool,
    pub(super) derived: bool,
    pub(super) path: bool,
    pub(super) bar: bool,
    pub(super) bound: bool,
    pub(super) derived_bound: bool,
    pub(super) past: bool,
}

/// The bar, stem and arrowhead of a bound (`sign` 1: pointing down, at most), in pixels from
/// its value, `length` long: a stated one's bar solid, a derived one's hollow (an outline) and
/// thin.
pub(super) fn bound_paths(
    color: RGBColor,
    sign: i32,
    derived: bool,
    length: i32,
) -> [PathElement<(i32, i32)>; 3] {
    let (style, bar, from) = if derived {
        (
            color.stroke_width(1),
            vec![(-7, -3), (7, -3), (7, 3), (-7, 3), (-7, -3)],
            3 * sign,
        )
    } else {
        (color.stroke_width(2), vec![(-7, 0), (7, 0)], 0)
    };
    [
        PathElement::new(bar, style),
        PathElement::new(vec![(0, from), (0, length * sign)], style),
        PathElement::new(
            vec![
                (-5, (length - 6) * sign),
                (0, length * sign),
                (5, (length - 6) * sign),
            ],
            style,
        ),
    ]
}

/// A diamond around the origin of an element.
pub(super) fn diamond(color: RGBColor) -> Polygon<(i32, i32)> {
    Polygon::new(vec![(0, -9), (7, 0), (0, 9), (-7, 0)], color.filled())
}
