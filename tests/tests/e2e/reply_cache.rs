//! The reply cache end to end: repeated calls get exactly what a server without the cache
//! answers (messages and the data version), callers with other grants never get each other's
//! replies, and data swapped in by a reload is answered at once. (The reload through SIGHUP
//! and through a watched directory in the real process: `data_watch.rs`.)

use std::{path::PathBuf, sync::Arc};

use arc_swap::ArcSwap;
use llmarket_kit::data::{self, DataFile, DatasetFiles};
use llmarket_proto::{
    forecast::{self as fpb, forecast_service_client::ForecastServiceClient},
    taxonomy::{self as tpb, taxonomy_service_client::TaxonomyServiceClient},
};
use llmarket_server::app::ServeOptions;
use llmarket_server::auth::{self, token::TokenDigest};
use llmarket_serving::middleware::ReplyCache;
use llmarket_taxonomy as taxonomy;
use llmarket_tests::{TestServer, builtin_catalog, builtin_vocabulary};
use tonic::{Code, Request, metadata::MetadataValue};

const DATASET: &str = "datasets/cic-global-llm-2026";
const SERIES: &str = "datasets/cic-global-llm-2026/series/market-size";

fn uncached() -> ServeOptions {
    ServeOptions {
        replies: ReplyCache::off(),
        ..ServeOptions::default()
    }
}

/// The data version a response names, and its message.
fn seen<T>(response: tonic::Response<T>) -> (String, T) {
    (
        llmarket_tests::data_version(&response),
        response.into_inner(),
    )
}

#[tokio::test]
async fn repeated_taxonomy_calls_get_what_an_uncached_server_answers() {
    let (cached, plain) = tokio::join!(
        TestServer::taxonomy(),
        TestServer::start_with_options(
            llmarket_server::app::routes::taxonomy(builtin_vocabulary()),
            uncached()
        ),
    );
    let mut cached = TaxonomyServiceClient::new(cached.channel().await);
    let mut plain = TaxonomyServiceClient::new(plain.channel().await);
    for language_code in ["en", "zh-Hans", ""] {
        let search = tpb::SearchConceptsRequest {
            query: "推理".into(),
            language_code: language_code.into(),
            page_size: 10,
            ..Default::default()
        };
        let concept = tpb::GetConceptRequest {
            name: "schemes/industry/concepts/maas".into(),
            language_code: language_code.into(),
        };
        let expected = seen(plain.search_concepts(search.clone()).await.unwrap());
        assert!(!expected.0.is_empty(), "a data version header");
        let expected_concept = seen(plain.get_concept(concept.clone()).await.unwrap());
        for _ in 0..3 {
            let got = seen(cached.search_concepts(search.clone()).await.unwrap());
            assert_eq!(got, expected, "{language_code:?}");
            let got = seen(cached.get_concept(concept.clone()).await.unwrap());
            assert_eq!(got, expected_concept, "{language_code:?}");
        }
    }
    // An error is answered afresh every time, never kept.
    for _ in 0..2 {
        let missing = tpb::GetConceptRequest {
            name: "schemes/industry/concepts/no-such".into(),
            ..Default::default()
        };
        let status = cached.get_concept(missing).await.unwrap_err();
        assert_eq!(status.code(), Code::NotFound);
    }
}

#[tokio::test]
async fn repeated_forecast_calls_get_what_an_uncached_server_answers() {
    let (cached, plain) = tokio::join!(
        TestServer::forecast(),
        TestServer::start_with_options(
            llmarket_server::app::routes::forecast(builtin_catalog()),
            uncached()
        ),
    );
    let mut cached = ForecastServiceClient::new(cached.channel().await);
    let mut plain = ForecastServiceClient::new(plain.channel().await);
    let observations = fpb::GetObservationsRequest {
        series: SERIES.into(),
        fill: fpb::Fill::CagrInterpolate.into(),
        ..Default::default()
    };
    let expected = seen(plain.get_observations(observations.clone()).await.unwrap());
    let expected_list = seen(
        plain
            .list_datasets(fpb::ListDatasetsRequest::default())
            .await
            .unwrap(),
    );
    for _ in 0..3 {
        let got = seen(cached.get_observations(observations.clone()).await.unwrap());
        assert_eq!(got, expected);
        let got = seen(
            cached
                .list_datasets(fpb::ListDatasetsRequest::default())
                .await
                .unwrap(),
        );
        assert_eq!(got, expected_list);
    }
}

/// An auth file: `all` reads every dataset, `schemes` no dataset at all.
fn auth_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("llmarket-replies-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("auth.toml");
    let text = format!(
        "[[principal]]\nname = \"all\"\ntokens = [\"{}\"]\ngrants = [\"datasets/*\"]\n\n\
         [[principal]]\nname = \"schemes\"\ntokens = [\"{}\"]\ngrants = [\"schemes/*\"]\n",
        TokenDigest::of("token-all"),
        TokenDigest::of("token-schemes"),
    );
    std::fs::write(&file, text).expect("write the auth file");
    file
}

