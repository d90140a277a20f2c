//! The command line: clap types of the `llmarket` command, its flags and their checks.

use std::{path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum, ValueHint};
use llmarket_proto::names::{ConceptName, DatasetName, SchemeName, v2};

use crate::{
    hints::{CONCEPTS, DATASETS, LANG_TAGS, SCHEMES, SERIES, hinted},
    lang::{LangArg, lang_arg},
};
use llmarket_client::{
    Day, Service,
    config::{DEFAULT_DATASET, DEFAULT_FORECAST_URL, DEFAULT_TAXONOMY_URL},
    connect::check_endpoint,
    reports::YearSpan,
};

/// The projection horizon of `report cost` when `--to` is not given: the report's forecast year.
const DEFAULT_COST_HORIZON: i32 = 2029;

/// Market-research reports from the llmarket forecast and taxonomy services.
#[derive(Debug, Parser)]
#[command(name = "llmarket", version, about, propagate_version = true)]
pub struct Cli {
    /// What to show.
    #[command(subcommand)]
    pub command: Command,
    /// Forecast service URL; repeat (or comma-separate) for replicas to balance across, or one
    /// `dns:///host:port` whose addresses are the replicas.
    #[arg(
        long = "forecast",
        env = "LLMARKET_FORECAST_URL",
        value_name = "URL",
        value_delimiter = ',',
        default_value = DEFAULT_FORECAST_URL,
        value_parser = endpoint(Service::Forecast),
        value_hint = ValueHint::Url,
        global = true
    )]
    pub forecast: Vec<String>,
    /// Taxonomy service URL; repeat (or comma-separate) for replicas to balance across, or one
    /// `dns:///host:port` whose addresses are the replicas.
    #[arg(
        long = "taxonomy",
        env = "LLMARKET_TAXONOMY_URL",
        value_name = "URL",
        value_delimiter = ',',
        default_value = DEFAULT_TAXONOMY_URL,
        value_parser = endpoint(Service::Taxonomy),
        value_hint = ValueHint::Url,
        global = true
    )]
    pub taxonomy: Vec<String>,
    /// Output format [default: from the --output file's extension, else table on a terminal
    /// and json otherwise].
    #[arg(long, value_enum, global = true)]
    pub format: Option<FormatArg>,
    /// Language of labels, definitions and titles, as a BCP-47 tag: en (en-US, …) or zh
    /// (zh-Hans, zh-CN, …).
    #[arg(long = "lang", value_name = "TAG", default_value = "en", global = true,
          value_parser = hinted(lang_arg, LANG_TAGS), hide_possible_values = true)]
    pub lang: LangArg,
    /// Time budget of each call, retries included (e.g. `5s`, `500ms`).
    #[arg(long, default_value = "10s", value_parser = deadline, value_hint = ValueHint::Other,
          global = true)]
    pub deadline: Duration,
    /// How often a `dns:///host:port` endpoint is resolved again to follow its replicas (also
    /// at once when a call finds the service unavailable).
    #[arg(long, env = "LLMARKET_RESOLVE_INTERVAL", default_value = "30s", value_parser = resolve_interval, value_hint = ValueHint::Other, global = true)]
    pub resolve_interval: Duration,
    /// The dataset, `datasets/{dataset}` or just `{dataset}`.
    #[arg(long, env = "LLMARKET_DATASET", default_value = DEFAULT_DATASET, global = true,
          value_parser = hinted(dataset_arg, DATASETS), hide_possible_values = true)]
    pub dataset: String,
    /// Read every value from this edition of the dataset: its id (e.g. `2027`, see `llmarket
    /// editions`) or full name `datasets/{dataset}/editions/{edition}` [default: the edition the
    /// dataset's name pins (a v1 id such as cic-global-llm-2026), else the latest].
    #[arg(long, env = "LLMARKET_EDITION", value_name = "EDITION", global = true,
          value_parser = edition_arg, conflicts_with = "as_of")]
    pub edition: Option<String>,
    /// Read every value as it stood on this day (YYYY-MM-DD): from the latest edition published
    /// on or before it, never a value published later.
    #[arg(long = "as-of", value_name = "YYYY-MM-DD", global = true, value_parser = as_of_arg,
          value_hint = ValueHint::Other)]
    pub as_of: Option<Day>,
    /// Also draw the report's series as a line chart into this file: PNG for a name ending in
    /// .png, else SVG (.svg or no extension; any other is refused).
    #[arg(long, value_name = "FILE.svg|FILE.png", global = true, value_parser = chart_path)]
    pub chart: Option<PathBuf>,
    /// The chart's value axis [default: logarithmic when the values span two orders of
    /// magnitude or more (the inference cost), else linear; the same rule for every command].
    #[arg(
        long,
        value_enum,
        value_name = "SCALE",
        global = true,
        requires = "chart"
    )]
    pub scale: Option<ScaleArg>,
    /// Where the report goes.
    #[command(flatten)]
    pub export: ExportArgs,
    /// Credentials (see docs/security.md).
    #[command(flatten)]
    pub credentials: CredentialArgs,
    /// How strictly a result is checked.
    #[command(flatten)]
    pub checks: CheckArgs,
}

