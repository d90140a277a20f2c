//! Requests of `llmarket.forecast.v2` turned into domain queries at the edge: the edition a read
//! chooses, optional years, enums and the ListSeries filter. Each check names its request field.

use llmarket_proto::{
    google::r#type::Date,
    llmarket::forecast::v2 as pb,
    names::{SeriesName, v2::EditionName},
};
use tonic::Status;

use crate::{
    analysis::Scenario,
    model::{EditionChoice, MAX_YEAR, MIN_YEAR, Span},
};
use llmarket_kit::{
    data::edition::days_in_month,
    status::{bad_name, invalid_argument},
};

/// The series a request targets: its v2 dataset id and series id.
pub fn series_name<'a>(name: &'a str) -> Result<SeriesName<'a>, Status> {
    SeriesName::parse(name).map_err(bad_name("name"))
}

/// The edition a read of dataset `dataset` chooses: the latest, the one named (of this dataset
/// only), or the one current on a full calendar day.
pub fn edition_choice<'a>(
    selector: Option<&'a pb::EditionSelector>,
    dataset: &str,
) -> Result<EditionChoice<'a>, Status> {
    use pb::edition_selector::Selector;
    match selector.and_then(|s| s.selector.as_ref()) {
        None => Ok(EditionChoice::Latest),
        Some(Selector::Edition(name)) => {
            let edition = EditionName::parse(name).map_err(bad_name("edition.edition"))?;
            if edition.dataset != dataset {
                return Err(invalid_argument(
                    "edition.edition",
                    format!(
                        "{name} is an edition of datasets/{}, not of datasets/{dataset}, which \
                         this call reads",
                        edition.dataset
                    ),
                ));
            }
            Ok(EditionChoice::Id(edition.edition))
        }
        Some(Selector::AsOf(date)) => as_of("edition.as_of", date).map(EditionChoice::AsOf),
    }
}

/// A full calendar day in years 1900..=2200, as (year, month, day).
pub fn as_of(field: &str, date: &Date) -> Result<(i32, u32, u32), Status> {
    let (year, month, day) = (date.year, date.month, date.day);
    let valid_day = u32::try_from(month)
        .ok()
        .filter(|m| (1..=12).contains(m))
        .zip(u32::try_from(day).ok())
        .filter(|&(m, d)| d >= 1 && d <= days_in_month(year, m));
    match valid_day {
        Some((m, d)) if (MIN_YEAR..=MAX_YEAR).contains(&year) => Ok((year, m, d)),
        _ => Err(invalid_argument(
            field,
            format!(
                "{year:04}-{month:02}-{day:02} is not a calendar day in {MIN_YEAR}..={MAX_YEAR}; \
                 give year, month and day"
            ),
        )),
    }
}

/// An optional year of field `field`: unset, or in 1900..=2200.
pub fn year(field: &str, year: Option<i32>) -> Result<Option<i32>, Status> {
    match year {
        None => Ok(None),
        Some(y) if (MIN_YEAR..=MAX_YEAR).contains(&y) => Ok(Some(y)),
        Some(y) => Err(invalid_argument(
            field,
            format!(
                "{y} is outside {MIN_YEAR}..={MAX_YEAR}; use a year in that range, or leave it unset"
            ),
        )),
    }
}

/// The span of `start_year` and `end_year`.
pub fn span(start: Option<i32>, end: Option<i32>) -> Result<Span, Status> {
    Ok(Span {
        start: year("start_year", start)?,
        end: year("end_year", end)?,
    })
}

pub(crate) use crate::convert::request::{fill, transform};

/// The rate a projection uses.
pub fn scenario(
    scenario: Option<&pb::project_series_request::Scenario>,
) -> Result<Scenario, Status> {
    use pb::project_series_request::Scenario as Wire;
    match scenario {
        Some(&Wire::AnnualRate(rate)) if rate.is_finite() && rate > -1.0 => {
            Ok(Scenario::AnnualRate(rate))
        }
        Some(Wire::AnnualRate(rate)) => Err(invalid_argument(
            "annual_rate",
            format!(
                "{rate} is not a usable rate; give a finite fraction above -1 \
                 (0.807 for +80.7 % a year, -0.9 for a tenfold fall)"
            ),
        )),
        Some(Wire::StatedRate(true)) => Ok(Scenario::StatedRate),
        Some(Wire::StatedRate(false)) => Err(invalid_argument(
            "stated_rate",
            "is false; set it to true to use the series' stated rate, or set annual_rate",
        )),
        None => Err(invalid_argument(
            "scenario",
            "is required; set annual_rate (e.g. 0.807) or stated_rate = true",
        )),
    }
}

