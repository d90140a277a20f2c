//! The `llmarket` command: report queries and direct access to the forecast and taxonomy
//! services, printed as a table, JSON or Markdown, optionally charted as SVG.
//!
//! Exit codes: 0 ok, 2 usage, 65 bad data from a server, 69 a service unavailable (or too slow
//! for the deadline), 1 anything else. Errors are one line on stderr.

use std::{
    future::Future,
    io::{IsTerminal as _, Write as _},
    path::PathBuf,
    process::ExitCode,
    time::{Duration, Instant},
};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::{
    Client, ClientConfig, ClientError, Service,
    config::{DEFAULT_DATASET, DEFAULT_FORECAST_URL, DEFAULT_TAXONOMY_URL},
    connect::check_endpoint,
    render::{self, Format, Render},
    reports::{Language, YearSpan, direct::Fill},
};

/// Everything went well.
pub const EXIT_OK: u8 = 0;
/// Anything else went wrong (a server rejected the request, a file could not be written).
pub const EXIT_FAILURE: u8 = 1;
/// The command line was wrong.
pub const EXIT_USAGE: u8 = 2;
/// A server answered with bad data (e.g. a response missing a required field).
pub const EXIT_DATA_ERR: u8 = 65;
/// A service could not be reached or did not answer within the deadline.
pub const EXIT_UNAVAILABLE: u8 = 69;

/// The projection horizon of `report cost` when `--to` is not given: the report's forecast year.
const DEFAULT_COST_HORIZON: i32 = 2029;

/// Market-research reports from the llmarket forecast and taxonomy services.
#[derive(Debug, Parser)]
#[command(name = "llmarket", version, about, propagate_version = true)]
pub struct Cli {
    /// What to show.
    #[command(subcommand)]
    pub command: Command,
    /// Forecast service URL; repeat (or comma-separate) for replicas to balance across.
    #[arg(
        long = "forecast",
        env = "LLMARKET_FORECAST_URL",
        value_name = "URL",
        value_delimiter = ',',
        default_value = DEFAULT_FORECAST_URL,
        value_parser = forecast_url,
        global = true
    )]
    pub forecast: Vec<String>,
    /// Taxonomy service URL; repeat (or comma-separate) for replicas to balance across.
    #[arg(
        long = "taxonomy",
        env = "LLMARKET_TAXONOMY_URL",
        value_name = "URL",
        value_delimiter = ',',
        default_value = DEFAULT_TAXONOMY_URL,
        value_parser = taxonomy_url,
        global = true
    )]
    pub taxonomy: Vec<String>,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_enum, global = true)]
    pub format: Option<FormatArg>,
    /// Language of labels, definitions and titles.
    #[arg(long = "lang", value_enum, default_value_t = LangArg::En, global = true)]
    pub lang: LangArg,
    /// Time budget of each call, retries included (e.g. `5s`, `500ms`).
    #[arg(long, default_value = "10s", value_parser = parse_duration, global = true)]
    pub deadline: Duration,
    /// The dataset, `datasets/{dataset}` or just `{dataset}`.
    #[arg(long, env = "LLMARKET_DATASET", default_value = DEFAULT_DATASET, global = true)]
    pub dataset: String,
    /// Also draw the report's series as an SVG line chart into this file.
    #[arg(long, value_name = "FILE.svg", global = true)]
    pub chart: Option<PathBuf>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Composed reports joining numbers and concepts.
    #[command(subcommand)]
    Report(ReportCommand),
    /// The series of the dataset.
    #[command(subcommand)]
    Series(SeriesCommand),
    /// The concepts of the taxonomy.
    #[command(subcommand)]
    Concepts(ConceptsCommand),
    /// The milestones of the timeline.
    Milestones {
        /// The span of years.
        #[command(flatten)]
        years: YearsArgs,
        /// Only milestones concerning this concept (`scheme/concept`).
        #[arg(long)]
        concept: Option<String>,
    },
}

/// The composed reports.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The market: size over the years, growth, breakdown, drivers, trends, barriers, capability.
    Overview {
        /// The span of years.
        #[command(flatten)]
        years: YearsArgs,
    },
    /// One concept joined with the series it links to.
    Segment {
        /// The concept: `scheme/concept` or `schemes/{scheme}/concepts/{concept}`.
        concept: String,
        /// The span of years.
        #[command(flatten)]
        years: YearsArgs,
    },
    /// Milestones year by year beside the market size.
    Timeline {
        /// The span of years.
        #[command(flatten)]
        years: YearsArgs,
    },
    /// The inference cost, its stated fall, a projection, and what it unlocks.
    Cost {
        /// First year of stated costs shown.
        #[arg(long = "from", value_name = "YEAR")]
        start: Option<i32>,
        /// Last year projected to.
        #[arg(long = "to", value_name = "YEAR", default_value_t = DEFAULT_COST_HORIZON)]
        end: i32,
    },
}

