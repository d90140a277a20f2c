//! Parsing and validation of `forecast.toml` files into [`Dataset`]s.
//!
//! A file is accepted whole or not at all: any malformed or inconsistent entry is a
//! [`LoadError::Invalid`] naming the field, e.g. `series[2].observations[0].value`. Enumerations
//! are read as strings and checked here, so an unknown unit names its field too.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::model::{
    Catalog, Dataset, DatasetInfo, Kind, MAX_YEAR, MIN_YEAR, Observation, Provenance, Qualifier,
    Range, RateKind, Series, StatedRate, Unit,
};
use llmarket_kit::{
    data::{
        DataFile, DataVersion, DatasetFiles, EditionMeta, LoadError,
        check::{FileCheck, FirstUse},
    },
    hash::content_hash,
};
use llmarket_proto::names;

/// A `forecast.toml` file as written (and as `data import` writes one: defaults left out).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDataset {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<String>,
    title_zh_hans: String,
    title_en: String,
    publisher: String,
    pub(crate) year: i64,
    currency: String,
    source_document: String,
    #[serde(default = "default_language")]
    source_language_code: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    notice_zh_hans: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    notice_en: String,
    #[serde(default)]
    pub(crate) series: Vec<RawSeries>,
}

fn default_language() -> String {
    "zh-Hans".to_owned()
}

/// One `[[series]]` as written.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSeries {
    pub(crate) id: String,
    title_zh_hans: String,
    title_en: String,
    pub(crate) unit: String,
    pub(crate) source: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    note: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    note_zh_hans: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    components: Vec<String>,
    #[serde(default)]
    pub(crate) observations: Vec<RawObservation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) stated_rates: Vec<RawRate>,
}

/// One `[[series.observations]]` as written: a stated value.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawObservation {
    pub(crate) year: i64,
    pub(crate) value: f64,
    pub(crate) qualifier: String,
    pub(crate) kind: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) resolution: f64,
    /// Defaults to the series' source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) source: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) note: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) note_zh_hans: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) quote: String,
}

/// One `[[series.stated_rates]]` as written: a rate the source states.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRate {
    pub(crate) rate_kind: String,
    pub(crate) value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) start_year: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) end_year: Option<i64>,
    pub(crate) qualifier: String,
    pub(crate) kind: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) resolution: f64,
    /// Defaults to the series' source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) source: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) quote: String,
}

/// Whether a rounding step is 0 (unknown), which the file leaves out.
fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl Catalog {
    /// Parses and validates the forecast files of `sources` (sources without one are skipped).
    /// Any bad file, or two datasets with the same id, fails the whole load.
    pub fn load(sources: &[DatasetFiles]) -> Result<Self, LoadError> {
        let mut datasets = Vec::with_capacity(sources.len());
        let mut ids = FirstUse::new("give each dataset its own id");
        let mut editions = FirstUse::new("give each edition of a dataset its own id");
        let mut parts = Vec::with_capacity(sources.len());
        for source in sources {
            let Some(file) = &source.forecast else {
                parts.push((source.directory.clone(), source));
                continue;
            };
            let mut dataset = parse_dataset(file, &source.directory)?;
            FileCheck::new(&file.path).unique(
                &mut ids,
                dataset.id.clone(),
                format_args!("dataset id {:?}", dataset.id),
                "id",
                file.path.as_str(),
            )?;
            dataset.set_edition(
                source
                    .edition
                    .clone()
                    .unwrap_or_else(|| EditionMeta::unnamed(&dataset.id)),
            );
            FileCheck::new(&file.path).unique(
                &mut editions,
                (
                    dataset.edition().dataset.clone(),
                    dataset.edition().id.clone(),
                ),
                format_args!(
                    "edition {}",
                    names::v2::edition_name(&dataset.edition().dataset, &dataset.edition().id)
                ),
                "edition",
                file.path.as_str(),
            )?;
            parts.push((dataset.id.clone(), source));
            datasets.push(dataset);
        }
        let version = DataVersion::of(sources).with_parts(parts);
        Ok(Catalog::new(datasets, version))
    }
}

/// Parses and validates one `forecast.toml`. `directory` is the dataset id when the file sets none.
pub fn parse_dataset(file: &DataFile, directory: &str) -> Result<Dataset, LoadError> {
    let raw: RawDataset =
        toml::from_str(&file.text).map_err(|e| LoadError::from_toml(&file.path, &file.text, &e))?;
    Parser {
        check: FileCheck::new(&file.path),
    }
    .dataset(raw, directory, content_hash(&file.text))
}

