//! A new edition from the tidy CSV `llmarket --format csv` writes (`llmarket-server data
//! import`): the base edition's `forecast.toml` keeps its dataset metadata and series
//! definitions, the CSV gives the stated values.
//!
//! Only stated values are imported: rows with provenance `reported` become observations
//! (`value`) or stated rates (`cagr`, `annual_change`), with their qualifier, kind, source, note
//! and quote, and the rounding step their interval stands for. Derived rows are counted and
//! left out: derived values are computed from stated ones and never stored. A series whose
//! values the CSV shows (any `value` row) takes its observations from the CSV; one whose rates
//! it shows (any `cagr`, `multiple` or `annual_change` row) takes its stated rates from it; what
//! the CSV does not show is kept from the base. Every problem of every file is reported at once,
//! each at its file and line ([`RowError`]), and nothing is built when there is one.

mod row;

use std::{collections::BTreeMap, fmt};

use llmarket_kit::data::{DataFile, EditionMeta, LoadError};
// The columns `llmarket --format csv` writes for values, in order, and the citation columns it
// may add after them, which the import ignores.
use llmarket_proto::csv::{CITATION_COLUMNS, VALUE_COLUMNS as COLUMNS};

use self::row::{Checked, CsvRow, Measure, SeriesInfo, Stated};
use crate::load::{RawDataset, RawObservation, RawRate, RawSeries, parse_dataset};

/// One CSV file to import: its path (as shown in errors) and its text.
#[derive(Debug, Clone, Copy)]
pub struct CsvFile<'a> {
    /// The path shown in errors.
    pub path: &'a str,
    /// The file's contents.
    pub text: &'a str,
}

/// One problem with the CSV, at a line of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The file.
    pub path: String,
    /// The line the record starts on (1: the header).
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.message)
    }
}

/// Why no edition was built.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The base edition's `forecast.toml` does not load.
    #[error("the base edition: {0}")]
    Base(LoadError),
    /// The CSV has problems: every one, in file and line order.
    #[error("{} problem(s) in the CSV; nothing was written", .0.len())]
    Csv(Vec<RowError>),
    /// The edition the CSV makes does not load (a check the rows alone cannot make).
    #[error("the new edition would not load: {0}")]
    Edition(LoadError),
}

/// A new edition's `forecast.toml`, and what went into it.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The text of `forecast.toml`.
    pub forecast_toml: String,
    /// What the import took from the CSV and the base.
    pub summary: Summary,
}

/// What an import took from the CSV and what it kept from the base.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Stated values and rates taken from the CSV.
    pub stated: usize,
    /// Of those, how many differ from the base's value of the same year (or span).
    pub changed: usize,
    /// Of those, how many the base has no value of that year (or span) for.
    pub added: usize,
    /// Stated values and rates of the base that the CSV shows the series of but leaves out.
    pub removed: usize,
    /// Derived rows, left out.
    pub derived_skipped: usize,
    /// Series (or their rates) the CSV does not show, kept as the base states them.
    pub kept_from_base: Vec<String>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "imported {} stated value(s) ({} changed from the base, {} added, {} removed); \
             left out {} derived row(s): derived values are computed from stated ones, never \
             stored",
            self.stated, self.changed, self.added, self.removed, self.derived_skipped
        )?;
        if !self.kept_from_base.is_empty() {
            write!(
                f,
                "; kept from the base (not in the CSV): {}",
                self.kept_from_base.join(", ")
            )?;
        }
        Ok(())
    }
}

