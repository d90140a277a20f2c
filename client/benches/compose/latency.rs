//! A TCP proxy on loopback that holds every chunk of bytes, in each direction, for a fixed
//! one-way delay before passing it on: simulated network latency in front of a real server,
//! with no change to the server or the client. Order is kept; throughput is not limited.
//!
//! It runs on plain threads, not on tokio: tokio's timer has millisecond ticks, which would add
//! up to a millisecond to every hop; `std::thread::sleep` keeps the delay within tens of µs.

use std::{
    io::{Read as _, Write as _},
    net::{Shutdown, SocketAddr, TcpListener, TcpStream},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

/// A running proxy on its own threads (they end with the process, or when a side closes).
pub(crate) struct DelayProxy {
    /// Where clients connect.
    pub(crate) addr: SocketAddr,
}

impl DelayProxy {
    /// Forwards connections on a fresh loopback port to `upstream`, each chunk `one_way` late in
    /// each direction (so every round trip, hence every unary call, takes `2 * one_way` more).
    pub(crate) fn start(upstream: SocketAddr, one_way: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { break };
                let server = TcpStream::connect(upstream).expect("proxy upstream");
                for stream in [&client, &server] {
                    stream.set_nodelay(true).expect("nodelay");
                }
                let (client_in, server_in) = (
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                );
                pipe(client_in, server, one_way);
                pipe(server_in, client, one_way);
            }
        });
        Self { addr }
    }
}

/// Copies `from` to `to` on two threads, each chunk written `delay` after it was read.
fn pipe(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let (chunks, due) = mpsc::channel::<(Instant, Vec<u8>)>();
    thread::spawn(move || {
        for (at, chunk) in due {
            thread::sleep(at.saturating_duration_since(Instant::now()));
            if to.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
    thread::spawn(move || {
        let mut buffer = vec![0u8; 64 * 1024];
        while let Ok(read) = from.read(&mut buffer) {
            if read == 0
                || chunks
                    .send((Instant::now() + delay, buffer[..read].to_vec()))
                    .is_err()
            {
                break;
            }
        }
    });
}
