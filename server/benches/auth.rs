//! Cost of the authorization check of one call: the bearer token hashed (SHA-256) and looked up
//! among 1,000 principals, the quota taken, then the call's series matched against the grants.
//! Also each half alone, and a refused token. Issue 10 asks for under 2 µs for the whole check.
//!
//! Run: `cargo bench -p llmarket-server --bench auth -- --warm-up-time 1 --measurement-time 3`

use std::{fmt::Write as _, hint::black_box, sync::Arc};

use arc_swap::ArcSwap;
use criterion::{Criterion, criterion_group, criterion_main};
use llmarket_server::auth::layer::authenticate;
use llmarket_server::auth::{Access, Principals, SharedPrincipals, token::TokenDigest};

const PRINCIPALS: usize = 1_000;
const METHOD: &str = "/llmarket.forecast.v1.ForecastService/GetSeries";
/// The services routed, as audit lines name them.
const KNOWN: &[&str] = &["llmarket.forecast.v1.ForecastService"];

/// 1,000 principals, each with two tokens, a certificate name, five grants and a quota.
fn principals() -> SharedPrincipals {
    let mut file = String::new();
    for i in 0..PRINCIPALS {
        let _ = write!(
            file,
            "[[principal]]\nname = \"p{i}\"\ntokens = [\"{}\", \"{}\"]\ncertificates = [\"svc{i}.internal\"]\n\
             grants = [\"datasets/d{i}\", \"datasets/cic-global-llm-2026\", \"schemes/industry\", \"schemes/s{i}\", \"milestones\"]\n\
             quota = {{ calls_per_second = 1e12, burst = 1000000 }}\n",
            TokenDigest::of(&format!("token-{i}")),
            TokenDigest::of(&format!("token-{i}-b")),
        );
    }
    Arc::new(ArcSwap::from_pointee(
        Principals::parse("bench.toml", &file).expect("bench principals"),
    ))
}

fn request(token: &str) -> http::Request<()> {
    http::Request::builder()
        .method("POST")
        .uri(METHOD)
        .header("authorization", format!("Bearer {token}"))
        .body(())
        .expect("request")
}

fn bench(c: &mut Criterion) {
    let principals = principals();
    let good = request("token-777-b");
    let bad = request("token-unknown");
    let mut group = c.benchmark_group("auth");
    group.bench_function("authenticate_and_grant", |b| {
        b.iter(|| {
            let caller = authenticate(&principals, black_box(&good), KNOWN).expect("ok");
            let access = Access::caller(caller);
            black_box(access.series("cic-global-llm-2026", "market-size")).expect("granted");
        });
    });
    group.bench_function("authenticate", |b| {
        b.iter(|| authenticate(&principals, black_box(&good), KNOWN).expect("ok"));
    });
    group.bench_function("unknown_token", |b| {
        b.iter(|| authenticate(&principals, black_box(&bad), KNOWN).unwrap_err());
    });
    let access = Access::caller(authenticate(&principals, &good, KNOWN).expect("ok"));
    group.bench_function("grant_match", |b| {
        b.iter(|| black_box(&access).series(black_box("d777"), black_box("market-size")));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
