//! End-to-end tests of access control over gRPC: bearer tokens missing, wrong and revoked by a
//! reload of the auth file; grants refusing resources (the same whether they exist or not) and
//! filtering lists, searches and links; a partly granted batch; a quota; health open to all.

use std::{path::PathBuf, time::Duration};

use llmarket_proto::{
    forecast::{self as fpb, forecast_service_client::ForecastServiceClient},
    taxonomy::{self as tpb, taxonomy_service_client::TaxonomyServiceClient},
};
use llmarket_server::auth::{self, SharedPrincipals, token::TokenDigest};
use llmarket_server::{app::ServeOptions, auth::Reflection};
use llmarket_taxonomy as taxonomy;
use llmarket_tests::{TestServer, builtin_catalog, builtin_vocabulary};
use tonic::{Code, Request, Status, metadata::MetadataValue, service::Interceptor};
use tonic_types::StatusExt as _;

const DATASET: &str = "datasets/cic-global-llm-2026";
/// The built-in dataset as contract v2 (and the client library) names it.
const V2_DATASET: &str = "datasets/cic-global-llm";
const SERIES: &str = "datasets/cic-global-llm-2026/series/market-size";
/// A concept linked to the series `market-size`.
const LINKED_CONCEPT: &str = "schemes/industry/concepts/model-based-revenue";

/// Tokens of the principals in [`auth_file`].
const FULL: &str = "token-full";
const NARROW: &str = "token-narrow";
const LIMITED: &str = "token-limited";

/// `full` reads everything; `narrow` only the industry scheme (no dataset, no milestones);
/// `limited` everything, two calls at once and then one a minute.
fn auth_file(with_narrow: bool) -> String {
    let mut text = format!(
        "[[principal]]\nname = \"full\"\ntokens = [\"{}\"]\ngrants = [\"datasets/*\", \"schemes/*\", \"milestones\"]\n\n\
         [[principal]]\nname = \"limited\"\ntokens = [\"{}\"]\ngrants = [\"datasets/*\"]\nquota = {{ calls_per_second = 0.0166, burst = 2 }}\n",
        TokenDigest::of(FULL),
        TokenDigest::of(LIMITED),
    );
    if with_narrow {
        text.push_str(&format!(
            "\n[[principal]]\nname = \"narrow\"\ntokens = [\"{}\"]\ngrants = [\"schemes/industry\"]\n",
            TokenDigest::of(NARROW)
        ));
    }
    text
}

struct Secured {
    forecast: TestServer,
    taxonomy: TestServer,
    file: PathBuf,
    principals: SharedPrincipals,
}

impl Secured {
    async fn start(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("llmarket-auth-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("auth.toml");
        std::fs::write(&file, auth_file(true)).expect("write auth file");
        let principals = auth::load(&file).expect("auth file loads");
        let options = ServeOptions {
            auth: Some(principals.clone()),
            reflection: Reflection::Authenticated,
            ..ServeOptions::default()
        };
        let (forecast, taxonomy) = tokio::join!(
            TestServer::start_with_options(
                llmarket_server::app::routes::forecast(builtin_catalog()),
                options.clone()
            ),
            TestServer::start_with_options(
                llmarket_server::app::routes::taxonomy(builtin_vocabulary()),
                options
            ),
        );
        Self {
            forecast,
            taxonomy,
            file,
            principals,
        }
    }

    async fn forecast(&self, token: Option<&str>) -> ForecastServiceClient<WithToken> {
        ForecastServiceClient::with_interceptor(
            self.forecast.channel().await,
            Bearer(token.map(str::to_owned)),
        )
    }

    async fn taxonomy(&self, token: Option<&str>) -> TaxonomyServiceClient<WithToken> {
        TaxonomyServiceClient::with_interceptor(
            self.taxonomy.channel().await,
            Bearer(token.map(str::to_owned)),
        )
    }
}

/// A channel whose calls carry the bearer token of a [`Bearer`].
type WithToken = tonic::service::interceptor::InterceptedService<tonic::transport::Channel, Bearer>;

/// Sends `authorization: Bearer <token>` on every call, when there is a token.
#[derive(Clone)]
struct Bearer(Option<String>);

impl Interceptor for Bearer {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(token) = &self.0 {
            let value = MetadataValue::try_from(format!("Bearer {token}")).expect("ascii");
            request.metadata_mut().insert("authorization", value);
        }
        Ok(request)
    }
}

