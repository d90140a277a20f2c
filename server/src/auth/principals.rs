//! The principals file (`--auth-file`, TOML): who may call, how each proves it, what each may
//! read, and how fast. Validated whole at load; errors name the file, the principal and the field.
//!
//! ```toml
//! [[principal]]
//! name = "reports-api"
//! tokens = ["sha256:…"]                        # digests printed by `token new`
//! certificates = ["uri:spiffe://corp/reports-api"] # client-certificate SANs: dns:… or uri:…
//! grants = ["datasets/cic-global-llm-2026", "schemes/*", "milestones"]
//! quota = { calls_per_second = 50, burst = 100 } # optional
//! ```

use std::{collections::HashMap, path::Path, sync::Arc};

use serde::Deserialize;

use llmarket_kit::{
    access::{Grant, Grants, Principal, Quota},
    data::LoadError,
};

use super::token::TokenDigest;

/// Why a caller could not be authenticated. Messages say which credential to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unauthenticated {
    /// Neither a bearer token nor a client certificate.
    #[error(
        "no credentials: send `authorization: Bearer <token>` or connect with a client certificate"
    )]
    Missing,
    /// An `authorization` header that is not `Bearer <token>`.
    #[error("the authorization header is not `Bearer <token>`")]
    Malformed,
    /// A bearer token no principal holds (mistyped, or revoked).
    #[error(
        "the bearer token is not valid (mistyped or revoked); ask for a new one (`llmarket-server token new`)"
    )]
    UnknownToken,
    /// A verified client certificate whose names no principal lists.
    #[error(
        "the client certificate names no principal; list one of its names under `certificates` in the auth file, as `dns:NAME` for a DNS name or `uri:URI` for a URI"
    )]
    UnknownCertificate,
}

/// The principals of one auth file, indexed by credential.
#[derive(Debug, Default)]
pub struct Principals {
    principals: Vec<Arc<Principal>>,
    /// What each principal's entry says, by slot: a reload compares them.
    entries: Vec<EntrySummary>,
    by_token: HashMap<TokenDigest, usize>,
    by_certificate: HashMap<String, usize>,
}

/// A principal's entry as validated, order within each list aside: two loads that agree on it
/// describe the same principal, so a reload may keep its quota bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EntrySummary {
    name: String,
    tokens: Vec<String>,
    certificates: Vec<String>,
    grants: Vec<String>,
    /// The rate's bits and the burst: a changed quota is a new bucket.
    quota: Option<(u64, u32)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntries {
    #[serde(default)]
    principal: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    #[serde(default)]
    tokens: Vec<String>,
    #[serde(default)]
    certificates: Vec<String>,
    #[serde(default)]
    grants: Vec<String>,
    quota: Option<QuotaEntry>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuotaEntry {
    calls_per_second: f64,
    burst: u32,
}

/// Whether `name` is a valid principal name: 1 to 63 of `a-z 0-9 . _ -`, starting with a letter
/// or digit.
pub fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0].is_ascii_alphanumeric()
        && bytes.iter().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        })
}

/// A certificate name of the auth file, typed as [`Principals::authenticate`] matches it:
/// `dns:NAME` (a DNS subject alternative name) or `uri:URI` (a URI one). An untyped entry is
/// read as a URI when it holds a `:` (every URI has a scheme; no DNS name has a colon), else as a
/// DNS name. The error says what would be valid.
pub fn typed_certificate_name(text: &str) -> Result<String, String> {
    let (kind, value) = match text.split_once(':') {
        Some(("dns", value)) => ("dns", value),
        Some(("uri", value)) => ("uri", value),
        Some(_) => ("uri", text),
        None => ("dns", text),
    };
    let valid = !value.is_empty()
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && (kind == "uri" || !value.contains(':'));
    if valid {
        Ok(format!("{kind}:{value}"))
    } else {
        Err(format!(
            "{:?} is not a certificate name; give `dns:` and a DNS name or `uri:` and a URI (subject alternative names)",
            llmarket_kit::status::shorten(text, 80)
        ))
    }
}

