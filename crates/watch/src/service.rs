//! The gRPC handler: checks the request, starts the watch at a snapshot or at the reload after
//! the version it resumes from, then streams each reload the caller may see and a heartbeat
//! after each silence of the hub's heartbeat interval.

use std::{collections::VecDeque, pin::Pin, sync::Arc};

use futures_util::Stream;
use llmarket_kit::{access::Access, status::invalid_argument};
use llmarket_proto::{
    llmarket::watch::v2::{
        Heartbeat, WatchRequest, WatchResponse, watch_response::Event as Message,
        watch_service_server::WatchService,
    },
    names::is_valid_id,
};
use tokio::{
    sync::broadcast::{self, error::RecvError},
    time::Instant,
};
use tonic::{Code, Request, Response, Status};
use tonic_types::{ErrorDetails, StatusExt as _};

use super::{
    hub::{Event, Hub, Start},
    scope::View,
};

/// The `google.rpc.ErrorInfo` reason of a watch that cannot resume: list again and watch
/// without resuming.
pub const RESUME_VERSION_UNKNOWN: &str = "RESUME_VERSION_UNKNOWN";

/// The `google.rpc.ErrorInfo` domain of the watch service's errors.
const DOMAIN: &str = "llmarket.dev";

/// ABORTED with [`RESUME_VERSION_UNKNOWN`]: `why`, then what to do.
fn resume_unknown(why: String) -> Status {
    Status::with_error_details(
        Code::Aborted,
        format!("{why}; list again and watch without resume_data_version"),
        ErrorDetails::with_error_info(RESUME_VERSION_UNKNOWN, DOMAIN, []),
    )
}

/// UNAVAILABLE: the server is shutting down.
fn shutting_down() -> Status {
    Status::unavailable(
        "the server is shutting down; watch again (resuming from the last data_version seen) \
         on another replica or after the restart",
    )
}

/// The watch service's handler.
#[derive(Debug, Clone)]
pub struct WatchApi {
    hub: Hub,
}

impl WatchApi {
    /// A handler streaming what `hub` publishes.
    pub fn new(hub: Hub) -> Self {
        Self { hub }
    }
}

/// A watch's reply stream.
pub type WatchStream = Pin<Box<dyn Stream<Item = Result<WatchResponse, Status>> + Send>>;

#[tonic::async_trait]
impl WatchService for WatchApi {
    type WatchStream = WatchStream;

    async fn watch(&self, request: Request<WatchRequest>) -> Result<Response<WatchStream>, Status> {
        let access = Access::of(&request);
        let request = request.into_inner();
        let dataset = parent(&request.parent)?;
        if self.hub.is_closed() {
            return Err(shutting_down());
        }
        let start = self.hub.start();
        if let Some(id) = &dataset {
            access.dataset(id)?;
            if !start.state.datasets.iter().any(|d| &d.id == id) {
                return Err(llmarket_kit::status::not_found(&request.parent));
            }
        }
        let view = View::new(access, dataset);
        let watcher = Watcher::begin(view, &self.hub, start, &request.resume_data_version)?;
        Ok(Response::new(Box::pin(futures_util::stream::unfold(
            watcher,
            Watcher::next,
        ))))
    }
}

/// The dataset `parent` names (`None` for `datasets/-`), or INVALID_ARGUMENT.
fn parent(parent: &str) -> Result<Option<String>, Status> {
    let bad = || {
        invalid_argument(
            "parent",
            format!(
                "{} is not a dataset: expected datasets/{{dataset}}, or datasets/- for every dataset",
                llmarket_kit::status::echo(parent)
            ),
        )
    };
    match parent.strip_prefix("datasets/") {
        Some("-") => Ok(None),
        Some(id) if is_valid_id(id) => Ok(Some(id.to_owned())),
        _ => Err(bad()),
    }
}

