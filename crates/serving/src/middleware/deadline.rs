//! Deadlines: every call runs under the earlier of the caller's `grpc-timeout` and the server's
//! `--max-call-time`. Past it the caller gets DEADLINE_EXCEEDED and the handler's future is
//! dropped, so its work stops. A malformed `grpc-timeout` gets INVALID_ARGUMENT naming the header.
//!
//! The deadline bounds the whole call, reply stream included: a streaming reply (health `Watch`,
//! reflection) still open at the deadline is cut there, with DEADLINE_EXCEEDED in its trailers,
//! and dropped, so nothing the call holds outlives it.
//!
//! A call whose time left is under [`TIMER_SLACK`] (tokio's timer granularity) is expired at once:
//! `grpc-timeout: 1n` cannot be honoured and gets DEADLINE_EXCEEDED without reaching the handler.
//! The timer is also set [`TIMER_SLACK`] early. That keeps the answer the same when tonic's
//! `Server` wraps this layer: its own `grpc-timeout` timer, started a few microseconds before ours,
//! would otherwise sometimes fire first and answer CANCELLED.

use std::{
    future::{Future, Ready, ready},
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use bytes::Bytes;
use futures_util::future::Either;
use http::{HeaderMap, Request, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};
use tonic::{Status, body::Body};
use tower::{Layer, Service};

/// The header a gRPC caller sends its deadline in.
pub const GRPC_TIMEOUT: &str = "grpc-timeout";

/// Below this much time left a call is treated as expired; the timer fires this much early.
pub const TIMER_SLACK: Duration = Duration::from_millis(1);

/// Parses a `grpc-timeout` value: 1 to 8 ASCII digits and one unit of `H M S m u n`
/// (hours, minutes, seconds, milliseconds, microseconds, nanoseconds).
pub fn parse_grpc_timeout(value: &[u8]) -> Result<Duration, String> {
    let shown = || String::from_utf8_lossy(&value[..value.len().min(32)]).into_owned();
    let bad = |why: &str| {
        format!(
            "{GRPC_TIMEOUT} {:?} is malformed: {why}; valid is 1 to 8 digits and one unit of H M S m u n, e.g. 500m",
            shown()
        )
    };
    let Some((&unit, digits)) = value.split_last() else {
        return Err(bad("it is empty"));
    };
    if digits.is_empty() || digits.len() > 8 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(bad("the value must be 1 to 8 ASCII digits"));
    }
    let amount: u64 = digits.iter().fold(0, |n, d| n * 10 + u64::from(d - b'0'));
    Ok(match unit {
        b'H' => Duration::from_secs(amount * 3600),
        b'M' => Duration::from_secs(amount * 60),
        b'S' => Duration::from_secs(amount),
        b'm' => Duration::from_millis(amount),
        b'u' => Duration::from_micros(amount),
        b'n' => Duration::from_nanos(amount),
        _ => return Err(bad("the unit must be one of H M S m u n")),
    })
}

/// The time a call may take: the earlier of the caller's deadline and `max_call_time`.
fn budget(headers: &HeaderMap, max_call_time: Duration) -> Result<Duration, Status> {
    match headers.get(GRPC_TIMEOUT) {
        None => Ok(max_call_time),
        Some(value) => parse_grpc_timeout(value.as_bytes())
            .map(|caller| caller.min(max_call_time))
            .map_err(Status::invalid_argument),
    }
}

fn exceeded(budget: Duration) -> Status {
    Status::deadline_exceeded(format!(
        "deadline of {budget:?} exceeded before the call finished"
    ))
}

/// When a call's deadline expires, put into its request's extensions so layers inside (metrics)
/// can tell a call the deadline dropped from one its caller cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallDeadline(pub Instant);

/// Layer that bounds each call by its deadline.
#[derive(Debug, Clone, Copy)]
pub struct DeadlineLayer {
    max_call_time: Duration,
}

impl DeadlineLayer {
    /// No call runs longer than `max_call_time`, whatever its caller asks.
    pub fn new(max_call_time: Duration) -> Self {
        Self { max_call_time }
    }
}

impl<S> Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;
    fn layer(&self, inner: S) -> Self::Service {
        Deadline {
            inner,
            max_call_time: self.max_call_time,
        }
    }
}

/// Service made by [`DeadlineLayer`]: `inner`, each call bounded by its deadline.
#[derive(Debug, Clone)]
pub struct Deadline<S> {
    inner: S,
    max_call_time: Duration,
}

