//! What compression costs the server: the release `llmarket-server all` answering ListConcepts
//! (10.4 KB, compressed when asked) and GetConcept (1.3 KB, under the 4 KiB threshold, never
//! compressed) to a tonic client that accepts nothing, gzip, or zstd, with the reply cache on
//! (a compressed reply is kept compressed) and off (`--reply-cache off`: every reply encoded and
//! compressed anew). ghz, which the load suite uses, speaks only gzip; this is the zstd figure.
//!
//! For each case: the server's CPU per call (user + system from `/proc/PID/stat`, 10 ms ticks)
//! over `CALLS` calls made 16 at a time, median of `ROUNDS` rounds; rounds go over every case in
//! turn so that drift in the machine's load hits all alike.
//!
//! Run: `cargo bench -p llmarket-client --bench compression` (the release server from
//! `tests/release.sh`, or `LLMARKET_SERVER_BIN`).

#[path = "shared/release.rs"]
mod release;

use std::time::Duration;

use llmarket_proto::taxonomy::{self as tpb, taxonomy_service_client::TaxonomyServiceClient};
use llmarket_tests::process::ServerProcess;
use release::{TICK, cpu_ticks, release_server, start_all};
use tonic::{codec::CompressionEncoding, transport::Channel};

const CALLS: u32 = 8_000;
const ROUNDS: usize = 5;
const IN_FLIGHT: u32 = 16;

/// One server with the reply cache on or off.
struct Server {
    process: ServerProcess,
    cache: &'static str,
}

impl Server {
    fn start(bin: &std::path::Path, cache: &'static str) -> Self {
        Self {
            process: start_all(bin, &["--reply-cache", cache]),
            cache,
        }
    }

    fn cpu_ticks(&self) -> u64 {
        cpu_ticks(&format!("/proc/{}/stat", self.process.pid()))
    }
}

#[derive(Clone, Copy)]
enum Call {
    ListConcepts,
    GetConcept,
}

impl Call {
    fn name(self) -> &'static str {
        match self {
            Self::ListConcepts => "ListConcepts industry, en (10.4 KB)",
            Self::GetConcept => "GetConcept industry/maas, en (1.3 KB)",
        }
    }

    async fn make(self, mut client: TaxonomyServiceClient<Channel>) {
        match self {
            Self::ListConcepts => {
                let request = tpb::ListConceptsRequest {
                    parent: "schemes/industry".to_owned(),
                    language_code: "en".to_owned(),
                    ..Default::default()
                };
                client.list_concepts(request).await.expect("ListConcepts");
            }
            Self::GetConcept => {
                let request = tpb::GetConceptRequest {
                    name: "schemes/industry/concepts/maas".to_owned(),
                    language_code: "en".to_owned(),
                };
                client.get_concept(request).await.expect("GetConcept");
            }
        }
    }
}

/// `calls` calls, `IN_FLIGHT` at a time.
async fn run(client: &TaxonomyServiceClient<Channel>, call: Call, calls: u32) {
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..IN_FLIGHT {
        let client = client.clone();
        let share = calls / IN_FLIGHT + u32::from(worker < calls % IN_FLIGHT);
        tasks.spawn(async move {
            for _ in 0..share {
                call.make(client.clone()).await;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("call task");
    }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing here takes arguments.
    let Some(bin) = release_server() else {
        eprintln!("no release server: build it with tests/release.sh or set LLMARKET_SERVER_BIN");
        std::process::exit(1);
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let servers = [Server::start(&bin, "on"), Server::start(&bin, "off")];
    let encodings = [
        None,
        Some(CompressionEncoding::Gzip),
        Some(CompressionEncoding::Zstd),
    ];
    let mut cases = Vec::new();
    for server in &servers {
        let channel = runtime.block_on(async {
            Channel::from_shared(format!("http://{}", server.process.addr("taxonomy")))
                .expect("url")
                .tcp_nodelay(true)
                .connect()
                .await
                .expect("connect")
        });
        for call in [Call::ListConcepts, Call::GetConcept] {
            for encoding in encodings {
                let mut client = TaxonomyServiceClient::new(channel.clone());
                if let Some(encoding) = encoding {
                    client = client.accept_compressed(encoding);
                }
                cases.push((server, call, encoding, client, Vec::new()));
            }
        }
    }
    for (_, call, _, client, _) in &cases {
        runtime.block_on(run(client, *call, 500));
    }
    for _ in 0..ROUNDS {
        for (server, call, _, client, per_call) in &mut cases {
            let before = server.cpu_ticks();
            runtime.block_on(run(client, *call, CALLS));
            let ticks = server.cpu_ticks() - before;
            per_call.push(TICK.mul_f64(ticks as f64 / f64::from(CALLS)));
        }
    }
    println!(
        "server CPU per call, median of {ROUNDS} rounds of {CALLS} calls ({IN_FLIGHT} at a time):"
    );
    println!("| call | reply cache | identity | gzip | zstd |");
    println!("|---|---|---|---|---|");
    for row in cases.chunks_mut(encodings.len()) {
        let (server, call) = (row[0].0, row[0].1);
        let cells: Vec<String> = row
            .iter_mut()
            .map(|(.., per_call)| format!("{:.1} µs", micros(median(per_call))))
            .collect();
        println!(
            "| {} | {} | {} |",
            call.name(),
            server.cache,
            cells.join(" | ")
        );
    }
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}