/// How strictly a result is checked.
#[derive(Debug, Clone, Copy, Args)]
pub struct CheckArgs {
    /// Fail (exit 69) instead of printing a report with parts missing (e.g. the taxonomy's,
    /// when that service is down); without it, each missing part is a warning on stderr.
    #[arg(long, global = true)]
    pub strict: bool,
}

/// Where the report is written.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// Write the report (or completion script) to this file, created or truncated, instead of
    /// stdout; a file that cannot be written exits 74. A report's extension (.csv, .json, .md,
    /// .txt) picks the format when --format is not given; any other extension is refused.
    #[arg(long, short = 'o', value_name = "FILE", global = true)]
    pub output: Option<PathBuf>,
}

/// What the command trusts for `https://` endpoints and presents to the servers.
#[derive(Debug, Clone, Args)]
pub struct CredentialArgs {
    /// CA certificate (PEM) that signed the servers' certificates, for https:// endpoints
    /// [default: the system's trusted roots].
    #[arg(long, env = "LLMARKET_CA_CERT", value_name = "FILE", global = true)]
    pub ca_cert: Option<PathBuf>,
    /// Client certificate (PEM) for servers that require mutual TLS; needs --client-key
    /// [default: none].
    #[arg(
        long,
        env = "LLMARKET_CLIENT_CERT",
        value_name = "FILE",
        requires = "client_key",
        global = true
    )]
    pub client_cert: Option<PathBuf>,
    /// Private key (PEM) of --client-cert [default: none].
    #[arg(
        long,
        env = "LLMARKET_CLIENT_KEY",
        value_name = "FILE",
        requires = "client_cert",
        global = true
    )]
    pub client_key: Option<PathBuf>,
    /// File holding the bearer token sent on every call as `authorization: Bearer …`
    /// [default: the token in the LLMARKET_TOKEN variable, if set].
    #[arg(long, env = "LLMARKET_TOKEN_FILE", value_name = "FILE", global = true)]
    pub token_file: Option<PathBuf>,
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
    /// Print a shell's completion script for this command, on stdout or into --output FILE
    /// (e.g. `llmarket completions bash --output /etc/bash_completion.d/llmarket`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// The concept schemes of the taxonomy.
    Schemes,
    /// The capability ladder (L1–L5), name and description in both languages, with the level the
    /// report calls current.
    Levels,
    /// The datasets of the forecast service: report, publisher, and the latest edition's year,
    /// content version and horizon.
    Datasets,
    /// The editions of the dataset: id, publication date, title, content version, horizon.
    Editions,
    /// What each edition states for a series, year by year, with its interval and provenance;
    /// with --chart, one line per edition.
    Revisions {
        /// The series: its id (e.g. `market-size`) or full name.
        #[arg(value_parser = hinted(text_arg, SERIES), hide_possible_values = true)]
        series: String,
        /// Only this year.
        #[arg(long, value_name = "YEAR", value_hint = ValueHint::Other)]
        year: Option<i32>,
    },
    /// Print each change of the served data as it comes (a reload, a new edition) until
    /// Ctrl-C: a line per event on a terminal, JSON Lines with --format json.
    Watch,
    /// The milestones of the timeline.
    Milestones {
        /// The span of years.
        #[command(flatten)]
        years: YearsArgs,
        /// Only milestones concerning this concept (`scheme/concept`).
        #[arg(long, value_parser = hinted(concept_arg, CONCEPTS), hide_possible_values = true)]
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
        /// The concept: `scheme/concept`, or its full name
        /// `datasets/{dataset}/schemes/{scheme}/concepts/{concept}` (a series id is answered
        /// with the concepts that explain it).
        #[arg(value_parser = hinted(segment_arg, CONCEPTS), hide_possible_values = true)]
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
    /// How far the inference cost fell between its stated values (derived), the cost, its stated
    /// fall, a projection, and what it unlocks.
    Cost {
        /// First year of stated costs shown, within the years stated (2022–2024 in the built-in
        /// data).
        #[arg(long = "from", value_name = "YEAR", value_hint = ValueHint::Other)]
        start: Option<i32>,
        /// Last year projected to: after the last stated cost, at most 2200.
        #[arg(long = "to", value_name = "YEAR", default_value_t = DEFAULT_COST_HORIZON,
              value_hint = ValueHint::Other)]
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
        #[arg(value_parser = hinted(text_arg, SERIES), hide_possible_values = true)]
        series: String,
        /// The span of years.
        #[command(flatten)]
        years: YearsArgs,
        /// Also derive the years between stated ones (constant growth), flagged as derived.
        #[arg(long)]
        interpolate: bool,
        /// Transform the values (derived by the service, each with its method): yoy (growth
        /// over the previous year), index (first year = 100), share (of the parent series).
        #[arg(long, value_enum, value_name = "TRANSFORM")]
        transform: Option<TransformArg>,
        /// Also project the series at the rate the report states, from its last year to YEAR
        /// (derived; years past the report's horizon flagged †), at most 2200.
        #[arg(long, value_name = "YEAR", conflicts_with = "transform")]
        project_to: Option<i32>,
    },
    /// One year of a series split into its components, with their shares (derived); with
    /// --chart, a bar chart.
    Breakdown(BreakdownArgs),
    /// Series whose id, titles or notes (English or Chinese) hold every word.
    Search {
        /// The words to find (at least one).
        #[arg(required = true, num_args = 1.., value_parser = query_arg)]
        words: Vec<String>,
    },
    /// Several series side by side, on one chart with --chart (they must share a unit, or be
    /// given one by --transform).
    Compare {
        /// The series, comma-separated or repeated: `--series market-size,maas-market`.
        #[arg(long = "series", value_name = "ID", value_delimiter = ',', required = true,
              num_args = 1..)]
        series: Vec<String>,
        /// The span of years.
        #[command(flatten)]
        years: YearsArgs,
        /// Also derive the years between stated ones (constant growth), flagged as derived.
        #[arg(long)]
        interpolate: bool,
        /// Transform each series' values (see `series get --transform`).
        #[arg(long, value_enum, value_name = "TRANSFORM")]
        transform: Option<TransformArg>,
    },
}