impl<S, B> Service<Request<B>> for Deadline<S>
where
    S: Service<Request<B>, Response = Response<Body>>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    /// The service's answer within the deadline, or the refusal made at once.
    type Future = Either<DeadlineFuture<S::Future>, Ready<Result<Response<Body>, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let start = Instant::now();
        let refuse = |status: Status| Either::Right(ready(Ok(status.into_http())));
        let budget = match budget(request.headers(), self.max_call_time) {
            Ok(budget) if budget > TIMER_SLACK => budget,
            Ok(budget) => return refuse(exceeded(budget)),
            Err(status) => return refuse(status),
        };
        let expiry = start + (budget - TIMER_SLACK);
        request.extensions_mut().insert(CallDeadline(expiry));
        Either::Left(DeadlineFuture {
            call: Some(self.inner.call(request)),
            timer: None,
            expiry,
            budget,
        })
    }
}

pin_project! {
    /// The answer of a [`Deadline`] call: the service's, its reply cut at the deadline, or
    /// DEADLINE_EXCEEDED when the deadline comes first.
    pub struct DeadlineFuture<F> {
        // Dropped at the deadline, so the handler's work stops then.
        #[pin]
        call: Option<F>,
        // Set the first time the call is not ready, so a call answered on its first poll (a
        // health check, a kept reply) never registers a timer.
        #[pin]
        timer: Option<Sleep>,
        expiry: Instant,
        budget: Duration,
    }
}

impl<F, E> Future for DeadlineFuture<F>
where
    F: Future<Output = Result<Response<Body>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let mut this = self.project();
        let call = this.call.as_mut().as_pin_mut();
        let call = call.expect("a DeadlineFuture polled after it completed");
        // The call first: at most one poll runs past the expiry.
        if let Poll::Ready(response) = call.poll(cx) {
            let (expiry, budget) = (*this.expiry, *this.budget);
            return Poll::Ready(response.map(|response| {
                response.map(|inner| {
                    if inner.is_end_stream() {
                        inner
                    } else {
                        Body::new(UntilDeadline {
                            inner,
                            expiry,
                            budget,
                            timer: None,
                        })
                    }
                })
            }));
        }
        if this.timer.is_none() {
            this.timer.set(Some(tokio::time::sleep_until(*this.expiry)));
        }
        if let Some(timer) = this.timer.as_pin_mut() {
            std::task::ready!(timer.poll(cx));
        }
        this.call.set(None);
        tracing::debug!(budget = ?this.budget, "call past its deadline: dropping the handler");
        Poll::Ready(Ok(exceeded(*this.budget).into_http()))
    }
}

/// A reply body cut at its call's deadline: then it ends with DEADLINE_EXCEEDED in its trailers
/// and what it was streaming is dropped.
struct UntilDeadline {
    inner: Body,
    expiry: Instant,
    budget: Duration,
    /// Set the first time the body has nothing ready, so a reply sent at once (every unary one)
    /// never registers a timer.
    timer: Option<Pin<Box<Sleep>>>,
}

/// The trailers that end a call at its deadline.
fn exceeded_trailers(budget: Duration) -> HeaderMap {
    let mut trailers = HeaderMap::new();
    if exceeded(budget).add_header(&mut trailers).is_err() {
        trailers.insert("grpc-status", http::HeaderValue::from_static("4"));
    }
    trailers
}

