//! Checks of request fields that both services' edges share, so each rule is written once.

use std::ops::RangeInclusive;

use tonic::Status;

use crate::status::invalid_argument;

/// The largest request a method that takes a few names, ids, numbers, a page token or a search
/// query can validly take, with ample room for fields a newer client may add: what the services
/// declare as their methods' default request bound.
pub const SMALL_REQUEST_BYTES: usize = 64 * 1024;

/// The largest request message each method of a service can validly take, in bytes, as the
/// service declares it; the server refuses a larger one from its length prefix, before reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestSizes {
    /// The size of every method not in `methods`.
    pub default: usize,
    /// Methods with a size of their own: (method name, bytes).
    pub methods: &'static [(&'static str, usize)],
}

impl RequestSizes {
    /// The largest size of any method: the most a request of the service may decompress to.
    pub fn largest(&self) -> usize {
        self.methods
            .iter()
            .map(|(_, bytes)| *bytes)
            .fold(self.default, usize::max)
    }
}

/// An optional year field: 0 means not set (`unset` says what that stands for, e.g. "no
/// bound"), anything else must lie in `range`.
pub fn optional_year(
    field: &str,
    year: i32,
    range: RangeInclusive<i32>,
    unset: &str,
) -> Result<Option<i32>, Status> {
    match year {
        0 => Ok(None),
        y if range.contains(&y) => Ok(Some(y)),
        y => Err(invalid_argument(
            field,
            format!(
                "{y} is outside {}..={}; use a year in that range, or 0 for {unset}",
                range.start(),
                range.end()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use tonic::Code;

    use super::*;

    #[test]
    fn zero_is_unset_and_years_outside_the_range_name_the_field() {
        assert_eq!(
            optional_year("end_year", 0, 1900..=2200, "no bound").unwrap(),
            None
        );
        assert_eq!(
            optional_year("end_year", 2024, 1900..=2200, "no bound").unwrap(),
            Some(2024)
        );
        let status = optional_year("end_year", 3000, 1900..=2200, "no bound").unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(
            status.message(),
            "end_year: 3000 is outside 1900..=2200; use a year in that range, or 0 for no bound"
        );
    }
}
