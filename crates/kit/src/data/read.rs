//! Reading `--data` directories: a dataset directory (its `manifest.toml` checked before its files
//! are parsed), or a directory of them.

use std::{
    borrow::Cow,
    fs, io,
    path::{Path, PathBuf},
};

use super::{
    edition::EditionMeta,
    files::{DataFile, DatasetFiles, FORECAST_FILE, LoadError, TAXONOMY_FILE},
    manifest::{self, MANIFEST_FILE},
};

/// The built-in dataset (when built in) followed by every dataset found under `dirs`.
pub fn all_sources(dirs: &[PathBuf]) -> Result<Vec<DatasetFiles>, LoadError> {
    let mut sources = Vec::new();
    #[cfg(feature = "builtin-data")]
    sources.push(super::files::builtin());
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

/// The data files of the dataset directory `dir`, unchecked; `None` when it holds neither data
/// file nor a manifest.
fn dataset_files(dir: &Path) -> Result<Option<DatasetFiles>, LoadError> {
    let forecast = read_optional(&dir.join(FORECAST_FILE))?;
    let taxonomy = read_optional(&dir.join(TAXONOMY_FILE))?;
    if forecast.is_none() && taxonomy.is_none() && !dir.join(MANIFEST_FILE).is_file() {
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
        edition: None,
    }))
}