impl Principals {
    /// Reads and validates the principals file at `path`; one every user may write is refused
    /// ([`LoadError::Permission`]): anyone on the host could add a principal to it.
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
            path: shown.clone(),
            source,
        })?;
        refuse_world_writable(path)?;
        Self::parse(&shown, &text)
    }

    /// Parses and validates a principals file's `text`; `path` is shown in errors.
    pub fn parse(path: &str, text: &str) -> Result<Self, LoadError> {
        let file: FileEntries =
            toml::from_str(text).map_err(|e| LoadError::from_toml(path, text, &e))?;
        if file.principal.is_empty() {
            return Err(LoadError::invalid(
                path,
                "principal",
                "declares no principal; add a [[principal]] table with a name, credentials and grants",
            ));
        }
        let mut principals = Self::default();
        for (index, entry) in file.principal.into_iter().enumerate() {
            principals.add(path, index, entry)?;
        }
        Ok(principals)
    }

    fn add(&mut self, path: &str, index: usize, entry: Entry) -> Result<(), LoadError> {
        let at = |field: &str| format!("principal[{index}] {:?}: {field}", entry.name);
        if !is_valid_name(&entry.name) {
            return Err(LoadError::invalid(
                path,
                format!("principal[{index}].name"),
                format!(
                    "{:?} is not a valid name; use 1 to 63 of a-z 0-9 . _ -, starting with a letter or digit",
                    llmarket_kit::status::shorten(&entry.name, 80)
                ),
            ));
        }
        if self.principals.iter().any(|p| p.name == entry.name) {
            return Err(LoadError::invalid(
                path,
                at("name"),
                "is declared twice; each principal once",
            ));
        }
        if entry.tokens.is_empty() && entry.certificates.is_empty() {
            return Err(LoadError::invalid(
                path,
                at("tokens"),
                "no credentials; add token digests (`llmarket-server token new`) or certificate names under `certificates`",
            ));
        }
        if entry.grants.is_empty() {
            return Err(LoadError::invalid(
                path,
                at("grants"),
                format!(
                    "is empty; grant at least one of {}",
                    llmarket_kit::access::GRANT_FORMS
                ),
            ));
        }
        let grants = entry
            .grants
            .iter()
            .enumerate()
            .map(|(i, g)| {
                Grant::parse(g)
                    .map_err(|e| LoadError::invalid(path, at(&format!("grants[{i}]")), e))
            })
            .collect::<Result<Grants, _>>()?;
        let quota = match entry.quota {
            None => None,
            Some(q) if !(q.calls_per_second.is_finite() && q.calls_per_second > 0.0) => {
                return Err(LoadError::invalid(
                    path,
                    at("quota.calls_per_second"),
                    format!("{} is not a rate above zero, e.g. 50", q.calls_per_second),
                ));
            }
            Some(q) if q.burst == 0 => {
                return Err(LoadError::invalid(
                    path,
                    at("quota.burst"),
                    "is 0; allow at least 1 call at once",
                ));
            }
            Some(q) => Some(Quota::new(q.calls_per_second, q.burst)),
        };
        let slot = self.principals.len();
        let mut summary = EntrySummary {
            name: entry.name.clone(),
            tokens: Vec::with_capacity(entry.tokens.len()),
            certificates: Vec::with_capacity(entry.certificates.len()),
            grants: entry.grants.clone(),
            quota: entry.quota.map(|q| (q.calls_per_second.to_bits(), q.burst)),
        };
        for (i, text) in entry.tokens.iter().enumerate() {
            let digest = TokenDigest::parse(text)
                .map_err(|e| LoadError::invalid(path, at(&format!("tokens[{i}]")), e))?;
            summary.tokens.push(digest.to_string());
            if self.by_token.insert(digest, slot).is_some() {
                return Err(LoadError::invalid(
                    path,
                    at(&format!("tokens[{i}]")),
                    "is listed twice; a token belongs to one principal",
                ));
            }
        }
        for (i, name) in entry.certificates.iter().enumerate() {
            let name = typed_certificate_name(name)
                .map_err(|e| LoadError::invalid(path, at(&format!("certificates[{i}]")), e))?;
            summary.certificates.push(name.clone());
            if self.by_certificate.insert(name, slot).is_some() {
                return Err(LoadError::invalid(
                    path,
                    at(&format!("certificates[{i}]")),
                    "is listed twice; a certificate name belongs to one principal",
                ));
            }
        }
        summary.tokens.sort_unstable();
        summary.certificates.sort_unstable();
        summary.grants.sort_unstable();
        self.entries.push(summary);
        self.principals
            .push(Arc::new(Principal::new(entry.name, grants, quota)));
        Ok(())
    }

    /// Takes over from `previous` (the principals in force before a reload) every principal
    /// whose entry did not change (name, token digests, certificate names, grants and quota,
    /// each list in any order), so its quota bucket carries on: a reload must not refill the
    /// bucket of a principal that is over its quota. A changed or new principal keeps the full
    /// bucket it was loaded with; a removed one is dropped with `previous`. Returns how many
    /// were taken over.
    pub fn keep_unchanged(&mut self, previous: &Self) -> usize {
        let mut kept = 0;
        for (slot, summary) in self.entries.iter().enumerate() {
            let same = previous
                .entries
                .iter()
                .position(|old| old == summary)
                .map(|old| &previous.principals[old]);
            if let Some(old) = same {
                self.principals[slot] = Arc::clone(old);
                kept += 1;
            }
        }
        kept
    }

    /// The principals, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Principal>> {
        self.principals.iter()
    }

    /// The principal a call's credentials name: its bearer token (the `authorization` header's
    /// value) if it sent one, else the first of its verified certificate names (typed, as
    /// [`typed_certificate_name`] writes them) that a principal lists.
    pub fn authenticate(
        &self,
        authorization: Option<&[u8]>,
        certificate_names: &[String],
    ) -> Result<&Arc<Principal>, Unauthenticated> {
        if let Some(value) = authorization {
            let token = bearer(value).ok_or(Unauthenticated::Malformed)?;
            let slot = self
                .by_token
                .get(&TokenDigest::of(token))
                .ok_or(Unauthenticated::UnknownToken)?;
            return Ok(&self.principals[*slot]);
        }
        if certificate_names.is_empty() {
            return Err(Unauthenticated::Missing);
        }
        certificate_names
            .iter()
            .find_map(|name| self.by_certificate.get(name))
            .map(|&slot| &self.principals[slot])
            .ok_or(Unauthenticated::UnknownCertificate)
    }
}

