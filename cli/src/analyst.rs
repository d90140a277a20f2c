//! The checks of the analyst's options before any value is asked for: a projection needs a
//! stated rate and a year after the data, a share a parent series; a transform the service
//! cannot compute is a usage error saying what would work; a chart of several series needs
//! one unit.

use llmarket_proto::llmarket::forecast::v2 as f2;
use sysexits::ExitCode as Sysexit;
use tonic::Code;

use crate::{args::TransformArg, explain::LAST_PROJECTION_YEAR, failure::Failure};
use llmarket_client::{
    error::ClientError,
    reports::{
        analyst::{SeriesComparison, Transform},
        model::Unit,
        short_id,
    },
};

/// The transform `arg` names.
pub(super) fn transform(arg: TransformArg) -> Transform {
    match arg {
        TransformArg::Yoy => Transform::YearOverYear,
        TransformArg::Index => Transform::Index,
        TransformArg::Share => Transform::ShareOfParent,
    }
}

/// The flag's value for `transform`, for messages.
fn flag(transform: Transform) -> &'static str {
    match transform {
        Transform::YearOverYear => "yoy",
        Transform::Index => "index",
        Transform::ShareOfParent => "share",
    }
}

fn usage(message: String) -> Failure {
    Failure::new(Sysexit::Usage, message)
}

/// Whether `series` can be transformed by `transform` and projected to `project_to`.
pub(super) fn check(
    series: &f2::Series,
    transform: Option<Transform>,
    project_to: Option<i32>,
) -> Result<(), Failure> {
    let id = short_id(&series.name);
    if transform == Some(Transform::ShareOfParent) && series.parent.is_empty() {
        return Err(usage(format!(
            "--transform share: {id} is not a component of another series (it has no parent); \
             give a series with a parent (`llmarket series list` shows them)"
        )));
    }
    let Some(year) = project_to else {
        return Ok(());
    };
    if series.stated_rates.is_empty() {
        return Err(usage(format!(
            "--project-to: the report states no rate for {id} to project with; give a series \
             with a stated rate (`llmarket series get ID` shows them)"
        )));
    }
    let last = series.last_year.unwrap_or_default();
    if year <= last || year > LAST_PROJECTION_YEAR {
        return Err(usage(format!(
            "--project-to {year} is outside the projection, which runs from {id}'s last year \
             {last}: give a year from {} to {LAST_PROJECTION_YEAR}",
            last + 1
        )));
    }
    Ok(())
}

/// A failed read of transformed values: a precondition the service names (a year without a
/// value to divide by) is a usage error saying what would work; anything else as it is.
pub(super) fn failure(
    error: ClientError,
    transform: Option<Transform>,
    interpolate: bool,
) -> Failure {
    match (&error, transform) {
        (
            ClientError::Call {
                code: Code::FailedPrecondition,
                message,
                ..
            },
            Some(transform),
        ) => {
            let hint = if interpolate {
                "give years the series has values for"
            } else {
                "add --interpolate to derive the years between stated ones"
            };
            usage(format!(
                "--transform {}: {message}; {hint}",
                flag(transform)
            ))
        }
        _ => Failure::from(error),
    }
}

/// A chart of `comparison` draws every series on one axis: they must share a unit.
pub(super) fn check_units(comparison: &SeriesComparison) -> Result<(), Failure> {
    let Some(first) = comparison.series.first() else {
        return Ok(());
    };
    match comparison
        .series
        .iter()
        .find(|s| s.values.unit != first.values.unit)
    {
        Some(other) => Err(usage(format!(
            "--chart: {} and {} are in different units ({} and {}); chart series of one unit, \
             or give --transform index or share",
            short_id(&first.info.name),
            short_id(&other.info.name),
            unit_code(first.values.unit),
            unit_code(other.values.unit),
        ))),
        None => Ok(()),
    }
}

/// A unit's code, as the JSON and CSV write it.
fn unit_code(unit: Unit) -> &'static str {
    match unit {
        Unit::UsdBillion => "usd_billion",
        Unit::UsdPerMillionTokens => "usd_per_million_tokens",
        Unit::Fraction => "fraction",
        Unit::Index => "index",
    }
}

/// Whether `series` can be split, and in `year`: it needs components, and a year within its
/// data.
pub(super) fn check_breakdown(series: &f2::Series, year: Option<i32>) -> Result<(), Failure> {
    let id = short_id(&series.name);
    if series.components.is_empty() {
        return Err(usage(format!(
            "{id} has no components to split it into; give a series with components \
             (`llmarket series list` shows them as the parent of others)"
        )));
    }
    let (first, last) = (
        series.first_year.unwrap_or_default(),
        series.last_year.unwrap_or_default(),
    );
    match year {
        Some(year) if year < first || year > last => Err(usage(format!(
            "--year {year} is outside the data: {id} has values for {first}–{last}; give \
             --year within {first}–{last}"
        ))),
        Some(_) | None => Ok(()),
    }
}

/// A failed breakdown: a year a component has no value for is a usage error saying what
/// would work; anything else as it is.
pub(super) fn breakdown_failure(error: ClientError) -> Failure {
    match &error {
        ClientError::Call {
            code: Code::FailedPrecondition,
            message,
            ..
        } => usage(format!(
            "--year: {message}; give a year every component has a value for"
        )),
        _ => Failure::from(error),
    }
}
