//! What a failed command means to the person who ran it: a connection error names the URLs
//! tried and the flag and variable that set them; an UNIMPLEMENTED answer says which service
//! answers at that address; years the data does not cover are a usage error stating the
//! years it does.

use sysexits::ExitCode as Sysexit;
use tonic::Code;

use crate::{
    args::{Command, ReportCommand, SeriesCommand},
    failure::Failure,
    lookup,
};
use llmarket_client::{
    Client, Service,
    probe::Answerer,
    reports::{INFERENCE_COST_SERIES, MARKET_SIZE_SERIES, short_id},
};

/// What a failure is explained with: the endpoints and the years the command was given.
pub(super) struct Context {
    /// The forecast URLs tried.
    pub(super) forecast: Vec<String>,
    /// The taxonomy URLs tried.
    pub(super) taxonomy: Vec<String>,
    /// The years the command line gave, if it gave any.
    pub(super) years: Option<Years>,
}

/// Years given on the command line, and the series they are about.
#[derive(Debug, Clone)]
pub(super) struct Years {
    /// `--from`, if given.
    pub(super) start: Option<i32>,
    /// `--to`, if given (or its default, for `report cost`).
    pub(super) end: Option<i32>,
    /// The series the command reads first (its id or full name); the one a server's message
    /// names wins.
    pub(super) series: String,
    /// Whether `--to` is a projection's end (any year after the last stated one).
    pub(super) projects: bool,
}

impl Context {
    /// The context of `command`.
    pub(super) fn new(forecast: Vec<String>, taxonomy: Vec<String>, command: &Command) -> Self {
        let years = |span: &super::args::YearsArgs, series: &str| {
            (span.start.is_some() || span.end.is_some()).then(|| Years {
                start: span.start,
                end: span.end,
                series: series.to_owned(),
                projects: false,
            })
        };
        let years = match command {
            Command::Report(ReportCommand::Overview { years: span })
            | Command::Report(ReportCommand::Timeline { years: span }) => {
                years(span, MARKET_SIZE_SERIES)
            }
            Command::Report(ReportCommand::Segment { years: span, .. }) => {
                years(span, MARKET_SIZE_SERIES)
            }
            Command::Series(SeriesCommand::Get {
                series,
                years: span,
                ..
            }) => years(span, series),
            Command::Report(ReportCommand::Cost { start, end }) => Some(Years {
                start: *start,
                end: Some(*end),
                series: INFERENCE_COST_SERIES.to_owned(),
                projects: true,
            }),
            Command::Series(SeriesCommand::Compare {
                series,
                years: span,
                ..
            }) => years(span, series.first().map_or("", String::as_str)),
            Command::Series(SeriesCommand::List)
            | Command::Series(SeriesCommand::Search { .. })
            | Command::Series(SeriesCommand::Breakdown(_))
            | Command::Datasets
            | Command::Editions
            | Command::Revisions { .. }
            | Command::Watch
            | Command::Concepts(_)
            | Command::Schemes
            | Command::Levels
            | Command::Milestones { .. }
            | Command::Completions { .. } => None,
        };
        Self {
            forecast,
            taxonomy,
            years,
        }
    }

    /// The URLs of `service` and what sets them, for a message about reaching it.
    pub(super) fn tried(&self, service: Service) -> String {
        let (flag, variable, urls) = self.endpoints(service);
        format!("tried {urls} (set with {flag} or {variable})")
    }

    /// The flag, variable and URLs of `service`.
    fn endpoints(&self, service: Service) -> (&'static str, &'static str, String) {
        match service {
            Service::Forecast => (
                "--forecast",
                "LLMARKET_FORECAST_URL",
                self.forecast.join(","),
            ),
            Service::Taxonomy => (
                "--taxonomy",
                "LLMARKET_TAXONOMY_URL",
                self.taxonomy.join(","),
            ),
        }
    }
}

/// `failure` explained for a person, asking the servers what it takes (which service answers
/// at an address, which years a series covers).
pub(super) async fn explain(failure: Failure, client: &Client, context: &Context) -> Failure {
    let (Some(code), Some(service)) = (failure.grpc(), failure.service()) else {
        return failure;
    };
    match code {
        Code::NotFound => match lookup::unknown_dataset(&failure, client).await {
            Some(unknown) => unknown,
            None => failure,
        },
        Code::Unavailable | Code::DeadlineExceeded => failure.append(context.tried(service)),
        Code::Unimplemented => failure.append(who_answers(client, context, service).await),
        Code::FailedPrecondition | Code::InvalidArgument | Code::OutOfRange
            if service == Service::Forecast && about_years(failure.text()) =>
        {
            match &context.years {
                Some(years) => outside(failure, client, years).await,
                None => failure,
            }
        }
        _ => failure,
    }
}

