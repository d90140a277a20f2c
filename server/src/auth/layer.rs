//! Authentication and quotas: with a principals file in force, every call but health (and
//! reflection when `--reflection on`) must name a principal, by `authorization: Bearer <token>`
//! or by a verified client certificate (the [`Peer`]'s names). The principal goes into the
//! request's extensions as a [`Caller`] for the services' grant checks and the access log.
//!
//! No or unknown credentials → UNAUTHENTICATED, saying which credential to send; past the
//! principal's quota → RESOURCE_EXHAUSTED with a `google.rpc.RetryInfo`. Each refusal is one
//! audit line. Without a principals file this layer passes every call through untouched.

use std::{
    future::{Ready, ready},
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use futures_util::future::Either;
use http::{Request, Response, header::AUTHORIZATION};
use tonic::{Code, Status, body::Body};
use tower::{Layer, Service};

use llmarket_serving::{
    anonymous::AnonymousConnection,
    middleware::{
        CacheScope,
        load_shed::is_health,
        on_reply::{OnReply, OnReplyFuture},
    },
    peer::Peer,
};

use super::{
    principal_calls::{PrincipalCalls, PrincipalPlace},
    recheck::{Checked, Credentials},
};
use crate::auth::{Caller, SharedPrincipals, audit};

/// Path prefix of the reflection services (v1 and v1alpha).
const REFLECTION_PREFIX: &str = "/grpc.reflection.";

/// Who may use server reflection (`--reflection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Reflection {
    /// Anyone, without credentials.
    On,
    /// Authenticated callers only (any principal, whatever its grants).
    Authenticated,
    /// Not served.
    Off,
}

/// Layer that authenticates calls against the principals in force.
#[derive(Debug, Clone)]
pub struct AuthenticateLayer {
    principals: Option<SharedPrincipals>,
    reflection: Reflection,
    known: Arc<[&'static str]>,
    /// Each principal's calls in flight, when they are limited.
    calls: Option<PrincipalCalls>,
}

impl AuthenticateLayer {
    /// Authenticates against `principals` (none: every call passes); `reflection` says whether
    /// reflection calls need credentials.
    pub fn new(principals: Option<SharedPrincipals>, reflection: Reflection) -> Self {
        Self {
            principals,
            reflection,
            known: Arc::from([].as_slice()),
            calls: None,
        }
    }

    /// The same layer, holding each principal to the calls in flight `calls` allows (see
    /// [`principal_calls`](super::principal_calls)).
    pub fn limiting(mut self, calls: PrincipalCalls) -> Self {
        self.calls = Some(calls);
        self
    }

    /// The same layer, naming the services in `known` in audit lines (calls to any other path
    /// are audited as `unknown`, as the metrics count them).
    pub fn knowing(mut self, known: &[&'static str]) -> Self {
        self.known = known.into();
        self
    }
}

/// Longest method name an audit line repeats; the routed methods are far shorter.
const MAX_METHOD_CHARS: usize = 64;

/// `path` as audit lines name it: itself when it calls a method of one of the `known`
/// services, else `unknown`, so a caller cannot write what it likes into the log.
pub fn audited_method<'a>(path: &'a str, known: &[&str]) -> &'a str {
    let routed = path
        .strip_prefix('/')
        .and_then(|p| p.split_once('/'))
        .is_some_and(|(service, method)| {
            known.contains(&service)
                && (1..=MAX_METHOD_CHARS).contains(&method.len())
                && method
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        });
    if routed { path } else { "unknown" }
}

impl<S> Layer<S> for AuthenticateLayer {
    type Service = Authenticate<S>;
    fn layer(&self, inner: S) -> Self::Service {
        Authenticate {
            inner,
            layer: self.clone(),
        }
    }
}

/// Service made by [`AuthenticateLayer`]: `inner`, reached only by calls that authenticate
/// (or need not).
#[derive(Debug, Clone)]
pub struct Authenticate<S> {
    inner: S,
    layer: AuthenticateLayer,
}

