//! Command-line and environment configuration, parsed and validated in one place at start.
//!
//! Every flag also reads an environment variable (`LLMARKET_…`); a flag given on the command line
//! wins over the environment.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};

use llmarket_serving::{ConnectionLimits, middleware, tls::TlsFiles};

use crate::{
    auth::Reflection,
    observe::{AccessLog, AccessPolicy},
};

/// Default address of the forecast service.
pub const DEFAULT_FORECAST_LISTEN: &str = "127.0.0.1:50051";
/// Default address of the taxonomy service.
pub const DEFAULT_TAXONOMY_LISTEN: &str = "127.0.0.1:50052";

/// The llmarket gRPC servers: the forecast and taxonomy services over a market-research report.
#[derive(Debug, Parser)]
#[command(name = "llmarket-server", version, about, propagate_version = true)]
pub struct Cli {
    /// Which service(s) this process serves.
    #[command(subcommand)]
    pub command: Command,
    /// Log line format on stderr; the level comes from RUST_LOG (default `info`).
    #[arg(long, env = "LLMARKET_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// How long in-flight calls may run after SIGINT/SIGTERM before the process exits anyway
    /// (e.g. `10s`, `500ms`, `1m`, or plain seconds).
    #[arg(long, env = "LLMARKET_SHUTDOWN_GRACE", default_value = "10s", value_parser = llmarket_flags::duration::parse, global = true)]
    pub shutdown_grace: Duration,
    /// Lame duck: how long after SIGINT/SIGTERM health and `/readyz` say NOT_SERVING while calls
    /// are still served, so balancers and proxies stop sending before the listener closes; then
    /// the drain (`--shutdown-grace`). `0` (the default) drains at once.
    #[arg(long, env = "LLMARKET_SHUTDOWN_DELAY", default_value = "0s", value_parser = llmarket_flags::duration::parse, global = true)]
    pub shutdown_delay: Duration,
    /// Extra data: a dataset directory (holding `forecast.toml` and/or `taxonomy.toml`), or a
    /// directory of dataset directories. Repeatable; served beside the built-in dataset.
    #[arg(
        long = "data",
        env = "LLMARKET_DATA",
        value_name = "DIR",
        value_delimiter = ',',
        global = true
    )]
    pub data: Vec<PathBuf>,
    /// Whether a change in a `--data` directory (a file written, a mounted ConfigMap's `..data`
    /// symlink swapped) reloads the data as SIGHUP does, after a quiet moment: `on` or `off`.
    #[arg(long, env = "LLMARKET_DATA_WATCH", value_name = "on|off", default_value = "on", value_parser = on_off, action = clap::ArgAction::Set, global = true)]
    pub data_watch: bool,
    /// How long a watch (`llmarket.watch.v2.WatchService/Watch`) stays silent before it sends a
    /// heartbeat, so proxies keep it open (e.g. `15s`).
    #[arg(long, env = "LLMARKET_WATCH_HEARTBEAT", default_value = "15s", value_parser = positive_duration, global = true)]
    pub watch_heartbeat: Duration,
    /// Limits on connections.
    #[command(flatten)]
    pub connections: ConnectionArgs,
    /// Limits on each call.
    #[command(flatten)]
    pub calls: CallArgs,
    /// Who may call and what each may read.
    #[command(flatten)]
    pub access: AccessArgs,
    /// Metrics, access log and the admin listener.
    #[command(flatten)]
    pub observe: ObserveArgs,
    /// TLS and mutual TLS.
    #[command(flatten)]
    pub tls: TlsArgs,
}

/// Flags of access control (see docs/security.md).
#[derive(Debug, Clone, Args)]
pub struct AccessArgs {
    /// The principals file (TOML): each caller's credentials (token digests, client-certificate
    /// names), grants and quota. Read again on SIGHUP. Without it every caller reads everything.
    #[arg(long, env = "LLMARKET_AUTH_FILE", value_name = "FILE", global = true)]
    pub auth_file: Option<PathBuf>,
    /// Who may use server reflection [default: authenticated with --auth-file, on without].
    #[arg(long, env = "LLMARKET_REFLECTION", value_enum, global = true)]
    pub reflection: Option<Reflection>,
    /// Serve a non-loopback address unprotected: with neither --auth-file nor mutual TLS (anyone
    /// who can reach it reads everything), or with --auth-file over plaintext (bearer tokens
    /// cross the network in clear) [default: refused at start].
    #[arg(long, env = "LLMARKET_ALLOW_INSECURE", global = true)]
    pub allow_insecure: bool,
    /// A browser origin allowed to call with gRPC-Web from its pages (CORS), e.g.
    /// `https://reports.example.com`. Repeatable [default: none, CORS off: gRPC-Web from other
    /// origins is refused by browsers; same-origin pages and other clients are unaffected].
    #[arg(
        long = "cors-origin",
        env = "LLMARKET_CORS_ORIGIN",
        value_name = "ORIGIN",
        value_delimiter = ',',
        value_parser = llmarket_serving::web::parse_origin,
        global = true
    )]
    pub cors_origins: Vec<http::HeaderValue>,
}

impl AccessArgs {
    /// The origins of `--cors-origin`; none: CORS is off.
    pub fn cors(&self) -> llmarket_serving::web::CorsOrigins {
        llmarket_serving::web::CorsOrigins::new(self.cors_origins.clone())
    }

    /// The reflection mode: as given, else authenticated with an auth file and on without.
    pub fn reflection(&self) -> Reflection {
        self.reflection.unwrap_or(if self.auth_file.is_some() {
            Reflection::Authenticated
        } else {
            Reflection::On
        })
    }
}

/// How a process is protected, as [`check_exposure`] judges it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Protection {
    /// An auth file is in force.
    pub auth_file: bool,
    /// The listeners speak TLS (`--tls-cert`).
    pub tls: bool,
    /// Client certificates are verified (`--tls-client-ca`).
    pub mutual_tls: bool,
    /// `--allow-insecure`.
    pub allow_insecure: bool,
}

