//! The field checks both loaders (`forecast.toml`, `taxonomy.toml`) make: ids, years, numbers,
//! named values, two-language texts, sources and duplicates. Each failure is a
//! [`LoadError::Invalid`] naming the file, the field path (e.g. `series[2].observations[0].year`)
//! and what would be valid, worded the same way for both files.

use std::{collections::HashMap, fmt::Display, hash::Hash, ops::RangeInclusive};

use super::files::LoadError;
use llmarket_proto::names::is_valid_id;

/// What a valid id looks like, as error messages say it.
pub const ID_RULE: &str = "1 to 63 lowercase letters, digits and '-', not starting with '-'";

/// A text in each of the report's two languages, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TwoLanguages {
    /// The zh-Hans text.
    pub zh_hans: String,
    /// The English text.
    pub en: String,
}

impl TwoLanguages {
    /// Both texts, trimmed; either may be empty.
    pub fn trimmed(zh_hans: &str, en: &str) -> Self {
        Self {
            zh_hans: zh_hans.trim().to_owned(),
            en: en.trim().to_owned(),
        }
    }
}

/// Where each key (an id, a year, a label) was first used in a load, to refuse a second use.
#[derive(Debug)]
pub struct FirstUse<K> {
    /// What to do instead, e.g. "give each series its own id".
    rule: &'static str,
    /// Key → where it was first used.
    places: HashMap<K, String>,
}

impl<K: Hash + Eq> FirstUse<K> {
    /// No key used yet; `rule` ends the message of a second use.
    pub fn new(rule: &'static str) -> Self {
        Self {
            rule,
            places: HashMap::new(),
        }
    }
}

/// The checks on one data file: each failure names the file.
#[derive(Debug, Clone, Copy)]
pub struct FileCheck<'a> {
    path: &'a str,
}

/// `item.field`, or `field` alone for a top-level field.
fn field_of(item: &str, field: impl Display) -> String {
    if item.is_empty() {
        field.to_string()
    } else {
        format!("{item}.{field}")
    }
}

impl<'a> FileCheck<'a> {
    /// Checks on the file at `path` (as error messages show it).
    pub fn new(path: &'a str) -> Self {
        Self { path }
    }

    /// The file's path.
    pub fn path(&self) -> &'a str {
        self.path
    }

    /// A [`LoadError::Invalid`] for `field` of this file.
    pub fn fail(&self, field: impl Display, reason: impl Display) -> LoadError {
        LoadError::invalid(self.path, field, reason)
    }

    /// Fails unless `id` is a valid id; `what` names the kind of id, e.g. "series id".
    pub fn id(&self, field: impl Display, what: &str, id: &str) -> Result<(), LoadError> {
        if is_valid_id(id) {
            Ok(())
        } else {
            Err(self.fail(
                field,
                format!("{id:?} is not a valid {what}; use {ID_RULE}"),
            ))
        }
    }

    /// The dataset id a file sets in `field`, or else the name of its `directory`; either must
    /// be a valid id.
    pub fn dataset_id(
        &self,
        field: &str,
        set: Option<&str>,
        directory: &str,
    ) -> Result<String, LoadError> {
        match set {
            Some(id) => self.id(field, "dataset id", id).map(|()| id.to_owned()),
            None if is_valid_id(directory) => Ok(directory.to_owned()),
            None => Err(self.fail(
                field,
                format!(
                    "is not set and the directory name {directory:?} is not a valid dataset id; \
                     set {field} to {ID_RULE}"
                ),
            )),
        }
    }

    /// `year` as an `i32` within `valid`.
    pub fn year(
        &self,
        field: impl Display,
        year: i64,
        valid: RangeInclusive<i32>,
    ) -> Result<i32, LoadError> {
        i32::try_from(year)
            .ok()
            .filter(|y| valid.contains(y))
            .ok_or_else(|| {
                let (first, last) = valid.into_inner();
                self.fail(field, format!("{year} is outside {first}..={last}"))
            })
    }

    /// `value`, unless it is NaN or infinite.
    pub fn finite(&self, field: impl Display, value: f64) -> Result<f64, LoadError> {
        if value.is_finite() {
            Ok(value)
        } else {
            Err(self.fail(field, format!("{value} is not a finite number")))
        }
    }

    /// The value `names` gives the name `value`; fails listing the valid names.
    pub fn enumeration<T: Copy>(
        &self,
        field: impl Display,
        value: &str,
        names: &[(&'static str, T)],
    ) -> Result<T, LoadError> {
        names
            .iter()
            .find(|(name, _)| *name == value)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let valid: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
                self.fail(
                    field,
                    format!("{value:?} is not valid; use one of {}", valid.join(", ")),
                )
            })
    }

    /// The texts of `{item}.{field}_zh_hans` and `_en`, trimmed; fails unless both are given,
    /// naming the missing one.
    pub fn texts(
        &self,
        item: &str,
        field: &str,
        zh_hans: &str,
        en: &str,
    ) -> Result<TwoLanguages, LoadError> {
        let texts = TwoLanguages::trimmed(zh_hans, en);
        for (suffix, lang, text) in [
            ("zh_hans", "zh-Hans", &texts.zh_hans),
            ("en", "en", &texts.en),
        ] {
            if text.is_empty() {
                return Err(self.fail(
                    field_of(item, format_args!("{field}_{suffix}")),
                    format!("is missing; every {field} needs a text in {lang}"),
                ));
            }
        }
        Ok(texts)
    }

    /// The section of the source report `{item}.source` names, trimmed, or `inherited` (the
    /// enclosing item's) when the field is absent; fails when that is empty.
    pub fn source(
        &self,
        item: &str,
        raw: Option<&str>,
        inherited: &str,
    ) -> Result<String, LoadError> {
        let source = raw.map_or(inherited, str::trim);
        if source.is_empty() {
            return Err(self.fail(
                field_of(item, "source"),
                "is missing; give the section of the source report, e.g. \"2.2\"",
            ));
        }
        Ok(source.to_owned())
    }

    /// Records `key` as used at `place`; fails on `field` when it was used before, as
    /// `{what} is already used by {first place}; {rule}`.
    pub fn unique<K: Hash + Eq>(
        &self,
        seen: &mut FirstUse<K>,
        key: K,
        what: impl Display,
        field: impl Display,
        place: impl Into<String>,
    ) -> Result<(), LoadError> {
        match seen.places.get(&key) {
            Some(first) => Err(self.fail(
                field,
                format!("{what} is already used by {first}; {}", seen.rule),
            )),
            None => {
                seen.places.insert(key, place.into());
                Ok(())
            }
        }
    }
}