fn get_dataset(name: &str) -> fpb::GetDatasetRequest {
    fpb::GetDatasetRequest { name: name.into() }
}

fn code<T: std::fmt::Debug>(result: Result<T, Status>) -> (Code, String) {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(status) => (status.code(), status.message().to_owned()),
    }
}

#[tokio::test]
async fn calls_without_a_known_token_are_unauthenticated_but_health_is_open() {
    let servers = Secured::start("tokens").await;
    let (got, message) = code(
        servers
            .forecast(None)
            .await
            .get_dataset(get_dataset(DATASET))
            .await,
    );
    assert_eq!(got, Code::Unauthenticated);
    assert!(
        message.contains("authorization: Bearer <token>"),
        "{message}"
    );
    let (got, message) = code(
        servers
            .forecast(Some("token-wrong"))
            .await
            .get_dataset(get_dataset(DATASET))
            .await,
    );
    assert_eq!(got, Code::Unauthenticated);
    assert!(message.contains("not valid"), "{message}");
    assert!(
        !message.contains("token-wrong"),
        "the token is never echoed"
    );

    let mut health =
        tonic_health::pb::health_client::HealthClient::new(servers.forecast.channel().await);
    let reply = health
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .expect("health is open")
        .into_inner();
    assert_eq!(
        reply.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    let dataset = servers
        .forecast(Some(FULL))
        .await
        .get_dataset(get_dataset(DATASET))
        .await
        .expect("a granted caller reads the dataset");
    assert!(dataset.into_inner().dataset.is_some());
}

#[tokio::test]
async fn a_token_revoked_by_a_reload_stops_working_and_a_bad_file_keeps_the_old_one() {
    let servers = Secured::start("revoke").await;
    let mut client = servers.taxonomy(Some(NARROW)).await;
    let scheme = || tpb::GetSchemeRequest {
        name: "schemes/industry".into(),
        ..Default::default()
    };
    client
        .get_scheme(scheme())
        .await
        .expect("before the reload");

    std::fs::write(&servers.file, "[[principal]]\nname = \"broken\"\n").expect("write");
    let error = auth::reload(&servers.file, &servers.principals).expect_err("a bad file");
    assert!(error.to_string().contains("no credentials"), "{error}");
    client
        .get_scheme(scheme())
        .await
        .expect("the old principals stay in force");

    std::fs::write(&servers.file, auth_file(false)).expect("write");
    auth::reload(&servers.file, &servers.principals).expect("a good file");
    let (got, _) = code(client.get_scheme(scheme()).await);
    assert_eq!(
        got,
        Code::Unauthenticated,
        "the revoked token is refused on the same connection"
    );
    servers
        .taxonomy(Some(FULL))
        .await
        .get_scheme(scheme())
        .await
        .expect("other tokens still work");
}

#[tokio::test]
async fn resources_outside_the_grants_are_denied_whether_or_not_they_exist() {
    let servers = Secured::start("denied").await;
    let mut forecast = servers.forecast(Some(NARROW)).await;
    let (got, message) = code(forecast.get_dataset(get_dataset(DATASET)).await);
    assert_eq!(got, Code::PermissionDenied);
    assert!(
        message.contains("may not read datasets/cic-global-llm-2026"),
        "{message}"
    );
    let (got, missing) = code(forecast.get_dataset(get_dataset("datasets/no-such")).await);
    assert_eq!(got, Code::PermissionDenied, "not NOT_FOUND: {missing}");
    assert_eq!(
        missing.replace("no-such", "X"),
        message.replace("cic-global-llm-2026", "X")
    );
    let (got, _) = code(
        forecast
            .get_series(fpb::GetSeriesRequest {
                name: SERIES.into(),
            })
            .await,
    );
    assert_eq!(got, Code::PermissionDenied);
    let (got, _) = code(
        forecast
            .compute_growth(fpb::ComputeGrowthRequest {
                series: SERIES.into(),
                start_year: 2024,
                end_year: 2029,
                ..Default::default()
            })
            .await,
    );
    assert_eq!(
        got,
        Code::PermissionDenied,
        "the analysis RPCs check the series' dataset"
    );

    let mut taxonomy = servers.taxonomy(Some(NARROW)).await;
    let (got, message) = code(
        taxonomy
            .get_concept(tpb::GetConceptRequest {
                name: "schemes/capability-levels/concepts/l3".into(),
                ..Default::default()
            })
            .await,
    );
    assert_eq!(got, Code::PermissionDenied);
    assert!(message.contains("schemes/capability-levels"), "{message}");
    let (got, _) = code(
        taxonomy
            .list_milestones(tpb::ListMilestonesRequest::default())
            .await,
    );
    assert_eq!(got, Code::PermissionDenied);
}

#[tokio::test]
async fn lists_and_searches_hold_only_what_the_caller_may_read() {
    let servers = Secured::start("filter").await;
    let datasets = servers
        .forecast(Some(NARROW))
        .await
        .list_datasets(fpb::ListDatasetsRequest::default())
        .await
        .expect("list datasets")
        .into_inner();
    assert!(datasets.datasets.is_empty(), "{datasets:?}");

    let mut narrow = servers.taxonomy(Some(NARROW)).await;
    let schemes = narrow
        .list_schemes(tpb::ListSchemesRequest {
            page_size: 1,
            ..Default::default()
        })
        .await
        .expect("list schemes")
        .into_inner();
    let names: Vec<_> = schemes.schemes.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["schemes/industry"]);
    assert!(
        schemes.next_page_token.is_empty(),
        "no page of schemes it may not read"
    );

    let search = |page_size, page_token: String| tpb::SearchConceptsRequest {
        query: "model".into(),
        page_size,
        page_token,
        ..Default::default()
    };
    let mut full = servers.taxonomy(Some(FULL)).await;
    let everything = full
        .search_concepts(search(0, String::new()))
        .await
        .expect("search")
        .into_inner();
    let first = narrow
        .search_concepts(search(2, String::new()))
        .await
        .expect("search")
        .into_inner();
    assert!(
        first.total_size < everything.total_size,
        "{} vs {}",
        first.total_size,
        everything.total_size
    );
    assert!(first.total_size > 2, "enough industry hits to page");
    assert_eq!(first.hits.len(), 2, "pages stay full");
    let second = narrow
        .search_concepts(search(2, first.next_page_token.clone()))
        .await
        .expect("the page token stays valid")
        .into_inner();
    for hit in first.hits.iter().chain(&second.hits) {
        let concept = hit.concept.as_ref().expect("concept");
        assert!(
            concept.name.starts_with("schemes/industry/"),
            "{}",
            concept.name
        );
    }
    let (got, _) = code(
        narrow
            .search_concepts(tpb::SearchConceptsRequest {
                query: "model".into(),
                schemes: vec!["schemes/capability-levels".into()],
                ..Default::default()
            })
            .await,
    );
    assert_eq!(got, Code::PermissionDenied);
}

