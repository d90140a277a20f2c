//! `llmarket-server`: serves the forecast service, the taxonomy service, or both.
//!
//! Order of work: config (exit 64 on a bad one, on a non-loopback address served to anyone or
//! with an auth file over plaintext, or on a non-loopback admin listener not allowed)
//! → runtime → trace export from the `OTEL_*` variables (64 on a bad one) → tracing → auth file (65 bad, 74 unreadable) → data (65 bad, 74 unreadable) → TLS files
//! (65 bad, 74 unreadable) → open-file limit raised → bind (74) → log addresses → serve →
//! SIGINT/SIGTERM → lame duck for `--shutdown-delay` (health NOT_SERVING, calls still served) →
//! drain within the grace period → exit 0. A second SIGINT/SIGTERM during the
//! drain exits at once (130/143). SIGHUP reloads the data, the auth file and the TLS files; a
//! change in a `--data` directory (`--data-watch`) reloads the data alone; a bad new one is logged
//! and the old one keeps being used.
//!
//! `llmarket-server token new --principal NAME` makes a bearer token and exits;
//! `llmarket-server data manifest DIR` writes a data directory's manifest and exits; `data import`
//! writes a new edition from the tidy CSV of `llmarket --format csv` and exits.

use std::process::ExitCode;

use llmarket_kit::data;
use llmarket_server::{
    app,
    commands::{fail, import_edition, token, write_manifests},
    config::{Cli, Command, DataCommand},
    observe::otlp,
    telemetry,
};
use sysexits::ExitCode as Sysexit;

/// jemalloc with background purging returns freed memory to the system within its decay time;
/// glibc kept much of it (see docs/operations.md, "Limits").
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = match Cli::parse_args() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    if let Command::Data(DataCommand::Manifest { dir, edition }) = &cli.command {
        return write_manifests(dir, edition.as_ref());
    }
    if let Command::Data(DataCommand::Import {
        files,
        base,
        edition,
        out,
    }) = &cli.command
    {
        return import_edition(files, base, edition, out);
    }
    if let Command::Token { action } = &cli.command {
        return token(action);
    }
    if let Err(message) = cli.check_exposure() {
        return fail(Sysexit::Usage, &message);
    }
    if let Err(message) = cli.connections.check(cli.authenticating()) {
        return fail(Sysexit::Usage, &message);
    }
    if !data::HAS_BUILTIN_DATA && cli.data.is_empty() {
        return fail(
            Sysexit::Usage,
            "this build has no built-in data (built without the `builtin-data` feature); give --data DIR",
        );
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return fail(
                Sysexit::IoErr,
                &format!("cannot start the async runtime: {e}"),
            );
        }
    };
    let traces = match runtime.block_on(async { app::trace_export(&cli) }) {
        Ok(traces) => traces,
        Err(e) => return fail(e.code, &e.message),
    };
    telemetry::init(cli.log_format, traces.as_ref().map(otlp::tracer));
    runtime.block_on(app::run(cli, traces))
}

/// Prints a clap error as one line (help and version go to stdout with exit 0).
fn usage_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = error.print();
        return ExitCode::SUCCESS;
    }
    let rendered = error.to_string();
    let first = rendered
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid arguments");
    let first = first.trim_start_matches("error: ");
    fail(Sysexit::Usage, &format!("{first} (see --help)"))
}
