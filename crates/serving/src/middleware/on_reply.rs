//! The future a layer's service returns when it passes a call on and has something to do with
//! the reply once the service answers: hold a place until the reply ends, watch its trailers,
//! count its code. It is a named type, so passing a call through a layer costs no allocation.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
};

use http::Response;
use pin_project_lite::pin_project;
use tonic::body::Body;

/// What a layer does with the reply of a call it passed on: usually wraps its body, so that
/// something the call holds lives as long as the reply. Dropped unused when the service fails
/// or the call is dropped before it is answered.
pub trait OnReply {
    /// The reply as the layer hands it on.
    fn on_reply(self, reply: Response<Body>) -> Response<Body>;
}

pin_project! {
    /// The service's answer to a call, handed to `T` when the layer gave one (none: the answer
    /// as it is).
    pub struct OnReplyFuture<F, T> {
        #[pin]
        call: F,
        then: Option<T>,
    }
}

impl<F, T> OnReplyFuture<F, T> {
    /// The answer of `call`, handed to `then` if any.
    pub fn new(call: F, then: Option<T>) -> Self {
        Self { call, then }
    }
}

impl<F, T, E> Future for OnReplyFuture<F, T>
where
    F: Future<Output = Result<Response<Body>, E>>,
    T: OnReply,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let answer = ready!(this.call.poll(cx));
        // Taken either way: a failed call drops it here.
        let then = this.then.take();
        Poll::Ready(match (answer, then) {
            (Ok(reply), Some(then)) => Ok(then.on_reply(reply)),
            (answer, _) => answer,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::{
        convert::Infallible,
        sync::{
            Arc,
            atomic::{AtomicUsize, Ordering},
        },
    };

    use super::*;

    /// Counts the replies it is handed and marks them; counts its drops.
    struct Mark {
        handed: Arc<AtomicUsize>,
        dropped: Arc<AtomicUsize>,
    }

    impl OnReply for Mark {
        fn on_reply(self, mut reply: Response<Body>) -> Response<Body> {
            self.handed.fetch_add(1, Ordering::SeqCst);
            reply
                .headers_mut()
                .insert("x-marked", http::HeaderValue::from_static("1"));
            reply
        }
    }

    impl Drop for Mark {
        fn drop(&mut self) {
            self.dropped.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn mark() -> (Mark, Arc<AtomicUsize>, Arc<AtomicUsize>) {
        let (handed, dropped) = (Arc::default(), Arc::default());
        let mark = Mark {
            handed: Arc::clone(&handed),
            dropped: Arc::clone(&dropped),
        };
        (mark, handed, dropped)
    }

    #[tokio::test]
    async fn a_reply_is_handed_on_once_and_without_a_hook_untouched() {
        let (then, handed, dropped) = mark();
        let answer = std::future::ready(Ok::<_, Infallible>(Response::new(Body::empty())));
        let reply = OnReplyFuture::new(answer, Some(then)).await.unwrap();
        assert!(reply.headers().contains_key("x-marked"));
        assert_eq!(handed.load(Ordering::SeqCst), 1);
        assert_eq!(dropped.load(Ordering::SeqCst), 1);

        let answer = std::future::ready(Ok::<_, Infallible>(Response::new(Body::empty())));
        let reply = OnReplyFuture::<_, Mark>::new(answer, None).await.unwrap();
        assert!(!reply.headers().contains_key("x-marked"));
    }

    #[tokio::test]
    async fn a_failed_call_drops_the_hook_unused() {
        let (then, handed, dropped) = mark();
        let answer = std::future::ready(Err::<Response<Body>, _>("failed"));
        assert_eq!(
            OnReplyFuture::new(answer, Some(then)).await.unwrap_err(),
            "failed"
        );
        assert_eq!(handed.load(Ordering::SeqCst), 0);
        assert_eq!(dropped.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_call_dropped_before_its_answer_drops_the_hook_unused() {
        let (then, handed, dropped) = mark();
        let answer = std::future::pending::<Result<Response<Body>, Infallible>>();
        let mut future = Box::pin(OnReplyFuture::new(answer, Some(then)));
        let waker = std::task::Waker::noop();
        assert!(
            future
                .as_mut()
                .poll(&mut Context::from_waker(waker))
                .is_pending()
        );
        drop(future);
        assert_eq!(handed.load(Ordering::SeqCst), 0);
        assert_eq!(dropped.load(Ordering::SeqCst), 1);
    }
}
