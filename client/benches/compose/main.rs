//! Does a composed query cost no more than its slowest call? This measures `market_overview`
//! (ten calls fanned out at once over the two services' channels) against each of its
//! constituent calls alone, against the ten made one after another, and against the ten made
//! at once through the raw generated clients (over tonic `Channel`s, and straight over one hyper
//! connection per service, [`direct::Direct`]), then prints `composed / slowest constituent`
//! (issue 13's goals: at most 1.5 on bare loopback, at most 1.2 with 2 ms of latency per call).
//!
//! The servers are run as shipped: the release `llmarket-server all` (its defaults: limits on,
//! metrics on an admin listener, TCP_NODELAY on accepted sockets) as a child process, taken from
//! `LLMARKET_SERVER_BIN` or `tests/release.sh`'s output
//! (`target/x86_64-unknown-linux-gnu/release/llmarket-server`). Without either, both services
//! are served in this process by `runtime::serve` (the same accept loop and middleware) on a
//! runtime of their own; the summary says which.
//!
//! Latency is simulated by [`latency::DelayProxy`], a TCP proxy on loopback between the client
//! and each server that holds every chunk 1 ms in each direction, so every call pays a 2 ms round
//! trip. Client and servers are unchanged.
//!
//! Each summary also gives the CPU time (user + system, client and server processes, 10 ms
//! ticks) per composed query and per constituent call: on a machine with few cores, a fan-out
//! cannot finish sooner than its CPU time divided by the cores it gets.
//!
//! The client runs on a two-worker runtime, as the `llmarket` command's;
//! `COMPOSE_CURRENT_THREAD=1` runs it on a current-thread runtime instead.
//!
//! Run: `cargo bench -p llmarket-client --bench compose -- --warm-up-time 1 --measurement-time 3`

mod direct;
mod latency;
#[path = "../shared/release.rs"]
mod release;

use std::{
    future::Future,
    net::SocketAddr,
    pin::Pin,
    time::{Duration, Instant},
};

use criterion::{Criterion, criterion_group};
use direct::Direct;
use latency::DelayProxy;
use llmarket_client::{
    Client, ClientConfig,
    reports::{Language, YearSpan},
};
use llmarket_proto::llmarket::{
    forecast::v2::{self as fpb, forecast_service_client::ForecastServiceClient},
    taxonomy::v2::{self as tpb, taxonomy_service_client::TaxonomyServiceClient},
};
use llmarket_tests::{Servers, process::ServerProcess};
use release::{TICK, cpu_ticks, release_server, start_all};
use tokio::runtime::Runtime;
use tonic::transport::Endpoint;
const DATASET: &str = "datasets/cic-global-llm";
const SERIES: &str = "datasets/cic-global-llm/series/market-size";
const SCHEMES: [&str; 4] = [
    "datasets/cic-global-llm/schemes/drivers",
    "datasets/cic-global-llm/schemes/trends",
    "datasets/cic-global-llm/schemes/barriers",
    "datasets/cic-global-llm/schemes/capability-levels",
];

type Call = Pin<Box<dyn Future<Output = ()> + Send>>;
type Constituent = (String, Box<dyn Fn() -> Call>);

/// A constituent call named `name`: `rpc` on a clone of `client` (a generated client).
fn constituent<C, F, Fut>(name: impl Into<String>, client: C, rpc: F) -> Constituent
where
    C: Clone + 'static,
    F: Fn(C) -> Fut + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    (name.into(), Box::new(move || Box::pin(rpc(client.clone()))))
}

