//! Projection of a series from a base year at a constant annual rate: one the caller gives, or
//! the one the source states for the series.

use super::derived::Derived;
use crate::{
    error::Error,
    model::{
        Derivation, Fill, Kind, MethodKind, Observation, RateKind, SeriesRef, StatedRate, number,
    },
};

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
    /// The dataset's horizon: values after it are flagged `past_horizon`.
    pub horizon: i32,
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
/// year) to `end_year` at a constant annual rate. An end year not after the base year is
/// [`Error::EndNotAfterBase`]; a rate that compounds out of the range of a double is
/// [`Error::RateOverflow`].
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
        return Err(Error::EndNotAfterBase {
            base: base_year,
            end: end_year,
        });
    }
    let (rate, stated) = match scenario {
        Scenario::AnnualRate(rate) => (rate, None),
        Scenario::StatedRate => {
            let stated = projection_rate(series).ok_or_else(|| Error::NoStatedRate {
                series: series.name().into_owned(),
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
        return Err(Error::RateOverflow { rate, years });
    }
    let growth = if rate < 0.0 {
        format!("(1 − {})", number(-rate))
    } else {
        format!("(1 + {})", number(rate))
    };
    let mut sources = vec![base.source.clone()];
    sources.extend(stated.as_ref().map(|r| r.source.clone()));
    let horizon = series.dataset.horizon();
    let values = (1..=years)
        .map(|k| {
            let factor = (1.0 + rate).powi(k);
            // A constant rate is a model: the range is the base's, scaled, of unknown width.
            let range = base.range.scale(factor, 0.0).vague();
            Derived {
                year: base_year + k,
                value: base.value * factor,
                unit: s.unit,
                qualifier: range.qualifier(false),
                kind: Kind::Forecast,
                method: format!(
                    "projection from {} at {rate_words}: {} × {growth}^{k}",
                    base.label(),
                    number(base.value),
                ),
                sources: sources.clone(),
                range,
                derivation: Derivation {
                    rate,
                    years: k,
                    stated_rate: stated.as_ref().map(|r| r.rate_kind),
                    rate_source: stated
                        .as_ref()
                        .map(|r| r.source.clone())
                        .unwrap_or_default(),
                    ..Derivation::of(MethodKind::Projection, &[&base])
                },
                past_horizon: base_year + k > horizon,
            }
            .into()
        })
        .collect();
    Ok(Projection {
        base,
        rate,
        stated,
        values,
        horizon,
    })
}

#[cfg(test)]
mod tests {
    use super::{
        super::testing::{D, builtin, close},
        *,
    };
    use crate::model::{Provenance, Qualifier};

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
            p.values
                .iter()
                .all(|o| o.range.width_unknown && !o.past_horizon)
        );
        let derivation = p.values[2].derivation.as_ref().unwrap();
        assert_eq!(derivation.kind, MethodKind::Projection);
        assert_eq!((derivation.rate, derivation.years), (-0.9, 3));
        assert_eq!(derivation.stated_rate, Some(RateKind::AnnualChange));
        assert!(
            p.values[0]
                .method
                .contains("-90% a year (the stated annual change, section 2.1)"),
            "{}",
            p.values[0].method
        );
    }

    #[test]
    fn a_given_rate_compounds_from_the_last_actual_year() {
        let catalog = builtin();
        let market = catalog.series(D, "market-size").unwrap();
        let p = project(market, None, 2029, Scenario::AnnualRate(0.807), Fill::None).unwrap();
        assert_eq!(p.values.len(), 5);
        assert_eq!(p.values[0].qualifier, Qualifier::Approximate);
        assert!((p.values[4].value - 10.7 * 1.807f64.powi(5)).abs() < 1e-9);
    }

    #[test]
    fn years_past_the_horizon_are_flagged() {
        let catalog = builtin();
        let cost = catalog.series(D, "inference-cost").unwrap();
        let p = project(cost, None, 2100, Scenario::StatedRate, Fill::None).unwrap();
        assert_eq!(p.horizon, 2029);
        let past: Vec<i32> = p
            .values
            .iter()
            .filter(|o| o.past_horizon)
            .map(|o| o.year)
            .collect();
        assert_eq!(past.first(), Some(&2030));
        assert_eq!(past.len(), 71);
    }

    #[test]
    fn projections_the_data_cannot_give_are_refused() {
        let catalog = builtin();
        let market = catalog.series(D, "market-size").unwrap();
        let app = catalog.series(D, "application-market").unwrap();
        let cases = [
            (market, Some(2029), 2029, Scenario::AnnualRate(0.1)),
            (market, None, 2200, Scenario::AnnualRate(1e300)),
            (app, None, 2030, Scenario::StatedRate),
        ];
        let errors: Vec<Error> = cases
            .into_iter()
            .map(|(series, base, end, scenario)| {
                project(series, base, end, scenario, Fill::None).unwrap_err()
            })
            .collect();
        assert!(
            matches!(
                errors.as_slice(),
                [
                    Error::EndNotAfterBase {
                        base: 2029,
                        end: 2029
                    },
                    Error::RateOverflow { years: 176, .. },
                    Error::NoStatedRate { .. },
                ]
            ),
            "{errors:?}"
        );
    }
}
