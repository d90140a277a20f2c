//! The taxonomy service of contract v2 against the real binary: the built-in vocabulary under
//! `datasets/cic-global-llm`, a second report with its own `industry` scheme loading beside it
//! (v1 still answering the built-in's, the shadowed v1 ids logged), edition selectors, v2
//! grants from an auth file, and the google.rpc error details.
#![cfg(unix)]

use llmarket_proto::{
    google::r#type::Date,
    llmarket::taxonomy::v2::{self as pb, taxonomy_service_client::TaxonomyServiceClient},
    taxonomy as v1,
};
use llmarket_server::auth::token::TokenDigest;
use llmarket_tests::process::{ServerProcess, server_bin};
use tokio_stream::StreamExt as _;
use tonic::{Code, Request, transport::Channel};
use tonic_types::{ErrorDetail, StatusExt as _};

const ACME: &str = "[[schemes]]\nid = \"industry\"\ntitle_zh_hans = \"部件行业\"\ntitle_en = \"The widget industry\"\nsource = \"1\"\n\
[[schemes.concepts]]\nid = \"widgets\"\npref_label_zh_hans = \"部件\"\npref_label_en = \"Widgets\"\n\
[[schemes.concepts]]\nid = \"gears\"\npref_label_zh_hans = \"齿轮\"\npref_label_en = \"Gears\"\nbroader = [\"widgets\"]\n\
[[milestones]]\nid = \"first-widget\"\nyear = 2027\ntitle_zh_hans = \"第一个部件\"\ntitle_en = \"First widget\"\nsource = \"1\"\nconcepts = [\"industry/widgets\"]\n";

const ACME_ONLY: &str = "token-acme-only";
const BUILTIN_INDUSTRY: &str = "token-builtin-industry";

/// A temporary directory holding `acme-2027` (edition 2027 of `acme`, published 2027-03, with
/// its own `industry` scheme) and an auth file.
struct Fixture {
    root: std::path::PathBuf,
}

