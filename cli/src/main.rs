//! `llmarket`: market-research reports from the llmarket forecast and taxonomy services.
//! Everything lives in [`llmarket_cli`]; this only hands over the exit code.

#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    llmarket_cli::main()
}
