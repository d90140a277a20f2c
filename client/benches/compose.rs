//! Does a composed query cost no more than its slowest call? With both servers in-process, this
//! measures `market_overview` (nine calls fanned out at once) against each of its constituent
//! calls alone and against the nine run one after another, then prints
//! `composed / slowest constituent` (goal: at most 1.2, i.e. the fan-out is concurrent).
//!
//! The ratio is measured twice: against servers that set TCP_NODELAY, and against the servers
//! as `llmarket-server` runs them (whose accepted sockets keep Nagle's algorithm on, so every
//! call waits for a delayed ACK, about 40 ms, which hides everything else).
//!
//! Run: `cargo bench -p llmarket-client --bench compose -- --warm-up-time 1 --measurement-time 3`

use std::{
    future::Future,
    pin::Pin,
    time::{Duration, Instant},
};

use criterion::{Criterion, criterion_group};
use llmarket_client::{
    Client, ClientConfig,
    reports::{Language, YearSpan},
};
use llmarket_proto::{
    forecast::{self as fpb, forecast_service_client::ForecastServiceClient},
    taxonomy::{self as tpb, taxonomy_service_client::TaxonomyServiceClient},
};
use llmarket_server::{forecast, taxonomy};
use llmarket_tests::{Servers, builtin_catalog, builtin_vocabulary};
use tokio::runtime::Runtime;
use tonic::{
    codegen::http,
    service::Routes,
    transport::{Channel, Endpoint, Server, server::TcpIncoming},
};

const DATASET: &str = "datasets/cic-global-llm-2026";
const SERIES: &str = "datasets/cic-global-llm-2026/series/market-size";
const SCHEMES: [&str; 4] = [
    "schemes/drivers",
    "schemes/trends",
    "schemes/barriers",
    "schemes/capability-levels",
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

/// The nine calls `market_overview` makes, each as the raw generated client makes it.
fn constituents(forecast: &Channel, taxonomy: &Channel) -> Vec<Constituent> {
    let f = ForecastServiceClient::new(forecast.clone());
    let mut calls = vec![
        constituent("GetDataset", f.clone(), |mut c| async move {
            let request = fpb::GetDatasetRequest {
                name: DATASET.to_owned(),
            };
            c.get_dataset(request).await.expect("GetDataset");
        }),
        constituent("GetSeries", f.clone(), |mut c| async move {
            let request = fpb::GetSeriesRequest {
                name: SERIES.to_owned(),
            };
            c.get_series(request).await.expect("GetSeries");
        }),
        constituent("GetObservations", f.clone(), |mut c| async move {
            let request = fpb::GetObservationsRequest {
                series: SERIES.to_owned(),
                fill: fpb::Fill::CagrInterpolate as i32,
                ..Default::default()
            };
            c.get_observations(request).await.expect("GetObservations");
        }),
        constituent("ComputeGrowth", f.clone(), |mut c| async move {
            let request = fpb::ComputeGrowthRequest {
                series: SERIES.to_owned(),
                fill: fpb::Fill::CagrInterpolate as i32,
                ..Default::default()
            };
            c.compute_growth(request).await.expect("ComputeGrowth");
        }),
        constituent("GetBreakdown", f, |mut c| async move {
            let request = fpb::GetBreakdownRequest {
                series: SERIES.to_owned(),
                year: 0,
                fill: fpb::Fill::None as i32,
            };
            c.get_breakdown(request).await.expect("GetBreakdown");
        }),
    ];
    let t = TaxonomyServiceClient::new(taxonomy.clone());
    calls.extend(SCHEMES.map(|scheme| {
        constituent(
            format!("ListConcepts({scheme})"),
            t.clone(),
            move |mut c| async move {
                let request = tpb::ListConceptsRequest {
                    parent: scheme.to_owned(),
                    page_size: 1000,
                    language_code: "en".to_owned(),
                    ..Default::default()
                };
                c.list_concepts(request).await.expect("ListConcepts");
            },
        )
    }));
    calls
}

struct Setup {
    runtime: Runtime,
    client: Client,
    calls: Vec<Constituent>,
    _servers: Vec<Box<dyn std::any::Any>>,
}

/// Both services as `llmarket-server` runs them (`runtime::serve` via the test helpers).
fn setup_shipped() -> Setup {
    let runtime = new_runtime();
    let (servers, forecast, taxonomy) = runtime.block_on(async {
        let servers = Servers::start().await;
        let forecast = servers.forecast.channel().await;
        let taxonomy = servers.taxonomy.channel().await;
        (servers, forecast, taxonomy)
    });
    finish(runtime, forecast, taxonomy, vec![Box::new(servers)])
}

/// Both services on plain tonic servers that set TCP_NODELAY on accepted connections, so the
/// measurement is not dominated by Nagle's algorithm meeting delayed ACKs (see the summary).
///
/// `latency` is added before each call is handled, standing in for a network between client and
/// servers (0 for plain loopback).
fn setup_nodelay(latency: Duration) -> Setup {
    let runtime = new_runtime();
    let (forecast, taxonomy, tasks) = runtime.block_on(async {
        let (forecast_url, forecast_task) =
            nodelay_server(forecast::routes(builtin_catalog()).routes, latency).await;
        let (taxonomy_url, taxonomy_task) =
            nodelay_server(taxonomy::routes(builtin_vocabulary()).routes, latency).await;
        let connect = |url: String| async move {
            Endpoint::from_shared(url)
                .expect("url")
                .connect()
                .await
                .expect("connect")
        };
        (
            connect(forecast_url).await,
            connect(taxonomy_url).await,
            [forecast_task, taxonomy_task],
        )
    });
    let tasks: Vec<Box<dyn std::any::Any>> = tasks
        .into_iter()
        .map(|t| Box::new(AbortOnDrop(t)) as Box<dyn std::any::Any>)
        .collect();
    finish(runtime, forecast, taxonomy, tasks)
}

/// A service that waits `latency` before handing each request on.
#[derive(Clone)]
struct Delay<S> {
    inner: S,
    latency: Duration,
}

impl<S, B> tower::Service<http::Request<B>> for Delay<S>
where
    S: tower::Service<http::Request<B>> + Clone + Send + 'static,
    S::Future: Send,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        // The ready service answers this call; a fresh clone waits for the next poll_ready.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let latency = self.latency;
        Box::pin(async move {
            if !latency.is_zero() {
                tokio::time::sleep(latency).await;
            }
            inner.call(request).await
        })
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn nodelay_server(
    routes: Routes,
    latency: Duration,
) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let task = tokio::spawn(async move {
        Server::builder()
            .layer(tower::layer::layer_fn(move |inner| Delay {
                inner,
                latency,
            }))
            .add_routes(routes)
            .serve_with_incoming(incoming)
            .await
            .expect("serve");
    });
    (url, task)
}

