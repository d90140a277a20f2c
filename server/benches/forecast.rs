//! Cost per call of the forecast handlers (GetSeries, GetObservations with fill, ComputeGrowth),
//! called through the service trait without a network, on the built-in dataset and on a
//! synthetic dataset that holds the same four series plus 10,000 series × 50 years.
//!
//! The same request on both datasets should cost the same (ratio ~1): a handler finds its series
//! by id and never scans the others. The `s05000` rows show the cost on a 50-year series.
//!
//! Run: `cargo bench -p llmarket-server --bench forecast -- --warm-up-time 1 --measurement-time 3`

use std::{fmt::Write as _, future::Future, hint::black_box, sync::Arc};

use arc_swap::ArcSwap;
use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::FutureExt as _;
use llmarket_forecast::{Catalog, ForecastApi};
use llmarket_kit::data::{self, DataFile, DatasetFiles};
use llmarket_proto::forecast::{self as pb, forecast_service_server::ForecastService as _};
use tonic::{Request, Response, Status};

const SYNTHETIC_SERIES: usize = 10_000;
const SYNTHETIC_YEARS: usize = 50;
const DATASET: &str = "datasets/cic-global-llm-2026";

/// Polls a handler future once: the handlers never wait, so no runtime is needed.
fn ready<F: Future>(future: F) -> F::Output {
    future.now_or_never().expect("a forecast handler waited")
}

/// The built-in file followed by `SYNTHETIC_SERIES` series of `SYNTHETIC_YEARS` stated years
/// each (every other year from 1950, so a fill has gaps to derive).
fn synthetic_text() -> String {
    let builtin = data::builtin();
    let mut text = builtin
        .forecast
        .expect("built-in forecast file")
        .text
        .into_owned();
    text.reserve(SYNTHETIC_SERIES * SYNTHETIC_YEARS * 64);
    for i in 0..SYNTHETIC_SERIES {
        let _ = write!(
            text,
            "\n[[series]]\nid = \"s{i:05}\"\ntitle_zh_hans = \"合成 {i}\"\ntitle_en = \"Synthetic {i}\"\n\
             unit = \"usd-billion\"\nsource = \"1\"\nobservations = ["
        );
        for k in 0..SYNTHETIC_YEARS {
            let year = 1950 + 2 * k;
            let value = 1.0 + (i % 97) as f64 + 1.05_f64.powi(k as i32);
            let kind = if year <= 2024 { "actual" } else { "forecast" };
            let _ = write!(
                text,
                "{{year={year},value={value:.3},qualifier=\"exact\",kind=\"{kind}\",resolution=0.001}},"
            );
        }
        text.push_str("]\n");
    }
    text
}

fn api(sources: &[DatasetFiles]) -> ForecastApi {
    let catalog = Catalog::load(sources).expect("valid data");
    ForecastApi::new(Arc::new(ArcSwap::from_pointee(catalog)))
}

fn builtin_api() -> ForecastApi {
    api(&[data::builtin()])
}

fn big_api() -> ForecastApi {
    api(&[DatasetFiles::forecast_only(
        "synthetic",
        DataFile::owned("synthetic/forecast.toml", synthetic_text()),
    )])
}

fn series(id: &str) -> String {
    format!("{DATASET}/series/{id}")
}

/// One benchmark group: `call` with `request("market-size")` on each dataset, and with
/// `request("s05000")` on the synthetic one.
fn group<R, T>(
    c: &mut Criterion,
    name: &str,
    (builtin, big): (&ForecastApi, &ForecastApi),
    request: impl Fn(&str) -> R,
    call: impl Fn(&ForecastApi, Request<R>) -> Result<Response<T>, Status>,
) {
    let mut group = c.benchmark_group(name);
    let runs = [
        ("builtin", builtin, "market-size"),
        ("10k-series", big, "market-size"),
        ("10k-series/s05000", big, "s05000"),
    ];
    for (label, api, id) in runs {
        group.bench_function(label, |b| {
            b.iter(|| black_box(call(api, black_box(Request::new(request(id)))).expect("ok")))
        });
    }
    group.finish();
}

/// GetObservations over the whole span, untransformed, with gaps filled.
fn filled_observations(id: &str) -> pb::GetObservationsRequest {
    pb::GetObservationsRequest {
        series: series(id),
        fill: pb::Fill::CagrInterpolate.into(),
        ..Default::default()
    }
}

/// ComputeGrowth over the whole span, without fill.
fn growth(id: &str) -> pb::ComputeGrowthRequest {
    pb::ComputeGrowthRequest {
        series: series(id),
        ..Default::default()
    }
}

fn bench(c: &mut Criterion) {
    let (builtin, big) = (builtin_api(), big_api());
    let apis = (&builtin, &big);
    let get_series = |id: &str| pb::GetSeriesRequest { name: series(id) };
    group(c, "GetSeries", apis, get_series, |api, r| {
        ready(api.get_series(r))
    });
    group(
        c,
        "GetObservations+fill",
        apis,
        filled_observations,
        |api, r| ready(api.get_observations(r)),
    );
    group(c, "ComputeGrowth", apis, growth, |api, r| {
        ready(api.compute_growth(r))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
