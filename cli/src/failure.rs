//! A command that failed: its exit code (after BSD sysexits, from the `sysexits` crate) and its one
//! line on stderr; clap's usage errors made the same shape.

use std::process::ExitCode;

use sysexits::ExitCode as Sysexit;
use tonic::Code;

use llmarket_client::{ClientError, Service};

/// The exit code of a failure no sysexits code names (a server rejecting the request, a report
/// that cannot be encoded); the same as [`ExitCode::FAILURE`].
pub(super) const OTHER: u8 = 1;

/// The outcome of a command that failed: its exit code and its one-line message.
#[derive(Debug)]
pub(super) struct Failure {
    code: u8,
    message: String,
    /// The gRPC code of a failed call.
    grpc: Option<Code>,
    /// The service of a failed call.
    service: Option<Service>,
}

impl Failure {
    /// A failure exiting with `code` (a [`Sysexit`], or [`OTHER`]).
    pub(super) fn new(code: impl Into<u8>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            grpc: None,
            service: None,
        }
    }

    /// The gRPC code of a failed call.
    pub(super) fn grpc(&self) -> Option<Code> {
        self.grpc
    }

    /// The service of a failed call.
    pub(super) fn service(&self) -> Option<Service> {
        self.service
    }

    /// The message, without the `llmarket: error:` prefix.
    pub(super) fn text(&self) -> &str {
        &self.message
    }

    /// This failure with `more` after its message (an empty status message left no trailing
    /// `: `).
    pub(super) fn append(mut self, more: impl AsRef<str>) -> Self {
        let kept = self.message.trim_end().trim_end_matches(':').len();
        self.message.truncate(kept);
        self.message = format!("{}; {}", self.message, more.as_ref());
        self
    }

    /// The exit code.
    #[cfg(test)]
    pub(super) fn code(&self) -> u8 {
        self.code
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
                Code::Unavailable | Code::DeadlineExceeded => Sysexit::Unavailable.into(),
                Code::PermissionDenied | Code::Unauthenticated => Sysexit::NoPerm.into(),
                _ => OTHER,
            },
            ClientError::BadData { .. } => Sysexit::DataErr.into(),
            ClientError::InvalidEndpoint { .. } | ClientError::InvalidArgument { .. } => {
                Sysexit::Usage.into()
            }
        };
        Self {
            grpc: error.code(),
            service: error.service(),
            ..Self::new(code, error.to_string())
        }
    }
}

/// What a failed write to stdout means: nothing for a reader that stopped early (a closed
/// pipe), else exit 74.
pub(super) fn stdout_error(error: &std::io::Error) -> Result<(), Failure> {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        return Ok(());
    }
    Err(Failure::new(
        Sysexit::IoErr,
        format!("cannot write to stdout: {error}"),
    ))
}

/// A clap error: help and version print as usual and succeed; a usage error is one line.
pub(super) fn usage_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            return match error.print().map_or_else(|e| stdout_error(&e), Ok) {
                Ok(()) => ExitCode::from(Sysexit::Ok),
                Err(failure) => failure.report(),
            };
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            return ExitCode::from(Sysexit::Usage);
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
    Failure::new(
        Sysexit::Usage,
        format!("{first}{} (see --help)", meant(&rendered)),
    )
    .report()
}

/// What clap's tips say was meant ("tip: a similar subcommand exists: 'report'") as
/// "; did you mean 'report'?"; empty when it has no suggestion.
fn meant(rendered: &str) -> String {
    let similar: Vec<&str> = rendered
        .lines()
        .filter_map(|line| line.trim().strip_prefix("tip: a similar "))
        .filter_map(|tip| tip.split_once(" exists: ").map(|(_, names)| names.trim()))
        .collect();
    if similar.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", similar.join(" or "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_similar_name_is_offered() {
        let rendered = "error: unrecognized subcommand 'reprot'\n\n  tip: a similar subcommand \
                        exists: 'report'\n\nUsage: llmarket <COMMAND>\n";
        assert_eq!(meant(rendered), "; did you mean 'report'?");
        assert_eq!(meant("error: invalid value 'yaml'\n"), "");
    }

    #[test]
    fn errors_map_to_exit_codes() {
        let call = |status: tonic::Status| {
            Failure::from(ClientError::call(Service::Forecast, "GetSeries", &status)).code
        };
        let cases = [
            (
                tonic::Status::unavailable("down"),
                Sysexit::Unavailable.into(),
            ),
            (
                tonic::Status::deadline_exceeded("late"),
                Sysexit::Unavailable.into(),
            ),
            (
                tonic::Status::permission_denied("no"),
                Sysexit::NoPerm.into(),
            ),
            (
                tonic::Status::unauthenticated("who"),
                Sysexit::NoPerm.into(),
            ),
            (tonic::Status::not_found("no such series"), OTHER),
        ];
        for (status, code) in cases {
            assert_eq!(call(status.clone()), code, "{status:?}");
        }
        let bad = ClientError::bad_data(Service::Forecast, "GetSeries", "no unit");
        assert_eq!(Failure::from(bad).code, u8::from(Sysexit::DataErr));
    }
}
