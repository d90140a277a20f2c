//! A small DNS server over UDP on `127.0.0.1:0` for tests of clients that follow a cluster: it
//! answers every A query, whatever the name, with the addresses the test sets now (TTL 0), and
//! every other query with no records. Messages are hickory-proto's types.

use std::{
    net::{Ipv4Addr, SocketAddr},
    sync::{Arc, Mutex, PoisonError},
};

use hickory_proto::{
    op::{Message, MessageType, ResponseCode},
    rr::{RData, Record, RecordType, rdata::A},
};
use tokio::{net::UdpSocket, task::JoinHandle};

/// The server; it stops when dropped.
pub struct DnsServer {
    /// Where it listens (UDP).
    pub addr: SocketAddr,
    answer: Arc<Mutex<Vec<Ipv4Addr>>>,
    task: JoinHandle<()>,
}

impl DnsServer {
    /// Starts answering A queries with `answer`.
    pub async fn start(answer: &[Ipv4Addr]) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind DNS");
        let addr = socket.local_addr().expect("DNS address");
        let shared = Arc::new(Mutex::new(answer.to_vec()));
        let task = tokio::spawn(serve(socket, shared.clone()));
        Self {
            addr,
            answer: shared,
            task,
        }
    }

    /// Answers with `answer` from now on.
    pub fn set(&self, answer: &[Ipv4Addr]) {
        *self.answer.lock().unwrap_or_else(PoisonError::into_inner) = answer.to_vec();
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(socket: UdpSocket, answer: Arc<Mutex<Vec<Ipv4Addr>>>) {
    let mut buffer = vec![0; 4096];
    loop {
        let Ok((len, from)) = socket.recv_from(&mut buffer).await else {
            continue;
        };
        let Ok(query) = Message::from_vec(&buffer[..len]) else {
            continue;
        };
        let asked = &query.metadata;
        let mut response = Message::new(asked.id, MessageType::Response, asked.op_code);
        response.metadata.recursion_desired = asked.recursion_desired;
        response.metadata.recursion_available = true;
        response.metadata.authoritative = true;
        response.metadata.response_code = ResponseCode::NoError;
        for question in &query.queries {
            response.add_query(question.clone());
            if question.query_type() == RecordType::A {
                let ips = answer
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                for ip in ips {
                    response.add_answer(Record::from_rdata(
                        question.name().clone(),
                        0,
                        RData::A(A(ip)),
                    ));
                }
            }
        }
        if let Ok(bytes) = response.to_vec() {
            let _ = socket.send_to(&bytes, from).await;
        }
    }
}
