//! Output of a command: the report checked for missing parts, printed in its format, and
//! charted.

use std::{
    io::Write as _,
    path::{Path, PathBuf},
};

use sysexits::ExitCode as Sysexit;

use crate::{
    render::{
        self, ChartError, Citation, Doc, Format, Render,
        csv::{self, Values},
        source_line,
    },
    {
        cite,
        explain::Context,
        failure::{Failure, OTHER, stdout_error},
        partial::{self, Partial},
    },
};
use llmarket_client::{Client, reports::Language};

/// How the report is printed: a document format, or CSV of its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Printed {
    /// Table, JSON or Markdown.
    Doc(Format),
    /// Tidy CSV of the values.
    Csv,
}

/// Where and how a result is printed.
pub(super) struct Output<'a> {
    /// The format of the report.
    pub(super) format: Printed,
    /// Where to write the report instead of stdout.
    pub(super) file: Option<PathBuf>,
    /// Where to write the chart (SVG, or PNG for a `.png` name), if asked for.
    pub(super) chart: Option<PathBuf>,
    /// The chart's value axis as `--scale` forces it (true: logarithmic); none: by the rule.
    pub(super) log_scale: Option<bool>,
    /// The citation of the figures shown, under a table or Markdown, on a chart, as the JSON's
    /// `citation` and the CSV's `edition` and `data_version` columns; none for
    /// commands that show no figures.
    pub(super) citation: Option<Citation>,
    /// The language of the output.
    pub(super) language: Language,
    /// Whether a report with missing parts fails instead of printing.
    pub(super) strict: bool,
    /// The width tables on a terminal are fitted to, if any.
    pub(super) width: Option<usize>,
    /// The endpoints, to name in warnings.
    pub(super) context: &'a Context,
    /// The client, to ask which service answers at a URL that refused a call.
    pub(super) client: &'a Client,
}

impl Output<'_> {
    /// Checks the report for missing parts, writes the chart (if asked for), then prints the
    /// report on stdout or into the file.
    pub(super) async fn emit<R: Render + Values + Partial>(
        &self,
        mut report: R,
    ) -> Result<(), Failure> {
        // The command's words in the data (methods, notes) in the output's language, in
        // every format.
        report.localize(self.language);
        let answers = partial::unimplemented(&report, self.client, self.context).await;
        partial::check(&report, self.strict, self.context, &answers)?;
        partial::explain_unimplemented(&mut report, &answers);
        let sections = figure_sections(&report);
        let cite = |mut doc: Doc| {
            if let Some(citation) = &self.citation {
                doc.text(citation.line(self.language, &sections));
            }
            doc
        };
        let text = match (self.format, self.width, &self.file) {
            (Printed::Doc(Format::Table), Some(columns), None) => {
                render::table::render_within(&cite(report.doc()), columns)
            }
            (Printed::Doc(Format::Table), _, _) => render::table::render(&cite(report.doc())),
            (Printed::Doc(Format::Markdown), _, _) => render::markdown::render(&cite(report.doc())),
            (Printed::Doc(Format::Json), _, _) => cite::json(&report, self.citation.as_ref())
                .map_err(|e| Failure::new(OTHER, format!("cannot encode the report: {e}")))?,
            (Printed::Csv, _, _) => {
                let text = csv::render(&report).ok_or_else(|| {
                    Failure::new(
                        Sysexit::Usage,
                        "--format csv: this command prints no values; use table, json or markdown",
                    )
                })?;
                match &self.citation {
                    Some(citation) => cite::csv(&text, citation),
                    None => text,
                }
            }
        };
        if let Some(path) = &self.chart {
            self.write_chart(&report, path, &sections)?;
        }
        deliver(self.file.as_deref(), text.as_bytes(), "the report")
    }

    /// Draws `report`'s chart into `path`; a report with nothing to chart only warns.
    fn write_chart<R: Render>(
        &self,
        report: &R,
        path: &Path,
        sections: &[String],
    ) -> Result<(), Failure> {
        let Some(mut chart) = report.chart() else {
            warn(&format!(
                "--chart: this command has no series to chart; no chart written to {}",
                path.display()
            ));
            return Ok(());
        };
        if let Some(citation) = &self.citation {
            chart.source = source_line(self.language, citation, sections);
        }
        if let Some(log) = self.log_scale {
            chart.log_scale = log;
        }
        let svg = match render::svg::render(&chart) {
            Ok(svg) => svg,
            Err(ChartError::Empty) => {
                warn(&format!(
                    "--chart: the report has no values to chart; no chart written to {}",
                    path.display()
                ));
                return Ok(());
            }
            Err(e @ ChartError::NotPositive(_)) => {
                return Err(Failure::new(
                    Sysexit::Usage,
                    format!("--chart --scale log: {e}; use --scale linear"),
                ));
            }
            Err(e @ (ChartError::Drawing(_) | ChartError::Png(_))) => {
                return Err(Failure::new(Sysexit::DataErr, format!("--chart: {e}")));
            }
        };
        let png = path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("png"));
        let bytes = if png {
            render::png::render(&svg)
                .map_err(|e| Failure::new(Sysexit::DataErr, format!("--chart: {e}")))?
        } else {
            svg.into_bytes()
        };
        std::fs::write(path, bytes).map_err(|e| {
            Failure::new(
                Sysexit::IoErr,
                format!("cannot write the chart to {}: {e}", path.display()),
            )
        })
    }
}

/// The sections of the source the figures of `report` come from.
fn figure_sections<R: Values>(report: &R) -> Vec<String> {
    let values = report.values().unwrap_or_default();
    render::sections(values.iter().map(|v| v.point.source.as_str()))
}

/// The format a report file's name implies (`.csv`, `.json`, `.md`, `.txt`), if any.
pub(super) fn format_of(path: &Path) -> Option<Printed> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "csv" => Some(Printed::Csv),
        "json" => Some(Printed::Doc(Format::Json)),
        "md" | "markdown" => Some(Printed::Doc(Format::Markdown)),
        "txt" => Some(Printed::Doc(Format::Table)),
        _ => None,
    }
}

/// Writes `bytes` (`what`, for the message) into `file` (created or truncated), or on stdout
/// without one. A file or stdout that cannot be written exits 74 naming it, except a reader
/// that stopped early (`| head`, a closed pipe): the command then ends quietly and succeeds, as
/// the part the reader wanted was written.
pub(super) fn deliver(file: Option<&Path>, bytes: &[u8], what: &str) -> Result<(), Failure> {
    if let Some(path) = file {
        return std::fs::write(path, bytes).map_err(|e| {
            Failure::new(
                Sysexit::IoErr,
                format!("cannot write {what} to {}: {e}", path.display()),
            )
        });
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) => stdout_error(&e),
    }
}

/// One warning line on stderr.
fn warn(message: &str) {
    eprintln!("llmarket: warning: {message}");
}
