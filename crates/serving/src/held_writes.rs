//! A connection's writes held until its task has done what one wake-up brings, then written at
//! once, so that a reply and its trailers leave in one write, not two. Why (h2 writes a payload of
//! 256 bytes or more apart from the frames after it), what it bought (measured, paired) and what
//! it rests on (hyper uses the IO only inside the connection's task):
//! docs/adr/0004-transport-below-hyper.md; the canaries are the tests of `canary` below.
//!
//! [`hold_writes`] splits a connection's IO in two:
//! - [`HeldIo`], given to hyper: it keeps what is written (up to [`MAX_HELD`] bytes), and a
//!   flush only notes that one is wanted;
//! - [`Flushing`], around the connection's task: after every poll of the task it writes what
//!   was held, in one write when the socket takes it, and flushes.
//!
//! Nothing waits longer than before: the bytes leave before the task sleeps, in the same
//! wake-up hyper wrote them. Back-pressure is kept: past [`MAX_HELD`] a write goes to the
//! socket, and waits for it, as it did before. Reads pass straight through.

use std::{
    future::Future,
    io::{self, IoSlice},
    pin::Pin,
    sync::{Arc, Mutex, MutexGuard},
    task::{Context, Poll, ready},
};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Most bytes held before writes go to the socket (and wait for it): hyper's own frame buffer
/// is 16 KiB, so this at most doubles what a connection holds on its way out.
pub(crate) const MAX_HELD: usize = 16 * 1024;

/// A buffer that grew past this for a large reply is freed once written, so an idle
/// connection keeps at most this much.
const KEPT_CAPACITY: usize = 4 * 1024;

/// Splits `io` into the IO to give hyper and the writer the connection's task drives.
pub(crate) fn hold_writes<I>(io: I) -> (HeldIo<I>, HeldWriter<I>) {
    let shared = Arc::new(Mutex::new(Held {
        io,
        held: Vec::new(),
        flush_wanted: false,
        failed: None,
    }));
    (HeldIo(shared.clone()), HeldWriter(shared))
}

/// The IO and what is held for it. Both halves are used on the connection's one task, so the
/// lock is never contended.
struct Held<I> {
    io: I,
    held: Vec<u8>,
    flush_wanted: bool,
    /// A write to the socket failed: every later write says so.
    failed: Option<io::ErrorKind>,
}

impl<I: AsyncWrite + Unpin> Held<I> {
    fn check(&self) -> io::Result<()> {
        match self.failed {
            Some(kind) => Err(io::Error::new(
                kind,
                "an earlier write to the connection failed",
            )),
            None => Ok(()),
        }
    }

    /// Writes what is held to the socket, until all of it is written or the socket is full
    /// (then `cx` is woken when it has room).
    fn poll_write_held(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut written = 0;
        let result = loop {
            if written == self.held.len() {
                break Poll::Ready(Ok(()));
            }
            match Pin::new(&mut self.io).poll_write(cx, &self.held[written..]) {
                Poll::Ready(Ok(0)) => break Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => written += n,
                Poll::Ready(Err(e)) => break Poll::Ready(Err(e)),
                Poll::Pending => break Poll::Pending,
            }
        };
        self.held.drain(..written);
        if self.held.is_empty() && self.held.capacity() > KEPT_CAPACITY {
            self.held = Vec::new();
        }
        result
    }

    /// Keeps a failure for every later write to report, and drops what was held.
    fn fail<T>(&mut self, result: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        if let Poll::Ready(Err(e)) = &result {
            self.failed = Some(e.kind());
            self.held = Vec::new();
            self.flush_wanted = false;
        }
        result
    }

