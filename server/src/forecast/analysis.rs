//! The arithmetic of the forecast service: gap filling, transforms, growth, breakdowns,
//! projections and consistency checks. Plain Rust over [`SeriesRef`]s, no tonic, no I/O; each
//! call touches only the series it is about (found by id, never by a scan).
//!
//! Rules for derived values (see `forecast.proto`):
//! - interpolated values are APPROXIMATE; projections keep an UPPER/LOWER bound of their base
//!   (the factor is positive) and are otherwise APPROXIMATE; transforms are EXACT only when all
//!   their inputs are;
//! - a derived value is ACTUAL only when every input is ACTUAL; projections are FORECAST.

use std::borrow::Cow;

use super::{
    error::Error,
    model::{
        Dataset, Fill, Kind, Observation, Provenance, Qualifier, Range, RateKind, SeriesRef,
        StatedRate, Transform, Unit, number,
    },
};

/// A derived observation.
struct Derived {
    year: i32,
    value: f64,
    unit: Unit,
    qualifier: Qualifier,
    kind: Kind,
    method: String,
    sources: Vec<String>,
    range: Range,
}

impl From<Derived> for Observation {
    fn from(d: Derived) -> Self {
        let mut sources: Vec<String> = Vec::with_capacity(d.sources.len());
        for source in d.sources {
            if !source.is_empty() && !sources.contains(&source) {
                sources.push(source);
            }
        }
        Observation {
            year: d.year,
            value: d.value,
            unit: d.unit,
            qualifier: d.qualifier,
            kind: d.kind,
            provenance: Provenance::Derived,
            method: d.method,
            source: sources.join(", "),
            resolution: 0.0,
            note: String::new(),
            quote: String::new(),
            range: d.range,
        }
    }
}

/// The range of a / b for a in `a` and b in `b` (b positive); unbounded when `a` may be negative.
fn ratio_range(a: Range, b: Range) -> Range {
    if a.low >= 0.0 && b.low > 0.0 {
        Range {
            low: a.low / b.high,
            high: a.high / b.low,
        }
    } else if a.low >= 0.0 {
        Range {
            low: a.low / b.high,
            high: f64::INFINITY,
        }
    } else {
        Range {
            low: f64::NEG_INFINITY,
            high: f64::INFINITY,
        }
    }
}

fn scale(range: Range, factor: f64, offset: f64) -> Range {
    Range {
        low: range.low * factor + offset,
        high: range.high * factor + offset,
    }
}

impl<'a> SeriesRef<'a> {
    /// The value of `year`: stated, or (with [`Fill::CagrInterpolate`]) derived on the geometric
    /// path between the stated years around it. `Ok(None)` when there is none.
    pub fn lookup(&self, year: i32, fill: Fill) -> Result<Option<Cow<'a, Observation>>, Error> {
        if let Some(stated) = self.series.stated(year) {
            return Ok(Some(Cow::Borrowed(stated)));
        }
        match fill {
            Fill::None => Ok(None),
            Fill::CagrInterpolate => match self.series.neighbours(year) {
                Some((before, after)) => self.interpolate(year, before, after).map(Some),
                None => Ok(None),
            },
        }
    }

    /// Like [`SeriesRef::lookup`], but a missing year is an error saying what needed it and
    /// whether a fill would derive it.
    pub fn require(
        &self,
        year: i32,
        fill: Fill,
        needed_for: impl FnOnce() -> String,
    ) -> Result<Cow<'a, Observation>, Error> {
        match self.lookup(year, fill)? {
            Some(found) => Ok(found),
            None => Err(self.missing(year, fill, needed_for())),
        }
    }

    fn missing(&self, year: i32, fill: Fill, needed_for: String) -> Error {
        let between = self.series.neighbours(year).map(|(a, b)| (a.year, b.year));
        Error::missing(
            self.name(),
            year,
            needed_for,
            fill == Fill::CagrInterpolate,
            between,
        )
    }

    /// Whether `year` is missing only because the caller did not ask to fill it.
    fn fill_would_derive(&self, year: i32, fill: Fill) -> bool {
        fill == Fill::None
            && self.series.stated(year).is_none()
            && self.series.neighbours(year).is_some()
    }

    fn positive(
        &self,
        obs: &Observation,
        needed_for: impl FnOnce() -> String,
    ) -> Result<(), Error> {
        if obs.value > 0.0 {
            Ok(())
        } else {
            Err(Error::NotPositive {
                series: self.name(),
                year: obs.year,
                value: obs.value,
                needed_for: needed_for(),
            })
        }
    }

    fn interpolate(
        &self,
        year: i32,
        before: &Observation,
        after: &Observation,
    ) -> Result<Cow<'a, Observation>, Error> {
        let needed_for = || format!("interpolating {year}");
        self.positive(before, needed_for)?;
        self.positive(after, needed_for)?;
        let weight = f64::from(year - before.year) / f64::from(after.year - before.year);
        let path = |a: f64, b: f64| a.powf(1.0 - weight) * b.powf(weight);
        let value = path(before.value, after.value);
        let range = Range {
            low: path(before.range.low.max(0.0), after.range.low.max(0.0)),
            high: path(before.range.high, after.range.high),
        };
        Ok(Cow::Owned(
            Derived {
                year,
                value,
                unit: self.series.unit,
                qualifier: Qualifier::Approximate,
                kind: Kind::of_derived(&[before.kind, after.kind]),
                method: format!(
                    "geometric interpolation between {} and {}",
                    before.label(),
                    after.label()
                ),
                sources: vec![before.source.clone(), after.source.clone()],
                range,
            }
            .into(),
        ))
    }

    /// The span `start..=end`, each defaulting to the first or last stated year; a start after
    /// the end is an invalid argument.
    fn span(&self, start: Option<i32>, end: Option<i32>) -> Result<(i32, i32), Error> {
        let first = start.unwrap_or_else(|| self.series.first_year());
        let last = end.unwrap_or_else(|| self.series.last_year());
        if first > last {
            return Err(Error::InvalidArgument {
                field: "start_year",
                reason: format!(
                    "{first} is after end_year {last}{}; give a start_year at or before the end",
                    if end.is_none() {
                        " (the series' last stated year)"
                    } else {
                        ""
                    }
                ),
            });
        }
        Ok((first, last))
    }
}