impl Fixture {
    fn new(name: &str) -> Self {
        let root = std::env::temp_dir().join(format!("llmarket-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dir = root.join("acme-2027");
        std::fs::create_dir_all(&dir).expect("dataset dir");
        std::fs::write(dir.join("taxonomy.toml"), ACME).expect("write taxonomy.toml");
        let status = std::process::Command::new(server_bin())
            .args(["data", "manifest"])
            .arg(&dir)
            .args(["--edition", "acme/2027@2027-03"])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("run data manifest");
        assert!(status.success(), "data manifest --edition failed");
        std::fs::write(
            root.join("auth.toml"),
            format!(
                "[[principal]]\nname = \"acme-only\"\ntokens = [\"{}\"]\ngrants = [\"datasets/acme\"]\n\n\
                 [[principal]]\nname = \"builtin-industry\"\ntokens = [\"{}\"]\n\
                 grants = [\"datasets/cic-global-llm/schemes/industry\"]\n",
                TokenDigest::of(ACME_ONLY),
                TokenDigest::of(BUILTIN_INDUSTRY),
            ),
        )
        .expect("write auth file");
        Self { root }
    }

    fn path(&self, name: &str) -> String {
        self.root
            .join(name)
            .to_str()
            .expect("utf-8 path")
            .to_owned()
    }

    /// The taxonomy server with the second dataset, and `extra` arguments.
    fn start(&self, extra: &[&str]) -> (ServerProcess, String) {
        let data = self.path("acme-2027");
        let mut args = vec!["taxonomy", "--listen", "127.0.0.1:0", "--data", &data];
        args.extend_from_slice(extra);
        let server = ServerProcess::start(&args, 1);
        let url = format!("http://{}", server.addr("taxonomy"));
        (server, url)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

async fn channel(url: &str) -> Channel {
    tonic::transport::Endpoint::from_shared(url.to_owned())
        .expect("url")
        .connect()
        .await
        .expect("connect")
}

/// `message` with the bearer `token`, if any.
fn request<T>(message: T, token: Option<&str>) -> Request<T> {
    let mut request = Request::new(message);
    if let Some(token) = token {
        request.metadata_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("metadata"),
        );
    }
    request
}

async fn get_scheme(
    url: &str,
    name: &str,
    edition: Option<pb::EditionSelector>,
    token: Option<&str>,
) -> Result<pb::Scheme, tonic::Status> {
    TaxonomyServiceClient::new(channel(url).await)
        .get_scheme(request(
            pb::GetSchemeRequest {
                name: name.into(),
                edition,
            },
            token,
        ))
        .await
        .map(tonic::Response::into_inner)
}

fn en(texts: &[pb::LocalizedText]) -> &str {
    texts
        .iter()
        .find(|t| t.language_code == "en")
        .map_or("", |t| t.text.as_str())
}

/// The ResourceInfo names of `status`.
fn missing_names(status: &tonic::Status) -> Vec<String> {
    status
        .get_error_details_vec()
        .into_iter()
        .filter_map(|d| match d {
            ErrorDetail::ResourceInfo(info) => Some(info.resource_name),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_report_with_its_own_industry_scheme_loads_beside_the_builtin() {
    let fixture = Fixture::new("taxonomy-v2-second");
    let (server, url) = fixture.start(&[]);
    assert!(
        server
            .startup
            .iter()
            .any(|line| line.contains("schemes/industry") && line.contains("acme")),
        "no shadowed-id line in {:#?}",
        server.startup
    );

    // v1 answers the built-in's `industry`, as before.
    let v1_scheme = v1::taxonomy_service_client::TaxonomyServiceClient::new(channel(&url).await)
        .get_scheme(v1::GetSchemeRequest {
            name: "schemes/industry".into(),
            language_code: "en".into(),
        })
        .await
        .expect("v1 GetScheme")
        .into_inner()
        .scheme
        .expect("scheme");
    assert_eq!(v1_scheme.title, "The global large-model industry");
    assert_eq!(v1_scheme.dataset, "datasets/cic-global-llm-2026");

    // v2 answers each dataset's own, saying its edition and data version.
    let builtin = get_scheme(&url, "datasets/cic-global-llm/schemes/industry", None, None)
        .await
        .expect("the built-in's industry");
    assert_eq!(en(&builtin.titles), "The global large-model industry");
    assert_eq!(builtin.edition, "datasets/cic-global-llm/editions/2026");
    assert_eq!(builtin.data_version.len(), 16);
    let acme = get_scheme(&url, "datasets/acme/schemes/industry", None, None)
        .await
        .expect("acme's industry");
    assert_eq!(en(&acme.titles), "The widget industry");
    assert_eq!(acme.edition, "datasets/acme/editions/2027");
    assert_eq!(
        acme.top_concepts,
        ["datasets/acme/schemes/industry/concepts/widgets"]
    );

    let mut client = TaxonomyServiceClient::new(channel(&url).await);
    let all = client
        .list_concepts(pb::ListConceptsRequest {
            parent: "datasets/-/schemes/industry".into(),
            page_size: 1000,
            ..Default::default()
        })
        .await
        .expect("ListConcepts across datasets")
        .into_inner();
    let datasets: std::collections::BTreeSet<_> = all
        .concepts
        .iter()
        .map(|c| c.name.split('/').nth(1).unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        datasets.into_iter().collect::<Vec<_>>(),
        ["acme", "cic-global-llm"]
    );

    // Edition selectors: as of a day before acme's edition, it had none.
    let as_of = |year, month, day| {
        Some(pb::EditionSelector {
            selector: Some(pb::edition_selector::Selector::AsOf(Date {
                year,
                month,
                day,
            })),
        })
    };
    let early = get_scheme(
        &url,
        "datasets/acme/schemes/industry",
        as_of(2027, 3, 30),
        None,
    )
    .await
    .expect_err("before the first edition");
    assert_eq!(early.code(), Code::NotFound, "{early:?}");
    assert!(
        get_scheme(
            &url,
            "datasets/acme/schemes/industry",
            as_of(2027, 3, 31),
            None
        )
        .await
        .is_ok()
    );
    let elsewhere = get_scheme(
        &url,
        "datasets/acme/schemes/industry",
        Some(pb::EditionSelector {
            selector: Some(pb::edition_selector::Selector::Edition(
                "datasets/cic-global-llm/editions/2026".into(),
            )),
        }),
        None,
    )
    .await
    .expect_err("an edition of another dataset");
    assert_eq!(elsewhere.code(), Code::InvalidArgument);

    // Reflection lists v2 beside v1.
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let mut reflection = ServerReflectionClient::new(channel(&url).await);
    let mut stream = reflection
        .server_reflection_info(tokio_stream::iter([ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        }]))
        .await
        .expect("reflection")
        .into_inner();
    let Some(Ok(response)) = stream.next().await else {
        panic!("no reflection response");
    };
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("not a service list");
    };
    let names: Vec<_> = list.service.into_iter().map(|s| s.name).collect();
    for name in [
        "llmarket.taxonomy.v1.TaxonomyService",
        "llmarket.taxonomy.v2.TaxonomyService",
    ] {
        assert!(
            names.iter().any(|n| n == name),
            "{name} missing from {names:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_carry_their_google_rpc_details() {
    let fixture = Fixture::new("taxonomy-v2-errors");
    let (_server, url) = fixture.start(&[]);
    let mut client = TaxonomyServiceClient::new(channel(&url).await);

    let missing = client
        .get_concept(pb::GetConceptRequest {
            name: "datasets/acme/schemes/industry/concepts/widget".into(),
            edition: None,
        })
        .await
        .expect_err("a missing concept");
    assert_eq!(missing.code(), Code::NotFound);
    assert_eq!(
        missing_names(&missing),
        ["datasets/acme/schemes/industry/concepts/widget"]
    );
    let info = missing.get_details_error_info().expect("ErrorInfo");
    assert_eq!(
        (info.reason.as_str(), info.domain.as_str()),
        ("RESOURCE_NOT_FOUND", "llmarket.taxonomy.v2")
    );
    assert_eq!(
        info.metadata["nearest"],
        "datasets/acme/schemes/industry/concepts/widgets"
    );

    let names = [
        "datasets/acme/schemes/industry/concepts/gears",
        "datasets/acme/schemes/industry/concepts/nope",
        "datasets/cic-global-llm/schemes/industry/concepts/nope",
    ];
    let batch = client
        .batch_get_concepts(pb::BatchGetConceptsRequest {
            parent: "datasets/-/schemes/industry".into(),
            names: names.iter().map(|&n| n.to_owned()).collect(),
            ..Default::default()
        })
        .await
        .expect_err("two missing names");
    assert_eq!(batch.code(), Code::NotFound);
    assert_eq!(missing_names(&batch), names[1..]);

    let bad = client
        .list_concepts(pb::ListConceptsRequest {
            parent: "datasets/-/schemes/-".into(),
            filter: "broader = \"\" OR series:\"datasets/acme/series/x\"".into(),
            ..Default::default()
        })
        .await
        .expect_err("an unsupported filter");
    assert_eq!(bad.code(), Code::InvalidArgument);
    let violations = bad
        .get_details_bad_request()
        .expect("BadRequest")
        .field_violations;
    assert_eq!(violations[0].field, "filter");

    let top = client
        .list_concepts(pb::ListConceptsRequest {
            parent: "datasets/acme/schemes/-".into(),
            filter: "broader = \"\"".into(),
            ..Default::default()
        })
        .await
        .expect("top concepts")
        .into_inner();
    assert_eq!(
        top.concepts
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["datasets/acme/schemes/industry/concepts/widgets"]
    );
    assert_eq!(top.data_version, top.concepts[0].data_version);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_grants_read_only_their_datasets_and_schemes() {
    let fixture = Fixture::new("taxonomy-v2-grants");
    let auth = fixture.path("auth.toml");
    let (_server, url) = fixture.start(&["--auth-file", &auth]);

    let listed = TaxonomyServiceClient::new(channel(&url).await)
        .list_schemes(request(
            pb::ListSchemesRequest {
                parent: "datasets/-".into(),
                ..Default::default()
            },
            Some(ACME_ONLY),
        ))
        .await
        .expect("ListSchemes")
        .into_inner();
    assert_eq!(
        listed
            .schemes
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        ["datasets/acme/schemes/industry"]
    );
    let denied = get_scheme(
        &url,
        "datasets/cic-global-llm/schemes/industry",
        None,
        Some(ACME_ONLY),
    )
    .await
    .expect_err("another dataset's scheme");
    assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");
    // A scheme that does not exist is refused the same way: the refusal tells nothing.
    let absent = get_scheme(
        &url,
        "datasets/cic-global-llm/schemes/nope",
        None,
        Some(ACME_ONLY),
    )
    .await
    .expect_err("a missing scheme of another dataset");
    assert_eq!(absent.code(), Code::PermissionDenied);

    assert!(
        get_scheme(
            &url,
            "datasets/cic-global-llm/schemes/industry",
            None,
            Some(BUILTIN_INDUSTRY)
        )
        .await
        .is_ok()
    );
    let other = get_scheme(
        &url,
        "datasets/acme/schemes/industry",
        None,
        Some(BUILTIN_INDUSTRY),
    )
    .await
    .expect_err("acme's scheme of the same id");
    assert_eq!(other.code(), Code::PermissionDenied);

    let mut client = TaxonomyServiceClient::new(channel(&url).await);
    let milestone = |name: &str, token| {
        request(
            pb::GetMilestoneRequest {
                name: name.into(),
                edition: None,
            },
            Some(token),
        )
    };
    assert!(
        client
            .get_milestone(milestone(
                "datasets/acme/milestones/first-widget",
                ACME_ONLY
            ))
            .await
            .is_ok()
    );
    let hidden = client
        .get_milestone(milestone(
            "datasets/acme/milestones/first-widget",
            BUILTIN_INDUSTRY,
        ))
        .await
        .expect_err("a milestone of a dataset the caller may not read");
    assert_eq!(hidden.code(), Code::NotFound, "{hidden:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attribute_naming_a_concept_is_its_v2_name_in_v2_and_as_written_in_v1() {
    let server = ServerProcess::start(&["taxonomy", "--listen", "127.0.0.1:0"], 1);
    let url = format!("http://{}", server.addr("taxonomy"));
    let mut v2 = TaxonomyServiceClient::new(channel(&url).await);
    let get = |name: &str| pb::GetConceptRequest {
        name: name.into(),
        edition: None,
    };
    let application = "datasets/cic-global-llm/schemes/applications/concepts/content-moderation";
    let concept = v2.get_concept(get(application)).await.unwrap().into_inner();
    let unlocked_by = &concept.attributes["unlocked_by"];
    assert_eq!(
        unlocked_by,
        "datasets/cic-global-llm/schemes/drivers/concepts/cost-decline"
    );
    // The name reads the concept it names.
    let driver = v2.get_concept(get(unlocked_by)).await.unwrap().into_inner();
    assert_eq!(en(&driver.pref_labels), "Cost decline and market adoption");
    // An attribute that names no concept is as the data writes it.
    let level = "datasets/cic-global-llm/schemes/capability-levels/concepts/l3";
    let level = v2.get_concept(get(level)).await.unwrap().into_inner();
    assert_eq!(level.attributes["current_level"], "border");

    let v1_concept = v1::taxonomy_service_client::TaxonomyServiceClient::new(channel(&url).await)
        .get_concept(v1::GetConceptRequest {
            name: "schemes/applications/concepts/content-moderation".into(),
            language_code: "en".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .concept
        .unwrap();
    assert_eq!(
        v1_concept.attributes["unlocked_by"],
        "schemes/drivers/concepts/cost-decline"
    );
}
