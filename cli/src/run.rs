//! Running a command: the parsed command line turned into client calls, each printed by
//! [`Output`].

use std::{
    future::Future,
    io::IsTerminal as _,
    time::{Duration, Instant},
};

use llmarket_proto::names::SeriesName;

use crate::{
    render::{Citation, Format},
    {
        analyst,
        args::{
            Cli, Command, ConceptsCommand, FormatArg, ReportCommand, ScaleArg, SeriesCommand,
            YearsArgs,
        },
        credentials::{Credentials, TOKEN_VARIABLE},
        explain::{Context, Years, explain, outside_the_data},
        failure::Failure,
        lang::LangArg,
        lookup,
        output::{Output, Printed, format_of},
        width::width,
    },
};
use llmarket_client::{
    Client, ClientConfig, EditionSelection,
    config::DEFAULT_DATASET,
    reports::{
        INFERENCE_COST_SERIES, Language, YearSpan,
        analyst::SeriesQuery,
        direct::{Fill, SeriesDetail},
        short_id,
    },
};

/// Runs `cli`'s command; the error is what to print and the exit code. A call refused for its
/// credentials says which were presented and what to do.
pub(super) async fn run(cli: Cli) -> Result<(), Failure> {
    let credentials = Credentials::load(&cli.credentials, token_variable(), any_tls(&cli))?;
    let config = ClientConfig {
        forecast: cli.forecast.clone(),
        taxonomy: cli.taxonomy.clone(),
        deadline: cli.deadline,
        resolve_interval: cli.resolve_interval,
        tls: credentials.tls.clone(),
        token: credentials.token.clone(),
        edition: selection(&cli),
        ..ClientConfig::default()
    };
    let client = Client::connect(config)
        .await?
        .with_dataset(dataset_of(&cli));
    let context = Context::new(cli.forecast.clone(), cli.taxonomy.clone(), &cli.command);
    // Every read of the dataset uses one edition: the one `--edition` or `--as-of` chooses,
    // or the one a v1 id given as `--dataset` pins (docs/adr/0007-v1-id-of-an-edition.md).
    let client = if follows_edition(&cli.command) {
        match client.edition_to_follow().await {
            Ok(Some(followed)) => client.following(followed),
            Ok(None) => client,
            Err(error) => {
                return Err(explain(Failure::from(error), &client, &context)
                    .await
                    .with_hint(|code| credentials.hint(code)));
            }
        }
    } else {
        client
    };
    match execute(cli, &client, &context).await {
        Ok(()) => Ok(()),
        Err(failure) => Err(explain(failure, &client, &context)
            .await
            .with_hint(|code| credentials.hint(code))),
    }
}

/// The dataset to read: `--dataset`, or, when that is left at the default, the dataset of the
/// first series given by a full name under another dataset (e.g. a v1 id such as
/// `datasets/cic-global-llm-2026/series/market-size`).
fn dataset_of(cli: &Cli) -> String {
    if cli.dataset != DEFAULT_DATASET {
        return cli.dataset.clone();
    }
    let series: Vec<&String> = match &cli.command {
        Command::Series(SeriesCommand::Get { series, .. }) => vec![series],
        Command::Series(SeriesCommand::Breakdown(args)) => vec![&args.series],
        Command::Series(SeriesCommand::Compare { series, .. }) => series.iter().collect(),
        Command::Report(ReportCommand::Segment { concept, .. }) => vec![concept],
        _ => Vec::new(),
    };
    series
        .into_iter()
        .filter_map(|name| SeriesName::parse(name).ok())
        .map(|name| format!("datasets/{}", name.dataset))
        .find(|dataset| dataset != &cli.dataset)
        .unwrap_or_else(|| cli.dataset.clone())
}

/// The edition `--edition` or `--as-of` selects (clap lets only one through).
fn selection(cli: &Cli) -> EditionSelection {
    match (&cli.edition, cli.as_of) {
        (Some(edition), _) => EditionSelection::Edition(edition.clone()),
        (None, Some(day)) => EditionSelection::AsOf(day),
        (None, None) => EditionSelection::Default,
    }
}

/// Whether `command` reads the dataset through the client's edition: every command but those
/// that resolve it themselves (`editions`, `revisions`, `watch`), list every dataset
/// (`datasets`) or call nothing (`completions`).
fn follows_edition(command: &Command) -> bool {
    !matches!(
        command,
        Command::Editions
            | Command::Revisions { .. }
            | Command::Watch
            | Command::Datasets
            | Command::Completions { .. }
    )
}