#[tokio::test]
async fn a_partly_granted_batch_fails_whole_and_links_to_unreadable_series_are_left_out() {
    let servers = Secured::start("batch").await;
    let mut narrow = servers.taxonomy(Some(NARROW)).await;
    let batch = |names: &[&str]| tpb::BatchGetConceptsRequest {
        names: names.iter().map(|n| (*n).to_owned()).collect(),
        ..Default::default()
    };
    let (got, message) = code(
        narrow
            .batch_get_concepts(batch(&[
                LINKED_CONCEPT,
                "schemes/capability-levels/concepts/l3",
            ]))
            .await,
    );
    assert_eq!(got, Code::PermissionDenied);
    assert!(
        message.contains("schemes/capability-levels/concepts/l3"),
        "{message}"
    );

    let granted = narrow
        .batch_get_concepts(batch(&[LINKED_CONCEPT]))
        .await
        .expect("a wholly granted batch")
        .into_inner();
    assert!(
        granted.concepts[0].series.is_empty(),
        "no dataset grant: no series links"
    );
    let full = servers
        .taxonomy(Some(FULL))
        .await
        .batch_get_concepts(batch(&[LINKED_CONCEPT]))
        .await
        .expect("batch")
        .into_inner();
    assert_eq!(full.concepts[0].series, [SERIES]);
}

