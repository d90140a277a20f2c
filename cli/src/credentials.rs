//! The command's credentials: the files and the variable its flags name, read into the client's
//! configuration, and the hint that ends the message of a call refused for its credentials. A
//! token file or client key every user may read is used, with a warning on stderr.

use std::path::{Path, PathBuf};

use sysexits::ExitCode as Sysexit;
use tonic::Code;

use crate::{args::CredentialArgs, failure::Failure};
use llmarket_client::{BearerToken, ClientIdentity, TlsSettings};

/// The variable holding a bearer token (a token on the command line would show in `ps`).
pub(super) const TOKEN_VARIABLE: &str = "LLMARKET_TOKEN";

/// The credentials read, and where from (never the token itself), for messages.
#[derive(Debug)]
pub(super) struct Credentials {
    /// TLS settings for `https://` endpoints.
    pub(super) tls: TlsSettings,
    /// The token, if one was given.
    pub(super) token: Option<BearerToken>,
    /// Where the token came from: `--token-file FILE` or `LLMARKET_TOKEN`.
    token_source: Option<String>,
    /// The client certificate presented, if any.
    client_cert: Option<PathBuf>,
    /// Whether any endpoint is `https://`.
    tls_endpoints: bool,
}

impl Credentials {
    /// Reads the files of `args`, and the token from `--token-file`, else from `token_variable`
    /// (the value of [`TOKEN_VARIABLE`]).
    pub(super) fn load(
        args: &CredentialArgs,
        token_variable: Option<String>,
        tls_endpoints: bool,
    ) -> Result<Self, Failure> {
        let ca_cert = args
            .ca_cert
            .as_deref()
            .map(|path| read(path, "--ca-cert"))
            .transpose()?;
        let identity = match (&args.client_cert, &args.client_key) {
            (Some(cert), Some(key)) => Some(ClientIdentity {
                cert: read(cert, "--client-cert")?,
                key: read_secret(key, "--client-key")?,
            }),
            // clap requires the two together.
            _ => None,
        };
        let (token, token_source) = match (&args.token_file, token_variable) {
            (Some(path), _) => (
                Some(read_secret(path, "--token-file")?),
                Some(format!("--token-file {}", path.display())),
            ),
            (None, Some(token)) => (Some(token), Some(TOKEN_VARIABLE.to_owned())),
            (None, None) => (None, None),
        };
        let token = token
            .map(|text| {
                BearerToken::new(&text).map_err(|e| {
                    let source = token_source.as_deref().unwrap_or(TOKEN_VARIABLE);
                    Failure::new(Sysexit::Usage, format!("{source}: {e}"))
                })
            })
            .transpose()?;
        Ok(Self {
            tls: TlsSettings { ca_cert, identity },
            token,
            token_source,
            client_cert: args.client_cert.clone(),
            tls_endpoints,
        })
    }

    /// What a person can do about a call refused with `code`; `None` for other codes.
    pub(super) fn hint(&self, code: Code) -> Option<String> {
        let presented = match (&self.token_source, &self.client_cert) {
            (Some(token), Some(cert)) => {
                format!(
                    "the token from {token} and the client certificate {}",
                    cert.display()
                )
            }
            (Some(token), None) => format!("the token from {token}"),
            (None, Some(cert)) => format!("the client certificate {}", cert.display()),
            (None, None) => String::new(),
        };
        match code {
            Code::Unauthenticated if presented.is_empty() => Some(format!(
                "the server requires credentials: set {TOKEN_VARIABLE} or --token-file \
                 (or --client-cert and --client-key)"
            )),
            Code::Unauthenticated => Some(format!(
                "the server did not accept {presented}; check it is current and meant for this \
                 server, or set another with {TOKEN_VARIABLE} or --token-file"
            )),
            Code::PermissionDenied if presented.is_empty() => Some(format!(
                "anonymous callers may not read this; set {TOKEN_VARIABLE} or --token-file"
            )),
            Code::PermissionDenied => Some(format!(
                "{presented} is not granted what was asked for; ask the server's operator for a \
                 grant, or ask for another resource"
            )),
            // With TLS 1.3 a server refuses a client certificate after the client's side of the
            // handshake is done; the client may then see only the connection closing.
            Code::Unavailable if self.tls_endpoints && self.client_cert.is_none() => Some(
                "if the server requires mutual TLS, give --client-cert and --client-key".to_owned(),
            ),
            _ => None,
        }
    }
}

