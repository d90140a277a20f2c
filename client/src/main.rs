//! `llmarket`: market-research reports from the llmarket forecast and taxonomy services.
//! Everything lives in [`llmarket_client::cli`]; this only hands over the exit code.

#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    llmarket_client::cli::main()
}
