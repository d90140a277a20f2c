//! The flags documented match the flags the binary takes: every flag of `llmarket-server`
//! (each subcommand, global ones included) has a row in a table of docs/ that names it, its
//! `LLMARKET_*` variable and its default as `--help` shows it, and no row names a flag the binary
//! does not have.

use std::{collections::BTreeSet, path::Path};

use clap::CommandFactory as _;
use llmarket_server::config::Cli;

/// Every table row (`| … |`) of every Markdown file under docs/.
fn doc_rows() -> Vec<String> {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
    let mut rows = Vec::new();
    let mut dirs = vec![docs];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read docs/") {
            let path = entry.expect("docs entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                let text = std::fs::read_to_string(&path).expect("read a doc");
                rows.extend(
                    text.lines()
                        .filter(|l| l.starts_with("| `"))
                        .map(str::to_owned),
                );
            }
        }
    }
    rows
}

/// (flag, variable, default) of every argument of the binary and its subcommands.
fn flags() -> BTreeSet<(String, Option<String>, Option<String>)> {
    let mut found = BTreeSet::new();
    let mut commands = vec![Cli::command()];
    while let Some(command) = commands.pop() {
        for arg in command.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            if ["help", "version"].contains(&long) {
                continue;
            }
            let env = arg.get_env().map(|e| e.to_string_lossy().into_owned());
            let default = arg
                .get_default_values()
                .first()
                .map(|d| d.to_string_lossy().into_owned());
            found.insert((format!("--{long}"), env, default));
        }
        commands.extend(command.get_subcommands().cloned());
    }
    found
}

/// The first cell of a table row.
fn first_cell(row: &str) -> &str {
    row.trim_start_matches("| ")
        .split(" |")
        .next()
        .unwrap_or_default()
}

/// The rows documenting `flag`: their first cell names it (a subcommand's flag may have a row
/// for each subcommand, e.g. `--listen (forecast)`).
fn rows_of<'a>(rows: &'a [String], flag: &'a str) -> impl Iterator<Item = &'a String> {
    rows.iter().filter(move |row| {
        first_cell(row).split([',', ' ', '/']).any(|word| {
            let word = word.trim_matches('`');
            word == flag || word.starts_with(&format!("{flag}="))
        })
    })
}

#[test]
fn every_flag_is_documented_with_its_variable_and_default() {
    let rows = doc_rows();
    let mut missing = Vec::new();
    for (flag, env, default) in flags() {
        let found: Vec<&String> = rows_of(&rows, &flag).collect();
        if found.is_empty() {
            missing.push(format!("{flag}: no row in docs/"));
            continue;
        }
        let documented = found.iter().any(|row| {
            env.as_ref().is_none_or(|env| row.contains(env))
                && default.as_ref().is_none_or(|default| row.contains(default))
        });
        if !documented {
            missing.push(format!(
                "{flag}: no row names its variable {env:?} and its default {default:?}: {found:#?}"
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn every_documented_flag_exists() {
    let known: BTreeSet<String> = flags().into_iter().map(|(flag, ..)| flag).collect();
    let rows = doc_rows();
    let unknown: Vec<&String> = rows
        .iter()
        .filter(|row| row.starts_with("| `--"))
        .filter(|row| {
            let flag: String = first_cell(row)
                .trim_matches('`')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            !known.contains(&flag) && !LLMARKET_COMMAND_ROWS.iter().any(|r| flag == *r)
        })
        .collect();
    assert!(
        unknown.is_empty(),
        "rows for flags the server does not take:\n{unknown:#?}"
    );
}

/// Rows of the `llmarket` command's own flags, documented in the same tables as the server's.
const LLMARKET_COMMAND_ROWS: &[&str] =
    &["--forecast", "--ca-cert", "--client-cert", "--token-file"];
