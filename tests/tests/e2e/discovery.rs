//! End-to-end tests of the client library's discovery queries (schemes, concept lists, the
//! capability ladder) and of asking an address which llmarket service answers there.

use llmarket_client::{
    Client, ClientConfig, RetryPolicy, Service,
    probe::Answerer,
    reports::{Language, discovery::ConceptList},
};
use llmarket_tests::{Servers, TestServer};

/// A client with `forecast` and `taxonomy` channels, no retries.
fn client(forecast: tonic::transport::Channel, taxonomy: tonic::transport::Channel) -> Client {
    Client::from_channels(
        forecast,
        taxonomy,
        ClientConfig::default().with_retry(RetryPolicy::none()),
    )
}

#[tokio::test]
async fn schemes_concepts_and_the_ladder_come_from_the_taxonomy() {
    let servers = Servers::start().await;
    let c = client(
        servers.forecast.channel().await,
        servers.taxonomy.channel().await,
    );
    let schemes = c.schemes(Language::Zh).await.expect("schemes");
    assert_eq!(schemes.schemes.len(), 7, "{schemes:?}");
    let levels = schemes
        .schemes
        .iter()
        .find(|s| s.name == "datasets/cic-global-llm/schemes/capability-levels")
        .expect("the capability levels");
    assert_eq!(levels.title, "OpenAI 的五级路线图");
    assert_eq!(levels.concept_count, 5);

    let all: ConceptList = c
        .concept_list(None, false, Language::En)
        .await
        .expect("all");
    let total: i32 = schemes.schemes.iter().map(|s| s.concept_count).sum();
    assert_eq!(all.concepts.len(), usize::try_from(total).unwrap());
    // Scheme by scheme, each broader concept before its narrower ones.
    for (i, concept) in all.concepts.iter().enumerate() {
        for broader in &concept.broader {
            let at = all.concepts.iter().position(|c| &c.name == broader);
            assert!(
                at.is_some_and(|at| at < i),
                "{} after {broader}",
                concept.name
            );
        }
    }
    let one = c
        .concept_list(Some("schemes/drivers"), true, Language::En)
        .await
        .expect("drivers");
    assert!(one.tree);
    assert!(one.concepts.iter().all(|c| {
        c.name
            .starts_with("datasets/cic-global-llm/schemes/drivers/")
    }));

    let ladder = c.capability_ladder(Language::En).await.expect("ladder");
    assert_eq!(ladder.levels.len(), 5);
    assert_eq!(
        ladder.current.as_deref(),
        Some("datasets/cic-global-llm/schemes/capability-levels/concepts/l3")
    );
    assert_eq!(ladder.position.as_deref(), Some("border"));
}

#[tokio::test]
async fn an_address_says_which_service_answers_there() {
    let servers = Servers::start().await;
    let (forecast, taxonomy) = (
        servers.forecast.channel().await,
        servers.taxonomy.channel().await,
    );
    // Both endpoints at the taxonomy server: its forecast "service" is the taxonomy.
    let crossed = client(taxonomy.clone(), forecast.clone());
    assert_eq!(
        crossed.which_service_answers(Service::Forecast).await,
        Answerer::Llmarket(Service::Taxonomy)
    );
    assert_eq!(
        crossed.which_service_answers(Service::Taxonomy).await,
        Answerer::Llmarket(Service::Forecast)
    );
    let right = client(forecast, taxonomy);
    assert_eq!(
        right.which_service_answers(Service::Forecast).await,
        Answerer::Llmarket(Service::Forecast)
    );
    // A gRPC server without health or either service.
    let other = TestServer::start(
        llmarket_tests::doubles::SlowForecast::new(std::time::Duration::ZERO).routes(),
    )
    .await;
    let odd = client(other.channel().await, other.channel().await);
    let answer = odd.which_service_answers(Service::Taxonomy).await;
    assert_ne!(answer, Answerer::Llmarket(Service::Taxonomy), "{answer:?}");
}
