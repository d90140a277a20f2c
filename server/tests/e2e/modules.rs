//! No module of the server or client library imports a module that imports it back.
//!
//! A cheap stand-in for `cargo modules dependencies --lib --acyclic` that needs no tool: it reads
//! the library sources as text, finds every path into the crate (`use crate::…`, `use
//! super::…`, `use self::…`, the same paths written inline, and paths through a child module),
//! resolves each to the deepest module it names, and looks for a cycle among those edges. Code
//! after `#[cfg(test)] mod …` is skipped: a test module may use its parent freely; so are the
//! crate root's re-exports, the facade every module may reach through. A reference to
//! an item an ancestor re-exports (`super::Error`) counts as a use of that ancestor, so the
//! check asks for the defining module's path instead.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

/// A module path such as `taxonomy::search`; the crate root is empty.
type Module = String;

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The module a library file defines, or `None` for a binary's files.
fn module_of(src: &Path, file: &Path) -> Option<Module> {
    let relative = file.strip_prefix(src).ok()?.with_extension("");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    match parts.last().map(String::as_str) {
        Some("main") if parts.len() == 1 => return None,
        Some("lib") if parts.len() == 1 => parts.clear(),
        Some("mod") => {
            parts.pop();
        }
        _ => {}
    }
    if parts.first().is_some_and(|p| p == "bin") {
        return None;
    }
    Some(parts.join("::"))
}

/// `module`'s parent; the root is its own parent.
fn parent(module: &str) -> Module {
    module
        .rsplit_once("::")
        .map_or(String::new(), |(p, _)| p.into())
}

/// `parent::child`.
fn join(parent: &str, child: &str) -> Module {
    if parent.is_empty() {
        child.into()
    } else {
        format!("{parent}::{child}")
    }
}

/// The text of `source` before its test module, without comments and string contents.
fn code(source: &str) -> String {
    let mut out = String::new();
    let mut lines = source.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed == "#[cfg(test)]"
            && lines
                .peek()
                .is_some_and(|next| next.trim_start().starts_with("mod "))
        {
            break;
        }
        let line = trimmed.split("//").next().unwrap_or_default();
        // Drop string literals, whose text may look like paths.
        let mut in_string = false;
        let mut previous = ' ';
        for c in line.chars() {
            if c == '"' && previous != '\\' {
                in_string = !in_string;
            } else if !in_string {
                out.push(c);
            }
            previous = c;
        }
        out.push('\n');
    }
    out
}

/// Expands a use tree such as `a::{b, c::{d as e, f}}` (no space but around `as`) into its
/// paths.
fn expand(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(tree);
        out.push(format!("{prefix}{path}"));
        return;
    };
    let head = format!("{prefix}{}", &tree[..open]);
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand(&inner[start..i], &head, out);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < inner.len() {
        expand(&inner[start..], &head, out);
    }
}

/// Every path in `code` that may lead into the crate: the paths of its use declarations and the
/// `a::b` paths written inline.
fn paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    let mut inline = String::new();
    while !rest.is_empty() {
        let at_use = ["use ", "pub use ", "pub(crate) use "]
            .iter()
            .find(|p| rest.starts_with(*p) && code_boundary(code, rest));
        if let Some(prefix) = at_use {
            let end = rest.find(';').unwrap_or(rest.len());
            let words: Vec<&str> = rest[prefix.len()..end].split_whitespace().collect();
            let mut tree = words.join(" ");
            for punctuation in ["::", "{", "}", ","] {
                tree = tree
                    .replace(&format!(" {punctuation}"), punctuation)
                    .replace(&format!("{punctuation} "), punctuation);
            }
            expand(&tree, "", &mut out);
            rest = &rest[end..];
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        inline.push(c);
        rest = &rest[c.len_utf8()..];
    }
    // Inline paths: runs of identifiers joined by `::`.
    let mut path = String::new();
    let chars: Vec<char> = inline.chars().collect();
    let mut i = 0;
    while i <= chars.len() {
        let c = chars.get(i).copied().unwrap_or(' ');
        if c.is_alphanumeric() || c == '_' {
            path.push(c);
        } else if c == ':' && chars.get(i + 1) == Some(&':') && !path.is_empty() {
            path.push_str("::");
            i += 1;
        } else {
            if path.contains("::") {
                out.push(path.trim_end_matches("::").to_owned());
            }
            path.clear();
        }
        i += 1;
    }
    out
}

/// Whether `rest` (a suffix of `code`) starts at the beginning of a line.
fn code_boundary(code: &str, rest: &str) -> bool {
    let at = code.len() - rest.len();
    at == 0 || code[..at].ends_with('\n')
}

