//! The flags documented are the flags the binary takes. The flag tables of
//! docs/configuration.md are generated from the clap command (server/src/config.rs): every
//! argument of `llmarket-server` and of each subcommand, with its `LLMARKET_*` variable, its
//! default and its help text; a test fails when the file holds other tables, and says how to
//! write them again ([`BLESS`]). Tables written by hand elsewhere in docs/ may name only flags
//! the binary has, each with its own variable.

use std::{collections::BTreeMap, fmt::Write as _, path::PathBuf};

use clap::{Arg, CommandFactory as _};
use llmarket_server::config::Cli;

/// The command that writes the generated tables into docs/configuration.md.
const BLESS: &str = "LLMARKET_BLESS=1 cargo test -p llmarket-server --test e2e docs::";

/// The line before the generated tables.
const BEGIN: &str = "<!-- generated from server/src/config.rs by `LLMARKET_BLESS=1 cargo test -p llmarket-server --test e2e docs::`: begin; edit the flags' doc comments, not the tables -->";

/// The line after the generated tables.
const END: &str = "<!-- generated from server/src/config.rs: end -->";

/// The documentation file that holds the generated tables.
fn configuration_md() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/configuration.md")
}

/// The Markdown tables of `root`'s arguments: those every subcommand takes (the root's own),
/// then each subcommand's own, under a heading naming the command line that takes them.
fn flag_tables(root: &clap::Command) -> String {
    let mut out = String::new();
    let name = root.get_name();
    table(&mut out, &format!("Every subcommand (`{name} …`)"), root);
    let mut commands: Vec<(String, &clap::Command)> = root
        .get_subcommands()
        .map(|c| (format!("{name} {}", c.get_name()), c))
        .collect();
    commands.reverse();
    while let Some((path, command)) = commands.pop() {
        if command.is_hide_set() {
            continue;
        }
        table(&mut out, &format!("`{path}`"), command);
        commands.extend(
            command
                .get_subcommands()
                .map(|c| (format!("{path} {}", c.get_name()), c))
                .collect::<Vec<_>>()
                .into_iter()
                .rev(),
        );
    }
    out
}

/// Appends the table of `command`'s own arguments under `heading`; nothing if it has none.
fn table(out: &mut String, heading: &str, command: &clap::Command) {
    let rows: Vec<String> = command.get_arguments().filter_map(row).collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n### {heading}\n");
    out.push_str("| flag | environment | default | meaning |\n|---|---|---|---|\n");
    for row in rows {
        out.push_str(&row);
        out.push('\n');
    }
}

/// The table row of `arg`: its flag and value, its variable, its default, its help; none for a
/// hidden argument or clap's own `--help` and `--version`.
fn row(arg: &Arg) -> Option<String> {
    let id = arg.get_id().as_str();
    if arg.is_hide_set() || ["help", "version"].contains(&id) {
        return None;
    }
    let takes_value = arg.get_action().takes_values();
    let value = if !takes_value {
        None
    } else if !arg.get_possible_values().is_empty() {
        Some(
            arg.get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| v.get_name())
                .collect::<Vec<_>>()
                .join("|"),
        )
    } else {
        // The name clap derives from the field (`SHUTDOWN_GRACE`) says nothing the flag does
        // not; a name given as the argument's id in capitals is taken for it too.
        arg.get_value_names()
            .map(|names| {
                names
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|name| *name != id.to_uppercase() || arg.is_positional())
    };
    let flag = match (arg.get_long(), value) {
        (Some(long), Some(value)) => format!("--{long} {value}"),
        (Some(long), None) => format!("--{long}"),
        (None, value) => value.unwrap_or_else(|| id.to_uppercase()),
    };
    let env = match arg.get_env() {
        Some(env) if arg.get_value_delimiter().is_some() => {
            format!("`{}` (comma-separated)", env.to_string_lossy())
        }
        Some(env) => format!("`{}`", env.to_string_lossy()),
        None => "—".to_owned(),
    };
    let help = arg
        .get_long_help()
        .or_else(|| arg.get_help())
        .map(ToString::to_string)
        .unwrap_or_default();
    let mut help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    let stated = take_stated_default(&mut help);
    // clap takes the period off a one-paragraph doc comment; a table cell is a sentence.
    if !help.is_empty() && !help.ends_with(['.', '!', '?']) {
        help.push('.');
    }
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|d| format!("`{}`", d.to_string_lossy()))
        .collect();
    let default = if !defaults.is_empty() {
        defaults.join(", ")
    } else if let Some(stated) = stated {
        stated
    } else if !takes_value {
        "off".to_owned()
    } else {
        "none".to_owned()
    };
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .filter_map(|v| {
            let help = v.get_help()?.to_string();
            let help = lowercase_first(help.trim_end_matches('.'));
            Some(format!("`{}`: {help}", v.get_name()))
        })
        .collect();
    if !values.is_empty() {
        let _ = write!(help, " {}.", values.join("; "));
    }
    Some(format!(
        "| `{}` | {env} | {} | {} |",
        cell(&flag),
        cell(&default),
        cell(&help)
    ))
}