/// Builds the `forecast.toml` of `edition` from the base edition's `base` and the stated values
/// of `files`. The new file's dataset id is `DATASET-EDITION` and its year the publication's.
pub fn import(
    base: &DataFile,
    files: &[CsvFile<'_>],
    edition: &EditionMeta,
) -> Result<Imported, ImportError> {
    // The base must load; its raw form is what the new file is written from.
    let dataset = parse_dataset(base, "base").map_err(ImportError::Base)?;
    let mut raw: RawDataset = toml::from_str(&base.text)
        .map_err(|e| ImportError::Base(LoadError::from_toml(&base.path, &base.text, &e)))?;
    let info = |id: &str| {
        dataset.get(id).map(|s| SeriesInfo {
            unit: s.unit,
            source: s.source.clone(),
        })
    };
    let (rows, mut errors, derived_skipped) = read_rows(files, info);
    let mut summary = Summary {
        derived_skipped,
        ..Summary::default()
    };
    // A series left without a stated value is only worth saying once its rows read well (a
    // stated row with an error is not among `rows`).
    let mut series_errors = Vec::new();
    for series in &mut raw.series {
        let mine: Vec<&(At, Checked)> =
            rows.iter().filter(|(_, r)| r.series == series.id).collect();
        revise(series, &mine, &mut summary, &mut series_errors);
    }
    if errors.is_empty() {
        errors = series_errors;
    }
    if !errors.is_empty() {
        // In the order the files were given, then by line.
        let file = |e: &RowError| files.iter().position(|f| f.path == e.path);
        errors.sort_by_key(|e| (file(e), e.line));
        return Err(ImportError::Csv(errors));
    }
    raw.id = Some(format!("{}-{}", edition.dataset, edition.id));
    if let Some(published) = edition.published {
        raw.year = published.year.into();
    }
    let text = format!(
        "# Edition {} of {}, written by `llmarket-server data import`\n# from {} and the stated \
         values of {}.\n# Derived values are not stored: the service computes them.\n\n{}",
        edition.id,
        edition.dataset,
        base.path,
        files.iter().map(|f| f.path).collect::<Vec<_>>().join(", "),
        toml::to_string(&raw).map_err(|e| ImportError::Edition(LoadError::invalid(
            "forecast.toml",
            "",
            e
        )))?
    );
    parse_dataset(&DataFile::owned("forecast.toml", text.clone()), "import")
        .map_err(ImportError::Edition)?;
    Ok(Imported {
        forecast_toml: text,
        summary,
    })
}

/// Gives `series` the stated values and rates of its rows `mine` where they show them (adding to
/// `summary` what changed), keeping the base's where they do not.
fn revise(
    series: &mut RawSeries,
    mine: &[&(At, Checked)],
    summary: &mut Summary,
    errors: &mut Vec<RowError>,
) {
    let stated = |rate: bool| {
        mine.iter()
            .filter(move |(_, r)| r.measure.is_rate() == rate)
            .filter_map(|(_, r)| r.stated.as_ref())
    };
    if let Some((first, _)) = mine.iter().find(|(_, r)| r.measure == Measure::Value) {
        let mut observations: Vec<RawObservation> = stated(false)
            .filter_map(|s| match s {
                Stated::Observation(o) => Some(o.clone()),
                Stated::Rate(_) => None,
            })
            .collect();
        if observations.is_empty() {
            errors.push(first.error(format!(
                "series {:?} has no stated value left (its value rows are all derived); a \
                 series needs at least one",
                series.id
            )));
        }
        observations.sort_by_key(|o| o.year);
        for o in &mut observations {
            // The base's Chinese note still fits a value the CSV leaves as it was.
            if let Some(old) = series.observations.iter().find(|b| b.year == o.year)
                && same_observation(old, o)
            {
                o.note_zh_hans.clone_from(&old.note_zh_hans);
            }
        }
        count(summary, &series.observations, &observations, |o| o.year);
        series.observations = observations;
    } else {
        summary
            .kept_from_base
            .push(format!("{} (values)", series.id));
    }
    if mine.iter().any(|(_, r)| r.measure.is_rate()) {
        let rates: Vec<RawRate> = stated(true)
            .filter_map(|s| match s {
                Stated::Rate(r) => Some(r.clone()),
                Stated::Observation(_) => None,
            })
            .collect();
        count(summary, &series.stated_rates, &rates, |r| {
            (r.rate_kind.clone(), r.start_year, r.end_year)
        });
        series.stated_rates = rates;
    } else if !series.stated_rates.is_empty() {
        summary
            .kept_from_base
            .push(format!("{} (rates)", series.id));
    }
}

/// Where a row is.
#[derive(Debug, Clone)]
struct At {
    path: String,
    line: u64,
}

impl At {
    fn error(&self, message: impl Into<String>) -> RowError {
        RowError {
            path: self.path.clone(),
            line: self.line,
            message: message.into(),
        }
    }
}

/// Reads every row of `files`: the checked rows, every problem, and how many derived rows there
/// were.
fn read_rows(
    files: &[CsvFile<'_>],
    series: impl Fn(&str) -> Option<SeriesInfo> + Copy,
) -> (Vec<(At, Checked)>, Vec<RowError>, usize) {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut derived = 0;
    // (series, measure, year) of each stated row, with where it was first given.
    let mut seen: BTreeMap<(String, Measure, Option<i32>), At> = BTreeMap::new();
    for file in files {
        let at = |line: u64| At {
            path: file.path.to_owned(),
            line,
        };
        // A spreadsheet may save a byte-order mark before the header: not part of its first name.
        let text = file.text.strip_prefix('\u{feff}').unwrap_or(file.text);
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let header = match reader.headers() {
            Ok(header) => header.clone(),
            Err(e) => {
                errors.push(at(1).error(format!("cannot read the header: {e}")));
                continue;
            }
        };
        let names: Vec<&str> = header.iter().collect();
        let with_edition: Vec<&str> = COLUMNS.iter().chain(&CITATION_COLUMNS).copied().collect();
        if names != COLUMNS && names != with_edition {
            errors.push(at(1).error(format!(
                "the header is not the one `llmarket --format csv` writes for values: expected \
                 {} (then optionally {}), found {}",
                COLUMNS.join(","),
                CITATION_COLUMNS.join(","),
                if names.iter().all(|n| n.is_empty()) {
                    "nothing".to_owned()
                } else {
                    names.join(",")
                }
            )));
            continue;
        }
        let mut record = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map_or(0, |p| line_of(text, p));
                    let fatal = matches!(e.kind(), csv::ErrorKind::Io(_));
                    errors.push(at(line).error(format!("cannot read the record: {e}")));
                    if fatal {
                        break;
                    }
                    continue;
                }
            }
            let here = at(record.position().map_or(0, |p| line_of(text, p)));
            if record.len() != header.len() {
                errors.push(here.error(format!(
                    "has {} field(s); the header has {}",
                    record.len(),
                    header.len()
                )));
                continue;
            }
            let csv_row: CsvRow = match record.deserialize(Some(&header)) {
                Ok(row) => row,
                Err(e) => {
                    errors.push(here.error(format!("cannot read the record: {e}")));
                    continue;
                }
            };
            let checked = match row::check(&csv_row, series) {
                Ok(checked) => checked,
                Err(problems) => {
                    errors.extend(problems.into_iter().map(|p| here.error(p)));
                    continue;
                }
            };
            if checked.stated.is_none() {
                derived += 1;
            } else {
                let key = (checked.series.clone(), checked.measure, checked.year);
                if let Some(first) = seen.get(&key) {
                    errors.push(here.error(format!(
                        "{} {} {} is given twice (first at {}:{}); keep one",
                        checked.series,
                        checked.measure.code(),
                        checked
                            .year
                            .map_or_else(|| "(no year)".to_owned(), |y| y.to_string()),
                        first.path,
                        first.line
                    )));
                    continue;
                }
                seen.insert(key, here.clone());
            }
            rows.push((here, checked));
        }
    }
    (rows, errors, derived)
}

