//! The watch handler against a hub in memory: snapshots, reloads, resuming, falling behind,
//! grants and heartbeats.

use std::time::Duration;

use futures_util::StreamExt as _;
use llmarket_kit::{
    access::{Caller, Grant, Principal},
    data::{DataFile, DataVersion, DatasetFiles},
};
use llmarket_proto::llmarket::watch::v2::{ChangeType, ResourceChange};

use super::*;
use crate::hub::{DatasetState, Reload, State};

const HEARTBEAT: Duration = Duration::from_secs(15);

/// The state of datasets `(id, content)`: a data version with a part per dataset.
fn state(datasets: &[(&str, &str)]) -> State {
    let sources: Vec<DatasetFiles> = datasets
        .iter()
        .map(|(id, text)| {
            DatasetFiles::forecast_only(id, DataFile::owned(format!("{id}/f"), (*text).into()))
        })
        .collect();
    let version =
        DataVersion::of(&sources).with_parts(sources.iter().map(|s| (s.directory.clone(), s)));
    State {
        datasets: datasets
            .iter()
            .map(|(id, _)| DatasetState {
                id: (*id).to_owned(),
                content_version: version.scoped(|d| d == *id).as_str().to_owned(),
                latest_edition: format!("datasets/{id}/editions/2026"),
                version_parts: vec![(*id).to_owned()],
            })
            .collect(),
        version,
    }
}

/// The state of datasets each published in editions `(v1 id, content)`: the data version's parts
/// are named by the editions' v1 ids, not by the dataset's id, as the server's are.
fn state_of_editions(datasets: &[(&str, &[(&str, &str)])]) -> State {
    let sources: Vec<DatasetFiles> = datasets
        .iter()
        .flat_map(|(_, editions)| editions.iter())
        .map(|(v1, text)| {
            DatasetFiles::forecast_only(v1, DataFile::owned(format!("{v1}/f"), (*text).into()))
        })
        .collect();
    let version =
        DataVersion::of(&sources).with_parts(sources.iter().map(|s| (s.directory.clone(), s)));
    State {
        datasets: datasets
            .iter()
            .map(|(id, editions)| {
                let parts: Vec<String> = editions.iter().map(|(v1, _)| (*v1).to_owned()).collect();
                DatasetState {
                    id: (*id).to_owned(),
                    content_version: version
                        .scoped(|p| parts.iter().any(|v1| v1 == p))
                        .as_str()
                        .to_owned(),
                    latest_edition: format!("datasets/{id}/editions/2027"),
                    version_parts: parts,
                }
            })
            .collect(),
        version,
    }
}

fn changed(names: &[&str]) -> Vec<ResourceChange> {
    names
        .iter()
        .map(|name| ResourceChange {
            name: (*name).to_owned(),
            change_type: ChangeType::Changed.into(),
        })
        .collect()
}

fn reload(datasets: &[(&str, &str)], names: &[&str]) -> Reload {
    Reload {
        state: state(datasets),
        changes: changed(names),
    }
}

/// A caller with `grants`, as the authentication layer leaves it in a request.
fn granted(grants: &[&str]) -> Caller {
    Caller {
        principal: std::sync::Arc::new(Principal::new(
            "p".into(),
            grants.iter().map(|g| Grant::parse(g).unwrap()).collect(),
            None,
        )),
        method: "/llmarket.watch.v2.WatchService/Watch".into(),
        peer: None,
    }
}

async fn watch(
    hub: &Hub,
    caller: Option<Caller>,
    parent: &str,
    resume: &str,
) -> Result<WatchStream, Status> {
    let mut request = Request::new(WatchRequest {
        parent: parent.to_owned(),
        resume_data_version: resume.to_owned(),
    });
    if let Some(caller) = caller {
        request.extensions_mut().insert(caller);
    }
    let response = WatchApi::new(hub.clone()).watch(request).await?;
    Ok(response.into_inner())
}

async fn next(stream: &mut WatchStream) -> Message {
    let message = tokio::time::timeout(Duration::from_secs(3600), stream.next())
        .await
        .expect("a message within the hour")
        .expect("the stream goes on")
        .expect("a message, not an error");
    message.event.expect("an event")
}

fn change(message: Message) -> llmarket_proto::llmarket::watch::v2::Change {
    match message {
        Message::Change(change) => change,
        other => panic!("expected a change, got {other:?}"),
    }
}

fn names(change: &llmarket_proto::llmarket::watch::v2::Change) -> Vec<&str> {
    change.changes.iter().map(|c| c.name.as_str()).collect()
}

