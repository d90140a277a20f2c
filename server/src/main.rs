//! `llmarket-server`: serves the forecast service, the taxonomy service, or both.
//!
//! Order of work: config (exit 64 on a bad one) → tracing → open-file limit raised → data (65
//! bad, 74 unreadable) → bind (74) → log addresses → serve → SIGINT/SIGTERM → drain within the
//! grace period → exit 0. A second SIGINT/SIGTERM during the drain exits at once (130/143).
//! SIGHUP reloads the data and the TLS files; bad new ones are logged and the old ones kept.

use std::{process::ExitCode, sync::Arc};

use arc_swap::ArcSwap;
use llmarket_proto::exit;
use llmarket_server::{
    config::{Cli, Command},
    data::{self, LoadError, Shared},
    forecast,
    runtime::{self, ServeOptions, ServiceRoutes, Signals, fd_limit, tls::ServerTls},
    taxonomy, telemetry,
};
use tokio::{sync::watch, task::JoinSet};

/// jemalloc with background purging returns freed memory to the system within its decay time;
/// glibc kept much of it (see README, "Limits").
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = match Cli::parse_args() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    telemetry::init(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return fail(
                exit::IO_ERR,
                &format!("cannot start the async runtime: {e}"),
            );
        }
    };
    runtime.block_on(run(cli))
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
    fail(exit::USAGE, &format!("{first} (see --help)"))
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("llmarket-server: error: {message}");
    ExitCode::from(code)
}

/// Which services this process runs, with the data each needs.
struct Plan {
    forecast: Option<(std::net::SocketAddr, Shared<forecast::Catalog>)>,
    taxonomy: Option<(std::net::SocketAddr, Shared<taxonomy::Vocabulary>)>,
}

fn shared<T>(value: T) -> Shared<T> {
    Arc::new(ArcSwap::from_pointee(value))
}

/// Reads `dirs` (after the built-in data) and loads the data of the services asked for.
fn load_data(
    dirs: &[std::path::PathBuf],
    want_forecast: bool,
    want_taxonomy: bool,
) -> Result<(Option<forecast::Catalog>, Option<taxonomy::Vocabulary>), LoadError> {
    let sources = data::all_sources(dirs)?;
    let forecast = want_forecast
        .then(|| forecast::Catalog::load(&sources))
        .transpose()?;
    let taxonomy = want_taxonomy
        .then(|| taxonomy::Vocabulary::load(&sources))
        .transpose()?;
    Ok((forecast, taxonomy))
}

fn load_plan(cli: &Cli) -> Result<Plan, LoadError> {
    let (forecast_addr, taxonomy_addr) = match cli.command {
        Command::Forecast { listen } => (Some(listen), None),
        Command::Taxonomy { listen } => (None, Some(listen)),
        Command::All {
            forecast_listen,
            taxonomy_listen,
        } => (Some(forecast_listen), Some(taxonomy_listen)),
    };
    let (forecast, taxonomy) =
        load_data(&cli.data, forecast_addr.is_some(), taxonomy_addr.is_some())?;
    Ok(Plan {
        forecast: forecast_addr.zip(forecast.map(shared)),
        taxonomy: taxonomy_addr.zip(taxonomy.map(shared)),
    })
}

