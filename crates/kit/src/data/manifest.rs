//! Dataset manifests and data versions.
//!
//! A dataset directory declares what it holds in `manifest.toml`: each data file with its size and
//! SHA-256, and (format 2) which edition of which dataset the files are ([`EditionMeta`]). The files are checked against it before they are parsed, so a truncated or half-copied
//! file that still parses is refused (and on a reload the old data stays). `llmarket-server data
//! manifest DIR` writes the manifest. The built-in dataset, compiled into the binary, needs none.
//!
//! The data version of a process is a short hash over every dataset it serves (ids, file names and
//! contents): two replicas report the same version exactly when they serve the same data.

use std::{borrow::Cow, collections::BTreeMap, fmt, fs, io, path::Path, sync::Arc};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use tonic::metadata::{Ascii, MetadataValue};

use super::{
    edition::EditionMeta,
    files::{DataFile, DatasetFiles, FORECAST_FILE, LoadError, TAXONOMY_FILE},
};

/// File name of a dataset directory's manifest.
pub const MANIFEST_FILE: &str = "manifest.toml";

/// The manifest format without an edition (still read and written).
const FORMAT_UNNAMED: u32 = 1;
/// The manifest format naming the edition the files are.
const FORMAT_EDITION: u32 = 2;

/// The command that writes a manifest, named in errors.
const WRITE_COMMAND: &str = "llmarket-server data manifest";

/// What a dataset directory holds: each data file by name, with its size and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The manifest format: 1 (files only) or 2 (with `edition`).
    pub format: u32,
    /// The edition the files are (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<EditionMeta>,
    /// The data files, by file name (`forecast.toml`, `taxonomy.toml`).
    pub files: BTreeMap<String, FileEntry>,
}

/// One data file in a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Its size in bytes.
    pub bytes: u64,
    /// Its SHA-256, as 64 lowercase hex digits.
    pub sha256: String,
}

impl FileEntry {
    /// The entry describing `contents`.
    pub fn of(contents: &[u8]) -> Self {
        Self {
            bytes: contents.len() as u64,
            sha256: hex(&Sha256::digest(contents)),
        }
    }
}

impl Manifest {
    /// The manifest of a dataset's files.
    pub fn describe(files: &DatasetFiles) -> Self {
        Self {
            format: if files.edition.is_some() {
                FORMAT_EDITION
            } else {
                FORMAT_UNNAMED
            },
            edition: files.edition.clone(),
            files: data_files(files)
                .map(|(name, file)| (name.to_owned(), FileEntry::of(file.text.as_bytes())))
                .collect(),
        }
    }

    /// The manifest as the TOML text of `manifest.toml`.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).unwrap_or_default();
        format!(
            "# What this dataset directory holds; the server refuses files that differ.\n\
             # Written by `{WRITE_COMMAND} DIR`: run it again after changing a file.\n{body}"
        )
    }

    /// Parses the text of `manifest.toml` at `path`.
    pub fn parse(path: &str, text: &str) -> Result<Self, LoadError> {
        let manifest: Self =
            toml::from_str(text).map_err(|e| LoadError::from_toml(path, text, &e))?;
        match (manifest.format, &manifest.edition) {
            (FORMAT_UNNAMED, None) => {}
            (FORMAT_EDITION, Some(edition)) => edition.check(path)?,
            (FORMAT_UNNAMED, Some(_)) => {
                return Err(LoadError::invalid(
                    path,
                    "format",
                    format!("is {FORMAT_UNNAMED}, which names no edition; use {FORMAT_EDITION}"),
                ));
            }
            (FORMAT_EDITION, None) => {
                return Err(LoadError::invalid(
                    path,
                    "edition",
                    format!("is missing: format {FORMAT_EDITION} names the edition"),
                ));
            }
            (format, _) => {
                return Err(LoadError::invalid(
                    path,
                    "format",
                    format!(
                        "is {format}; this server reads formats {FORMAT_UNNAMED} and \
                         {FORMAT_EDITION}"
                    ),
                ));
            }
        }
        Ok(manifest)
    }

    /// Checks that `files` are exactly the files this manifest (at `path`) declares, byte for byte.
    pub fn verify(&self, path: &str, files: &DatasetFiles) -> Result<(), LoadError> {
        let present: BTreeMap<&str, &DataFile> = data_files(files).collect();
        for (name, entry) in &self.files {
            let Some(file) = present.get(name.as_str()) else {
                return Err(LoadError::invalid(
                    path,
                    format!("files.\"{name}\""),
                    "is declared but missing from the directory",
                ));
            };
            let actual = FileEntry::of(file.text.as_bytes());
            if actual != *entry {
                return Err(LoadError::invalid(
                    &file.path,
                    "contents",
                    format!(
                        "differ from {MANIFEST_FILE} ({} bytes, sha256 {}…; the manifest says {} \
                         bytes, sha256 {}…): the file is incomplete or changed; if the change is \
                         meant, run `{WRITE_COMMAND}` again",
                        actual.bytes,
                        &actual.sha256[..12],
                        entry.bytes,
                        entry.sha256.get(..12).unwrap_or(&entry.sha256),
                    ),
                ));
            }
        }
        if let Some((name, file)) = present
            .iter()
            .find(|(name, _)| !self.files.contains_key(**name))
        {
            return Err(LoadError::invalid(
                &file.path,
                "file",
                format!("{name} is not declared in {path}; run `{WRITE_COMMAND}` again"),
            ));
        }
        Ok(())
    }
}

