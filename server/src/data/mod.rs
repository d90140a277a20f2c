//! Where datasets come from: the built-in CIC report compiled into the binary, and directories
//! named by `--data`. This module only finds and reads files; each service parses and validates
//! the files it serves (`forecast.toml`, `taxonomy.toml`) and reports errors as [`LoadError`].
//!
//! A dataset directory holds `forecast.toml` and/or `taxonomy.toml`; a `--data` directory is either
//! one dataset directory or a directory of them. [`check`] holds the field checks both loaders
//! share.
//!
//! The built-in dataset is compiled in by the default-on `builtin-data` cargo feature. A build
//! without it (`--no-default-features`) carries no copy of the report and serves only `--data`
//! directories ([`HAS_BUILTIN_DATA`]).

pub mod changes;
pub mod check;

use std::{
    borrow::Cow,
    fmt, fs, io,
    path::{Path, PathBuf},
    sync::Arc,
};

use arc_swap::ArcSwap;

use llmarket_proto::exit;

/// Whether this build carries the built-in dataset (the `builtin-data` feature).
pub const HAS_BUILTIN_DATA: bool = cfg!(feature = "builtin-data");

/// Id of the built-in dataset.
pub const BUILTIN_DATASET: &str = "cic-global-llm-2026";

/// File name of a dataset's forecast data.
pub const FORECAST_FILE: &str = "forecast.toml";
/// File name of a dataset's taxonomy data.
pub const TAXONOMY_FILE: &str = "taxonomy.toml";

/// Data that readers share and that a reload replaces whole: readers take a snapshot with
/// `load()`, which takes no lock that they contend on.
pub type Shared<T> = Arc<ArcSwap<T>>;

/// One data file's text and where it came from.
#[derive(Debug, Clone)]
pub struct DataFile {
    /// The path shown in error messages (`built-in:…` for compiled-in files).
    pub path: String,
    /// The file's contents.
    pub text: Cow<'static, str>,
}

/// The files of one dataset.
#[derive(Debug, Clone)]
pub struct DatasetFiles {
    /// The directory name, used as the dataset id where a file does not set one.
    pub directory: String,
    /// `forecast.toml`, if present.
    pub forecast: Option<DataFile>,
    /// `taxonomy.toml`, if present.
    pub taxonomy: Option<DataFile>,
}

/// A data file that could not be read or is not valid. Nothing of a dataset is served when any of
/// its files fails to load.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A path that could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        source: io::Error,
    },
    /// A file that is malformed or inconsistent.
    #[error("{path}: {field}: {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// The field (or item) at fault, e.g. `series[2].observations[0].value`.
        field: String,
        /// What is wrong and what would be valid.
        reason: String,
    },
}

impl LoadError {
    /// An [`LoadError::Invalid`] for `field` of `path`.
    pub fn invalid(path: &str, field: impl fmt::Display, reason: impl fmt::Display) -> Self {
        Self::Invalid {
            path: path.to_owned(),
            field: field.to_string(),
            reason: reason.to_string(),
        }
    }

    /// Turns a TOML parse error into [`LoadError::Invalid`], with the line and column.
    pub fn from_toml(path: &str, text: &str, error: &toml::de::Error) -> Self {
        let location = error
            .span()
            .map(|span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                format!("line {line}, column {column}")
            })
            .unwrap_or_else(|| "file".to_owned());
        Self::invalid(path, location, error.message())
    }

    /// The process exit code for this error: 74 for I/O, 65 for bad data.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Io { .. } => exit::IO_ERR,
            Self::Invalid { .. } => exit::DATA_ERR,
        }
    }
}

/// The built-in CIC 灼识 Global Large Model Industry Report (in unit tests also when the build
/// leaves it out of the binary).
#[cfg(any(test, feature = "builtin-data"))]
pub fn builtin() -> DatasetFiles {
    const DIR: &str = "built-in:cic-global-llm-2026";
    DatasetFiles {
        directory: BUILTIN_DATASET.to_owned(),
        forecast: Some(DataFile {
            path: format!("{DIR}/{FORECAST_FILE}"),
            text: Cow::Borrowed(include_str!("../../data/cic-global-llm-2026/forecast.toml")),
        }),
        taxonomy: Some(DataFile {
            path: format!("{DIR}/{TAXONOMY_FILE}"),
            text: Cow::Borrowed(include_str!("../../data/cic-global-llm-2026/taxonomy.toml")),
        }),
    }
}

