//! What a connection knows of its calls: how many are being handled and open, when it was
//! last active, and the reply bytes it holds unsent ([`ConnState`]); the service wrapper that
//! admits each call against the connection's and the process's budgets ([`Tracked`]); and the
//! reply body that counts its frames as they are polled and gives them back when sent or dropped
//! ([`TrackedBody`]), built on `http_body`'s documented polling only.

use std::{
    convert::Infallible,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use tokio::sync::watch;
use tower::Service;

use super::{
    anonymous::AnonymousConnection,
    budget::{FEW_STREAMS, ProcessBudget, STALLED_GRACE, StreamPlace},
    log_limit::RateLimit,
    middleware::ConnectionStreams,
    peer::Peer,
};

/// The process's budget refusing work is logged at most once per 10 s.
static OVER_BUDGET: RateLimit = RateLimit::new(Duration::from_secs(10));

/// What a connection's calls report to its task.
pub(super) struct ConnState {
    /// Calls being handled: from the request's arrival until its response (head) is ready.
    pub(super) handling: watch::Sender<usize>,
    /// Calls open: from the request's arrival until its response body is done with.
    pub(super) open: AtomicUsize,
    /// When a call last arrived, was answered or ended, or a reply frame was sent, in
    /// milliseconds since `start`.
    pub(super) activity_ms: AtomicU64,
    /// Whether a request has arrived on the connection.
    pub(super) seen_request: AtomicBool,
    /// Response bytes handed to hyper and not yet free to leave: see [`TrackedBody`] for when a
    /// frame stops counting (docs/adr/0004-transport-below-hyper.md).
    pub(super) unsent: AtomicUsize,
    /// Most bytes `unsent` may reach; a reply that would go over gets RESOURCE_EXHAUSTED.
    pub(super) max_unsent: usize,
    /// Largest reply frame sent; a larger one gets RESOURCE_EXHAUSTED.
    pub(super) max_reply: usize,
    /// The process's budget, where `unsent` and the open calls are counted too.
    pub(super) budget: ProcessBudget,
    /// Whether a call of this connection was ended for staying unanswered while the process was
    /// into its reserve of open calls: the connection may not use that reserve again.
    pub(super) had_stalled_call: AtomicBool,
    /// When a response body was last polled, in milliseconds since `start`.
    pub(super) progress_ms: AtomicU64,
    /// Tokio's clock, so tests can pause it.
    pub(super) start: tokio::time::Instant,
}

impl ConnState {
    pub(super) fn new((max_unsent, max_reply): (usize, usize), budget: ProcessBudget) -> Self {
        Self {
            max_reply,
            handling: watch::Sender::new(0),
            open: AtomicUsize::new(0),
            activity_ms: AtomicU64::new(0),
            seen_request: AtomicBool::new(false),
            unsent: AtomicUsize::new(0),
            max_unsent,
            budget,
            had_stalled_call: AtomicBool::new(false),
            progress_ms: AtomicU64::new(0),
            start: tokio::time::Instant::now(),
        }
    }

    pub(super) fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Notes activity now (see `activity_ms`).
    pub(super) fn touch(&self) {
        self.activity_ms.store(self.now_ms(), Ordering::Relaxed);
    }

    /// How long since the last activity.
    pub(super) fn quiet(&self) -> Duration {
        Duration::from_millis(
            self.now_ms()
                .saturating_sub(self.activity_ms.load(Ordering::Relaxed)),
        )
    }

    /// Whether replies wait to be sent and none moved for `send_timeout`, or for
    /// [`STALLED_GRACE`] while the process is into its reserve of unsent bytes: the peer stopped
    /// reading.
    pub(super) fn stopped_reading(&self, send_timeout: Duration) -> bool {
        let timeout = if self.budget.unsent_in_reserve() {
            send_timeout.min(STALLED_GRACE)
        } else {
            send_timeout
        };
        self.stalled(timeout)
    }

    /// Whether replies wait to be sent and none moved for `timeout`.
    fn stalled(&self, timeout: Duration) -> bool {
        let quiet = self
            .now_ms()
            .saturating_sub(self.progress_ms.load(Ordering::Relaxed));
        self.unsent.load(Ordering::Relaxed) > 0
            && quiet >= u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX)
    }

    /// The status of a reply this connection has no room for.
    fn exhausted(&self) -> tonic::Status {
        crate::refusal::retry_after(
            "CONNECTION_UNREAD_REPLIES_LIMIT",
            crate::refusal::UNREAD_RETRY,
            format!(
                "this connection holds more than {} bytes of replies its client has not read; \
                 read the replies, or spread the calls over time or connections",
                self.max_unsent
            ),
        )
    }

    /// Why a new call gets no work done, if it gets none: the process has no place for another
    /// open call, or this connection (or, while it holds unsent replies, the process) is full
    /// of unread replies. Otherwise the call's place in the process's budget.
    fn admit(&self) -> Result<StreamPlace, tonic::Status> {
        let may_use_reserve = self.open.load(Ordering::Relaxed) < FEW_STREAMS
            && !self.had_stalled_call.load(Ordering::Relaxed);
        let place = self
            .budget
            .open_stream(may_use_reserve)
            .ok_or_else(|| over_budget(self.budget.streams_exhausted()))?;
        let unsent = self.unsent.load(Ordering::Relaxed);
        if unsent >= self.max_unsent {
            return Err(self.exhausted());
        }
        if !self.budget.admits(unsent) {
            return Err(over_budget(self.budget.unsent_exhausted()));
        }
        Ok(place)
    }

    /// Counts `len` more unsent bytes, unless they are more than one reply may be, or would go
    /// over the connection's budget while other replies are unsent (one reply alone always goes,
    /// however large), or over the process's: then the status to end the reply with.
    pub(crate) fn try_add_unsent(&self, len: usize) -> Result<(), tonic::Status> {
        if len > self.max_reply {
            return Err(crate::refusal::no_retry(
                "REPLY_TOO_LARGE",
                format!(
                    "the reply is {len} bytes, more than --max-reply-size {} allows; ask for \
                     less (a smaller page_size, fewer names)",
                    self.max_reply
                ),
            ));
        }
        let before = self.unsent.fetch_add(len, Ordering::Relaxed);
        let refused = if before > 0 && before.saturating_add(len) > self.max_unsent {
            self.exhausted()
        } else if !self.budget.try_add_unsent(len, before) {
            over_budget(self.budget.unsent_exhausted())
        } else {
            return Ok(());
        };
        self.unsent.fetch_sub(len, Ordering::Relaxed);
        Err(refused)
    }

    /// Gives back `len` unsent bytes, to the connection and the process.
    fn release_unsent(&self, len: usize) {
        self.unsent.fetch_sub(len, Ordering::Relaxed);
        self.budget.release_unsent(len);
    }
}