/// Reads and checks the manifest of the dataset directory `dir`, whose data files are `files`;
/// returns the edition it names, if any.
pub fn check_dir(dir: &Path, files: &DatasetFiles) -> Result<Option<EditionMeta>, LoadError> {
    let path = dir.join(MANIFEST_FILE);
    let shown = path.display().to_string();
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(LoadError::invalid(
                &dir.display().to_string(),
                MANIFEST_FILE,
                format!(
                    "is missing: a dataset directory must declare its files; write it with \
                     `{WRITE_COMMAND} {}`",
                    dir.display()
                ),
            ));
        }
        Err(source) => {
            return Err(LoadError::Io {
                path: shown,
                source,
            });
        }
    };
    let manifest = Manifest::parse(&shown, &text)?;
    manifest.verify(&shown, files)?;
    Ok(manifest.edition)
}

/// The edition the manifest of `dir` names, when it has a readable one that names one.
pub fn existing_edition(dir: &Path) -> Option<EditionMeta> {
    let path = dir.join(MANIFEST_FILE);
    let text = fs::read_to_string(&path).ok()?;
    Manifest::parse(&path.display().to_string(), &text)
        .ok()?
        .edition
}

/// Writes `manifest.toml` into the dataset directory `dir` for its data files; returns its path.
pub fn write_dir(dir: &Path, files: &DatasetFiles) -> Result<String, LoadError> {
    let path = dir.join(MANIFEST_FILE);
    let shown = path.display().to_string();
    fs::write(&path, Manifest::describe(files).to_toml()).map_err(|source| LoadError::Io {
        path: shown.clone(),
        source,
    })?;
    Ok(shown)
}

/// The version of the data a process serves: it changes exactly when a dataset is added, removed
/// or changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct DataVersion {
    text: String,
    /// The same version as a number (`text` is its 16 hex digits); 0 for the default version.
    number: u64,
    /// `text` as a header value, made once: every response carries it.
    header: Option<MetadataValue<Ascii>>,
    /// Each dataset's own version (by dataset id, in source order), for [`DataVersion::scoped`].
    parts: Arc<[(String, u64)]>,
}

impl DataVersion {
    /// The version of `sources`, in order.
    pub fn of(sources: &[DatasetFiles]) -> Self {
        let mut hasher = Sha256::new();
        for dataset in sources {
            for (name, file) in data_files(dataset) {
                for part in [
                    dataset.directory.as_bytes(),
                    name.as_bytes(),
                    file.text.as_bytes(),
                ] {
                    hasher.update((part.len() as u64).to_le_bytes());
                    hasher.update(part);
                }
            }
        }
        Self::from_digest(&hasher.finalize())
    }

    /// The version whose first 8 bytes of SHA-256 are those of `digest`.
    fn from_digest(digest: &[u8]) -> Self {
        let mut first = [0; 8];
        first.copy_from_slice(&digest[..8]);
        let text = hex(&first);
        Self {
            header: MetadataValue::try_from(text.as_str()).ok(),
            number: u64::from_be_bytes(first),
            text,
            parts: Arc::default(),
        }
    }

    /// The same version, knowing each source's own version under the dataset id its files
    /// serve (`parts`: dataset id and source), so that [`DataVersion::scoped`] can leave out
    /// datasets a caller may not read.
    pub fn with_parts<'a>(
        mut self,
        parts: impl IntoIterator<Item = (String, &'a DatasetFiles)>,
    ) -> Self {
        self.parts = parts
            .into_iter()
            .map(|(id, files)| (id, Self::of(std::slice::from_ref(files)).number))
            .collect();
        self
    }

    /// The version as a caller who may read the datasets `readable` accepts (by id) sees it:
    /// this one when it may read every dataset, else a version of those it may read only, so a
    /// change to data it cannot read changes nothing it is shown.
    pub fn scoped(&self, readable: impl Fn(&str) -> bool) -> Cow<'_, Self> {
        if self.header.is_none() || self.parts.iter().all(|(id, _)| readable(id)) {
            return Cow::Borrowed(self);
        }
        let mut hasher = Sha256::new();
        hasher.update(b"scoped");
        for (id, part) in self.parts.iter().filter(|(id, _)| readable(id)) {
            hasher.update((id.len() as u64).to_le_bytes());
            hasher.update(id.as_bytes());
            hasher.update(part.to_le_bytes());
        }
        Cow::Owned(Self::from_digest(&hasher.finalize()))
    }

    /// The version as text: 16 lowercase hex digits.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The version as a number, for keys; `None` for the default (empty) version, which data
    /// built in memory rather than read from files has.
    pub fn number(&self) -> Option<u64> {
        self.header.is_some().then_some(self.number)
    }

    /// The version as a response header value; `None` for the default (empty) version.
    pub fn header(&self) -> Option<&MetadataValue<Ascii>> {
        self.header.as_ref()
    }
}

