//! The commands that do their work and exit without serving: `token new` and `data manifest`,
//! and how every command reports a failure (one line on stderr and an exit code).

use std::process::ExitCode;

use llmarket_kit::{access::GRANT_FORMS, data};
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