/// `series breakdown`.
#[derive(Debug, Clone, Args)]
pub struct BreakdownArgs {
    /// The series to split into its components (e.g. `market-size`).
    pub series: String,
    /// The year [default: the last year the series and all its components have a value].
    #[arg(long, value_name = "YEAR")]
    pub year: Option<i32>,
    /// Also derive the years between stated ones (constant growth), flagged as derived.
    #[arg(long)]
    pub interpolate: bool,
}

/// `--transform`: a transform the forecast service computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TransformArg {
    /// Growth over the previous year, as a fraction.
    Yoy,
    /// The first year of the span = 100.
    Index,
    /// The share of the parent series, as a fraction.
    Share,
}

/// Direct access to concepts.
#[derive(Debug, Subcommand)]
pub enum ConceptsCommand {
    /// Every concept of a scheme, or of every scheme.
    List(ConceptListArgs),
    /// One concept: its label, every alternative label and its definition in both languages.
    Get {
        /// The concept: `scheme/concept`, or its full name
        /// `datasets/{dataset}/schemes/{scheme}/concepts/{concept}`.
        #[arg(value_parser = hinted(concept_arg, CONCEPTS), hide_possible_values = true)]
        concept: String,
    },
    /// Concepts whose label or definition contains a text, in either language.
    Search {
        /// The text to find (not empty).
        #[arg(value_parser = query_arg, value_hint = ValueHint::Other)]
        query: String,
        /// Only in this scheme (repeatable): `scheme`, or its full name
        /// `datasets/{dataset}/schemes/{scheme}`.
        #[arg(long = "scheme", value_parser = hinted(scheme_arg, SCHEMES),
              hide_possible_values = true)]
        schemes: Vec<String>,
    },
}

/// `concepts list`.
#[derive(Debug, Clone, Args)]
pub struct ConceptListArgs {
    /// Only this scheme: `scheme`, or its full name `datasets/{dataset}/schemes/{scheme}`
    /// [default: every scheme].
    #[arg(long, value_parser = hinted(scheme_arg, SCHEMES), hide_possible_values = true)]
    pub scheme: Option<String>,
    /// Show the hierarchy (narrower concepts under their broader one) instead of a table.
    #[arg(long)]
    pub tree: bool,
}