/// One watch: what it shows, where it is in the hub's sequence, and what it has yet to send.
struct Watcher {
    view: View,
    hub: Hub,
    receiver: broadcast::Receiver<Arc<Event>>,
    /// The sequence number of the next reload to look at.
    next_seq: u64,
    /// The data version of the last state looked at, as the view scopes it (for heartbeats).
    version: String,
    /// Messages ready to send, oldest first.
    pending: VecDeque<Result<WatchResponse, Status>>,
    /// When to send a heartbeat if nothing is sent before.
    quiet_until: Instant,
    /// Set once the stream has sent its last message.
    ended: bool,
    /// Completes when the server shuts down.
    closed: Pin<Box<dyn Future<Output = ()> + Send>>,
}

impl Watcher {
    /// The watch of `view` from `start`: a snapshot, or, resuming from `resume`, every reload
    /// after the last state of that version; ABORTED when no state remembered has it.
    fn begin(view: View, hub: &Hub, start: Start, resume: &str) -> Result<Self, Status> {
        let mut pending = VecDeque::new();
        if resume.is_empty() {
            pending.push_back(Ok(view.snapshot(&start.state)));
        } else {
            // The states remembered, oldest first: before the oldest reload, then after each.
            let states = start
                .history
                .first()
                .map(|e| &e.previous)
                .into_iter()
                .chain(start.history.iter().map(|e| &e.state));
            let at = states
                .chain(start.history.is_empty().then_some(&start.state))
                .enumerate()
                .filter(|(_, state)| view.version(state) == resume)
                .map(|(i, _)| i)
                .last()
                .ok_or_else(|| {
                    resume_unknown(format!(
                        "data version {} is not one this server remembers (too old, or never served)",
                        llmarket_kit::status::echo(resume)
                    ))
                })?;
            let missed = start.history.iter().skip(at);
            pending.extend(missed.filter_map(|e| view.change(e)).map(Ok));
        }
        Ok(Self {
            version: view.version(&start.state),
            view,
            hub: hub.clone(),
            receiver: start.receiver,
            next_seq: start.next_seq,
            pending,
            quiet_until: Instant::now() + hub.heartbeat(),
            ended: false,
            closed: Box::pin(hub.closed()),
        })
    }

    /// The next message of the stream, and the watcher; `None` once it has ended.
    async fn next(mut self) -> Option<(Result<WatchResponse, Status>, Self)> {
        loop {
            if let Some(message) = self.pending.pop_front() {
                self.ended |= message.is_err();
                self.quiet_until = Instant::now() + self.hub.heartbeat();
                return Some((message, self));
            }
            if self.ended {
                return None;
            }
            tokio::select! {
                received = self.receiver.recv() => match received {
                    Ok(event) => self.look_at(&event),
                    Err(RecvError::Lagged(_)) => self.catch_up(),
                    // The hub is gone: the process is shutting down.
                    Err(RecvError::Closed) => return None,
                },
                () = &mut self.closed => self.pending.push_back(Err(shutting_down())),
                () = tokio::time::sleep_until(self.quiet_until) => {
                    let heartbeat = Heartbeat { data_version: self.version.clone() };
                    self.pending.push_back(Ok(WatchResponse {
                        event: Some(Message::Heartbeat(heartbeat)),
                    }));
                }
            }
        }
    }

    /// Queues what `event` changed for this watch, unless it was looked at already.
    fn look_at(&mut self, event: &Event) {
        if event.seq < self.next_seq {
            return;
        }
        self.next_seq = event.seq + 1;
        self.version = self.view.version(&event.state);
        if let Some(message) = self.view.change(event) {
            self.pending.push_back(Ok(message));
        }
    }

    /// After the channel dropped reloads this watch had not read: takes them from the hub's
    /// history, or, if they are gone from it too, ends the watch with ABORTED.
    fn catch_up(&mut self) {
        match self.hub.since(self.next_seq) {
            Some(events) => {
                for event in events {
                    self.look_at(&event);
                }
            }
            None => {
                tracing::debug!("a watch fell behind the history: ending it");
                self.pending.push_back(Err(resume_unknown(format!(
                    "this watch fell behind by more reloads than the server remembers (it last \
                     saw data version {})",
                    self.version
                ))));
            }
        }
    }
}

#[cfg(test)]
mod tests;
