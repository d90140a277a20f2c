//! The commands that do their work and exit without serving: `token new`, `data manifest` and
//! `data import`, and how every command reports a failure (one line on stderr and an exit code).

use std::{
    fs, io,
    path::{Path, PathBuf},
    process::ExitCode,
};

use llmarket_forecast::{
    Catalog,
    import::{self, CsvFile, ImportError},
};
use llmarket_kit::{
    access::GRANT_FORMS,
    data::{self, DataFile, DatasetFiles, EditionMeta, FORECAST_FILE, TAXONOMY_FILE},
};
use sysexits::ExitCode as Sysexit;

use crate::{
    auth::{self, Grant},
    config::TokenCommand,
};

/// Prints `message` as the one error line and returns `code`.
pub fn fail(code: Sysexit, message: &str) -> ExitCode {
    eprintln!("llmarket-server: error: {message}");
    ExitCode::from(code)
}

/// `token new`: prints a new token on stdout, and the auth-file entry for it on stderr or
/// appended to `--append-to` (the token only once the entry is in).
pub fn token(action: &TokenCommand) -> ExitCode {
    match action {
        TokenCommand::New {
            principal,
            grants,
            append_to,
        } => {
            if !auth::principals::is_valid_name(principal) {
                return fail(
                    Sysexit::Usage,
                    &format!(
                        "--principal {principal:?} is not a valid name; use 1 to 63 of a-z 0-9 . _ -, starting with a letter or digit"
                    ),
                );
            }
            if grants.is_empty() {
                return fail(
                    Sysexit::Usage,
                    &format!(
                        "give at least one --grant, or the entry cannot be loaded; valid are {GRANT_FORMS}"
                    ),
                );
            }
            for grant in grants {
                if let Err(message) = Grant::parse(grant) {
                    return fail(Sysexit::Usage, &format!("--grant {message}"));
                }
            }
            let token = match auth::token::new_token() {
                Ok(token) => token,
                Err(e) => {
                    return fail(
                        Sysexit::IoErr,
                        &format!("cannot read the OS random source: {e}"),
                    );
                }
            };
            let digest = auth::token::TokenDigest::of(&token);
            let grants = grants
                .iter()
                .map(|g| format!("{g:?}"))
                .collect::<Vec<_>>()
                .join(", ");
            let entry = format!(
                "[[principal]]\nname = {principal:?}\ntokens = [\"{digest}\"]\ngrants = [{grants}]"
            );
            match append_to {
                None => eprintln!(
                    "# add to the auth file (the token is shown once and is not stored):\n{entry}"
                ),
                Some(path) => {
                    if let Err(e) = auth::principals::append_entry(path, &entry) {
                        return fail(e.exit_code(), &e.to_string());
                    }
                    eprintln!(
                        "added principal {principal:?} to {}; reload the servers (SIGHUP) to use it",
                        path.display()
                    );
                }
            }
            println!("{token}");
            ExitCode::SUCCESS
        }
    }
}