/// The values of `series` over `start..=end` (each `None` defaulting to the first or last
/// stated year), filled and transformed. Years without a value are left out; a transform that
/// needs a year a fill would derive, when the caller did not ask for the fill, is an error.
pub fn observations(
    series: SeriesRef<'_>,
    start: Option<i32>,
    end: Option<i32>,
    transform: Transform,
    fill: Fill,
) -> Result<Vec<Observation>, Error> {
    let (first, last) = series.span(start, end)?;
    let index_base = match transform {
        Transform::Index => {
            let base = series.require(first, fill, || format!("the index with {first} at 100"))?;
            series.positive(&base, || format!("the index with {first} at 100"))?;
            Some(base)
        }
        Transform::None | Transform::YearOverYear | Transform::ShareOfParent => None,
    };
    let parent = match transform {
        Transform::ShareOfParent => Some(series.parent().ok_or_else(|| {
            Error::NotApplicable(format!(
                "{} has no parent series; TRANSFORM_SHARE_OF_PARENT applies to component series",
                series.name()
            ))
        })?),
        Transform::None | Transform::YearOverYear | Transform::Index => None,
    };
    let mut out = Vec::new();
    for year in first..=last {
        let Some(value) = series.lookup(year, fill)? else {
            continue;
        };
        let derived = match transform {
            Transform::None => Some(value.into_owned()),
            Transform::YearOverYear => {
                let needed_for = || format!("the year-over-year growth of {year}");
                match series.lookup(year - 1, fill)? {
                    Some(prev) => {
                        series.positive(&prev, needed_for)?;
                        Some(ratio(&value, &prev, Unit::Fraction, -1.0, 1.0, |v, p| {
                            format!("year-over-year growth: {} / {} − 1", v.label(), p.label())
                        }))
                    }
                    None if series.fill_would_derive(year - 1, fill) => {
                        return Err(series.missing(year - 1, fill, needed_for()));
                    }
                    None => None,
                }
            }
            Transform::Index => index_base.as_ref().map(|base| {
                ratio(&value, base, Unit::Index, 0.0, 100.0, |v, b| {
                    format!("index: {} / {} × 100", v.label(), b.label())
                })
            }),
            Transform::ShareOfParent => match parent {
                Some(parent) => {
                    let needed_for = || format!("the share of {} in {year}", series.name());
                    match parent.lookup(year, fill)? {
                        Some(total) => {
                            parent.positive(&total, needed_for)?;
                            Some(ratio(&value, &total, Unit::Fraction, 0.0, 1.0, |v, t| {
                                format!(
                                    "share of parent: {} / {} of {}",
                                    v.label(),
                                    t.label(),
                                    parent.series.id
                                )
                            }))
                        }
                        None if parent.fill_would_derive(year, fill) => {
                            return Err(parent.missing(year, fill, needed_for()));
                        }
                        None => None,
                    }
                }
                None => None,
            },
        };
        out.extend(derived);
    }
    Ok(out)
}