/// Logs (rate-limited) that the process's budget refused work, and returns its status.
fn over_budget(status: tonic::Status) -> tonic::Status {
    if let Some(suppressed) = OVER_BUDGET.allow() {
        tracing::warn!(suppressed, "refusing work: {}", status.message());
    }
    status
}

/// One call of the connection: open until dropped (with its place in the process's budget),
/// counted as being handled until [`CallGuard::answered`] (or its drop), and noted as activity
/// when it arrives, is answered and ends.
pub(super) struct CallGuard {
    state: Arc<ConnState>,
    handling: bool,
    _place: Option<StreamPlace>,
}

impl CallGuard {
    pub(super) fn enter(state: Arc<ConnState>, place: Option<StreamPlace>) -> Self {
        state.seen_request.store(true, Ordering::Relaxed);
        state.touch();
        state.handling.send_modify(|calls| *calls += 1);
        state.open.fetch_add(1, Ordering::Relaxed);
        Self {
            state,
            handling: true,
            _place: place,
        }
    }

    /// The call's response is ready: only its reply frames count as activity from now on.
    pub(super) fn answered(&mut self) {
        if std::mem::replace(&mut self.handling, false) {
            self.state.touch();
            self.state
                .handling
                .send_modify(|calls| *calls = calls.saturating_sub(1));
        }
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        self.answered();
        self.state.open.fetch_sub(1, Ordering::Relaxed);
        self.state.touch();
    }
}

/// The service, with each call and its response body tracked in the connection's state.
#[derive(Clone)]
pub(super) struct Tracked<S> {
    pub(super) inner: S,
    pub(super) state: Arc<ConnState>,
    /// The caller, put into every request's extensions.
    pub(super) peer: Arc<Peer>,
    /// The connection's count of streaming calls, put into every request's extensions.
    pub(super) streams: ConnectionStreams,
    /// The connection's place among the anonymous ones, while it has one, put into every
    /// request's extensions.
    pub(super) anonymous: Option<AnonymousConnection>,
}