/// Refuses to serve a non-loopback address unprotected. Binding one of `addrs` that is not
/// loopback is a usage error, unless `allow_insecure`, when there is neither an auth file nor
/// mutual TLS (anyone who reaches it reads everything), or when an auth file is served over
/// plaintext (bearer tokens cross the network in clear). The message is one line saying what to
/// add.
pub fn check_exposure(addrs: &[SocketAddr], protection: Protection) -> Result<(), String> {
    let Some(addr) = addrs.iter().find(|a| !a.ip().is_loopback()) else {
        return Ok(());
    };
    if protection.allow_insecure || protection.mutual_tls {
        return Ok(());
    }
    match (protection.auth_file, protection.tls) {
        (true, true) => Ok(()),
        (true, false) => Err(format!(
            "refusing to serve {addr} (not loopback) with --auth-file over plaintext, which sends bearer tokens in clear; add --tls-cert FILE and --tls-key FILE, or --allow-insecure to serve it anyway"
        )),
        (false, _) => Err(format!(
            "refusing to serve {addr} (not loopback) to anyone who can reach it; add --auth-file FILE or mutual TLS (--tls-client-ca), or --allow-insecure to serve it open"
        )),
    }
}

/// Refuses an admin listener on a non-loopback address unless `allow_public_admin`: it has no
/// authentication, and its `/metrics` names every dataset. The message is one line saying what
/// to add.
pub fn check_admin_exposure(
    admin: Option<SocketAddr>,
    allow_public_admin: bool,
) -> Result<(), String> {
    match admin {
        Some(addr) if !addr.ip().is_loopback() && !allow_public_admin => Err(format!(
            "refusing to serve the admin listener on {addr} (not loopback): it has no authentication and its /metrics names every dataset; give a loopback address (e.g. 127.0.0.1:9090), or add --allow-public-admin where only trusted callers reach it (a pod network)"
        )),
        _ => Ok(()),
    }
}

/// Flags of what operators see (see docs/operations.md). Traces are configured by the
/// standard OpenTelemetry variables instead (`OTEL_EXPORTER_OTLP_ENDPOINT`, …).
#[derive(Debug, Clone, Args)]
pub struct ObserveArgs {
    /// Address of the HTTP admin listener serving /metrics, /readyz and /livez (one per process,
    /// also for `all`); off unless set, and metrics are only counted when it is set.
    #[arg(
        long,
        env = "LLMARKET_ADMIN_LISTEN",
        value_name = "ADDR",
        global = true
    )]
    pub admin_listen: Option<SocketAddr>,
    /// Serve --admin-listen on a non-loopback address, where anyone who reaches it reads
    /// /metrics (every dataset's id) without credentials [default: refused at start].
    #[arg(long, env = "LLMARKET_ALLOW_PUBLIC_ADMIN", global = true)]
    pub allow_public_admin: bool,
    /// Which calls get an access log line: all, errors (server-side codes and calls slower than
    /// --slow-call) or off.
    #[arg(long, env = "LLMARKET_ACCESS_LOG", value_enum, default_value_t = AccessLog::Errors, global = true)]
    pub access_log: AccessLog,
    /// With --access-log errors, calls at least this slow are logged whatever their code.
    #[arg(long, env = "LLMARKET_SLOW_CALL", default_value = "100ms", value_parser = llmarket_flags::duration::parse, global = true)]
    pub slow_call: Duration,
    /// Connections the admin listener holds at once; more are closed as soon as accepted.
    #[arg(long, env = "LLMARKET_ADMIN_MAX_CONNECTIONS", default_value_t = crate::observe::admin::DEFAULT_ADMIN_MAX_CONNECTIONS as u64, value_parser = clap::value_parser!(u64).range(1..=65_536), global = true)]
    pub admin_max_connections: u64,
    /// How long the admin listener keeps one connection; then it ends after its current answer
    /// (dropped 10 s later if that answer is not read).
    #[arg(long, env = "LLMARKET_ADMIN_CONNECTION_TIME", default_value = "60s", value_parser = positive_duration, global = true)]
    pub admin_connection_time: Duration,
}

impl ObserveArgs {
    /// How many connections the admin listener holds, and for how long.
    pub fn admin_limits(&self) -> crate::observe::admin::AdminLimits {
        crate::observe::admin::AdminLimits {
            max_connections: usize::try_from(self.admin_max_connections).unwrap_or(usize::MAX),
            connection_time: self.admin_connection_time,
        }
    }

    /// The access-log policy these flags ask for.
    pub fn access_policy(&self) -> AccessPolicy {
        AccessPolicy {
            level: self.access_log,
            slow_call: self.slow_call,
        }
    }
}

/// Flags of TLS and mutual TLS (see docs/security.md). Without them the server
/// speaks plaintext HTTP/2. SIGHUP reads the files again.
#[derive(Debug, Clone, Args)]
pub struct TlsArgs {
    /// Serve TLS with this certificate chain (PEM, leaf first); needs --tls-key
    /// [default: none, plaintext].
    #[arg(
        long,
        env = "LLMARKET_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key",
        global = true
    )]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1) [default: none].
    #[arg(
        long,
        env = "LLMARKET_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert",
        global = true
    )]
    pub tls_key: Option<PathBuf>,
    /// Mutual TLS: refuse clients without a certificate signed by this CA (PEM); needs
    /// --tls-cert [default: none, any client may connect].
    #[arg(
        long,
        env = "LLMARKET_TLS_CLIENT_CA",
        value_name = "FILE",
        requires = "tls_cert",
        global = true
    )]
    pub tls_client_ca: Option<PathBuf>,
    /// Mutual TLS: refuse client certificates these revocation lists (PEM, from the client CA)
    /// revoke; read again on SIGHUP; needs --tls-client-ca [default: none].
    #[arg(
        long,
        env = "LLMARKET_TLS_CLIENT_CRL",
        value_name = "FILE",
        requires = "tls_client_ca",
        global = true
    )]
    pub tls_client_crl: Option<PathBuf>,
}

impl TlsArgs {
    /// The files to serve TLS with, if TLS is on.
    pub fn files(&self) -> Option<TlsFiles> {
        Some(TlsFiles {
            cert: self.tls_cert.clone()?,
            key: self.tls_key.clone()?,
            client_ca: self.tls_client_ca.clone(),
            client_crl: self.tls_client_crl.clone(),
        })
    }

    /// Whether mutual TLS is configured: every client must present a certificate signed by
    /// `--tls-client-ca` (clap refuses a client CA without a server certificate and key).
    pub fn mutual(&self) -> bool {
        self.files().is_some_and(|files| files.client_ca.is_some())
    }
}