/// What an admitted call's reply is checked against and holds: its credentials (none for a
/// call open to anonymous callers) and its place among its principal's (or its address's)
/// calls in flight, when they are limited.
pub struct Admitted {
    credentials: Option<Credentials>,
    place: Option<PrincipalPlace>,
}

impl OnReply for Admitted {
    fn on_reply(self, reply: Response<Body>) -> Response<Body> {
        reply.map(|inner| Body::new(Checked::new(inner, self.credentials, self.place)))
    }
}

impl AuthenticateLayer {
    /// Whether `path` is open to callers without credentials.
    fn is_open(&self, path: &str) -> bool {
        is_health(path)
            || (self.reflection == Reflection::On && path.starts_with(REFLECTION_PREFIX))
    }

    /// Whether a call to `request` may pass: the status that refuses it, or what its reply
    /// checks and holds (none for a call passed through untouched). An authenticated caller
    /// goes into the request's extensions, with its scope.
    fn admit<B>(&self, request: &mut Request<B>) -> Result<Option<Admitted>, Status> {
        if self.principals.is_some()
            && self.is_open(request.uri().path())
            && let Some(calls) = &self.calls
            && let Some(addr) = request.extensions().get::<Arc<Peer>>().and_then(|p| p.addr)
        {
            // Without credentials: held per client address.
            return match calls.take_anonymous(addr.ip()) {
                Ok(place) => Ok(Some(Admitted {
                    credentials: None,
                    place: Some(place),
                })),
                Err(status) => {
                    tracing::debug!("refusing a call without credentials: {}", status.message());
                    Err(status)
                }
            };
        }
        if let Some(principals) = &self.principals
            && !self.is_open(request.uri().path())
        {
            // Taken first: a reload in between makes the reply check the call again.
            let seen = principals.load_full();
            let caller = authenticate(principals, request, &self.known)?;
            // The connection has authenticated: it keeps its place (`--reserved-connections`).
            if let Some(connection) = request.extensions().get::<AnonymousConnection>() {
                connection.authenticated();
            }
            let place = match self.calls.as_ref().map(|c| c.take(&caller.principal.name)) {
                None => None,
                Some(Ok(place)) => Some(place),
                Some(Err(status)) => {
                    audit::denied(
                        Some(&caller.principal.name),
                        &caller.method,
                        None,
                        Code::ResourceExhausted,
                        caller.peer,
                    );
                    return Err(status);
                }
            };
            let credentials = Credentials {
                principals: principals.clone(),
                seen,
                authorization: request.headers().get(AUTHORIZATION).cloned(),
                peer: request.extensions().get::<Arc<Peer>>().cloned(),
                name: caller.principal.name.clone(),
                method: caller.method.clone(),
            };
            let scope = CacheScope::new(caller.principal.scope_key.clone());
            request.extensions_mut().insert(scope);
            request.extensions_mut().insert(caller);
            return Ok(Some(Admitted {
                credentials: Some(credentials),
                place,
            }));
        }
        Ok(None)
    }
}

impl<S, B> Service<Request<B>> for Authenticate<S>
where
    S: Service<Request<B>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    /// The service's answer, or the refusal made at once.
    type Future =
        Either<OnReplyFuture<S::Future, Admitted>, Ready<Result<Response<Body>, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        match self.layer.admit(&mut request) {
            Ok(admitted) => Either::Left(OnReplyFuture::new(self.inner.call(request), admitted)),
            Err(status) => Either::Right(ready(Ok(status.into_http()))),
        }
    }
}

/// The caller of `request`, or the status that refuses it (already audited, its method named
/// when it is one of the `known` services').
pub fn authenticate<B>(
    principals: &SharedPrincipals,
    request: &Request<B>,
    known: &[&str],
) -> Result<Caller, Status> {
    let peer = request.extensions().get::<Arc<Peer>>();
    let addr = peer.and_then(|p| p.addr);
    let names = peer.map_or(&[][..], |p| &p.certificate_names[..]);
    let method = audited_method(request.uri().path(), known);
    let authorization = request.headers().get(AUTHORIZATION).map(|v| v.as_bytes());
    let principals = principals.load();
    let principal = match principals.authenticate(authorization, names) {
        Ok(principal) => principal.clone(),
        Err(why) => {
            audit::denied(None, method, None, Code::Unauthenticated, addr);
            return Err(Status::unauthenticated(why.to_string()));
        }
    };
    if let Some(quota) = &principal.quota
        && let Err(wait) = quota.take()
    {
        audit::denied(
            Some(&principal.name),
            method,
            None,
            Code::ResourceExhausted,
            addr,
        );
        return Err(quota_exceeded(
            &principal.name,
            quota.calls_per_second(),
            wait,
        ));
    }
    Ok(Caller {
        principal,
        method: Arc::from(method),
        peer: addr,
    })
}