#[tokio::test]
async fn past_its_quota_a_principal_gets_resource_exhausted_with_a_retry_hint() {
    let servers = Secured::start("quota").await;
    let mut client = servers.forecast(Some(LIMITED)).await;
    for _ in 0..2 {
        client
            .list_datasets(fpb::ListDatasetsRequest::default())
            .await
            .expect("within the burst");
    }
    let status = client
        .list_datasets(fpb::ListDatasetsRequest::default())
        .await
        .expect_err("past the quota");
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert!(
        status.message().contains("retry after"),
        "{}",
        status.message()
    );
    let retry = status.get_details_retry_info().expect("RetryInfo");
    let delay = retry.retry_delay.expect("a delay");
    llmarket_tests::assert::assert_retry_after(&status, "QUOTA_EXCEEDED", delay);
    assert!(
        delay > Duration::from_secs(10) && delay <= Duration::from_secs(61),
        "{delay:?}"
    );
    servers
        .forecast(Some(FULL))
        .await
        .list_datasets(fpb::ListDatasetsRequest::default())
        .await
        .expect("other principals are not limited by it");
}

#[tokio::test]
async fn a_reload_keeps_the_quota_of_an_unchanged_principal_and_renews_a_changed_one() {
    let servers = Secured::start("quota-reload").await;
    let mut client = servers.forecast(Some(LIMITED)).await;
    let list = || fpb::ListDatasetsRequest::default();
    for _ in 0..2 {
        client
            .list_datasets(list())
            .await
            .expect("within the burst");
    }
    let (got, _) = code(client.list_datasets(list()).await);
    assert_eq!(got, Code::ResourceExhausted, "past the quota");

    // Another principal is removed; `limited` is as it was: its bucket carries on.
    std::fs::write(&servers.file, auth_file(false)).expect("write");
    auth::reload(&servers.file, &servers.principals).expect("a good file");
    let (got, message) = code(client.list_datasets(list()).await);
    assert_eq!(
        got,
        Code::ResourceExhausted,
        "a reload does not refill the bucket: {message}"
    );

    // Its quota changed: a new bucket, full.
    let changed = auth_file(false).replace("burst = 2", "burst = 3");
    assert_ne!(changed, auth_file(false));
    std::fs::write(&servers.file, changed).expect("write");
    auth::reload(&servers.file, &servers.principals).expect("a good file");
    for _ in 0..3 {
        client
            .list_datasets(list())
            .await
            .expect("within the new burst");
    }
    let (got, _) = code(client.list_datasets(list()).await);
    assert_eq!(got, Code::ResourceExhausted, "past the new quota");
}

/// The code of one reflection v1 ListServices call, with `token` if any.
async fn reflection_code(server: &TestServer, token: Option<&str>) -> Code {
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest,
    };
    let mut client = ServerReflectionClient::with_interceptor(
        server.channel().await,
        Bearer(token.map(str::to_owned)),
    );
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    match client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
    {
        Ok(_) => Code::Ok,
        Err(status) => status.code(),
    }
}