#[tokio::test(start_paused = true)]
async fn a_watch_starts_with_a_snapshot_then_sees_each_reload() {
    let hub = Hub::new(state(&[("a", "1"), ("b", "1")]), HEARTBEAT);
    let mut stream = watch(&hub, None, "datasets/-", "").await.unwrap();
    let Message::Snapshot(snapshot) = next(&mut stream).await else {
        panic!("a snapshot first")
    };
    assert_eq!(snapshot.data_version, hub.state().version.as_str());
    let datasets: Vec<_> = snapshot
        .datasets
        .iter()
        .map(|d| d.dataset.as_str())
        .collect();
    assert_eq!(datasets, ["datasets/a", "datasets/b"]);
    assert_eq!(
        snapshot.datasets[0].latest_edition,
        "datasets/a/editions/2026"
    );
    assert_eq!(hub.watchers(), 1);

    hub.publish(reload(&[("a", "2"), ("b", "1")], &["datasets/a/series/x"]));
    let change = change(next(&mut stream).await);
    assert_eq!(change.previous_data_version, snapshot.data_version);
    assert_eq!(change.data_version, hub.state().version.as_str());
    assert_ne!(change.data_version, change.previous_data_version);
    assert_eq!(names(&change), ["datasets/a/series/x"]);
    assert_ne!(
        change.datasets[0].content_version,
        snapshot.datasets[0].content_version
    );
    assert_eq!(
        change.datasets[1].content_version,
        snapshot.datasets[1].content_version
    );
    drop(stream);
    assert_eq!(hub.watchers(), 0, "an ended watch lets go of the hub");
}

#[tokio::test(start_paused = true)]
async fn resuming_from_a_version_remembered_loses_no_reload() {
    let hub = Hub::new(state(&[("a", "0")]), HEARTBEAT);
    let first = hub.state().version.as_str().to_owned();
    let mut versions = vec![first.clone()];
    for n in 1..=3 {
        let content = n.to_string();
        hub.publish(reload(&[("a", &content)], &["datasets/a/series/x"]));
        versions.push(hub.state().version.as_str().to_owned());
    }
    // From each version remembered: every reload after it, in order, then silence.
    for (at, version) in versions.iter().enumerate() {
        let mut stream = watch(&hub, None, "datasets/-", version).await.unwrap();
        for expected in &versions[at + 1..] {
            let change = change(next(&mut stream).await);
            assert_eq!(&change.data_version, expected);
        }
        assert!(matches!(next(&mut stream).await, Message::Heartbeat(_)));
    }
    // A reload published after a resumed watch started comes next.
    let mut stream = watch(&hub, None, "datasets/-", &versions[2]).await.unwrap();
    hub.publish(reload(&[("a", "4")], &["datasets/a/series/y"]));
    assert_eq!(change(next(&mut stream).await).data_version, versions[3]);
    let latest = change(next(&mut stream).await);
    assert_eq!(latest.previous_data_version, versions[3]);
    assert_eq!(names(&latest), ["datasets/a/series/y"]);
}

fn assert_resume_unknown(result: Result<WatchStream, Status>) -> Status {
    let status = result.err().expect("refused");
    assert_eq!(status.code(), Code::Aborted, "{status:?}");
    let info = status.get_details_error_info().expect("an ErrorInfo");
    assert_eq!(info.reason, RESUME_VERSION_UNKNOWN);
    assert!(
        status.message().contains("list again"),
        "{}",
        status.message()
    );
    status
}

#[tokio::test(start_paused = true)]
async fn a_version_too_old_or_never_served_is_aborted() {
    let hub = Hub::with_history(state(&[("a", "0")]), HEARTBEAT, 2);
    let first = hub.state().version.as_str().to_owned();
    let mut versions = vec![first];
    for n in 1..=3 {
        hub.publish(reload(&[("a", &n.to_string())], &[]));
        versions.push(hub.state().version.as_str().to_owned());
    }
    // Two reloads are remembered: the states after reloads 1, 2 and 3 (reload 2's previous).
    assert_resume_unknown(watch(&hub, None, "datasets/-", &versions[0]).await);
    assert!(watch(&hub, None, "datasets/-", &versions[1]).await.is_ok());
    assert_resume_unknown(watch(&hub, None, "datasets/-", "0123456789abcdef").await);
    assert_resume_unknown(watch(&hub, None, "datasets/-", "not a version").await);
}

