//! Output of a command: the report printed in its format (and charted), and a failure as one
//! line on stderr with its exit code (`llmarket_proto::exit`, after sysexits).

use std::{
    io::Write as _,
    path::{Path, PathBuf},
    process::ExitCode,
};

use llmarket_proto::exit;
use tonic::Code;

use crate::{
    ClientError,
    render::{
        self, ChartError, Format, Render,
        csv::{self, Values},
    },
};

/// The exit code of a failure no sysexits code names (a server rejecting the request, a report
/// that cannot be encoded); the same as [`ExitCode::FAILURE`].
pub(super) const OTHER: u8 = 1;

/// How the report is printed: a document format, or CSV of its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Printed {
    /// Table, JSON or Markdown.
    Doc(Format),
    /// Tidy CSV of the values.
    Csv,
}

/// Where and how a result is printed.
pub(super) struct Output {
    /// The format of the report.
    pub(super) format: Printed,
    /// Where to write the report instead of stdout.
    pub(super) file: Option<PathBuf>,
    /// Where to write the chart (SVG, or PNG for a `.png` name), if asked for.
    pub(super) chart: Option<PathBuf>,
    /// The chart's source line.
    pub(super) source: String,
}

impl Output {
    /// Writes the chart (if asked for), then prints the report on stdout or into the file.
    pub(super) fn emit<R: Render + Values>(&self, report: R) -> Result<(), Failure> {
        let text = match self.format {
            Printed::Doc(format) => render::render(&report, format)
                .map_err(|e| Failure::new(OTHER, format!("cannot encode the report: {e}")))?,
            Printed::Csv => csv::render(&report).ok_or_else(|| {
                Failure::new(
                    exit::USAGE,
                    "--format csv: this command prints no values; use table, json or markdown",
                )
            })?,
        };
        if let Some(path) = &self.chart {
            self.write_chart(&report, path)?;
        }
        match &self.file {
            Some(path) => std::fs::write(path, text).map_err(|e| {
                Failure::new(
                    exit::IO_ERR,
                    format!("cannot write the report to {}: {e}", path.display()),
                )
            }),
            None => print(&text),
        }
    }

    /// Draws `report`'s chart into `path`; a report with nothing to chart only warns.
    fn write_chart<R: Render>(&self, report: &R, path: &Path) -> Result<(), Failure> {
        let Some(mut chart) = report.chart() else {
            warn(&format!(
                "--chart: this command has no series to chart; no chart written to {}",
                path.display()
            ));
            return Ok(());
        };
        chart.source.clone_from(&self.source);
        let svg = match render::svg::render(&chart) {
            Ok(svg) => svg,
            Err(ChartError::Empty) => {
                warn(&format!(
                    "--chart: the report has no values to chart; no chart written to {}",
                    path.display()
                ));
                return Ok(());
            }
            Err(e @ (ChartError::NotPositive(_) | ChartError::Drawing(_) | ChartError::Png(_))) => {
                return Err(Failure::new(exit::DATA_ERR, format!("--chart: {e}")));
            }
        };
        let png = path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("png"));
        let bytes = if png {
            render::png::render(&svg)
                .map_err(|e| Failure::new(exit::DATA_ERR, format!("--chart: {e}")))?
        } else {
            svg.into_bytes()
        };
        std::fs::write(path, bytes).map_err(|e| {
            Failure::new(
                exit::IO_ERR,
                format!("cannot write the chart to {}: {e}", path.display()),
            )
        })
    }
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

/// Prints `text` on stdout; a reader that stopped early (`| head`) is not an error.
fn print(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::new(
            exit::IO_ERR,
            format!("cannot write to stdout: {e}"),
        )),
    }
}

/// One warning line on stderr.
fn warn(message: &str) {
    eprintln!("llmarket: warning: {message}");
}

/// The outcome of a command that failed: its exit code and its one-line message.
#[derive(Debug)]
pub(super) struct Failure {
    code: u8,
    message: String,
    /// The gRPC code of a failed call.
    grpc: Option<Code>,
}

impl Failure {
    /// A failure exiting with `code`.
    pub(super) fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            grpc: None,
        }
    }

    /// The exit code.
    #[cfg(test)]
    pub(super) fn code(&self) -> u8 {
        self.code
    }

    /// The message, without the `llmarket: error:` prefix.
    #[cfg(test)]
    pub(super) fn message(&self) -> &str {
        &self.message
    }

    /// This failure with `hint(code)` (what a person can do about it) after its message, when the
    /// failure is a call that ended with gRPC `code` and `hint` has something to say.
    pub(super) fn with_hint(mut self, hint: impl FnOnce(Code) -> Option<String>) -> Self {
        if let Some(hint) = self.grpc.and_then(hint) {
            self.message = format!("{}; {hint}", self.message);
        }
        self
    }

    /// Prints the message as one line on stderr; returns the exit code.
    pub(super) fn report(&self) -> ExitCode {
        eprintln!("llmarket: error: {}", self.message);
        ExitCode::from(self.code)
    }
}

impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Self {
        let code = match &error {
            ClientError::Call { code, .. } => match code {
                Code::Unavailable | Code::DeadlineExceeded => exit::UNAVAILABLE,
                Code::PermissionDenied | Code::Unauthenticated => exit::NO_PERM,
                _ => OTHER,
            },
            ClientError::BadData { .. } => exit::DATA_ERR,
            ClientError::InvalidEndpoint { .. } | ClientError::InvalidArgument { .. } => {
                exit::USAGE
            }
        };
        Self {
            grpc: error.code(),
            ..Self::new(code, error.to_string())
        }
    }
}

/// A clap error: help and version print as usual and succeed; a usage error is one line.
pub(super) fn usage_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = error.print();
            return ExitCode::from(exit::OK);
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            return ExitCode::from(exit::USAGE);
        }
        _ => {}
    }
    // clap's first paragraph says what is wrong (possibly over several lines); usage and tips
    // follow after a blank line.
    let rendered = error.to_string();
    let first: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .skip_while(|line| line.is_empty())
        .take_while(|line| !line.is_empty())
        .collect();
    let first = first.join(" ");
    let first = first.trim_start_matches("error: ");
    let first = if first.is_empty() {
        "invalid arguments"
    } else {
        first
    };
    Failure::new(exit::USAGE, format!("{first} (see --help)")).report()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Service;

    #[test]
    fn errors_map_to_exit_codes() {
        let call = |status: tonic::Status| {
            Failure::from(ClientError::call(Service::Forecast, "GetSeries", &status)).code
        };
        let cases = [
            (tonic::Status::unavailable("down"), exit::UNAVAILABLE),
            (tonic::Status::deadline_exceeded("late"), exit::UNAVAILABLE),
            (tonic::Status::permission_denied("no"), exit::NO_PERM),
            (tonic::Status::unauthenticated("who"), exit::NO_PERM),
            (tonic::Status::not_found("no such series"), OTHER),
        ];
        for (status, code) in cases {
            assert_eq!(call(status.clone()), code, "{status:?}");
        }
        let bad = ClientError::bad_data(Service::Forecast, "GetSeries", "no unit");
        assert_eq!(Failure::from(bad).code, exit::DATA_ERR);
    }
}