#[tokio::test]
async fn reflection_needs_credentials_when_authenticated_and_is_gone_when_off() {
    let servers = Secured::start("reflection").await;
    assert_eq!(
        reflection_code(&servers.forecast, None).await,
        Code::Unauthenticated
    );
    assert_eq!(
        reflection_code(&servers.forecast, Some(NARROW)).await,
        Code::Ok
    );
    let off = TestServer::start_with_options(
        llmarket_server::app::routes::forecast(builtin_catalog()),
        ServeOptions {
            auth: Some(servers.principals.clone()),
            reflection: Reflection::Off,
            ..ServeOptions::default()
        },
    )
    .await;
    assert_eq!(reflection_code(&off, Some(FULL)).await, Code::Unimplemented);
}

#[tokio::test]
async fn the_client_library_waits_as_a_quota_tells_it_and_gives_up_when_the_wait_is_too_long() {
    use llmarket_client::{BearerToken, Client, ClientConfig, reports::Language};

    let dir = std::env::temp_dir().join(format!("llmarket-auth-paced-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("auth.toml");
    let paced = "token-paced";
    std::fs::write(
        &file,
        format!(
            "[[principal]]\nname = \"paced\"\ntokens = [\"{}\"]\ngrants = [\"datasets/*\"]\n\
             quota = {{ calls_per_second = 20.0, burst = 1 }}\n\n{}",
            TokenDigest::of(paced),
            auth_file(false),
        ),
    )
    .expect("write auth file");
    let options = ServeOptions {
        auth: Some(auth::load(&file).expect("auth file loads")),
        ..ServeOptions::default()
    };
    let forecast = TestServer::start_with_options(
        llmarket_server::app::routes::forecast(builtin_catalog()),
        options.clone(),
    )
    .await;
    let taxonomy = TestServer::taxonomy().await;
    let client_with = |token: &str| {
        let config = ClientConfig::default()
            .with_deadline(Duration::from_secs(5))
            .with_token(BearerToken::new(token).expect("token"));
        let forecast = forecast.channel();
        let taxonomy = taxonomy.channel();
        async move { Client::from_channels(forecast.await, taxonomy.await, config) }
    };

    // One call a burst, 20 a second: back-to-back calls are each told to wait about 50 ms, and
    // the client waits and tries again instead of failing.
    let client = client_with(paced).await;
    for _ in 0..3 {
        client
            .series_list(V2_DATASET, Language::En)
            .await
            .expect("served after the hinted wait");
    }

    // A wait longer than the call's deadline is not waited out: the refusal comes back at once.
    let client = client_with(LIMITED).await;
    for _ in 0..2 {
        client
            .series_list(V2_DATASET, Language::En)
            .await
            .expect("within the burst");
    }
    let started = std::time::Instant::now();
    let error = client
        .series_list(V2_DATASET, Language::En)
        .await
        .expect_err("past the quota");
    assert_eq!(error.code(), Some(Code::ResourceExhausted), "{error}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    std::fs::remove_dir_all(dir).expect("clean up");
}

#[tokio::test]
async fn not_found_suggests_only_names_the_caller_may_read() {
    let servers = Secured::start("nearest").await;
    // `agents` is the label of capability-levels/l3: near for a caller who may read that
    // scheme, never named to one who may read only the industry scheme.
    let not_found_for = async |token| {
        let status = servers
            .taxonomy(Some(token))
            .await
            .get_concept(tpb::GetConceptRequest {
                name: "schemes/industry/concepts/agents".into(),
                ..Default::default()
            })
            .await
            .expect_err("no such concept");
        assert_eq!(status.code(), Code::NotFound, "{status:?}");
        status
    };
    let status = not_found_for(FULL).await;
    assert!(
        status
            .message()
            .contains("schemes/capability-levels/concepts/l3"),
        "{status:?}"
    );
    let status = not_found_for(NARROW).await;
    assert!(
        !status.message().contains("capability-levels"),
        "{status:?}"
    );
    let details = status.get_error_details();
    let nearest = &details.error_info().expect("error info").metadata["nearest"];
    assert!(
        nearest
            .split(',')
            .all(|name| name.is_empty() || name.starts_with("schemes/industry/")),
        "{nearest}"
    );
}

/// One HTTP/2 frame: its 9-byte header (length, type, flags, stream id), then `payload`.
fn h2_frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let length = u32::try_from(payload.len())
        .expect("short payload")
        .to_be_bytes();
    let mut frame = vec![length[1], length[2], length[3], kind, flags];
    frame.extend(stream.to_be_bytes());
    frame.extend(payload);
    frame
}

/// Sends `calls` unauthenticated calls to `path` over one HTTP/2 connection to `addr`, as an
/// attacker would: the path is added to the HPACK table once and then sent as a one-byte index,
/// so each further call costs 14 bytes on the wire. Keeps 50 calls in flight (below the server's
/// stream limit) and waits for every answer. Returns the bytes written and how many calls were
/// answered with trailers-only headers (as refusals are) rather than reset.
async fn hpack_flood(addr: std::net::SocketAddr, path: &str, calls: u32) -> (usize, u32) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    const HEADERS: u8 = 1;
    const RST_STREAM: u8 = 3;
    const SETTINGS: u8 = 4;
    const PING: u8 = 6;
    const GOAWAY: u8 = 7;
    const END_STREAM: u8 = 1;
    const END_HEADERS: u8 = 4;
    const ACK: u8 = 1;

    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut reader, writer) = stream.into_split();
    let writer = std::sync::Arc::new(tokio::sync::Mutex::new(writer));
    let written = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let write = {
        let writer = writer.clone();
        let written = written.clone();
        move |bytes: Vec<u8>| {
            let writer = writer.clone();
            let written = written.clone();
            async move {
                written.fetch_add(bytes.len(), std::sync::atomic::Ordering::Relaxed);
                writer.lock().await.write_all(&bytes).await.expect("write");
            }
        }
    };
    let mut opening = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    opening.extend(h2_frame(SETTINGS, 0, 0, &[]));
    write(opening).await;

    let in_flight = std::sync::Arc::new(tokio::sync::Semaphore::new(50));
    let reading = {
        let in_flight = in_flight.clone();
        let write = write.clone();
        tokio::spawn(async move {
            let (mut answered, mut reset) = (0u32, 0u32);
            while answered + reset < calls {
                let mut head = [0u8; 9];
                reader.read_exact(&mut head).await.expect("a frame");
                let length = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
                let mut payload = vec![0; length];
                reader
                    .read_exact(&mut payload)
                    .await
                    .expect("a frame's payload");
                let (kind, flags) = (head[3], head[4]);
                match kind {
                    HEADERS if flags & END_STREAM != 0 => answered += 1,
                    RST_STREAM => reset += 1,
                    SETTINGS if flags & ACK == 0 => write(h2_frame(SETTINGS, ACK, 0, &[])).await,
                    PING if flags & ACK == 0 => write(h2_frame(PING, ACK, 0, &payload)).await,
                    GOAWAY => panic!("the server closed the connection: {payload:?}"),
                    _ => continue,
                }
                if matches!(kind, HEADERS | RST_STREAM)
                    && (kind == RST_STREAM || flags & END_STREAM != 0)
                {
                    in_flight.add_permits(1);
                }
            }
            answered
        })
    };

    // The first call adds :path, content-type and te to the dynamic table (literal with
    // incremental indexing, indexed name); then te is index 62, content-type 63, the path 64.
    let literal = |name_index: u8, value: &str| {
        let mut field = vec![0x40 | name_index];
        assert!(value.len() < 127 || name_index == 4);
        if value.len() < 127 {
            field.push(u8::try_from(value.len()).expect("short"));
        } else {
            // A 7-bit prefixed integer: 127, then the rest in 7-bit groups.
            let mut rest = value.len() - 127;
            field.push(127);
            while rest >= 128 {
                field.push(u8::try_from(rest % 128).expect("7 bits") | 0x80);
                rest /= 128;
            }
            field.push(u8::try_from(rest).expect("7 bits"));
        }
        field.extend(value.as_bytes());
        field
    };
    let mut first = vec![0x83, 0x86]; // :method POST, :scheme http
    first.extend(literal(4, path)); // :path
    first.extend(literal(31, "application/grpc")); // content-type
    first.extend([0x40, 2]); // te: trailers, a new name
    first.extend(b"te");
    first.push(8);
    first.extend(b"trailers");
    let again = [0x83, 0x86, 0x80 | 64, 0x80 | 63, 0x80 | 62];
    for n in 0..calls {
        in_flight.acquire().await.expect("permit").forget();
        let block: &[u8] = if n == 0 { &first } else { &again };
        write(h2_frame(
            HEADERS,
            END_STREAM | END_HEADERS,
            2 * n + 1,
            block,
        ))
        .await;
    }
    let answered = reading.await.expect("reader");
    (written.load(std::sync::atomic::Ordering::Relaxed), answered)
}