/// The line a record at `position` starts on (1: the first), counted from its byte offset: the
/// reader's own line count is one short after a CRLF line end (the `\n` is read with the next
/// record), and the command writes CRLF. The offset may point at the previous record's line end
/// (or blank lines), which are skipped.
fn line_of(text: &str, position: &csv::Position) -> u64 {
    let start = usize::try_from(position.byte()).map_or(text.len(), |b| b.min(text.len()));
    let (before, after) = text.as_bytes().split_at(start);
    let skipped = after
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .filter(|b| **b == b'\n')
        .count();
    let newlines = before.iter().filter(|b| **b == b'\n').count() + skipped;
    1 + newlines as u64
}

/// Whether `new` states what `old` does (leaving aside the Chinese note, which the CSV lacks).
fn same_observation(old: &RawObservation, new: &RawObservation) -> bool {
    let mut old = old.clone();
    old.note_zh_hans.clear();
    // The base may name the series' own source; the import leaves it out.
    old.source.clone_from(&new.source);
    old == *new
}

/// Adds to `summary` how `new` differs from `old`, matching entries by `key`.
fn count<T: PartialEq, K: PartialEq>(
    summary: &mut Summary,
    old: &[T],
    new: &[T],
    key: impl Fn(&T) -> K,
) {
    summary.stated += new.len();
    for n in new {
        match old.iter().find(|o| key(o) == key(n)) {
            None => summary.added += 1,
            Some(o) if o != n => summary.changed += 1,
            Some(_) => {}
        }
    }
    summary.removed += old
        .iter()
        .filter(|o| !new.iter().any(|n| key(n) == key(o)))
        .count();
}

#[cfg(test)]
mod tests;
