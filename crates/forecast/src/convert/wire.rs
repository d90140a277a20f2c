//! The domain's enums on the wire, written once for both contracts: v1 and v2 name and number
//! their enums alike, so one macro writes each mapping into each contract's module, and a new
//! variant fails to compile in both until it is mapped.

/// The mappings from the domain's enums to the enums of the contract module `$pb`.
macro_rules! to_wire {
    ($pb:path) => {
        use $pb as pb;

        use crate::{
            analysis::CheckKind,
            model::{Fill, Kind, MethodKind, Provenance, Qualifier, RateKind, Transform},
        };

        /// The wire form of `qualifier`.
        pub(crate) fn qualifier(qualifier: Qualifier) -> pb::Qualifier {
            match qualifier {
                Qualifier::Exact => pb::Qualifier::Exact,
                Qualifier::Approximate => pb::Qualifier::Approximate,
                Qualifier::UpperBound => pb::Qualifier::UpperBound,
                Qualifier::LowerBound => pb::Qualifier::LowerBound,
            }
        }

        /// The wire form of `kind`.
        pub(crate) fn kind(kind: Kind) -> pb::ObservationKind {
            match kind {
                Kind::Actual => pb::ObservationKind::Actual,
                Kind::Forecast => pb::ObservationKind::Forecast,
            }
        }

        /// The wire form of `provenance`.
        pub(crate) fn provenance(provenance: Provenance) -> pb::Provenance {
            match provenance {
                Provenance::Reported => pb::Provenance::Reported,
                Provenance::Derived => pb::Provenance::Derived,
            }
        }

        /// The wire form of `kind`.
        pub(crate) fn rate_kind(kind: RateKind) -> pb::RateKind {
            match kind {
                RateKind::Cagr => pb::RateKind::Cagr,
                RateKind::AnnualChange => pb::RateKind::AnnualChange,
            }
        }

        /// The wire form of `kind`.
        pub(crate) fn method_kind(kind: MethodKind) -> pb::MethodKind {
            match kind {
                MethodKind::CagrInterpolation => pb::MethodKind::CagrInterpolation,
                MethodKind::YearOverYear => pb::MethodKind::YearOverYear,
                MethodKind::Index => pb::MethodKind::Index,
                MethodKind::ShareOfParent => pb::MethodKind::ShareOfParent,
                MethodKind::Projection => pb::MethodKind::Projection,
            }
        }

        /// The wire form of `kind`.
        pub(crate) fn check_kind(kind: CheckKind) -> pb::CheckKind {
            match kind {
                CheckKind::ComponentsSum => pb::CheckKind::ComponentsSum,
                CheckKind::StatedCagr => pb::CheckKind::StatedCagr,
                CheckKind::ComponentWithinParent => pb::CheckKind::ComponentWithinParent,
            }
        }

        /// The wire form of `fill`.
        pub(crate) fn fill(fill: Fill) -> pb::Fill {
            match fill {
                Fill::None => pb::Fill::None,
                Fill::CagrInterpolate => pb::Fill::CagrInterpolate,
            }
        }

        /// The wire form of `transform`.
        pub(crate) fn transform(transform: Transform) -> pb::Transform {
            match transform {
                Transform::None => pb::Transform::None,
                Transform::YearOverYear => pb::Transform::YearOverYear,
                Transform::Index => pb::Transform::Index,
                Transform::ShareOfParent => pb::Transform::ShareOfParent,
            }
        }
    };
}

/// The mappings to `llmarket.forecast.v1`.
pub(crate) mod v1 {
    to_wire!(llmarket_proto::forecast);
}

/// The mappings to `llmarket.forecast.v2`.
pub(crate) mod v2 {
    to_wire!(llmarket_proto::llmarket::forecast::v2);
}

#[cfg(test)]
mod tests {
    use llmarket_proto::{forecast as one, llmarket::forecast::v2 as two};

    /// The request side reads both contracts' `Transform` and `Fill` numbers with v1's
    /// (`convert::request`): they must agree, value by value, as the responses' do by name.
    #[test]
    fn v1_and_v2_number_and_name_the_request_enums_alike() {
        for n in 0..8 {
            let (a, b) = (one::Transform::try_from(n), two::Transform::try_from(n));
            assert_eq!(
                a.ok().map(|t| t.as_str_name()),
                b.ok().map(|t| t.as_str_name())
            );
            let (a, b) = (one::Fill::try_from(n), two::Fill::try_from(n));
            assert_eq!(
                a.ok().map(|f| f.as_str_name()),
                b.ok().map(|f| f.as_str_name())
            );
        }
    }
}
