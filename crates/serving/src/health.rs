//! The standard health service as this runtime serves it, and the lame duck that turns it
//! NOT_SERVING ahead of the drain, and the [`Readiness`] every service of a process reports to.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, PoisonError},
};

use tokio::sync::watch;
use tonic::server::NamedService;
use tonic_health::{ServingStatus, server::HealthReporter};

/// Name of the standard health service, from its generated type.
pub const HEALTH_SERVICE_NAME: &str = <tonic_health::pb::health_server::HealthServer<
    tonic_health::server::HealthService,
> as NamedService>::NAME;

/// Watched by every service: once entered, health and `/readyz` say NOT_SERVING while calls are
/// still served (`--shutdown-delay`). The default is never entered.
#[derive(Debug, Clone)]
pub struct LameDuck {
    entered: watch::Receiver<bool>,
}

/// Enters the lame duck of every [`LameDuck`] made with it.
#[derive(Debug)]
pub struct LameDuckSwitch {
    entered: watch::Sender<bool>,
}

/// A switch and the lame duck it enters.
pub fn lame_duck() -> (LameDuckSwitch, LameDuck) {
    let (tx, rx) = watch::channel(false);
    (LameDuckSwitch { entered: tx }, LameDuck { entered: rx })
}

impl LameDuckSwitch {
    /// Turns every service's health NOT_SERVING (calls are still served).
    pub fn enter(&self) {
        self.entered.send_replace(true);
    }
}

impl LameDuck {
    /// Completes once entered; never, if its switch is dropped first.
    pub async fn entered(mut self) {
        if self.entered.wait_for(|entered| *entered).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

impl Default for LameDuck {
    fn default() -> Self {
        lame_duck().1
    }
}

/// Sets the health of `services` (those one listener serves) and the whole server's (the empty
/// service name) to `status` together.
pub(crate) async fn set_health(
    reporter: &HealthReporter,
    services: &[&str],
    status: ServingStatus,
) {
    reporter.set_service_status("", status).await;
    for service in services {
        reporter.set_service_status(*service, status).await;
    }
}

/// Which services of the process are SERVING; ready when all are.
#[derive(Debug, Clone, Default)]
pub struct Readiness {
    services: Arc<Mutex<BTreeMap<&'static str, bool>>>,
}

impl Readiness {
    /// Records whether `service` is serving (a service named before it starts is not ready).
    pub fn set(&self, service: &'static str, serving: bool) {
        self.services
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(service, serving);
    }

    /// Ready: at least one service, and every one serving.
    pub fn is_ready(&self) -> bool {
        let services = self.services.lock().unwrap_or_else(PoisonError::into_inner);
        !services.is_empty() && services.values().all(|serving| *serving)
    }

    /// One line per service: its name and SERVING or NOT_SERVING.
    pub fn describe(&self) -> String {
        let services = self.services.lock().unwrap_or_else(PoisonError::into_inner);
        services
            .iter()
            .map(|(name, serving)| {
                let state = if *serving { "SERVING" } else { "NOT_SERVING" };
                format!("{name} {state}\n")
            })
            .collect()
    }
}
