//! The client crate's balancer following a cluster: replicas of both services (real
//! `llmarket-server all` processes) on distinct loopback addresses (127.0.0.2, .3, …), one DNS
//! name for them served by a small DNS server in this process ([`DnsServer`]), and a client
//! given `dns://DNS/cluster.test:PORT` that resolves again every 300 ms.
//!
//! - the answer changes (a fourth replica added, one removed) and the traffic follows; after the
//!   scale-up each replica gets an even share (±20 %), counted from each replica's `/metrics`;
//! - a rolling restart under load (SIGTERM with a lame-duck delay, exit, start again, one by one,
//!   each taken out of the answer once it is told to stop, as Kubernetes takes a pod out of a
//!   headless Service when its readiness fails) fails no report;
//! - a replica killed with SIGKILL under load fails at most the reports in flight on it, the
//!   client retrying the calls elsewhere.
//!
//! Figures are printed (`--nocapture`); times are never asserted. Linux only (every 127/8
//! address is local there).
#![cfg(target_os = "linux")]

use std::{
    collections::BTreeMap,
    net::Ipv4Addr,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use llmarket_client::TlsSettings;
use llmarket_client::{
    Client, ClientConfig,
    reports::{Language, YearSpan},
};
use llmarket_serving::tls::{ServerTls, TlsFiles};
use llmarket_tests::{
    TestServer, builtin_catalog, dns::DnsServer, pki::Pki, process::ServerProcess,
};
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::TcpStream,
};

const HOST: &str = "cluster.test";
const DATASET: &str = "datasets/cic-global-llm";
const RESOLVE_INTERVAL: Duration = Duration::from_millis(300);

fn ip(replica: u8) -> Ipv4Addr {
    Ipv4Addr::new(127, 0, 0, replica)
}

/// Replicas by the last byte of their address, all on the same two ports.
struct Cluster {
    dns: DnsServer,
    replicas: BTreeMap<u8, ServerProcess>,
    forecast_port: u16,
    taxonomy_port: u16,
}

impl Cluster {
    /// Starts `replicas` and answers the name with `published`.
    async fn start(replicas: &[u8], published: &[u8]) -> Self {
        // Both held until both are known, so they differ.
        let bind = || std::net::TcpListener::bind((ip(replicas[0]), 0)).expect("a free port");
        let (forecast, taxonomy) = (bind(), bind());
        let port = |l: &std::net::TcpListener| l.local_addr().expect("port").port();
        let (forecast_port, taxonomy_port) = (port(&forecast), port(&taxonomy));
        drop((forecast, taxonomy));
        let mut cluster = Self {
            dns: DnsServer::start(&[]).await,
            replicas: BTreeMap::new(),
            forecast_port,
            taxonomy_port,
        };
        for &replica in replicas {
            cluster.start_replica(replica);
        }
        cluster.publish(published);
        cluster
    }

    fn start_replica(&mut self, replica: u8) {
        let at = |port: u16| format!("{}:{port}", ip(replica));
        let process = ServerProcess::start(
            &[
                "all",
                "--forecast-listen",
                &at(self.forecast_port),
                "--taxonomy-listen",
                &at(self.taxonomy_port),
                "--admin-listen",
                &at(0),
                "--shutdown-delay",
                "1s",
                "--shutdown-grace",
                "5s",
            ],
            3,
        );
        self.replicas.insert(replica, process);
    }

    /// The DNS answer from now on.
    fn publish(&self, replicas: &[u8]) {
        self.dns
            .set(&replicas.iter().copied().map(ip).collect::<Vec<_>>());
    }

    async fn client(&self) -> Arc<Client> {
        let target = |port: u16| format!("dns://{}/{HOST}:{port}", self.dns.addr);
        let config = ClientConfig {
            forecast: vec![target(self.forecast_port)],
            taxonomy: vec![target(self.taxonomy_port)],
            resolve_interval: RESOLVE_INTERVAL,
            ..ClientConfig::default()
        };
        Arc::new(Client::connect(config).await.expect("client"))
    }