/// The ten calls `market_overview` makes, each as the raw generated client makes it over
/// `forecast` and `taxonomy` (tonic `Channel`s, or [`Direct`] connections).
fn constituents<T>(forecast: T, taxonomy: T) -> Vec<Constituent>
where
    T: tonic::client::GrpcService<tonic::body::Body> + Clone + Send + 'static,
    T::Future: Send,
    T::Error: Into<tonic::codegen::StdError>,
    T::ResponseBody: tonic::codegen::Body<Data = tonic::codegen::Bytes> + Send + 'static,
    <T::ResponseBody as tonic::codegen::Body>::Error: Into<tonic::codegen::StdError> + Send,
{
    let f = ForecastServiceClient::new(forecast);
    let mut calls = vec![
        constituent("GetDataset", f.clone(), |mut c| async move {
            let request = fpb::GetDatasetRequest {
                name: DATASET.to_owned(),
            };
            c.get_dataset(request).await.expect("GetDataset");
        }),
        constituent("ListEditions", f.clone(), |mut c| async move {
            let request = fpb::ListEditionsRequest {
                parent: DATASET.to_owned(),
                page_size: 1000,
                ..Default::default()
            };
            c.list_editions(request).await.expect("ListEditions");
        }),
        constituent("GetSeries", f.clone(), |mut c| async move {
            let request = fpb::GetSeriesRequest {
                name: SERIES.to_owned(),
                ..Default::default()
            };
            c.get_series(request).await.expect("GetSeries");
        }),
        constituent("QueryObservations", f.clone(), |mut c| async move {
            let request = fpb::QueryObservationsRequest {
                name: SERIES.to_owned(),
                fill: fpb::Fill::CagrInterpolate as i32,
                ..Default::default()
            };
            c.query_observations(request)
                .await
                .expect("QueryObservations");
        }),
        constituent("ComputeGrowth", f.clone(), |mut c| async move {
            let request = fpb::ComputeGrowthRequest {
                name: SERIES.to_owned(),
                fill: fpb::Fill::CagrInterpolate as i32,
                ..Default::default()
            };
            c.compute_growth(request).await.expect("ComputeGrowth");
        }),
        constituent("ComputeBreakdown", f, |mut c| async move {
            let request = fpb::ComputeBreakdownRequest {
                name: SERIES.to_owned(),
                fill: fpb::Fill::None as i32,
                ..Default::default()
            };
            c.compute_breakdown(request)
                .await
                .expect("ComputeBreakdown");
        }),
    ];
    let t = TaxonomyServiceClient::new(taxonomy);
    calls.extend(SCHEMES.map(|scheme| {
        constituent(
            format!("ListConcepts({scheme})"),
            t.clone(),
            move |mut c| async move {
                let request = tpb::ListConceptsRequest {
                    parent: scheme.to_owned(),
                    page_size: 1000,
                    view: tpb::ConceptView::Full.into(),
                    ..Default::default()
                };
                c.list_concepts(request).await.expect("ListConcepts");
            },
        )
    }));
    calls
}

/// Both services, as shipped: the release binary when there is one, else in this process.
enum Backend {
    Process(ServerProcess),
    InProcess { servers: Servers, _runtime: Runtime },
}

impl Backend {
    fn start() -> Self {
        match release_server() {
            Some(bin) => Self::Process(start_all(&bin, &[])),
            None => {
                let runtime = new_runtime();
                let servers = runtime.block_on(Servers::start());
                Self::InProcess {
                    servers,
                    _runtime: runtime,
                }
            }
        }
    }

    fn addrs(&self) -> (SocketAddr, SocketAddr) {
        match self {
            Self::Process(process) => (process.addr("forecast"), process.addr("taxonomy")),
            Self::InProcess { servers, .. } => (servers.forecast.addr, servers.taxonomy.addr),
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Process(process) => format!(
                "release llmarket-server all (pid {}), a child process",
                process.pid()
            ),
            Self::InProcess { .. } => {
                "runtime::serve in this process (no release binary found)".to_owned()
            }
        }
    }

    /// CPU ticks used so far by this process (client and proxies) and by the server's (0 when
    /// the servers run in this process).
    fn cpu_ticks(&self) -> (u64, u64) {
        let own = cpu_ticks("/proc/self/stat");
        match self {
            Self::Process(process) => (own, cpu_ticks(&format!("/proc/{}/stat", process.pid()))),
            Self::InProcess { .. } => (own, 0),
        }
    }
}

struct Setup {
    runtime: Runtime,
    client: std::sync::Arc<Client>,
    calls: Vec<Constituent>,
    /// The same calls over [`Direct`] connections.
    direct: Vec<Constituent>,
    backend: std::rc::Rc<Backend>,
    _proxies: Vec<DelayProxy>,
}

