//! The `llmarket` command: report queries and direct access to the forecast and taxonomy
//! services, printed as a table, JSON, Markdown or CSV (on stdout or into a file), optionally
//! charted as SVG or PNG; `completions` prints a shell's completion script.
//!
//! Exit codes (after BSD sysexits, the `sysexits` crate): 0 ok, 64 usage, 65 bad data (from a
//! server, or a chart that cannot be drawn), 69 a service unavailable (or too slow for the
//! deadline), 74 a file that cannot be read or written, 77 credentials missing or refused
//! (UNAUTHENTICATED, PERMISSION_DENIED), 1 anything else (e.g. a server rejecting the request).
//! Errors are one line on stderr. Output that cannot be written (a full disk, `> /dev/full`)
//! exits 74; a reader that stops early (`| head`) ends the command quietly with 0.

#![forbid(unsafe_code)]

mod analyst;
mod args;
mod cite;
mod credentials;
mod explain;
mod failure;
mod hints;
mod lang;
mod lookup;
mod output;
mod partial;
pub mod render;
mod run;
mod scope;
mod watch;
mod width;

use std::process::ExitCode;

use clap::FromArgMatches as _;

pub use args::{
    CheckArgs, Cli, Command, ConceptListArgs, ConceptsCommand, CredentialArgs, ExportArgs,
    FormatArg, ReportCommand, SeriesCommand, YearsArgs,
};
pub use lang::LangArg;

/// Runs the command with the process's arguments; returns the exit code.
pub fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let matches = match scope::command().try_get_matches_from(&args) {
        Ok(matches) => matches,
        Err(error) => return failure::usage_error(&error),
    };
    // An option the subcommand would ignore is refused, not silently dropped.
    if let Some(error) = scope::ignored(&matches, &args) {
        return failure::Failure::new(sysexits::ExitCode::Usage, format!("{error} (see --help)"))
            .report();
    }
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => return failure::usage_error(&error),
    };
    if let Command::Completions { shell } = cli.command {
        // Generated into memory: clap_complete panics when its writer fails. From the scoped
        // definition, so a subcommand completes only the options that apply to it.
        let mut command = scope::completion_command();
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut command, "llmarket", &mut script);
        let file = cli.export.output.as_deref();
        return match output::deliver(file, &script, "the completion script") {
            Ok(()) => ExitCode::SUCCESS,
            Err(failure) => failure.report(),
        };
    }
    // A report file the command cannot write is refused before any call.
    if let Some(Err(error)) = cli.export.output.as_deref().map(args::check_output) {
        return failure::Failure::new(
            sysexits::ExitCode::Usage,
            format!("--output: {error} (see --help)"),
        )
        .report();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            return failure::Failure::new(
                failure::OTHER,
                format!("cannot start the runtime: {error}"),
            )
            .report();
        }
    };
    match runtime.block_on(run::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}
