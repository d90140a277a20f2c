//! A span of a series' values, filled and transformed: the values themselves, year-over-year
//! growth, an index with the span's first year at 100, or the share of the parent series.

use super::derived::{Derived, years};
use crate::{
    error::Error,
    model::{
        Derivation, Fill, Kind, MethodKind, Observation, Qualifier, SeriesRef, Span, Transform,
        Unit,
    },
};

/// The values of `series` over `span`, filled and transformed. Years without a value are left
/// out; a transform that needs a year a fill would derive, when the caller did not ask for the
/// fill, is an error.
pub fn observations(
    series: SeriesRef<'_>,
    span: Span,
    transform: Transform,
    fill: Fill,
) -> Result<Vec<Observation>, Error> {
    let (first, last) = years(series, span)?;
    let index_base = match transform {
        Transform::Index => {
            let base = series.require(first, fill, || format!("the index with {first} at 100"))?;
            series.positive(&base, || format!("the index with {first} at 100"))?;
            Some(base)
        }
        Transform::None | Transform::YearOverYear | Transform::ShareOfParent => None,
    };
    let parent = match transform {
        Transform::ShareOfParent => Some(series.parent().ok_or_else(|| Error::NoParent {
            series: series.name().into_owned(),
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
                        let how = Derivation::of(MethodKind::YearOverYear, &[&value, &prev]);
                        Some(ratio(
                            &value,
                            &prev,
                            Unit::Fraction,
                            -1.0,
                            1.0,
                            how,
                            |v, p| {
                                format!("year-over-year growth: {} / {} − 1", v.label(), p.label())
                            },
                        ))
                    }
                    None if series.fill_would_derive(year - 1, fill) => {
                        return Err(series.missing(year - 1, fill, needed_for()));
                    }
                    None => None,
                }
            }
            Transform::Index => index_base.as_ref().map(|base| {
                let how = Derivation::of(MethodKind::Index, &[&value, base]);
                ratio(&value, base, Unit::Index, 0.0, 100.0, how, |v, b| {
                    format!("index: {} / {} × 100", v.label(), b.label())
                })
            }),
            Transform::ShareOfParent => match parent {
                Some(parent) => {
                    let needed_for = || format!("the share of {} in {year}", series.name());
                    match parent.lookup(year, fill)? {
                        Some(total) => {
                            parent.positive(&total, needed_for)?;
                            let how = Derivation {
                                parent: parent.name().into_owned(),
                                ..Derivation::of(MethodKind::ShareOfParent, &[&value, &total])
                            };
                            Some(ratio(
                                &value,
                                &total,
                                Unit::Fraction,
                                0.0,
                                1.0,
                                how,
                                |v, t| {
                                    format!(
                                        "share of parent: {} / {} of {}",
                                        v.label(),
                                        t.label(),
                                        parent.series.id
                                    )
                                },
                            ))
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

/// `a / b * factor + offset` as a derived observation of `a`'s year: exact only when both
/// inputs are, a bound when the range has one open side.
fn ratio(
    a: &Observation,
    b: &Observation,
    unit: Unit,
    offset: f64,
    factor: f64,
    derivation: Derivation,
    method: impl FnOnce(&Observation, &Observation) -> String,
) -> Observation {
    let range = a.range.ratio(b.range).scale(factor, offset);
    let exact = a.qualifier == Qualifier::Exact && b.qualifier == Qualifier::Exact;
    Derived {
        year: a.year,
        value: a.value / b.value * factor + offset,
        unit,
        qualifier: range.qualifier(exact),
        kind: Kind::of_derived(&[a.kind, b.kind]),
        method: method(a, b),
        sources: vec![a.source.clone(), b.source.clone()],
        range,
        derivation,
        past_horizon: false,
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::{
        super::testing::{D, builtin, close},
        *,
    };
    use crate::model::Provenance;

    const ALL: Span = Span {
        start: None,
        end: None,
    };

    #[test]
    fn filled_span_has_every_year_and_unfilled_only_stated() {
        let catalog = builtin();
        let market = catalog.series(D, "market-size").unwrap();
        let plain = observations(market, ALL, Transform::None, Fill::None).unwrap();
        assert_eq!(
            plain.iter().map(|o| o.year).collect::<Vec<_>>(),
            [2024, 2029]
        );
        let filled = observations(market, ALL, Transform::None, Fill::CagrInterpolate).unwrap();
        assert_eq!(filled.len(), 6);
        assert!(
            filled[1..5]
                .iter()
                .all(|o| o.provenance == Provenance::Derived)
        );
        assert_eq!(filled[0].provenance, Provenance::Reported);
        // A wider span than the data: years outside stay missing.
        let wide = Span {
            start: Some(2000),
            end: Some(2100),
        };
        let wide = observations(market, wide, Transform::None, Fill::CagrInterpolate).unwrap();
        assert_eq!(wide.len(), 6);
    }

    #[test]
    fn year_over_year_index_and_share() {
        let catalog = builtin();
        let market = catalog.series(D, "market-size").unwrap();
        let yoy =
            observations(market, ALL, Transform::YearOverYear, Fill::CagrInterpolate).unwrap();
        // 2024 has no previous year, so it is left out; every later year grows at the CAGR.
        assert_eq!(yoy.len(), 5);
        let cagr = (206.5f64 / 10.7).powf(0.2) - 1.0;
        assert!(yoy.iter().all(|o| close(o.value, cagr)), "{yoy:?}");
        assert!(yoy.iter().all(|o| o.qualifier == Qualifier::Approximate));
        assert!(yoy.iter().all(|o| o.unit == Unit::Fraction));

        let index = observations(market, ALL, Transform::Index, Fill::None).unwrap();
        assert!(close(index[0].value, 100.0));
        assert!(close(index[1].value, 206.5 / 10.7 * 100.0));
        assert_eq!(index[1].qualifier, Qualifier::Exact);
        assert_eq!(index[1].kind, Kind::Forecast);

        let app = catalog.series(D, "application-market").unwrap();
        let share = observations(app, ALL, Transform::ShareOfParent, Fill::None).unwrap();
        assert_eq!(share.len(), 1);
        assert!(close(share[0].value, 151.5 / 206.5));
        assert_eq!(share[0].qualifier, Qualifier::Exact);
    }

    #[test]
    fn transforms_that_cannot_be_computed_say_why() {
        let catalog = builtin();
        let market = catalog.series(D, "market-size").unwrap();
        let from_2025 = Span {
            start: Some(2025),
            end: None,
        };
        for (span, transform, needle) in [
            (ALL, Transform::YearOverYear, "no value for 2028"),
            (ALL, Transform::YearOverYear, "FILL_CAGR_INTERPOLATE"),
            (from_2025, Transform::Index, "no value for 2025"),
            (ALL, Transform::ShareOfParent, "has no parent series"),
        ] {
            let err = observations(market, span, transform, Fill::None).unwrap_err();
            assert!(err.to_string().contains(needle), "{needle:?} not in {err}");
        }
        let after_the_data = Span {
            start: Some(2030),
            end: None,
        };
        let err = observations(market, after_the_data, Transform::None, Fill::None).unwrap_err();
        assert!(matches!(err, Error::SpanInverted { .. }), "{err}");
    }
}
