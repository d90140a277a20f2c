//! Which of the command's global options apply to which subcommand: the parser accepts every
//! global option everywhere (so they may come before or after the subcommand), but a
//! subcommand's help lists only those that apply to it, and one given after a subcommand it does
//! not apply to (`levels --forecast URL`) is refused (exit 64) rather than silently ignored.
//! Options before the subcommand are settings for whichever command follows (as in an alias,
//! `llmarket --forecast URL --taxonomy URL`), and so are values from the environment
//! (`LLMARKET_*`): those are never refused.

use std::ffi::OsString;

use clap::{Arg, ArgMatches, Command, CommandFactory as _};

use crate::args::Cli;

/// Every subcommand but `completions`, which only prints a script (into `--output`).
const NOT_COMPLETIONS: &[&str] = &["!completions"];

/// The global options that apply to some subcommands only, and the paths (subcommand names
/// from the top) they apply to; a path ending in `*` covers the subcommands under it, and
/// `!name` every path but those under `name`. Options not listed apply everywhere.
const SCOPES: [(&str, &[&str]); 16] = [
    (
        "forecast",
        &[
            "report *",
            "series *",
            "datasets",
            "editions",
            "revisions",
            "watch",
        ],
    ),
    (
        "taxonomy",
        &["report *", "concepts *", "milestones", "schemes", "levels"],
    ),
    (
        "dataset",
        &[
            "report overview",
            "report timeline",
            "report cost",
            "series *",
            "editions",
            "revisions",
            "watch",
        ],
    ),
    (
        "edition",
        &[
            "report overview",
            "report timeline",
            "report cost",
            "series *",
        ],
    ),
    (
        "as_of",
        &[
            "report overview",
            "report timeline",
            "report cost",
            "series *",
            "revisions",
        ],
    ),
    (
        "chart",
        &[
            "report *",
            "series get",
            "series compare",
            "series breakdown",
            "revisions",
        ],
    ),
    (
        "scale",
        &["report *", "series get", "series compare", "revisions"],
    ),
    ("strict", &["report *"]),
    ("format", NOT_COMPLETIONS),
    ("lang", NOT_COMPLETIONS),
    ("deadline", NOT_COMPLETIONS),
    ("resolve_interval", NOT_COMPLETIONS),
    ("ca_cert", NOT_COMPLETIONS),
    ("client_cert", NOT_COMPLETIONS),
    ("client_key", NOT_COMPLETIONS),
    ("token_file", NOT_COMPLETIONS),
];

/// The first option given after a subcommand it does not apply to, in `args` (the command
/// line, the program's name first) as `matches` parsed them, as a usage error's text naming
/// the subcommand and where the option does apply.
pub(super) fn ignored(matches: &ArgMatches, args: &[OsString]) -> Option<String> {
    let mut path = Vec::new();
    let mut deepest = matches;
    while let Some((name, sub)) = deepest.subcommand() {
        path.push(name.to_owned());
        deepest = sub;
    }
    if path.first().is_none_or(|top| top == "help") {
        return None;
    }
    let command = command();
    let after = after_subcommand(&command, args);
    for (id, scopes) in SCOPES {
        let Some(long) = command
            .get_arguments()
            .find(|arg| arg.get_id() == id)
            .and_then(Arg::get_long)
        else {
            continue;
        };
        let flag = format!("--{long}");
        let given = after.iter().any(|arg| {
            arg.to_str().is_some_and(|text| {
                text == flag || text.strip_prefix(&flag).is_some_and(|r| r.starts_with('='))
            })
        });
        if !given || applies(id, &path) {
            continue;
        }
        let applies_to: Vec<String> = scopes
            .iter()
            .map(|scope| match scope.strip_prefix('!') {
                Some(other) => format!("every command but {other}"),
                None => scope.replace(" *", " …"),
            })
            .collect();
        return Some(format!(
            "{flag} does not apply to `{}` and would be ignored; it applies to {}",
            path.join(" "),
            applies_to.join(", ")
        ));
    }
    None
}

