//! One row of the tidy CSV: its fields read and checked against the base edition's series,
//! giving what the row states (a `[[series.observations]]` or `[[series.stated_rates]]` entry)
//! or, for a derived row, only what it is. Every problem of the row is reported, not the first.

use serde::Deserialize;

use crate::{
    load::{RawObservation, RawRate},
    model::{Kind, MAX_YEAR, MIN_YEAR, Provenance, Qualifier, RateKind, Unit, values::denoise},
};

/// The columns of a row the import reads (by header name; the others are ignored).
#[derive(Debug, Deserialize)]
pub(super) struct CsvRow {
    series: String,
    measure: String,
    from_year: String,
    year: String,
    value: String,
    low: String,
    high: String,
    width_unknown: String,
    unit: String,
    qualifier: String,
    kind: String,
    provenance: String,
    past_horizon: String,
    source: String,
    note: String,
    quote: String,
}

/// What a row's value measures (the `measure` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Measure {
    /// The series' value in a year.
    Value,
    /// A share of the parent series (always derived).
    ShareOfParent,
    /// A projection past the stated years (always derived).
    Projection,
    /// End / start over a span (always derived).
    Multiple,
    /// A compound annual growth rate over a span.
    Cagr,
    /// A yearly rate, with or without a span.
    AnnualChange,
}

impl Measure {
    const NAMES: [(&'static str, Self); 6] = [
        ("value", Self::Value),
        ("share_of_parent", Self::ShareOfParent),
        ("projection", Self::Projection),
        ("multiple", Self::Multiple),
        ("cagr", Self::Cagr),
        ("annual_change", Self::AnnualChange),
    ];

    /// Whether the measure is a rate over a span (its rows say the series' rates).
    pub(super) fn is_rate(self) -> bool {
        matches!(self, Self::Multiple | Self::Cagr | Self::AnnualChange)
    }

    /// The measure's code, as the CSV writes it.
    pub(super) fn code(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("", |(name, _)| name)
    }
}

/// What the base edition says about a series that its rows must agree with.
#[derive(Debug, Clone)]
pub(super) struct SeriesInfo {
    /// The series' unit.
    pub(super) unit: Unit,
    /// The section the series' values come from unless a value names its own.
    pub(super) source: String,
}

/// What a row states, in the form `forecast.toml` stores it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Stated {
    /// A stated value of a year.
    Observation(RawObservation),
    /// A stated rate.
    Rate(RawRate),
}

/// A row read and checked.
#[derive(Debug, Clone)]
pub(super) struct Checked {
    /// The series id.
    pub(super) series: String,
    /// What the row measures.
    pub(super) measure: Measure,
    /// The year (a rate's last); `None` for a rate of no year.
    pub(super) year: Option<i32>,
    /// What the row states; `None` for a derived row.
    pub(super) stated: Option<Stated>,
}

