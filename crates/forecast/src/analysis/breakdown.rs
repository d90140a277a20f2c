//! A series split into its components in one year: their values, shares, the residual and
//! whether they add up within the rounding of the figures.

use crate::{
    error::Error,
    model::{Estimate, Fill, Observation, Qualifier, Range, SeriesRef},
};

/// One component's part of a breakdown.
#[derive(Debug, Clone)]
pub struct Part<'a> {
    /// The component series.
    pub series: SeriesRef<'a>,
    /// Its value that year.
    pub value: Observation,
    /// Its share of the total.
    pub share: f64,
    /// The share with its qualifier and range.
    pub share_estimate: Estimate,
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
    /// The sum with its qualifier and range.
    pub sum_estimate: Estimate,
    /// The residual with its qualifier and range.
    pub residual_estimate: Estimate,
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
        return Err(Error::NoComponents {
            series: series.name().into_owned(),
        });
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
        let share = value.value / total.value;
        let exact = exact(&[&value, &total]);
        parts.push(Part {
            series: component,
            share,
            share_estimate: Estimate::new(share, value.range.ratio(total.range), exact),
            value,
        });
    }
    let sum: f64 = parts.iter().map(|p| p.value.value).sum();
    let sum_range: Range = parts.iter().map(|p| p.value.range).sum();
    let values: Vec<&Observation> = parts.iter().map(|p| &p.value).collect();
    let sum_estimate = Estimate::new(sum, sum_range, exact(&values));
    let residual_exact = sum_estimate.qualifier == Qualifier::Exact && exact(&[&total]);
    let residual = total.value - sum;
    Ok(Breakdown {
        year,
        residual,
        sum_estimate,
        residual_estimate: Estimate::new(
            residual,
            total.range.difference(sum_range),
            residual_exact,
        ),
        adds_up: total.range.overlaps(sum_range),
        total,
        parts,
        sum,
    })
}

/// Whether every one of `values` is exact.
fn exact(values: &[&Observation]) -> bool {
    values.iter().all(|v| v.qualifier == Qualifier::Exact)
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
    Err(Error::NoCommonYear {
        series: series.name().into_owned(),
        fill_asked: fill == Fill::CagrInterpolate,
    })
}

#[cfg(test)]
mod tests {
    use super::{
        super::testing::{D, builtin, close},
        *,
    };

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
        assert_eq!(b.parts[0].share_estimate.qualifier, Qualifier::Exact);
        assert!(b.parts[0].share_estimate.range.low < b.parts[0].share);
        assert_eq!(b.sum_estimate.qualifier, Qualifier::Exact);
        assert!(close(b.residual_estimate.range.low, -0.15));
        assert!(close(b.residual_estimate.range.high, 0.15));
        let err = breakdown(market, Some(2024), Fill::None).unwrap_err();
        assert!(
            err.to_string()
                .contains("application-market has no value for 2024"),
            "{err}"
        );
        let leaf = catalog.series(D, "maas-market").unwrap();
        assert!(matches!(
            breakdown(leaf, None, Fill::None),
            Err(Error::NoComponents { .. })
        ));
    }
}