/// The client (as users make it, `Client::connect`) and the raw constituents, to the servers
/// of `backend` directly, or through proxies adding `one_way` in each direction.
fn connect(backend: std::rc::Rc<Backend>, one_way: Duration) -> Setup {
    let runtime = if std::env::var_os("COMPOSE_CURRENT_THREAD").is_some() {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    } else {
        new_runtime()
    };
    let (forecast, taxonomy) = backend.addrs();
    let (client, calls, direct, proxies) = runtime.block_on(async {
        let (forecast, taxonomy, proxies) = if one_way.is_zero() {
            (forecast, taxonomy, Vec::new())
        } else {
            let proxies = vec![
                DelayProxy::start(forecast, one_way),
                DelayProxy::start(taxonomy, one_way),
            ];
            (proxies[0].addr, proxies[1].addr, proxies)
        };
        let direct = constituents(
            Direct::connect(forecast).await,
            Direct::connect(taxonomy).await,
        );
        let (forecast, taxonomy) = (format!("http://{forecast}"), format!("http://{taxonomy}"));
        let client = Client::connect(ClientConfig {
            forecast: vec![forecast.clone()],
            taxonomy: vec![taxonomy.clone()],
            ..ClientConfig::default()
        })
        .await
        .expect("client");
        let channel = |url: String| async move {
            Endpoint::from_shared(url)
                .expect("url")
                .tcp_nodelay(true)
                .connect()
                .await
                .expect("connect")
        };
        let calls = constituents(channel(forecast).await, channel(taxonomy).await);
        (std::sync::Arc::new(client), calls, direct, proxies)
    });
    Setup {
        runtime,
        client,
        calls,
        direct,
        backend,
        _proxies: proxies,
    }
}

/// A runtime like the `llmarket` command's: two worker threads.
fn new_runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

async fn overview(client: &Client) {
    let report = client
        .market_overview(DATASET, YearSpan::all(), Language::En)
        .await
        .expect("market overview");
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

fn bench(c: &mut Criterion) {
    let backend = std::rc::Rc::new(Backend::start());
    let setup = connect(backend.clone(), Duration::ZERO);
    setup.runtime.block_on(overview(&setup.client));
    let mut group = c.benchmark_group("compose");
    group.bench_function("market_overview", |b| {
        b.iter(|| setup.runtime.block_on(overview(&setup.client)));
    });
    for (name, call) in &setup.calls {
        group.bench_function(format!("alone/{name}"), |b| {
            b.iter(|| setup.runtime.block_on(call()));
        });
    }
    group.bench_function("sequential/all ten", |b| {
        b.iter(|| {
            setup.runtime.block_on(async {
                for (_, call) in &setup.calls {
                    call().await;
                }
            });
        });
    });
    group.finish();
    drop(setup);
    println!("\nservers: {}", backend.describe());
    // Fresh connections: the direct ones sat unused through the runs above, and a server closes
    // a connection idle for `--idle-timeout` (on a busy machine those runs can take that long).
    summary(
        "bare loopback",
        &connect(backend.clone(), Duration::ZERO),
        600,
        1.5,
    );
    summary(
        "2 ms of latency per call (a delaying proxy, 1 ms each way)",
        &connect(backend, Duration::from_millis(1)),
        150,
        1.2,
    );
}

/// CPU time per round: of this process (client, proxies) and of the server's.
#[derive(Debug, Clone, Copy, Default)]
struct Cpu {
    client: Duration,
    server: Duration,
}

impl std::ops::AddAssign for Cpu {
    fn add_assign(&mut self, other: Self) {
        self.client += other.client;
        self.server += other.server;
    }
}

impl std::fmt::Display for Cpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CPU {:?} (client {:?}, server {:?})",
            self.client + self.server,
            self.client,
            self.server
        )
    }
}

