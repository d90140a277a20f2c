//! The end-to-end tests of llmarket as one test binary: each module starts the real servers on
//! ephemeral loopback ports (in process, or the binary as its own process) and calls them as a
//! user would. One binary links the whole stack once instead of once per file.
//!
//! The tests that assert a memory or CPU threshold (`hostile_connections`, `hostile_streams`,
//! `process_budget`) are `#[ignore]`d here: they measure the server process and need the machine
//! to themselves, so the test command runs them as their own step (`cargo test --workspace --test
//! e2e -- --ignored --skip measure_ --test-threads 1`). Measurements that assert no threshold and
//! are run by hand for docs/benchmarks are `#[ignore]`d too and named `measure_…`, which that
//! step skips.

mod auth;
mod client;
mod client_v2;
mod cluster;
mod compression;
mod data_import;
mod data_watch;
mod discovery;
mod forecast;
mod forecast_v2;
mod foundation;
mod grant_edges;
mod grpc_web;
mod hostile_calls;
mod hostile_connections;
mod hostile_http1;
mod hostile_streams;
mod lame_duck;
mod observability;
mod process_budget;
mod reply_cache;
mod reply_limits;
mod revocation;
mod server_process;
mod taxonomy;
mod taxonomy_v2;
mod tls;
mod watch;
mod zh;