    /// Writes what is held, then flushes the socket if a flush was asked for. After a failure
    /// there is nothing left to do: the failure is reported once, here, and then to hyper's
    /// writes.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.failed.is_some() {
            return Poll::Ready(Ok(()));
        }
        let written = self.poll_write_held(cx);
        ready!(self.fail(written))?;
        if self.flush_wanted {
            let flushed = Pin::new(&mut self.io).poll_flush(cx);
            ready!(self.fail(flushed))?;
            self.flush_wanted = false;
        }
        Poll::Ready(Ok(()))
    }

    /// Makes room for `len` more bytes: true when they fit in what may be held (after writing
    /// out what is held if needed); false when they are too many to hold at all.
    fn poll_room(&mut self, cx: &mut Context<'_>, len: usize) -> Poll<io::Result<bool>> {
        self.check()?;
        if self.held.len() + len <= MAX_HELD {
            return Poll::Ready(Ok(true));
        }
        let written = self.poll_write_held(cx);
        ready!(self.fail(written))?;
        Poll::Ready(Ok(len <= MAX_HELD))
    }
}

/// The connection's IO as hyper sees it: writes are held for [`Flushing`] to write.
pub(crate) struct HeldIo<I>(Arc<Mutex<Held<I>>>);

/// Writes what [`HeldIo`] holds; [`Flushing`] calls it after every poll of the connection.
pub(crate) struct HeldWriter<I>(Arc<Mutex<Held<I>>>);

fn lock<I>(shared: &Mutex<Held<I>>) -> MutexGuard<'_, Held<I>> {
    // A panic while holding the lock leaves plain bytes behind, never a broken invariant.
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<I: AsyncRead + Unpin> AsyncRead for HeldIo<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut lock(&self.0).io).poll_read(cx, buf)
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for HeldIo<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut held = lock(&self.0);
        if ready!(held.poll_room(cx, buf.len()))? {
            held.held.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        } else {
            Pin::new(&mut held.io).poll_write(cx, buf)
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|b| b.len()).sum();
        let mut held = lock(&self.0);
        if ready!(held.poll_room(cx, len))? {
            for buf in bufs {
                held.held.extend_from_slice(buf);
            }
            Poll::Ready(Ok(len))
        } else {
            Pin::new(&mut held.io).poll_write_vectored(cx, bufs)
        }
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// Notes that a flush is wanted; [`Flushing`] does it at the end of the task's poll.
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut held = lock(&self.0);
        held.check()?;
        held.flush_wanted = true;
        Poll::Ready(Ok(()))
    }

    /// Writes out what is held first: hyper shuts down only once it has said everything.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut held = lock(&self.0);
        held.check()?;
        ready!(held.poll_drain(cx))?;
        Pin::new(&mut held.io).poll_shutdown(cx)
    }
}

impl<I: AsyncWrite + Unpin> HeldWriter<I> {
    /// Writes what is held and flushes. A failure is kept for hyper's next write to see; the
    /// task is woken once so that hyper finds it.
    fn drain(&self, cx: &mut Context<'_>) {
        if let Poll::Ready(Err(e)) = lock(&self.0).poll_drain(cx) {
            tracing::debug!("write to the connection failed: {e}");
            cx.waker().wake_by_ref();
        }
    }
}

/// Runs a connection's task, writing what its [`HeldIo`] holds after every poll. Every use of
/// the `HeldIo` must happen inside `task`, or its writes would wait for the task's next wake-up.
pub(crate) struct Flushing<I, F> {
    writer: HeldWriter<I>,
    task: Pin<Box<F>>,
}

impl<I, F> Flushing<I, F> {
    /// Runs `task`, writing for `writer` after each of its polls.
    pub(crate) fn new(writer: HeldWriter<I>, task: F) -> Self {
        Self {
            writer,
            task: Box::pin(task),
        }
    }
}

impl<I: AsyncWrite + Unpin, F: Future> Future for Flushing<I, F> {
    type Output = F::Output;

