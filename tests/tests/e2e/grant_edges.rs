//! Grants at their edges, against the real binary: a scheme names the dataset that declared it
//! only to a caller who may read that dataset; a search page token stays good when only schemes
//! its caller cannot read change, and is refused when a scheme it reads changes.
#![cfg(target_os = "linux")]

use llmarket_proto::taxonomy::{self as pb, taxonomy_service_client::TaxonomyServiceClient};
use llmarket_server::auth::token::TokenDigest;
use llmarket_tests::process::write_manifest;
use tonic::{Code, Request};

use crate::hostile_connections::Server;

const SCHEMES_ONLY: &str = "token-schemes-only";
const BOTH: &str = "token-both";
const BUILTIN: &str = "datasets/cic-global-llm-2026";

/// Every scheme as `token` sees it.
async fn schemes(server: &Server, token: &str) -> Vec<pb::Scheme> {
    let mut request = Request::new(pb::ListSchemesRequest {
        page_size: 1000,
        ..Default::default()
    });
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("metadata"),
    );
    TaxonomyServiceClient::new(server.channel().await)
        .list_schemes(request)
        .await
        .expect("ListSchemes")
        .into_inner()
        .schemes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheme_names_its_dataset_only_to_a_caller_who_may_read_it() {
    let dir = std::env::temp_dir().join(format!("llmarket-grant-edges-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("auth.toml");
    std::fs::write(
        &file,
        format!(
            "[[principal]]\nname = \"schemes-only\"\ntokens = [\"{}\"]\ngrants = [\"schemes/*\"]\n\n\
             [[principal]]\nname = \"both\"\ntokens = [\"{}\"]\ngrants = [\"schemes/*\", \"datasets/*\"]\n",
            TokenDigest::of(SCHEMES_ONLY),
            TokenDigest::of(BOTH),
        ),
    )
    .expect("write auth file");
    let server = Server::start(&["--auth-file", file.to_str().expect("utf-8 path")], None);

    let hidden = schemes(&server, SCHEMES_ONLY).await;
    assert!(!hidden.is_empty());
    assert!(
        hidden.iter().all(|s| s.dataset.is_empty()),
        "{:?}",
        hidden.iter().map(|s| &s.dataset).collect::<Vec<_>>()
    );
    let shown = schemes(&server, BOTH).await;
    assert_eq!(shown.len(), hidden.len());
    assert!(shown.iter().all(|s| s.dataset == BUILTIN), "{shown:?}");
    // Nothing else of the scheme differs.
    for (hidden, shown) in hidden.iter().zip(&shown) {
        assert_eq!(
            pb::Scheme {
                dataset: String::new(),
                ..shown.clone()
            },
            *hidden
        );
    }
    std::fs::remove_dir_all(dir).expect("clean up");
}

const SHOWN_ONLY: &str = "token-shown-only";

/// A dataset `extra` with the schemes `shown` (three concepts labelled "Widget …") and `hidden`
/// (one, labelled `hidden_label`), and `shown`'s first label `shown_label`.
fn extra_taxonomy(shown_label: &str, hidden_label: &str) -> String {
    let mut text = String::from(
        "[[schemes]]\nid = \"shown\"\ntitle_zh_hans = \"可见\"\ntitle_en = \"Shown\"\nsource = \"1\"\n",
    );
    for (id, label) in [("a", shown_label), ("b", "Widget b"), ("c", "Widget c")] {
        text.push_str(&format!(
            "[[schemes.concepts]]\nid = \"{id}\"\npref_label_zh_hans = \"部件{id}\"\npref_label_en = {label:?}\n"
        ));
    }
    text.push_str(&format!(
        "[[schemes]]\nid = \"hidden\"\ntitle_zh_hans = \"隐藏\"\ntitle_en = \"Hidden\"\nsource = \"1\"\n\
         [[schemes.concepts]]\nid = \"h\"\npref_label_zh_hans = \"部件\"\npref_label_en = {hidden_label:?}\n"
    ));
    text
}

/// Writes the dataset `extra` into `root` with its manifest.
fn write_extra(root: &std::path::Path, shown_label: &str, hidden_label: &str) {
    let dir = root.join("extra");
    std::fs::create_dir_all(&dir).expect("dataset dir");
    std::fs::write(
        dir.join("taxonomy.toml"),
        extra_taxonomy(shown_label, hidden_label),
    )
    .expect("write taxonomy.toml");
    write_manifest(&dir);
}

/// The second page of a search for "widget" in `shown`, one hit a page, as `SHOWN_ONLY` sees it.
async fn search(
    server: &Server,
    page_token: &str,
) -> Result<pb::SearchConceptsResponse, tonic::Status> {
    let mut request = Request::new(pb::SearchConceptsRequest {
        query: "widget".to_owned(),
        schemes: vec!["schemes/shown".to_owned()],
        page_size: 1,
        page_token: page_token.to_owned(),
        ..Default::default()
    });
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {SHOWN_ONLY}").parse().expect("metadata"),
    );
    TaxonomyServiceClient::new(server.channel().await)
        .search_concepts(request)
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_page_token_outlives_changes_to_schemes_its_caller_cannot_read() {
    let root = std::env::temp_dir().join(format!("llmarket-scoped-tokens-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("temp dir");
    write_extra(&root, "Widget a", "Widget h");
    let file = root.join("auth.toml");
    std::fs::write(
        &file,
        format!(
            "[[principal]]\nname = \"shown-only\"\ntokens = [\"{}\"]\ngrants = [\"schemes/shown\"]\n",
            TokenDigest::of(SHOWN_ONLY)
        ),
    )
    .expect("write auth file");
    let server = Server::start(
        &[
            "--auth-file",
            file.to_str().expect("utf-8 path"),
            "--data",
            root.join("extra").to_str().expect("utf-8 path"),
        ],
        None,
    );
    let first = search(&server, "").await.expect("the first page");
    assert_eq!(first.total_size, 3, "{first:?}");
    let token = first.next_page_token;
    assert!(!token.is_empty());

    // A scheme the caller cannot read changes: its token is still good.
    write_extra(&root, "Widget a", "Widget h, renamed");
    server.wait_for("reloaded data");
    let second = search(&server, &token)
        .await
        .expect("the token after a hidden change");
    assert_eq!(second.hits.len(), 1);
    assert_eq!(second.total_size, 3);

    // A scheme it reads changes: the token is refused, as any token of other data.
    write_extra(&root, "Widget a, renamed", "Widget h, renamed");
    server.wait_for("reloaded data");
    let refused = search(&server, &token)
        .await
        .expect_err("the token after a visible change");
    assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
    std::fs::remove_dir_all(root).expect("clean up");
}

const EVERYTHING: &str = "token-everything";

/// Writes the dataset `other` into `root` (a scheme `elsewhere` whose one concept is labelled
/// `label`) with its manifest.
fn write_other(root: &std::path::Path, label: &str) {
    let dir = root.join("other");
    std::fs::create_dir_all(&dir).expect("dataset dir");
    let text = format!(
        "[[schemes]]\nid = \"elsewhere\"\ntitle_zh_hans = \"别处\"\ntitle_en = \"Elsewhere\"\nsource = \"1\"\n\
         [[schemes.concepts]]\nid = \"e\"\npref_label_zh_hans = \"部件\"\npref_label_en = {label:?}\n"
    );
    std::fs::write(dir.join("taxonomy.toml"), text).expect("write taxonomy.toml");
    write_manifest(&dir);
}

/// The `llmarket-data-version` of a ListSchemes answered to `token`.
async fn version_seen(server: &Server, token: &str) -> String {
    let mut request = Request::new(pb::ListSchemesRequest::default());
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("metadata"),
    );
    let response = TaxonomyServiceClient::new(server.channel().await)
        .list_schemes(request)
        .await
        .expect("ListSchemes");
    let version = llmarket_tests::data_version(&response);
    assert_eq!(version.len(), 16, "{version:?}");
    version
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_version_a_caller_sees_changes_only_with_data_it_may_read() {
    let root = std::env::temp_dir().join(format!("llmarket-scoped-version-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).expect("temp dir");
    write_extra(&root, "Widget a", "Widget h");
    write_other(&root, "Thing");
    let file = root.join("auth.toml");
    std::fs::write(
        &file,
        format!(
            "[[principal]]\nname = \"shown-only\"\ntokens = [\"{}\"]\ngrants = [\"schemes/shown\"]\n\n\
             [[principal]]\nname = \"everything\"\ntokens = [\"{}\"]\ngrants = [\"schemes/*\", \"datasets/*\", \"milestones\"]\n",
            TokenDigest::of(SHOWN_ONLY),
            TokenDigest::of(EVERYTHING),
        ),
    )
    .expect("write auth file");
    let data = root.to_str().expect("utf-8 path").to_owned();
    let server = Server::start(
        &[
            "--auth-file",
            file.to_str().expect("utf-8 path"),
            "--data",
            &data,
        ],
        None,
    );
    let (narrow, full) = (
        version_seen(&server, SHOWN_ONLY).await,
        version_seen(&server, EVERYTHING).await,
    );
    assert_ne!(
        narrow, full,
        "a caller who reads less is shown another version"
    );

    // A dataset the narrow caller reads nothing of changes: only the full caller sees it.
    write_other(&root, "Thing, renamed");
    let line = server.wait_for("reloaded data");
    assert!(line.contains("schemes/elsewhere"), "{line}");
    assert_eq!(version_seen(&server, SHOWN_ONLY).await, narrow);
    let full_after = version_seen(&server, EVERYTHING).await;
    assert_ne!(full_after, full);
    assert!(
        line.contains(&full_after),
        "the full caller sees the version logged: {line}"
    );

    // The dataset it reads a scheme of changes: it sees that.
    write_extra(&root, "Widget a, renamed", "Widget h");
    server.wait_for("reloaded data");
    assert_ne!(version_seen(&server, SHOWN_ONLY).await, narrow);
    std::fs::remove_dir_all(root).expect("clean up");
}