/// `a / b * factor + offset` as a derived observation of `a`'s year.
fn ratio(
    a: &Observation,
    b: &Observation,
    unit: Unit,
    offset: f64,
    factor: f64,
    method: impl FnOnce(&Observation, &Observation) -> String,
) -> Observation {
    Derived {
        year: a.year,
        value: a.value / b.value * factor + offset,
        unit,
        qualifier: Qualifier::of_transform(&[a.qualifier, b.qualifier]),
        kind: Kind::of_derived(&[a.kind, b.kind]),
        method: method(a, b),
        sources: vec![a.source.clone(), b.source.clone()],
        range: scale(ratio_range(a.range, b.range), factor, offset),
    }
    .into()
}

/// The compound annual growth between two years of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct Growth {
    /// The value at the start.
    pub start: Observation,
    /// The value at the end.
    pub end: Observation,
    /// (end / start)^(1 / years) − 1.
    pub cagr: f64,
    /// end / start.
    pub multiple: f64,
    /// Years between the endpoints.
    pub years: i32,
    /// The CAGR range the endpoints allow within their rounding and bounds.
    pub range: Range,
    /// The CAGR the source states for exactly this span.
    pub stated: Option<StatedRate>,
    /// Whether the stated CAGR's range overlaps `range`.
    pub agrees_with_stated: bool,
    /// How the CAGR was computed, in words.
    pub method: String,
}

/// The CAGR and multiple of `series` between `start` and `end` (defaulting to its first and
/// last stated years), with the stated CAGR for that span and whether the two agree.
pub fn growth(
    series: SeriesRef<'_>,
    start: Option<i32>,
    end: Option<i32>,
    fill: Fill,
) -> Result<Growth, Error> {
    let (first, last) = series.span(start, end)?;
    if first == last {
        let (field, which) = if end.is_some() {
            ("end_year", "start_year")
        } else {
            ("start_year", "end_year (the series' last stated year)")
        };
        return Err(Error::InvalidArgument {
            field,
            reason: format!(
                "growth needs two different years, but both are {first}; make {which} differ"
            ),
        });
    }
    let needed_for = || format!("the growth from {first} to {last}");
    let start_obs = series.require(first, fill, needed_for)?.into_owned();
    let end_obs = series.require(last, fill, needed_for)?.into_owned();
    series.positive(&start_obs, needed_for)?;
    series.positive(&end_obs, needed_for)?;
    let years = last - first;
    let exponent = 1.0 / f64::from(years);
    let multiple = end_obs.value / start_obs.value;
    let cagr = multiple.powf(exponent) - 1.0;
    let range = Range {
        low: (end_obs.range.low.max(0.0) / start_obs.range.high).powf(exponent) - 1.0,
        high: (end_obs.range.high / start_obs.range.low.max(0.0)).powf(exponent) - 1.0,
    };
    let stated = series.series.stated_cagr(first, last).cloned();
    let agrees_with_stated = stated
        .as_ref()
        .is_some_and(|rate| Range::of(rate.value, rate.qualifier, rate.resolution).overlaps(range));
    let method = format!(
        "({} / {})^(1/{years}) − 1, from {} to {}",
        number(end_obs.value),
        number(start_obs.value),
        start_obs.label(),
        end_obs.label()
    );
    Ok(Growth {
        start: start_obs,
        end: end_obs,
        cagr,
        multiple,
        years,
        range,
        stated,
        agrees_with_stated,
        method,
    })
}

/// One component's part of a breakdown.
#[derive(Debug, Clone)]
pub struct Part<'a> {
    /// The component series.
    pub series: SeriesRef<'a>,
    /// Its value that year.
    pub value: Observation,
    /// Its share of the total.
    pub share: f64,
}

/// A series split into its components in one year.
#[derive(Debug, Clone)]
pub struct Breakdown<'a> {
    /// The year.
    pub year: i32,
    /// The series' own value.
    pub total: Observation,
    /// The components in data order.
    pub parts: Vec<Part<'a>>,
    /// Sum of the components' values.
    pub sum: f64,
    /// total − sum.
    pub residual: f64,
    /// Whether total and sum agree within their rounding and bounds.
    pub adds_up: bool,
}

