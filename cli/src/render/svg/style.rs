//! What the line and bar charts share: their size, rows under the chart, colours, and the
//! drawing error.

use plotters::style::RGBColor;

use crate::render::ChartError;

/// The width of every chart.
pub(super) const WIDTH: u32 = 900;
/// The height of a chart without rows under it.
pub(super) const HEIGHT: u32 = 560;
/// The strip under the chart holding the source line.
pub(super) const FOOTER: u32 = 28;
/// The height of a row of the event list (and of a line of the notes).
pub(super) const EVENT_ROW: u32 = 20;
/// The widest line of a note or an event under the chart, in terminal columns.
pub(super) const NOTE_WIDTH: usize = 118;
/// The colours of the lines (and bars), in order.
pub(super) const COLORS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];
/// Secondary text and the total's bar.
pub(super) const GREY: RGBColor = RGBColor(110, 110, 110);

/// A plotters error as a chart error.
pub(super) fn drawing(error: impl std::fmt::Display) -> ChartError {
    ChartError::Drawing(error.to_string())
}