/// The arguments after the subcommand's name in `args`: past the options before it (and their
/// values) and the program's name.
fn after_subcommand<'a>(command: &Command, args: &'a [OsString]) -> &'a [OsString] {
    let takes_value = |arg: &Arg| arg.get_action().takes_values();
    let mut i = 1;
    while let Some(arg) = args.get(i) {
        let text = arg.to_string_lossy();
        let option = if let Some(long) = text.strip_prefix("--") {
            (!long.contains('='))
                .then(|| command.get_arguments().find(|a| a.get_long() == Some(long)))
        } else if let Some(short) = text.strip_prefix('-').filter(|s| s.chars().count() == 1) {
            let short = short.chars().next();
            Some(command.get_arguments().find(|a| a.get_short() == short))
        } else if text.starts_with('-') {
            None
        } else {
            return &args[i + 1..];
        };
        i += if option.flatten().is_some_and(takes_value) {
            2
        } else {
            1
        };
    }
    &[]
}

/// The command line's definition, with each subcommand's help limited to its options.
///
/// clap copies a global option into each subcommand that does not define one of the same id
/// when it builds the command; a subcommand it does not apply to gets a hidden copy first, so
/// it is parsed (and its value reaches the top) as before but not listed.
pub(super) fn command() -> Command {
    let command = Cli::command();
    let globals: Vec<Arg> = command
        .get_arguments()
        .filter(|arg| arg.is_global_set())
        .cloned()
        .collect();
    scoped(command, &[], &globals)
}

/// The command line's definition for shell completion: each subcommand has only the options
/// that apply to it (not hidden copies, which completion scripts would still offer); the
/// top level has every one, as settings for any command.
pub(super) fn completion_command() -> Command {
    let mut command = Cli::command();
    let globals: Vec<Arg> = command
        .get_arguments()
        .filter(|arg| arg.is_global_set())
        .map(|arg| arg.clone().global(false))
        .collect();
    for global in &globals {
        command = command.mut_arg(global.get_id(), |arg| arg.global(false));
    }
    applying(command, &[], &globals)
}