/// Takes a `[default: …]` the help text states (for a default that depends on other flags)
/// out of `help`, and returns it.
fn take_stated_default(help: &mut String) -> Option<String> {
    let start = help.find("[default: ")?;
    let end = start + help[start..].find(']')?;
    let stated = help[start + "[default: ".len()..end].to_owned();
    let before = help[..start].trim_end();
    *help = format!("{before}{}", &help[end + 1..]);
    Some(stated)
}

/// `text` with its first letter lowercase (a value's help follows its name in a sentence).
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

/// `text` fit for a Markdown table cell: a `|` escaped, even in a code span.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// `doc` with the text between [`BEGIN`] and [`END`] replaced by `tables`; an error when the
/// markers are missing or out of order.
fn splice(doc: &str, tables: &str) -> Result<String, String> {
    let begin = doc.find(BEGIN).ok_or_else(|| format!("no line {BEGIN}"))?;
    let end = doc.find(END).ok_or_else(|| format!("no line {END}"))?;
    if end < begin {
        return Err(format!("{END} comes before {BEGIN}"));
    }
    let head = &doc[..begin + BEGIN.len()];
    Ok(format!("{head}\n{tables}\n{}", &doc[end..]))
}

#[test]
fn the_flag_tables_are_generated_from_the_flags() {
    let path = configuration_md();
    let doc = std::fs::read_to_string(&path).expect("read docs/configuration.md");
    let want = splice(&doc, &flag_tables(&Cli::command()))
        .unwrap_or_else(|e| panic!("docs/configuration.md: {e}"));
    if want == doc {
        return;
    }
    if std::env::var_os("LLMARKET_BLESS").is_some() {
        std::fs::write(&path, want).expect("write docs/configuration.md");
        return;
    }
    let (line, (had, wanted)) = doc
        .lines()
        .chain(std::iter::repeat(""))
        .zip(want.lines())
        .enumerate()
        .find(|(_, (had, wanted))| had != wanted)
        .unwrap_or((0, ("", "")));
    panic!(
        "docs/configuration.md's flag tables are not those of server/src/config.rs; write them again with\n  {BLESS}\nfirst difference, line {}:\n  file: {had}\n  code: {wanted}",
        line + 1
    );
}

/// A small command holding each kind of argument the generator meets.
fn sample() -> clap::Command {
    use clap::{ArgAction, builder::PossibleValue};
    clap::Command::new("tool")
        .arg(
            Arg::new("wait")
                .long("wait")
                .env("TOOL_WAIT")
                .value_name("WAIT")
                .default_value("10s")
                .help("How long to wait\n(e.g. `5s`)"),
        )
        .arg(
            Arg::new("mode")
                .long("mode")
                .env("TOOL_MODE")
                .value_parser([
                    PossibleValue::new("fast").help("Quick, loose."),
                    PossibleValue::new("slow").help("Careful."),
                    PossibleValue::new("old").hide(true),
                ])
                .help("The mode [default: fast alone, slow with --wait]."),
        )
        .arg(
            Arg::new("dirs")
                .long("dir")
                .env("TOOL_DIRS")
                .value_name("DIR")
                .value_delimiter(',')
                .action(ArgAction::Append)
                .help("Directories; a|b."),
        )
        .arg(
            Arg::new("force")
                .long("force")
                .action(ArgAction::SetTrue)
                .help("Force it!"),
        )
        .arg(Arg::new("secret").long("secret").hide(true))
        .subcommand(clap::Command::new("quiet"))
        .subcommand(
            clap::Command::new("run")
                .subcommand(clap::Command::new("now").arg(Arg::new("target").help("What to run.")))
                .subcommand(clap::Command::new("hidden").hide(true).arg(Arg::new("x"))),
        )
}