impl<S> Service<http::Request<Incoming>> for Tracked<S>
where
    S: Service<
            http::Request<Incoming>,
            Response = http::Response<tonic::body::Body>,
            Error = Infallible,
        >,
    S::Future: Send + 'static,
{
    type Response = http::Response<TrackedBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<Incoming>) -> Self::Future {
        let place = match self.state.admit() {
            Ok(place) => place,
            // No new work: its reply would be built only to be dropped, or the process has no
            // room left for it. The request is dropped unread.
            Err(status) => {
                let mut call = CallGuard::enter(self.state.clone(), None);
                call.answered();
                let (parts, ()) = status.into_http::<()>().into_parts();
                let body = TrackedBody::new(tonic::body::Body::empty(), call);
                return Box::pin(std::future::ready(Ok(http::Response::from_parts(
                    parts, body,
                ))));
            }
        };
        request.extensions_mut().insert(self.peer.clone());
        request.extensions_mut().insert(self.streams.clone());
        if let Some(anonymous) = &self.anonymous {
            request.extensions_mut().insert(anonymous.clone());
        }
        let mut call = CallGuard::enter(self.state.clone(), Some(place));
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = match answered_in_time(response, &call.state).await {
                Ok(response) => response?,
                Err(status) => status.into_http(),
            };
            call.answered();
            let (parts, body) = response.into_parts();
            let mut body = TrackedBody::new(body, call);
            std::future::poll_fn(|cx| {
                body.poll_early(cx);
                Poll::Ready(())
            })
            .await;
            Ok(http::Response::from_parts(parts, body))
        })
    }
}

/// `response`, unless it is still not ready [`STALLED_GRACE`] after the call arrived (or at a
/// later check, one every [`STALLED_GRACE`]) while the process is into its reserve of open calls:
/// then the call is dropped (its request unread) and ends with RESOURCE_EXHAUSTED, and its
/// connection may not use that reserve again. A response ready when first polled arms no timer.
async fn answered_in_time<F: Future>(
    response: F,
    state: &ConnState,
) -> Result<F::Output, tonic::Status> {
    let mut response = std::pin::pin!(response);
    // Boxed: the future every call moves stays small, and only a call that waits pays for it.
    let mut check: Option<Pin<Box<tokio::time::Sleep>>> = None;
    std::future::poll_fn(|cx| {
        if let Poll::Ready(output) = response.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        let sleep = check.get_or_insert_with(|| Box::pin(tokio::time::sleep(STALLED_GRACE)));
        loop {
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            if state.budget.streams_in_reserve() {
                state.had_stalled_call.store(true, Ordering::Relaxed);
                return Poll::Ready(Err(over_budget(ProcessBudget::stalled_call_ended())));
            }
            let next = sleep.deadline() + STALLED_GRACE;
            sleep.as_mut().reset(next);
        }
    })
    .await
}

/// A data frame larger than this reaches hyper as two, its last byte apart (see
/// [`TrackedBody`]): what may sit in h2 uncounted behind a client's flow-control window is at most
/// this much per stream.
const WHOLE_UP_TO: usize = 1024;

/// A response body that reports its progress to the connection, and is cut short with
/// RESOURCE_EXHAUSTED when the connection, or the process, already holds too many unsent
/// bytes.
///
/// Its first frame is polled as soon as the response is ready, when it is ready too
/// ([`TrackedBody::poll_early`]): a reply is counted from the moment it exists, not only once
/// HTTP/2 has flow-control room to take it, so replies waiting behind a client that reads
/// nothing are counted as well.
///
/// When a frame stops counting rests on how hyper drives a body, which hyper does not promise
/// (docs/adr/0004-transport-below-hyper.md; the canary is llmarket-serving's e2e
/// `a_reply_body_is_polled_at_most_one_frame_ahead_of_what_can_leave`): hyper hands a polled
/// frame to h2 only once h2 has flow-control room for the stream (so every frame before it can
/// leave), then polls the body for the next at once. So a frame counts until the body is polled
/// for the frame after next; and the last byte of a frame over [`WHOLE_UP_TO`] goes on as a frame
/// of its own, so the one frame that goes to h2 with no room behind it (the last, before the
/// trailers) is small.
pub(crate) struct TrackedBody {
    inner: tonic::body::Body,
    /// Bytes of the two data chunks handed on last, older first, counted in the connection's
    /// `unsent` (with `tail`).
    counted: [usize; 2],
    /// Whether the counts moved on since a chunk was last handed on: they move once per chunk,
    /// however often hyper polls while the body is pending.
    moved_on: bool,
    /// The last byte of a large data frame, counted, to hand on next.
    tail: Option<bytes::Bytes>,
    call: CallGuard,
    /// What a poll before hyper asked gave: a frame (counted when it holds data), or the end.
    early: Option<Option<Result<Frame<bytes::Bytes>, tonic::Status>>>,
}