/// Flags that limit connections (see docs/operations.md, "Limits").
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// Calls one connection may have open at once (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS).
    #[arg(long, env = "LLMARKET_MAX_CONCURRENT_STREAMS", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub max_concurrent_streams: u32,
    /// Connections open at once per listener; one over the cap is closed at once. Lowered at
    /// start to what the open-file limit allows.
    #[arg(long, env = "LLMARKET_MAX_CONNECTIONS", default_value_t = 4096, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub max_connections: u64,
    /// Connections open at once from one client address (its IPv4 address, or its IPv6 /64
    /// network; any port), at most
    /// --max-connections; one over is closed at once [default: a quarter of --max-connections,
    /// at least 1].
    #[arg(long, env = "LLMARKET_MAX_CONNECTIONS_PER_ADDRESS", value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub max_connections_per_address: Option<u64>,
    /// Slots of --max-connections kept for connections that have authenticated (a mutual-TLS
    /// handshake, or a call that passed --auth-file); the others hold the rest, and one more of
    /// them closes the oldest instead of being refused. Needs --auth-file or mutual TLS
    /// [default: a quarter of --max-connections with --auth-file or mutual TLS, 0 without].
    #[arg(long, env = "LLMARKET_RESERVED_CONNECTIONS", global = true)]
    pub reserved_connections: Option<u64>,
    /// A new connection that has sent no request this long after it was accepted (TLS handshake
    /// included) gets GOAWAY, and is closed if it sends none in as long again.
    #[arg(long, env = "LLMARKET_FIRST_REQUEST_TIMEOUT", default_value = "10s", value_parser = positive_duration, global = true)]
    pub first_request_timeout: Duration,
    /// A TLS client that has not finished its handshake this long after it was accepted is
    /// closed (the first-request timeout bounds it too).
    #[arg(long, env = "LLMARKET_TLS_HANDSHAKE_TIMEOUT", default_value = "10s", value_parser = positive_duration, global = true)]
    pub tls_handshake_timeout: Duration,
    /// Streaming calls (health Watch, reflection, watches) one connection may have open at once; one more
    /// gets RESOURCE_EXHAUSTED.
    #[arg(long, env = "LLMARKET_MAX_STREAMING_CALLS_PER_CONNECTION", default_value_t = llmarket_serving::limits::DEFAULT_MAX_STREAMING_CALLS_PER_CONNECTION, value_parser = call_limit, global = true)]
    pub max_streaming_calls_per_connection: usize,
    /// A connection with no call being handled and no reply message sent for this long gets
    /// GOAWAY (an open stream that sends nothing does not keep it busy), and is closed if it stays
    /// that quiet as long again.
    #[arg(long, env = "LLMARKET_IDLE_TIMEOUT", default_value = "5m", value_parser = positive_duration, global = true)]
    pub idle_timeout: Duration,
    /// How often an HTTP/2 ping checks that a client is still there.
    #[arg(long, env = "LLMARKET_KEEPALIVE_INTERVAL", default_value = "60s", value_parser = positive_duration, global = true)]
    pub keepalive_interval: Duration,
    /// How long a keepalive ping may go unanswered before the connection is closed.
    #[arg(long, env = "LLMARKET_KEEPALIVE_TIMEOUT", default_value = "20s", value_parser = positive_duration, global = true)]
    pub keepalive_timeout: Duration,
    /// A connection this old gets GOAWAY, so clients behind L4 load balancers spread again.
    #[arg(long, env = "LLMARKET_MAX_CONNECTION_AGE", default_value = "30m", value_parser = positive_duration, global = true)]
    pub max_connection_age: Duration,
    /// How long calls may still finish after the maximum age's GOAWAY before the connection closes.
    #[arg(long, env = "LLMARKET_MAX_CONNECTION_AGE_GRACE", default_value = "30s", value_parser = llmarket_flags::duration::parse, global = true)]
    pub max_connection_age_grace: Duration,
    /// A connection whose replies wait unread this long (the client stopped reading) is closed,
    /// freeing what it left unread.
    #[arg(long, env = "LLMARKET_SEND_TIMEOUT", default_value = "10s", value_parser = positive_duration, global = true)]
    pub send_timeout: Duration,
    /// Most reply bytes one connection may hold that its client has not read; a reply that would
    /// go over gets RESOURCE_EXHAUSTED (one reply alone always goes).
    #[arg(long, env = "LLMARKET_MAX_UNSENT_BYTES", default_value_t = 16 * 1024 * 1024, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub max_unsent_bytes: u64,
    /// Most reply bytes the whole process (every listener) may hold that clients have not read;
    /// past it new work gets RESOURCE_EXHAUSTED, but a connection holding none may still send
    /// one reply (within an eighth more; while into it, a connection whose replies have not moved
    /// for 1 s is closed) [default: a quarter of the cgroup memory limit; 256 MiB without one].
    #[arg(long, env = "LLMARKET_MAX_UNSENT_BYTES_TOTAL", value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub max_unsent_bytes_total: Option<u64>,
    /// Largest reply a call may send, in bytes; a larger one is dropped and the call ends with
    /// RESOURCE_EXHAUSTED (ask for less: a smaller page, fewer names).
    #[arg(long, env = "LLMARKET_MAX_REPLY_SIZE", default_value_t = llmarket_serving::limits::DEFAULT_MAX_REPLY_SIZE as u64, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub max_reply_size: u64,
    /// Calls (streams of any kind, health included) the whole process may have open; past it new
    /// calls get RESOURCE_EXHAUSTED, but a connection with fewer than 4 open may still open one
    /// (within an eighth more; while into it, a call unanswered 1 s after it arrived is ended)
    /// [default: a quarter of the cgroup memory limit at 8 KiB a call; 32768 without one].
    #[arg(long, env = "LLMARKET_MAX_STREAMS_TOTAL", value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub max_streams_total: Option<u64>,
}