/// Which service answers at `service`'s URLs, asked of their health service, and what to do
/// about it: what an UNIMPLEMENTED answer from there means.
pub(super) async fn who_answers(client: &Client, context: &Context, service: Service) -> String {
    let (flag, variable, urls) = context.endpoints(service);
    match client.which_service_answers(service).await {
        Answerer::Llmarket(other) if other != service => format!(
            "{urls} serves the {other} service, not the {service} service: point {flag} \
             (or {variable}) at the {service} service"
        ),
        Answerer::Llmarket(_) => format!(
            "the {service} service at {urls} does not have this call: it is older than \
             this client"
        ),
        Answerer::OtherGrpc => format!(
            "{urls} serves neither llmarket service (its health service knows neither); \
             point {flag} (or {variable}) at the {service} service"
        ),
        Answerer::Unknown => format!(
            "{urls} does not serve the {service} service (nor answers gRPC health \
             checks); point {flag} (or {variable}) at the {service} service"
        ),
    }
}

/// Whether a forecast service's message is about years the series cannot answer for.
fn about_years(message: &str) -> bool {
    message.contains("has no value for")
        || message.contains(": start_year: ")
        || message.contains(": end_year: ")
}

/// A usage error: the years given and the years the series covers.
async fn outside(failure: Failure, client: &Client, years: &Years) -> Failure {
    let series = named_series(failure.text()).unwrap_or_else(|| client.series_name(&years.series));
    let Ok(info) = client.get_series(&series).await else {
        return failure;
    };
    let span = years.start.unwrap_or(info.first_year.unwrap_or_default())
        ..=years.end.unwrap_or(info.last_year.unwrap_or_default());
    // A span within the data that still fails does so for another reason than its years,
    // unless it holds a single year (growth needs two).
    let inside = *span.start() >= info.first_year.unwrap_or_default()
        && *span.end() <= info.last_year.unwrap_or_default();
    if inside && span.start() < span.end() && !years.projects {
        return failure;
    }
    outside_the_data(
        years,
        &series,
        info.first_year.unwrap_or_default(),
        info.last_year.unwrap_or_default(),
    )
    .unwrap_or(failure)
}

/// The last year a projection may reach: the forecast service takes years up to 2200.
pub(super) const LAST_PROJECTION_YEAR: i32 = 2200;

/// `first–last`, or the one year when they are the same.
fn years_text(first: i32, last: i32) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}–{last}")
    }
}

/// The usage error of `years` the data of `series` (`first` to `last`) cannot answer for; none
/// when every year given is one it can. One rule for every command: `--from` and `--to` lie
/// within the years the data has, and a span needing two years (growth) has two; only a
/// projection's `--to` (`report cost`) reaches past them, up to [`LAST_PROJECTION_YEAR`].
pub(super) fn outside_the_data(
    years: &Years,
    series: &str,
    first: i32,
    last: i32,
) -> Option<Failure> {
    let id = short_id(series);
    let range = years_text(first, last);
    let has = if first == last {
        format!("{id} has a value for {first} only")
    } else {
        format!("{id} has values for {range}")
    };
    let usage = |text: String| Some(Failure::new(Sysexit::Usage, text));
    if years.projects {
        if let Some(start) = years.start.filter(|s| *s < first || *s > last) {
            return usage(format!(
                "--from {start} is outside the data: {has}; give --from within {range}"
            ));
        }
        if let Some(end) = years
            .end
            .filter(|e| *e <= last || *e > LAST_PROJECTION_YEAR)
        {
            return usage(format!(
                "--to {end} is outside the projection, which runs from the last stated year \
                 {last} to {LAST_PROJECTION_YEAR}: give --to within {}",
                years_text(last + 1, LAST_PROJECTION_YEAR)
            ));
        }
        return None;
    }
    let asked = match (years.start, years.end) {
        (Some(start), Some(end)) => format!("--from {start} --to {end}"),
        (Some(start), None) => format!("--from {start}"),
        (None, Some(end)) => format!("--to {end}"),
        (None, None) => return None,
    };
    let outside = |year: Option<i32>| year.is_some_and(|y| y < first || y > last);
    if outside(years.start) || outside(years.end) {
        return usage(format!(
            "{asked} is outside the data: {has}; give --from and --to within {range}"
        ));
    }
    let (low, high) = (years.start.unwrap_or(first), years.end.unwrap_or(last));
    if low > high {
        return usage(format!(
            "{asked}: --from is after --to; give --from before --to, within {range}"
        ));
    }
    // Within the data, yet refused: the span holds one year, and growth needs two.
    usage(format!(
        "{asked} leaves one year of {id} ({low}), and its growth needs two: give --from \
         before --to, both within {range}"
    ))
}

/// The first series name (`datasets/{dataset}/series/{series}`) a message names.
fn named_series(message: &str) -> Option<String> {
    message
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .find(|word| word.starts_with("datasets/") && word.contains("/series/"))
        .map(|word| word.trim_end_matches([':', '.', ')']).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_names_its_series() {
        assert_eq!(
            named_series("datasets/d/series/market-size has no value for 1990, which").as_deref(),
            Some("datasets/d/series/market-size")
        );
        assert_eq!(
            named_series("start_year: 2030 is after end_year 2029"),
            None
        );
    }
}
