//! The llmarket client: composes the forecast and taxonomy services into combined report
//! queries (market overview, segment report, timeline, cost outlook) as plain data, reading
//! contract v2 (names under their dataset, every read from one edition: the latest, or the one
//! [`ClientConfig::edition`] selects). It has no command-line or rendering dependencies; the
//! `llmarket` command (`llmarket-cli`) renders them.
//!
//! ```no_run
//! # async fn demo() -> Result<(), llmarket_client::ClientError> {
//! use llmarket_client::{Client, ClientConfig, reports::{Language, YearSpan}};
//! let client = Client::connect(ClientConfig::default()).await?;
//! let overview = client
//!     .market_overview("datasets/cic-global-llm", YearSpan::all(), Language::En)
//!     .await?;
//! println!("{}", overview.growth.cagr);
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod client;
pub mod config;
pub mod connect;
pub mod credentials;
pub mod editions;
mod endpoint;
pub mod error;
pub mod probe;
pub mod reports;
mod resolve;
pub mod watch;

pub use client::Client;
pub use config::{ClientConfig, Day, EditionSelection, RetryPolicy};
pub use credentials::{BearerToken, ClientIdentity, TlsSettings};
pub use error::{ClientError, Service};