/// Reads `row`; `series` looks up a series of the base edition. `Err` holds every problem.
pub(super) fn check(
    row: &CsvRow,
    series: impl Fn(&str) -> Option<SeriesInfo>,
) -> Result<Checked, Vec<String>> {
    let mut errors = Vec::new();
    let info = series(&row.series);
    if info.is_none() {
        errors.push(format!(
            "series {:?} is not a series of the base edition",
            row.series
        ));
    }
    let measure = code(&mut errors, "measure", &row.measure, &Measure::NAMES, "");
    let from_year = year(&mut errors, "from_year", &row.from_year);
    let year_ = year(&mut errors, "year", &row.year);
    let value = number(&mut errors, "value", &row.value);
    let low = number(&mut errors, "low", &row.low);
    let high = number(&mut errors, "high", &row.high);
    flag(&mut errors, "width_unknown", &row.width_unknown);
    flag(&mut errors, "past_horizon", &row.past_horizon);
    let unit = code(&mut errors, "unit", &row.unit, &Unit::NAMES, "a unit");
    let qualifier = code(
        &mut errors,
        "qualifier",
        &row.qualifier,
        &Qualifier::NAMES,
        "a qualifier",
    );
    let kind = code(&mut errors, "kind", &row.kind, &Kind::NAMES, "a kind");
    let provenance = code(
        &mut errors,
        "provenance",
        &row.provenance,
        &[
            ("reported", Provenance::Reported),
            ("derived", Provenance::Derived),
        ],
        "a provenance",
    );
    if value == Some(None) {
        errors.push("value is empty; give a number".to_owned());
    }
    let (
        Some(info),
        Some(measure),
        Some(from_year),
        Some(year),
        Some(Some(value)),
        Some(low),
        Some(high),
        Some(unit),
        Some(qualifier),
        Some(_kind),
        Some(provenance),
    ) = (
        info, measure, from_year, year_, value, low, high, unit, qualifier, kind, provenance,
    )
    else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let row_fields = Fields {
        value,
        low,
        high,
        qualifier,
    };
    let stated = match provenance {
        Provenance::Derived => None,
        Provenance::Reported => {
            let stated_measure = matches!(
                measure,
                Measure::Value | Measure::Cagr | Measure::AnnualChange
            );
            let resolution = if stated_measure {
                row_fields.resolution(&mut errors)
            } else {
                0.0
            };
            let source =
                (row.source != info.source && !row.source.is_empty()).then(|| row.source.clone());
            let kebab = |name: &str| name.replace('_', "-");
            match measure {
                Measure::Value => {
                    if unit != info.unit {
                        errors.push(format!(
                            "unit {} differs from the unit of series {:?}, {}",
                            row.unit,
                            row.series,
                            snake(&Unit::NAMES, info.unit)
                        ));
                    }
                    if from_year.is_some() {
                        errors.push(
                            "from_year is set; a stated value is of one year (leave it empty)"
                                .to_owned(),
                        );
                    }
                    if year.is_none() {
                        errors.push("year is empty; a stated value needs its year".to_owned());
                    }
                    Some(Stated::Observation(RawObservation {
                        year: year.unwrap_or_default().into(),
                        value,
                        qualifier: kebab(&row.qualifier),
                        kind: kebab(&row.kind),
                        resolution,
                        source,
                        note: row.note.clone(),
                        note_zh_hans: String::new(),
                        quote: row.quote.clone(),
                    }))
                }
                Measure::Cagr | Measure::AnnualChange => {
                    rate_checks(&mut errors, measure, unit, value, from_year, year);
                    if !row.note.is_empty() {
                        errors.push(
                            "note is set, but a stated rate has no note; put the words in quote"
                                .to_owned(),
                        );
                    }
                    let rate_kind = if measure == Measure::Cagr {
                        RateKind::Cagr
                    } else {
                        RateKind::AnnualChange
                    };
                    Some(Stated::Rate(RawRate {
                        rate_kind: snake(&RateKind::NAMES, rate_kind).replace('_', "-"),
                        value,
                        start_year: from_year.map(Into::into),
                        end_year: year.map(Into::into),
                        qualifier: kebab(&row.qualifier),
                        kind: kebab(&row.kind),
                        resolution,
                        source,
                        quote: row.quote.clone(),
                    }))
                }
                Measure::ShareOfParent | Measure::Projection | Measure::Multiple => {
                    errors.push(format!(
                        "a {} is always derived, never stated: its provenance is derived (a \
                         stated value is a value, cagr or annual_change)",
                        row.measure
                    ));
                    None
                }
            }
        }
    };
    if errors.is_empty() {
        Ok(Checked {
            series: row.series.clone(),
            measure,
            year,
            stated,
        })
    } else {
        Err(errors)
    }
}

/// The numbers of a stated row that make its interval.
struct Fields {
    value: f64,
    low: Option<f64>,
    high: Option<f64>,
    qualifier: Qualifier,
}

impl Fields {
    /// The rounding step the interval stands for (0 when unknown), after checking the interval
    /// holds the value and has the shape the qualifier gives it.
    fn resolution(&self, errors: &mut Vec<String>) -> f64 {
        let Self {
            value,
            low,
            high,
            qualifier,
        } = *self;
        if let Some(low) = low.filter(|low| *low > value) {
            errors.push(format!("low {low} is above value {value}"));
        }
        if let Some(high) = high.filter(|high| *high < value) {
            errors.push(format!("high {high} is below value {value}"));
        }
        match (qualifier, low, high) {
            (Qualifier::Exact | Qualifier::Approximate, Some(low), Some(high)) => {
                let slack = 1e-9 * (low.abs() + high.abs()).max(f64::MIN_POSITIVE);
                let holds = low <= value && value <= high;
                if holds && ((value - low) - (high - value)).abs() > slack {
                    errors.push(format!(
                        "low {low} and high {high} are not centred on value {value}; a stated \
                         value's interval is its rounding step (value ± half of it)"
                    ));
                }
                denoise(high - low).max(0.0)
            }
            (Qualifier::Exact | Qualifier::Approximate, None, None) => 0.0,
            (Qualifier::Exact | Qualifier::Approximate, _, _) => {
                errors.push(
                    "give both low and high (the rounding interval), or neither when the \
                     rounding is unknown"
                        .to_owned(),
                );
                0.0
            }
            (Qualifier::UpperBound, low, high) => {
                if low.is_some() {
                    errors.push("low is set, but an upper bound has no low end".to_owned());
                }
                if high.is_some_and(|h| h != value) {
                    errors.push("an upper bound's high is its value (or empty)".to_owned());
                }
                0.0
            }
            (Qualifier::LowerBound, low, high) => {
                if high.is_some() {
                    errors.push("high is set, but a lower bound has no high end".to_owned());
                }
                if low.is_some_and(|l| l != value) {
                    errors.push("a lower bound's low is its value (or empty)".to_owned());
                }
                0.0
            }
        }
    }
}