#[tokio::test(start_paused = true)]
async fn a_slow_watch_within_the_history_misses_nothing_and_one_past_it_is_aborted() {
    let hub = Hub::with_history(state(&[("a", "0")]), HEARTBEAT, 4);
    let mut slow = watch(&hub, None, "datasets/-", "").await.unwrap();
    let mut lagging = watch(&hub, None, "datasets/-", "").await.unwrap();
    for n in 1..=3 {
        hub.publish(reload(&[("a", &n.to_string())], &[]));
    }
    assert!(matches!(next(&mut slow).await, Message::Snapshot(_)));
    for n in 1..=3 {
        let change = change(next(&mut slow).await);
        assert_eq!(
            change.datasets[0].content_version,
            state(&[("a", &n.to_string())]).datasets[0].content_version
        );
    }
    for n in 4..=20 {
        hub.publish(reload(&[("a", &n.to_string())], &[]));
    }
    assert!(matches!(next(&mut lagging).await, Message::Snapshot(_)));
    let status = loop {
        match lagging.next().await.expect("the stream ends with a status") {
            Ok(_) => continue,
            Err(status) => break status,
        }
    };
    assert_resume_unknown(Err(status));
    assert!(lagging.next().await.is_none(), "nothing after the status");
    // Reloads went on regardless, and a new watch starts at the latest.
    let mut fresh = watch(&hub, None, "datasets/-", "").await.unwrap();
    let Message::Snapshot(snapshot) = next(&mut fresh).await else {
        panic!("a snapshot first")
    };
    assert_eq!(snapshot.data_version, hub.state().version.as_str());
}

#[tokio::test(start_paused = true)]
async fn a_caller_sees_only_the_datasets_and_names_it_may_read() {
    let hub = Hub::new(state(&[("a", "1"), ("b", "1")]), HEARTBEAT);
    let reader = granted(&["datasets/a", "schemes/s"]);
    let mut stream = watch(&hub, Some(reader.clone()), "datasets/-", "")
        .await
        .unwrap();
    let Message::Snapshot(snapshot) = next(&mut stream).await else {
        panic!("a snapshot first")
    };
    let datasets: Vec<_> = snapshot
        .datasets
        .iter()
        .map(|d| d.dataset.as_str())
        .collect();
    assert_eq!(datasets, ["datasets/a"]);
    assert_ne!(
        snapshot.data_version,
        hub.state().version.as_str(),
        "the version is scoped to what the caller may read"
    );

    // A reload of b alone is not seen; the next message is a heartbeat, whose version is
    // unchanged.
    hub.publish(reload(&[("a", "1"), ("b", "2")], &["datasets/b/series/x"]));
    let Message::Heartbeat(heartbeat) = next(&mut stream).await else {
        panic!("a reload of b is not seen")
    };
    assert_eq!(heartbeat.data_version, snapshot.data_version);

    hub.publish(reload(
        &[("a", "2"), ("b", "3")],
        &[
            "datasets/a/milestones/m",
            "datasets/a/schemes/s/concepts/c",
            "datasets/a/schemes/t/concepts/c",
            "datasets/a/series/x",
            "datasets/b/series/x",
        ],
    ));
    let change = change(next(&mut stream).await);
    assert_eq!(
        names(&change),
        ["datasets/a/schemes/s/concepts/c", "datasets/a/series/x"]
    );
    assert_eq!(change.previous_data_version, snapshot.data_version);
    assert_eq!(change.datasets.len(), 1);

    // Resuming from the scoped version works; the whole process's version is not one the
    // caller was shown.
    let mut resumed = watch(
        &hub,
        Some(reader.clone()),
        "datasets/-",
        &snapshot.data_version,
    )
    .await
    .unwrap();
    assert_eq!(names(&self::change(next(&mut resumed).await)).len(), 2);
    let unscoped = hub.state().version.as_str().to_owned();
    assert_resume_unknown(watch(&hub, Some(reader), "datasets/-", &unscoped).await);
}

