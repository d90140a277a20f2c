//! The data a process serves, as files: one dataset's `forecast.toml` and `taxonomy.toml` with
//! the paths shown in errors, the built-in dataset compiled into the binary, and the error every
//! loader reports.

use std::{borrow::Cow, fmt, io, sync::Arc};

use arc_swap::ArcSwap;
use sysexits::ExitCode as Sysexit;

use super::edition::EditionMeta;

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
    /// The edition the files are, as the manifest names it; `None`: the one unnamed edition
    /// ([`EditionMeta::unnamed`]) of the dataset the files name.
    pub edition: Option<EditionMeta>,
}

impl DatasetFiles {
    /// Dataset `directory` with a taxonomy file and no forecast file.
    pub fn taxonomy_only(directory: &str, taxonomy: DataFile) -> Self {
        Self {
            directory: directory.to_owned(),
            forecast: None,
            taxonomy: Some(taxonomy),
            edition: None,
        }
    }

    /// Dataset `directory` with a forecast file and no taxonomy file.
    pub fn forecast_only(directory: &str, forecast: DataFile) -> Self {
        Self {
            directory: directory.to_owned(),
            forecast: Some(forecast),
            taxonomy: None,
            edition: None,
        }
    }
}

impl DataFile {
    /// A file whose `text` is held in memory (built, not read), shown as `path`.
    pub fn owned(path: impl Into<String>, text: String) -> Self {
        Self {
            path: path.into(),
            text: Cow::Owned(text),
        }
    }
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
    /// A file whose permissions let others change what it decides (e.g. an auth file every
    /// user may write).
    #[error("{path}: {reason}")]
    Permission {
        /// The file.
        path: String,
        /// Who may do what, and the command that fixes it.
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

    /// The process exit code for this error: 74 for I/O, 65 for bad data, 77 for permissions.
    pub fn exit_code(&self) -> Sysexit {
        match self {
            Self::Io { .. } => Sysexit::IoErr,
            Self::Invalid { .. } => Sysexit::DataErr,
            Self::Permission { .. } => Sysexit::NoPerm,
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
            text: Cow::Borrowed(include_str!(
                "../../../../server/data/cic-global-llm-2026/forecast.toml"
            )),
        }),
        taxonomy: Some(DataFile {
            path: format!("{DIR}/{TAXONOMY_FILE}"),
            text: Cow::Borrowed(include_str!(
                "../../../../server/data/cic-global-llm-2026/taxonomy.toml"
            )),
        }),
        edition: Some(EditionMeta::builtin()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_has_both_files() {
        let files = builtin();
        assert_eq!(files.directory, BUILTIN_DATASET);
        assert!(files.forecast.is_some_and(|f| !f.text.is_empty()));
        assert!(files.taxonomy.is_some_and(|f| !f.text.is_empty()));
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