    /// Calls of the llmarket services `replica` has answered (health and reflection aside).
    async fn served(&self, replica: u8) -> u64 {
        let admin = self.replicas[&replica].addr("admin");
        let mut stream = TcpStream::connect(admin).await.expect("connect admin");
        stream
            .write_all(b"GET /metrics HTTP/1.0\r\nHost: test\r\n\r\n")
            .await
            .expect("send");
        let mut text = String::new();
        stream.read_to_string(&mut text).await.expect("read");
        text.lines()
            .filter(|l| l.starts_with("grpc_server_handled_total{"))
            .filter(|l| l.contains("grpc_service=\"llmarket."))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>() as u64
    }

    async fn served_all(&self) -> BTreeMap<u8, u64> {
        let mut counts = BTreeMap::new();
        for &replica in self.replicas.keys() {
            counts.insert(replica, self.served(replica).await);
        }
        counts
    }
}

/// One composed report (a market overview: five calls to both services at once); a failure or
/// a degraded report (a warning names a failed call) is an error.
async fn report(client: &Client) -> Result<(), String> {
    let overview = client
        .market_overview(DATASET, YearSpan::all(), Language::En)
        .await
        .map_err(|e| e.to_string())?;
    match overview.warnings.first() {
        None => Ok(()),
        Some(warning) => Err(format!("degraded: {warning:?}")),
    }
}

/// Runs `reports` reports, `concurrency` at a time; the failures.
async fn run_reports(client: &Arc<Client>, reports: usize, concurrency: usize) -> Vec<String> {
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, next) = (client.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < reports as u64 {
                if let Err(e) = report(&client).await {
                    failures.push(e);
                }
            }
            failures
        }));
    }
    let mut failures = Vec::new();
    for task in tasks {
        failures.extend(task.await.expect("load task"));
    }
    failures
}

/// Reports in a loop on `concurrency` tasks until [`Load::stop`].
struct Load {
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<(u64, Vec<String>)>>,
}

impl Load {
    fn start(client: &Arc<Client>, concurrency: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let tasks = (0..concurrency)
            .map(|_| {
                let (client, stop) = (client.clone(), stop.clone());
                tokio::spawn(async move {
                    let (mut done, mut failures) = (0, Vec::new());
                    while !stop.load(Ordering::Relaxed) {
                        if let Err(e) = report(&client).await {
                            failures.push(e);
                        }
                        done += 1;
                    }
                    (done, failures)
                })
            })
            .collect();
        Self { stop, tasks }
    }

    /// Stops the load; the reports made and the failures.
    async fn stop(self) -> (u64, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        let (mut done, mut failures) = (0, Vec::new());
        for task in self.tasks {
            let (d, f) = task.await.expect("load task");
            done += d;
            failures.extend(f);
        }
        (done, failures)
    }
}

