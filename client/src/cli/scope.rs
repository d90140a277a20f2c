//! Which of the command's global options apply to which subcommand: the parser accepts every
//! global option everywhere (so they may come before or after the subcommand), but a
//! subcommand's help lists only those that apply to it.

use clap::{Arg, Command, CommandFactory as _};

use crate::cli::args::Cli;

/// The global options that apply to some subcommands only, and the paths (subcommand names
/// from the top) they apply to; a path ending in `*` covers the subcommands under it. Options
/// not listed apply everywhere.
const SCOPES: [(&str, &[&str]); 6] = [
    ("forecast", &["report *", "series *", "datasets"]),
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
        ],
    ),
    (
        "chart",
        &[
            "report *",
            "series get",
            "series compare",
            "series breakdown",
        ],
    ),
    ("scale", &["report *", "series get", "series compare"]),
    ("strict", &["report *"]),
];

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
