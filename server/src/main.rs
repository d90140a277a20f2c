//! `llmarket-server`: serves the forecast service, the taxonomy service, or both.
//!
//! Order of work: config (exit 64 on a bad one, on a non-loopback address served to anyone or
//! with an auth file over plaintext, or on a non-loopback admin listener not allowed)
//! → tracing → auth file (65 bad, 74 unreadable) → data (65 bad, 74 unreadable) → TLS files
//! (65 bad, 74 unreadable) → open-file limit raised → bind (74) → log addresses → serve →
//! SIGINT/SIGTERM → lame duck for `--shutdown-delay` (health NOT_SERVING, calls still served) →
//! drain within the grace period → exit 0. A second SIGINT/SIGTERM during the
//! drain exits at once (130/143). SIGHUP reloads the data, the auth file and the TLS files; a
//! change in a `--data` directory (`--data-watch`) reloads the data alone; a bad new one is logged
//! and the old one keeps being used.
//!
//! `llmarket-server token new --principal NAME` makes a bearer token and exits;
//! `llmarket-server data manifest DIR` writes a data directory's manifest and exits.

use std::{process::ExitCode, sync::Arc};

use arc_swap::ArcSwap;
use llmarket_proto::exit;
use llmarket_server::{
    auth::{self, SharedPrincipals},
    config::{Cli, Command, DataCommand, TokenCommand},
    data::{self, LoadError, Shared, changes::Changes, watch::DataWatch},
    forecast,
    observe::{
        Metrics, Observer, Sampler, SharedMetrics, admin,
        collect::DataLabels,
        otlp::{Exporter, OtlpConfig},
    },
    runtime::{
        self, Hangup, ServeOptions, ServiceRoutes, Signals, fd_limit, middleware::ReplyCache,
        tls::ServerTls,
    },
    taxonomy, telemetry,
};
use tokio::{sync::watch, task::JoinSet};

/// jemalloc with background purging returns freed memory to the system within its decay time;
/// glibc kept much of it (see docs/operations.md, "Limits").
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = match Cli::parse_args() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    if let Command::Data(DataCommand::Manifest { dir }) = &cli.command {
        return write_manifests(dir);
    }
    if let Command::Token { action } = &cli.command {
        return token(action);
    }
    if let Err(message) = cli.check_exposure() {
        return fail(exit::USAGE, &message);
    }
    if let Err(message) = cli.connections.check(cli.authenticating()) {
        return fail(exit::USAGE, &message);
    }
    if !data::HAS_BUILTIN_DATA && cli.data.is_empty() {
        return fail(
            exit::USAGE,
            "this build has no built-in data (built without the `builtin-data` feature); give --data DIR",
        );
    }
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