/// Direct access to series.
#[derive(Debug, Subcommand)]
pub enum SeriesCommand {
    /// The series of the dataset.
    List,
    /// One series with its values.
    Get {
        /// The series: its id (e.g. `market-size`) or full name.
        series: String,
        /// The span of years.
        #[command(flatten)]
        years: YearsArgs,
        /// Also derive the years between stated ones (constant growth), flagged as derived.
        #[arg(long)]
        interpolate: bool,
    },
}

/// Direct access to concepts.
#[derive(Debug, Subcommand)]
pub enum ConceptsCommand {
    /// One concept.
    Get {
        /// The concept: `scheme/concept` or `schemes/{scheme}/concepts/{concept}`.
        concept: String,
    },
    /// Concepts whose label or definition contains a text, in either language.
    Search {
        /// The text to find.
        query: String,
        /// Only in this scheme (repeatable).
        #[arg(long = "scheme")]
        schemes: Vec<String>,
    },
}

/// A span of years.
#[derive(Debug, Clone, Copy, Args)]
pub struct YearsArgs {
    /// First year [default: as far back as the data goes].
    #[arg(long = "from", value_name = "YEAR")]
    pub start: Option<i32>,
    /// Last year [default: as far ahead as the data goes].
    #[arg(long = "to", value_name = "YEAR")]
    pub end: Option<i32>,
}

impl From<YearsArgs> for YearSpan {
    fn from(args: YearsArgs) -> Self {
        Self {
            start: args.start,
            end: args.end,
        }
    }
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Aligned text.
    Table,
    /// JSON.
    Json,
    /// Markdown.
    Markdown,
}

/// `--lang`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// English.
    En,
    /// Chinese (zh-Hans), the report's own language.
    Zh,
}

fn forecast_url(text: &str) -> Result<String, String> {
    check_endpoint(Service::Forecast, text)
        .map(|()| text.to_owned())
        .map_err(|e| e.to_string())
}

fn taxonomy_url(text: &str) -> Result<String, String> {
    check_endpoint(Service::Taxonomy, text)
        .map(|()| text.to_owned())
        .map_err(|e| e.to_string())
}

/// Parses `10s`, `250ms`, `2m` or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else {
        (text, 1.0)
    };
    let invalid = || format!("invalid duration {text:?} (expected e.g. 5s, 500ms, 1m)");
    let value: f64 = number.trim().parse().map_err(|_| invalid())?;
    let seconds = value * scale;
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 86_400.0) {
        return Err(format!(
            "duration {text:?} is out of range (more than 0, at most 24h)"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// `schemes/{scheme}/concepts/{concept}` from `scheme/concept` or the full name.
pub fn concept_name(text: &str) -> String {
    if text.starts_with("schemes/") {
        text.to_owned()
    } else if let Some((scheme, concept)) = text.split_once('/') {
        format!("schemes/{scheme}/concepts/{concept}")
    } else {
        text.to_owned()
    }
}

fn scheme_name(text: &str) -> String {
    if text.starts_with("schemes/") {
        text.to_owned()
    } else {
        format!("schemes/{text}")
    }
}

fn dataset_name(text: &str) -> String {
    if text.starts_with("datasets/") {
        text.to_owned()
    } else {
        format!("datasets/{text}")
    }
}

/// The outcome of a command that failed: its exit code and its one-line message.
#[derive(Debug)]
struct Failure {
    code: u8,
    message: String,
}

impl From<ClientError> for Failure {
    fn from(error: ClientError) -> Self {
        let code = match &error {
            ClientError::Call { .. } if error.is_unavailable() => EXIT_UNAVAILABLE,
            ClientError::Call { .. } => EXIT_FAILURE,
            ClientError::BadData { .. } => EXIT_DATA_ERR,
            ClientError::InvalidEndpoint { .. } | ClientError::InvalidArgument { .. } => EXIT_USAGE,
        };
        Self {
            code,
            message: error.to_string(),
        }
    }
}

/// Runs the command with the process's arguments; returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return usage_error(&error),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(EXIT_FAILURE, &format!("cannot start the runtime: {error}")),
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(failure) => fail(failure.code, &failure.message),
    }
}

/// A clap error as one line (help and version print as usual and succeed).
fn usage_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = error.print();
        return if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::from(EXIT_USAGE)
        } else {
            ExitCode::from(EXIT_OK)
        };
    }
    // clap's first paragraph says what is wrong (possibly over several lines); usage and tips
    // follow after a blank line.
    let rendered = error.to_string();
    let first: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .skip_while(|line| line.is_empty())
        .take_while(|line| !line.is_empty())
        .collect();
    let first = first.join(" ");
    let first = first.trim_start_matches("error: ");
    let first = if first.is_empty() {
        "invalid arguments"
    } else {
        first
    };
    fail(EXIT_USAGE, &format!("{first} (see --help)"))
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("llmarket: error: {message}");
    ExitCode::from(code)
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let config = ClientConfig {
        forecast: cli.forecast.clone(),
        taxonomy: cli.taxonomy.clone(),
        deadline: cli.deadline,
        ..ClientConfig::default()
    };
    let client = Client::connect(config)
        .await?
        .with_dataset(dataset_name(&cli.dataset));
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
    let client = &client;
    match cli.command {
        Command::Report(ReportCommand::Overview { years }) => {
            let dataset = client.dataset().to_owned();
            out.emit(progress(client.market_overview(&dataset, years.into(), language)).await?)
        }
        Command::Report(ReportCommand::Segment { concept, years }) => out.emit(
            progress(client.segment_report(&concept_name(&concept), years.into(), language))
                .await?,
        ),
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
            out.emit(progress(client.concept(&concept_name(&concept), language)).await?)
        }
        Command::Concepts(ConceptsCommand::Search { query, schemes }) => {
            let schemes = schemes.iter().map(|s| scheme_name(s)).collect();
            out.emit(progress(client.search(&query, schemes, language)).await?)
        }
        Command::Milestones { years, concept } => {
            let concept = concept.as_deref().map(concept_name);
            out.emit(progress(client.milestones(years.into(), concept.as_deref(), language)).await?)
        }
    }
}