/// The forecast-specific validation, on the shared [`FileCheck`]s of one file.
struct Parser<'a> {
    check: FileCheck<'a>,
}

const YEARS: std::ops::RangeInclusive<i32> = MIN_YEAR..=MAX_YEAR;

impl Parser<'_> {
    fn resolution(&self, field: &str, value: f64) -> Result<f64, LoadError> {
        if value.is_finite() && value >= 0.0 {
            Ok(value)
        } else {
            Err(self.check.fail(
                field,
                format!(
                    "{value} is not a rounding step; use a finite number >= 0 (0 when unknown)"
                ),
            ))
        }
    }

    fn dataset(
        &self,
        raw: RawDataset,
        directory: &str,
        version: String,
    ) -> Result<Dataset, LoadError> {
        let check = self.check;
        let id = check.dataset_id("id", raw.id.as_deref(), directory)?;
        let title = check.texts("", "title", &raw.title_zh_hans, &raw.title_en)?;
        let info = DatasetInfo {
            title_zh_hans: title.zh_hans,
            title_en: title.en,
            publisher: raw.publisher,
            year: check.year("year", raw.year, YEARS)?,
            currency: raw.currency,
            source_document: raw.source_document,
            source_language_code: raw.source_language_code,
            notice_zh_hans: raw.notice_zh_hans,
            notice_en: raw.notice_en,
        };
        let mut series = Vec::with_capacity(raw.series.len());
        let mut ids = FirstUse::new("give each series of a dataset its own id");
        for (i, raw_series) in raw.series.into_iter().enumerate() {
            let s = self.series(i, raw_series)?;
            let at = format!("series[{i}]");
            check.unique(
                &mut ids,
                s.id.clone(),
                format_args!("series id {:?}", s.id),
                format!("{at}.id"),
                at,
            )?;
            series.push(s);
        }
        let positions: HashMap<String, usize> = series
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        self.link_components(&mut series, &positions)?;
        Ok(Dataset::new(id, info, version, series))
    }

    fn series(&self, i: usize, raw: RawSeries) -> Result<Series, LoadError> {
        let check = self.check;
        let at = format!("series[{i}]");
        check.id(format_args!("{at}.id"), "series id", &raw.id)?;
        let title = check.texts(&at, "title", &raw.title_zh_hans, &raw.title_en)?;
        let source = check.source(&at, Some(&raw.source), "")?;
        let unit = check.enumeration(format_args!("{at}.unit"), &raw.unit, &Unit::NAMES)?;
        if raw.observations.is_empty() {
            return Err(check.fail(
                format!("{at}.observations"),
                "is empty; a series needs at least one stated observation",
            ));
        }
        let mut observations = Vec::with_capacity(raw.observations.len());
        let mut years = FirstUse::new("give one observation per year");
        for (j, o) in raw.observations.into_iter().enumerate() {
            let here = format!("observations[{j}]");
            let obs = self.observation(&format!("{at}.{here}"), o, unit, &source)?;
            check.unique(
                &mut years,
                obs.year,
                format_args!("year {}", obs.year),
                format!("{at}.{here}.year"),
                here,
            )?;
            observations.push(obs);
        }
        observations.sort_by_key(|o| o.year);
        let stated_rates = raw
            .stated_rates
            .into_iter()
            .enumerate()
            .map(|(j, r)| self.rate(&format!("{at}.stated_rates[{j}]"), r, &source))
            .collect::<Result<_, _>>()?;
        for (j, component) in raw.components.iter().enumerate() {
            check.id(format_args!("{at}.components[{j}]"), "series id", component)?;
        }
        Ok(Series {
            id: raw.id,
            title_zh_hans: title.zh_hans,
            title_en: title.en,
            unit,
            parent: None,
            components: raw.components,
            stated_rates,
            observations,
            source,
            note: raw.note,
            note_zh_hans: raw.note_zh_hans,
        })
    }

    fn observation(
        &self,
        at: &str,
        raw: RawObservation,
        unit: Unit,
        series_source: &str,
    ) -> Result<Observation, LoadError> {
        let check = self.check;
        let year = check.year(format_args!("{at}.year"), raw.year, YEARS)?;
        let value = check.finite(format_args!("{at}.value"), raw.value)?;
        let qualifier = check.enumeration(
            format_args!("{at}.qualifier"),
            &raw.qualifier,
            &Qualifier::NAMES,
        )?;
        let kind = check.enumeration(format_args!("{at}.kind"), &raw.kind, &Kind::NAMES)?;
        let resolution = self.resolution(&format!("{at}.resolution"), raw.resolution)?;
        Ok(Observation {
            year,
            value,
            unit,
            qualifier,
            kind,
            provenance: Provenance::Reported,
            method: String::new(),
            source: check.source(at, raw.source.as_deref(), series_source)?,
            resolution,
            note: raw.note,
            note_zh_hans: raw.note_zh_hans,
            quote: raw.quote,
            range: Range::of(value, qualifier, resolution),
            derivation: None,
            past_horizon: false,
        })
    }

    fn rate(&self, at: &str, raw: RawRate, series_source: &str) -> Result<StatedRate, LoadError> {
        let check = self.check;
        let rate_kind = check.enumeration(
            format_args!("{at}.rate_kind"),
            &raw.rate_kind,
            &RateKind::NAMES,
        )?;
        let value = check.finite(format_args!("{at}.value"), raw.value)?;
        if value <= -1.0 {
            return Err(check.fail(
                format!("{at}.value"),
                format!(
                    "{value} is not a rate; a rate is a fraction above -1 (-0.9 is a tenfold fall)"
                ),
            ));
        }
        let start_year = raw
            .start_year
            .map(|y| check.year(format_args!("{at}.start_year"), y, YEARS))
            .transpose()?;
        let end_year = raw
            .end_year
            .map(|y| check.year(format_args!("{at}.end_year"), y, YEARS))
            .transpose()?;
        match (start_year, end_year, rate_kind) {
            (Some(start), Some(end), _) if start >= end => {
                return Err(check.fail(
                    format!("{at}.end_year"),
                    format!("{end} is not after start_year {start}"),
                ));
            }
            (Some(_), Some(_), _) | (None, None, RateKind::AnnualChange) => {}
            (None, _, RateKind::Cagr) | (_, None, RateKind::Cagr) => {
                return Err(check.fail(
                    format!("{at}.start_year"),
                    "a CAGR needs both start_year and end_year",
                ));
            }
            (Some(_), None, RateKind::AnnualChange) | (None, Some(_), RateKind::AnnualChange) => {
                return Err(check.fail(
                    format!("{at}.start_year"),
                    "set both start_year and end_year, or neither",
                ));
            }
        }
        Ok(StatedRate {
            rate_kind,
            value,
            start_year,
            end_year,
            qualifier: check.enumeration(
                format_args!("{at}.qualifier"),
                &raw.qualifier,
                &Qualifier::NAMES,
            )?,
            kind: check.enumeration(format_args!("{at}.kind"), &raw.kind, &Kind::NAMES)?,
            source: check.source(at, raw.source.as_deref(), series_source)?,
            resolution: self.resolution(&format!("{at}.resolution"), raw.resolution)?,
            quote: raw.quote,
        })
    }

    /// Checks that every component exists, has one parent and its parent's unit, and that no
    /// series is its own ancestor; then records each component's parent.
    fn link_components(
        &self,
        series: &mut [Series],
        positions: &HashMap<String, usize>,
    ) -> Result<(), LoadError> {
        let mut parent_of: Vec<Option<usize>> = vec![None; series.len()];
        for (i, s) in series.iter().enumerate() {
            for (j, component) in s.components.iter().enumerate() {
                let field = format!("series[{i}].components[{j}]");
                let Some(&c) = positions.get(component) else {
                    return Err(self.check.fail(
                        field,
                        format!("names series {component:?}, which this dataset does not define"),
                    ));
                };
                if let Some(other) = parent_of[c] {
                    return Err(self.check.fail(
                        field,
                        format!(
                            "{component:?} is already a component of {:?}; a series has at most \
                             one parent and is listed once",
                            series[other].id
                        ),
                    ));
                }
                let (unit, parent_unit) = (series[c].unit, s.unit);
                if unit != parent_unit {
                    return Err(self.check.fail(
                        field,
                        format!(
                            "{component:?} is in {} but its parent {:?} is in {}; components \
                             share their parent's unit",
                            unit_name(unit),
                            s.id,
                            unit_name(parent_unit)
                        ),
                    ));
                }
                parent_of[c] = Some(i);
            }
        }
        // With one parent each, a cycle shows as a walk up the parents that comes back.
        for start in 0..series.len() {
            let mut at = start;
            for _ in 0..series.len() {
                match parent_of[at] {
                    Some(p) if p == start => {
                        return Err(self.check.fail(
                            format!("series[{start}].components"),
                            format!(
                                "{:?} is (through its components) a component of itself",
                                series[start].id
                            ),
                        ));
                    }
                    Some(p) => at = p,
                    None => break,
                }
            }
        }
        for (c, parent) in parent_of.into_iter().enumerate() {
            if let Some(p) = parent {
                series[c].parent = Some(series[p].id.clone());
            }
        }
        Ok(())
    }
}

