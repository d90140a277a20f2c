//! Grants at their edges, against the real binary: a scheme names the dataset that declared it
//! only to a caller who may read that dataset.
#![cfg(target_os = "linux")]

use llmarket_proto::taxonomy::{self as pb, taxonomy_service_client::TaxonomyServiceClient};
use llmarket_server::auth::token::TokenDigest;
use tonic::Request;

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
