//! A transport for the generated clients straight over one hyper HTTP/2 connection, without
//! tonic's `Channel` (its buffer task, reconnection and balancing): what a call costs the client
//! when it is sent from the caller's own task. For measuring only: it never reconnects.

use std::{
    future::Future,
    net::SocketAddr,
    pin::Pin,
    task::{Context, Poll},
};

use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tonic::body::Body;

/// One HTTP/2 connection, shared by clones.
#[derive(Clone)]
pub(crate) struct Direct {
    send: SendRequest<Body>,
    authority: http::uri::Authority,
}

impl Direct {
    /// Connects to `addr` (plaintext, TCP_NODELAY) and drives the connection on its own task.
    pub(crate) async fn connect(addr: SocketAddr) -> Self {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let (send, connection) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
            .handshake(TokioIo::new(stream))
            .await
            .expect("HTTP/2 handshake");
        tokio::spawn(connection);
        Self {
            send,
            authority: addr.to_string().parse().expect("authority"),
        }
    }
}

impl tower::Service<http::Request<Body>> for Direct {
    type Response = http::Response<hyper::body::Incoming>;
    type Error = hyper::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.send.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        // tonic gives the path only; HTTP/2 needs the scheme and authority too.
        let mut parts = request.uri().clone().into_parts();
        parts.scheme = Some(http::uri::Scheme::HTTP);
        parts.authority = Some(self.authority.clone());
        *request.uri_mut() = http::Uri::from_parts(parts).expect("uri");
        Box::pin(self.send.send_request(request))
    }
}
