//! A connection's writes held until its task has done what one wake-up brings, then written at
//! once.
//!
//! hyper's HTTP/2 (the `h2` crate) copies a small DATA frame into its frame buffer, but keeps a
//! payload of 256 bytes or more aside and must write it out before it can buffer another frame.
//! So every reply over 256 bytes cost two writes to the socket: headers and data, then the
//! trailers (measured with `strace`: 2 `writev` per ListDatasets call, 1 per health check). On
//! loopback a write costs more than a call's whole user-space work, because the kernel runs the
//! receiving side's TCP stack too.
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