/// `command` (at `path`) and its subcommands, each with a copy of the options of `globals` that
/// apply to it.
fn applying(mut command: Command, path: &[String], globals: &[Arg]) -> Command {
    if !path.is_empty() {
        for global in globals {
            let id = global.get_id().as_str();
            let defined = command.get_arguments().any(|arg| arg.get_id() == id);
            if !defined && applies(id, path) {
                command = command.arg(global.clone());
            }
        }
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    for name in names {
        let mut inner = path.to_vec();
        inner.push(name.clone());
        command = command.mut_subcommand(&name, |sub| applying(sub, &inner, globals));
    }
    command
}

/// `command` (at `path`) and its subcommands with hidden copies of the options that do not
/// apply to them.
fn scoped(mut command: Command, path: &[String], globals: &[Arg]) -> Command {
    if !path.is_empty() {
        for (id, _) in SCOPES {
            let defined = command.get_arguments().any(|arg| arg.get_id() == id);
            let global = globals.iter().find(|arg| arg.get_id() == id);
            if let Some(global) = global.filter(|_| !defined && !applies(id, path)) {
                command = command.arg(global.clone().hide(true));
            }
        }
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    for name in names {
        let mut inner = path.to_vec();
        inner.push(name.clone());
        command = command.mut_subcommand(&name, |sub| scoped(sub, &inner, globals));
    }
    command
}

/// Whether option `id` applies at `path` (or, for a command with subcommands, to any of them).
fn applies(id: &str, path: &[String]) -> bool {
    let Some((_, scopes)) = SCOPES.iter().find(|(scoped, _)| *scoped == id) else {
        return true;
    };
    if path.first().is_some_and(|top| top == "help") {
        return true;
    }
    if let Some(other) = scopes.first().and_then(|s| s.strip_prefix('!')) {
        return path.first().is_none_or(|top| top != other);
    }
    scopes.iter().any(|scope| {
        let parts: Vec<&str> = scope.split(' ').collect();
        parts
            .iter()
            .zip(path)
            .all(|(part, name)| *part == "*" || part == name)
            && (parts.len() >= path.len() || parts.last() == Some(&"*"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The long options a subcommand's help lists.
    fn listed(path: &[&str]) -> Vec<String> {
        let mut command = command();
        command.build();
        let mut current = &mut command;
        for name in path {
            current = current.find_subcommand_mut(name).expect("subcommand");
        }
        current
            .get_arguments()
            .filter(|arg| !arg.is_hide_set())
            .filter_map(|arg| arg.get_long().map(str::to_owned))
            .collect()
    }

    #[test]
    fn help_lists_only_the_options_that_apply() {
        let schemes = listed(&["schemes"]);
        assert!(schemes.contains(&"taxonomy".to_owned()), "{schemes:?}");
        for absent in ["forecast", "dataset", "chart", "strict"] {
            assert!(
                !schemes.contains(&absent.to_owned()),
                "{absent}: {schemes:?}"
            );
        }
        let list = listed(&["series", "list"]);
        assert!(list.contains(&"forecast".to_owned()) && list.contains(&"dataset".to_owned()));
        assert!(!list.contains(&"taxonomy".to_owned()) && !list.contains(&"chart".to_owned()));
        let get = listed(&["series", "get"]);
        assert!(get.contains(&"chart".to_owned()) && get.contains(&"interpolate".to_owned()));
        assert!(get.contains(&"scale".to_owned()) && get.contains(&"transform".to_owned()));
        let compare = listed(&["series", "compare"]);
        assert!(compare.contains(&"chart".to_owned()) && compare.contains(&"scale".to_owned()));
        let breakdown = listed(&["series", "breakdown"]);
        assert!(breakdown.contains(&"chart".to_owned()) && breakdown.contains(&"year".to_owned()));
        let search = listed(&["series", "search"]);
        assert!(!search.contains(&"chart".to_owned()) && !search.contains(&"scale".to_owned()));
        let datasets = listed(&["datasets"]);
        assert!(datasets.contains(&"forecast".to_owned()), "{datasets:?}");
        assert!(
            !datasets.contains(&"taxonomy".to_owned()) && !datasets.contains(&"dataset".to_owned())
        );
        let overview = listed(&["report", "overview"]);
        for present in [
            "forecast", "taxonomy", "dataset", "chart", "strict", "format", "lang",
        ] {
            assert!(
                overview.contains(&present.to_owned()),
                "{present}: {overview:?}"
            );
        }
        let segment = listed(&["report", "segment"]);
        assert!(!segment.contains(&"dataset".to_owned()), "{segment:?}");
        let concepts = listed(&["concepts"]);
        assert!(!concepts.contains(&"forecast".to_owned()), "{concepts:?}");
        let editions = listed(&["editions"]);
        assert!(editions.contains(&"dataset".to_owned()), "{editions:?}");
        assert!(
            !editions.contains(&"edition".to_owned()) && !editions.contains(&"as-of".to_owned())
        );
        let revisions = listed(&["revisions"]);
        for present in ["as-of", "chart", "scale", "year", "dataset"] {
            assert!(
                revisions.contains(&present.to_owned()),
                "{present}: {revisions:?}"
            );
        }
        assert!(!revisions.contains(&"edition".to_owned()), "{revisions:?}");
        let get = listed(&["series", "get"]);
        assert!(get.contains(&"edition".to_owned()) && get.contains(&"as-of".to_owned()));
        assert!(!segment.contains(&"edition".to_owned()) && !segment.contains(&"as-of".to_owned()));
        let watch = listed(&["watch"]);
        assert!(watch.contains(&"forecast".to_owned()) && !watch.contains(&"taxonomy".to_owned()));
        assert!(!watch.contains(&"chart".to_owned()) && !watch.contains(&"as-of".to_owned()));
        let report = listed(&["report"]);
        assert!(report.contains(&"dataset".to_owned()), "{report:?}");
    }

    #[test]
    fn hidden_options_are_still_accepted_anywhere() {
        use clap::FromArgMatches as _;
        let matches = command()
            .try_get_matches_from([
                "llmarket",
                "--taxonomy",
                "http://127.0.0.1:2",
                "schemes",
                "--forecast",
                "http://127.0.0.1:1",
                "--strict",
            ])
            .expect("parses");
        let cli = Cli::from_arg_matches(&matches).expect("a Cli");
        assert_eq!(cli.forecast, ["http://127.0.0.1:1"]);
        assert_eq!(cli.taxonomy, ["http://127.0.0.1:2"]);
        assert!(cli.checks.strict);
        let matches = command()
            .try_get_matches_from(["llmarket", "concepts", "list", "--dataset", "other"])
            .expect("parses");
        let cli = Cli::from_arg_matches(&matches).expect("a Cli");
        assert_eq!(cli.dataset, "datasets/other");
    }
}