/// The built-in dataset (when built in) followed by every dataset found under `dirs`.
pub fn all_sources(dirs: &[PathBuf]) -> Result<Vec<DatasetFiles>, LoadError> {
    let mut sources = Vec::new();
    #[cfg(feature = "builtin-data")]
    sources.push(builtin());
    for dir in dirs {
        sources.extend(read_dir(dir)?);
    }
    Ok(sources)
}

fn io_error(path: &Path, source: io::Error) -> LoadError {
    LoadError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn read_optional(path: &Path) -> Result<Option<DataFile>, LoadError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(DataFile {
            path: path.display().to_string(),
            text: Cow::Owned(text),
        })),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path, e)),
    }
}

fn read_dataset_dir(dir: &Path) -> Result<Option<DatasetFiles>, LoadError> {
    let forecast = read_optional(&dir.join(FORECAST_FILE))?;
    let taxonomy = read_optional(&dir.join(TAXONOMY_FILE))?;
    if forecast.is_none() && taxonomy.is_none() {
        return Ok(None);
    }
    let directory = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| dir.display().to_string());
    Ok(Some(DatasetFiles {
        directory,
        forecast,
        taxonomy,
    }))
}

/// Reads one `--data` directory: a dataset directory, or a directory of dataset directories
/// (in name order). A directory with neither is an error, so a typo does not pass silently.
pub fn read_dir(dir: &Path) -> Result<Vec<DatasetFiles>, LoadError> {
    let meta = fs::metadata(dir).map_err(|e| io_error(dir, e))?;
    if !meta.is_dir() {
        return Err(io_error(
            dir,
            io::Error::new(io::ErrorKind::InvalidInput, "not a directory"),
        ));
    }
    if let Some(files) = read_dataset_dir(dir)? {
        return Ok(vec![files]);
    }
    let mut children: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| io_error(dir, e))?
        .map(|entry| entry.map(|e| e.path()).map_err(|e| io_error(dir, e)))
        .collect::<Result<_, _>>()?;
    children.sort();
    let mut found = Vec::new();
    for child in children.iter().filter(|p| p.is_dir()) {
        found.extend(read_dataset_dir(child)?);
    }
    if found.is_empty() {
        return Err(LoadError::invalid(
            &dir.display().to_string(),
            "directory",
            format!(
                "holds no {FORECAST_FILE} or {TAXONOMY_FILE}, nor dataset directories with them"
            ),
        ));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("llmarket-data-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn builtin_has_both_files() {
        let files = builtin();
        assert_eq!(files.directory, BUILTIN_DATASET);
        assert!(files.forecast.is_some_and(|f| !f.text.is_empty()));
        assert!(files.taxonomy.is_some_and(|f| !f.text.is_empty()));
    }

    #[test]
    fn the_builtin_data_is_a_source_exactly_when_built_in() {
        let sources = all_sources(&[]).unwrap();
        assert_eq!(sources.len(), usize::from(HAS_BUILTIN_DATA));
        assert_eq!(
            sources.iter().any(|s| s.directory == BUILTIN_DATASET),
            cfg!(feature = "builtin-data")
        );
    }

    #[test]
    fn reads_a_dataset_dir_and_a_dir_of_them() {
        let root = temp_dir("nested");
        fs::create_dir_all(root.join("b")).unwrap();
        fs::create_dir_all(root.join("a")).unwrap();
        fs::write(root.join("b").join(FORECAST_FILE), "x").unwrap();
        fs::write(root.join("a").join(TAXONOMY_FILE), "y").unwrap();
        let found = read_dir(&root).unwrap();
        let names: Vec<_> = found.iter().map(|f| f.directory.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        let single = read_dir(&root.join("b")).unwrap();
        assert_eq!(single.len(), 1);
        assert!(single[0].forecast.is_some() && single[0].taxonomy.is_none());
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn missing_and_empty_dirs_are_errors() {
        let err = read_dir(Path::new("/definitely/not/here")).unwrap_err();
        assert_eq!(err.exit_code(), exit::IO_ERR);
        let empty = temp_dir("empty");
        let err = read_dir(&empty).unwrap_err();
        assert_eq!(err.exit_code(), exit::DATA_ERR);
        assert!(err.to_string().contains("holds no forecast.toml"), "{err}");
        fs::remove_dir_all(empty).unwrap();
    }

    #[test]
    fn toml_errors_name_line_and_column() {
        let text = "a = 1\nb = \n";
        let error = toml::from_str::<toml::Table>(text).unwrap_err();
        let err = LoadError::from_toml("f.toml", text, &error);
        assert!(
            err.to_string().starts_with("f.toml: line 2, column"),
            "{err}"
        );
    }
}