fn with_token<T>(token: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    let value = MetadataValue::try_from(format!("Bearer {token}")).expect("ascii");
    request.metadata_mut().insert("authorization", value);
    request
}

#[tokio::test]
async fn callers_with_other_grants_never_get_each_others_replies() {
    let file = auth_file("grants");
    let options = ServeOptions {
        auth: Some(auth::load(&file).expect("auth file loads")),
        ..ServeOptions::default()
    };
    let server = TestServer::start_with_options(
        llmarket_server::app::routes::forecast(builtin_catalog()),
        options,
    )
    .await;
    let mut client = ForecastServiceClient::new(server.channel().await);
    let list = || fpb::ListDatasetsRequest::default();
    let get = || fpb::GetDatasetRequest {
        name: DATASET.into(),
    };
    for _ in 0..2 {
        let all = client.list_datasets(with_token("token-all", list())).await;
        assert_eq!(all.unwrap().into_inner().datasets.len(), 1);
        client
            .get_dataset(with_token("token-all", get()))
            .await
            .unwrap();
    }
    for _ in 0..2 {
        let none = client
            .list_datasets(with_token("token-schemes", list()))
            .await;
        assert!(none.unwrap().into_inner().datasets.is_empty());
        let denied = client.get_dataset(with_token("token-schemes", get())).await;
        assert_eq!(denied.unwrap_err().code(), Code::PermissionDenied);
    }
    let unauthenticated = client.get_dataset(get()).await;
    assert_eq!(unauthenticated.unwrap_err().code(), Code::Unauthenticated);
    let _ = std::fs::remove_dir_all(file.parent().expect("a directory"));
}

/// The built-in vocabulary and one more scheme, `added`, whose title is `title`.
fn vocabulary_with(title: &str) -> taxonomy::Vocabulary {
    let text = format!(
        "[[schemes]]\nid = \"added\"\ntitle_zh_hans = \"新增\"\ntitle_en = {title:?}\nsource = \"1\"\n"
    );
    let mut sources = data::all_sources(&[]).expect("built-in sources");
    sources.push(DatasetFiles::taxonomy_only(
        "added",
        DataFile::owned("added/taxonomy.toml", text),
    ));
    taxonomy::Vocabulary::load(&sources).expect("the vocabulary loads")
}

#[tokio::test]
async fn data_swapped_in_is_answered_at_once() {
    let shared = Arc::new(ArcSwap::from_pointee(vocabulary_with("First")));
    let server = TestServer::start(llmarket_server::app::routes::taxonomy(shared.clone())).await;
    let mut client = TaxonomyServiceClient::new(server.channel().await);
    let get = || tpb::GetSchemeRequest {
        name: "schemes/added".into(),
        language_code: "en".into(),
    };
    let title =
        |r: tonic::Response<tpb::GetSchemeResponse>| seen(r).1.scheme.expect("a scheme").title;
    for _ in 0..2 {
        assert_eq!(title(client.get_scheme(get()).await.unwrap()), "First");
    }
    shared.store(Arc::new(vocabulary_with("Second")));
    assert_eq!(title(client.get_scheme(get()).await.unwrap()), "Second");
}

#[tokio::test]
async fn the_v2_reads_beside_v1_are_kept_too() {
    use llmarket_proto::llmarket::{
        forecast::v2::{self as f2, forecast_service_client::ForecastServiceClient as F2},
        taxonomy::v2::{self as t2, taxonomy_service_client::TaxonomyServiceClient as T2},
    };
    let replies = ReplyCache::default();
    let options = || ServeOptions {
        replies: replies.clone(),
        ..ServeOptions::default()
    };
    let (forecast, taxonomy) = tokio::join!(
        TestServer::start_with_options(
            llmarket_server::app::routes::forecast(builtin_catalog()),
            options()
        ),
        TestServer::start_with_options(
            llmarket_server::app::routes::taxonomy(builtin_vocabulary()),
            options()
        ),
    );
    let mut forecast = F2::new(forecast.channel().await);
    let mut taxonomy = T2::new(taxonomy.channel().await);
    let get = f2::GetSeriesRequest {
        name: "datasets/cic-global-llm/series/market-size".into(),
        edition: None,
    };
    let first = seen(forecast.get_series(get.clone()).await.unwrap());
    assert_eq!(replies.usage().0, 1, "the v2 forecast reply is kept");
    assert_eq!(seen(forecast.get_series(get).await.unwrap()), first);
    assert_eq!(replies.usage().0, 1, "one reply kept for the two calls");
    let scheme = t2::GetSchemeRequest {
        name: "datasets/cic-global-llm/schemes/industry".into(),
        edition: None,
    };
    let first = seen(taxonomy.get_scheme(scheme.clone()).await.unwrap());
    assert_eq!(replies.usage().0, 2, "the v2 taxonomy reply is kept");
    assert_eq!(seen(taxonomy.get_scheme(scheme).await.unwrap()), first);
}