/// The dataset directories of one `--data` directory, with their paths: the directory itself,
/// or its subdirectories that are dataset directories (in name order). A directory with neither
/// is an error, so a typo does not pass silently.
fn dataset_dirs(dir: &Path) -> Result<Vec<(PathBuf, DatasetFiles)>, LoadError> {
    let meta = fs::metadata(dir).map_err(|e| io_error(dir, e))?;
    if !meta.is_dir() {
        return Err(io_error(
            dir,
            io::Error::new(io::ErrorKind::InvalidInput, "not a directory"),
        ));
    }
    if let Some(files) = dataset_files(dir)? {
        return Ok(vec![(dir.to_path_buf(), files)]);
    }
    let mut children: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| io_error(dir, e))?
        .map(|entry| entry.map(|e| e.path()).map_err(|e| io_error(dir, e)))
        .collect::<Result<_, _>>()?;
    children.sort();
    let mut found = Vec::new();
    for child in children.into_iter().filter(|p| p.is_dir()) {
        if let Some(files) = dataset_files(&child)? {
            found.push((child, files));
        }
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

/// Reads one `--data` directory: a dataset directory, or a directory of dataset directories
/// (in name order), each checked against its `manifest.toml` before anything is parsed.
pub fn read_dir(dir: &Path) -> Result<Vec<DatasetFiles>, LoadError> {
    let mut found = dataset_dirs(dir)?;
    for (path, files) in &mut found {
        files.edition = manifest::check_dir(path, files)?;
    }
    Ok(found.into_iter().map(|(_, files)| files).collect())
}

/// Writes `manifest.toml` into every dataset directory of `dir` (the directory itself, or its
/// dataset subdirectories) for the data files they hold now; returns the manifests' paths. Each
/// names `edition` when given (only for a single dataset directory: editions differ), else the
/// edition its existing manifest names, if it names one.
pub fn write_manifests(
    dir: &Path,
    edition: Option<&EditionMeta>,
) -> Result<Vec<String>, LoadError> {
    let mut found = dataset_dirs(dir)?;
    if edition.is_some() && (found.len() != 1 || found[0].0 != dir) {
        return Err(LoadError::invalid(
            &dir.display().to_string(),
            "--edition",
            "names one edition: give it one dataset directory, not a directory of them",
        ));
    }
    for (path, files) in &mut found {
        files.edition = match edition {
            Some(edition) => Some(edition.clone()),
            None => manifest::existing_edition(path),
        };
    }
    let written = found
        .iter()
        .map(|(path, files)| manifest::write_dir(path, files));
    written.collect()
}

#[cfg(test)]
mod tests {
    use sysexits::ExitCode as Sysexit;

    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("llmarket-data-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn reads_a_dataset_dir_and_a_dir_of_them_with_their_manifests() {
        let root = temp_dir("nested");
        fs::create_dir_all(root.join("b")).unwrap();
        fs::create_dir_all(root.join("a")).unwrap();
        fs::write(root.join("b").join(FORECAST_FILE), "x").unwrap();
        fs::write(root.join("a").join(TAXONOMY_FILE), "y").unwrap();
        let written = write_manifests(&root, None).unwrap();
        assert_eq!(written.len(), 2, "{written:?}");
        let found = read_dir(&root).unwrap();
        let names: Vec<_> = found.iter().map(|f| f.directory.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        let single = read_dir(&root.join("b")).unwrap();
        assert_eq!(single.len(), 1);
        assert!(single[0].forecast.is_some() && single[0].taxonomy.is_none());
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_manifest_names_the_edition_given_and_keeps_it_when_rewritten() {
        let dir = temp_dir("edition");
        fs::write(dir.join(FORECAST_FILE), "a = 1\n").unwrap();
        let edition = EditionMeta::builtin();
        write_manifests(&dir, Some(&edition)).unwrap();
        assert_eq!(read_dir(&dir).unwrap()[0].edition.as_ref(), Some(&edition));
        fs::write(dir.join(FORECAST_FILE), "a = 2\n").unwrap();
        write_manifests(&dir, None).unwrap();
        assert_eq!(read_dir(&dir).unwrap()[0].edition.as_ref(), Some(&edition));

        let root = temp_dir("editions");
        fs::create_dir_all(root.join("a")).unwrap();
        fs::write(root.join("a").join(FORECAST_FILE), "a = 1\n").unwrap();
        let err = write_manifests(&root, Some(&edition)).unwrap_err();
        assert!(err.to_string().contains("one dataset directory"), "{err}");
        fs::remove_dir_all(dir).unwrap();
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_dataset_without_a_manifest_or_unlike_it_is_refused() {
        let dir = temp_dir("manifest");
        fs::write(dir.join(FORECAST_FILE), "a = 1\nb = 2\n").unwrap();
        let err = read_dir(&dir).unwrap_err();
        assert_eq!(err.exit_code(), Sysexit::DataErr);
        assert!(
            err.to_string().contains("llmarket-server data manifest"),
            "{err}"
        );

        write_manifests(&dir, None).unwrap();
        fs::write(dir.join(FORECAST_FILE), "a = 1\n").unwrap();
        let err = read_dir(&dir).unwrap_err();
        assert!(err.to_string().contains("incomplete or changed"), "{err}");

        fs::remove_file(dir.join(FORECAST_FILE)).unwrap();
        let err = read_dir(&dir).unwrap_err();
        assert!(
            err.to_string().contains("missing from the directory"),
            "{err}"
        );
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_builtin_data_is_a_source_exactly_when_built_in() {
        use super::super::files::{BUILTIN_DATASET, HAS_BUILTIN_DATA};
        let sources = all_sources(&[]).unwrap();
        assert_eq!(sources.len(), usize::from(HAS_BUILTIN_DATA));
        assert_eq!(
            sources.iter().any(|s| s.directory == BUILTIN_DATASET),
            cfg!(feature = "builtin-data")
        );
    }

    #[test]
    fn missing_and_empty_dirs_are_errors() {
        let err = read_dir(Path::new("/definitely/not/here")).unwrap_err();
        assert_eq!(err.exit_code(), Sysexit::IoErr);
        let empty = temp_dir("empty");
        let err = read_dir(&empty).unwrap_err();
        assert_eq!(err.exit_code(), Sysexit::DataErr);
        assert!(err.to_string().contains("holds no forecast.toml"), "{err}");
        fs::remove_dir_all(empty).unwrap();
    }
}