/// Splits `series` in `year` (defaulting to the last year in which it and all its components
/// have a value) into its components.
pub fn breakdown<'a>(
    series: SeriesRef<'a>,
    year: Option<i32>,
    fill: Fill,
) -> Result<Breakdown<'a>, Error> {
    let components = series.components();
    if components.is_empty() {
        return Err(Error::NotApplicable(format!(
            "{} has no component series to break down into",
            series.name()
        )));
    }
    let year = match year {
        Some(year) => year,
        None => common_year(series, &components, fill)?,
    };
    let needed_for = || format!("the breakdown of {} in {year}", series.name());
    let total = series.require(year, fill, needed_for)?.into_owned();
    series.positive(&total, needed_for)?;
    let mut parts = Vec::with_capacity(components.len());
    for component in components {
        let value = component.require(year, fill, needed_for)?.into_owned();
        parts.push(Part {
            series: component,
            share: value.value / total.value,
            value,
        });
    }
    let sum: f64 = parts.iter().map(|p| p.value.value).sum();
    let sum_range = parts.iter().fold(
        Range {
            low: 0.0,
            high: 0.0,
        },
        |acc, p| Range {
            low: acc.low + p.value.range.low,
            high: acc.high + p.value.range.high,
        },
    );
    Ok(Breakdown {
        year,
        residual: total.value - sum,
        adds_up: total.range.overlaps(sum_range),
        total,
        parts,
        sum,
    })
}

/// The last year in which `series` and all `components` have a value.
fn common_year(
    series: SeriesRef<'_>,
    components: &[SeriesRef<'_>],
    fill: Fill,
) -> Result<i32, Error> {
    let all = || std::iter::once(series).chain(components.iter().copied());
    let lower = all().map(|s| s.series.first_year()).max().unwrap_or(0);
    let upper = all().map(|s| s.series.last_year()).min().unwrap_or(0);
    for year in (lower..=upper).rev() {
        let mut every = true;
        for s in all() {
            if s.lookup(year, fill)?.is_none() {
                every = false;
                break;
            }
        }
        if every {
            return Ok(year);
        }
    }
    Err(Error::NotApplicable(format!(
        "{} and its components have no year in which all of them have a value{}",
        series.name(),
        if fill == Fill::None {
            "; fill=FILL_CAGR_INTERPOLATE may derive one"
        } else {
            ""
        }
    )))
}

/// The rate a projection uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scenario {
    /// A constant annual rate (finite, above −1).
    AnnualRate(f64),
    /// The rate the source states for the series.
    StatedRate,
}

/// A projection of a series at a constant rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// The base value.
    pub base: Observation,
    /// The annual rate used.
    pub rate: f64,
    /// The stated rate used, when the scenario asked for it.
    pub stated: Option<StatedRate>,
    /// One value per year after the base year, up to the end year.
    pub values: Vec<Observation>,
}

/// The rate a series states that a projection uses: its annual change if it states one,
/// otherwise its CAGR with the latest end year.
pub fn projection_rate(series: SeriesRef<'_>) -> Option<&StatedRate> {
    let stated = &series.series.stated_rates;
    stated
        .iter()
        .find(|r| r.rate_kind == RateKind::AnnualChange)
        .or_else(|| {
            stated
                .iter()
                .filter(|r| r.rate_kind == RateKind::Cagr)
                .max_by_key(|r| r.end_year)
        })
}

/// Projects `series` from `base_year` (defaulting to its last actual year, or its last stated
/// year) to `end_year` at a constant annual rate.
pub fn project(
    series: SeriesRef<'_>,
    base_year: Option<i32>,
    end_year: i32,
    scenario: Scenario,
    fill: Fill,
) -> Result<Projection, Error> {
    let s = series.series;
    let base_year = base_year.unwrap_or_else(|| {
        s.observations
            .iter()
            .rev()
            .find(|o| o.kind == Kind::Actual)
            .map_or_else(|| s.last_year(), |o| o.year)
    });
    if end_year <= base_year {
        return Err(Error::InvalidArgument {
            field: "end_year",
            reason: format!("{end_year} is not after base_year {base_year}; give a later end_year"),
        });
    }
    let (rate, stated) = match scenario {
        Scenario::AnnualRate(rate) => (rate, None),
        Scenario::StatedRate => {
            let stated = projection_rate(series).ok_or_else(|| {
                Error::NotApplicable(format!(
                    "{} states no rate to project with; set annual_rate instead",
                    series.name()
                ))
            })?;
            (stated.value, Some(stated.clone()))
        }
    };
    let base = series
        .require(base_year, fill, || {
            format!("the projection from {base_year}")
        })?
        .into_owned();
    let rate_words = match &stated {
        Some(r) => {
            let what = match r.rate_kind {
                RateKind::Cagr => "CAGR",
                RateKind::AnnualChange => "annual change",
            };
            format!(
                "{}% a year (the stated {what}, section {})",
                number(r.value * 100.0),
                r.source
            )
        }
        None => format!("{}% a year", number(rate * 100.0)),
    };
    let years = end_year - base_year;
    if !(base.value * (1.0 + rate).powi(years)).is_finite() {
        return Err(Error::InvalidArgument {
            field: "annual_rate",
            reason: format!(
                "{} compounded over {years} years exceeds the range of a double; give a smaller \
                 rate or an earlier end_year",
                number(rate)
            ),
        });
    }
    let growth = if rate < 0.0 {
        format!("(1 − {})", number(-rate))
    } else {
        format!("(1 + {})", number(rate))
    };
    let mut sources = vec![base.source.clone()];
    sources.extend(stated.as_ref().map(|r| r.source.clone()));
    let values = (1..=years)
        .map(|k| {
            let factor = (1.0 + rate).powi(k);
            Derived {
                year: base_year + k,
                value: base.value * factor,
                unit: s.unit,
                qualifier: base.qualifier.of_projection(),
                kind: Kind::Forecast,
                method: format!(
                    "projection from {} at {rate_words}: {} × {growth}^{k}",
                    base.label(),
                    number(base.value),
                ),
                sources: sources.clone(),
                range: scale(base.range, factor, 0.0),
            }
            .into()
        })
        .collect();
    Ok(Projection {
        base,
        rate,
        stated,
        values,
    })
}