/// `token new`: prints a new token on stdout, and the auth-file entry for it on stderr or
/// appended to `--append-to` (the token only once the entry is in).
fn token(action: &TokenCommand) -> ExitCode {
    match action {
        TokenCommand::New {
            principal,
            grants,
            append_to,
        } => {
            if !auth::principals::is_valid_name(principal) {
                return fail(
                    exit::USAGE,
                    &format!(
                        "--principal {principal:?} is not a valid name; use 1 to 63 of a-z 0-9 . _ -, starting with a letter or digit"
                    ),
                );
            }
            if grants.is_empty() {
                return fail(
                    exit::USAGE,
                    &format!(
                        "give at least one --grant, or the entry cannot be loaded; valid are {}",
                        auth::grants::GRANT_FORMS
                    ),
                );
            }
            for grant in grants {
                if let Err(message) = auth::Grant::parse(grant) {
                    return fail(exit::USAGE, &format!("--grant {message}"));
                }
            }
            let token = match auth::token::new_token() {
                Ok(token) => token,
                Err(e) => {
                    return fail(
                        exit::IO_ERR,
                        &format!("cannot read the OS random source: {e}"),
                    );
                }
            };
            let digest = auth::token::TokenDigest::of(&token);
            let grants = grants
                .iter()
                .map(|g| format!("{g:?}"))
                .collect::<Vec<_>>()
                .join(", ");
            let entry = format!(
                "[[principal]]\nname = {principal:?}\ntokens = [\"{digest}\"]\ngrants = [{grants}]"
            );
            match append_to {
                None => eprintln!(
                    "# add to the auth file (the token is shown once and is not stored):\n{entry}"
                ),
                Some(path) => {
                    if let Err(e) = auth::principals::append_entry(path, &entry) {
                        return fail(e.exit_code(), &e.to_string());
                    }
                    eprintln!(
                        "added principal {principal:?} to {}; reload the servers (SIGHUP) to use it",
                        path.display()
                    );
                }
            }
            println!("{token}");
            ExitCode::SUCCESS
        }
    }
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

/// `llmarket-server data manifest DIR`: writes the manifests and prints their paths.
fn write_manifests(dir: &std::path::Path) -> ExitCode {
    match data::read::write_manifests(dir) {
        Ok(paths) => {
            for path in paths {
                println!("wrote {path}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e.exit_code(), &e.to_string()),
    }
}

/// Which services this process runs, with the data each needs.
#[derive(Clone)]
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
    if let Some(vocabulary) = &taxonomy {
        // A taxonomy-only process reads the series too, only to name the figures its texts quote.
        let read;
        let catalog = match &forecast {
            Some(catalog) => Some(catalog),
            None => {
                read = forecast::Catalog::load(&sources).ok();
                read.as_ref()
            }
        };
        if let Some(catalog) = catalog {
            report_quoted_figures(catalog, vocabulary);
        }
    }
    Ok((forecast, taxonomy))
}

/// Logs every taxonomy text that quotes a figure a series states: a caller granted the scheme or
/// the milestones reads it without a grant on the dataset (docs/security.md).
fn report_quoted_figures(catalog: &forecast::Catalog, vocabulary: &taxonomy::Vocabulary) {
    for quote in llmarket_server::quoted::quoted_figures(catalog, vocabulary) {
        tracing::info!(
            text = %quote.text,
            figure = %quote.figure,
            series = %quote.series,
            year = quote.year,
            "a taxonomy text quotes a stated figure: a scheme or milestones grant reads it"
        );
    }
}

fn load_plan(cli: &Cli) -> Result<Plan, LoadError> {
    let (forecast_addr, taxonomy_addr) = match cli.command {
        Command::Forecast { listen } => (Some(listen), None),
        Command::Taxonomy { listen } => (None, Some(listen)),
        Command::All {
            forecast_listen,
            taxonomy_listen,
        } => (Some(forecast_listen), Some(taxonomy_listen)),
        // Handled in `main` before anything is served.
        Command::Token { .. } | Command::Data(_) => (None, None),
    };
    let (forecast, taxonomy) =
        load_data(&cli.data, forecast_addr.is_some(), taxonomy_addr.is_some())?;
    Ok(Plan {
        forecast: forecast_addr.zip(forecast.map(shared)),
        taxonomy: taxonomy_addr.zip(taxonomy.map(shared)),
    })
}

async fn run(cli: Cli) -> ExitCode {
    let principals = match &cli.access.auth_file {
        None => None,
        Some(path) => match auth::load(path) {
            Ok(shared) => {
                tracing::info!(file = %path.display(), principals = shared.load().iter().count(), "access control on");
                Some(shared)
            }
            Err(e) => return fail(e.exit_code(), &e.to_string()),
        },
    };
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
        if tls.mutual() && cli.access.auth_file.is_none() {
            tracing::warn!(
                "mutual TLS without --auth-file: every client with a certificate from the client CA reads everything; add --auth-file to grant each certificate name its datasets and schemes"
            );
        }
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
    let metrics = cli.observe.admin_listen.map(|_| Arc::new(Metrics::new()));
    if let Some(metrics) = &metrics {
        watch_data(metrics, &plan);
    }
    let exporter = match OtlpConfig::from_env(service_name(&cli.command)).map(Exporter::start) {
        None => None,
        Some(Ok(exporter)) => Some(exporter),
        Some(Err(e)) => return fail(exit::USAGE, &e),
    };
    let sampler = Sampler::from_env(
        std::env::var("OTEL_TRACES_SAMPLER").ok().as_deref(),
        std::env::var("OTEL_TRACES_SAMPLER_ARG").ok().as_deref(),
    );
    let readiness = admin::Readiness::default();
    for (_, routes) in &services {
        readiness.set(routes.name(), false);
    }
    let (lame_duck_switch, lame_duck) = runtime::lame_duck();
    let memory = runtime::budget::memory_limit();
    let budget = cli.connections.budget(memory);
    tracing::info!(
        cgroup_memory_limit = memory,
        max_unsent_bytes_total = budget.max_unsent_bytes,
        max_streams_total = budget.max_streams,
        "process budget"
    );
    let mut options = ServeOptions {
        connections: cli.connections.limits(),
        budget: runtime::budget::ProcessBudget::new(budget),
        grace: cli.shutdown_grace,
        calls: cli.calls.limits(),
        auth: principals.clone(),
        reflection: cli.access.reflection(),
        observer: Observer::new(
            metrics.clone(),
            cli.observe.access_policy(),
            exporter,
            sampler,
        ),
        readiness: readiness.clone(),
        tls: tls.clone(),
        lame_duck,
        cors: cli.access.cors(),
        replies: cli.calls.replies(),
    };
    let wanted = options.connections.max_connections;
    let cap = fd_limit::connection_cap(wanted.saturating_mul(services.len()), fds)
        / services.len().max(1);
    options.connections.max_connections = cap.clamp(1, wanted);
    options.connections.max_connections_per_address = cli
        .connections
        .per_address(options.connections.max_connections);
    options.connections.reserved_connections = cli
        .connections
        .reserved(options.connections.max_connections, cli.authenticating());
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
    let auth_file = cli.access.auth_file.clone().zip(principals);
    if let Some(admin_addr) = cli.observe.admin_listen {
        let listener = match runtime::bind(admin_addr).await {
            Ok(listener) => listener,
            Err(e) => return fail(exit::IO_ERR, &e.to_string()),
        };
        let addr = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        tracing::info!(service = "admin", %addr, "listening");
        let mut stop = stop_rx.clone();
        tokio::spawn(admin::serve(
            listener,
            metrics.clone(),
            readiness,
            cli.observe.admin_limits(),
            async move {
                let _ = stop.wait_for(|stopping| *stopping).await;
            },
        ));
    }
    tokio::spawn(reload_on_change(
        cli.data.clone(),
        plan,
        options.replies.clone(),
        auth_file,
        tls,
        metrics,
        watch_directories(&cli),
    ));

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
    if !cli.shutdown_delay.is_zero() {
        lame_duck_switch.enter();
        tracing::info!(delay = ?cli.shutdown_delay, "lame duck: still serving calls until the drain");
        tokio::select! {
            () = tokio::time::sleep(cli.shutdown_delay) => {}
            second = signals.next() => {
                tracing::warn!("second {} during the lame duck: exiting at once", second.name());
                return ExitCode::from(second.exit_code());
            }
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

/// The default `service.name` of exported spans.
fn service_name(command: &Command) -> &'static str {
    match command {
        Command::Forecast { .. } => "llmarket-forecast",
        Command::Taxonomy { .. } => "llmarket-taxonomy",
        // These exit before anything is served.
        Command::All { .. } | Command::Token { .. } | Command::Data(_) => "llmarket",
    }
}

/// Reports the data versions served now in `llmarket_data_version_info` (read at each scrape,
/// so a reload shows at once).
fn watch_data(metrics: &Metrics, plan: &Plan) {
    if let Some((_, catalog)) = &plan.forecast {
        let catalog = catalog.clone();
        metrics.runtime.watch_data(Box::new(move || {
            catalog
                .load()
                .datasets()
                .iter()
                .map(|dataset| DataLabels {
                    service: "forecast".to_owned(),
                    dataset: dataset.id.clone(),
                    version: dataset.version.clone(),
                })
                .collect()
        }));
    }
    if let Some((_, vocabulary)) = &plan.taxonomy {
        let vocabulary = vocabulary.clone();
        metrics.runtime.watch_data(Box::new(move || {
            vec![DataLabels {
                service: "taxonomy".to_owned(),
                dataset: "vocabulary".to_owned(),
                version: format!("{:016x}", vocabulary.load().version()),
            }]
        }));
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

/// On each SIGHUP reads and validates the data, the auth file and the TLS files again; on each
/// change in a watched `--data` directory (`data_watch`), the data alone. Each is swapped in
/// whole; on a bad one, the error is logged and what was in force stays. The reading, hashing and
/// parsing run on a blocking thread, never on a worker that serves calls. Data reloads are
/// counted by result.
async fn reload_on_change(
    dirs: Vec<std::path::PathBuf>,
    plan: Plan,
    replies: ReplyCache,
    auth_file: Option<(std::path::PathBuf, SharedPrincipals)>,
    tls: Option<ServerTls>,
    metrics: Option<SharedMetrics>,
    mut data_watch: Option<DataWatch>,
) {
    let mut hangup = Hangup::watch();
    loop {
        let everything = tokio::select! {
            Some(()) = hangup.next() => {
                tracing::info!("received SIGHUP: reloading the data, the auth file and TLS");
                true
            }
            Some(()) = async { data_watch.as_mut()?.changed().await } => {
                tracing::info!("a data directory changed: reloading the data");
                false
            }
            else => return,
        };
        let (dirs, plan, replies) = (dirs.clone(), plan.clone(), replies.clone());
        let (auth_file, tls) = (auth_file.clone(), tls.clone());
        let reload = tokio::task::spawn_blocking(move || {
            let accepted = reload_data(&dirs, &plan, &replies);
            if everything {
                reload_credentials(auth_file.as_ref(), tls.as_ref());
            }
            accepted
        });
        let accepted = reload.await.unwrap_or_else(|e| {
            tracing::error!("the reload stopped before it finished ({e}); nothing was swapped in");
            false
        });
        if let Some(metrics) = &metrics {
            metrics.count_reload(accepted);
        }
    }
}

/// Reads the auth file and the TLS files again (SIGHUP), keeping the old ones on any failure.
fn reload_credentials(
    auth_file: Option<&(std::path::PathBuf, SharedPrincipals)>,
    tls: Option<&ServerTls>,
) {
    if let Some((path, shared)) = auth_file {
        match auth::reload(path, shared) {
            Ok(principals) => tracing::info!(principals, "reloaded the auth file"),
            Err(e) => tracing::error!(
                "auth file reload rejected, still using the previous principals: {e}"
            ),
        }
    }
    if let Some(tls) = tls {
        match tls.reload() {
            Ok(()) => tracing::info!("reloaded TLS certificate, key and client CA"),
            Err(e) => tracing::error!(
                "TLS reload rejected, new connections still get the previous certificate: {e}"
            ),
        }
    }
}

/// Watches the `--data` directories when asked to and there are some; a watch that cannot start
/// is logged, and SIGHUP still reloads.
fn watch_directories(cli: &Cli) -> Option<DataWatch> {
    if !cli.data_watch || cli.data.is_empty() {
        return None;
    }
    match data::watch::watch(&cli.data) {
        Ok(watch) => {
            tracing::info!("watching the data directories: a change reloads them");
            Some(watch)
        }
        Err(e) => {
            tracing::warn!("cannot watch the data directories ({e}); SIGHUP still reloads");
            None
        }
    }
}

/// Reads and validates the data of `dirs` and swaps it in whole, then forgets the replies kept
/// from the old data (`replies`), logging the new data version and what changed; on any failure
/// logs it and keeps the old data (and the replies). Whether the new data was taken.
fn reload_data(dirs: &[std::path::PathBuf], plan: &Plan, replies: &ReplyCache) -> bool {
    match load_data(dirs, plan.forecast.is_some(), plan.taxonomy.is_some()) {
        Ok((forecast, taxonomy)) => {
            let mut changes = Changes::default();
            let mut version = None;
            if let (Some((_, shared)), Some(new)) = (&plan.forecast, forecast) {
                changes.extend(shared.load().changes(&new));
                version = Some(new.data_version().clone());
                shared.store(Arc::new(new));
            }
            if let (Some((_, shared)), Some(new)) = (&plan.taxonomy, taxonomy) {
                changes.extend(shared.load().changes(&new));
                version = Some(new.data_version().clone());
                shared.store(Arc::new(new));
            }
            replies.invalidate();
            let version = version.unwrap_or_default();
            tracing::info!(%version, %changes, "reloaded data");
            true
        }
        Err(e) => {
            tracing::error!("reload rejected, still serving the previous data: {e}");
            false
        }
    }
}