impl HttpBody for UntilDeadline {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = &mut *self;
        // The reply first: a frame ready at the expiry still goes.
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame);
        }
        let expiry = this.expiry;
        let timer = this
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(expiry)));
        if timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        tracing::debug!(budget = ?this.budget, "stream past its deadline: ending it");
        this.inner = Body::empty();
        Poll::Ready(Some(Ok(Frame::trailers(exceeded_trailers(this.budget)))))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::middleware::testing::{Echo, grpc_status, request_with};
    use tower::ServiceExt as _;

    const CALL: &str = "/llmarket.forecast.v1.ForecastService/ListDatasets";

    #[test]
    fn grpc_timeout_parses_every_unit_and_refuses_the_rest() {
        let ok = |s: &str| parse_grpc_timeout(s.as_bytes()).unwrap();
        assert_eq!(ok("2H"), Duration::from_secs(7200));
        assert_eq!(ok("3M"), Duration::from_secs(180));
        assert_eq!(ok("10S"), Duration::from_secs(10));
        assert_eq!(ok("500m"), Duration::from_millis(500));
        assert_eq!(ok("7u"), Duration::from_micros(7));
        assert_eq!(ok("1n"), Duration::from_nanos(1));
        assert_eq!(ok("99999999H"), Duration::from_secs(99_999_999 * 3600));
        for bad in [
            "",
            "S",
            "5",
            "123456789S",
            "1.5S",
            "-1S",
            "5s",
            "5 S",
            " 5S",
            "5Sx",
            "１S",
        ] {
            let error = parse_grpc_timeout(bad.as_bytes()).unwrap_err();
            assert!(error.starts_with("grpc-timeout "), "{bad:?}: {error}");
        }
    }

    async fn call_with(echo: Echo, max: Duration, timeout: Option<&str>) -> (tonic::Code, String) {
        let service = DeadlineLayer::new(max).layer(echo);
        let request = request_with(CALL, |r| match timeout {
            Some(t) => r.header(GRPC_TIMEOUT, t),
            None => r,
        });
        let response = service.oneshot(request).await.unwrap();
        grpc_status(&response)
    }

    #[tokio::test]
    async fn a_malformed_timeout_is_invalid_argument_naming_the_header() {
        let echo = Echo::default();
        let (code, message) = call_with(echo.clone(), Duration::from_secs(30), Some("soon")).await;
        assert_eq!(code, tonic::Code::InvalidArgument);
        assert!(message.contains("grpc-timeout"), "{message}");
        assert_eq!(echo.calls(), 0);
    }

    #[tokio::test]
    async fn an_expired_timeout_never_reaches_the_handler() {
        let echo = Echo::default();
        let (code, _) = call_with(echo.clone(), Duration::from_secs(30), Some("1n")).await;
        assert_eq!(code, tonic::Code::DeadlineExceeded);
        assert_eq!(echo.calls(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_handler_is_dropped_at_the_earlier_of_both_deadlines() {
        // The caller's deadline is the earlier one.
        let echo = Echo::slow(Duration::from_secs(60));
        let (code, _) = call_with(echo.clone(), Duration::from_secs(30), Some("2S")).await;
        assert_eq!(code, tonic::Code::DeadlineExceeded);
        assert_eq!(echo.finished(), 0, "the handler was dropped, not finished");
        assert_eq!(echo.dropped(), 1);
        // The server's bound is the earlier one, and a call without a deadline gets it too.
        let (code, message) = call_with(echo.clone(), Duration::from_secs(5), Some("1H")).await;
        assert_eq!(code, tonic::Code::DeadlineExceeded);
        assert!(message.contains("5s"), "{message}");
        let (code, _) = call_with(echo.clone(), Duration::from_secs(5), None).await;
        assert_eq!(code, tonic::Code::DeadlineExceeded);
        assert_eq!(echo.dropped(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn the_handler_is_dropped_at_the_deadline_not_when_the_answer_is() {
        let echo = Echo::slow(Duration::from_secs(60));
        let service = DeadlineLayer::new(Duration::from_secs(1)).layer(echo.clone());
        let answer = service.oneshot(request_with(CALL, |r| r));
        tokio::pin!(answer);
        let response = answer.as_mut().await.unwrap();
        assert_eq!(grpc_status(&response).0, tonic::Code::DeadlineExceeded);
        assert_eq!(echo.dropped(), 1, "dropped while its answer is still held");
        assert_eq!(echo.finished(), 0);
    }

    /// A reply stream that sends one message, then nothing, and counts its drop.
    struct Watching {
        sent: bool,
        dropped: std::sync::Arc<std::sync::atomic::AtomicBool>,
    }

    impl HttpBody for Watching {
        type Data = Bytes;
        type Error = Status;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
            if std::mem::replace(&mut self.sent, true) {
                return Poll::Pending;
            }
            Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"\0\0\0\0\0")))))
        }
    }

    impl Drop for Watching {
        fn drop(&mut self) {
            self.dropped
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_stream_ends_at_its_deadline_with_deadline_exceeded_in_its_trailers() {
        use http_body_util::BodyExt as _;
        let dropped = std::sync::Arc::default();
        let stream = {
            let dropped = std::sync::Arc::clone(&dropped);
            tower::service_fn(move |_: Request<Body>| {
                let body = Watching {
                    sent: false,
                    dropped: std::sync::Arc::clone(&dropped),
                };
                async move { Ok::<_, std::convert::Infallible>(http::Response::new(Body::new(body))) }
            })
        };
        let service = DeadlineLayer::new(Duration::from_secs(30)).layer(stream);
        let request = request_with(CALL, |r| r.header(GRPC_TIMEOUT, "1H"));
        let mut body = service.oneshot(request).await.unwrap().into_body();
        let first = body.frame().await.unwrap().unwrap();
        assert!(first.is_data(), "the message sent before the deadline goes");
        let last = body.frame().await.unwrap().unwrap();
        let trailers = last.into_trailers().expect("trailers end the stream");
        let status = Status::from_header_map(&trailers).expect("a gRPC status");
        assert_eq!(status.code(), tonic::Code::DeadlineExceeded);
        assert!(status.message().contains("30s"), "{}", status.message());
        assert!(body.frame().await.is_none());
        assert!(body.is_end_stream());
        assert!(
            dropped.load(std::sync::atomic::Ordering::SeqCst),
            "the stream was dropped at the deadline"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_within_its_deadline_is_answered_by_the_handler() {
        let echo = Echo::slow(Duration::from_millis(100));
        let (code, _) = call_with(echo.clone(), Duration::from_secs(30), Some("1S")).await;
        assert_eq!(code, tonic::Code::Ok);
        assert_eq!(echo.finished(), 1);
    }
}
