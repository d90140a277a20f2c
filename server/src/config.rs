//! Command-line and environment configuration, parsed and validated in one place at start.
//!
//! Every flag also reads an environment variable (`LLMARKET_…`); a flag given on the command line
//! wins over the environment.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Parser, Subcommand, ValueEnum};

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
    #[arg(long, env = "LLMARKET_SHUTDOWN_GRACE", default_value = "10s", value_parser = llmarket_proto::duration::parse, global = true)]
    pub shutdown_grace: Duration,
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
        ])
        .unwrap();
        assert_eq!(cli.shutdown_grace, Duration::from_secs(1));
        assert!(matches!(cli.command, Command::All { .. }));
    }

    #[test]
    fn bad_input_is_a_parse_error() {
        assert!(Cli::try_parse_from(["llmarket-server", "nope"]).is_err());
        assert!(
            Cli::try_parse_from(["llmarket-server", "forecast", "--listen", "nowhere"]).is_err()
        );
        assert!(Cli::try_parse_from(["llmarket-server"]).is_err());
    }
}
