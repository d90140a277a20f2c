//! The end-to-end tests of the `llmarket` binary as one test binary: each module starts real
//! servers in this process and runs the command against them.

mod cli;
mod cli_analyst;
mod cli_chart;
mod cli_chart_check;
mod cli_credentials;
mod cli_editions;
mod cli_export;
mod cli_find;
mod cli_json;
mod cli_lookup;
mod cli_output;
mod cli_scope;
mod common;