/// A span of years.
#[derive(Debug, Clone, Copy, Args)]
pub struct YearsArgs {
    /// First year, within the years the data has (a year outside is refused, stating them)
    /// [default: as far back as the data goes].
    #[arg(long = "from", value_name = "YEAR", value_hint = ValueHint::Other)]
    pub start: Option<i32>,
    /// Last year, within the years the data has (a year outside is refused, stating them)
    /// [default: as far ahead as the data goes].
    #[arg(long = "to", value_name = "YEAR", value_hint = ValueHint::Other)]
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
    /// Tidy CSV, one row per value (reports, series get) or record (milestones, levels,
    /// concepts list).
    Csv,
}

/// `--scale`: the value axis of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScaleArg {
    /// Logarithmic (every value must be positive).
    Log,
    /// Linear.
    Linear,
}

/// A flag's parser of `service` endpoint URLs, checked as [`Client::connect`](llmarket_client::Client::connect)
/// will check them.
fn endpoint(
    service: Service,
) -> impl Fn(&str) -> Result<String, String> + Clone + Send + Sync + 'static {
    move |text| {
        check_endpoint(service, text)
            .map(|()| text.to_owned())
            .map_err(|e| e.to_string())
    }
}

/// `--deadline`: the shared duration syntax, more than zero.
fn deadline(text: &str) -> Result<Duration, String> {
    let duration = llmarket_flags::duration::parse(text)?;
    if duration.is_zero() {
        return Err(format!(
            "{:?} leaves no time for a call; the deadline must be more than 0 (e.g. 10s)",
            text.trim()
        ));
    }
    Ok(duration)
}

/// `--resolve-interval`: the shared duration syntax, more than zero.
fn resolve_interval(text: &str) -> Result<Duration, String> {
    let duration = llmarket_flags::duration::parse(text)?;
    if duration.is_zero() {
        return Err(format!(
            "{:?} would resolve without pause; the interval must be more than 0 (e.g. 30s)",
            text.trim()
        ));
    }
    Ok(duration)
}

/// The extension of `path`, lowercase, if it has one.
fn extension(path: &std::path::Path) -> Option<String> {
    path.extension()
        .map(|ext| ext.to_string_lossy().to_ascii_lowercase())
}

/// `--chart`: a name the command can draw into (.svg, .png, or none: SVG).
fn chart_path(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    match extension(&path).as_deref() {
        None | Some("svg" | "png") => Ok(path),
        Some(other) => Err(format!(
            "cannot draw a .{other} file; give a name ending in .svg or .png"
        )),
    }
}

/// `--output` of a report: a name whose extension (if any) is a format the command writes.
pub(super) fn check_output(path: &std::path::Path) -> Result<(), String> {
    match extension(path).as_deref() {
        None | Some("csv" | "json" | "md" | "markdown" | "txt") => Ok(()),
        Some(other) => Err(format!(
            "cannot write a .{other} file; give a name ending in .csv, .json, .md or .txt (or \
             none, with --format)"
        )),
    }
}

/// `--edition`: an id (`2027`) or a full name `datasets/{dataset}/editions/{edition}`.
fn edition_arg(text: &str) -> Result<String, String> {
    let text = text.trim();
    let id = match text.strip_prefix("datasets/") {
        Some(rest) => match rest.split('/').collect::<Vec<_>>().as_slice() {
            [dataset, "editions", id] if !dataset.is_empty() => *id,
            _ => {
                return Err(format!(
                    "{text:?} is not an edition; give its id (e.g. 2027) or \
                     datasets/{{dataset}}/editions/{{edition}}"
                ));
            }
        },
        None => text,
    };
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if id.is_empty() || !id.chars().all(valid) {
        return Err(format!(
            "{text:?} is not an edition id; ids are letters, digits, '-', '_' and '.' (e.g. 2027; \
             `llmarket editions` lists them)"
        ));
    }
    Ok(text.to_owned())
}

/// `--as-of`: a day, `YYYY-MM-DD`.
fn as_of_arg(text: &str) -> Result<Day, String> {
    text.parse()
}

/// A value taken as it is typed (a series, checked by the service).
fn text_arg(text: &str) -> Result<String, String> {
    Ok(text.to_owned())
}

/// The text of `concepts search`: not empty.
fn query_arg(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("the text to find is empty; give 1 to 256 characters".to_owned());
    }
    Ok(text.to_owned())
}

/// A dataset as typed (`{dataset}` or `datasets/{dataset}`), as its full resource name.
fn dataset_arg(text: &str) -> Result<String, String> {
    DatasetName::parse_short(text)
        .map(|name| name.to_string())
        .map_err(|e| e.to_string())
}

