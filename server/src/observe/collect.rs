//! Metrics read at scrape time rather than counted: the process (CPU, resident memory, open
//! descriptors, start time, from `/proc/self`), open connections per service, and the data
//! version each service answers from (an info metric, `llmarket_data_version_info`).

use std::sync::{Arc, Mutex, PoisonError};

use prometheus_client::{
    collector::Collector,
    encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric},
    metrics::{MetricType, counter::ConstCounter, gauge::ConstGauge},
};
use tokio::sync::Semaphore;

/// Linux's clock ticks per second for `/proc` times (`sysconf(_SC_CLK_TCK)`, 100 on every
/// architecture Linux runs on today).
const CLOCK_TICKS: f64 = 100.0;

/// One dataset's (or vocabulary's) version, as the info metric labels it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct DataLabels {
    /// `forecast` or `taxonomy`.
    pub service: String,
    /// The dataset id (e.g. `cic-global-llm-2026`), or `vocabulary`.
    pub dataset: String,
    /// Its version.
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ServiceLabel {
    grpc_service: &'static str,
}

/// Reads the versions of the data a service serves now.
pub type DataSource = Box<dyn Fn() -> Vec<DataLabels> + Send + Sync>;

/// The scrape-time collector; services and data register here as a process starts.
#[derive(Default)]
pub struct Runtime {
    connections: Mutex<Vec<(&'static str, Arc<Semaphore>, usize)>>,
    data: Mutex<Vec<DataSource>>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime").finish_non_exhaustive()
    }
}

impl Runtime {
    /// Reports `service`'s open connections as `cap` less the free `permits`.
    pub fn watch_connections(&self, service: &'static str, permits: Arc<Semaphore>, cap: usize) {
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((service, permits, cap));
    }

    /// Reports the versions `source` reads at each scrape.
    pub fn watch_data(&self, source: DataSource) {
        self.data
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(source);
    }
}

fn gauge(
    encoder: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    value: f64,
) -> Result<(), std::fmt::Error> {
    let metric = ConstGauge::new(value);
    metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)
}

impl Collector for Runtime {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let process = Process::read();
        if let Some(cpu) = process.cpu_seconds {
            let metric = ConstCounter::new(cpu);
            metric.encode(encoder.encode_descriptor(
                "process_cpu_seconds",
                "Total user and system CPU time spent in seconds",
                None,
                MetricType::Counter,
            )?)?;
        }
        for (name, help, value) in [
            (
                "process_resident_memory_bytes",
                "Resident memory size in bytes",
                process.rss_bytes,
            ),
            (
                "process_open_fds",
                "Number of open file descriptors",
                process.open_fds,
            ),
            (
                "process_max_fds",
                "Maximum number of open file descriptors",
                process.max_fds,
            ),
            (
                "process_start_time_seconds",
                "Start time of the process since unix epoch in seconds",
                process.start_time,
            ),
        ] {
            if let Some(value) = value {
                gauge(&mut encoder, name, help, value)?;
            }
        }
        {
            let connections = self
                .connections
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let mut family = encoder.encode_descriptor(
                "llmarket_open_connections",
                "Connections open now, per service listener",
                None,
                MetricType::Gauge,
            )?;
            for (service, permits, cap) in connections.iter() {
                let open = cap.saturating_sub(permits.available_permits());
                let labels = ServiceLabel {
                    grpc_service: service,
                };
                ConstGauge::new(i64::try_from(open).unwrap_or(i64::MAX))
                    .encode(family.encode_family(&labels)?)?;
            }
        }
        let data = self.data.lock().unwrap_or_else(PoisonError::into_inner);
        let mut family = encoder.encode_descriptor(
            "llmarket_data_version_info",
            "The version of each dataset and vocabulary served now (always 1)",
            None,
            MetricType::Gauge,
        )?;
        for labels in data.iter().flat_map(|source| source()) {
            ConstGauge::new(1i64).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

/// The process's own figures from `/proc/self`; each is absent where `/proc` is not.
#[derive(Debug, Default)]
struct Process {
    cpu_seconds: Option<f64>,
    rss_bytes: Option<f64>,
    open_fds: Option<f64>,
    max_fds: Option<f64>,
    start_time: Option<f64>,
}

impl Process {
    fn read() -> Self {
        let stat = std::fs::read_to_string("/proc/self/stat").ok();
        // Fields after the command name (which may hold spaces), from field 3 (state) on.
        let fields: Vec<&str> = stat
            .as_deref()
            .and_then(|s| s.rsplit_once(')'))
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<f64>().ok());
        let cpu_seconds = field(14).zip(field(15)).map(|(u, s)| (u + s) / CLOCK_TICKS);
        let boot = std::fs::read_to_string("/proc/stat").ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("btime "))
                .and_then(|v| v.trim().parse::<f64>().ok())
        });
        let start_time = field(22)
            .zip(boot)
            .map(|(ticks, boot)| boot + ticks / CLOCK_TICKS);
        let rss_bytes = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
                    .map(|kb| kb * 1024.0)
            });
        let open_fds = std::fs::read_dir("/proc/self/fd")
            .ok()
            .map(|dir| dir.count() as f64);
        let max_fds = std::fs::read_to_string("/proc/self/limits")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("Max open files"))
                    .and_then(|l| l.split_whitespace().nth(3))
                    .and_then(|v| v.parse::<f64>().ok())
            });
        Self {
            cpu_seconds,
            rss_bytes,
            open_fds,
            max_fds,
            start_time,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::Metrics;

    #[test]
    fn a_scrape_reads_the_process_connections_and_data() {
        let metrics = Metrics::new();
        let permits = Arc::new(Semaphore::new(10));
        let _held = permits.clone().try_acquire_many_owned(3).unwrap();
        metrics
            .runtime
            .watch_connections("llmarket.forecast.v1.ForecastService", permits, 10);
        metrics.runtime.watch_data(Box::new(|| {
            vec![DataLabels {
                service: "forecast".to_owned(),
                dataset: "d".to_owned(),
                version: "v1".to_owned(),
            }]
        }));
        let text = metrics.encode();
        assert!(
            text.contains(
                "llmarket_open_connections{grpc_service=\"llmarket.forecast.v1.ForecastService\"} 3"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "llmarket_data_version_info{service=\"forecast\",dataset=\"d\",version=\"v1\"} 1"
            ),
            "{text}"
        );
        if cfg!(target_os = "linux") {
            for name in [
                "process_cpu_seconds_total ",
                "process_resident_memory_bytes ",
                "process_open_fds ",
                "process_start_time_seconds ",
            ] {
                assert!(text.contains(name), "{name} missing: {text}");
            }
        }
    }
}