#[tokio::test(start_paused = true)]
async fn a_watch_of_one_dataset_checks_the_parent() {
    let hub = Hub::new(state(&[("a", "1"), ("b", "1")]), HEARTBEAT);
    let mut stream = watch(&hub, None, "datasets/b", "").await.unwrap();
    let Message::Snapshot(snapshot) = next(&mut stream).await else {
        panic!("a snapshot first")
    };
    assert_eq!(snapshot.datasets.len(), 1);
    assert_eq!(snapshot.datasets[0].dataset, "datasets/b");
    hub.publish(reload(&[("a", "2"), ("b", "1")], &["datasets/a/series/x"]));
    assert!(matches!(next(&mut stream).await, Message::Heartbeat(_)));

    for bad in [
        "",
        "datasets/",
        "datasets",
        "schemes/s",
        "datasets/A",
        "datasets/a/series/x",
    ] {
        let status = watch(&hub, None, bad, "").await.err().expect("refused");
        assert_eq!(status.code(), Code::InvalidArgument, "{bad:?}");
        assert!(
            status.message().starts_with("parent: "),
            "{}",
            status.message()
        );
    }
    let status = watch(&hub, None, "datasets/c", "")
        .await
        .err()
        .expect("refused");
    assert_eq!(status.code(), Code::NotFound);
    let status = watch(&hub, Some(granted(&["datasets/a"])), "datasets/b", "")
        .await
        .err()
        .expect("refused");
    assert_eq!(status.code(), Code::PermissionDenied);
    // A dataset the caller may not read is refused the same whether it exists or not.
    let status = watch(&hub, Some(granted(&["datasets/a"])), "datasets/c", "")
        .await
        .err()
        .expect("refused");
    assert_eq!(status.code(), Code::PermissionDenied);
}

#[tokio::test(start_paused = true)]
async fn a_watch_of_one_dataset_sees_its_editions_change_the_version_and_no_other_dataset() {
    let before = [
        ("a", &[("a-2026", "1"), ("a-2027", "1")][..]),
        ("b", &[("b-1", "1")][..]),
    ];
    let hub = Hub::new(state_of_editions(&before), HEARTBEAT);
    let mut stream = watch(&hub, None, "datasets/a", "").await.unwrap();
    let Message::Snapshot(snapshot) = next(&mut stream).await else {
        panic!("a snapshot first")
    };
    // The other dataset changes: nothing this watch shows changed, so it hears only heartbeats.
    let b_changed = [
        ("a", &[("a-2026", "1"), ("a-2027", "1")][..]),
        ("b", &[("b-1", "2")][..]),
    ];
    hub.publish(Reload {
        state: state_of_editions(&b_changed),
        changes: changed(&["datasets/b/series/x"]),
    });
    assert!(matches!(next(&mut stream).await, Message::Heartbeat(_)));
    // An edition of the watched dataset changes: a new version, told apart from the one before.
    let a_changed = [
        ("a", &[("a-2026", "1"), ("a-2027", "2")][..]),
        ("b", &[("b-1", "2")][..]),
    ];
    hub.publish(Reload {
        state: state_of_editions(&a_changed),
        changes: changed(&["datasets/a/series/x"]),
    });
    let change = change(next(&mut stream).await);
    assert_eq!(change.previous_data_version, snapshot.data_version);
    assert_ne!(change.data_version, change.previous_data_version);
    assert_eq!(names(&change), ["datasets/a/series/x"]);
    assert_eq!(change.datasets.len(), 1);
    assert_ne!(
        change.datasets[0].content_version,
        snapshot.datasets[0].content_version
    );
}

#[tokio::test(start_paused = true)]
async fn heartbeats_come_after_each_silence_of_the_interval() {
    let hub = Hub::new(state(&[("a", "1")]), HEARTBEAT);
    let mut stream = watch(&hub, None, "datasets/-", "").await.unwrap();
    assert!(matches!(next(&mut stream).await, Message::Snapshot(_)));
    let start = Instant::now();
    let Message::Heartbeat(heartbeat) = next(&mut stream).await else {
        panic!("a heartbeat")
    };
    assert_eq!(start.elapsed(), HEARTBEAT);
    assert_eq!(heartbeat.data_version, hub.state().version.as_str());
    // A message sent restarts the silence.
    tokio::time::sleep(Duration::from_secs(10)).await;
    hub.publish(reload(&[("a", "2")], &["datasets/a"]));
    let sent = Instant::now();
    assert!(matches!(next(&mut stream).await, Message::Change(_)));
    assert!(matches!(next(&mut stream).await, Message::Heartbeat(_)));
    assert_eq!(sent.elapsed(), HEARTBEAT);
}

#[tokio::test(start_paused = true)]
async fn closing_the_hub_ends_every_watch_with_unavailable() {
    let hub = Hub::new(state(&[("a", "1")]), HEARTBEAT);
    let mut open = watch(&hub, None, "datasets/-", "").await.unwrap();
    assert!(matches!(next(&mut open).await, Message::Snapshot(_)));
    hub.close();
    let status = open.next().await.expect("a status").expect_err("an error");
    assert_eq!(status.code(), Code::Unavailable);
    assert!(open.next().await.is_none(), "nothing after the status");
    let status = watch(&hub, None, "datasets/-", "")
        .await
        .err()
        .expect("refused");
    assert_eq!(status.code(), Code::Unavailable);
}
