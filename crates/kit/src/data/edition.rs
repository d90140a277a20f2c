//! Which edition of which dataset a dataset directory holds: a report is published again and
//! again, and each publication (an edition) is one directory of data files.
//!
//! A directory names its edition in its manifest (`[edition]`: `dataset`, `id`, `published`);
//! the built-in report is edition `2026` of `cic-global-llm`. A directory whose manifest names
//! none (manifest format 1) is the one edition `1` of a dataset whose id is the one its files
//! give (as before editions existed), with an unknown publication date.

use std::{cmp::Ordering, fmt};

use serde::{Deserialize, Serialize};

use super::files::LoadError;

/// Id of the built-in report's dataset (contract v2).
pub const BUILTIN_DATASET_ID: &str = "cic-global-llm";
/// Id of the built-in report's edition.
pub const BUILTIN_EDITION_ID: &str = "2026";
/// Edition id of a directory whose manifest names no edition.
pub const UNNAMED_EDITION_ID: &str = "1";

/// The day an edition was published, to the precision the publisher gives: a year, a month, or
/// a day. The CIC report says only "© 2026".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublishDate {
    /// The year.
    pub year: i32,
    /// The month 1..=12, when known.
    pub month: Option<u32>,
    /// The day of the month, when known (only with a month).
    pub day: Option<u32>,
}

impl PublishDate {
    /// A date known only to the year.
    pub const fn year(year: i32) -> Self {
        Self {
            year,
            month: None,
            day: None,
        }
    }

    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (a real calendar day), years 1900..=2200.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("{text:?} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD");
        let mut parts = text.split('-');
        let number = |part: Option<&str>, digits: usize| -> Result<Option<u32>, String> {
            match part {
                None => Ok(None),
                Some(p) if p.len() == digits && p.bytes().all(|b| b.is_ascii_digit()) => {
                    p.parse().map(Some).map_err(|_| bad())
                }
                Some(_) => Err(bad()),
            }
        };
        let year = number(parts.next(), 4)?.ok_or_else(bad)?;
        let month = number(parts.next(), 2)?;
        let day = number(parts.next(), 2)?;
        if parts.next().is_some() || !(1900..=2200).contains(&year) {
            return Err(bad());
        }
        let date = Self {
            year: year as i32,
            month,
            day,
        };
        match (month, day) {
            (Some(m), _) if !(1..=12).contains(&m) => Err(bad()),
            (Some(m), Some(d)) if d == 0 || d > days_in_month(date.year, m) => Err(bad()),
            _ => Ok(date),
        }
    }

    /// The last day the date may stand for: a date known to the year stands for any day of it,
    /// so an as-of read sees the edition only from the year's last day on (it never sees a
    /// value that may not have been published yet).
    pub fn last_day(&self) -> (i32, u32, u32) {
        let month = self.month.unwrap_or(12);
        let day = self.day.unwrap_or_else(|| days_in_month(self.year, month));
        (self.year, month, day)
    }
}

/// `2026`, `2026-06` or `2026-06-30`.
impl fmt::Display for PublishDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(month) = self.month {
            write!(f, "-{month:02}")?;
        }
        if let Some(day) = self.day {
            write!(f, "-{day:02}")?;
        }
        Ok(())
    }
}

impl Serialize for PublishDate {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PublishDate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The number of days of `month` (1..=12) in `year`, leap years counted.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// The edition a dataset directory holds, as its manifest names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditionMeta {
    /// The dataset's id (contract v2: `datasets/{dataset}`).
    pub dataset: String,
    /// The edition's id within the dataset (`datasets/{dataset}/editions/{id}`).
    pub id: String,
    /// When it was published; `None` when unknown (as-of reads never choose it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<PublishDate>,
}

impl EditionMeta {
    /// The built-in report: edition 2026 of `cic-global-llm`, published in 2026.
    pub fn builtin() -> Self {
        Self {
            dataset: BUILTIN_DATASET_ID.to_owned(),
            id: BUILTIN_EDITION_ID.to_owned(),
            published: Some(PublishDate::year(2026)),
        }
    }

