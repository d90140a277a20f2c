//! Where datasets come from: the built-in CIC report compiled into the binary, and directories
//! named by `--data`. This module only finds and reads files; each service parses and validates
//! the files it serves (`forecast.toml`, `taxonomy.toml`) and reports errors as [`LoadError`].
//!
//! A dataset directory holds `forecast.toml` and/or `taxonomy.toml`; a `--data` directory is either
//! one dataset directory or a directory of them.
//!
//! Modules: [`files`] (data files, the built-in dataset, [`LoadError`]), [`read`] (`--data`
//! directories), [`manifest`] (what a directory declares it holds, and the data version),
//! [`check`] (the field checks both loaders share), [`changes`] (what a reload changed). The
//! server binary watches the `--data` directories and reloads.
//!
//! The built-in dataset (its files are in `server/data/`) is compiled in by the `builtin-data`
//! cargo feature, which the server turns on by default. A build
//! without it (`--no-default-features`) carries no copy of the report and serves only `--data`
//! directories ([`HAS_BUILTIN_DATA`]).

pub mod changes;
pub mod check;
pub mod edition;
pub mod files;
pub mod manifest;
pub mod read;

pub use self::{
    edition::{EditionMeta, PublishDate},
    files::{
        BUILTIN_DATASET, DataFile, DatasetFiles, FORECAST_FILE, HAS_BUILTIN_DATA, LoadError,
        Shared, TAXONOMY_FILE,
    },
    manifest::DataVersion,
    read::{all_sources, read_dir},
};

#[cfg(any(test, feature = "builtin-data"))]
pub use self::files::builtin;