/// What a consistency check verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    /// Components add up to their parent in a year where all are stated.
    ComponentsSum,
    /// A stated CAGR agrees with the stated values at the ends of its span.
    StatedCagr,
    /// No component exceeds its parent in a year where both are stated.
    ComponentWithinParent,
}

/// The result of one consistency check.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// What is checked.
    pub kind: CheckKind,
    /// Id of the series checked.
    pub series: String,
    /// The year (or last year of a span).
    pub year: i32,
    /// The first year of a span; `year` otherwise.
    pub start_year: i32,
    /// Whether it passed.
    pub passed: bool,
    /// The value the data states.
    pub expected: f64,
    /// The value computed from the other figures.
    pub actual: f64,
    /// The largest difference the rounding of the inputs allows (on the side that matters).
    pub tolerance: f64,
    /// The check in words.
    pub description: String,
}

fn half_width(range: Range) -> f64 {
    (range.high - range.low) / 2.0
}

/// Every consistency check the stated figures of `dataset` allow.
pub fn check(dataset: &Dataset) -> Vec<Check> {
    let mut checks = Vec::new();
    for s in dataset.series() {
        let series = SeriesRef { dataset, series: s };
        components_sum(series, &mut checks);
        stated_cagrs(series, &mut checks);
        within_parent(series, &mut checks);
    }
    checks
}

fn components_sum(series: SeriesRef<'_>, checks: &mut Vec<Check>) {
    let components = series.components();
    if components.is_empty() {
        return;
    }
    for total in &series.series.observations {
        let year = total.year;
        let values: Option<Vec<&Observation>> =
            components.iter().map(|c| c.series.stated(year)).collect();
        let Some(values) = values else { continue };
        let sum: f64 = values.iter().map(|v| v.value).sum();
        let sum_range = values.iter().fold(
            Range {
                low: 0.0,
                high: 0.0,
            },
            |acc, v| Range {
                low: acc.low + v.range.low,
                high: acc.high + v.range.high,
            },
        );
        let tolerance = half_width(total.range) + half_width(sum_range);
        let terms: Vec<String> = values.iter().map(|v| number(v.value)).collect();
        let passed = total.range.overlaps(sum_range);
        checks.push(Check {
            kind: CheckKind::ComponentsSum,
            series: series.series.id.clone(),
            year,
            start_year: year,
            passed,
            expected: total.value,
            actual: sum,
            tolerance,
            description: format!(
                "{year}: components {} = {} against {} stated for {}; residual {}, allowed ±{}",
                terms.join(" + "),
                number(sum),
                number(total.value),
                series.series.id,
                number(total.value - sum),
                number(tolerance)
            ),
        });
    }
}

fn stated_cagrs(series: SeriesRef<'_>, checks: &mut Vec<Check>) {
    for rate in &series.series.stated_rates {
        let (RateKind::Cagr, Some(start), Some(end)) =
            (rate.rate_kind, rate.start_year, rate.end_year)
        else {
            continue;
        };
        if series.series.stated(start).is_none() || series.series.stated(end).is_none() {
            continue;
        }
        let Ok(computed) = growth(series, Some(start), Some(end), Fill::None) else {
            continue;
        };
        let stated_range = Range::of(rate.value, rate.qualifier, rate.resolution);
        let tolerance = if rate.value <= computed.cagr {
            (rate.value - stated_range.low).max(0.0) + (computed.cagr - computed.range.low)
        } else {
            (stated_range.high - rate.value).max(0.0) + (computed.range.high - computed.cagr)
        };
        checks.push(Check {
            kind: CheckKind::StatedCagr,
            series: series.series.id.clone(),
            year: end,
            start_year: start,
            passed: computed.agrees_with_stated,
            expected: rate.value,
            actual: computed.cagr,
            tolerance,
            description: format!(
                "CAGR {start}-{end}: stated {}, computed {} = {}; the endpoints' rounding allows \
                 {}..{}",
                number(rate.value),
                computed.method,
                number(computed.cagr),
                number(computed.range.low),
                number(computed.range.high)
            ),
        });
    }
}