fn new_runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn finish(
    runtime: Runtime,
    forecast: Channel,
    taxonomy: Channel,
    servers: Vec<Box<dyn std::any::Any>>,
) -> Setup {
    let client = Client::from_channels(forecast.clone(), taxonomy.clone(), ClientConfig::default());
    let calls = constituents(&forecast, &taxonomy);
    Setup {
        runtime,
        client,
        calls,
        _servers: servers,
    }
}

async fn overview(client: &Client) {
    let report = client
        .market_overview(DATASET, YearSpan::all(), Language::En)
        .await
        .expect("market overview");
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

fn bench(c: &mut Criterion) {
    let setup = setup_nodelay(Duration::ZERO);
    let mut group = c.benchmark_group("compose");
    group.bench_function("market_overview", |b| {
        b.iter(|| setup.runtime.block_on(overview(&setup.client)));
    });
    for (name, call) in &setup.calls {
        group.bench_function(format!("alone/{name}"), |b| {
            b.iter(|| setup.runtime.block_on(call()));
        });
    }
    group.bench_function("sequential/all nine", |b| {
        b.iter(|| {
            setup.runtime.block_on(async {
                for (_, call) in &setup.calls {
                    call().await;
                }
            });
        });
    });
    group.finish();
    summary("loopback, servers with TCP_NODELAY", &setup, 400);
    drop(setup);
    for latency_ms in [2, 10] {
        summary(
            &format!("{latency_ms} ms of simulated network latency per call, TCP_NODELAY"),
            &setup_nodelay(Duration::from_millis(latency_ms)),
            60,
        );
    }
    summary(
        "loopback, servers as shipped (runtime::serve)",
        &setup_shipped(),
        25,
    );
}

/// The median of `rounds` timings of `work`.
fn median(runtime: &Runtime, rounds: usize, work: impl Fn() -> Call) -> Duration {
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let started = Instant::now();
            runtime.block_on(work());
            started.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// Medians of the composed query and of each constituent, and the ratio.
fn summary(title: &str, setup: &Setup, rounds: usize) {
    let client = &setup.client;
    let runtime = &setup.runtime;
    // Warm every connection first.
    runtime.block_on(overview(client));
    let composed = {
        let mut times: Vec<Duration> = (0..rounds)
            .map(|_| {
                let started = Instant::now();
                runtime.block_on(overview(client));
                started.elapsed()
            })
            .collect();
        times.sort();
        times[times.len() / 2]
    };
    // The same nine calls at once through the raw generated clients: the transport's own cost
    // of a fan-out, without this client's conversions.
    let raw = median(runtime, rounds, || {
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
    let mut slowest = (String::new(), Duration::ZERO);
    let mut sum = Duration::ZERO;
    for (name, call) in &setup.calls {
        let alone = median(runtime, rounds, call);
        sum += alone;
        if alone > slowest.1 {
            slowest = (name.clone(), alone);
        }
    }
    println!();
    println!("{title}:");
    println!("median market_overview (9 calls at once): {composed:?}");
    println!(
        "median slowest constituent alone:         {:?} ({})",
        slowest.1, slowest.0
    );
    println!("sum of the constituents one by one:       {sum:?}");
    println!("the nine raw calls at once:               {raw:?}");
    println!(
        "composed / slowest constituent = {:.2} (goal <= 1.2); composed / sequential sum = {:.2}; \
         composed / raw fan-out = {:.2}",
        composed.as_secs_f64() / slowest.1.as_secs_f64(),
        composed.as_secs_f64() / sum.as_secs_f64(),
        composed.as_secs_f64() / raw.as_secs_f64()
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