/// Runs `cli`'s command with `client`.
async fn execute(cli: Cli, client: &Client, context: &Context) -> Result<(), Failure> {
    // A span that ends before it starts is refused before any call, in the flags' words.
    if let Some(years) = context.years.as_ref().filter(|y| !y.projects)
        && let (Some(start), Some(end)) = (years.start, years.end)
        && start > end
    {
        return Err(Failure::new(
            sysexits::ExitCode::Usage,
            format!("--from {start} is after --to {end}; give --from before --to"),
        ));
    }
    let language = match cli.lang {
        LangArg::En => Language::En,
        LangArg::Zh => Language::Zh,
    };
    let file = cli.export.output.clone();
    let format = match cli.format {
        Some(FormatArg::Table) => Printed::Doc(Format::Table),
        Some(FormatArg::Json) => Printed::Doc(Format::Json),
        Some(FormatArg::Markdown) => Printed::Doc(Format::Markdown),
        Some(FormatArg::Csv) => Printed::Csv,
        None => match file.as_deref().and_then(format_of) {
            Some(format) => format,
            None if file.is_none() && std::io::stdout().is_terminal() => {
                Printed::Doc(Format::Table)
            }
            None => Printed::Doc(Format::Json),
        },
    };
    // Reports and series are cited (table, Markdown, chart) with the dataset's report, edition
    // and data version.
    let cites = matches!(
        cli.command,
        Command::Report(_)
            | Command::Series(
                SeriesCommand::Get { .. }
                    | SeriesCommand::Compare { .. }
                    | SeriesCommand::Breakdown(_)
            )
    );
    // In every format: under a table or Markdown, a `citation` in JSON, two columns in CSV.
    let citation = if cites {
        Some(citation(client, language).await)
    } else {
        None
    };
    let out = Output {
        format,
        file,
        chart: cli.chart.clone(),
        log_scale: cli.scale.map(|scale| scale == ScaleArg::Log),
        citation,
        language,
        client,
        strict: cli.checks.strict,
        width: width(std::env::var("COLUMNS").ok().as_deref()),
        context,
    };
    match cli.command {
        // Answered before connecting (see `cli::main`).
        Command::Completions { .. } => Ok(()),
        Command::Report(ReportCommand::Overview { years }) => {
            let dataset = client.dataset().to_owned();
            out.emit(progress(client.market_overview(&dataset, years.into(), language)).await?)
                .await
        }
        Command::Report(ReportCommand::Segment { concept, years }) => {
            // A series where a concept belongs: the concepts that explain it.
            let is_concept = concept.starts_with("schemes/")
                || llmarket_proto::names::v2::ConceptName::parse(&concept).is_ok();
            if !is_concept {
                return Err(lookup::series_given_as_concept(client, &concept)
                    .await
                    .unwrap_or_else(|| {
                        Failure::new(
                            sysexits::ExitCode::Usage,
                            format!(
                                "{concept} is neither a concept (scheme/concept) nor a series \
                                 of the dataset; find concepts with `llmarket concepts list`"
                            ),
                        )
                    }));
            }
            let report =
                match progress(client.segment_report(&concept, years.into(), language)).await {
                    Ok(report) => report,
                    // `industry/market-size`: the concept's id is a series'.
                    Err(error) => {
                        let failure = Failure::from(error);
                        let id = llmarket_client::reports::short_id(&concept);
                        return Err(match failure.grpc() {
                            Some(tonic::Code::NotFound) => {
                                match lookup::series_given_as_concept(client, id).await {
                                    Some(pointer) => pointer,
                                    None => failure,
                                }
                            }
                            _ => failure,
                        });
                    }
                };
            // Series, but no value of any in the span: years outside the data.
            let first_series = report.series.first().map(|s| s.values.name.clone());
            let given = years.start.is_some() || years.end.is_some();
            let empty = report.series.iter().all(|s| s.values.points.is_empty());
            if let Some(name) = first_series.filter(|_| given && empty) {
                let series = client.get_series(&name).await?;
                let asked = Years {
                    start: years.start,
                    end: years.end,
                    series: name.clone(),
                    projects: false,
                };
                let (first, last) = (
                    series.first_year.unwrap_or_default(),
                    series.last_year.unwrap_or_default(),
                );
                if let Some(failure) = outside_the_data(&asked, &name, first, last) {
                    return Err(failure);
                }
            }
            out.emit(report).await
        }
        Command::Report(ReportCommand::Timeline { years }) => {
            let timeline = progress(client.timeline(years.into(), language)).await?;
            if years.start.is_some() || years.end.is_some() {
                // As every command: years past the data (market size and milestones) are
                // refused, not shown empty under a title that names them.
                let series = client.get_series(&timeline.series).await?;
                let milestone_years: Vec<i32> = timeline
                    .years
                    .iter()
                    .filter(|y| y.milestones.as_ref().is_some_and(|m| !m.is_empty()))
                    .map(|y| y.year)
                    .collect();
                let first = milestone_years
                    .iter()
                    .fold(series.first_year.unwrap_or_default(), |a, y| a.min(*y));
                let last = milestone_years
                    .iter()
                    .fold(series.last_year.unwrap_or_default(), |a, y| a.max(*y));
                let empty = timeline.years.iter().all(|y| {
                    y.market_size.is_none() && y.milestones.as_ref().is_some_and(Vec::is_empty)
                });
                let past = years.start.is_some_and(|start| start > last)
                    || years.end.is_some_and(|end| end > last);
                if empty || past {
                    let given = Years {
                        start: years.start,
                        end: years.end,
                        series: timeline.series.clone(),
                        projects: false,
                    };
                    if let Some(failure) = outside_the_data(&given, "the timeline", first, last) {
                        return Err(failure);
                    }
                }
            }
            out.emit(timeline).await
        }
        Command::Report(ReportCommand::Cost { start, end }) => {
            // The years are checked first: --from within the stated costs, --to after them.
            let name = client.series_name(INFERENCE_COST_SERIES);
            let info = client.get_series(&name).await?;
            let asked = Years {
                start,
                end: Some(end),
                series: name.clone(),
                projects: true,
            };
            if let Some(failure) = outside_the_data(
                &asked,
                &name,
                info.first_year.unwrap_or_default(),
                info.last_year.unwrap_or_default(),
            ) {
                return Err(failure);
            }
            let years = YearSpan {
                start,
                end: Some(end),
            };
            out.emit(progress(client.cost_outlook(years, language)).await?)
                .await
        }
        Command::Series(SeriesCommand::List) => {
            let dataset = client.dataset().to_owned();
            out.emit(progress(client.series_list(&dataset, language)).await?)
                .await
        }
        Command::Series(SeriesCommand::Get {
            series,
            years,
            interpolate,
            transform,
            project_to,
        }) => {
            let fill = if interpolate {
                Fill::Interpolate
            } else {
                Fill::None
            };
            let transform = transform.map(analyst::transform);
            if transform.is_some() || project_to.is_some() {
                let info = client.get_series(&client.series_name(&series)).await?;
                analyst::check(&info, transform, project_to)?;
            }
            let query = SeriesQuery {
                years: years.into(),
                fill,
                transform,
                project_to,
            };
            let detail = progress(client.series_view(&series, query, language))
                .await
                .map_err(|e| analyst::failure(e, transform, interpolate))?;
            refuse_outside(&years, &detail)?;
            out.emit(detail).await
        }
        Command::Series(SeriesCommand::Compare {
            series,
            years,
            interpolate,
            transform,
        }) => {
            let fill = if interpolate {
                Fill::Interpolate
            } else {
                Fill::None
            };
            let transform = transform.map(analyst::transform);
            let query = SeriesQuery {
                years: years.into(),
                fill,
                transform,
                project_to: None,
            };
            let comparison = progress(client.series_compare(&series, query, language))
                .await
                .map_err(|e| analyst::failure(e, transform, interpolate))?;
            for detail in &comparison.series {
                refuse_outside(&years, detail)?;
            }
            if out.chart.is_some() {
                analyst::check_units(&comparison)?;
            }
            out.emit(comparison).await
        }
        Command::Series(SeriesCommand::Breakdown(args)) => {
            let info = client.get_series(&client.series_name(&args.series)).await?;
            analyst::check_breakdown(&info, args.year)?;
            let fill = if args.interpolate {
                Fill::Interpolate
            } else {
                Fill::None
            };
            let breakdown = client.series_breakdown(&args.series, args.year, fill, language);
            out.emit(
                progress(breakdown)
                    .await
                    .map_err(analyst::breakdown_failure)?,
            )
            .await
        }
        Command::Series(SeriesCommand::Search { words }) => {
            out.emit(progress(client.series_search(&words.join(" "), language)).await?)
                .await
        }
        Command::Datasets => out.emit(progress(client.datasets(language)).await?).await,
        Command::Editions => out.emit(progress(client.editions(language)).await?).await,
        Command::Revisions { series, year } => {
            out.emit(progress(client.series_revisions(&series, year, language)).await?)
                .await
        }
        Command::Watch => {
            let json = match out.format {
                Printed::Doc(Format::Json) => true,
                Printed::Doc(Format::Table | Format::Markdown) => false,
                Printed::Csv => {
                    return Err(Failure::new(
                        sysexits::ExitCode::Usage,
                        "--format csv: watch prints events; use json (JSON Lines) or table",
                    ));
                }
            };
            let (dataset, _) = progress(client.v2_dataset()).await?;
            crate::watch::run(client, dataset, json, language, out.file.clone()).await
        }
        Command::Concepts(ConceptsCommand::Get { concept }) => {
            out.emit(progress(client.concept(&concept, language)).await?)
                .await
        }
        Command::Concepts(ConceptsCommand::Search { query, schemes }) => {
            let schemes = schemes.clone();
            out.emit(progress(client.search(&query, schemes, language)).await?)
                .await
        }
        Command::Schemes => out.emit(progress(client.schemes(language)).await?).await,
        Command::Levels => {
            out.emit(progress(client.capability_ladder(language)).await?)
                .await
        }
        Command::Concepts(ConceptsCommand::List(list)) => {
            out.emit(
                progress(client.concept_list(list.scheme.as_deref(), list.tree, language)).await?,
            )
            .await
        }
        Command::Milestones { years, concept } => {
            out.emit(progress(client.milestones(years.into(), concept.as_deref(), language)).await?)
                .await
        }
    }
}