/// The median of `rounds` timings of `work`, and its CPU time per round.
fn timed(setup: &Setup, rounds: usize, work: impl Fn() -> Call) -> (Duration, Cpu) {
    setup.runtime.block_on(work());
    let before = setup.backend.cpu_ticks();
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let started = Instant::now();
            setup.runtime.block_on(work());
            started.elapsed()
        })
        .collect();
    let after = setup.backend.cpu_ticks();
    let per_round = |ticks: u64| TICK * u32::try_from(ticks).expect("ticks") / rounds as u32;
    let cpu = Cpu {
        client: per_round(after.0 - before.0),
        server: per_round(after.1 - before.1),
    };
    times.sort();
    (times[times.len() / 2], cpu)
}

/// Medians of the composed query and of each constituent, their CPU time, and the ratio.
fn summary(title: &str, setup: &Setup, rounds: usize, goal: f64) {
    let client = &setup.client;
    let (composed, composed_cpu) = timed(setup, rounds, || {
        let client = client.clone();
        Box::pin(async move { overview(&client).await })
    });
    // The same ten calls at once through the raw generated clients: the transport's own cost
    // of a fan-out, without this client's conversions.
    let (raw, raw_cpu) = timed(setup, rounds, || {
        let calls: Vec<Call> = setup.calls.iter().map(|(_, call)| call()).collect();
        Box::pin(async move {
            let mut set = tokio::task::JoinSet::new();
            for call in calls {
                set.spawn(call);
            }
            while let Some(done) = set.join_next().await {
                done.expect("call task");
            }
        })
    });
    // The same, polled by one task (as the composed query's `join!` polls its calls).
    let (one_task, one_task_cpu) = timed(setup, rounds, || {
        let calls: Vec<Call> = setup.calls.iter().map(|(_, call)| call()).collect();
        Box::pin(async move {
            futures_util::future::join_all(calls).await;
        })
    });
    // The same ten at once, each sent from the caller's task over one hyper connection per
    // service: the client's cost without tonic's `Channel`.
    let (direct, direct_cpu) = timed(setup, rounds, || {
        let calls: Vec<Call> = setup.direct.iter().map(|(_, call)| call()).collect();
        Box::pin(async move {
            futures_util::future::join_all(calls).await;
        })
    });
    let (direct_alone, direct_alone_cpu) = setup
        .direct
        .iter()
        .map(|(_, call)| timed(setup, rounds, call))
        .max_by_key(|(time, _)| *time)
        .expect("ten calls");
    let mut slowest = (String::new(), Duration::ZERO, Cpu::default());
    let (mut sum, mut sum_cpu) = (Duration::ZERO, Cpu::default());
    for (name, call) in &setup.calls {
        let (alone, cpu) = timed(setup, rounds, call);
        sum += alone;
        sum_cpu += cpu;
        if alone > slowest.1 {
            slowest = (name.clone(), alone, cpu);
        }
    }
    let ratio = composed.as_secs_f64() / slowest.1.as_secs_f64();
    println!();
    println!("{title}, median of {rounds}:");
    println!("market_overview (10 calls at once): {composed:?}, {composed_cpu}");
    println!(
        "slowest constituent alone:          {:?}, {} ({})",
        slowest.1, slowest.2, slowest.0
    );
    println!("the ten one by one (sum):           {sum:?}, {sum_cpu}");
    println!("the ten raw calls at once:          {raw:?}, {raw_cpu}");
    println!("the same, polled by one task:       {one_task:?}, {one_task_cpu}");
    println!("the same over hyper, no Channel:    {direct:?}, {direct_cpu}");
    println!("  its slowest call alone:           {direct_alone:?}, {direct_alone_cpu}");
    println!(
        "  at once / slowest alone = {:.2}",
        direct.as_secs_f64() / direct_alone.as_secs_f64()
    );
    println!(
        "composed / slowest constituent = {ratio:.2} (goal <= {goal}: {}); composed / sum = {:.2}; \
         composed / raw fan-out = {:.2}",
        if ratio <= goal { "met" } else { "not met" },
        composed.as_secs_f64() / sum.as_secs_f64(),
        composed.as_secs_f64() / raw.as_secs_f64()
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