impl ConnectionArgs {
    /// The limits these flags ask for (the connection cap before the open-file limit lowers it;
    /// see [`ConnectionArgs::per_address`] for after).
    pub fn limits(&self) -> ConnectionLimits {
        let max_connections = usize::try_from(self.max_connections).unwrap_or(usize::MAX);
        ConnectionLimits {
            max_concurrent_streams: self.max_concurrent_streams,
            max_connections,
            max_connections_per_address: self.per_address(max_connections),
            first_request_timeout: self.first_request_timeout,
            tls_handshake_timeout: self.tls_handshake_timeout,
            max_streaming_calls_per_connection: self.max_streaming_calls_per_connection,
            // Set by the binary, which knows whether connections can authenticate.
            reserved_connections: 0,
            idle_timeout: self.idle_timeout,
            keepalive_interval: self.keepalive_interval,
            keepalive_timeout: self.keepalive_timeout,
            max_connection_age: self.max_connection_age,
            max_connection_age_grace: self.max_connection_age_grace,
            send_timeout: self.send_timeout,
            max_unsent_bytes: usize::try_from(self.max_unsent_bytes).unwrap_or(usize::MAX),
            max_reply_size: usize::try_from(self.max_reply_size).unwrap_or(usize::MAX),
        }
    }
}

impl ConnectionArgs {
    /// The process's budget these flags ask for, the defaults taken from `memory` (the cgroup
    /// memory limit, if any).
    pub fn budget(&self, memory: Option<u64>) -> llmarket_serving::budget::BudgetLimits {
        let defaults = llmarket_serving::budget::BudgetLimits::for_memory(memory);
        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        llmarket_serving::budget::BudgetLimits {
            max_unsent_bytes: self
                .max_unsent_bytes_total
                .map_or(defaults.max_unsent_bytes, size),
            max_streams: self.max_streams_total.map_or(defaults.max_streams, size),
        }
    }

    /// The per-address cap under a connection cap of `max_connections`: as given (at most the
    /// cap), else a quarter of the cap.
    pub fn per_address(&self, max_connections: usize) -> usize {
        match self.max_connections_per_address {
            Some(n) => usize::try_from(n)
                .unwrap_or(usize::MAX)
                .min(max_connections),
            None => llmarket_serving::limits::default_per_address(max_connections),
        }
        .max(1)
    }

    /// The reserve for authenticated connections under a connection cap of `max_connections`:
    /// as given (below the cap), else a quarter of the cap; none when no connection can
    /// authenticate (`authenticating`: an auth file or mutual TLS is configured).
    pub fn reserved(&self, max_connections: usize, authenticating: bool) -> usize {
        if !authenticating {
            return 0;
        }
        match self.reserved_connections {
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
            None => llmarket_serving::limits::default_reserved(max_connections),
        }
        .min(max_connections.saturating_sub(1))
    }

    /// Refuses a per-address cap above the connection cap, and a reserve that is not below the
    /// cap or that no connection could use (`authenticating`: an auth file or mutual TLS is
    /// configured), naming the flags.
    pub fn check(&self, authenticating: bool) -> Result<(), String> {
        if let Some(n) = self.max_connections_per_address
            && n > self.max_connections
        {
            return Err(format!(
                "--max-connections-per-address {n} is above --max-connections {}; give at most {}",
                self.max_connections, self.max_connections
            ));
        }
        match self.reserved_connections {
            Some(n) if n > 0 && !authenticating => Err(format!(
                "--reserved-connections {n} keeps slots for authenticated connections, but none can authenticate; add --auth-file FILE or mutual TLS (--tls-client-ca), or give 0"
            )),
            Some(n) if n >= self.max_connections => Err(format!(
                "--reserved-connections {n} is not below --max-connections {}; give at most {}",
                self.max_connections,
                self.max_connections - 1
            )),
            _ => Ok(()),
        }
    }
}

/// `on` or `off`.
fn on_off(text: &str) -> Result<bool, String> {
    match text {
        "on" => Ok(true),
        "off" => Ok(false),
        other => Err(format!("{other:?} is neither `on` nor `off`")),
    }
}

/// A duration above zero (a zero timer would close every connection at once).
fn positive_duration(text: &str) -> Result<Duration, String> {
    let duration = llmarket_flags::duration::parse(text)?;
    if duration.is_zero() {
        return Err(format!(
            "{text:?} is zero; give a duration above zero, e.g. 30s"
        ));
    }
    Ok(duration)
}

/// The text of `--version`: the crate version, then the built-in dataset's id and its data
/// version (the one responses carry when a process serves only the built-in data), so two
/// binaries with different built-in data tell themselves apart.
#[cfg(feature = "builtin-data")]
pub fn long_version() -> String {
    let builtin = llmarket_kit::data::builtin();
    let version = llmarket_kit::data::DataVersion::of(std::slice::from_ref(&builtin));
    format!(
        "{} (built-in data: datasets/{}, data version {version})",
        env!("CARGO_PKG_VERSION"),
        builtin.directory
    )
}

/// The text of `--version` of a build without the built-in data.
#[cfg(not(feature = "builtin-data"))]
pub fn long_version() -> String {
    format!(
        "{} (no built-in data: serves only --data directories)",
        env!("CARGO_PKG_VERSION")
    )
}

impl Cli {
    /// Parses the command line and environment, with [`long_version`] as `--version`.
    pub fn parse_args() -> Result<Self, clap::Error> {
        use clap::{CommandFactory as _, FromArgMatches as _};
        static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let version: &'static str = VERSION.get_or_init(long_version);
        let matches = Self::command().version(version).try_get_matches()?;
        Self::from_arg_matches(&matches)
    }
}