#[test]
fn the_generator_renders_each_kind_of_argument() {
    let tables = flag_tables(&sample());
    let want = "
### Every subcommand (`tool …`)

| flag | environment | default | meaning |
|---|---|---|---|
| `--wait` | `TOOL_WAIT` | `10s` | How long to wait (e.g. `5s`). |
| `--mode fast\\|slow` | `TOOL_MODE` | fast alone, slow with --wait | The mode. `fast`: quick, loose; `slow`: careful. |
| `--dir DIR` | `TOOL_DIRS` (comma-separated) | none | Directories; a\\|b. |
| `--force` | — | off | Force it! |

### `tool run now`

| flag | environment | default | meaning |
|---|---|---|---|
| `TARGET` | — | none | What to run. |
";
    assert_eq!(tables, want);
}

#[test]
fn splicing_replaces_only_between_the_markers() {
    let doc = format!("# Title\n\nprose\n{BEGIN}\nold table\n{END}\n\nmore prose\n");
    let spliced = splice(&doc, "\nnew table\n").unwrap();
    assert_eq!(
        spliced,
        format!("# Title\n\nprose\n{BEGIN}\n\nnew table\n\n{END}\n\nmore prose\n")
    );
    assert_eq!(
        splice(&spliced, "\nnew table\n").unwrap(),
        spliced,
        "stable"
    );
    assert!(splice("no markers", "x").unwrap_err().contains("no line"));
    let reversed = format!("{END}\n{BEGIN}\n");
    assert!(splice(&reversed, "x").unwrap_err().contains("comes before"));
}

/// Every table row (`| … |`) of every Markdown file under docs/, outside the generated tables.
fn hand_written_rows() -> Vec<String> {
    let docs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs");
    let mut rows = Vec::new();
    let mut dirs = vec![docs];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read docs/") {
            let path = entry.expect("docs entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                let text = std::fs::read_to_string(&path).expect("read a doc");
                let mut generated = false;
                for line in text.lines() {
                    if line == BEGIN {
                        generated = true;
                    } else if line == END {
                        generated = false;
                    } else if !generated && line.starts_with("| `") {
                        rows.push(line.to_owned());
                    }
                }
            }
        }
    }
    rows
}

/// The variable of every flag of the binary and its subcommands (none for a flag without one).
fn flag_variables() -> BTreeMap<String, Option<String>> {
    let mut found = BTreeMap::new();
    let mut commands = vec![Cli::command()];
    while let Some(command) = commands.pop() {
        for arg in command.get_arguments() {
            if let Some(long) = arg.get_long() {
                let env = arg.get_env().map(|e| e.to_string_lossy().into_owned());
                found.insert(format!("--{long}"), env);
            }
        }
        commands.extend(command.get_subcommands().cloned());
    }
    found
}

/// The flag a table row is about: the first word of its first cell.
fn row_flag(row: &str) -> String {
    row.trim_start_matches("| ")
        .trim_start_matches('`')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

#[test]
fn hand_written_rows_name_real_flags_with_their_variables() {
    let flags = flag_variables();
    let mut wrong = Vec::new();
    for row in hand_written_rows()
        .iter()
        .filter(|row| row.starts_with("| `--"))
    {
        let flag = row_flag(row);
        match flags.get(&flag) {
            None if LLMARKET_COMMAND_ROWS.contains(&flag.as_str()) => {}
            None => wrong.push(format!("the server takes no {flag}: {row}")),
            Some(Some(env)) if !row.contains(env.as_str()) => {
                wrong.push(format!(
                    "{flag} is read from {env}, which the row does not name: {row}"
                ));
            }
            Some(_) => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Rows of the `llmarket` command's own flags, documented in the same tables as the server's.
const LLMARKET_COMMAND_ROWS: &[&str] =
    &["--forecast", "--ca-cert", "--client-cert", "--token-file"];
