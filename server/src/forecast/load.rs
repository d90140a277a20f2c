//! Parsing and validation of `forecast.toml` files into [`Dataset`]s.
//!
//! A file is accepted whole or not at all: any malformed or inconsistent entry is a
//! [`LoadError::Invalid`] naming the field, e.g. `series[2].observations[0].value`. Enumerations
//! are read as strings and checked here, so an unknown unit names its field too.

use std::collections::HashMap;

use serde::Deserialize;

use super::model::{
    Catalog, Dataset, DatasetInfo, Kind, MAX_YEAR, MIN_YEAR, Observation, Provenance, Qualifier,
    Range, RateKind, Series, StatedRate, Unit,
};
use llmarket_proto::names::is_valid_id;

use crate::{
    data::{DataFile, DatasetFiles, LoadError},
    hash::content_hash,
};

/// A `forecast.toml` file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDataset {
    id: Option<String>,
    title_zh_hans: String,
    title_en: String,
    publisher: String,
    year: i64,
    currency: String,
    source_document: String,
    #[serde(default = "default_language")]
    source_language_code: String,
    #[serde(default)]
    notice_zh_hans: String,
    #[serde(default)]
    notice_en: String,
    #[serde(default)]
    series: Vec<RawSeries>,
}

fn default_language() -> String {
    "zh-Hans".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeries {
    id: String,
    title_zh_hans: String,
    title_en: String,
    unit: String,
    source: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    components: Vec<String>,
    #[serde(default)]
    observations: Vec<RawObservation>,
    #[serde(default)]
    stated_rates: Vec<RawRate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawObservation {
    year: i64,
    value: f64,
    qualifier: String,
    kind: String,
    #[serde(default)]
    resolution: f64,
    /// Defaults to the series' source.
    source: Option<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    quote: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRate {
    rate_kind: String,
    value: f64,
    start_year: Option<i64>,
    end_year: Option<i64>,
    qualifier: String,
    kind: String,
    #[serde(default)]
    resolution: f64,
    /// Defaults to the series' source.
    source: Option<String>,
    #[serde(default)]
    quote: String,
}

impl Catalog {
    /// Parses and validates the forecast files of `sources` (sources without one are skipped).
    /// Any bad file, or two datasets with the same id, fails the whole load.
    pub fn load(sources: &[DatasetFiles]) -> Result<Self, LoadError> {
        let mut datasets = Vec::with_capacity(sources.len());
        let mut paths: HashMap<String, &str> = HashMap::with_capacity(sources.len());
        for source in sources {
            let Some(file) = &source.forecast else {
                continue;
            };
            let dataset = parse_dataset(file, &source.directory)?;
            if let Some(first) = paths.insert(dataset.id.clone(), &file.path) {
                return Err(LoadError::invalid(
                    &file.path,
                    "id",
                    format!(
                        "dataset id {:?} is already used by {first}; give each dataset its own id",
                        dataset.id
                    ),
                ));
            }
            datasets.push(dataset);
        }
        Ok(Catalog::new(datasets))
    }
}

/// Parses and validates one `forecast.toml`. `directory` is the dataset id when the file sets none.
pub fn parse_dataset(file: &DataFile, directory: &str) -> Result<Dataset, LoadError> {
    let raw: RawDataset =
        toml::from_str(&file.text).map_err(|e| LoadError::from_toml(&file.path, &file.text, &e))?;
    Checker { path: &file.path }.dataset(raw, directory, content_hash(&file.text))
}

/// Validation with the file's path at hand for error messages.
struct Checker<'a> {
    path: &'a str,
}

impl Checker<'_> {
    fn fail(&self, field: impl std::fmt::Display, reason: impl std::fmt::Display) -> LoadError {
        LoadError::invalid(self.path, field, reason)
    }

    fn enumeration<T: Copy>(
        &self,
        field: &str,
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

    fn year(&self, field: &str, year: i64) -> Result<i32, LoadError> {
        i32::try_from(year)
            .ok()
            .filter(|y| (MIN_YEAR..=MAX_YEAR).contains(y))
            .ok_or_else(|| self.fail(field, format!("{year} is outside {MIN_YEAR}..={MAX_YEAR}")))
    }

    fn finite(&self, field: &str, value: f64) -> Result<f64, LoadError> {
        if value.is_finite() {
            Ok(value)
        } else {
            Err(self.fail(field, format!("{value} is not a finite number")))
        }
    }

    fn resolution(&self, field: &str, value: f64) -> Result<f64, LoadError> {
        if value.is_finite() && value >= 0.0 {
            Ok(value)
        } else {
            Err(self.fail(
                field,
                format!(
                    "{value} is not a rounding step; use a finite number >= 0 (0 when unknown)"
                ),
            ))
        }
    }

    fn id(&self, field: &str, id: &str) -> Result<(), LoadError> {
        if is_valid_id(id) {
            Ok(())
        } else {
            Err(self.fail(
                field,
                format!(
                    "{id:?} is not a valid id; use 1 to 63 lowercase letters, digits and '-', \
                     not starting with '-'"
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
        let id = match raw.id {
            Some(id) => {
                self.id("id", &id)?;
                id
            }
            None => {
                if !is_valid_id(directory) {
                    return Err(self.fail(
                        "id",
                        format!(
                            "is not set and the directory name {directory:?} is not a valid id; \
                             set id to 1 to 63 lowercase letters, digits and '-'"
                        ),
                    ));
                }
                directory.to_owned()
            }
        };
        let year = self.year("year", raw.year)?;
        let info = DatasetInfo {
            title_zh_hans: raw.title_zh_hans,
            title_en: raw.title_en,
            publisher: raw.publisher,
            year,
            currency: raw.currency,
            source_document: raw.source_document,
            source_language_code: raw.source_language_code,
            notice_zh_hans: raw.notice_zh_hans,
            notice_en: raw.notice_en,
        };
        let mut series = Vec::with_capacity(raw.series.len());
        let mut positions: HashMap<String, usize> = HashMap::with_capacity(raw.series.len());
        for (i, raw_series) in raw.series.into_iter().enumerate() {
            let s = self.series(i, raw_series)?;
            if let Some(first) = positions.insert(s.id.clone(), i) {
                return Err(self.fail(
                    format!("series[{i}].id"),
                    format!(
                        "{:?} is already defined by series[{first}]; ids must be unique",
                        s.id
                    ),
                ));
            }
            series.push(s);
        }
        self.link_components(&mut series, &positions)?;
        Ok(Dataset::new(id, info, version, series))
    }

    fn series(&self, i: usize, raw: RawSeries) -> Result<Series, LoadError> {
        let at = format!("series[{i}]");
        self.id(&format!("{at}.id"), &raw.id)?;
        let unit = self.enumeration(&format!("{at}.unit"), &raw.unit, &Unit::NAMES)?;
        if raw.observations.is_empty() {
            return Err(self.fail(
                format!("{at}.observations"),
                "is empty; a series needs at least one stated observation",
            ));
        }
        let mut observations = Vec::with_capacity(raw.observations.len());
        let mut years: HashMap<i32, usize> = HashMap::with_capacity(raw.observations.len());
        for (j, o) in raw.observations.into_iter().enumerate() {
            let obs = self.observation(&format!("{at}.observations[{j}]"), o, unit, &raw.source)?;
            if let Some(first) = years.insert(obs.year, j) {
                return Err(self.fail(
                    format!("{at}.observations[{j}].year"),
                    format!(
                        "{} is already stated by observations[{first}]; one observation per year",
                        obs.year
                    ),
                ));
            }
            observations.push(obs);
        }
        observations.sort_by_key(|o| o.year);
        let stated_rates = raw
            .stated_rates
            .into_iter()
            .enumerate()
            .map(|(j, r)| self.rate(&format!("{at}.stated_rates[{j}]"), r, &raw.source))
            .collect::<Result<_, _>>()?;
        for (j, component) in raw.components.iter().enumerate() {
            self.id(&format!("{at}.components[{j}]"), component)?;
        }
        Ok(Series {
            id: raw.id,
            title_zh_hans: raw.title_zh_hans,
            title_en: raw.title_en,
            unit,
            parent: None,
            components: raw.components,
            stated_rates,
            observations,
            source: raw.source,
            note: raw.note,
        })
    }

    fn observation(
        &self,
        at: &str,
        raw: RawObservation,
        unit: Unit,
        series_source: &str,
    ) -> Result<Observation, LoadError> {
        let year = self.year(&format!("{at}.year"), raw.year)?;
        let value = self.finite(&format!("{at}.value"), raw.value)?;
        let qualifier = self.enumeration(
            &format!("{at}.qualifier"),
            &raw.qualifier,
            &Qualifier::NAMES,
        )?;
        let kind = self.enumeration(&format!("{at}.kind"), &raw.kind, &Kind::NAMES)?;
        let resolution = self.resolution(&format!("{at}.resolution"), raw.resolution)?;
        Ok(Observation {
            year,
            value,
            unit,
            qualifier,
            kind,
            provenance: Provenance::Reported,
            method: String::new(),
            source: raw.source.unwrap_or_else(|| series_source.to_owned()),
            resolution,
            note: raw.note,
            quote: raw.quote,
            range: Range::of(value, qualifier, resolution),
        })
    }

    fn rate(&self, at: &str, raw: RawRate, series_source: &str) -> Result<StatedRate, LoadError> {
        let rate_kind =
            self.enumeration(&format!("{at}.rate_kind"), &raw.rate_kind, &RateKind::NAMES)?;
        let value = self.finite(&format!("{at}.value"), raw.value)?;
        if value <= -1.0 {
            return Err(self.fail(
                format!("{at}.value"),
                format!(
                    "{value} is not a rate; a rate is a fraction above -1 (-0.9 is a tenfold fall)"
                ),
            ));
        }
        let start_year = raw
            .start_year
            .map(|y| self.year(&format!("{at}.start_year"), y))
            .transpose()?;
        let end_year = raw
            .end_year
            .map(|y| self.year(&format!("{at}.end_year"), y))
            .transpose()?;
        match (start_year, end_year, rate_kind) {
            (Some(start), Some(end), _) if start >= end => {
                return Err(self.fail(
                    format!("{at}.end_year"),
                    format!("{end} is not after start_year {start}"),
                ));
            }
            (Some(_), Some(_), _) | (None, None, RateKind::AnnualChange) => {}
            (None, _, RateKind::Cagr) | (_, None, RateKind::Cagr) => {
                return Err(self.fail(
                    format!("{at}.start_year"),
                    "a CAGR needs both start_year and end_year",
                ));
            }
            (Some(_), None, RateKind::AnnualChange) | (None, Some(_), RateKind::AnnualChange) => {
                return Err(self.fail(
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
            qualifier: self.enumeration(
                &format!("{at}.qualifier"),
                &raw.qualifier,
                &Qualifier::NAMES,
            )?,
            kind: self.enumeration(&format!("{at}.kind"), &raw.kind, &Kind::NAMES)?,
            source: raw.source.unwrap_or_else(|| series_source.to_owned()),
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
                    return Err(self.fail(
                        field,
                        format!("names series {component:?}, which this dataset does not define"),
                    ));
                };
                if let Some(other) = parent_of[c] {
                    return Err(self.fail(
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
                    return Err(self.fail(
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
                        return Err(self.fail(
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
    fn rejects(body: &str, field: &str, reason: &str) {
        match load(body) {
            Err(LoadError::Invalid {
                field: f,
                reason: r,
                path,
            }) => {
                assert_eq!(path, "t/forecast.toml");
                assert_eq!(f, field, "reason: {r}");
                assert!(r.contains(reason), "{reason:?} not in {r:?}");
            }
            other => panic!("expected Invalid at {field}, got {other:?}"),
        }
    }

    #[test]
    fn builtin_file_loads() {
        let files = crate::data::builtin();
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
    fn rejects_bad_values_and_enums() {
        rejects(
            &series("s", "", &obs(2024, "nan")),
            "series[0].observations[0].value",
            "finite",
        );
        rejects(
            &series("s", "", &obs(2024, "inf")),
            "series[0].observations[0].value",
            "finite",
        );
        rejects(
            &series("s", "", &obs(1800, "1.0")),
            "series[0].observations[0].year",
            "1900..=2200",
        );
        let bad_unit = series("s", "", &obs(2024, "1.0")).replace("usd-billion", "furlongs");
        rejects(&bad_unit, "series[0].unit", "\"furlongs\" is not valid");
        let bad_qualifier = series("s", "", &obs(2024, "1.0")).replace("\"exact\"", "\"roughly\"");
        rejects(
            &bad_qualifier,
            "series[0].observations[0].qualifier",
            "roughly",
        );
        let bad_kind = series("s", "", &obs(2024, "1.0")).replace("\"actual\"", "\"guess\"");
        rejects(&bad_kind, "series[0].observations[0].kind", "guess");
        let bad_resolution = series("s", "", &obs(2024, "1.0")).replace("0.1", "-1.0");
        rejects(
            &bad_resolution,
            "series[0].observations[0].resolution",
            "rounding step",
        );
        rejects(
            &series("s", "", ""),
            "series[0].observations",
            "at least one",
        );
    }

    #[test]
    fn rejects_duplicates_and_bad_ids() {
        let dup_year = series(
            "s",
            "",
            &format!("{}{}", obs(2024, "1.0"), obs(2024, "2.0")),
        );
        rejects(
            &dup_year,
            "series[0].observations[1].year",
            "already stated by observations[0]",
        );
        let dup_series = format!(
            "{}{}{}",
            series("a", "", &obs(2024, "1.0")),
            series("s", "", &obs(2024, "1.0")),
            series("s", "", &obs(2024, "1.0"))
        );
        rejects(&dup_series, "series[2].id", "already defined by series[1]");
        rejects(
            &series("Bad_Id", "", &obs(2024, "1.0")),
            "series[0].id",
            "not a valid id",
        );
        rejects(
            &format!("id = \"-x\"\n{}", series("s", "", &obs(2024, "1.0"))),
            "id",
            "not a valid id",
        );
    }

    #[test]
    fn rejects_inconsistent_components() {
        let missing = series("p", "components = [\"nope\"]", &obs(2024, "1.0"));
        rejects(&missing, "series[0].components[0]", "does not define");
        let two_parents = format!(
            "{}{}{}",
            series("p", "components = [\"c\"]", &obs(2024, "1.0")),
            series("q", "components = [\"c\"]", &obs(2024, "1.0")),
            series("c", "", &obs(2024, "0.5"))
        );
        rejects(
            &two_parents,
            "series[1].components[0]",
            "already a component of \"p\"",
        );
        let unit = format!(
            "{}{}",
            series("p", "components = [\"c\"]", &obs(2024, "1.0")),
            series("c", "", &obs(2024, "0.5")).replace("usd-billion", "fraction")
        );
        rejects(
            &unit,
            "series[0].components[0]",
            "share their parent's unit",
        );
        let cycle = format!(
            "{}{}",
            series("a", "components = [\"b\"]", &obs(2024, "1.0")),
            series("b", "components = [\"a\"]", &obs(2024, "1.0"))
        );
        rejects(&cycle, "series[0].components", "component of itself");
        let own = series("a", "components = [\"a\"]", &obs(2024, "1.0"));
        rejects(&own, "series[0].components", "component of itself");
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
        rejects(
            &rate("rate_kind = \"cagr\"\nvalue = -1.0\nstart_year = 2024\nend_year = 2029"),
            "series[0].stated_rates[0].value",
            "above -1",
        );
        rejects(
            &rate("rate_kind = \"cagr\"\nvalue = nan\nstart_year = 2024\nend_year = 2029"),
            "series[0].stated_rates[0].value",
            "finite",
        );
        rejects(
            &rate("rate_kind = \"cagr\"\nvalue = 0.5"),
            "series[0].stated_rates[0].start_year",
            "needs both",
        );
        rejects(
            &rate("rate_kind = \"cagr\"\nvalue = 0.5\nstart_year = 2029\nend_year = 2024"),
            "series[0].stated_rates[0].end_year",
            "not after",
        );
        rejects(
            &rate("rate_kind = \"speed\"\nvalue = 0.5"),
            "series[0].stated_rates[0].rate_kind",
            "speed",
        );
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
        };
        let no_file = DatasetFiles {
            directory: "words-only".to_owned(),
            forecast: None,
            taxonomy: None,
        };
        let catalog = Catalog::load(&[source("b", "b/f"), no_file, source("a", "a/f")]).unwrap();
        let ids: Vec<&str> = catalog.datasets().iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        let err = Catalog::load(&[source("a", "one/f"), source("a", "two/f")]).unwrap_err();
        match err {
            LoadError::Invalid {
                path,
                field,
                reason,
            } => {
                assert_eq!((path.as_str(), field.as_str()), ("two/f", "id"));
                assert!(reason.contains("already used by one/f"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_toml_and_unknown_fields_name_the_line() {
        let err = load("[[series]\n").unwrap_err();
        assert!(err.to_string().contains("line"), "{err}");
        let err = load(&series("s", "colour = \"red\"", &obs(2024, "1.0"))).unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
    }
}
