//! Compound annual growth between two years of a series, with the rate the source states for
//! that span and whether the two agree within the rounding of the inputs.

use super::derived::years;
use crate::{
    error::Error,
    model::{
        Estimate, Fill, Observation, Provenance, Qualifier, Range, SeriesRef, Span, StatedRate,
        number,
    },
};

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
    /// The CAGR range the endpoints allow within their rounding and bounds (open sides ±∞).
    pub range: Range,
    /// The CAGR with its qualifier and range.
    pub cagr_estimate: Estimate,
    /// The multiple with its qualifier and range.
    pub multiple_estimate: Estimate,
    /// Whether both endpoints are derived: the CAGR then tells nothing beyond the rates the
    /// derivations used (between two interpolated years, exactly the interpolation rate).
    pub only_derived_endpoints: bool,
    /// The CAGR the source states for exactly this span.
    pub stated: Option<StatedRate>,
    /// Whether the stated CAGR's range overlaps `range`.
    pub agrees_with_stated: bool,
    /// How the CAGR was computed, in words.
    pub method: String,
}

/// The CAGR and multiple of `series` over `span`, with the stated CAGR for that span and whether
/// the two agree. A span of one year is [`Error::YearsEqual`].
pub fn growth(series: SeriesRef<'_>, span: Span, fill: Fill) -> Result<Growth, Error> {
    let (first, last) = years(series, span)?;
    if first == last {
        return Err(Error::YearsEqual { span, year: first });
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
    let exact = start_obs.qualifier == Qualifier::Exact && end_obs.qualifier == Qualifier::Exact;
    let multiple_range = end_obs.range.ratio(start_obs.range);
    let range = multiple_range.map(|m| m.powf(exponent) - 1.0);
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
    let only_derived_endpoints =
        start_obs.provenance == Provenance::Derived && end_obs.provenance == Provenance::Derived;
    Ok(Growth {
        start: start_obs,
        end: end_obs,
        cagr,
        multiple,
        years,
        range,
        cagr_estimate: Estimate::new(cagr, range, exact),
        multiple_estimate: Estimate::new(multiple, multiple_range, exact),
        only_derived_endpoints,
        stated,
        agrees_with_stated,
        method,
    })
}

#[cfg(test)]
mod tests {
    use super::{
        super::testing::{D, builtin, close},
        *,
    };
    use crate::model::Provenance;

    fn span(start: Option<i32>, end: Option<i32>) -> Span {
        Span { start, end }
    }

    #[test]
    fn cagr_agrees_with_the_stated_rate_within_rounding() {
        let catalog = builtin();
        let market = catalog.series(D, "market-size").unwrap();
        let g = growth(market, span(None, None), Fill::None).unwrap();
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
        let g = growth(market, span(Some(2025), None), Fill::CagrInterpolate).unwrap();
        assert!(g.stated.is_none() && !g.agrees_with_stated);
        assert_eq!(g.start.provenance, Provenance::Derived);
        let err = growth(market, span(Some(2025), None), Fill::None).unwrap_err();
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
        let g = growth(cost, span(None, None), Fill::None).unwrap();
        assert!(close(g.cagr, (0.1f64 / 20.0).sqrt() - 1.0));
        assert!(g.range.open_below());
        assert!(close(g.range.high, g.cagr));
        // Below 0.1 over about 20: at most about 0.005, a fall of at least about 200×.
        let m = g.multiple_estimate;
        assert!(close(m.value, 0.005) && close(m.range.high, 0.005));
        assert_eq!(m.qualifier, Qualifier::UpperBound);
        assert!(m.range.width_unknown);
        assert_eq!(g.cagr_estimate.qualifier, Qualifier::UpperBound);
        assert!(!g.only_derived_endpoints);
    }

    #[test]
    fn growth_between_interpolated_years_is_flagged() {
        let catalog = builtin();
        let market = catalog.series(D, "market-size").unwrap();
        let g = growth(market, span(Some(2026), Some(2027)), Fill::CagrInterpolate).unwrap();
        assert!(g.only_derived_endpoints);
        assert!(close(g.cagr, (206.5f64 / 10.7).powf(0.2) - 1.0));
        assert_eq!(g.cagr_estimate.qualifier, Qualifier::Approximate);
        let g = growth(market, span(Some(2024), Some(2027)), Fill::CagrInterpolate).unwrap();
        assert!(!g.only_derived_endpoints);
        let g = growth(market, span(None, None), Fill::None).unwrap();
        assert_eq!(g.cagr_estimate.qualifier, Qualifier::Exact);
    }

    #[test]
    fn spans_out_of_order_or_of_one_year_are_refused() {
        let catalog = builtin();
        let market = catalog.series(D, "market-size").unwrap();
        for asked in [span(Some(2029), Some(2024)), span(Some(2030), None)] {
            let err = growth(market, asked, Fill::None).unwrap_err();
            assert!(matches!(err, Error::SpanInverted { .. }), "{err}");
        }
        for asked in [span(Some(2024), Some(2024)), span(Some(2029), None)] {
            let err = growth(market, asked, Fill::None).unwrap_err();
            assert!(matches!(err, Error::YearsEqual { .. }), "{err}");
        }
    }
}
