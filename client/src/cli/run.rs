//! Running a command: the parsed command line turned into client calls, each printed by
//! [`Output`].

use std::{
    future::Future,
    io::IsTerminal as _,
    time::{Duration, Instant},
};

use crate::{
    Client, ClientConfig,
    cli::{
        args::{Cli, Command, ConceptsCommand, FormatArg, LangArg, ReportCommand, SeriesCommand},
        credentials::{Credentials, TOKEN_VARIABLE},
        output::{Failure, Output},
    },
    render::Format,
    reports::{Language, YearSpan, direct::Fill},
};

/// Runs `cli`'s command; the error is what to print and the exit code. A call refused for its
/// credentials says which were presented and what to do.
pub(super) async fn run(cli: Cli) -> Result<(), Failure> {
    let credentials = Credentials::load(&cli.credentials, token_variable(), any_https(&cli))?;
    let config = ClientConfig {
        forecast: cli.forecast.clone(),
        taxonomy: cli.taxonomy.clone(),
        deadline: cli.deadline,
        resolve_interval: cli.resolve_interval,
        tls: credentials.tls.clone(),
        token: credentials.token.clone(),
        ..ClientConfig::default()
    };
    let client = Client::connect(config)
        .await?
        .with_dataset(cli.dataset.clone());
    execute(cli, &client)
        .await
        .map_err(|failure| failure.with_hint(|code| credentials.hint(code)))
}

/// Runs `cli`'s command with `client`.
async fn execute(cli: Cli, client: &Client) -> Result<(), Failure> {
    let language = match cli.lang {
        LangArg::En => Language::En,
        LangArg::Zh => Language::Zh,
    };
    let format = match cli.format {
        Some(FormatArg::Table) => Format::Table,
        Some(FormatArg::Json) => Format::Json,
        Some(FormatArg::Markdown) => Format::Markdown,
        None if std::io::stdout().is_terminal() => Format::Table,
        None => Format::Json,
    };
    let out = Output {
        format,
        chart: cli.chart.clone(),
    };
    match cli.command {
        Command::Report(ReportCommand::Overview { years }) => {
            let dataset = client.dataset().to_owned();
            out.emit(progress(client.market_overview(&dataset, years.into(), language)).await?)
        }
        Command::Report(ReportCommand::Segment { concept, years }) => {
            out.emit(progress(client.segment_report(&concept, years.into(), language)).await?)
        }
        Command::Report(ReportCommand::Timeline { years }) => {
            out.emit(progress(client.timeline(years.into(), language)).await?)
        }
        Command::Report(ReportCommand::Cost { start, end }) => {
            let years = YearSpan {
                start,
                end: Some(end),
            };
            out.emit(progress(client.cost_outlook(years, language)).await?)
        }
        Command::Series(SeriesCommand::List) => {
            let dataset = client.dataset().to_owned();
            out.emit(progress(client.series_list(&dataset, language)).await?)
        }
        Command::Series(SeriesCommand::Get {
            series,
            years,
            interpolate,
        }) => {
            let fill = if interpolate {
                Fill::Interpolate
            } else {
                Fill::None
            };
            out.emit(progress(client.series_detail(&series, years.into(), fill, language)).await?)
        }
        Command::Concepts(ConceptsCommand::Get { concept }) => {
            out.emit(progress(client.concept(&concept, language)).await?)
        }
        Command::Concepts(ConceptsCommand::Search { query, schemes }) => {
            let schemes = schemes.clone();
            out.emit(progress(client.search(&query, schemes, language)).await?)
        }
        Command::Milestones { years, concept } => {
            out.emit(progress(client.milestones(years.into(), concept.as_deref(), language)).await?)
        }
    }
}

/// Awaits `work`; if it takes over a second and stderr is a terminal, shows a spinner on stderr
/// until it is done (and then erases it).
async fn progress<T>(work: impl Future<Output = T>) -> T {
    if !std::io::stderr().is_terminal() {
        return work.await;
    }
    const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
    let started = Instant::now();
    tokio::pin!(work);
    let mut shown = false;
    let mut frame = 0usize;
    let mut tick = tokio::time::interval_at(
        tokio::time::Instant::now() + Duration::from_secs(1),
        Duration::from_millis(120),
    );
    let result = loop {
        tokio::select! {
            result = &mut work => break result,
            _ = tick.tick() => {
                shown = true;
                frame = (frame + 1) % FRAMES.len();
                eprint!(
                    "\r{} waiting for the llmarket services… {:.1}s",
                    FRAMES[frame],
                    started.elapsed().as_secs_f64()
                );
            }
        }
    };
    if shown {
        eprint!("\r\x1b[2K");
    }
    result
}

/// Whether any endpoint of `cli` is `https://`.
fn any_https(cli: &Cli) -> bool {
    cli.forecast
        .iter()
        .chain(&cli.taxonomy)
        .any(|url| url.starts_with("https://"))
}

/// The token in [`TOKEN_VARIABLE`]; an empty variable counts as unset.
fn token_variable() -> Option<String> {
    std::env::var(TOKEN_VARIABLE)
        .ok()
        .filter(|token| !token.trim().is_empty())
}