/// `llmarket-server data manifest DIR [--edition …]`: writes the manifests and prints their
/// paths.
pub fn write_manifests(dir: &std::path::Path, edition: Option<&data::EditionMeta>) -> ExitCode {
    match data::read::write_manifests(dir, edition) {
        Ok(paths) => {
            for path in paths {
                println!("wrote {path}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e.exit_code(), &e.to_string()),
    }
}

/// `llmarket-server data import FILE.csv… --base DIR --edition … --out DIR`: the new edition's
/// files into `out` (which must be new or empty) and their paths on stdout; what was imported on
/// stderr. Every problem of the CSV is one `FILE:LINE: …` line on stderr, and nothing is written.
pub fn import_edition(
    files: &[PathBuf],
    base: &Path,
    edition: &EditionMeta,
    out: &Path,
) -> ExitCode {
    match fs::read_dir(out).map(|mut entries| entries.next().is_some()) {
        Ok(true) => {
            return fail(
                Sysexit::CantCreat,
                &format!(
                    "--out {} is not empty; give a new or empty directory",
                    out.display()
                ),
            );
        }
        Ok(false) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return fail(Sysexit::CantCreat, &format!("--out {}: {e}", out.display())),
    }
    let base = match read_base(base) {
        Ok(base) => base,
        Err((code, message)) => return fail(code, &message),
    };
    let mut texts = Vec::with_capacity(files.len());
    for file in files {
        match fs::read(file).map(String::from_utf8) {
            Ok(Ok(text)) => texts.push((file.display().to_string(), text)),
            Ok(Err(_)) => {
                return fail(
                    Sysexit::DataErr,
                    &format!("{}: is not UTF-8 text", file.display()),
                );
            }
            Err(e) => {
                let code = if e.kind() == io::ErrorKind::NotFound {
                    Sysexit::NoInput
                } else {
                    Sysexit::IoErr
                };
                return fail(code, &format!("cannot read {}: {e}", file.display()));
            }
        }
    }
    let csv: Vec<CsvFile<'_>> = texts
        .iter()
        .map(|(path, text)| CsvFile { path, text })
        .collect();
    let Some(forecast) = &base.forecast else {
        return fail(
            Sysexit::NoInput,
            &format!("the base edition has no {FORECAST_FILE}"),
        );
    };
    let imported = match import::import(forecast, &csv, edition) {
        Ok(imported) => imported,
        Err(ImportError::Csv(errors)) => {
            for error in &errors {
                eprintln!("{error}");
            }
            return fail(
                Sysexit::DataErr,
                &format!(
                    "{} problem(s) in the CSV (listed above); nothing was written",
                    errors.len()
                ),
            );
        }
        Err(ImportError::Base(e) | ImportError::Edition(e)) => {
            return fail(e.exit_code(), &format!("{e}; nothing was written"));
        }
    };
    if let Err(message) = write_edition(out, &imported.forecast_toml, base.taxonomy.as_ref()) {
        return fail(Sysexit::CantCreat, &message);
    }
    let written = match data::read::write_manifests(out, Some(edition)) {
        Ok(written) => written,
        Err(e) => return fail(e.exit_code(), &e.to_string()),
    };
    // The directory loads as the server loads it, or the command fails.
    if let Err(e) = data::read_dir(out).and_then(|sources| Catalog::load(&sources)) {
        return fail(
            e.exit_code(),
            &format!("the written edition does not load: {e}"),
        );
    }
    eprintln!("{}", imported.summary);
    for name in [FORECAST_FILE, TAXONOMY_FILE] {
        if out.join(name).exists() {
            println!("wrote {}", out.join(name).display());
        }
    }
    for path in written {
        println!("wrote {path}");
    }
    ExitCode::SUCCESS
}

/// The base edition's files: the built-in report (`builtin`), or a dataset directory's
/// `forecast.toml` and `taxonomy.toml`, checked against its manifest when it has one.
fn read_base(base: &Path) -> Result<DatasetFiles, (Sysexit, String)> {
    if base == Path::new("builtin") {
        #[cfg(feature = "builtin-data")]
        return Ok(data::builtin());
        #[cfg(not(feature = "builtin-data"))]
        return Err((
            Sysexit::Usage,
            "--base builtin: this build has no built-in data; give a dataset directory".to_owned(),
        ));
    }
    let read = |name: &str| -> Result<Option<DataFile>, (Sysexit, String)> {
        let path = base.join(name);
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Some(DataFile::owned(path.display().to_string(), text))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err((
                Sysexit::IoErr,
                format!("cannot read {}: {e}", path.display()),
            )),
        }
    };
    let forecast = read(FORECAST_FILE)?.ok_or_else(|| {
        (
            Sysexit::NoInput,
            format!(
                "--base {}: has no {FORECAST_FILE}; give the directory of the edition to revise",
                base.display()
            ),
        )
    })?;
    let directory = base
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let mut files = DatasetFiles::forecast_only(&directory, forecast);
    files.taxonomy = read(TAXONOMY_FILE)?;
    if base.join(data::manifest::MANIFEST_FILE).exists() {
        data::manifest::check_dir(base, &files).map_err(|e| (e.exit_code(), e.to_string()))?;
    }
    Ok(files)
}

/// Writes `forecast.toml` and a copy of the base's `taxonomy.toml` (if it has one) into `out`.
fn write_edition(out: &Path, forecast: &str, taxonomy: Option<&DataFile>) -> Result<(), String> {
    let write = |name: &str, text: &str| {
        let path = out.join(name);
        fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    write(FORECAST_FILE, forecast)?;
    if let Some(taxonomy) = taxonomy {
        write(TAXONOMY_FILE, &taxonomy.text)?;
    }
    Ok(())
}