impl TrackedBody {
    fn new(inner: tonic::body::Body, call: CallGuard) -> Self {
        Self {
            inner,
            counted: [0; 2],
            moved_on: true,
            tail: None,
            call,
            early: None,
        }
    }

    /// Gives back what `counted[0]` holds: a new chunk is asked for, so the chunk before the
    /// last is free to leave.
    fn move_on(&mut self) {
        if std::mem::replace(&mut self.moved_on, true) {
            return;
        }
        let [older, newer] = self.counted;
        if older > 0 {
            self.call.state.release_unsent(older);
        }
        self.counted = [newer, 0];
    }

    /// Polls the inner body once, keeping a frame that is ready for hyper's first poll.
    fn poll_early(&mut self, cx: &mut Context<'_>) {
        if let Poll::Ready(polled) = self.poll_counted(cx) {
            self.early = Some(polled);
        }
    }

    /// The next chunk: the held tail, or the inner body's next frame, a data frame counted in the
    /// budgets (or the reply ended with RESOURCE_EXHAUSTED when there is no room for it) and
    /// split when large.
    fn poll_counted(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<bytes::Bytes>, tonic::Status>>> {
        if let Some(tail) = self.tail.take() {
            return Poll::Ready(Some(Ok(self.handed_on(tail))));
        }
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        let Poll::Ready(Some(Ok(frame))) = polled else {
            return polled;
        };
        self.call.state.touch();
        let mut data = match frame.into_data() {
            Ok(data) => data,
            Err(frame) => return Poll::Ready(Some(Ok(frame))),
        };
        if let Err(status) = self.call.state.try_add_unsent(data.len()) {
            // Drop the reply now: its memory is what the budget protects.
            self.inner = tonic::body::Body::empty();
            return Poll::Ready(Some(Ok(trailers(&status))));
        }
        if data.len() > WHOLE_UP_TO {
            self.tail = Some(data.split_off(data.len() - 1));
        }
        Poll::Ready(Some(Ok(self.handed_on(data))))
    }

    /// Notes `data` (already counted) as the chunk handed on last.
    fn handed_on(&mut self, data: bytes::Bytes) -> Frame<bytes::Bytes> {
        self.counted[1] = data.len();
        self.moved_on = false;
        Frame::data(data)
    }

    fn release_all(&mut self) {
        let held = self.counted.iter().sum::<usize>() + self.tail.as_ref().map_or(0, |t| t.len());
        if held > 0 {
            self.call.state.release_unsent(held);
        }
        self.counted = [0; 2];
        self.tail = None;
    }
}

/// The trailers that end a reply with `status`.
fn trailers(status: &tonic::Status) -> Frame<bytes::Bytes> {
    let mut trailers = http::HeaderMap::new();
    if status.add_header(&mut trailers).is_err() {
        trailers.insert("grpc-status", http::HeaderValue::from_static("8"));
    }
    Frame::trailers(trailers)
}

impl Body for TrackedBody {
    type Data = bytes::Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        let state = &this.call.state;
        state.progress_ms.store(state.now_ms(), Ordering::Relaxed);
        if let Some(early) = this.early.take() {
            // Counted as any chunk handed on.
            return Poll::Ready(early);
        }
        this.move_on();
        this.poll_counted(cx)
    }