    /// Polls the task, then writes. When the task is done, one last write is tried and what
    /// the socket does not take at once is dropped: a task ends either after hyper's own
    /// shutdown (which writes everything) or when the connection is cut.
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let polled = self.task.as_mut().poll(cx);
        self.writer.drain(cx);
        polled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::{
        collections::VecDeque,
        sync::atomic::{AtomicUsize, Ordering},
    };
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    /// A socket that records each write, takes at most `room` bytes at a time when set, and
    /// reads from a script.
    #[derive(Default)]
    struct Socket {
        writes: Arc<Mutex<Vec<Vec<u8>>>>,
        room: Option<Arc<AtomicUsize>>,
        fail: bool,
        reads: VecDeque<u8>,
        flushes: Arc<AtomicUsize>,
        shut: Arc<AtomicUsize>,
    }

    impl AsyncRead for Socket {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let n = buf.remaining().min(self.reads.len());
            let bytes: Vec<u8> = self.reads.drain(..n).collect();
            buf.put_slice(&bytes);
            Poll::Ready(Ok(()))
        }
    }

    impl AsyncWrite for Socket {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            if self.fail {
                return Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()));
            }
            let n = match &self.room {
                None => buf.len(),
                Some(room) => {
                    let n = buf.len().min(room.load(Ordering::SeqCst));
                    if n == 0 {
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                    room.fetch_sub(n, Ordering::SeqCst);
                    n
                }
            };
            self.writes.lock().unwrap().push(buf[..n].to_vec());
            Poll::Ready(Ok(n))
        }

        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.flushes.fetch_add(1, Ordering::SeqCst);
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.shut.fetch_add(1, Ordering::SeqCst);
            Poll::Ready(Ok(()))
        }
    }

    fn written(writes: &Mutex<Vec<Vec<u8>>>) -> Vec<Vec<u8>> {
        writes.lock().unwrap().clone()
    }

    #[tokio::test]
    async fn writes_and_flushes_of_one_poll_reach_the_socket_as_one_write() {
        let socket = Socket::default();
        let (writes, flushes) = (socket.writes.clone(), socket.flushes.clone());
        let (mut io, writer) = hold_writes(socket);
        let (observed_writes, observed_flushes) = (writes.clone(), flushes.clone());
        Flushing::new(writer, async move {
            // What h2 does for a reply over 256 bytes: headers and data, flush, trailers, flush.
            io.write_all(b"headers+data").await.unwrap();
            io.flush().await.unwrap();
            io.write_all(b"+trailers").await.unwrap();
            io.flush().await.unwrap();
            assert!(
                observed_writes.lock().unwrap().is_empty(),
                "nothing written yet"
            );
            assert_eq!(observed_flushes.load(Ordering::SeqCst), 0);
        })
        .await;
        assert_eq!(written(&writes), vec![b"headers+data+trailers".to_vec()]);
        assert_eq!(flushes.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn each_poll_of_the_task_ends_with_a_write() {
        let socket = Socket::default();
        let writes = socket.writes.clone();
        let (mut io, writer) = hold_writes(socket);
        Flushing::new(writer, async move {
            io.write_all(b"first").await.unwrap();
            io.flush().await.unwrap();
            tokio::task::yield_now().await;
            io.write_all(b"second").await.unwrap();
        })
        .await;
        assert_eq!(
            written(&writes),
            vec![b"first".to_vec(), b"second".to_vec()]
        );
    }

    #[tokio::test]
    async fn past_the_limit_writes_wait_for_the_socket() {
        let room = Arc::new(AtomicUsize::new(0));
        let socket = Socket {
            room: Some(room.clone()),
            ..Socket::default()
        };
        let writes = socket.writes.clone();
        let (mut io, writer) = hold_writes(socket);
        let mut task = Box::pin(Flushing::new(writer, async move {
            io.write_all(&vec![1; MAX_HELD]).await.unwrap();
            io.write_all(&[2; 10]).await.unwrap();
        }));
        // The socket takes nothing: the first write is held, the second waits.
        assert!(futures_poll(&mut task).is_pending());
        assert!(written(&writes).is_empty());
        room.store(usize::MAX, Ordering::SeqCst);
        task.await;
        let all: Vec<u8> = written(&writes).concat();
        assert_eq!(all.len(), MAX_HELD + 10);
        assert_eq!(&all[MAX_HELD..], &[2; 10]);
    }

    #[tokio::test]
    async fn a_write_larger_than_the_limit_goes_straight_to_the_socket() {
        let socket = Socket::default();
        let writes = socket.writes.clone();
        let (mut io, writer) = hold_writes(socket);
        Flushing::new(writer, async move {
            io.write_all(b"small").await.unwrap();
            io.write_all(&vec![7; MAX_HELD + 1]).await.unwrap();
        })
        .await;
        let writes = written(&writes);
        assert_eq!(writes[0], b"small");
        assert_eq!(writes[1].len(), MAX_HELD + 1);
    }

    #[tokio::test]
    async fn shutdown_writes_what_is_held_first() {
        let socket = Socket::default();
        let (writes, shut) = (socket.writes.clone(), socket.shut.clone());
        let (mut io, writer) = hold_writes(socket);
        let observed = writes.clone();
        Flushing::new(writer, async move {
            io.write_all(b"goaway").await.unwrap();
            io.shutdown().await.unwrap();
            assert_eq!(written(&observed), vec![b"goaway".to_vec()]);
        })
        .await;
        assert_eq!(shut.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_write_is_reported_to_the_next_one() {
        let socket = Socket {
            fail: true,
            ..Socket::default()
        };
        let (mut io, writer) = hold_writes(socket);
        Flushing::new(writer, async move {
            io.write_all(b"lost").await.unwrap();
            tokio::task::yield_now().await;
            let error = io.write_all(b"more").await.unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::ConnectionReset);
            assert_eq!(
                io.flush().await.unwrap_err().kind(),
                io::ErrorKind::ConnectionReset
            );
        })
        .await;
    }

    #[test]
    fn a_failure_wakes_the_task_once() {
        struct Count(AtomicUsize);
        impl std::task::Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let socket = Socket {
            fail: true,
            ..Socket::default()
        };
        let (mut io, writer) = hold_writes(socket);
        let mut task = Box::pin(Flushing::new(writer, async move {
            io.write_all(b"lost").await.unwrap();
            io.flush().await.unwrap();
            std::future::pending::<()>().await;
        }));
        let wakes = Arc::new(Count(AtomicUsize::new(0)));
        let waker = std::task::Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        for _ in 0..3 {
            assert!(task.as_mut().poll(&mut cx).is_pending());
        }
        // The failed write woke the task once; later polls find nothing to write and no new
        // failure, so a connection whose socket broke does not spin.
        assert_eq!(wakes.0.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn reads_pass_through() {
        let socket = Socket {
            reads: b"preface".iter().copied().collect(),
            ..Socket::default()
        };
        let (mut io, writer) = hold_writes(socket);
        Flushing::new(writer, async move {
            let mut read = [0; 7];
            io.read_exact(&mut read).await.unwrap();
            assert_eq!(&read, b"preface");
        })
        .await;
    }

    /// Polls `future` once with a waker that does nothing.
    fn futures_poll<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        Pin::new(future).poll(&mut cx)
    }
}

#[cfg(test)]
mod canary {
    //! Canaries (docs/adr/0004-transport-below-hyper.md): what hyper and h2 do that held writes
    //! need (h2 writes a reply of 256 bytes or more apart from its trailers) and rest on (hyper
    //! uses a connection's IO only inside the connection's task), seen on connections served by
    //! hyper alone.

    use std::{
        convert::Infallible,
        sync::atomic::{AtomicBool, AtomicUsize, Ordering},
    };

    use bytes::Bytes;
    use http_body_util::BodyExt as _;
    use hyper_util::rt::{TokioExecutor, TokioIo};

    use super::*;

    /// A reply message's bytes, easy to find in what was written.
    const PAYLOAD: u8 = b'z';

    /// The server's end of a connection: records each write; with `inside`, counts in `outside`
    /// every write or flush made while the connection's task was not being polled.
    struct Watched<I> {
        io: I,
        writes: Arc<Mutex<Vec<Vec<u8>>>>,
        inside: Option<Arc<AtomicBool>>,
        outside: Arc<AtomicUsize>,
    }

    impl<I> Watched<I> {
        fn new(io: I) -> Self {
            Self {
                io,
                writes: Arc::default(),
                inside: None,
                outside: Arc::default(),
            }
        }

        fn check(&self) {
            if self
                .inside
                .as_ref()
                .is_some_and(|i| !i.load(Ordering::SeqCst))
            {
                self.outside.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    impl<I: AsyncRead + Unpin> AsyncRead for Watched<I> {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Pin::new(&mut self.io).poll_read(cx, buf)
        }
    }

    impl<I: AsyncWrite + Unpin> AsyncWrite for Watched<I> {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.check();
            let written = Pin::new(&mut self.io).poll_write(cx, buf);
            if let Poll::Ready(Ok(n)) = written {
                self.writes.lock().unwrap().push(buf[..n].to_vec());
            }
            written
        }

        fn poll_write_vectored(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            self.check();
            let all: Vec<u8> = bufs.iter().flat_map(|b| b.iter().copied()).collect();
            let written = Pin::new(&mut self.io).poll_write(cx, &all);
            if let Poll::Ready(Ok(n)) = written {
                self.writes.lock().unwrap().push(all[..n].to_vec());
            }
            written
        }

        fn is_write_vectored(&self) -> bool {
            true
        }

        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.check();
            Pin::new(&mut self.io).poll_flush(cx)
        }

        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.check();
            Pin::new(&mut self.io).poll_shutdown(cx)
        }
    }

    /// A future that says, in `inside`, while it is being polled.
    struct Inside<F> {
        inside: Arc<AtomicBool>,
        future: Pin<Box<F>>,
    }

    impl<F: Future> Future for Inside<F> {
        type Output = F::Output;
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
            self.inside.store(true, Ordering::SeqCst);
            let polled = self.future.as_mut().poll(cx);
            self.inside.store(false, Ordering::SeqCst);
            polled
        }
    }

    /// hyper's HTTP/2 server answering every request with `len` bytes and `grpc-status: 0`.
    fn serve<I>(io: I) -> impl Future<Output = ()> + Send
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let service =
            hyper::service::service_fn(|request: http::Request<hyper::body::Incoming>| {
                let len: usize = request.uri().path()[1..].parse().unwrap();
                async move {
                    let mut trailers = http::HeaderMap::new();
                    trailers.insert("grpc-status", http::HeaderValue::from_static("0"));
                    let body = http_body_util::Full::new(Bytes::from(vec![PAYLOAD; len]))
                        .with_trailers(async move { Some(Ok::<_, Infallible>(trailers)) });
                    Ok::<_, Infallible>(http::Response::new(body))
                }
            });
        let conn = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .serve_connection(TokioIo::new(io), service);
        async move {
            let _ = conn.await;
        }
    }

    /// Makes a call over `io` for a reply of `len` bytes and reads it to its trailers.
    async fn call(client: &mut h2::client::SendRequest<Bytes>, len: usize) {
        let request = http::Request::post(format!("http://x/{len}"))
            .body(())
            .unwrap();
        let (response, _) = client.send_request(request, true).unwrap();
        let mut body = response.await.unwrap().into_body();
        let mut read = 0;
        while let Some(data) = body.data().await {
            let data = data.unwrap();
            read += data.len();
            let _ = body.flow_control().release_capacity(data.len());
        }
        assert_eq!(read, len);
        body.trailers().await.unwrap().expect("trailers");
    }

    /// Whether the write that carried the last payload byte also carried the trailers (a
    /// HEADERS frame, END_STREAM, right after it).
    fn trailers_with_payload(writes: &Mutex<Vec<Vec<u8>>>) -> bool {
        let writes = writes.lock().unwrap();
        let last = writes
            .iter()
            .rev()
            .find(|w| w.contains(&PAYLOAD))
            .expect("the payload was written");
        let end = last.iter().rposition(|&b| b == PAYLOAD).unwrap() + 1;
        last.len() >= end + 9 && last[end + 3] == 1 && last[end + 4] & 1 == 1
    }

    /// One call for a reply of `len` bytes, on IO whose writes are held or not; whether the
    /// reply and its trailers left in one write.
    async fn one_write(len: usize, held: bool) -> bool {
        let (client_io, server_io) = tokio::io::duplex(1 << 20);
        let socket = Watched::new(server_io);
        let writes = socket.writes.clone();
        let server = if held {
            let (io, writer) = hold_writes(socket);
            tokio::spawn(Flushing::new(writer, serve(io)))
        } else {
            tokio::spawn(serve(socket))
        };
        let (mut client, conn) = h2::client::handshake(client_io).await.unwrap();
        tokio::spawn(conn);
        call(&mut client, len).await;
        server.abort();
        trailers_with_payload(&writes)
    }

    /// The need: with vectored IO (a socket, a TLS stream) h2 keeps a DATA payload of 256
    /// bytes or more aside and writes it before it can buffer the trailers, so such a reply
    /// costs two writes; a smaller one is copied and goes in one. Were this to fail, h2 would
    /// write such replies in one write itself, and held writes would be needed no more.
    #[tokio::test(flavor = "current_thread")]
    async fn h2_writes_a_reply_of_256_bytes_or_more_apart_from_its_trailers() {
        assert!(one_write(200, false).await);
        assert!(!one_write(300, false).await);
        assert!(!one_write(1100, false).await);
    }

    /// What held writes buy: those replies leave with their trailers in one write.
    #[tokio::test(flavor = "current_thread")]
    async fn with_held_writes_a_reply_and_its_trailers_leave_in_one_write() {
        assert!(one_write(300, true).await);
        assert!(one_write(1100, true).await);
    }

    /// The assumption: hyper writes to and flushes a connection's IO only while the
    /// connection's future is polled (the stream tasks it spawns hand frames to it; nothing
    /// upgrades the connection), so whatever is held is written before the task sleeps. A write
    /// outside would wait, held, for the task's next wake-up: a stall, not an error.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hyper_uses_the_io_only_inside_the_connection_task() {
        let (client_io, server_io) = tokio::io::duplex(64 * 1024);
        let inside = Arc::new(AtomicBool::new(false));
        let mut socket = Watched::new(server_io);
        socket.inside = Some(inside.clone());
        let outside = socket.outside.clone();
        // One Watched below the held IO (the socket), one above it: the latter sees every use
        // hyper makes of the IO.
        let (io, writer) = hold_writes(socket);
        let mut watched = Watched::new(io);
        watched.inside = Some(inside.clone());
        let outside_above = watched.outside.clone();
        let server = tokio::spawn(Inside {
            inside,
            future: Box::pin(Flushing::new(writer, serve(watched))),
        });
        let (client, conn) = h2::client::handshake(client_io).await.unwrap();
        tokio::spawn(conn);
        // Calls at once, small and over what may be held, so some writes go past the limit.
        let calls: Vec<_> = (0..40)
            .map(|i| {
                let mut client = client.clone();
                tokio::spawn(async move {
                    call(&mut client, if i % 4 == 0 { 3 * MAX_HELD } else { 300 }).await;
                })
            })
            .collect();
        for call in calls {
            call.await.unwrap();
        }
        drop(client);
        tokio::time::timeout(std::time::Duration::from_secs(10), server)
            .await
            .expect("the connection ends when the client leaves")
            .unwrap();
        assert_eq!(
            outside_above.load(Ordering::SeqCst),
            0,
            "hyper used the IO outside its task"
        );
        assert_eq!(outside.load(Ordering::SeqCst), 0);
    }
}
