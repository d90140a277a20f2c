//! The server process: what it serves (the `Plan`), how it starts and binds, the one layer
//! order every call passes ([`stack`](fn@stack)), and the one reload path (`reload`).
//!
//! Order of work in [`run`]: auth file (65 bad, 74 unreadable) → data (65 bad, 74 unreadable) →
//! TLS files (65 bad, 74 unreadable) → bind (74) → open-file limit raised → log addresses →
//! serve → SIGINT/SIGTERM → lame duck for `--shutdown-delay` (health NOT_SERVING, calls still
//! served) → watches ended (UNAVAILABLE) → drain within the grace period → spans still queued
//! flushed to the OTLP collector (at most [`otlp::FLUSH_TIMEOUT`]) → exit 0. A second SIGINT/SIGTERM during the drain
//! exits at once (130/143).

mod compression;
pub mod data_watch;
pub mod quoted;
mod reload;
pub mod routes;
pub mod stack;
mod watched;

use std::{process::ExitCode, sync::Arc};

use arc_swap::ArcSwap;
use llmarket_forecast as forecast;
use llmarket_kit::data::{self, LoadError, Shared};
use llmarket_serving::{self as serving, ServiceRoutes, Signals, fd_limit, tls::ServerTls};
use llmarket_taxonomy as taxonomy;
use sysexits::ExitCode as Sysexit;
use tokio::{sync::watch, task::JoinSet};

pub use self::stack::{ServeOptions, serve, stack};
use crate::{
    auth,
    commands::fail,
    config::{Cli, Command},
    observe::{
        Metrics, Observer, admin,
        collect::DataLabels,
        otlp::{self, ExportError, TraceExport},
    },
};

/// Which services this process runs, with the data each needs.
#[derive(Clone)]
struct Plan {
    forecast: Option<(std::net::SocketAddr, Shared<forecast::Catalog>)>,
    taxonomy: Option<(std::net::SocketAddr, Shared<taxonomy::Vocabulary>)>,
    /// What the watch service streams: every accepted reload is published into it.
    watch: llmarket_watch::Hub,
}

fn shared<T>(value: T) -> Shared<T> {
    Arc::new(ArcSwap::from_pointee(value))
}