/// The checks of a stated rate: a fraction above -1, over a span a CAGR needs and an annual
/// change may have.
fn rate_checks(
    errors: &mut Vec<String>,
    measure: Measure,
    unit: Unit,
    value: f64,
    from_year: Option<i32>,
    year: Option<i32>,
) {
    if unit != Unit::Fraction {
        errors.push(format!(
            "unit {} differs from a rate's unit, fraction",
            snake(&Unit::NAMES, unit)
        ));
    }
    if value <= -1.0 {
        errors.push(format!(
            "value {value} is not a rate; a rate is a fraction above -1 (-0.9 is a tenfold fall)"
        ));
    }
    match (from_year, year) {
        (Some(from), Some(to)) if from >= to => {
            errors.push(format!("year {to} is not after from_year {from}"));
        }
        (Some(_), Some(_)) => {}
        (None, None) if measure == Measure::AnnualChange => {}
        _ if measure == Measure::Cagr => {
            errors.push("a cagr needs both from_year and year".to_owned());
        }
        _ => errors.push("set both from_year and year, or neither".to_owned()),
    }
}

/// The CSV code of `value` among `names` (data-file names, kebab-case).
fn snake<T: PartialEq + Copy>(names: &[(&'static str, T)], value: T) -> String {
    names
        .iter()
        .find(|(_, v)| *v == value)
        .map_or_else(String::new, |(name, _)| name.replace('-', "_"))
}

/// Reads the code `text` of `column` among `names` (data-file names, kebab-case: the CSV writes
/// them snake_case); `what` names the kind of code (`""`: the column's own name).
fn code<T: Copy>(
    errors: &mut Vec<String>,
    column: &str,
    text: &str,
    names: &[(&'static str, T)],
    what: &str,
) -> Option<T> {
    let found = names
        .iter()
        .find(|(name, _)| name.replace('-', "_") == text)
        .map(|(_, v)| *v);
    if found.is_none() {
        let valid: Vec<String> = names.iter().map(|(n, _)| n.replace('-', "_")).collect();
        let what = if what.is_empty() {
            format!("a {column}")
        } else {
            what.to_owned()
        };
        errors.push(format!(
            "{column} {text:?} is not {what}; use one of {}",
            valid.join(", ")
        ));
    }
    found
}

/// Reads an optional number: `Some(None)` when empty, `None` (with an error) when not a finite
/// number.
fn number(errors: &mut Vec<String>, column: &str, text: &str) -> Option<Option<f64>> {
    if text.is_empty() {
        return Some(None);
    }
    match text.trim().parse::<f64>() {
        Ok(x) if x.is_finite() => Some(Some(x)),
        _ => {
            errors.push(format!("{column} {text:?} is not a number"));
            None
        }
    }
}

/// Reads an optional year in `MIN_YEAR..=MAX_YEAR`.
fn year(errors: &mut Vec<String>, column: &str, text: &str) -> Option<Option<i32>> {
    if text.is_empty() {
        return Some(None);
    }
    match text.trim().parse::<i32>() {
        Ok(y) if (MIN_YEAR..=MAX_YEAR).contains(&y) => Some(Some(y)),
        Ok(y) => {
            errors.push(format!("{column} {y} is outside {MIN_YEAR}..={MAX_YEAR}"));
            None
        }
        Err(_) => {
            errors.push(format!("{column} {text:?} is not a year"));
            None
        }
    }
}

/// Checks a `true`/`false` column, in any case (a spreadsheet may write `TRUE`); the import
/// does not use it: the qualifier and interval say the same.
fn flag(errors: &mut Vec<String>, column: &str, text: &str) {
    if !(text.is_empty() || text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false"))
    {
        errors.push(format!("{column} {text:?} is not true or false"));
    }
}