fn within_parent(series: SeriesRef<'_>, checks: &mut Vec<Check>) {
    let Some(parent) = series.parent() else {
        return;
    };
    for part in &series.series.observations {
        let Some(whole) = parent.series.stated(part.year) else {
            continue;
        };
        let tolerance = (part.value - part.range.low) + (whole.range.high - whole.value);
        // Passes when the least the component may be is no more than the most the parent may be.
        let passed = part.range.overlaps(Range {
            low: f64::NEG_INFINITY,
            high: whole.range.high,
        });
        checks.push(Check {
            kind: CheckKind::ComponentWithinParent,
            series: series.series.id.clone(),
            year: part.year,
            start_year: part.year,
            passed,
            expected: whole.value,
            actual: part.value,
            tolerance,
            description: format!(
                "{}: {} {} {} its parent {} {}",
                part.year,
                series.series.id,
                number(part.value),
                if passed { "is within" } else { "exceeds" },
                parent.series.id,
                number(whole.value)
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::model::Catalog;

    fn builtin() -> Catalog {
        Catalog::load(&[crate::data::builtin()]).unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    const D: &str = "cic-global-llm-2026";

    #[test]
    fn interpolation_is_geometric_approximate_and_derived() {
        let catalog = builtin();
        let market = catalog.series(D, "market-size").unwrap();
        assert!(market.lookup(2026, Fill::None).unwrap().is_none());
        let v = market.lookup(2026, Fill::CagrInterpolate).unwrap().unwrap();
        let expected = 10.7 * (206.5f64 / 10.7).powf(2.0 / 5.0);
        assert!(close(v.value, expected), "{}", v.value);
        assert_eq!(v.qualifier, Qualifier::Approximate);
        assert_eq!(v.kind, Kind::Forecast);
        assert_eq!(v.provenance, Provenance::Derived);
        assert_eq!(v.source, "1.2");
        assert_eq!(
            v.method,
            "geometric interpolation between 2024 (10.7, reported) and 2029 (206.5, reported)"
        );
        // Outside the stated years nothing is derived.
        assert!(
            market
                .lookup(2030, Fill::CagrInterpolate)
                .unwrap()
                .is_none()
        );
        // Interpolating between two actual values gives an actual value.
        let cost = catalog.series(D, "inference-cost").unwrap();
        let v = cost.lookup(2023, Fill::CagrInterpolate).unwrap().unwrap();
        assert_eq!(v.kind, Kind::Actual);
        assert!(close(v.value, (20.0f64 * 0.1).sqrt()));
    }

    #[test]
    fn filled_span_has_every_year_and_unfilled_only_stated() {
        let catalog = builtin();
        let market = catalog.series(D, "market-size").unwrap();
        let plain = observations(market, None, None, Transform::None, Fill::None).unwrap();
        assert_eq!(
            plain.iter().map(|o| o.year).collect::<Vec<_>>(),
            [2024, 2029]
        );
        let filled =
            observations(market, None, None, Transform::None, Fill::CagrInterpolate).unwrap();
        assert_eq!(filled.len(), 6);
        assert!(
            filled[1..5]
                .iter()
                .all(|o| o.provenance == Provenance::Derived)
        );
        assert_eq!(filled[0].provenance, Provenance::Reported);
        // A wider span than the data: years outside stay missing.
        let wide = observations(
            market,
            Some(2000),
            Some(2100),
            Transform::None,
            Fill::CagrInterpolate,
        )
        .unwrap();
        assert_eq!(wide.len(), 6);
    }

    #[test]
    fn transforms() {
        let catalog = builtin();
        let market = catalog.series(D, "market-size").unwrap();
        let yoy = observations(
            market,
            None,
            None,
            Transform::YearOverYear,
            Fill::CagrInterpolate,
        )
        .unwrap();
        // 2024 has no previous year, so it is left out; every later year grows at the CAGR.
        assert_eq!(yoy.len(), 5);
        let cagr = (206.5f64 / 10.7).powf(0.2) - 1.0;
        assert!(yoy.iter().all(|o| close(o.value, cagr)), "{yoy:?}");
        assert!(yoy.iter().all(|o| o.qualifier == Qualifier::Approximate));
        assert!(yoy.iter().all(|o| o.unit == Unit::Fraction));
        let err =
            observations(market, None, None, Transform::YearOverYear, Fill::None).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("no value for 2028"), "{message}");
        assert!(message.contains("FILL_CAGR_INTERPOLATE"), "{message}");

        let index = observations(market, None, None, Transform::Index, Fill::None).unwrap();
        assert!(close(index[0].value, 100.0));
        assert!(close(index[1].value, 206.5 / 10.7 * 100.0));
        assert_eq!(index[1].qualifier, Qualifier::Exact);
        assert_eq!(index[1].kind, Kind::Forecast);
        let err = observations(market, Some(2025), None, Transform::Index, Fill::None).unwrap_err();
        assert!(err.to_string().contains("no value for 2025"), "{err}");

        let app = catalog.series(D, "application-market").unwrap();
        let share = observations(app, None, None, Transform::ShareOfParent, Fill::None).unwrap();
        assert_eq!(share.len(), 1);
        assert!(close(share[0].value, 151.5 / 206.5));
        assert_eq!(share[0].qualifier, Qualifier::Exact);
        let err =
            observations(market, None, None, Transform::ShareOfParent, Fill::None).unwrap_err();
        assert!(matches!(err, Error::NotApplicable(_)), "{err}");
    }

    #[test]
    fn span_validation() {
        let catalog = builtin();
        let market = catalog.series(D, "market-size").unwrap();
        let err = observations(market, Some(2030), None, Transform::None, Fill::None).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidArgument {
                    field: "start_year",
                    ..
                }
            ),
            "{err}"
        );
        let err = growth(market, Some(2029), None, Fill::None).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidArgument {
                    field: "start_year",
                    ..
                }
            ),
            "{err}"
        );
        let err = growth(market, Some(2024), Some(2024), Fill::None).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidArgument {
                    field: "end_year",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn cagr_agrees_with_the_stated_rate_within_rounding() {
        let catalog = builtin();
        let market = catalog.series(D, "market-size").unwrap();
        let g = growth(market, None, None, Fill::None).unwrap();
        assert_eq!(g.years, 5);
        assert!(close(g.cagr, (206.5f64 / 10.7).powf(0.2) - 1.0));
        assert!((g.cagr - 0.80762).abs() < 1e-5, "{}", g.cagr);
        assert!(close(g.multiple, 206.5 / 10.7));
        assert!((g.range.low - 0.80585).abs() < 1e-4, "{:?}", g.range);
        assert!((g.range.high - 0.80940).abs() < 1e-4, "{:?}", g.range);
        assert_eq!(g.stated.as_ref().map(|r| r.value), Some(0.807));
        assert!(g.agrees_with_stated);
        assert_eq!(
            g.method,
            "(206.5 / 10.7)^(1/5) − 1, from 2024 (10.7, reported) to 2029 (206.5, reported)"
        );
        // A span the source states no rate for: no agreement claimed.
        let g = growth(market, Some(2025), None, Fill::CagrInterpolate).unwrap();
        assert!(g.stated.is_none() && !g.agrees_with_stated);
        assert_eq!(g.start.provenance, Provenance::Derived);
        let err = growth(market, Some(2025), None, Fill::None).unwrap_err();
        assert!(
            err.to_string()
                .contains("fill=FILL_CAGR_INTERPOLATE would derive it from 2024 and 2029"),
            "{err}"
        );
    }

    #[test]
    fn growth_with_a_bound_endpoint_has_an_open_range() {
        let catalog = builtin();
        let cost = catalog.series(D, "inference-cost").unwrap();
        let g = growth(cost, None, None, Fill::None).unwrap();
        assert!(close(g.cagr, (0.1f64 / 20.0).sqrt() - 1.0));
        assert!(close(g.range.low, -1.0));
        assert!(g.range.high < g.cagr + 0.1);
    }

    #[test]
    fn breakdown_of_2029() {
        let catalog = builtin();
        let market = catalog.series(D, "market-size").unwrap();
        let b = breakdown(market, None, Fill::None).unwrap();
        assert_eq!(b.year, 2029);
        assert_eq!(b.parts.len(), 2);
        assert_eq!(b.parts[0].series.series.id, "application-market");
        assert!((b.parts[0].share - 0.7337).abs() < 5e-5);
        assert!((b.parts[1].share - 0.2663).abs() < 5e-5);
        assert!(close(b.sum, 206.5));
        assert!(b.residual.abs() < 1e-9);
        assert!(b.adds_up);
        let err = breakdown(market, Some(2024), Fill::None).unwrap_err();
        assert!(
            err.to_string()
                .contains("application-market has no value for 2024"),
            "{err}"
        );
        let leaf = catalog.series(D, "maas-market").unwrap();
        assert!(matches!(
            breakdown(leaf, None, Fill::None),
            Err(Error::NotApplicable(_))
        ));
    }

    #[test]
    fn tenfold_fall_keeps_the_upper_bound() {
        let catalog = builtin();
        let cost = catalog.series(D, "inference-cost").unwrap();
        let p = project(cost, None, 2027, Scenario::StatedRate, Fill::None).unwrap();
        assert_eq!(p.base.year, 2024);
        assert_eq!(p.rate, -0.9);
        let values: Vec<f64> = p.values.iter().map(|o| o.value).collect();
        for (v, e) in values.iter().zip([0.01, 0.001, 0.0001]) {
            assert!(close(*v, e), "{values:?}");
        }
        assert!(p.values.iter().all(|o| o.qualifier == Qualifier::UpperBound
            && o.kind == Kind::Forecast
            && o.provenance == Provenance::Derived));
        assert_eq!(p.values[0].source, "2.1");
        assert!(
            p.values[0]
                .method
                .contains("-90% a year (the stated annual change, section 2.1)"),
            "{}",
            p.values[0].method
        );
        let market = catalog.series(D, "market-size").unwrap();
        let p = project(market, None, 2029, Scenario::AnnualRate(0.807), Fill::None).unwrap();
        assert_eq!(p.values.len(), 5);
        assert_eq!(p.values[0].qualifier, Qualifier::Approximate);
        assert!((p.values[4].value - 10.7 * 1.807f64.powi(5)).abs() < 1e-9);
        let err = project(
            market,
            Some(2029),
            2029,
            Scenario::AnnualRate(0.1),
            Fill::None,
        )
        .unwrap_err();
        assert!(matches!(
            err,
            Error::InvalidArgument {
                field: "end_year",
                ..
            }
        ));
        let err = project(market, None, 2200, Scenario::AnnualRate(1e300), Fill::None).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidArgument {
                    field: "annual_rate",
                    ..
                }
            ),
            "{err}"
        );
        let app = catalog.series(D, "application-market").unwrap();
        assert!(matches!(
            project(app, None, 2030, Scenario::StatedRate, Fill::None),
            Err(Error::NotApplicable(_))
        ));
    }

    #[test]
    fn builtin_data_is_consistent() {
        let catalog = builtin();
        let checks = check(catalog.dataset(D).unwrap());
        let kinds: Vec<CheckKind> = checks.iter().map(|c| c.kind).collect();
        assert_eq!(kinds.len(), 4, "{checks:#?}");
        assert!(kinds.contains(&CheckKind::ComponentsSum));
        assert!(kinds.contains(&CheckKind::StatedCagr));
        assert_eq!(
            kinds
                .iter()
                .filter(|k| **k == CheckKind::ComponentWithinParent)
                .count(),
            2
        );
        assert!(checks.iter().all(|c| c.passed), "{checks:#?}");
        let cagr = checks
            .iter()
            .find(|c| c.kind == CheckKind::StatedCagr)
            .unwrap();
        assert!((cagr.actual - cagr.expected).abs() <= cagr.tolerance);
    }

    #[test]
    fn inconsistent_data_fails_its_checks() {
        let text = r#"
title_zh_hans = "x"
title_en = "x"
publisher = "p"
year = 2026
currency = "USD"
source_document = "d"
[[series]]
id = "total"
title_zh_hans = "x"
title_en = "x"
unit = "usd-billion"
source = "1"
components = ["part"]
observations = [{ year = 2024, value = 10.0, qualifier = "exact", kind = "actual", resolution = 0.1 },
                { year = 2029, value = 20.0, qualifier = "exact", kind = "forecast", resolution = 0.1 }]
stated_rates = [{ rate_kind = "cagr", value = 0.5, start_year = 2024, end_year = 2029, qualifier = "exact", kind = "forecast", resolution = 0.001 }]
[[series]]
id = "part"
title_zh_hans = "x"
title_en = "x"
unit = "usd-billion"
source = "1"
observations = [{ year = 2029, value = 25.0, qualifier = "exact", kind = "forecast", resolution = 0.1 }]
"#;
        let files = crate::data::DatasetFiles {
            directory: "bad".into(),
            forecast: Some(crate::data::DataFile {
                path: "bad/forecast.toml".into(),
                text: text.into(),
            }),
            taxonomy: None,
        };
        let catalog = Catalog::load(&[files]).unwrap();
        let checks = check(catalog.dataset("bad").unwrap());
        assert_eq!(checks.len(), 3, "{checks:#?}");
        assert!(checks.iter().all(|c| !c.passed), "{checks:#?}");
        let within = checks
            .iter()
            .find(|c| c.kind == CheckKind::ComponentWithinParent)
            .unwrap();
        assert_eq!(
            within.description,
            "2029: part 25 exceeds its parent total 20"
        );
    }
}