/// Appends `entry` (a `[[principal]]` table) to the auth file at `path`, only if the file still
/// loads with it (so a name declared twice or a broken file is refused and the file left as
/// it was). A missing file is created readable and writable by its owner only; one every user
/// may write is refused.
pub fn append_entry(path: &Path, entry: &str) -> Result<(), LoadError> {
    use std::io::Write as _;
    let shown = path.display().to_string();
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => {
            refuse_world_writable(path)?;
            text
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(LoadError::Io {
                path: shown,
                source,
            });
        }
    };
    let separator = if existing.is_empty() || existing.ends_with("\n\n") {
        ""
    } else if existing.ends_with('\n') {
        "\n"
    } else {
        "\n\n"
    };
    let addition = format!("{separator}{entry}\n");
    Principals::parse(&shown, &format!("{existing}{addition}"))?;
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let io = |source| LoadError::Io {
        path: shown.clone(),
        source,
    };
    let mut file = options.open(path).map_err(io)?;
    file.write_all(addition.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)
}

/// Refuses the auth file `path` when every user may write it, saying how to fix it.
pub fn refuse_world_writable(path: &Path) -> Result<(), LoadError> {
    match llmarket_serving::file_mode::world_writable(path) {
        None => Ok(()),
        Some(mode) => Err(LoadError::Permission {
            path: path.display().to_string(),
            reason: format!(
                "every user may write it (mode {mode:04o}), so anyone on the host could add a principal; make it writable by its owner only (`chmod go-w {}`)",
                path.display()
            ),
        }),
    }
}