/// The deepest known module that `path`, written in `from`, names; `None` for other crates.
fn resolve(from: &str, path: &str, modules: &BTreeSet<Module>) -> Option<Module> {
    let mut segments = path.split("::").filter(|s| !s.is_empty()).peekable();
    let mut at = match *segments.peek()? {
        "crate" => {
            segments.next();
            String::new()
        }
        "self" => {
            segments.next();
            from.to_owned()
        }
        "super" => {
            let mut at = from.to_owned();
            while segments.peek() == Some(&"super") {
                segments.next();
                at = parent(&at);
            }
            at
        }
        first if modules.contains(&join(from, first)) => from.to_owned(),
        _ => return None,
    };
    for segment in segments {
        let next = join(&at, segment);
        if !modules.contains(&next) {
            break;
        }
        at = next;
    }
    Some(at)
}

/// The module graph of the library under `src`: module → the modules it uses.
fn graph(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let sources: Vec<(Module, String)> = files
        .iter()
        .filter_map(|file| {
            let module = module_of(src, file)?;
            let text = fs::read_to_string(file).expect("read a source file");
            Some((module, code(&text)))
        })
        .collect();
    let modules: BTreeSet<Module> = sources.iter().map(|(m, _)| m.clone()).collect();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, code) in &sources {
        let uses = edges.entry(module.clone()).or_default();
        for path in paths(code) {
            if let Some(target) = resolve(module, &path, &modules)
                && &target != module
                && !module.is_empty()
            {
                uses.insert(target);
            }
        }
    }
    edges
}

/// The modules reachable from `from` through one or more edges of `graph`.
fn reachable(graph: &BTreeMap<Module, BTreeSet<Module>>, from: &str) -> BTreeSet<Module> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&Module> = graph.get(from).into_iter().flatten().collect();
    while let Some(module) = todo.pop() {
        if seen.insert(module.clone()) {
            todo.extend(graph.get(module).into_iter().flatten());
        }
    }
    seen
}

/// The groups of modules that import each other (directly or through others), each sorted.
fn cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    let reach: BTreeMap<&Module, BTreeSet<Module>> =
        graph.keys().map(|m| (m, reachable(graph, m))).collect();
    let mut groups: Vec<Vec<Module>> = Vec::new();
    for (module, reached) in &reach {
        if !reached.contains(*module) || groups.iter().any(|g| g.contains(module)) {
            continue;
        }
        let group = reached
            .iter()
            .filter(|other| reach.get(other).is_some_and(|r| r.contains(*module)))
            .cloned()
            .collect();
        groups.push(group);
    }
    groups
}

/// Fails naming every group of modules that import each other, as the code writes them.
fn assert_acyclic(crate_dir: &str) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(crate_dir)
        .join("src");
    let graph = graph(&src);
    assert!(
        graph.len() > 3,
        "found too few modules in {}",
        src.display()
    );
    let groups: Vec<String> = cycles(&graph)
        .iter()
        .map(|group| {
            let names: Vec<String> = group.iter().map(|m| format!("crate::{m}")).collect();
            format!("{{{}}}", names.join(", "))
        })
        .collect();
    assert!(
        groups.is_empty(),
        "{crate_dir}: these modules import each other: {}; move what they share into a module of \
         its own that imports none of them",
        groups.join("; ")
    );
}

#[test]
fn the_server_library_has_no_module_cycles() {
    assert_acyclic("server");
}

#[test]
fn the_client_library_has_no_module_cycles() {
    assert_acyclic("client");
}

#[test]
fn the_check_sees_a_cycle_through_a_use_tree_and_an_inline_path() {
    let modules: BTreeSet<Module> = ["", "a", "a::b", "a::c", "d"]
        .into_iter()
        .map(String::from)
        .collect();
    let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    let sources = [
        ("a::b", "use super::{c::X, Y};\nuse crate::d;\n"),
        ("a::c", "fn f() -> super::b::Z { crate::d::g() }\n"),
        ("d", "use std::fmt;\n"),
    ];
    for (module, code) in sources {
        let uses = graph.entry(module.into()).or_default();
        for path in paths(code) {
            if let Some(target) = resolve(module, &path, &modules) {
                uses.insert(target);
            }
        }
    }
    assert_eq!(
        graph["a::b"],
        BTreeSet::from(["a".into(), "a::c".into(), "d".into()])
    );
    assert_eq!(graph["a::c"], BTreeSet::from(["a::b".into(), "d".into()]));
    assert_eq!(cycles(&graph), [["a::b", "a::c"]]);
}