/// Reads `dirs` (after the built-in data) and loads the data of the services asked for. The
/// forecast catalog learns which concepts explain each series from the vocabulary when the
/// process serves it too, else from the taxonomy files' links alone ([`taxonomy::links`]), so
/// a forecast-only process builds no vocabulary and no file is parsed twice.
fn load_data(
    dirs: &[std::path::PathBuf],
    want_forecast: bool,
    want_taxonomy: bool,
) -> Result<(Option<forecast::Catalog>, Option<taxonomy::Vocabulary>), LoadError> {
    let sources = data::all_sources(dirs)?;
    let taxonomy = want_taxonomy
        .then(|| taxonomy::Vocabulary::load(&sources))
        .transpose()?;
    let forecast = want_forecast
        .then(|| -> Result<_, LoadError> {
            let editions = match &taxonomy {
                Some(vocabulary) => taxonomy::links::of_editions(vocabulary.editions()),
                None => taxonomy::links::series_links(&sources)?,
            };
            let links = editions.iter().flat_map(|e| {
                e.links.iter().map(|link| forecast::model::ConceptLink {
                    dataset: &e.edition.dataset,
                    edition: &e.edition.id,
                    series: &link.series,
                    concept: &link.concept,
                    scheme: &link.scheme,
                    v1_served: link.v1_served,
                })
            });
            Ok(forecast::Catalog::load(&sources)?.with_concepts(links))
        })
        .transpose()?;
    if let Some(vocabulary) = &taxonomy {
        for (name, dataset) in vocabulary.editions().shadowed() {
            tracing::info!(
                v1_name = %name,
                dataset = %dataset,
                "an earlier dataset has this v1 id: v1 serves that one, this dataset's only through v2"
            );
        }
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
    for quote in quoted::quoted_figures(catalog, vocabulary) {
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
    let state = watched::state(watched::Served {
        forecast: forecast.as_ref(),
        taxonomy: taxonomy.as_ref(),
    });
    Ok(Plan {
        forecast: forecast_addr.zip(forecast.map(shared)),
        taxonomy: taxonomy_addr.zip(taxonomy.map(shared)),
        watch: llmarket_watch::Hub::new(state, cli.watch_heartbeat),
    })
}

/// The trace exporter the standard `OTEL_*` variables ask for (none: no endpoint set); must
/// run inside the runtime that will carry the exports.
pub fn trace_export(
    cli: &Cli,
) -> Result<Option<opentelemetry_sdk::trace::SdkTracerProvider>, ExportError> {
    TraceExport::from_env(service_name(&cli.command))?
        .map(|export| export.start())
        .transpose()
}

/// Serves what `cli` asks for until a signal stops it; the exit code. With `traces` (from
/// [`trace_export`]), each call's server span is exported, and the spans still queued are
/// flushed after the drain.
pub async fn run(
    cli: Cli,
    traces: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
) -> ExitCode {
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
        match serving::bind(*addr).await {
            Ok(listener) => services.push((
                listener,
                routes::forecast(catalog.clone()).also(routes::watch(&plan.watch)),
            )),
            Err(e) => return fail(Sysexit::IoErr, &e.to_string()),
        }
    }
    if let Some((addr, vocabulary)) = &plan.taxonomy {
        match serving::bind(*addr).await {
            Ok(listener) => services.push((
                listener,
                routes::taxonomy(vocabulary.clone()).also(routes::watch(&plan.watch)),
            )),
            Err(e) => return fail(Sysexit::IoErr, &e.to_string()),
        }
    }

    // Every listener shares the process's descriptors: each gets its share of the room.
    let fds = fd_limit::raise();
    let metrics = cli.observe.admin_listen.map(|_| Arc::new(Metrics::new()));
    if let Some(metrics) = &metrics {
        watch_data(metrics, &plan);
    }
    let readiness = serving::Readiness::default();
    for (_, routes) in &services {
        readiness.set(routes.name(), false);
    }
    let (lame_duck_switch, lame_duck) = serving::lame_duck();
    let memory = serving::budget::memory_limit();
    let budget = cli.connections.budget(memory);
    tracing::info!(
        cgroup_memory_limit = memory,
        max_unsent_bytes_total = budget.max_unsent_bytes,
        max_streams_total = budget.max_streams,
        "process budget"
    );
    let mut options = ServeOptions {
        connections: cli.connections.limits(),
        grace: cli.shutdown_grace,
        calls: cli.calls.limits(),
        auth: principals.clone(),
        max_calls_per_principal: cli.calls.max_calls_per_principal,
        budget: serving::budget::ProcessBudget::new(budget),
        reflection: cli.access.reflection(),
        observer: Observer::new(
            metrics.clone(),
            cli.observe.access_policy(),
            traces.is_some(),
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
        tasks.spawn(serve(listener, routes, shutdown, options.clone()));
    }
    let auth_file = cli.access.auth_file.clone().zip(principals);
    if let Some(admin_addr) = cli.observe.admin_listen {
        let listener = match serving::bind(admin_addr).await {
            Ok(listener) => listener,
            Err(e) => return fail(Sysexit::IoErr, &e.to_string()),
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
    let watches = plan.watch.clone();
    tokio::spawn(reload::reload_on_change(
        cli.data.clone(),
        plan,
        options.replies.clone(),
        auth_file,
        tls,
        metrics,
        reload::watch_directories(&cli),
    ));

    tokio::select! {
        _ = signals.next() => {}
        Some(result) = tasks.join_next() => {
            // A server ended on its own: stop the others too and report.
            watches.close();
            let _ = stop_tx.send(true);
            let code = report(result);
            while tasks.join_next().await.is_some() {}
            if let Some(traces) = traces {
                otlp::flush(traces).await;
            }
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
    // Watches never end on their own: they end now, so they do not hold the drain.
    watches.close();
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
            if let Some(traces) = traces {
                otlp::flush(traces).await;
            }
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

fn report(result: Result<Result<(), serving::ServeError>, tokio::task::JoinError>) -> ExitCode {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_serving_both_links_the_series_to_the_concepts_a_forecast_process_does() {
        let test_edition = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data/cic-global-llm-2027-test");
        let dirs = [test_edition];
        let (both, vocabulary) = load_data(&dirs, true, true).unwrap();
        let (alone, none) = load_data(&dirs, true, false).unwrap();
        assert!(vocabulary.is_some() && none.is_none());
        let (both, alone) = (both.unwrap(), alone.unwrap());
        assert_eq!(both, alone);
        let edition = both.dataset("cic-global-llm-2027-test").unwrap();
        assert!(!edition.concepts_of("market-size").is_empty());
    }
}
