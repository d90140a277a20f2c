//! Does a composed query cost no more than its slowest call? With both servers in-process, this
//! measures `market_overview` (nine calls fanned out at once) against each of its constituent
//! calls alone and against the nine run one after another, then prints
//! `composed / slowest constituent` (goal: at most 1.2, i.e. the fan-out is concurrent).
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
use llmarket_tests::Servers;
use tokio::runtime::Runtime;
use tonic::transport::Channel;

const DATASET: &str = "datasets/cic-global-llm-2026";
const SERIES: &str = "datasets/cic-global-llm-2026/series/market-size";
const SCHEMES: [&str; 4] = [
    "schemes/drivers",
    "schemes/trends",
    "schemes/barriers",
    "schemes/capability-levels",
];

type Call = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The nine calls `market_overview` makes, each as the raw generated client makes it.
fn constituents(forecast: &Channel, taxonomy: &Channel) -> Vec<(String, Box<dyn Fn() -> Call>)> {
    let mut calls: Vec<(String, Box<dyn Fn() -> Call>)> = Vec::new();
    let f = forecast.clone();
    calls.push((
        "GetDataset".to_owned(),
        Box::new(move || {
            let mut client = ForecastServiceClient::new(f.clone());
            Box::pin(async move {
                let request = fpb::GetDatasetRequest {
                    name: DATASET.to_owned(),
                };
                client.get_dataset(request).await.expect("GetDataset");
            })
        }),
    ));
    let f = forecast.clone();
    calls.push((
        "GetSeries".to_owned(),
        Box::new(move || {
            let mut client = ForecastServiceClient::new(f.clone());
            Box::pin(async move {
                let request = fpb::GetSeriesRequest {
                    name: SERIES.to_owned(),
                };
                client.get_series(request).await.expect("GetSeries");
            })
        }),
    ));
    let f = forecast.clone();
    calls.push((
        "GetObservations".to_owned(),
        Box::new(move || {
            let mut client = ForecastServiceClient::new(f.clone());
            Box::pin(async move {
                let request = fpb::GetObservationsRequest {
                    series: SERIES.to_owned(),
                    fill: fpb::Fill::CagrInterpolate as i32,
                    ..Default::default()
                };
                client
                    .get_observations(request)
                    .await
                    .expect("GetObservations");
            })
        }),
    ));
    let f = forecast.clone();
    calls.push((
        "ComputeGrowth".to_owned(),
        Box::new(move || {
            let mut client = ForecastServiceClient::new(f.clone());
            Box::pin(async move {
                let request = fpb::ComputeGrowthRequest {
                    series: SERIES.to_owned(),
                    fill: fpb::Fill::CagrInterpolate as i32,
                    ..Default::default()
                };
                client.compute_growth(request).await.expect("ComputeGrowth");
            })
        }),
    ));
    let f = forecast.clone();
    calls.push((
        "GetBreakdown".to_owned(),
        Box::new(move || {
            let mut client = ForecastServiceClient::new(f.clone());
            Box::pin(async move {
                let request = fpb::GetBreakdownRequest {
                    series: SERIES.to_owned(),
                    year: 0,
                    fill: fpb::Fill::None as i32,
                };
                client.get_breakdown(request).await.expect("GetBreakdown");
            })
        }),
    ));
    for scheme in SCHEMES {
        let t = taxonomy.clone();
        calls.push((
            format!("ListConcepts({scheme})"),
            Box::new(move || {
                let mut client = TaxonomyServiceClient::new(t.clone());
                Box::pin(async move {
                    let request = tpb::ListConceptsRequest {
                        parent: scheme.to_owned(),
                        page_size: 1000,
                        language_code: "en".to_owned(),
                        ..Default::default()
                    };
                    client.list_concepts(request).await.expect("ListConcepts");
                })
            }),
        ));
    }
    calls
}

struct Setup {
    runtime: Runtime,
    _servers: Servers,
    client: Client,
    calls: Vec<(String, Box<dyn Fn() -> Call>)>,
}

fn setup() -> Setup {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (servers, forecast, taxonomy) = runtime.block_on(async {
        let servers = Servers::start().await;
        let forecast = servers.forecast.channel().await;
        let taxonomy = servers.taxonomy.channel().await;
        (servers, forecast, taxonomy)
    });
    let client = Client::from_channels(forecast.clone(), taxonomy.clone(), ClientConfig::default());
    let calls = constituents(&forecast, &taxonomy);
    Setup {
        runtime,
        _servers: servers,
        client,
        calls,
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
    let setup = setup();
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
    summary(&setup);
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

/// Interleaved medians of the composed query and each constituent, and the ratio.
fn summary(setup: &Setup) {
    const ROUNDS: usize = 400;
    let client = &setup.client;
    let runtime = &setup.runtime;
    // Warm every connection first.
    runtime.block_on(overview(client));
    let composed = {
        let mut times: Vec<Duration> = (0..ROUNDS)
            .map(|_| {
                let started = Instant::now();
                runtime.block_on(overview(client));
                started.elapsed()
            })
            .collect();
        times.sort();
        times[times.len() / 2]
    };
    let mut slowest = (String::new(), Duration::ZERO);
    let mut sum = Duration::ZERO;
    for (name, call) in &setup.calls {
        let alone = median(runtime, ROUNDS, call);
        sum += alone;
        if alone > slowest.1 {
            slowest = (name.clone(), alone);
        }
    }
    println!();
    println!("median market_overview (9 calls at once): {composed:?}");
    println!(
        "median slowest constituent alone:         {:?} ({})",
        slowest.1, slowest.0
    );
    println!("sum of the constituents one by one:       {sum:?}");
    println!(
        "composed / slowest constituent = {:.2} (goal <= 1.2); composed / sequential sum = {:.2}",
        composed.as_secs_f64() / slowest.1.as_secs_f64(),
        composed.as_secs_f64() / sum.as_secs_f64()
    );
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