/// Runs reports in rounds of `round` until `until` holds after one, at most `rounds` rounds;
/// whether it came to hold, and the reports it took.
async fn reports_until<F, Fut>(
    client: &Arc<Client>,
    round: usize,
    rounds: usize,
    mut until: F,
) -> (bool, usize)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for n in 1..=rounds {
        let failures = run_reports(client, round, 2).await;
        assert!(failures.is_empty(), "{failures:?}");
        if until().await {
            return (true, n * round);
        }
    }
    (false, rounds * round)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_follows_the_dns_answer_and_shares_evenly_after_a_scale_up() {
    let cluster = Cluster::start(&[2, 3, 4, 5], &[2, 3, 4]).await;
    let client = cluster.client().await;

    let (all, _) = reports_until(&client, 10, 200, || async {
        let counts = cluster.served_all().await;
        [2, 3, 4].iter().all(|r| counts[r] > 0)
    })
    .await;
    assert!(all, "every published replica is called");
    assert_eq!(cluster.served(5).await, 0, "an unpublished replica is not");

    // Scale up: a fourth address in the answer.
    cluster.publish(&[2, 3, 4, 5]);
    let started = Instant::now();
    let (reached, reports) =
        reports_until(&client, 5, 2000, || async { cluster.served(5).await > 0 }).await;
    assert!(
        reached,
        "the fourth replica gets calls after the answer names it"
    );
    println!(
        "scale-up: the new replica got calls after {reports} reports, {:?} (resolve interval {RESOLVE_INTERVAL:?})",
        started.elapsed()
    );

    let before = cluster.served_all().await;
    let failures = run_reports(&client, 600, 4).await;
    assert!(failures.is_empty(), "{failures:?}");
    let after = cluster.served_all().await;
    let shares: BTreeMap<u8, u64> = after.iter().map(|(r, n)| (*r, n - before[r])).collect();
    let mean = shares.values().sum::<u64>() as f64 / shares.len() as f64;
    println!("even share after scale-up: calls per replica {shares:?}, mean {mean:.0}");
    for (replica, calls) in &shares {
        let off = (*calls as f64 - mean).abs() / mean;
        assert!(
            off <= 0.20,
            "127.0.0.{replica} took {calls} calls, {:.0} % off the mean {mean:.0}",
            off * 100.0
        );
    }

    // Scale down: one address leaves the answer, and its replica gets no more calls.
    cluster.publish(&[2, 4, 5]);
    let started = Instant::now();
    let last = AtomicU64::new(cluster.served(3).await);
    let (quiet, reports) = reports_until(&client, 25, 400, || async {
        let now = cluster.served(3).await;
        last.swap(now, Ordering::Relaxed) == now
    })
    .await;
    assert!(quiet, "a replica out of the answer stops getting calls");
    println!(
        "scale-down: the removed replica got no more calls within {reports} reports, {:?}",
        started.elapsed()
    );
    let before = cluster.served_all().await;
    let failures = run_reports(&client, 100, 4).await;
    assert!(failures.is_empty(), "{failures:?}");
    let after = cluster.served_all().await;
    assert_eq!(after[&3], before[&3], "no call reaches the removed replica");
    for replica in [2, 4, 5] {
        assert!(
            after[&replica] > before[&replica],
            "127.0.0.{replica} serves"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_under_load_fails_no_report() {
    let mut cluster = Cluster::start(&[2, 3, 4], &[2, 3, 4]).await;
    let client = cluster.client().await;
    let failures = run_reports(&client, 30, 2).await;
    assert!(failures.is_empty(), "{failures:?}");
    let calls_per_report = cluster.served_all().await.values().sum::<u64>() / 30;

    let started = Instant::now();
    let load = Load::start(&client, 4);
    for replica in [2, 3, 4] {
        let others: Vec<u8> = [2, 3, 4].into_iter().filter(|r| *r != replica).collect();
        // Let the load run on every replica a while.
        let mark = cluster.served(replica).await;
        while cluster.served(replica).await < mark + 50 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // SIGTERM: the lame duck turns readiness off, the orchestrator takes the address out of
        // the answer, the process drains and exits.
        let process = cluster.replicas.get_mut(&replica).expect("replica");
        process.signal("TERM");
        cluster.publish(&others);
        let status = cluster.replicas.get_mut(&replica).expect("replica").wait();
        assert_eq!(status.code(), Some(0), "127.0.0.{replica} exits cleanly");
        cluster.start_replica(replica);
        cluster.publish(&[2, 3, 4]);
    }
    // Every restarted replica takes load again before the load stops.
    for replica in [2, 3, 4] {
        while cluster.served(replica).await < 50 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let (reports, failures) = load.stop().await;
    println!(
        "rolling restart of 3 replicas under load (4 concurrent reports): {reports} reports ({} calls), {} failed, in {:?}",
        reports * calls_per_report,
        failures.len(),
        started.elapsed()
    );
    assert!(failures.is_empty(), "{failures:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_under_load_fails_at_most_the_reports_in_flight() {
    const CONCURRENCY: usize = 4;
    let mut cluster = Cluster::start(&[2, 3, 4], &[2, 3, 4]).await;
    let client = cluster.client().await;
    let failures = run_reports(&client, 30, 2).await;
    assert!(failures.is_empty(), "{failures:?}");

    let load = Load::start(&client, CONCURRENCY);
    let mark = cluster.served(3).await;
    while cluster.served(3).await < mark + 100 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let killed = cluster.replicas.get_mut(&3).expect("replica");
    killed.signal("KILL");
    let _ = killed.wait();
    // The dead address stays in the answer a while, as it does until the orchestrator notices.
    let survivors = cluster.served(2).await + cluster.served(4).await;
    while cluster.served(2).await + cluster.served(4).await < survivors + 300 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    cluster.publish(&[2, 4]);
    let survivors = cluster.served(2).await + cluster.served(4).await;
    while cluster.served(2).await + cluster.served(4).await < survivors + 200 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (reports, failures) = load.stop().await;
    println!(
        "SIGKILL of 1 of 3 replicas under load ({CONCURRENCY} concurrent reports): {reports} reports, {} failed: {failures:?}",
        failures.len()
    );
    assert!(
        failures.len() <= CONCURRENCY,
        "only reports in flight on the killed replica may fail: {failures:?}"
    );
}

#[tokio::test]
async fn over_tls_the_server_name_is_the_dns_name_not_the_address() {
    let pki = Pki::new("dns-name");
    pki.write_leaf("named", &pki.ca.server_named(HOST));
    let tls = ServerTls::load(TlsFiles {
        cert: pki.path("named.pem"),
        key: pki.path("named.key"),
        client_ca: None,
        client_crl: None,
    })
    .expect("server TLS");
    let server = TestServer::start_tls(
        llmarket_server::app::routes::forecast(builtin_catalog()),
        tls,
    )
    .await;
    let dns = DnsServer::start(&[Ipv4Addr::LOCALHOST]).await;
    let trust = TlsSettings {
        ca_cert: Some(pki.ca.cert.clone()),
        identity: None,
    };
    let client = |url: String| {
        let config = ClientConfig::new(vec![url.clone()], vec![url])
            .with_tls(trust.clone())
            .with_retry(llmarket_client::RetryPolicy::none());
        async move { Client::connect(config).await.expect("client") }
    };
    let port = server.addr.port();

    let by_name = client(format!("dns://{}/{HOST}:{port}", dns.addr)).await;
    let list = by_name.series_list(DATASET, Language::En).await;
    assert!(list.is_ok(), "the certificate names {HOST}: {list:?}");
    // The certificate names no address: a client that checked it against the address fails.
    let by_address = client(format!("https://127.0.0.1:{port}")).await;
    let refused = by_address.series_list(DATASET, Language::En).await;
    assert!(refused.is_err(), "{refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_call_resolves_again_at_once_whatever_the_interval() {
    let mut cluster = Cluster::start(&[2, 3], &[2]).await;
    let target = |port: u16| format!("dns://{}/{HOST}:{port}", cluster.dns.addr);
    // Never resolved again on the interval within this test.
    let config = ClientConfig {
        forecast: vec![target(cluster.forecast_port)],
        taxonomy: vec![target(cluster.taxonomy_port)],
        resolve_interval: Duration::from_secs(3600),
        ..ClientConfig::default()
    };
    let client = Arc::new(Client::connect(config).await.expect("client"));
    let failures = run_reports(&client, 10, 1).await;
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(cluster.served(3).await, 0);

    // The only replica goes away and the answer names another: the first failed call asks again.
    cluster.publish(&[3]);
    let gone = cluster.replicas.get_mut(&2).expect("replica");
    gone.signal("KILL");
    let _ = gone.wait();
    let failures = run_reports(&client, 10, 1).await;
    println!(
        "the only replica killed, the answer changed: 10 reports, {} failed",
        failures.len()
    );
    assert!(
        failures.len() <= 1,
        "at most the report that met the failure: {failures:?}"
    );
    assert!(cluster.served(3).await > 0, "the new address is called");
}