    /// The edition of a directory whose manifest names none: edition `1`, date unknown, of the
    /// dataset whose id its files give.
    pub fn unnamed(dataset: &str) -> Self {
        Self {
            dataset: dataset.to_owned(),
            id: UNNAMED_EDITION_ID.to_owned(),
            published: None,
        }
    }

    /// Checks the ids are valid resource ids (lowercase letters, digits and `-`, starting with a
    /// letter or digit, at most 63 characters), reporting errors against `path`.
    pub fn check(&self, path: &str) -> Result<(), LoadError> {
        for (field, id) in [("edition.dataset", &self.dataset), ("edition.id", &self.id)] {
            if !is_resource_id(id) {
                return Err(LoadError::invalid(
                    path,
                    field,
                    format!(
                        "{id:?} is not a valid id: use 1 to 63 lowercase letters, digits and \
                         '-', starting with a letter or digit"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Publication order: editions with an unknown date first, then by the last day their date
    /// may stand for, then by id.
    pub fn publication_order(&self, other: &Self) -> Ordering {
        let key = |e: &Self| e.published.map(|p| p.last_day());
        key(self)
            .cmp(&key(other))
            .then_with(|| self.id.cmp(&other.id))
    }

    /// Whether an as-of read on `(year, month, day)` may see this edition: it was surely
    /// published by then.
    pub fn published_by(&self, as_of: (i32, u32, u32)) -> bool {
        self.published.is_some_and(|p| p.last_day() <= as_of)
    }
}

fn is_resource_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    (1..=63).contains(&bytes.len())
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_years_months_and_days_and_refuses_the_rest() {
        assert_eq!(PublishDate::parse("2026").unwrap(), PublishDate::year(2026));
        let day = PublishDate::parse("2024-02-29").unwrap();
        assert_eq!((day.month, day.day), (Some(2), Some(29)));
        assert_eq!(day.to_string(), "2024-02-29");
        assert_eq!(
            PublishDate::parse("2027-06").unwrap().to_string(),
            "2027-06"
        );
        for bad in [
            "",
            "26",
            "2026-6",
            "2026-13",
            "2023-02-29",
            "2026-01-00",
            "2026-01-01-01",
            "1899",
            "2201",
            "２０２６",
            "2026-1x",
        ] {
            assert!(PublishDate::parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn a_date_known_to_the_year_or_month_counts_from_its_last_day() {
        assert_eq!(PublishDate::year(2026).last_day(), (2026, 12, 31));
        assert_eq!(
            PublishDate::parse("2028-02").unwrap().last_day(),
            (2028, 2, 29)
        );
        let edition = EditionMeta::builtin();
        assert!(!edition.published_by((2026, 12, 30)));
        assert!(edition.published_by((2026, 12, 31)));
        assert!(!EditionMeta::unnamed("x").published_by((2200, 12, 31)));
    }

    #[test]
    fn editions_order_by_publication_unknown_dates_first() {
        let at = |id: &str, date: Option<&str>| EditionMeta {
            dataset: "d".to_owned(),
            id: id.to_owned(),
            published: date.map(|d| PublishDate::parse(d).unwrap()),
        };
        let mut editions = [
            at("b", Some("2027-03-01")),
            at("a", Some("2027")),
            at("c", None),
            at("d", Some("2026-12-31")),
        ];
        editions.sort_by(EditionMeta::publication_order);
        let ids: Vec<_> = editions.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["c", "d", "b", "a"]);
    }

    #[test]
    fn ids_are_checked() {
        EditionMeta::builtin().check("m").unwrap();
        let mut bad = EditionMeta::builtin();
        bad.id = "Twenty".to_owned();
        let err = bad.check("m").unwrap_err();
        assert!(err.to_string().contains("edition.id"), "{err}");
    }

    #[test]
    fn reads_and_writes_as_toml() {
        let text = "dataset = \"acme\"\nid = \"2027\"\npublished = \"2027-03-15\"\n";
        let meta: EditionMeta = toml::from_str(text).unwrap();
        assert_eq!(meta.published.unwrap().to_string(), "2027-03-15");
        assert_eq!(toml::to_string(&meta).unwrap(), text);
        assert!(
            toml::from_str::<EditionMeta>("dataset = \"a\"\nid = \"1\"\npublished = \"2027-3\"\n")
                .is_err()
        );
    }
}