/// RESOURCE_EXHAUSTED for a principal past its quota, with when to retry.
fn quota_exceeded(name: &str, rate: f64, wait: Duration) -> Status {
    let wait = Duration::from_millis(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1));
    llmarket_serving::refusal::retry_after(
        "QUOTA_EXCEEDED",
        wait,
        format!(
            "principal {name:?} is over its quota of {rate} calls per second; retry after {} ms",
            wait.as_millis()
        ),
    )
}

#[cfg(test)]
mod tests {
    use arc_swap::ArcSwap;
    use tonic_types::StatusExt as _;
    use tower::ServiceExt as _;

    use super::*;
    use crate::auth::{Principals, token::TokenDigest};
    use llmarket_serving::middleware::testing::{Echo, grpc_status, request_with};

    const CALL: &str = "/llmarket.forecast.v1.ForecastService/ListDatasets";

    fn principals() -> SharedPrincipals {
        let file = format!(
            "[[principal]]\nname = \"p\"\ntokens = [\"{}\"]\ncertificates = [\"svc.internal\"]\ngrants = [\"milestones\"]\nquota = {{ calls_per_second = 1, burst = 2 }}\n",
            TokenDigest::of("good")
        );
        Arc::new(ArcSwap::from_pointee(
            Principals::parse("auth.toml", &file).unwrap(),
        ))
    }

    async fn call(
        reflection: Reflection,
        path: &str,
        token: Option<&str>,
        names: &[&str],
    ) -> (Code, String) {
        let service = AuthenticateLayer::new(Some(principals()), reflection)
            .knowing(&["llmarket.forecast.v1.ForecastService"])
            .layer(Echo::default());
        let peer = Arc::new(Peer {
            addr: None,
            certificate_names: names.iter().map(|n| (*n).to_owned()).collect(),
        });
        let request = request_with(path, |r| {
            let r = r.extension(peer);
            match token {
                Some(t) => r.header(AUTHORIZATION, format!("Bearer {t}")),
                None => r,
            }
        });
        grpc_status(&service.oneshot(request).await.unwrap())
    }

    #[tokio::test]
    async fn calls_need_a_known_credential_except_open_ones() {
        let health = "/grpc.health.v1.Health/Check";
        let reflection = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";
        // Path, token, certificate names, expected code, text the message holds; with
        // reflection for authenticated callers only.
        type Case<'a> = (&'a str, Option<&'a str>, &'a [&'a str], Code, &'a str);
        let cases: &[Case<'_>] = &[
            (CALL, Some("good"), &[], Code::Ok, ""),
            (CALL, None, &["dns:svc.internal"], Code::Ok, ""),
            (
                CALL,
                None,
                &[],
                Code::Unauthenticated,
                "authorization: Bearer <token>",
            ),
            (CALL, Some("bad"), &[], Code::Unauthenticated, "not valid"),
            (
                CALL,
                None,
                &["dns:other"],
                Code::Unauthenticated,
                "client certificate",
            ),
            (health, None, &[], Code::Ok, ""),
            (
                "/grpc.health.v1.HealthX/Check",
                None,
                &[],
                Code::Unauthenticated,
                "",
            ),
            (reflection, None, &[], Code::Unauthenticated, ""),
            (reflection, Some("good"), &[], Code::Ok, ""),
        ];
        for (path, token, names, code, needle) in cases {
            let (got, message) = call(Reflection::Authenticated, path, *token, names).await;
            assert_eq!(got, *code, "{path} {token:?} {names:?}: {message}");
            assert!(message.contains(needle), "{message}");
        }
        // With reflection on, it is open to anyone.
        let (got, message) = call(Reflection::On, reflection, None, &[]).await;
        assert_eq!(got, Code::Ok, "{message}");
    }

