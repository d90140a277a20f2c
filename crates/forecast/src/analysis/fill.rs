//! The value of a year: stated, or (with [`Fill::CagrInterpolate`]) derived on the geometric path
//! between the stated years around it; and the errors that say what a missing year was needed for.

use std::borrow::Cow;

use super::derived::Derived;
use crate::{
    error::Error,
    model::{Derivation, Fill, Kind, MethodKind, Observation, SeriesRef},
};

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

    /// The error for `year` missing when `needed_for` needed it.
    pub(super) fn missing(&self, year: i32, fill: Fill, needed_for: String) -> Error {
        let between = self.series.neighbours(year).map(|(a, b)| (a.year, b.year));
        Error::missing(
            self.name().into_owned(),
            year,
            needed_for,
            fill == Fill::CagrInterpolate,
            between,
        )
    }

    /// Whether `year` is missing only because the caller did not ask to fill it.
    pub(super) fn fill_would_derive(&self, year: i32, fill: Fill) -> bool {
        fill == Fill::None
            && self.series.stated(year).is_none()
            && self.series.neighbours(year).is_some()
    }

    /// Fails unless `obs` is positive, as ratios and geometric paths need.
    pub(super) fn positive(
        &self,
        obs: &Observation,
        needed_for: impl FnOnce() -> String,
    ) -> Result<(), Error> {
        if obs.value > 0.0 {
            Ok(())
        } else {
            Err(Error::NotPositive {
                series: self.name().into_owned(),
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
        // The geometric path is a model: the true value need not lie on it, so the width of
        // the range is unknown even between exact figures.
        let range = before.range.geometric(after.range, weight).vague();
        Ok(Cow::Owned(
            Derived {
                year,
                value: path(before.value, after.value),
                unit: self.series.unit,
                qualifier: range.qualifier(false),
                kind: Kind::of_derived(&[before.kind, after.kind]),
                method: format!(
                    "geometric interpolation between {} and {}",
                    before.label(),
                    after.label()
                ),
                sources: vec![before.source.clone(), after.source.clone()],
                range,
                derivation: Derivation::of(MethodKind::CagrInterpolation, &[before, after]),
                past_horizon: false,
            }
            .into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{
        observations,
        testing::{D, builtin, close},
    };
    use crate::model::{Fill, Kind, MethodKind, Provenance, Qualifier, Span, Transform};

    fn one_year(year: i32) -> Span {
        Span {
            start: Some(year),
            end: Some(year),
        }
    }

    #[test]
    fn interpolation_is_geometric_approximate_and_derived() {
        let catalog = builtin();
        let market = catalog.series(D, "market-size").unwrap();
        let plain = observations(market, one_year(2026), Transform::None, Fill::None).unwrap();
        assert!(plain.is_empty(), "{plain:?}");
        let filled = observations(
            market,
            one_year(2026),
            Transform::None,
            Fill::CagrInterpolate,
        )
        .unwrap();
        let v = &filled[0];
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
        let beyond = observations(
            market,
            one_year(2030),
            Transform::None,
            Fill::CagrInterpolate,
        )
        .unwrap();
        assert!(beyond.is_empty(), "{beyond:?}");
        // Interpolating between two actual values gives an actual value.
        let cost = catalog.series(D, "inference-cost").unwrap();
        let v =
            &observations(cost, one_year(2023), Transform::None, Fill::CagrInterpolate).unwrap()[0];
        assert_eq!(v.kind, Kind::Actual);
        assert!(close(v.value, (20.0f64 * 0.1).sqrt()));
        // About 20 and below 0.1 give at most about 1.41: an upper bound that is approximate.
        assert_eq!(v.qualifier, Qualifier::UpperBound);
        assert!(v.range.open_below() && close(v.range.high, v.value));
        assert!(v.range.width_unknown);
        assert_eq!(
            v.method,
            "geometric interpolation between 2022 (about 20, reported) and 2024 (at most 0.1, \
             reported)"
        );
        let derivation = v.derivation.as_ref().unwrap();
        assert_eq!(derivation.kind, MethodKind::CagrInterpolation);
        assert_eq!(
            derivation.inputs.iter().map(|i| i.year).collect::<Vec<_>>(),
            [2022, 2024]
        );
    }
}