impl fmt::Display for DataVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The data files present in a dataset, with their file names.
fn data_files(files: &DatasetFiles) -> impl Iterator<Item = (&'static str, &DataFile)> {
    [
        (FORECAST_FILE, files.forecast.as_ref()),
        (TAXONOMY_FILE, files.taxonomy.as_ref()),
    ]
    .into_iter()
    .filter_map(|(name, file)| file.map(|file| (name, file)))
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::data::files::builtin;

    fn dataset(forecast: &str) -> DatasetFiles {
        DatasetFiles {
            directory: "d".to_owned(),
            forecast: Some(DataFile {
                path: "d/forecast.toml".to_owned(),
                text: Cow::Owned(forecast.to_owned()),
            }),
            taxonomy: None,
            edition: None,
        }
    }

    #[test]
    fn a_written_manifest_reads_back_and_accepts_its_files() {
        let files = dataset("a = 1\n");
        let text = Manifest::describe(&files).to_toml();
        let manifest = Manifest::parse("m", &text).unwrap();
        assert_eq!(manifest, Manifest::describe(&files));
        manifest.verify("m", &files).unwrap();
    }

    #[test]
    fn a_manifest_names_the_edition_in_format_2() {
        let mut files = dataset("a = 1\n");
        files.edition = Some(EditionMeta::builtin());
        let text = Manifest::describe(&files).to_toml();
        assert!(
            text.contains("format = 2") && text.contains("published = \"2026\""),
            "{text}"
        );
        let manifest = Manifest::parse("m", &text).unwrap();
        assert_eq!(manifest.edition, Some(EditionMeta::builtin()));
        let bad = text.replace("id = \"2026\"", "id = \"Bad Id\"");
        let err = Manifest::parse("m", &bad).unwrap_err();
        assert!(err.to_string().contains("edition.id"), "{err}");
    }

    #[test]
    fn refuses_a_changed_a_missing_and_an_undeclared_file() {
        let manifest = Manifest::describe(&dataset("a = 1\nb = 2\n"));
        let cut = manifest.verify("m", &dataset("a = 1\n")).unwrap_err();
        assert!(cut.to_string().contains("incomplete or changed"), "{cut}");

        let none = DatasetFiles {
            forecast: None,
            ..dataset("")
        };
        let missing = manifest.verify("m", &none).unwrap_err();
        assert!(
            missing.to_string().contains("missing from the directory"),
            "{missing}"
        );

        let mut extra = dataset("a = 1\nb = 2\n");
        extra.taxonomy = extra.forecast.clone();
        let undeclared = manifest.verify("m", &extra).unwrap_err();
        assert!(
            undeclared.to_string().contains("not declared"),
            "{undeclared}"
        );
    }

    #[test]
    fn refuses_an_unknown_format_and_unknown_fields() {
        let err = Manifest::parse("m", "format = 3\n[files]\n").unwrap_err();
        assert!(err.to_string().contains("formats 1 and 2"), "{err}");
        let err = Manifest::parse("m", "format = 2\n[files]\n").unwrap_err();
        assert!(err.to_string().contains("names the edition"), "{err}");
        let unnamed = "format = 1\n[edition]\ndataset = \"d\"\nid = \"1\"\n[files]\n";
        assert!(Manifest::parse("m", unnamed).is_err());
        assert!(Manifest::parse("m", "format = 1\nextra = 1\n[files]\n").is_err());
    }

    #[test]
    fn the_version_follows_the_contents() {
        let same = DataVersion::of(&[builtin()]);
        assert_eq!(same, DataVersion::of(&[builtin()]));
        assert_eq!(same.as_str().len(), 16);
        let other = DataVersion::of(&[builtin(), dataset("a = 1\n")]);
        assert_ne!(same, other);
    }

    #[test]
    fn a_scoped_version_follows_only_the_datasets_read() {
        let version = |hidden: &str| {
            let sources = [builtin(), dataset(hidden)];
            DataVersion::of(&sources).with_parts([
                ("seen".to_owned(), &sources[0]),
                ("hidden".to_owned(), &sources[1]),
            ])
        };
        let (one, two) = (version("a = 1\n"), version("a = 2\n"));
        assert_ne!(
            one.as_str(),
            two.as_str(),
            "the whole version follows everything"
        );
        let seen = |id: &str| id == "seen";
        assert_eq!(one.scoped(seen).as_str(), two.scoped(seen).as_str());
        assert_ne!(one.scoped(seen).as_str(), one.as_str());
        assert_eq!(
            one.scoped(|_| true).as_str(),
            one.as_str(),
            "all read: the same"
        );
        assert_ne!(
            one.scoped(|id| id == "hidden").as_str(),
            two.scoped(|id| id == "hidden").as_str()
        );
        assert!(one.scoped(seen).header().is_some());
    }
}