/// Flags that limit each call (see docs/operations.md, "Limits").
#[derive(Debug, Clone, Args)]
pub struct CallArgs {
    /// Calls in flight (health checks not counted) past which new calls get RESOURCE_EXHAUSTED at
    /// once instead of waiting.
    #[arg(long, env = "LLMARKET_MAX_CONCURRENT_CALLS", default_value_t = middleware::DEFAULT_MAX_CONCURRENT_CALLS, value_parser = call_limit, global = true)]
    pub max_concurrent_calls: usize,
    /// Streaming calls (health Watch, reflection, watches) open at once per listener, health included;
    /// one more gets RESOURCE_EXHAUSTED.
    #[arg(long, env = "LLMARKET_MAX_STREAMING_CALLS", default_value_t = middleware::DEFAULT_MAX_STREAMING_CALLS, value_parser = call_limit, global = true)]
    pub max_streaming_calls: usize,
    /// The longest any call may run, reply stream included, whatever deadline its caller sets;
    /// past it the call (or its stream) ends with DEADLINE_EXCEEDED (e.g. `30s`, `500ms`, or
    /// plain seconds).
    #[arg(long, env = "LLMARKET_MAX_CALL_TIME", default_value = "30s", value_parser = positive_duration, global = true)]
    pub max_call_time: Duration,
    /// The largest request message in bytes, at most 4194304 (4 MiB); a larger one gets
    /// RESOURCE_EXHAUSTED. Each method is also held to the most it can validly take.
    #[arg(long, env = "LLMARKET_MAX_MESSAGE_SIZE", default_value_t = middleware::DEFAULT_MAX_MESSAGE_SIZE, value_parser = message_size, global = true)]
    pub max_message_size: usize,
    /// Calls one principal of --auth-file may have in flight per listener, from authentication
    /// until its reply has ended (with an auth file, calls without credentials are held to it per
    /// client address); one more gets RESOURCE_EXHAUSTED.
    #[arg(long, env = "LLMARKET_MAX_CALLS_PER_PRINCIPAL", default_value_t = crate::auth::principal_calls::DEFAULT_MAX_CALLS_PER_PRINCIPAL, value_parser = call_limit, global = true)]
    pub max_calls_per_principal: usize,
    /// Answer repeated read calls with their kept encoded reply (at most
    /// --reply-cache-max-bytes in all, replies up to 64 KiB, forgotten on every data reload):
    /// `on` or `off`.
    #[arg(long, env = "LLMARKET_REPLY_CACHE", value_name = "on|off", default_value = "on", value_parser = on_off, action = clap::ArgAction::Set, global = true)]
    pub reply_cache: bool,
    /// The most bytes the reply cache holds (requests, replies and their headers, counted as
    /// held); when full, replies asked for again are kept over replies asked for once.
    #[arg(long, env = "LLMARKET_REPLY_CACHE_MAX_BYTES", default_value_t = middleware::reply_cache::DEFAULT_MAX_BYTES, value_parser = cache_bound, global = true)]
    pub reply_cache_max_bytes: usize,
    /// The most replies the reply cache holds.
    #[arg(long, env = "LLMARKET_REPLY_CACHE_MAX_ENTRIES", default_value_t = middleware::reply_cache::DEFAULT_MAX_ENTRIES, value_parser = cache_bound, global = true)]
    pub reply_cache_max_entries: usize,
}

impl CallArgs {
    /// The per-call limits the middleware enforces.
    pub fn limits(&self) -> middleware::Limits {
        middleware::Limits {
            max_concurrent_calls: self.max_concurrent_calls,
            max_streaming_calls: self.max_streaming_calls,
            max_call_time: self.max_call_time,
            max_message_size: self.max_message_size,
        }
    }

    /// The reply cache `--reply-cache` asks for (one per process).
    pub fn replies(&self) -> middleware::ReplyCache {
        if self.reply_cache {
            middleware::ReplyCache::new(self.reply_cache_max_bytes, self.reply_cache_max_entries)
        } else {
            middleware::ReplyCache::off()
        }
    }
}

/// A reply cache bound: a whole number above zero (`--reply-cache off` turns the cache off).
fn cache_bound(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) | Err(_) => Err(format!(
            "{text:?} is not a number above zero, e.g. 4194304; to keep no replies, give --reply-cache off"
        )),
        Ok(n) => Ok(n),
    }
}

/// A `--max-concurrent-calls` value: a whole number above zero.
fn call_limit(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) | Err(_) => Err(format!(
            "{text:?} is not a number of calls above zero, e.g. 512"
        )),
        Ok(n) => Ok(n),
    }
}

/// A `--max-message-size` value: bytes, from 1 to 4 MiB (tonic's decoding limit behind ours).
fn message_size(text: &str) -> Result<usize, String> {
    let max = middleware::DEFAULT_MAX_MESSAGE_SIZE;
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("{text:?} is not a size in bytes from 1 to {max}")),
    }
}

/// The service a process serves.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve the forecast service only.
    Forecast {
        /// Address to listen on.
        #[arg(long, env = "LLMARKET_FORECAST_LISTEN", default_value = DEFAULT_FORECAST_LISTEN)]
        listen: SocketAddr,
    },
    /// Serve the taxonomy service only.
    Taxonomy {
        /// Address to listen on.
        #[arg(long, env = "LLMARKET_TAXONOMY_LISTEN", default_value = DEFAULT_TAXONOMY_LISTEN)]
        listen: SocketAddr,
    },
    /// Serve both services, each on its own listener (for local use).
    All {
        /// Address of the forecast service.
        #[arg(long, env = "LLMARKET_FORECAST_LISTEN", default_value = DEFAULT_FORECAST_LISTEN)]
        forecast_listen: SocketAddr,
        /// Address of the taxonomy service.
        #[arg(long, env = "LLMARKET_TAXONOMY_LISTEN", default_value = DEFAULT_TAXONOMY_LISTEN)]
        taxonomy_listen: SocketAddr,
    },
    /// Work on data directories without serving them.
    #[command(subcommand)]
    Data(DataCommand),
    /// Manage bearer tokens for the auth file.
    Token {
        /// What to do.
        #[command(subcommand)]
        action: TokenCommand,
    },
}

