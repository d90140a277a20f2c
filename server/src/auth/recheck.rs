//! Credentials checked again while a reply is open: an authenticated call's reply body notes the
//! principals in force when the call passed, and when a reload (SIGHUP) has swapped them it
//! authenticates the call's credentials (its bearer token, or its connection's certificate
//! names) again. If they no longer name the same principal (the token was revoked, the
//! certificate name removed), the reply ends with UNAUTHENTICATED in its trailers and an audit
//! line. A stream that sends nothing is checked at least every [`PERIOD`], so a reflection or
//! health stream opened before a revocation ends within that much of the reload.

use std::{
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use bytes::Bytes;
use http::HeaderValue;
use http_body::{Body as HttpBody, Frame, SizeHint};
use tonic::{Code, Status, body::Body};

use llmarket_serving::peer::Peer;

use super::principal_calls::PrincipalPlace;
use crate::auth::{Principals, SharedPrincipals, audit};

/// How often an open reply that is waiting checks whether the principals were reloaded.
pub const PERIOD: Duration = Duration::from_secs(1);

/// What a call authenticated with, and the principals it was checked against.
pub(crate) struct Credentials {
    /// The principals in force, swapped by reloads.
    pub(crate) principals: SharedPrincipals,
    /// The principals the call was last checked against.
    pub(crate) seen: Arc<Principals>,
    /// The call's `authorization` header, if it sent one.
    pub(crate) authorization: Option<HeaderValue>,
    /// The call's connection (its verified certificate names, its address).
    pub(crate) peer: Option<Arc<Peer>>,
    /// The principal the call authenticated as.
    pub(crate) name: String,
    /// The call's method, as audit lines name it.
    pub(crate) method: Arc<str>,
}

impl Credentials {
    /// The status ending the call when the principals in force changed and the call's
    /// credentials no longer name its principal; `None` while they hold.
    fn revoked(&mut self) -> Option<Status> {
        if Arc::ptr_eq(&*self.principals.load(), &self.seen) {
            return None;
        }
        let now = self.principals.load_full();
        let names = self
            .peer
            .as_ref()
            .map_or(&[][..], |p| &p.certificate_names[..]);
        let authorization = self.authorization.as_ref().map(HeaderValue::as_bytes);
        match now.authenticate(authorization, names) {
            Ok(principal) if principal.name == self.name => {
                self.seen = now;
                None
            }
            _ => {
                let addr = self.peer.as_ref().and_then(|p| p.addr);
                audit::denied(
                    Some(&self.name),
                    &self.method,
                    None,
                    Code::Unauthenticated,
                    addr,
                );
                Some(Status::unauthenticated(format!(
                    "the credentials of principal {:?} were revoked by a reload of the auth \
                     file while this call was open",
                    self.name
                )))
            }
        }
    }
}

/// The reply of an authenticated call: holds its place among its principal's calls in flight
/// (when they are limited) until dropped, and ends with UNAUTHENTICATED once its credentials no
/// longer hold.
pub(crate) struct Checked {
    inner: Body,
    /// None for a call without credentials (one open to anonymous callers): nothing to check.
    credentials: Option<Credentials>,
    _place: Option<PrincipalPlace>,
    /// When a waiting reply next checks; made at its first wait.
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    ended: bool,
}

impl Checked {
    /// `inner`, checked against `credentials` (if any), holding `place`.
    pub(crate) fn new(
        inner: Body,
        credentials: Option<Credentials>,
        place: Option<PrincipalPlace>,
    ) -> Self {
        Self {
            inner,
            credentials,
            _place: place,
            timer: None,
            ended: false,
        }
    }

    /// Ends the reply with `status`: the trailers that say so, and nothing after.
    fn end(&mut self, status: &Status) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        self.ended = true;
        self.inner = Body::empty();
        let mut trailers = http::HeaderMap::new();
        if status.add_header(&mut trailers).is_err() {
            trailers.insert("grpc-status", HeaderValue::from_static("16"));
        }
        Poll::Ready(Some(Ok(Frame::trailers(trailers))))
    }

    /// Waits for the next check, checking at each: `Ready` with the status once revoked.
    fn poll_checks(&mut self, cx: &mut Context<'_>) -> Poll<Status> {
        let Some(credentials) = &mut self.credentials else {
            return Poll::Pending;
        };
        loop {
            let timer = self
                .timer
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(PERIOD)));
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            timer.as_mut().reset(tokio::time::Instant::now() + PERIOD);
            if let Some(status) = credentials.revoked() {
                return Poll::Ready(status);
            }
        }
    }
}

impl HttpBody for Checked {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = &mut *self;
        if this.ended {
            return Poll::Ready(None);
        }
        if let Some(status) = this.credentials.as_mut().and_then(Credentials::revoked) {
            return this.end(&status);
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Pending => match this.poll_checks(cx) {
                Poll::Ready(status) => this.end(&status),
                Poll::Pending => Poll::Pending,
            },
            Poll::Ready(polled) => {
                // Nothing follows trailers or the end: no check may add to them.
                if polled
                    .as_ref()
                    .is_none_or(|f| f.as_ref().is_ok_and(Frame::is_trailers))
                {
                    this.ended = true;
                }
                Poll::Ready(polled)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.ended || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
