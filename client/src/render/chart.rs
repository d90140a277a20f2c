//! A report's series as a chart: what to draw, independent of how (the `cli` feature draws it
//! as SVG with plotters, in [`svg`](super::svg)).

/// A chart of one or more yearly series in one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// The title above the chart.
    pub title: String,
    /// The label of the year axis.
    pub x_label: String,
    /// The label of the value axis (the unit).
    pub y_label: String,
    /// The legend's words for a filled marker (a value the report states) and a hollow one (a
    /// value the service derived).
    pub markers: (String, String),
    /// Whether the value axis is logarithmic (for values spanning orders of magnitude).
    pub log_scale: bool,
    /// The series, each drawn as a line.
    pub lines: Vec<Line>,
}

/// One series of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The legend label.
    pub label: String,
    /// `(year, value, derived)` in year order.
    pub points: Vec<(i32, f64, bool)>,
}

/// A chart that cannot be drawn.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// There is nothing to draw.
    #[error("the report has no values to chart")]
    Empty,
    /// A log-scale chart got a value that is not positive.
    #[error("a logarithmic chart cannot show the value {0}")]
    NotPositive(f64),
    /// plotters failed.
    #[error("cannot draw the chart: {0}")]
    Drawing(String),
}