/// Commands on data directories.
#[derive(Debug, Clone, Subcommand)]
pub enum DataCommand {
    /// Write `manifest.toml` (each data file's size and SHA-256) into a dataset directory, or
    /// into each dataset directory under DIR, for the files they hold now. A directory served
    /// with `--data` must have one; run this again after changing a file, then reload.
    Manifest {
        /// The dataset directory, or a directory of them.
        dir: PathBuf,
        /// The edition the directory holds (manifest format 2), as `DATASET/EDITION@DATE`, e.g.
        /// `cic-global-llm/2027@2027-06-30` (DATE: YYYY, YYYY-MM or YYYY-MM-DD). Without it,
        /// the edition an existing manifest names is kept.
        #[arg(long, value_parser = parse_edition)]
        edition: Option<llmarket_kit::data::EditionMeta>,
    },
    /// Make a new edition from the tidy CSV `llmarket --format csv` writes (export, edit,
    /// import): the base edition's dataset metadata, series and taxonomy, with the stated values
    /// of the CSV files (derived rows are left out). Writes `forecast.toml`, `taxonomy.toml` and
    /// `manifest.toml` into `--out`, which must be new or empty; on any error in the CSV it
    /// lists every one as FILE:LINE and writes nothing.
    Import {
        /// The CSV files, as `llmarket --format csv` writes them (e.g. of `report overview`
        /// and `report cost`).
        #[arg(required = true, value_name = "FILE.csv")]
        files: Vec<PathBuf>,
        /// The edition the values are revised from: a dataset directory, or `builtin` for the
        /// built-in report.
        #[arg(long, value_name = "DIR|builtin")]
        base: PathBuf,
        /// The new edition, as `DATASET/EDITION@DATE`, e.g. `cic-global-llm/2027@2027-06-30`.
        #[arg(long, value_parser = parse_edition)]
        edition: llmarket_kit::data::EditionMeta,
        /// The directory to write the new edition into (new or empty).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

/// Parses `DATASET/EDITION@DATE` for `data manifest --edition` and `data import --edition`.
fn parse_edition(text: &str) -> Result<llmarket_kit::data::EditionMeta, String> {
    let usage =
        || format!("{text:?} is not DATASET/EDITION@DATE, e.g. cic-global-llm/2027@2027-06-30");
    let (names, date) = text.split_once('@').ok_or_else(usage)?;
    let (dataset, id) = names.split_once('/').ok_or_else(usage)?;
    let edition = llmarket_kit::data::EditionMeta {
        dataset: dataset.to_owned(),
        id: id.to_owned(),
        published: Some(llmarket_kit::data::PublishDate::parse(date)?),
    };
    edition.check("--edition").map_err(|e| e.to_string())?;
    Ok(edition)
}

impl Cli {
    /// The addresses this command listens on (none for `token` and `data`).
    pub fn listen_addrs(&self) -> Vec<SocketAddr> {
        match &self.command {
            Command::Forecast { listen } | Command::Taxonomy { listen } => vec![*listen],
            Command::All {
                forecast_listen,
                taxonomy_listen,
            } => vec![*forecast_listen, *taxonomy_listen],
            Command::Token { .. } | Command::Data(_) => Vec::new(),
        }
    }

    /// Whether mutual TLS is configured (`--tls-client-ca`), so only callers with a verified
    /// client certificate connect.
    pub fn mutual_tls(&self) -> bool {
        self.tls.mutual()
    }

    /// Whether connections can authenticate: an auth file or mutual TLS is configured.
    pub fn authenticating(&self) -> bool {
        self.access.auth_file.is_some() || self.mutual_tls()
    }

    /// [`check_exposure`] and [`check_admin_exposure`] for this command line.
    pub fn check_exposure(&self) -> Result<(), String> {
        check_exposure(
            &self.listen_addrs(),
            Protection {
                auth_file: self.access.auth_file.is_some(),
                tls: self.tls.files().is_some(),
                mutual_tls: self.mutual_tls(),
                allow_insecure: self.access.allow_insecure,
            },
        )?;
        check_admin_exposure(self.observe.admin_listen, self.observe.allow_public_admin)
    }
}

/// What `llmarket-server token` does.
#[derive(Debug, Clone, Subcommand)]
pub enum TokenCommand {
    /// Make a new random bearer token: prints the token once on stdout, and the `[[principal]]`
    /// entry (with the token's SHA-256 digest, never the token) on stderr or, with
    /// --append-to, appended to the auth file.
    New {
        /// The principal the token is for (1 to 63 of a-z 0-9 . _ -).
        #[arg(long)]
        principal: String,
        /// A grant for the entry (repeatable, at least one): datasets/*, datasets/{id},
        /// schemes/*, schemes/{id}, or milestones (those of the datasets granted).
        #[arg(long = "grant", value_name = "GRANT")]
        grants: Vec<String>,
        /// Append the entry to this auth file instead of printing it, only if the file still
        /// loads with it (created readable by its owner only when missing); the token is
        /// printed only once the entry is in [default: none, the entry goes to stderr].
        #[arg(long, env = "LLMARKET_TOKEN_APPEND_TO", value_name = "FILE")]
        append_to: Option<PathBuf>,
    },
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cors_origins_are_repeatable_and_off_by_default() {
        let off = Cli::try_parse_from(["llmarket-server", "all"]).unwrap();
        assert!(!off.access.cors().is_on());
        let on = Cli::try_parse_from([
            "llmarket-server",
            "all",
            "--cors-origin",
            "http://localhost:8080",
            "--cors-origin",
            "https://reports.example.com",
        ])
        .unwrap();
        assert_eq!(on.access.cors_origins.len(), 2);
        assert!(on.access.cors().is_on());
        let error = Cli::try_parse_from(["llmarket-server", "all", "--cors-origin", "*"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("invalid CORS origin"), "{error}");
    }

    #[test]
    fn subcommands_take_their_listen_flags() {
        let cli = Cli::try_parse_from(["llmarket-server", "forecast", "--listen", "127.0.0.1:0"])
            .unwrap();
        assert!(matches!(cli.command, Command::Forecast { listen } if listen.port() == 0));
        let cli = Cli::try_parse_from([
            "llmarket-server",
            "all",
            "--forecast-listen",
            "127.0.0.1:1",
            "--taxonomy-listen",
            "127.0.0.1:2",
            "--shutdown-grace",
            "1s",
            "--shutdown-delay",
            "2s",
        ])
        .unwrap();
        assert_eq!(cli.shutdown_grace, Duration::from_secs(1));
        assert_eq!(cli.shutdown_delay, Duration::from_secs(2));
        assert!(cli.data_watch, "watched unless turned off");
        assert_eq!(cli.watch_heartbeat, llmarket_watch::DEFAULT_HEARTBEAT);
        let off = Cli::try_parse_from(["llmarket-server", "taxonomy", "--data-watch", "off"]);
        assert!(!off.unwrap().data_watch);
        assert!(
            Cli::try_parse_from(["llmarket-server", "taxonomy", "--data-watch", "no"]).is_err()
        );
        assert!(matches!(cli.command, Command::All { .. }));
    }

    #[test]
    fn connection_flags_become_the_limits() {
        let cli = Cli::try_parse_from([
            "llmarket-server",
            "taxonomy",
            "--max-concurrent-streams",
            "20",
            "--max-connections",
            "50",
            "--idle-timeout",
            "1s",
            "--max-connection-age",
            "2m",
            "--max-unsent-bytes",
            "1024",
            "--max-reply-size",
            "512",
            "--max-streams-total",
            "9",
        ])
        .unwrap();
        let limits = cli.connections.limits();
        assert_eq!(limits.max_reply_size, 512);
        let budget = cli.connections.budget(Some(128 * 1024 * 1024));
        assert_eq!(budget.max_streams, 9, "as given");
        assert_eq!(budget.max_unsent_bytes, 32 * 1024 * 1024, "from the memory");
        assert_eq!(limits.max_concurrent_streams, 20);
        assert_eq!(limits.max_connections, 50);
        assert_eq!(limits.idle_timeout, Duration::from_secs(1));
        assert_eq!(limits.max_connection_age, Duration::from_secs(120));
        assert_eq!(limits.max_unsent_bytes, 1024);
        assert_eq!(
            limits.max_connections_per_address, 12,
            "a quarter of the cap"
        );
        let cli = Cli::try_parse_from([
            "llmarket-server",
            "taxonomy",
            "--max-connections",
            "50",
            "--max-connections-per-address",
            "3",
            "--first-request-timeout",
            "2s",
            "--tls-handshake-timeout",
            "750ms",
            "--max-streaming-calls-per-connection",
            "1",
        ])
        .unwrap();
        let limits = cli.connections.limits();
        assert_eq!(limits.tls_handshake_timeout, Duration::from_millis(750));
        assert_eq!(limits.max_connections_per_address, 3);
        assert_eq!(limits.first_request_timeout, Duration::from_secs(2));
        assert_eq!(limits.max_streaming_calls_per_connection, 1);
        assert_eq!(cli.connections.per_address(2), 2, "lowered with the cap");
        assert_eq!(cli.connections.check(false), Ok(()));
        let over = Cli::try_parse_from([
            "llmarket-server",
            "taxonomy",
            "--max-connections",
            "20",
            "--max-connections-per-address",
            "21",
        ])
        .unwrap();
        let error = over.connections.check(false).unwrap_err();
        assert_eq!(
            error,
            "--max-connections-per-address 21 is above --max-connections 20; give at most 20"
        );
        let reserve = |extra: &[&str]| {
            let mut args = vec!["llmarket-server", "taxonomy", "--max-connections", "20"];
            args.extend(extra);
            Cli::try_parse_from(args).unwrap()
        };
        assert_eq!(reserve(&[]).connections.reserved(20, false), 0);
        assert_eq!(reserve(&[]).connections.reserved(20, true), 5, "a quarter");
        let three = reserve(&["--reserved-connections", "3"]);
        assert_eq!(three.connections.reserved(20, true), 3);
        assert_eq!(
            three.connections.reserved(2, true),
            1,
            "below a lowered cap"
        );
        assert_eq!(three.connections.check(true), Ok(()));
        let error = three.connections.check(false).unwrap_err();
        assert!(error.contains("add --auth-file FILE"), "{error}");
        assert_eq!(
            reserve(&["--reserved-connections", "0"])
                .connections
                .check(false),
            Ok(())
        );
        let error = reserve(&["--reserved-connections", "20"])
            .connections
            .check(true)
            .unwrap_err();
        assert_eq!(
            error,
            "--reserved-connections 20 is not below --max-connections 20; give at most 19"
        );
        for bad in [
            ["--max-connections-per-address", "0"],
            ["--first-request-timeout", "0s"],
            ["--max-streaming-calls-per-connection", "0"],
            ["--max-streaming-calls", "0"],
        ] {
            let args = ["llmarket-server", "forecast", bad[0], bad[1]];
            assert!(Cli::try_parse_from(args).is_err(), "{bad:?}");
        }
        let defaults = Cli::try_parse_from(["llmarket-server", "taxonomy"]).unwrap();
        assert_eq!(defaults.connections.limits(), ConnectionLimits::default());
    }

    #[test]
    fn limits_have_their_defaults_and_refuse_zero_and_too_large() {
        let cli = Cli::try_parse_from(["llmarket-server", "forecast"]).unwrap();
        assert_eq!(cli.calls.limits(), middleware::Limits::default());
        let cli = Cli::try_parse_from([
            "llmarket-server",
            "forecast",
            "--max-concurrent-calls",
            "8",
            "--max-call-time",
            "250ms",
            "--max-message-size",
            "1024",
            "--max-calls-per-principal",
            "3",
        ])
        .unwrap();
        assert_eq!(
            cli.calls.limits(),
            middleware::Limits {
                max_concurrent_calls: 8,
                max_streaming_calls: middleware::DEFAULT_MAX_STREAMING_CALLS,
                max_call_time: Duration::from_millis(250),
                max_message_size: 1024,
            }
        );
        assert_eq!(cli.calls.max_calls_per_principal, 3);
        for bad in [
            ["--max-concurrent-calls", "0"],
            ["--max-calls-per-principal", "0"],
            ["--max-reply-size", "0"],
            ["--max-unsent-bytes-total", "0"],
            ["--max-streams-total", "0"],
            ["--max-call-time", "0s"],
            ["--max-message-size", "0"],
            ["--max-message-size", "4194305"],
        ] {
            let args = ["llmarket-server", "forecast", bad[0], bad[1]];
            assert!(Cli::try_parse_from(args).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn reflection_defaults_to_authenticated_with_an_auth_file() {
        let parse = |extra: &[&str]| {
            let mut args = vec!["llmarket-server", "forecast"];
            args.extend(extra);
            Cli::try_parse_from(args).unwrap().access.reflection()
        };
        assert_eq!(parse(&[]), Reflection::On);
        assert_eq!(parse(&["--auth-file", "a.toml"]), Reflection::Authenticated);
        assert_eq!(
            parse(&["--auth-file", "a.toml", "--reflection", "off"]),
            Reflection::Off
        );
        assert_eq!(
            parse(&["--reflection", "authenticated"]),
            Reflection::Authenticated
        );
    }

    #[test]
    fn exposure_is_refused_only_off_loopback_without_protection() {
        let loopback: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let v6_loopback: SocketAddr = "[::1]:1".parse().unwrap();
        let open: SocketAddr = "0.0.0.0:1".parse().unwrap();
        let p = |auth_file, tls, mutual_tls, allow_insecure| Protection {
            auth_file,
            tls,
            mutual_tls,
            allow_insecure,
        };
        // addrs, protection (auth file, TLS, mutual TLS, allow insecure), refused with
        let cases: &[(&[SocketAddr], Protection, Option<&str>)] = &[
            (
                &[loopback, v6_loopback],
                p(false, false, false, false),
                None,
            ),
            (&[loopback], p(true, false, false, false), None),
            (
                &[loopback, open],
                p(false, false, false, false),
                Some("add --auth-file FILE or mutual TLS"),
            ),
            (
                &[open],
                p(true, false, false, false),
                Some(
                    "with --auth-file over plaintext, which sends bearer tokens in clear; add --tls-cert",
                ),
            ),
            (&[open], p(true, true, false, false), None),
            (&[open], p(false, true, true, false), None),
            (&[open], p(true, false, false, true), None),
            (&[open], p(false, false, false, true), None),
            (
                &[open],
                p(false, true, false, false),
                Some("add --auth-file FILE or mutual TLS"),
            ),
        ];
        for (addrs, protection, refused) in cases {
            let result = check_exposure(addrs, *protection);
            match (result, refused) {
                (Ok(()), None) => {}
                (Err(message), Some(needle)) => {
                    assert!(message.contains(needle), "{message}");
                    assert!(message.contains("--allow-insecure") && !message.contains('\n'));
                }
                (got, _) => panic!("{addrs:?} {protection:?}: {got:?}"),
            }
        }
    }

    #[test]
    fn a_non_loopback_admin_listener_needs_its_flag() {
        let public: SocketAddr = "0.0.0.0:9090".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:9090".parse().unwrap();
        assert!(check_admin_exposure(None, false).is_ok());
        assert!(check_admin_exposure(Some(local), false).is_ok());
        assert!(check_admin_exposure(Some(public), true).is_ok());
        let message = check_admin_exposure(Some(public), false).unwrap_err();
        assert!(
            message.contains("0.0.0.0:9090") && message.contains("--allow-public-admin"),
            "{message}"
        );
        let parse = |extra: &[&str]| {
            let mut args = vec!["llmarket-server", "forecast"];
            args.extend(extra);
            Cli::try_parse_from(args).unwrap().check_exposure()
        };
        assert!(parse(&["--admin-listen", "0.0.0.0:9090"]).is_err());
        assert!(parse(&["--admin-listen", "0.0.0.0:9090", "--allow-public-admin"]).is_ok());
        assert!(parse(&["--admin-listen", "[::1]:9090"]).is_ok());
    }

    #[test]
    fn tls_flags_go_together() {
        let cli = Cli::try_parse_from(["llmarket-server", "forecast"]).unwrap();
        assert_eq!(cli.tls.files(), None);
        assert!(!cli.tls.mutual());
        let cli = Cli::try_parse_from([
            "llmarket-server",
            "forecast",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
        ])
        .unwrap();
        assert!(cli.tls.files().is_some());
        assert!(!cli.tls.mutual());
        let cli = Cli::try_parse_from([
            "llmarket-server",
            "all",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
            "--tls-client-ca",
            "ca.pem",
        ])
        .unwrap();
        assert!(cli.tls.mutual());
        assert_eq!(cli.tls.files().unwrap().client_crl, None);
        let cli = Cli::try_parse_from([
            "llmarket-server",
            "all",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
            "--tls-client-ca",
            "ca.pem",
            "--tls-client-crl",
            "crl.pem",
        ])
        .unwrap();
        assert_eq!(
            cli.tls.files().unwrap().client_crl,
            Some(PathBuf::from("crl.pem"))
        );
        let crl_without_ca = [
            "llmarket-server",
            "forecast",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
            "--tls-client-crl",
            "crl.pem",
        ];
        assert!(Cli::try_parse_from(crl_without_ca).is_err());
        for alone in [
            ["--tls-cert", "c.pem"],
            ["--tls-key", "k.pem"],
            ["--tls-client-ca", "ca.pem"],
        ] {
            let args = ["llmarket-server", "forecast", alone[0], alone[1]];
            assert!(Cli::try_parse_from(args).is_err(), "{alone:?}");
        }
    }

    #[test]
    fn observing_is_off_but_for_error_lines_unless_asked() {
        let cli = Cli::try_parse_from(["llmarket-server", "all"]).unwrap();
        assert_eq!(cli.observe.admin_listen, None);
        assert_eq!(cli.observe.access_policy().level, AccessLog::Errors);
        assert_eq!(cli.observe.slow_call, Duration::from_millis(100));
        let cli = Cli::try_parse_from([
            "llmarket-server",
            "forecast",
            "--admin-listen",
            "127.0.0.1:9090",
            "--access-log",
            "all",
            "--slow-call",
            "5ms",
        ])
        .unwrap();
        assert_eq!(cli.observe.admin_listen.map(|a| a.port()), Some(9090));
        assert_eq!(
            cli.observe.access_policy(),
            AccessPolicy {
                level: AccessLog::All,
                slow_call: Duration::from_millis(5),
            }
        );
        assert!(
            Cli::try_parse_from(["llmarket-server", "forecast", "--access-log", "some"]).is_err()
        );
    }

    #[test]
    fn bad_input_is_a_parse_error() {
        assert!(Cli::try_parse_from(["llmarket-server", "nope"]).is_err());
        assert!(
            Cli::try_parse_from(["llmarket-server", "forecast", "--listen", "nowhere"]).is_err()
        );
        assert!(Cli::try_parse_from(["llmarket-server"]).is_err());
    }

    #[test]
    fn the_reply_cache_keeps_what_its_bounds_allow_and_zero_is_refused() {
        use llmarket_serving::middleware::reply_cache::{CallKey, Reply};
        let cli = Cli::try_parse_from([
            "llmarket-server",
            "forecast",
            "--reply-cache-max-entries",
            "2",
        ])
        .unwrap();
        let cache = cli.calls.replies();
        let generation = cache.generation();
        for request in [&b"a"[..], b"b", b"c"] {
            let key = CallKey {
                version: 1,
                accept: b"",
                path: "/s/m",
                request,
                scope: None,
            };
            let reply = Reply {
                headers: http::HeaderMap::new(),
                body: bytes::Bytes::from_static(b"reply"),
            };
            cache.put(generation, &key, &reply);
        }
        assert!(cache.usage().0 <= 2, "{:?}", cache.usage());
        for flag in ["--reply-cache-max-bytes", "--reply-cache-max-entries"] {
            let error =
                Cli::try_parse_from(["llmarket-server", "forecast", flag, "0"]).unwrap_err();
            assert!(error.to_string().contains("--reply-cache off"), "{error}");
        }
    }
}