    fn is_end_stream(&self) -> bool {
        match &self.early {
            None => self.tail.is_none() && self.inner.is_end_stream(),
            Some(early) => early.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.early {
            None if self.tail.is_none() => self.inner.size_hint(),
            Some(None) => SizeHint::with_exact(0),
            _ => SizeHint::default(),
        }
    }
}

impl Drop for TrackedBody {
    fn drop(&mut self) {
        self.release_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{budget::BudgetLimits, middleware::testing::refusal, refusal::UNREAD_RETRY};

    fn sharing(budget: &ProcessBudget) -> ConnState {
        ConnState::new((1000, 500), budget.clone())
    }

    #[test]
    fn connections_share_the_process_budget_and_the_reserve_is_for_those_holding_none() {
        let budget = ProcessBudget::new(BudgetLimits {
            max_unsent_bytes: 100,
            max_streams: 10,
        });
        let (a, b) = (sharing(&budget), sharing(&budget));
        a.try_add_unsent(80).expect("within the budget");
        let refused = a.try_add_unsent(30).unwrap_err();
        assert!(
            refused.message().contains("--max-unsent-bytes-total"),
            "{}",
            refused.message()
        );
        assert_eq!(
            (refusal(&refused).retry_delay, refusal(&refused).reason),
            (Some(UNREAD_RETRY), "UNREAD_REPLIES_LIMIT".into())
        );
        assert_eq!(
            a.unsent.load(Ordering::Relaxed),
            80,
            "a refusal counts nothing"
        );
        b.try_add_unsent(30)
            .expect("a connection holding none: the reserve");
        assert!(b.try_add_unsent(5).is_err(), "and no more");
        assert_eq!(budget.unsent(), 110);
        assert_eq!(
            b.admit().unwrap_err().code(),
            tonic::Code::ResourceExhausted,
            "no new work on a connection holding replies while the process is over"
        );
        a.release_unsent(80);
        b.release_unsent(30);
        assert_eq!(budget.unsent(), 0);
        assert!(a.admit().is_ok());
    }

    /// A body of the given data frames, then trailers.
    struct Frames(std::collections::VecDeque<Frame<bytes::Bytes>>);

    impl Body for Frames {
        type Data = bytes::Bytes;
        type Error = tonic::Status;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<bytes::Bytes>, tonic::Status>>> {
            Poll::Ready(self.0.pop_front().map(Ok))
        }
    }

    fn frames(sizes: &[usize]) -> tonic::body::Body {
        let mut frames: std::collections::VecDeque<_> = sizes
            .iter()
            .map(|&n| Frame::data(bytes::Bytes::from(vec![0; n])))
            .collect();
        let mut trailers = http::HeaderMap::new();
        trailers.insert("grpc-status", http::HeaderValue::from_static("0"));
        frames.push_back(Frame::trailers(trailers));
        tonic::body::Body::new(Frames(frames))
    }

    #[test]
    fn a_chunk_counts_until_the_one_after_it_is_handed_on_and_a_large_frame_ends_apart() {
        let state = Arc::new(ConnState::new((1 << 20, 1 << 20), ProcessBudget::default()));
        let call = CallGuard::enter(state.clone(), None);
        let mut body = TrackedBody::new(frames(&[2000, 500]), call);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut next = |body: &mut TrackedBody| match Pin::new(body).poll_frame(&mut cx) {
            Poll::Ready(Some(Ok(frame))) => frame.into_data().map_or(0, |d| d.len()),
            other => panic!("{other:?}"),
        };
        let unsent = || state.unsent.load(Ordering::Relaxed);
        // The first frame, all but its last byte; the whole frame counts.
        assert_eq!(next(&mut body), 1999);
        assert_eq!(unsent(), 2000);
        assert_eq!(next(&mut body), 1, "its last byte apart");
        assert_eq!(unsent(), 2000, "the chunk before still counts");
        assert_eq!(next(&mut body), 500, "small enough to go whole");
        assert_eq!(unsent(), 501, "the 1999 bytes are free to leave");
        assert_eq!(next(&mut body), 0, "the trailers");
        assert_eq!(unsent(), 500);
        drop(body);
        assert_eq!(unsent(), 0);
    }

    #[test]
    fn a_reply_over_the_cap_is_refused_whatever_the_budgets() {
        let state = sharing(&ProcessBudget::default());
        let refused = state.try_add_unsent(501).unwrap_err();
        assert!(
            refused.message().contains("501 bytes")
                && refused.message().contains("--max-reply-size 500"),
            "{}",
            refused.message()
        );
        let not_retryable = refusal(&refused);
        assert_eq!(not_retryable.retry_delay, None);
        assert_eq!(not_retryable.reason, "REPLY_TOO_LARGE");
        state.try_add_unsent(500).expect("exactly the cap");
    }

    #[test]
    fn momentary_refusals_say_when_to_retry() {
        // The process's open calls.
        let budget = ProcessBudget::new(BudgetLimits {
            max_unsent_bytes: 1 << 20,
            max_streams: 1,
        });
        let state = sharing(&budget);
        let mut places = Vec::new();
        let refused = loop {
            match state.admit() {
                Ok(place) if places.len() < 100 => places.push(place),
                Ok(_) => panic!("no cap on open calls"),
                Err(status) => break status,
            }
        };
        let over = refusal(&refused);
        assert_eq!(over.retry_delay, Some(crate::refusal::CALL_RETRY));
        assert_eq!(over.reason, "OPEN_CALLS_LIMIT");
        drop(places);
        // The connection's unread replies.
        let state = ConnState::new((100, 100), ProcessBudget::default());
        state.try_add_unsent(100).expect("one reply alone");
        let full = refusal(&state.admit().unwrap_err());
        assert_eq!(full.retry_delay, Some(UNREAD_RETRY));
        assert_eq!(full.reason, "CONNECTION_UNREAD_REPLIES_LIMIT");
        assert_eq!(full.pushback, "500");
    }

    /// A budget of one open call, with `open` places taken.
    fn one_call_budget(open: usize) -> (ProcessBudget, Vec<StreamPlace>) {
        let budget = ProcessBudget::new(BudgetLimits {
            max_unsent_bytes: 1 << 20,
            max_streams: 1,
        });
        let places = (0..open)
            .map(|_| budget.open_stream(true).expect("within the reserve"))
            .collect();
        (budget, places)
    }

    #[tokio::test(start_paused = true)]
    async fn an_unanswered_call_is_left_alone_while_the_process_is_within_its_budget() {
        let (budget, _places) = one_call_budget(1);
        let state = sharing(&budget);
        let call = answered_in_time(std::future::pending::<()>(), &state);
        assert!(
            tokio::time::timeout(Duration::from_secs(60), call)
                .await
                .is_err(),
            "ended though the process was within its budget"
        );
        assert!(!state.had_stalled_call.load(Ordering::Relaxed));
        let ready = answered_in_time(std::future::ready(7), &state).await;
        assert_eq!(ready.expect("ready"), 7);
    }

    #[tokio::test(start_paused = true)]
    async fn an_unanswered_call_is_ended_once_the_process_is_into_its_reserve() {
        let (budget, mut places) = one_call_budget(1);
        let state = sharing(&budget);
        let started = tokio::time::Instant::now();
        let call = tokio::spawn({
            let state = Arc::new(sharing(&budget));
            let seen = state.clone();
            async move {
                let ended = answered_in_time(std::future::pending::<()>(), &state).await;
                (ended, seen.had_stalled_call.load(Ordering::Relaxed))
            }
        });
        tokio::time::sleep(Duration::from_millis(5500)).await;
        assert!(!call.is_finished(), "within the budget for 5.5 s");
        // Another call takes the reserve.
        places.push(budget.open_stream(true).expect("the reserve"));
        let (ended, had_stalled_call) = call.await.expect("joined");
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(6),
            "ended at the next check"
        );
        let ended = refusal(&ended.unwrap_err());
        assert_eq!(ended.reason, "STALLED_CALL_ENDED");
        assert_eq!(ended.retry_delay, Some(crate::refusal::CALL_RETRY));
        assert!(had_stalled_call, "its connection is marked");

        // A connection marked so gets no place from the reserve; others do.
        drop(places.pop());
        state.had_stalled_call.store(true, Ordering::Relaxed);
        let refused = refusal(&state.admit().unwrap_err());
        assert_eq!(refused.reason, "OPEN_CALLS_LIMIT");
        let quiet = sharing(&budget);
        assert!(quiet.admit().is_ok(), "a quiet connection has the reserve");
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_reading_nothing_gets_a_second_while_the_process_is_into_its_reserve() {
        let budget = ProcessBudget::new(BudgetLimits {
            max_unsent_bytes: 100,
            max_streams: 1,
        });
        let (slow, other) = (sharing(&budget), sharing(&budget));
        slow.try_add_unsent(50).expect("within the budget");
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(!slow.stopped_reading(Duration::from_secs(10)));
        assert!(slow.stopped_reading(Duration::from_secs(5)));
        // As its body's poll would: progress now, and a reply counted.
        other.progress_ms.store(other.now_ms(), Ordering::Relaxed);
        other.try_add_unsent(60).expect("the reserve");
        assert!(
            slow.stopped_reading(Duration::from_secs(10)),
            "into the reserve: a second without progress is enough"
        );
        assert!(
            !other.stopped_reading(Duration::from_secs(10)),
            "a reply that only now went unsent"
        );
        other.release_unsent(60);
        assert!(!slow.stopped_reading(Duration::from_secs(10)));
    }
}
