//! What the per-call layers share: the boxed answer their services return, answering a call at
//! once without the service, and [`Wrapped`], the one `tower::Service` every layer that implements
//! [`Around`] makes, so each layer writes only what it does to a call.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
};

use http::{Request, Response};
use tonic::{Status, body::Body};
use tower::Service;

/// The answer of a layer's service: a boxed future of the HTTP response, failing only as the
/// service inside fails (`E`).
pub type Answer<E> = Pin<Box<dyn Future<Output = Result<Response<Body>, E>> + Send>>;

/// Answers `response` at once; the service inside is not called.
pub fn answer_now<E>(response: Response<Body>) -> Answer<E> {
    Box::pin(async move { Ok(response) })
}

/// Answers `status` at once, as a trailers-only gRPC response; the service inside is not called.
pub fn refuse<E>(status: Status) -> Answer<E> {
    answer_now(status.into_http())
}

/// A service a layer can wrap: it takes requests with a body `B` and answers HTTP responses
/// with a future that can move to another task.
pub trait Next<B>: Service<Request<B>, Response = Response<Body>, Future: Send + 'static> {}

impl<S, B> Next<B> for S where
    S: Service<Request<B>, Response = Response<Body>, Future: Send + 'static>
{
}

/// What a layer does to each call with a request body `B`: answer it itself, or pass it on to
/// the service inside (and perhaps watch its answer). A layer's `Layer::layer` makes a
/// [`Wrapped`].
pub trait Around<B> {
    /// Handles `request`, calling `inner` when it passes.
    fn around<S: Next<B>>(&self, inner: &mut S, request: Request<B>) -> Answer<S::Error>;
}

/// Service made by a layer `L`: `L`'s [`Around`] around `inner`; ready when `inner` is.
#[derive(Debug, Clone)]
pub struct Wrapped<S, L> {
    inner: S,
    layer: L,
}

impl<S, L> Wrapped<S, L> {
    /// `layer` (a clone of the layer's settings) around `inner`.
    pub fn new(inner: S, layer: L) -> Self {
        Self { inner, layer }
    }
}

impl<S, L, B> Service<Request<B>> for Wrapped<S, L>
where
    L: Around<B>,
    S: Next<B>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Answer<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        self.layer.around(&mut self.inner, request)
    }
}