/// Reads a secret file, warning on stderr when every user may read it.
fn read_secret(path: &Path, flag: &str) -> Result<String, Failure> {
    let text = read(path, flag)?;
    if let Some(warning) = readable_by_everyone(path, flag) {
        eprintln!("llmarket: warning: {warning}");
    }
    Ok(text)
}

/// What to say when every user may read the secret file `path` (given by `flag`); Unix only.
fn readable_by_everyone(path: &Path, flag: &str) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o7777;
        (mode & 0o004 != 0).then(|| {
            format!(
                "{flag} {} is readable by every user (mode {mode:04o}); make it readable by you only (`chmod 600 {}`)",
                path.display(),
                path.display()
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = (path, flag);
        None
    }
}

fn read(path: &Path, flag: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| {
        Failure::new(
            Sysexit::IoErr,
            format!("{flag}: cannot read {}: {e}", path.display()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> CredentialArgs {
        CredentialArgs {
            ca_cert: None,
            client_cert: None,
            client_key: None,
            token_file: None,
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_secret_file_every_user_may_read_is_named_in_a_warning() {
        use std::os::unix::fs::PermissionsExt as _;
        let path = std::env::temp_dir().join(format!("llmarket-secret-{}", std::process::id()));
        std::fs::write(&path, "t").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(readable_by_everyone(&path, "--token-file"), None);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let warning = readable_by_everyone(&path, "--token-file").unwrap();
        assert!(
            warning.starts_with("--token-file ")
                && warning.contains("readable by every user (mode 0644)")
                && warning.contains("chmod 600"),
            "{warning}"
        );
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn the_token_file_wins_over_the_variable_and_hints_name_the_source() {
        let path = std::env::temp_dir().join(format!("llmarket-token-{}", std::process::id()));
        std::fs::write(&path, "from-file\n").unwrap();
        let with_file = CredentialArgs {
            token_file: Some(path.clone()),
            ..args()
        };
        let credentials =
            Credentials::load(&with_file, Some("from-env".to_owned()), false).unwrap();
        assert_eq!(
            credentials.token,
            Some(BearerToken::new("from-file").unwrap())
        );
        let hint = credentials.hint(Code::Unauthenticated).unwrap();
        assert!(hint.contains("--token-file"), "{hint}");
        assert!(
            !hint.contains("from-file\n") && !hint.contains("Bearer"),
            "{hint}"
        );

        let from_env = Credentials::load(&args(), Some("from-env".to_owned()), true).unwrap();
        let hint = from_env.hint(Code::PermissionDenied).unwrap();
        assert!(hint.contains("LLMARKET_TOKEN is not granted"), "{hint}");
        assert!(!hint.contains("from-env"), "{hint}");

        let none = Credentials::load(&args(), None, true).unwrap();
        let hint = none.hint(Code::Unauthenticated).unwrap();
        assert!(
            hint.contains("set LLMARKET_TOKEN or --token-file"),
            "{hint}"
        );
        assert_eq!(none.hint(Code::NotFound), None);
        let hint = none.hint(Code::Unavailable).unwrap();
        assert!(hint.contains("--client-cert and --client-key"), "{hint}");
        assert_eq!(from_env.hint(Code::Unavailable).map(|_| ()), Some(()));
        let plaintext = Credentials::load(&args(), None, false).unwrap();
        assert_eq!(plaintext.hint(Code::Unavailable), None);
    }

    #[test]
    fn unreadable_files_and_bad_tokens_fail_with_their_flag() {
        let missing = CredentialArgs {
            ca_cert: Some(PathBuf::from("/no/such/ca.pem")),
            ..args()
        };
        let failure = Credentials::load(&missing, None, false).unwrap_err();
        assert_eq!(failure.code(), u8::from(Sysexit::IoErr));
        assert!(failure.text().contains("--ca-cert"), "{failure:?}");

        let failure = Credentials::load(&args(), Some("two words".to_owned()), false).unwrap_err();
        assert_eq!(failure.code(), u8::from(Sysexit::Usage));
        assert!(failure.text().starts_with("LLMARKET_TOKEN:"), "{failure:?}");
        assert!(!failure.text().contains("two words"), "{failure:?}");
    }
}