fn unit_name(unit: Unit) -> &'static str {
    Unit::NAMES
        .iter()
        .find(|(_, u)| *u == unit)
        .map_or("?", |(n, _)| n)
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use llmarket_kit::data::check::assert_invalid;

    const HEAD: &str = r#"
title_zh_hans = "测试"
title_en = "Test"
publisher = "P"
year = 2026
currency = "USD"
source_document = "doc"
"#;

    fn file(text: String) -> DataFile {
        DataFile {
            path: "t/forecast.toml".to_owned(),
            text: Cow::Owned(text),
        }
    }

    fn series(id: &str, extra: &str, obs: &str) -> String {
        format!(
            "[[series]]\nid = \"{id}\"\ntitle_zh_hans = \"x\"\ntitle_en = \"x\"\nunit = \"usd-billion\"\n\
             source = \"1.2\"\n{extra}\n{obs}\n"
        )
    }

    fn obs(year: i64, value: &str) -> String {
        format!(
            "[[series.observations]]\nyear = {year}\nvalue = {value}\nqualifier = \"exact\"\n\
             kind = \"actual\"\nresolution = 0.1\n"
        )
    }

    fn load(body: &str) -> Result<Dataset, LoadError> {
        parse_dataset(&file(format!("{HEAD}{body}")), "dir-name")
    }

    /// Asserts loading fails naming `field`, with `reason` in the message.
    #[track_caller]
    fn rejects(body: &str, field: &str, reason: &str) {
        assert_invalid(load(body), "t/forecast.toml", field, reason);
    }

    #[test]
    fn builtin_file_loads() {
        let files = llmarket_kit::data::builtin();
        let dataset = parse_dataset(files.forecast.as_ref().unwrap(), &files.directory).unwrap();
        assert_eq!(dataset.id, "cic-global-llm-2026");
        assert_eq!(dataset.series().len(), 4);
        assert_eq!(dataset.version.len(), 16);
        let maas = dataset.get("maas-market").unwrap();
        assert_eq!(maas.parent.as_deref(), Some("market-size"));
        let cost = dataset.get("inference-cost").unwrap();
        assert_eq!(cost.observations[1].qualifier, Qualifier::UpperBound);
        assert_eq!(cost.observations[0].source, "2.1");
    }

    #[test]
    fn id_defaults_to_directory_and_version_tracks_content() {
        let a = load(&series("s", "", &obs(2024, "1.0"))).unwrap();
        assert_eq!(a.id, "dir-name");
        let b = load(&series("s", "", &obs(2024, "1.1"))).unwrap();
        assert_ne!(a.version, b.version);
        let bad_dir = parse_dataset(&file(HEAD.to_owned()), "Bad Dir");
        assert!(matches!(bad_dir, Err(LoadError::Invalid { field, .. }) if field == "id"));
    }

    #[test]
    fn observations_are_sorted_by_year() {
        let d = load(&series(
            "s",
            "",
            &format!("{}{}", obs(2029, "2.0"), obs(2024, "1.0")),
        ))
        .unwrap();
        let years: Vec<i32> = d
            .get("s")
            .unwrap()
            .observations
            .iter()
            .map(|o| o.year)
            .collect();
        assert_eq!(years, [2024, 2029]);
    }

    #[test]
    fn rejects_bad_observations() {
        let cases = [
            ("value = 1.0", "value = nan", "value", "finite"),
            ("value = 1.0", "value = inf", "value", "finite"),
            ("year = 2024", "year = 1800", "year", "1900..=2200"),
            ("\"exact\"", "\"roughly\"", "qualifier", "roughly"),
            ("\"actual\"", "\"guess\"", "kind", "guess"),
            ("0.1", "-1.0", "resolution", "rounding step"),
        ];
        for (good, bad, field, reason) in cases {
            let body = series("s", "", &obs(2024, "1.0")).replace(good, bad);
            rejects(&body, &format!("series[0].observations[0].{field}"), reason);
        }
    }

    #[test]
    fn rejects_bad_series_ids_duplicates_and_components() {
        let one = || series("s", "", &obs(2024, "1.0"));
        let two_years = format!("{}{}", obs(2024, "1.0"), obs(2024, "2.0"));
        let parent = |id: &str, component: &str| {
            series(
                id,
                &format!("components = [\"{component}\"]"),
                &obs(2024, "1.0"),
            )
        };
        let child = || series("c", "", &obs(2024, "0.5"));
        let cases = [
            (
                one().replace("usd-billion", "furlongs"),
                "series[0].unit",
                "\"furlongs\" is not valid",
            ),
            (
                series("s", "", ""),
                "series[0].observations",
                "at least one",
            ),
            (
                one().replace("title_en = \"x\"", "title_en = \" \""),
                "series[0].title_en",
                "in en",
            ),
            (
                one().replace("\"1.2\"", "\"\""),
                "series[0].source",
                "is missing",
            ),
            (
                series("s", "", &two_years),
                "series[0].observations[1].year",
                "year 2024 is already used by observations[0]",
            ),
            (
                format!("{}{}{}", series("a", "", &obs(2024, "1.0")), one(), one()),
                "series[2].id",
                "series id \"s\" is already used by series[1]",
            ),
            (
                one().replace("\"s\"", "\"Bad_Id\""),
                "series[0].id",
                "not a valid series id",
            ),
            (
                format!("id = \"-x\"\n{}", one()),
                "id",
                "not a valid dataset id",
            ),
            (
                parent("p", "nope"),
                "series[0].components[0]",
                "does not define",
            ),
            (
                format!("{}{}{}", parent("p", "c"), parent("q", "c"), child()),
                "series[1].components[0]",
                "already a component of \"p\"",
            ),
            (
                format!(
                    "{}{}",
                    parent("p", "c"),
                    child().replace("usd-billion", "fraction")
                ),
                "series[0].components[0]",
                "share their parent's unit",
            ),
            (
                format!("{}{}", parent("a", "b"), parent("b", "a")),
                "series[0].components",
                "component of itself",
            ),
            (
                parent("a", "a"),
                "series[0].components",
                "component of itself",
            ),
        ];
        for (body, field, reason) in cases {
            rejects(&body, field, reason);
        }
    }

    #[test]
    fn rejects_bad_rates() {
        let rate = |body: &str| {
            series(
                "s",
                "",
                &format!(
                    "{}[[series.stated_rates]]\nqualifier = \"exact\"\nkind = \"forecast\"\n{body}\n",
                    obs(2024, "1.0")
                ),
            )
        };
        let at = "series[0].stated_rates[0]";
        let cases = [
            (
                "rate_kind = \"cagr\"\nvalue = -1.0\nstart_year = 2024\nend_year = 2029",
                "value",
                "above -1",
            ),
            (
                "rate_kind = \"cagr\"\nvalue = nan\nstart_year = 2024\nend_year = 2029",
                "value",
                "finite",
            ),
            (
                "rate_kind = \"cagr\"\nvalue = 0.5",
                "start_year",
                "needs both",
            ),
            (
                "rate_kind = \"cagr\"\nvalue = 0.5\nstart_year = 2029\nend_year = 2024",
                "end_year",
                "not after",
            ),
            ("rate_kind = \"speed\"\nvalue = 0.5", "rate_kind", "speed"),
        ];
        for (body, field, reason) in cases {
            rejects(&rate(body), &format!("{at}.{field}"), reason);
        }
        assert!(load(&rate("rate_kind = \"annual-change\"\nvalue = -0.9")).is_ok());
    }

    #[test]
    fn catalog_refuses_duplicate_dataset_ids_and_skips_sources_without_a_file() {
        let source = |dir: &str, path: &str| DatasetFiles {
            directory: dir.to_owned(),
            forecast: Some(DataFile {
                path: path.to_owned(),
                text: Cow::Owned(format!("{HEAD}{}", series("s", "", &obs(2024, "1.0")))),
            }),
            taxonomy: None,
            edition: None,
        };
        let no_file = DatasetFiles {
            directory: "words-only".to_owned(),
            forecast: None,
            taxonomy: None,
            edition: None,
        };
        let catalog = Catalog::load(&[source("b", "b/f"), no_file, source("a", "a/f")]).unwrap();
        let ids: Vec<&str> = catalog.datasets().iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_invalid(
            Catalog::load(&[source("a", "one/f"), source("a", "two/f")]),
            "two/f",
            "id",
            "dataset id \"a\" is already used by one/f",
        );
    }

    #[test]
    fn malformed_toml_and_unknown_fields_name_the_line() {
        let err = load("[[series]\n").unwrap_err();
        assert!(err.to_string().contains("line"), "{err}");
        let err = load(&series("s", "colour = \"red\"", &obs(2024, "1.0"))).unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
    }
}