/// What the ListSeries `filter` keeps: every term must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeriesFilter {
    /// `concepts:"NAME"`: series this concept explains.
    pub concepts: Vec<String>,
    /// `parent = "NAME"` (`Some(name)`) or `parent = ""` (`Some("")`): the parent series.
    pub parent: Option<String>,
}

impl SeriesFilter {
    /// Parses the AIP-160 subset ListSeries supports: `concepts:"NAME"`, `parent = "NAME"` and
    /// `parent = ""`, joined with `AND`.
    pub fn parse(filter: &str) -> Result<Self, Status> {
        let mut parsed = Self::default();
        if filter.trim().is_empty() {
            return Ok(parsed);
        }
        for term in filter.split(" AND ") {
            let term = term.trim();
            let unsupported = || {
                invalid_argument(
                    "filter",
                    format!(
                        "{:?} is not supported; use concepts:\"NAME\", parent = \"NAME\" or \
                         parent = \"\", joined with AND",
                        llmarket_kit::status::shorten(term, 100)
                    ),
                )
            };
            if let Some(value) = term.strip_prefix("concepts:") {
                parsed
                    .concepts
                    .push(quoted(value.trim()).ok_or_else(unsupported)?);
            } else if let Some(value) = term
                .strip_prefix("parent")
                .map(str::trim_start)
                .and_then(|rest| rest.strip_prefix('='))
            {
                let value = quoted(value.trim()).ok_or_else(unsupported)?;
                if !value.is_empty() {
                    SeriesName::parse(&value).map_err(bad_name("filter"))?;
                }
                if parsed.parent.replace(value).is_some() {
                    return Err(invalid_argument("filter", "names parent more than once"));
                }
            } else {
                return Err(unsupported());
            }
        }
        Ok(parsed)
    }
}

/// The text of a `"…"` literal without escapes.
fn quoted(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains(['"', '\\'])).then(|| inner.to_owned())
}

#[cfg(test)]
mod tests {
    use tonic::Code;

    use super::*;

    fn selector(selector: pb::edition_selector::Selector) -> pb::EditionSelector {
        pb::EditionSelector {
            selector: Some(selector),
        }
    }

    #[test]
    fn editions_are_chosen_by_name_of_the_same_dataset_or_by_a_full_day() {
        use pb::edition_selector::Selector;
        assert_eq!(edition_choice(None, "d").unwrap(), EditionChoice::Latest);
        let named = selector(Selector::Edition("datasets/d/editions/2027".into()));
        assert_eq!(
            edition_choice(Some(&named), "d").unwrap(),
            EditionChoice::Id("2027")
        );
        let other = edition_choice(Some(&named), "e").unwrap_err();
        assert_eq!(other.code(), Code::InvalidArgument);
        assert!(
            other.message().contains("not of datasets/e"),
            "{}",
            other.message()
        );
        let day = |year, month, day| selector(Selector::AsOf(Date { year, month, day }));
        assert_eq!(
            edition_choice(Some(&day(2026, 12, 31)), "d").unwrap(),
            EditionChoice::AsOf((2026, 12, 31))
        );
        for bad in [
            day(2026, 2, 29),
            day(2026, 0, 0),
            day(2026, 13, 1),
            day(1899, 1, 1),
        ] {
            let err = edition_choice(Some(&bad), "d").unwrap_err();
            assert!(
                err.message().starts_with("edition.as_of:"),
                "{}",
                err.message()
            );
        }
    }

    #[test]
    fn years_are_optional_and_in_range() {
        assert_eq!(year("year", None).unwrap(), None);
        assert_eq!(year("year", Some(2029)).unwrap(), Some(2029));
        let err = year("start_year", Some(0)).unwrap_err();
        assert!(
            err.message().starts_with("start_year: 0 is outside"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn the_series_filter_takes_its_subset_and_refuses_the_rest() {
        let f = SeriesFilter::parse(
            "concepts:\"datasets/d/schemes/s/concepts/c\" AND parent = \"datasets/d/series/p\"",
        )
        .unwrap();
        assert_eq!(f.concepts, ["datasets/d/schemes/s/concepts/c"]);
        assert_eq!(f.parent.as_deref(), Some("datasets/d/series/p"));
        assert_eq!(
            SeriesFilter::parse("parent = \"\"")
                .unwrap()
                .parent
                .as_deref(),
            Some("")
        );
        assert_eq!(SeriesFilter::parse("  ").unwrap(), SeriesFilter::default());
        for bad in [
            "unit = \"x\"",
            "concepts:x",
            "parent = \"bad name\"",
            "parent = \"\" AND parent = \"\"",
            "parent = \"a\" OR parent = \"b\"",
        ] {
            let err = SeriesFilter::parse(bad).unwrap_err();
            assert_eq!(err.code(), Code::InvalidArgument, "{bad}");
            assert!(
                err.message().starts_with("filter: "),
                "{bad}: {}",
                err.message()
            );
        }
    }
}