/// Issue 22, item 3: 5,000 unauthenticated calls with a 2,000-character path (HPACK-indexed, so
/// cheap to send) once wrote two copies of the path per call into the log (×144 what was sent).
/// Now the path is named `unknown`, and each peer gets one audit line a second with a count of
/// the rest: the log grows by at most three times what the flood sent.
#[test]
fn an_unauthenticated_flood_writes_less_log_than_it_sends() {
    use llmarket_tests::process::ServerProcess;

    let dir = std::env::temp_dir().join(format!("llmarket-auth-flood-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("auth.toml");
    std::fs::write(&file, auth_file(false)).expect("write auth file");
    let mut server = ServerProcess::start(
        &[
            "forecast",
            "--listen",
            "127.0.0.1:0",
            "--auth-file",
            file.to_str().expect("utf-8 path"),
        ],
        1,
    );
    let addr = server.addr("Forecast");
    let path = format!("/llmarket.forecast.v1.ForecastService/{}", "A".repeat(2000));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (sent, answered) = runtime.block_on(hpack_flood(addr, &path, 5_000));
    assert_eq!(answered, 5_000, "every call answered, none reset");
    server.signal("TERM");
    assert!(server.wait().success());
    let log = server.rest_of_log();
    let logged: usize = log.iter().map(|line| line.len() + 1).sum();
    println!(
        "flood: {sent} bytes sent, {logged} bytes logged in {} lines",
        log.len()
    );
    let audit: Vec<_> = log.iter().filter(|l| l.contains("call denied")).collect();
    assert!(!audit.is_empty(), "refusals are still audited: {log:?}");
    assert!(
        audit
            .iter()
            .all(|l| l.contains("method=\"unknown\"") || l.contains("method=unknown")),
        "{audit:?}"
    );
    assert!(
        !log.iter().any(|l| l.contains("AAAA")),
        "the path is never repeated"
    );
    assert!(
        logged <= 3 * sent,
        "{logged} bytes logged for {sent} sent: {log:?}"
    );
    std::fs::remove_dir_all(dir).expect("clean up");
}

/// The built-in vocabulary and the dataset `secret-report`, whose one milestone is
/// `milestones/secret-launch`.
fn vocabulary_with_a_second_dataset() -> llmarket_kit::data::Shared<taxonomy::Vocabulary> {
    use llmarket_kit::data::{self, DataFile, DatasetFiles};
    let text = "[[milestones]]\nid = \"secret-launch\"\nyear = 2024\ntitle_zh_hans = \"秘密发布\"\n\
                title_en = \"Secret launch\"\nsource = \"1\"\n";
    let mut sources = data::all_sources(&[]).expect("built-in sources");
    sources.push(DatasetFiles::taxonomy_only(
        "secret-report",
        DataFile::owned("secret-report/taxonomy.toml", text.to_owned()),
    ));
    let vocabulary = taxonomy::Vocabulary::load(&sources).expect("the vocabulary loads");
    std::sync::Arc::new(arc_swap::ArcSwap::from_pointee(vocabulary))
}

/// Issue 22, item 5: `milestones` was one global flag, so a principal granted one dataset read
/// the milestones of every other. Now a milestone is read with `milestones` and a grant on its
/// dataset; one of another dataset is NOT_FOUND (as if it did not exist) and never a nearest
/// name.
#[tokio::test]
async fn milestones_are_read_only_with_a_grant_on_their_dataset() {
    let dir = std::env::temp_dir().join(format!("llmarket-auth-milestones-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("auth.toml");
    std::fs::write(
        &file,
        format!(
            "[[principal]]\nname = \"one\"\ntokens = [\"{}\"]\ngrants = [\"{DATASET}\", \"milestones\"]\n\n\
             [[principal]]\nname = \"all\"\ntokens = [\"{}\"]\ngrants = [\"datasets/*\", \"milestones\"]\n",
            TokenDigest::of("token-one"),
            TokenDigest::of("token-all"),
        ),
    )
    .expect("write auth file");
    let options = ServeOptions {
        auth: Some(auth::load(&file).expect("auth file loads")),
        ..ServeOptions::default()
    };
    let server = TestServer::start_with_options(
        llmarket_server::app::routes::taxonomy(vocabulary_with_a_second_dataset()),
        options,
    )
    .await;
    let client = async |token: &str| {
        TaxonomyServiceClient::with_interceptor(
            server.channel().await,
            Bearer(Some(token.to_owned())),
        )
    };
    let listed = async |token: &str| -> Vec<String> {
        let mut names = Vec::new();
        let mut page_token = String::new();
        loop {
            let page = client(token)
                .await
                .list_milestones(tpb::ListMilestonesRequest {
                    page_token,
                    ..Default::default()
                })
                .await
                .expect("list milestones")
                .into_inner();
            names.extend(page.milestones.into_iter().map(|m| m.name));
            if page.next_page_token.is_empty() {
                return names;
            }
            page_token = page.next_page_token;
        }
    };
    let get = |name: &str| tpb::GetMilestoneRequest {
        name: name.into(),
        ..Default::default()
    };
    const SECRET: &str = "milestones/secret-launch";

    // Allowed: a grant on every dataset reads the second dataset's milestone.
    let all = listed("token-all").await;
    assert!(all.iter().any(|n| n == SECRET), "{all:?}");
    let milestone = client("token-all")
        .await
        .get_milestone(get(SECRET))
        .await
        .expect("readable")
        .into_inner()
        .milestone
        .expect("a milestone");
    assert_eq!(milestone.titles.len(), 2);
    let near = client("token-all")
        .await
        .get_milestone(get("milestones/secret-lunch"))
        .await
        .expect_err("no such milestone");
    assert!(near.message().contains(SECRET), "{near:?}");

    // Refused: a grant on the built-in dataset alone lists its milestones and no other...
    let one = listed("token-one").await;
    assert!(!one.is_empty() && one.len() + 1 == all.len(), "{one:?}");
    assert!(!one.iter().any(|n| n == SECRET), "{one:?}");
    // ... gets the other's milestone as NOT_FOUND, the same as one that does not exist ...
    let hidden = client("token-one")
        .await
        .get_milestone(get(SECRET))
        .await
        .expect_err("hidden");
    assert_eq!(hidden.code(), Code::NotFound, "{hidden:?}");
    assert!(!hidden.message().contains("Secret"), "{hidden:?}");
    // ... and never among the nearest names.
    let near = client("token-one")
        .await
        .get_milestone(get("milestones/secret-lunch"))
        .await
        .expect_err("no such milestone");
    assert_eq!(near.code(), Code::NotFound);
    assert!(!near.message().contains("secret-launch"), "{near:?}");
    let details = near.get_error_details();
    let nearest = &details.error_info().expect("error info").metadata["nearest"];
    assert!(!nearest.contains("secret-launch"), "{nearest}");
    // A milestone of its own dataset still reads.
    client("token-one")
        .await
        .get_milestone(get(&one[0]))
        .await
        .expect("its own dataset's milestone");
    std::fs::remove_dir_all(dir).expect("clean up");
}