    #[tokio::test]
    async fn past_the_quota_calls_get_a_retry_hint() {
        let service =
            AuthenticateLayer::new(Some(principals()), Reflection::On).layer(Echo::default());
        let request = || request_with(CALL, |r| r.header(AUTHORIZATION, "Bearer good"));
        for _ in 0..2 {
            let response = service.clone().oneshot(request()).await.unwrap();
            assert_eq!(grpc_status(&response).0, Code::Ok);
        }
        let response = service.oneshot(request()).await.unwrap();
        let status = Status::from_header_map(response.headers()).unwrap();
        assert_eq!(status.code(), Code::ResourceExhausted);
        let message = status.message();
        assert!(message.contains("retry after"), "{message}");
        let delay = status.get_details_retry_info().and_then(|r| r.retry_delay);
        assert!(
            delay.is_some_and(|d| d > Duration::ZERO && d <= Duration::from_secs(1)),
            "{delay:?}"
        );
        let refusal = llmarket_serving::middleware::testing::refusal(&status);
        assert_eq!(refusal.reason, "QUOTA_EXCEEDED");
        let pushback: u128 = refusal.pushback.parse().unwrap();
        assert_eq!(
            Some(pushback),
            delay.map(|d| d.as_millis()),
            "the same delay"
        );
    }

    /// A log writer that keeps what it is given.
    #[derive(Clone, Default)]
    struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_refusal_is_one_audit_line_without_the_token() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let (code, _) = call(Reflection::On, CALL, Some("secret-guess"), &[]).await;
        assert_eq!(code, Code::Unauthenticated);
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(lines.len(), 1, "{log}");
        for needle in [
            "\"target\":\"llmarket::audit\"",
            "\"principal\":\"anonymous\"",
            "\"code\":\"Unauthenticated\"",
            CALL,
        ] {
            assert!(lines[0].contains(needle), "{needle} not in {log}");
        }
        assert!(!log.contains("secret-guess"), "{log}");
        assert!(!log.contains("\"resource\""), "the method once: {log}");
    }

    #[tokio::test]
    async fn an_unrouted_path_is_audited_as_unknown_and_never_repeated() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let long = format!("/x.Y/{}", "A".repeat(2000));
        let (code, message) = call(Reflection::On, &long, None, &[]).await;
        assert_eq!(code, Code::Unauthenticated);
        assert!(!message.contains("AAAA"), "{message}");
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert_eq!(log.lines().count(), 1, "{log}");
        assert!(log.contains("\"method\":\"unknown\""), "{log}");
        assert!(!log.contains("AAAA") && log.len() < 400, "{log}");
    }

    #[test]
    fn audited_methods_are_routed_ones_or_unknown() {
        let known = ["a.S"];
        let long = format!("/a.S/{}", "M".repeat(MAX_METHOD_CHARS + 1));
        let cases: &[(&str, &str)] = &[
            ("/a.S/Get", "/a.S/Get"),
            ("/a.S/Get_2", "/a.S/Get_2"),
            ("/a.S/", "unknown"),
            ("/a.S/Get/x", "unknown"),
            ("/a.S/Gét", "unknown"),
            ("/b.S/Get", "unknown"),
            ("/a.S", "unknown"),
            ("a.S/Get", "unknown"),
            (&long, "unknown"),
        ];
        for (path, expected) in cases {
            assert_eq!(audited_method(path, &known), *expected, "{path}");
        }
    }

    #[tokio::test]
    async fn without_principals_every_call_passes() {
        let service =
            AuthenticateLayer::new(None, Reflection::Authenticated).layer(Echo::default());
        let response = service.oneshot(request_with(CALL, |r| r)).await.unwrap();
        assert_eq!(grpc_status(&response).0, Code::Ok);
    }
}