async fn run(cli: Cli) -> ExitCode {
    let plan = match load_plan(&cli) {
        Ok(plan) => plan,
        Err(e) => return fail(e.exit_code(), &e.to_string()),
    };
    let tls = match cli.tls.files().map(ServerTls::load).transpose() {
        Ok(tls) => tls,
        Err(e) => return fail(e.exit_code(), &e.to_string()),
    };
    if let Some(tls) = &tls {
        tracing::info!(mutual = tls.mutual(), "TLS on");
    }

    let mut services: Vec<(tokio::net::TcpListener, ServiceRoutes)> = Vec::new();
    if let Some((addr, catalog)) = &plan.forecast {
        match runtime::bind(*addr).await {
            Ok(listener) => services.push((listener, forecast::routes(catalog.clone()))),
            Err(e) => return fail(exit::IO_ERR, &e.to_string()),
        }
    }
    if let Some((addr, vocabulary)) = &plan.taxonomy {
        match runtime::bind(*addr).await {
            Ok(listener) => services.push((listener, taxonomy::routes(vocabulary.clone()))),
            Err(e) => return fail(exit::IO_ERR, &e.to_string()),
        }
    }

    // Every listener shares the process's descriptors: each gets its share of the room.
    let fds = fd_limit::raise();
    let mut options = ServeOptions {
        connections: cli.connections.limits(),
        grace: cli.shutdown_grace,
        calls: cli.calls.limits(),
        tls: tls.clone(),
    };
    let wanted = options.connections.max_connections;
    let cap = fd_limit::connection_cap(wanted.saturating_mul(services.len()), fds)
        / services.len().max(1);
    options.connections.max_connections = cap.clamp(1, wanted);
    if options.connections.max_connections < wanted {
        tracing::warn!(
            wanted,
            max_connections = options.connections.max_connections,
            "connection cap lowered to fit the open-file limit"
        );
    }

    let mut signals = Signals::watch();
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    for (listener, routes) in services {
        let addr = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        tracing::info!(service = routes.name(), %addr, "listening");
        let mut stop = stop_rx.clone();
        let shutdown = async move {
            let _ = stop.wait_for(|stopping| *stopping).await;
        };
        tasks.spawn(runtime::serve(listener, routes, shutdown, options.clone()));
    }
    tokio::spawn(reload_on_hangup(cli.data.clone(), plan, tls));

    tokio::select! {
        _ = signals.next() => {}
        Some(result) = tasks.join_next() => {
            // A server ended on its own: stop the others too and report.
            let _ = stop_tx.send(true);
            let code = report(result);
            while tasks.join_next().await.is_some() {}
            return code;
        }
    }
    let _ = stop_tx.send(true);
    let drain = async {
        let mut code = ExitCode::SUCCESS;
        while let Some(result) = tasks.join_next().await {
            if report(result) != ExitCode::SUCCESS {
                code = ExitCode::FAILURE;
            }
        }
        code
    };
    tokio::select! {
        code = drain => {
            tracing::info!("stopped");
            code
        }
        second = signals.next() => {
            tracing::warn!("second {} during the drain: exiting at once", second.name());
            ExitCode::from(second.exit_code())
        }
    }
}

fn report(result: Result<Result<(), runtime::ServeError>, tokio::task::JoinError>) -> ExitCode {
    match result {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            tracing::error!("server failed: {e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            tracing::error!("server task failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// On each SIGHUP, reads and validates the data again and swaps it in whole, and reads the TLS
/// files again for new connections; on a bad one, logs the error and keeps serving what it had.
async fn reload_on_hangup(dirs: Vec<std::path::PathBuf>, plan: Plan, tls: Option<ServerTls>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hangup) = signal(SignalKind::hangup()) else {
            tracing::warn!("cannot watch SIGHUP; reload is off");
            return;
        };
        while hangup.recv().await.is_some() {
            tracing::info!("received SIGHUP: reloading data");
            let outcome = load_data(&dirs, plan.forecast.is_some(), plan.taxonomy.is_some());
            match outcome {
                Ok((forecast, taxonomy)) => {
                    if let (Some((_, shared)), Some(new)) = (&plan.forecast, forecast) {
                        shared.store(Arc::new(new));
                    }
                    if let (Some((_, shared)), Some(new)) = (&plan.taxonomy, taxonomy) {
                        shared.store(Arc::new(new));
                    }
                    tracing::info!("reloaded data");
                }
                Err(e) => tracing::error!("reload rejected, still serving the previous data: {e}"),
            }
            if let Some(tls) = &tls {
                match tls.reload() {
                    Ok(()) => tracing::info!("reloaded TLS certificate, key and client CA"),
                    Err(e) => tracing::error!(
                        "TLS reload rejected, new connections still get the previous certificate: {e}"
                    ),
                }
            }
        }
    }
    #[cfg(not(unix))]
    drop((dirs, plan, tls));
}
