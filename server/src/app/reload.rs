//! The one reload path: SIGHUP reloads the data, the auth file and the TLS files; a change in a
//! watched `--data` directory reloads the data alone. Each is read, validated and swapped in
//! whole on a blocking thread; on a bad one the error is logged and what was in force stays.

use std::{path::PathBuf, sync::Arc};

use llmarket_kit::data::changes::Changes;
use llmarket_serving::{Hangup, middleware::ReplyCache, tls::ServerTls};

use super::{
    Plan,
    data_watch::DataWatch,
    load_data,
    watched::{self, Served},
};
use crate::{
    auth::{self, SharedPrincipals},
    config::Cli,
    observe::SharedMetrics,
};

/// On each SIGHUP reads and validates the data, the auth file and the TLS files again; on each
/// change in a watched `--data` directory (`data_watch`), the data alone. Each is swapped in
/// whole; on a bad one, the error is logged and what was in force stays. The reading, hashing and
/// parsing run on a blocking thread, never on a worker that serves calls. Data reloads are
/// counted by result.
pub(super) async fn reload_on_change(
    dirs: Vec<PathBuf>,
    plan: Plan,
    replies: ReplyCache,
    auth_file: Option<(PathBuf, SharedPrincipals)>,
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
fn reload_credentials(auth_file: Option<&(PathBuf, SharedPrincipals)>, tls: Option<&ServerTls>) {
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
pub(super) fn watch_directories(cli: &Cli) -> Option<DataWatch> {
    if !cli.data_watch || cli.data.is_empty() {
        return None;
    }
    match super::data_watch::watch(&cli.data) {
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
/// from the old data (`replies`), tells the watches what changed (`plan.watch`), and logs the
/// new data version and what changed; on any failure
/// logs it and keeps the old data (and the replies). Whether the new data was taken.
fn reload_data(dirs: &[PathBuf], plan: &Plan, replies: &ReplyCache) -> bool {
    match load_data(dirs, plan.forecast.is_some(), plan.taxonomy.is_some()) {
        Ok((forecast, taxonomy)) => {
            let mut changes = Changes::default();
            let mut version = None;
            let old_forecast = plan.forecast.as_ref().map(|(_, s)| s.load_full());
            let old_taxonomy = plan.taxonomy.as_ref().map(|(_, s)| s.load_full());
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
            let (new_forecast, new_taxonomy) = (
                plan.forecast.as_ref().map(|(_, s)| s.load_full()),
                plan.taxonomy.as_ref().map(|(_, s)| s.load_full()),
            );
            plan.watch.publish(watched::reload(
                Served {
                    forecast: old_forecast.as_deref(),
                    taxonomy: old_taxonomy.as_deref(),
                },
                Served {
                    forecast: new_forecast.as_deref(),
                    taxonomy: new_taxonomy.as_deref(),
                },
                &changes,
            ));
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
