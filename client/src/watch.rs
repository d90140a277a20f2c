//! The watch stream of contract v2 (`llmarket.watch.v2.WatchService/Watch`, served on the
//! forecast listener): events as they come, resumed from the last data version seen after a
//! dropped connection (or a stream the server ended at its `--max-call-time`).

use std::time::Duration;

use llmarket_proto::llmarket::watch::v2::{self as w2, watch_service_client::WatchServiceClient};
use serde::{Deserialize, Serialize};
use tonic::{Code, Streaming};

use crate::{
    Client,
    error::{ClientError, Service},
};

/// Consecutive failed reopenings (each with the client's own retries) before a watch gives up.
const MAX_REOPENINGS: u32 = 10;

/// One event of a watch, as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum WatchEvent {
    /// The current versions: the first event of a watch that does not resume.
    Snapshot {
        /// The data version now.
        data_version: String,
        /// Every watched dataset.
        datasets: Vec<DatasetState>,
    },
    /// A reload changed what the caller may read.
    Change {
        /// The data version after the reload.
        data_version: String,
        /// The data version before it.
        previous_data_version: String,
        /// The watched datasets after the reload.
        datasets: Vec<DatasetState>,
        /// The resources it added, changed or removed.
        changes: Vec<ResourceChange>,
    },
    /// Nothing changed for a while; the watch is alive.
    Heartbeat {
        /// The data version now.
        data_version: String,
    },
    /// The stream ended (a dropped connection, or the server's call time limit); the watch
    /// opens it again, resuming after `resume_from` when set.
    Interrupted {
        /// Why the stream ended.
        reason: String,
        /// The last data version seen, resumed from.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume_from: Option<String>,
    },
}

/// The state of one watched dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetState {
    /// `datasets/{dataset}`.
    pub dataset: String,
    /// A hash of what the caller may read of it.
    pub content_version: String,
    /// Its latest edition.
    pub latest_edition: String,
}

/// One resource a reload added, changed or removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceChange {
    /// Its resource name.
    pub name: String,
    /// `added`, `changed` or `removed`.
    pub change: String,
}

/// A watch of one dataset (or `datasets/-`): [`Watch::next`] gives its events.
#[derive(Debug)]
pub struct Watch<'c> {
    client: &'c Client,
    parent: String,
    last_version: Option<String>,
    stream: Option<Streaming<w2::WatchResponse>>,
    failed_openings: u32,
}

impl Client {
    /// A watch of `parent` (`datasets/{d}` or `datasets/-`), opened on the first
    /// [`Watch::next`].
    pub fn watch(&self, parent: impl Into<String>) -> Watch<'_> {
        Watch {
            client: self,
            parent: parent.into(),
            last_version: None,
            stream: None,
            failed_openings: 0,
        }
    }
}