/// Asserts that `result` is a [`LoadError::Invalid`] of `path` on `field` whose reason holds
/// `needle`: the one assertion of the loaders' tests.
#[cfg(any(test, feature = "testing"))]
#[track_caller]
pub fn assert_invalid<T: std::fmt::Debug>(
    result: Result<T, LoadError>,
    path: &str,
    field: &str,
    needle: &str,
) {
    match result {
        Err(LoadError::Invalid {
            path: p,
            field: f,
            reason,
        }) => {
            assert_eq!(p, path, "{reason}");
            assert_eq!(f, field, "{reason}");
            assert!(reason.contains(needle), "{needle:?} not in {reason:?}");
        }
        other => panic!("expected an invalid {field}, got {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "f.toml";

    #[test]
    fn each_check_names_file_field_and_what_is_valid() {
        let check = FileCheck::new(FILE);
        let cases: Vec<(Result<(), LoadError>, &str, &str)> = vec![
            (
                check.id("series[0].id", "series id", "Bad_Id"),
                "series[0].id",
                "\"Bad_Id\" is not a valid series id; use 1 to 63",
            ),
            (
                check.dataset_id("id", None, "Bad Dir").map(drop),
                "id",
                "directory name \"Bad Dir\" is not a valid dataset id; set id to",
            ),
            (
                check.dataset_id("dataset", Some("-x"), "d").map(drop),
                "dataset",
                "\"-x\" is not a valid dataset id",
            ),
            (
                check.year("year", 1800, 1900..=2200).map(drop),
                "year",
                "1800 is outside 1900..=2200",
            ),
            (
                check.year("year", i64::MAX, 1900..=2200).map(drop),
                "year",
                "outside",
            ),
            (
                check.finite("value", f64::NAN).map(drop),
                "value",
                "NaN is not a finite number",
            ),
            (
                check
                    .enumeration("unit", "furlongs", &[("a", 1), ("b", 2)])
                    .map(drop),
                "unit",
                "\"furlongs\" is not valid; use one of a, b",
            ),
            (
                check.texts("schemes[s]", "title", "方案", " ").map(drop),
                "schemes[s].title_en",
                "is missing; every title needs a text in en",
            ),
            (
                check.texts("", "title", "", "Title").map(drop),
                "title_zh_hans",
                "needs a text in zh-Hans",
            ),
            (
                check.source("series[1]", Some("  "), "1.2").map(drop),
                "series[1].source",
                "is missing; give the section",
            ),
        ];
        for (result, field, needle) in cases {
            assert_invalid(result, FILE, field, needle);
        }
    }

    #[test]
    fn good_values_pass_trimmed_or_inherited() {
        let check = FileCheck::new(FILE);
        assert_eq!(check.dataset_id("id", None, "dir").unwrap(), "dir");
        assert_eq!(check.year("year", 2024, 1900..=2200).unwrap(), 2024);
        let texts = check.texts("", "title", " 甲 ", "A ").unwrap();
        assert_eq!((texts.zh_hans.as_str(), texts.en.as_str()), ("甲", "A"));
        assert_eq!(check.source("c", None, "1.2").unwrap(), "1.2");
        assert_eq!(check.source("c", Some(" 2.1 "), "1.2").unwrap(), "2.1");
    }

    #[test]
    fn a_second_use_names_the_first() {
        let check = FileCheck::new(FILE);
        let mut seen = FirstUse::new("give each series its own id");
        check
            .unique(
                &mut seen,
                "s",
                "series id \"s\"",
                "series[0].id",
                "series[0]",
            )
            .unwrap();
        assert_invalid(
            check.unique(
                &mut seen,
                "s",
                "series id \"s\"",
                "series[2].id",
                "series[2]",
            ),
            FILE,
            "series[2].id",
            "series id \"s\" is already used by series[0]; give each series its own id",
        );
    }
}
