//! Output of a command: the report checked for missing parts, printed in its format, and
//! charted.

use std::{io::Write as _, path::PathBuf};

use llmarket_proto::exit;

use crate::{
    cli::{
        explain::Context,
        failure::{Failure, OTHER},
        partial::{self, Partial},
    },
    render::{self, Format, Render},
};

/// Where and how a result is printed.
pub(super) struct Output<'a> {
    /// The format of stdout.
    pub(super) format: Format,
    /// Where to write the SVG chart, if asked for.
    pub(super) chart: Option<PathBuf>,
    /// Whether a report with missing parts fails instead of printing.
    pub(super) strict: bool,
    /// The width tables are fitted to, if any.
    pub(super) width: Option<usize>,
    /// The endpoints, to name in warnings.
    pub(super) context: &'a Context,
}

impl Output<'_> {
    /// Writes the chart (if asked for), then prints the report on stdout.
    pub(super) fn emit<R: Render + Partial>(&self, report: R) -> Result<(), Failure> {
        partial::check(&report, self.strict, self.context)?;
        if let Some(path) = &self.chart {
            let chart = report.chart().ok_or_else(|| {
                Failure::new(exit::USAGE, "--chart: this command has no series to chart")
            })?;
            let svg = render::svg::render(&chart)
                .map_err(|e| Failure::new(exit::DATA_ERR, format!("--chart: {e}")))?;
            std::fs::write(path, svg).map_err(|e| {
                Failure::new(
                    exit::IO_ERR,
                    format!("cannot write the chart to {}: {e}", path.display()),
                )
            })?;
        }
        let text = match (self.format, self.width) {
            (Format::Table, Some(columns)) => render::table::render_within(&report.doc(), columns),
            _ => render::render(&report, self.format)
                .map_err(|e| Failure::new(OTHER, format!("cannot encode the report: {e}")))?,
        };
        let mut stdout = std::io::stdout().lock();
        match stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
        {
            Ok(()) => Ok(()),
            // A reader that stopped early (`| head`) is not an error.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(Failure::new(
                exit::IO_ERR,
                format!("cannot write to stdout: {e}"),
            )),
        }
    }
}