impl Watch<'_> {
    /// The last data version an event carried: where a reopened stream resumes.
    pub fn last_version(&self) -> Option<&str> {
        self.last_version.as_deref()
    }

    /// The next event. A stream that ends is opened again (resuming after the last version; a
    /// version the server does not know is watched afresh, from a snapshot) after an
    /// [`WatchEvent::Interrupted`]; an error only when it cannot be opened again.
    pub async fn next(&mut self) -> Result<WatchEvent, ClientError> {
        loop {
            let stream = match self.stream.as_mut() {
                Some(stream) => stream,
                None => {
                    let stream = self.open().await?;
                    self.stream.insert(stream)
                }
            };
            let ended = match stream.message().await {
                Ok(Some(message)) => {
                    self.failed_openings = 0;
                    if let Some(event) = self.event(message) {
                        return Ok(event);
                    }
                    continue;
                }
                Ok(None) => ClientError::call(
                    Service::Forecast,
                    "Watch",
                    &tonic::Status::unavailable("the server ended the stream"),
                ),
                Err(status) => {
                    let error = ClientError::call(Service::Forecast, "Watch", &status);
                    let code = error.code().unwrap_or(status.code());
                    if !resumable(code) {
                        return Err(error);
                    }
                    error
                }
            };
            self.stream = None;
            // A stream that keeps ending before any event is given up as an open that fails.
            self.failed_openings += 1;
            if self.failed_openings >= MAX_REOPENINGS {
                return Err(ended);
            }
            let ended = ended.to_string();
            return Ok(WatchEvent::Interrupted {
                reason: ended,
                resume_from: self.last_version.clone(),
            });
        }
    }

    /// Opens the stream, resuming after the last version seen; a resume the server refuses
    /// (ABORTED: it does not know the version) is watched afresh.
    async fn open(&mut self) -> Result<Streaming<w2::WatchResponse>, ClientError> {
        if self.failed_openings > 1 {
            tokio::time::sleep(self.pause()).await;
        }
        loop {
            let request = w2::WatchRequest {
                parent: self.parent.clone(),
                resume_data_version: self.last_version.clone().unwrap_or_default(),
            };
            let opened = self
                .client
                .forecast
                .open_stream("Watch", request, |channel, request| async move {
                    WatchServiceClient::new(channel).watch(request).await
                })
                .await;
            match opened {
                Ok(stream) => return Ok(stream),
                Err(error)
                    if error.code() == Some(Code::Aborted) && self.last_version.is_some() =>
                {
                    self.last_version = None;
                }
                Err(error)
                    if error.is_unavailable() && self.failed_openings + 1 < MAX_REOPENINGS =>
                {
                    self.failed_openings += 1;
                    tokio::time::sleep(self.pause()).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// The pause before reopening after `failed_openings` failures: the retry policy's backoff,
    /// at least 100 ms.
    fn pause(&self) -> Duration {
        self.client
            .forecast
            .retry()
            .backoff(self.failed_openings)
            .max(Duration::from_millis(100))
    }

    /// `message` as an event, remembering its version; none for a message with no event.
    fn event(&mut self, message: w2::WatchResponse) -> Option<WatchEvent> {
        use w2::watch_response::Event;
        let event = match message.event? {
            Event::Snapshot(s) => WatchEvent::Snapshot {
                data_version: s.data_version,
                datasets: s.datasets.into_iter().map(state).collect(),
            },
            Event::Change(c) => WatchEvent::Change {
                data_version: c.data_version,
                previous_data_version: c.previous_data_version,
                datasets: c.datasets.into_iter().map(state).collect(),
                changes: c
                    .changes
                    .into_iter()
                    .map(|r| ResourceChange {
                        change: change_type(r.change_type).to_owned(),
                        name: r.name,
                    })
                    .collect(),
            },
            Event::Heartbeat(h) => WatchEvent::Heartbeat {
                data_version: h.data_version,
            },
        };
        let version = match &event {
            WatchEvent::Snapshot { data_version, .. }
            | WatchEvent::Change { data_version, .. }
            | WatchEvent::Heartbeat { data_version } => data_version,
            WatchEvent::Interrupted { .. } => return Some(event),
        };
        if !version.is_empty() {
            self.last_version = Some(version.clone());
        }
        Some(event)
    }
}

/// Whether a stream that ended with `code` (as [`ClientError::call`] classifies it) is opened
/// again: a lost or broken connection (UNAVAILABLE, which includes an HTTP/2 GOAWAY of a server
/// shutting down), the server's call time limit, or a cancellation.
fn resumable(code: Code) -> bool {
    matches!(
        code,
        Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled
    )
}

fn state(d: w2::DatasetVersion) -> DatasetState {
    DatasetState {
        dataset: d.dataset,
        content_version: d.content_version,
        latest_edition: d.latest_edition,
    }
}

/// The word of a change type.
fn change_type(raw: i32) -> &'static str {
    match w2::ChangeType::try_from(raw) {
        Ok(w2::ChangeType::Added) => "added",
        Ok(w2::ChangeType::Changed) => "changed",
        Ok(w2::ChangeType::Removed) => "removed",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_json_objects() {
        let event = WatchEvent::Change {
            data_version: "b".to_owned(),
            previous_data_version: "a".to_owned(),
            datasets: vec![],
            changes: vec![ResourceChange {
                name: "datasets/d/editions/2".to_owned(),
                change: change_type(w2::ChangeType::Added.into()).to_owned(),
            }],
        };
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["event"], "change");
        assert_eq!(json["changes"][0]["change"], "added");
        let heartbeat = serde_json::to_string(&WatchEvent::Heartbeat {
            data_version: "a".to_owned(),
        })
        .unwrap();
        assert_eq!(heartbeat, r#"{"event":"heartbeat","data_version":"a"}"#);
    }

    #[test]
    fn only_a_lost_connection_or_the_call_limit_is_resumed() {
        assert!(resumable(Code::Unavailable) && resumable(Code::DeadlineExceeded));
        assert!(!resumable(Code::Internal));
        assert!(!resumable(Code::PermissionDenied) && !resumable(Code::NotFound));
        assert_eq!(change_type(0), "unknown");
    }
}