/// A scheme as typed (`{scheme}` or `schemes/{scheme}`), as its name in the dataset; or its
/// full contract v2 name (`datasets/{dataset}/schemes/{scheme}`) as is.
fn scheme_arg(text: &str) -> Result<String, String> {
    if v2::SchemeName::parse(text).is_ok() {
        return Ok(text.to_owned());
    }
    SchemeName::parse_short(text)
        .map(|name| name.to_string())
        .map_err(|e| e.to_string())
}

/// The concept of `report segment`, as [`concept_arg`]; a series (`market-size`, or its full
/// name) as typed, to be answered with the concepts that explain it.
fn segment_arg(text: &str) -> Result<String, String> {
    concept_arg(text).or_else(|error| {
        if crate::lookup::series_like(text) {
            Ok(text.to_owned())
        } else {
            Err(error)
        }
    })
}

/// A concept as typed (`scheme/concept` or `schemes/{scheme}/concepts/{concept}`), as its name
/// in the dataset; or its full contract v2 name
/// (`datasets/{dataset}/schemes/{scheme}/concepts/{concept}`) as is.
fn concept_arg(text: &str) -> Result<String, String> {
    if v2::ConceptName::parse(text).is_ok() {
        return Ok(text.to_owned());
    }
    ConceptName::parse_short(text)
        .map(|name| name.to_string())
        .map_err(|e| e.to_string())
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
    fn a_client_certificate_needs_its_key() {
        let cli = Cli::try_parse_from([
            "llmarket",
            "--ca-cert",
            "ca.pem",
            "--client-cert",
            "c.pem",
            "--client-key",
            "k.pem",
            "--token-file",
            "token",
            "series",
            "list",
        ])
        .unwrap();
        assert_eq!(cli.credentials.client_key, Some(PathBuf::from("k.pem")));
        let error = Cli::try_parse_from(["llmarket", "--client-cert", "c.pem", "series", "list"])
            .unwrap_err();
        assert!(error.to_string().contains("--client-key"), "{error}");
    }

    #[test]
    fn files_the_command_cannot_write_and_an_empty_search_are_refused() {
        assert!(chart_path("m.svg").is_ok() && chart_path("M.PNG").is_ok());
        assert!(chart_path("chart").is_ok(), "no extension: SVG");
        assert!(
            chart_path("x.jpg")
                .unwrap_err()
                .contains("cannot draw a .jpg file")
        );
        for ok in ["r.csv", "r.json", "r.md", "r.TXT", "report"] {
            assert!(check_output(std::path::Path::new(ok)).is_ok(), "{ok}");
        }
        let error = check_output(std::path::Path::new("x.xlsx")).unwrap_err();
        assert!(error.contains("cannot write a .xlsx file"), "{error}");
        assert!(query_arg("agent").is_ok());
        assert!(query_arg("").is_err() && query_arg(" \t").is_err());
    }

    #[test]
    fn an_edition_and_a_day_are_checked_and_exclude_each_other() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from([&["llmarket"], args, &["series", "list"]].concat())
        };
        let cli = parse(&["--edition", "2027"]).unwrap();
        assert_eq!(cli.edition.as_deref(), Some("2027"));
        let cli = parse(&["--edition", "datasets/cic-global-llm/editions/2026"]).unwrap();
        assert_eq!(
            cli.edition.as_deref(),
            Some("datasets/cic-global-llm/editions/2026")
        );
        for bad in ["", "20 27", "datasets/x/series/y", "datasets//editions/1"] {
            assert!(parse(&["--edition", bad]).is_err(), "{bad:?}");
        }
        let cli = parse(&["--as-of", "2027-01-01"]).unwrap();
        assert_eq!(cli.as_of, Some("2027-01-01".parse().unwrap()));
        let error = parse(&["--as-of", "2027-02-30"]).unwrap_err().to_string();
        assert!(error.contains("2027-02 has 28 days"), "{error}");
        let error = parse(&["--as-of", "01/02/2027"]).unwrap_err().to_string();
        assert!(error.contains("YYYY-MM-DD"), "{error}");
        let error = parse(&["--edition", "2027", "--as-of", "2027-01-01"]).unwrap_err();
        assert!(error.to_string().contains("cannot be used with"), "{error}");
    }

    #[test]
    fn the_deadline_takes_the_shared_syntax_but_not_zero() {
        let parse = |text: &str| {
            Cli::try_parse_from(["llmarket", "--deadline", text, "series", "list"])
                .map(|cli| cli.deadline)
        };
        assert_eq!(parse("1.5").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse("1m 30s").unwrap(), Duration::from_secs(90));
        for zero in ["0", "0s", "0ms"] {
            let error = parse(zero).unwrap_err().to_string();
            assert!(error.contains("more than 0"), "{zero}: {error}");
        }
        assert!(parse("soon").is_err());
    }
}