/// The token of an `authorization: Bearer <token>` value (the scheme in any case).
fn bearer(value: &[u8]) -> Option<&str> {
    let value = std::str::from_utf8(value).ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(token: &str) -> String {
        TokenDigest::of(token).to_string()
    }

    fn file() -> String {
        format!(
            r#"
[[principal]]
name = "reports-api"
tokens = ["{}"]
certificates = ["spiffe://corp/reports-api", "reports.internal", "uri:urn:reports", "dns:api.internal"]
grants = ["datasets/cic-global-llm-2026", "schemes/industry"]
quota = {{ calls_per_second = 5, burst = 10 }}

[[principal]]
name = "analyst"
tokens = ["{}", "{}"]
grants = ["datasets/*", "schemes/*", "milestones"]
"#,
            digest("t-reports"),
            digest("t-analyst"),
            digest("t-analyst-2"),
        )
    }

    #[test]
    fn a_good_file_authenticates_by_token_and_by_certificate() {
        let principals = Principals::parse("auth.toml", &file()).unwrap();
        assert_eq!(principals.iter().count(), 2);
        type Case<'a> = (
            Option<&'a str>,
            &'a [&'a str],
            Result<&'a str, Unauthenticated>,
        );
        let cases: &[Case<'_>] = &[
            (Some("Bearer t-reports"), &[], Ok("reports-api")),
            (Some("bearer  t-analyst-2 "), &[], Ok("analyst")),
            (
                None,
                &["dns:other", "dns:reports.internal"],
                Ok("reports-api"),
            ),
            (None, &["uri:spiffe://corp/reports-api"], Ok("reports-api")),
            (None, &["uri:urn:reports"], Ok("reports-api")),
            (None, &["dns:api.internal"], Ok("reports-api")),
            // A name of the other type never matches: a URI SAN `reports.internal` is not the
            // DNS name listed.
            (
                None,
                &["uri:reports.internal"],
                Err(Unauthenticated::UnknownCertificate),
            ),
            (
                None,
                &["dns:urn:reports", "uri:api.internal"],
                Err(Unauthenticated::UnknownCertificate),
            ),
            (
                Some("Bearer t-analyst"),
                &["dns:reports.internal"],
                Ok("analyst"),
            ),
            (None, &[], Err(Unauthenticated::Missing)),
            (Some("Bearer nope"), &[], Err(Unauthenticated::UnknownToken)),
            (
                Some("Bearer nope"),
                &["dns:reports.internal"],
                Err(Unauthenticated::UnknownToken),
            ),
            (Some("Basic dXNlcg=="), &[], Err(Unauthenticated::Malformed)),
            (Some("Bearer"), &[], Err(Unauthenticated::Malformed)),
            (Some("t-reports"), &[], Err(Unauthenticated::Malformed)),
            (
                None,
                &["dns:REPORTS.internal"],
                Err(Unauthenticated::UnknownCertificate),
            ),
        ];
        for (authorization, names, expected) in cases {
            let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
            let got = principals
                .authenticate(authorization.map(str::as_bytes), &names)
                .map(|p| p.name.as_str());
            assert_eq!(got, *expected, "{authorization:?} {names:?}");
        }
    }

    #[test]
    fn certificate_names_are_typed_and_untyped_ones_read_by_their_colon() {
        let cases: &[(&str, Option<&str>)] = &[
            ("dns:a.internal", Some("dns:a.internal")),
            ("uri:spiffe://corp/a", Some("uri:spiffe://corp/a")),
            ("uri:a.internal", Some("uri:a.internal")),
            ("a.internal", Some("dns:a.internal")),
            ("spiffe://corp/a", Some("uri:spiffe://corp/a")),
            ("urn:x", Some("uri:urn:x")),
            ("dns:", None),
            ("uri:", None),
            ("", None),
            ("dns:a:b", None),
            ("a b", None),
            ("dns:a\tb", None),
        ];
        for (text, expected) in cases {
            let got = typed_certificate_name(text);
            match expected {
                Some(typed) => assert_eq!(got.as_deref(), Ok(*typed), "{text:?}"),
                None => assert!(got.unwrap_err().contains("`dns:`"), "{text:?}"),
            }
        }
    }

    #[test]
    fn bad_files_are_refused_naming_the_principal_and_field() {
        let good = digest("t");
        let cases: Vec<(String, &str)> = vec![
            ("[[principal]\n".into(), "auth.toml: line 1"),
            ("".into(), "declares no principal"),
            (
                "[[principal]]\nname = \"a\"\ntokens = []\ngrants = [\"milestones\"]\n".into(),
                "principal[0] \"a\": tokens: no credentials",
            ),
            (
                format!("[[principal]]\nname = \"a\"\ntokens = [\"{good}\"]\n"),
                "principal[0] \"a\": grants: is empty",
            ),
            (
                format!("[[principal]]\nname = \"a\"\ntokens = [\"{good}\"]\ngrants = [\"datasets/x\", \"all\"]\n"),
                "principal[0] \"a\": grants[1]: \"all\" is not a grant",
            ),
            (
                "[[principal]]\nname = \"a\"\ntokens = [\"plaintext\"]\ngrants = [\"milestones\"]\n".into(),
                "principal[0] \"a\": tokens[0]: \"plaintext\" is not a token digest",
            ),
            (
                format!("[[principal]]\nname = \"A b\"\ntokens = [\"{good}\"]\ngrants = [\"milestones\"]\n"),
                "principal[0].name: \"A b\" is not a valid name",
            ),
            (
                format!("[[principal]]\nname = \"a\"\ntokens = [\"{good}\"]\ngrants = [\"milestones\"]\n[[principal]]\nname = \"a\"\ncertificates = [\"x\"]\ngrants = [\"milestones\"]\n"),
                "principal[1] \"a\": name: is declared twice",
            ),
            (
                format!("[[principal]]\nname = \"a\"\ntokens = [\"{good}\"]\ngrants = [\"milestones\"]\n[[principal]]\nname = \"b\"\ntokens = [\"{good}\"]\ngrants = [\"milestones\"]\n"),
                "principal[1] \"b\": tokens[0]: is listed twice",
            ),
            (
                format!("[[principal]]\nname = \"a\"\ntokens = [\"{good}\"]\ngrants = [\"milestones\"]\nquota = {{ calls_per_second = 0, burst = 1 }}\n"),
                "principal[0] \"a\": quota.calls_per_second: 0 is not a rate above zero",
            ),
            (
                format!("[[principal]]\nname = \"a\"\ntokens = [\"{good}\"]\ngrants = [\"milestones\"]\nquota = {{ calls_per_second = 1, burst = 0 }}\n"),
                "principal[0] \"a\": quota.burst: is 0",
            ),
            (
                format!("[[principal]]\nname = \"a\"\ntoken = [\"{good}\"]\ngrants = [\"milestones\"]\n"),
                "unknown field `token`",
            ),
            (
                "[[principal]]\nname = \"a\"\ncertificates = [\"x.internal\", \"dns:x.internal\"]\ngrants = [\"milestones\"]\n".into(),
                "principal[0] \"a\": certificates[1]: is listed twice",
            ),
            (
                "[[principal]]\nname = \"a\"\ncertificates = [\"dns:a:b\"]\ngrants = [\"milestones\"]\n".into(),
                "principal[0] \"a\": certificates[0]: \"dns:a:b\" is not a certificate name",
            ),
        ];
        for (text, expected) in cases {
            let error = Principals::parse("auth.toml", &text).unwrap_err();
            let message = error.to_string();
            assert!(message.contains(expected), "{text}\n→ {message}");
            assert!(message.starts_with("auth.toml: "), "{message}");
            assert_eq!(error.exit_code(), sysexits::ExitCode::DataErr);
        }
        let missing = Principals::load(Path::new("/definitely/not/here.toml")).unwrap_err();
        assert_eq!(missing.exit_code(), sysexits::ExitCode::IoErr);
    }

    #[test]
    fn entries_are_appended_only_when_the_file_still_loads() {
        let dir = std::env::temp_dir().join(format!("llmarket-append-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("auth.toml");
        let entry = |name: &str, token: &str| {
            format!(
                "[[principal]]\nname = \"{name}\"\ntokens = [\"{}\"]\ngrants = [\"datasets/*\"]",
                TokenDigest::of(token)
            )
        };
        append_entry(&path, &entry("a", "ta")).unwrap();
        #[cfg(unix)]
        assert_eq!(llmarket_serving::file_mode::mode(&path), Some(0o600));
        append_entry(&path, &entry("b", "tb")).unwrap();
        let loaded = Principals::load(&path).unwrap();
        assert_eq!(loaded.iter().count(), 2);
        let before = std::fs::read_to_string(&path).unwrap();
        let error = append_entry(&path, &entry("a", "tc")).unwrap_err();
        assert!(error.to_string().contains("is declared twice"), "{error}");
        assert_eq!(error.exit_code(), sysexits::ExitCode::DataErr);
        let error = append_entry(&path, "[[principal]]\nname = \"c\"").unwrap_err();
        assert!(error.to_string().contains("no credentials"), "{error}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            before,
            "left as it was"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn an_auth_file_every_user_may_write_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let path =
            std::env::temp_dir().join(format!("llmarket-auth-mode-{}.toml", std::process::id()));
        std::fs::write(&path, file()).unwrap();
        let set = |mode| std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode));
        set(0o644).unwrap();
        assert!(Principals::load(&path).is_ok());
        set(0o666).unwrap();
        let error = Principals::load(&path).unwrap_err();
        assert_eq!(error.exit_code(), sysexits::ExitCode::NoPerm);
        let message = error.to_string();
        assert!(
            message.contains("every user may write it (mode 0666)")
                && message.contains("chmod go-w"),
            "{message}"
        );
        std::fs::remove_file(&path).unwrap();
    }

    /// An auth file of `over` (burst 1, a call a minute) and `other`, whose entry is `other`.
    fn quota_file(over_quota: &str, other: &str) -> String {
        format!(
            "[[principal]]\nname = \"over\"\ntokens = [\"{}\", \"{}\"]\n\
             grants = [\"datasets/*\", \"milestones\"]\nquota = {over_quota}\n\n{other}",
            digest("t-over"),
            digest("t-over-2"),
        )
    }

    fn take(principals: &Principals, token: &str) -> bool {
        let header = format!("Bearer {token}");
        let principal = principals
            .authenticate(Some(header.as_bytes()), &[])
            .expect("a known token");
        principal.quota.as_ref().expect("a quota").take().is_ok()
    }

    #[test]
    fn a_reload_keeps_the_bucket_of_an_unchanged_principal_only() {
        let quota = "{ calls_per_second = 0.0166, burst = 1 }";
        let other = |burst: u32| {
            format!(
                "[[principal]]\nname = \"other\"\ntokens = [\"{}\"]\ngrants = [\"schemes/*\"]\n\
                 quota = {{ calls_per_second = 0.0166, burst = {burst} }}\n",
                digest("t-other")
            )
        };
        let old = Principals::parse("auth.toml", &quota_file(quota, &other(1))).unwrap();
        assert!(take(&old, "t-over"));
        assert!(take(&old, "t-other"));
        assert!(!take(&old, "t-over"), "over its quota");

        // The same entries, lists in another order: both buckets carry on.
        let same = format!(
            "[[principal]]\nname = \"over\"\ntokens = [\"{}\", \"{}\"]\n\
             grants = [\"milestones\", \"datasets/*\"]\nquota = {quota}\n\n{}",
            digest("t-over-2"),
            digest("t-over"),
            other(1),
        );
        let mut reloaded = Principals::parse("auth.toml", &same).unwrap();
        assert_eq!(reloaded.keep_unchanged(&old), 2);
        assert!(!take(&reloaded, "t-over"), "still over its quota");
        assert!(!take(&reloaded, "t-other"), "still over its quota");

        // A changed quota, a changed token list, a new grant: each is a new, full bucket.
        let changed_quota = quota_file("{ calls_per_second = 0.0166, burst = 2 }", &other(1));
        let changed_tokens =
            quota_file(quota, &other(1)).replace(&digest("t-over-2"), &digest("t-new"));
        let changed_grants =
            quota_file(quota, &other(1)).replace("\"milestones\"", "\"schemes/*\"");
        for text in [changed_quota, changed_tokens, changed_grants] {
            let mut changed = Principals::parse("auth.toml", &text).unwrap();
            assert_eq!(changed.keep_unchanged(&reloaded), 1, "{text}");
            assert!(take(&changed, "t-over"), "a changed principal: {text}");
            assert!(!take(&changed, "t-other"), "the unchanged one: {text}");
        }

        // A removed principal is dropped; one added under its name later starts full.
        let without = Principals::parse("auth.toml", &other(1)).unwrap();
        let mut back = Principals::parse("auth.toml", &quota_file(quota, &other(1))).unwrap();
        assert_eq!(back.keep_unchanged(&without), 1);
        assert!(take(&back, "t-over"), "a new principal starts full");
        // Nothing carried when nothing is the same.
        let mut fresh = Principals::parse("auth.toml", &other(2)).unwrap();
        assert_eq!(fresh.keep_unchanged(&old), 0);
        assert!(take(&fresh, "t-other"));
    }
}