/// As every command: a year the series has no value for is refused, not cut.
fn refuse_outside(years: &YearsArgs, detail: &SeriesDetail) -> Result<(), Failure> {
    let (first, last) = (detail.info.first_year, detail.info.last_year);
    let outside = years
        .start
        .is_some_and(|start| start < first || start > last)
        || years.end.is_some_and(|end| end < first || end > last);
    if outside {
        let given = Years {
            start: years.start,
            end: years.end,
            series: detail.info.name.clone(),
            projects: false,
        };
        if let Some(failure) = outside_the_data(&given, &detail.info.name, first, last) {
            return Err(failure);
        }
    }
    Ok(())
}

/// The citation of the dataset's figures: its report, publisher, edition and data version (the
/// dataset's id alone when the forecast service cannot say).
async fn citation(client: &Client, language: Language) -> Citation {
    let dataset = client.dataset().to_owned();
    match client.edition_read().await {
        Ok((d, e)) => Citation {
            report: llmarket_client::reports::pick_text(language, &e.titles),
            publisher: d.publisher,
            edition: e.publish_date.map(|date| date.year).filter(|&y| y != 0),
            version: e.content_version,
        },
        Err(_) => Citation {
            report: short_id(&dataset).to_owned(),
            publisher: "?".to_owned(),
            ..Citation::default()
        },
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

/// Whether any endpoint of `cli` speaks TLS: an `https://` URL, or a `dns:` target with TLS
/// settings.
fn any_tls(cli: &Cli) -> bool {
    // A dns: target has no scheme: it speaks TLS when TLS settings are given.
    let dns_tls = cli.credentials.ca_cert.is_some() || cli.credentials.client_cert.is_some();
    cli.forecast
        .iter()
        .chain(&cli.taxonomy)
        .any(|url| url.starts_with("https://") || (dns_tls && url.starts_with("dns:")))
}

/// The token in [`TOKEN_VARIABLE`]; an empty variable counts as unset.
fn token_variable() -> Option<String> {
    std::env::var(TOKEN_VARIABLE)
        .ok()
        .filter(|token| !token.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;

    fn tls_of(args: &[&str]) -> bool {
        let cli = Cli::try_parse_from([&["llmarket"], args, &["series", "list"]].concat())
            .expect("arguments");
        any_tls(&cli)
    }

    #[test]
    fn https_urls_and_dns_targets_with_tls_settings_are_tls_endpoints() {
        assert!(tls_of(&["--forecast", "https://forecast.example:443"]));
        assert!(!tls_of(&["--forecast", "http://127.0.0.1:50051"]));
        assert!(!tls_of(&["--forecast", "dns:///forecast.example:50051"]));
        assert!(tls_of(&[
            "--forecast",
            "dns:///forecast.example:50051",
            "--ca-cert",
            "ca.pem"
        ]));
    }
}
