//! The direction between the workspace's crates, read from their manifests: the compiler
//! enforces that a crate uses only what it depends on, and this test that nobody adds a
//! dependency against the direction (docs/architecture.md).

use std::{collections::BTreeSet, fs, path::Path};

/// A crate's manifest, as `(normal dependencies, tonic features)`.
fn manifest(dir: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(dir)
        .join("Cargo.toml");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let manifest: toml::Table = text.parse().expect("a valid manifest");
    let dependencies = manifest
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .cloned()
        .unwrap_or_default();
    let tonic = dependencies
        .get("tonic")
        .and_then(|t| t.get("features"))
        .and_then(toml::Value::as_array)
        .map(|features| {
            features
                .iter()
                .filter_map(|f| f.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    (dependencies.keys().cloned().collect(), tonic)
}

/// Whether `dependencies` holds any of `names`.
fn any_of(dependencies: &BTreeSet<String>, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .filter(|n| dependencies.contains(**n))
        .map(|n| (*n).to_owned())
        .collect()
}

/// What no crate below the server binary may depend on: the binary's own pieces and their
/// libraries (command line, metrics, the principals file's digests of tokens).
const BINARY_ONLY: &[&str] = &["llmarket-server", "clap", "prometheus-client", "notify"];

/// tonic's transport: servers, channels and the router.
const TRANSPORT: &[&str] = &["transport", "server", "channel", "router"];

#[test]
fn the_services_and_their_kit_have_no_transport() {
    for dir in [
        "crates/kit",
        "crates/forecast",
        "crates/taxonomy",
        "crates/watch",
    ] {
        let (dependencies, tonic) = manifest(dir);
        let forbidden = any_of(
            &dependencies,
            &[
                "llmarket-serving",
                "hyper",
                "hyper-util",
                "h2",
                "tonic-web",
                "tokio-rustls",
            ],
        );
        assert!(forbidden.is_empty(), "{dir} depends on {forbidden:?}");
        let forbidden = any_of(&dependencies, BINARY_ONLY);
        assert!(forbidden.is_empty(), "{dir} depends on {forbidden:?}");
        let transport: Vec<_> = tonic
            .iter()
            .filter(|f| TRANSPORT.contains(&f.as_str()))
            .collect();
        assert!(transport.is_empty(), "{dir} turns on tonic's {transport:?}");
    }
}

#[test]
fn the_watch_service_knows_no_other_service() {
    let (dependencies, _) = manifest("crates/watch");
    let forbidden = any_of(&dependencies, &["llmarket-forecast", "llmarket-taxonomy"]);
    assert!(forbidden.is_empty(), "watch depends on {forbidden:?}");
}

#[test]
fn the_kit_knows_neither_service() {
    let (dependencies, _) = manifest("crates/kit");
    let forbidden = any_of(&dependencies, &["llmarket-forecast", "llmarket-taxonomy"]);
    assert!(forbidden.is_empty(), "the kit depends on {forbidden:?}");
}

#[test]
fn the_serving_crate_knows_no_data_auth_or_observability() {
    let (dependencies, _) = manifest("crates/serving");
    let forbidden = any_of(
        &dependencies,
        &[
            "llmarket-kit",
            "llmarket-forecast",
            "llmarket-taxonomy",
            "serde",
            "toml",
            "sha2",
            "tracing-subscriber",
        ],
    );
    assert!(forbidden.is_empty(), "serving depends on {forbidden:?}");
    let forbidden = any_of(&dependencies, BINARY_ONLY);
    assert!(forbidden.is_empty(), "serving depends on {forbidden:?}");
}

#[test]
fn the_contract_crate_holds_the_contract_only() {
    let (dependencies, tonic) = manifest("proto");
    let forbidden = any_of(
        &dependencies,
        &[
            "llmarket-kit",
            "llmarket-serving",
            "llmarket-flags",
            "clap",
            "humantime",
            "sysexits",
        ],
    );
    assert!(forbidden.is_empty(), "proto depends on {forbidden:?}");
    let transport: Vec<_> = tonic
        .iter()
        .filter(|f| TRANSPORT.contains(&f.as_str()))
        .collect();
    assert!(transport.is_empty(), "proto turns on tonic's {transport:?}");
}

#[test]
fn the_client_library_has_no_command_line_or_rendering_dependencies() {
    let (dependencies, _) = manifest("client");
    let forbidden = any_of(
        &dependencies,
        &[
            "clap",
            "clap_complete",
            "plotters",
            "resvg",
            "rustix",
            "unicode-width",
            "llmarket-cli",
        ],
    );
    assert!(
        forbidden.is_empty(),
        "the client library depends on {forbidden:?}"
    );
    let manifest: toml::Table =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../client/Cargo.toml"))
            .expect("the client's manifest")
            .parse()
            .expect("a valid manifest");
    assert!(
        manifest.get("features").is_none(),
        "the client library has no features, so none is on by default"
    );
}

#[test]
fn the_flags_crate_depends_on_none_of_ours_and_no_command_line_parser() {
    let (dependencies, _) = manifest("crates/flags");
    let ours: Vec<&String> = dependencies
        .iter()
        .filter(|d| d.starts_with("llmarket-"))
        .collect();
    assert!(ours.is_empty(), "flags depends on {ours:?}");
    let forbidden = any_of(&dependencies, &["clap", "tonic"]);
    assert!(forbidden.is_empty(), "flags depends on {forbidden:?}");
}