/// Where and how a result is printed.
struct Output {
    format: Format,
    chart: Option<PathBuf>,
}

impl Output {
    /// Writes the chart (if asked for), then prints the report on stdout.
    fn emit<R: Render>(&self, report: R) -> Result<(), Failure> {
        if let Some(path) = &self.chart {
            let chart = report.chart().ok_or_else(|| Failure {
                code: EXIT_USAGE,
                message: "--chart: this command has no series to chart".to_owned(),
            })?;
            let svg = render::chart::svg(&chart).map_err(|e| Failure {
                code: EXIT_FAILURE,
                message: format!("--chart: {e}"),
            })?;
            std::fs::write(path, svg).map_err(|e| Failure {
                code: EXIT_FAILURE,
                message: format!("cannot write the chart to {}: {e}", path.display()),
            })?;
        }
        let text = render::render(&report, self.format).map_err(|e| Failure {
            code: EXIT_FAILURE,
            message: format!("cannot encode the report: {e}"),
        })?;
        let mut stdout = std::io::stdout().lock();
        match stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
        {
            Ok(()) => Ok(()),
            // A reader that stopped early (`| head`) is not an error.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(Failure {
                code: EXIT_FAILURE,
                message: format!("cannot write to stdout: {e}"),
            }),
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn short_names_expand() {
        assert_eq!(
            concept_name("capability-levels/l3"),
            "schemes/capability-levels/concepts/l3"
        );
        assert_eq!(concept_name("schemes/a/concepts/b"), "schemes/a/concepts/b");
        assert_eq!(scheme_name("drivers"), "schemes/drivers");
        assert_eq!(dataset_name("x"), "datasets/x");
    }

    #[test]
    fn replicas_come_repeated_or_comma_separated() {
        let cli = Cli::try_parse_from([
            "llmarket",
            "--forecast",
            "http://127.0.0.1:1,http://127.0.0.1:2",
            "--forecast",
            "http://127.0.0.1:3",
            "report",
            "overview",
        ])
        .unwrap();
        assert_eq!(cli.forecast.len(), 3);
        let error =
            Cli::try_parse_from(["llmarket", "--taxonomy", "nope", "series", "list"]).unwrap_err();
        assert!(
            error.to_string().contains("invalid taxonomy endpoint"),
            "{error}"
        );
    }

    #[test]
    fn errors_map_to_exit_codes() {
        let unavailable = ClientError::call(
            Service::Forecast,
            "GetSeries",
            &tonic::Status::unavailable("down"),
        );
        assert_eq!(Failure::from(unavailable).code, EXIT_UNAVAILABLE);
        let late = ClientError::call(
            Service::Forecast,
            "GetSeries",
            &tonic::Status::deadline_exceeded("late"),
        );
        assert_eq!(Failure::from(late).code, EXIT_UNAVAILABLE);
        let missing = ClientError::call(
            Service::Forecast,
            "GetSeries",
            &tonic::Status::not_found("no such series"),
        );
        assert_eq!(Failure::from(missing).code, EXIT_FAILURE);
        let bad = ClientError::bad_data(Service::Forecast, "GetSeries", "no unit");
        assert_eq!(Failure::from(bad).code, EXIT_DATA_ERR);
    }
}
