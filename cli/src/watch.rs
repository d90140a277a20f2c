//! `llmarket watch`: each event of the watch stream printed as it comes, until Ctrl-C or
//! SIGTERM (exit 0): one JSON object per line with `--format json` (JSON Lines), else a
//! readable line.

use std::{
    io::Write as _,
    path::{Path, PathBuf},
};

use sysexits::ExitCode as Sysexit;

use crate::failure::{Failure, stdout_error};
use llmarket_client::{
    Client,
    watch::{DatasetState, ResourceChange, WatchEvent},
};

/// How many changed resources a readable line names before it counts the rest.
const NAMED_CHANGES: usize = 5;

/// Watches `parent` and prints its events (`json`: JSON Lines) on stdout or into `file`, until
/// Ctrl-C or SIGTERM.
pub(super) async fn run(
    client: &Client,
    parent: String,
    json: bool,
    file: Option<PathBuf>,
) -> Result<(), Failure> {
    let mut sink = Sink::open(file.as_deref())?;
    let mut watch = client.watch(parent);
    let stop = stop_signal();
    tokio::pin!(stop);
    loop {
        let event = tokio::select! {
            () = &mut stop => return Ok(()),
            event = watch.next() => event?,
        };
        let line = if json {
            serde_json::to_string(&event)
                .map_err(|e| Failure::new(crate::failure::OTHER, format!("cannot encode: {e}")))?
        } else {
            readable(&event)
        };
        if !sink.line(&line)? {
            // The reader went away (`| head`): done.
            return Ok(());
        }
    }
}

/// Resolves on Ctrl-C, or SIGTERM on Unix.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Where the lines go: stdout, or a file (created or truncated).
enum Sink {
    Stdout,
    File(std::fs::File, PathBuf),
}

impl Sink {
    fn open(file: Option<&Path>) -> Result<Self, Failure> {
        match file {
            None => Ok(Self::Stdout),
            Some(path) => std::fs::File::create(path)
                .map(|f| Self::File(f, path.to_owned()))
                .map_err(|e| {
                    Failure::new(
                        Sysexit::IoErr,
                        format!("cannot write the events to {}: {e}", path.display()),
                    )
                }),
        }
    }

    /// Writes `line` and a newline at once (flushed); false when stdout's reader went away.
    fn line(&mut self, line: &str) -> Result<bool, Failure> {
        let text = format!("{line}\n");
        match self {
            Self::Stdout => {
                let mut stdout = std::io::stdout().lock();
                match stdout
                    .write_all(text.as_bytes())
                    .and_then(|()| stdout.flush())
                {
                    Ok(()) => Ok(true),
                    Err(e) => stdout_error(&e).map(|()| false),
                }
            }
            Self::File(file, path) => file
                .write_all(text.as_bytes())
                .and_then(|()| file.flush())
                .map(|()| true)
                .map_err(|e| {
                    Failure::new(
                        Sysexit::IoErr,
                        format!("cannot write the events to {}: {e}", path.display()),
                    )
                }),
        }
    }
}

/// One readable line of `event`.
fn readable(event: &WatchEvent) -> String {
    match event {
        WatchEvent::Snapshot {
            data_version,
            datasets,
        } => format!(
            "snapshot: data version {data_version}{}",
            datasets_text(datasets)
        ),
        WatchEvent::Change {
            data_version,
            previous_data_version,
            datasets,
            changes,
        } => format!(
            "change: data version {previous_data_version} → {data_version}{}{}",
            changes_text(changes),
            datasets_text(datasets)
        ),
        WatchEvent::Heartbeat { data_version } => {
            format!("heartbeat: data version {data_version}, no change")
        }
        WatchEvent::Interrupted {
            reason,
            resume_from,
        } => match resume_from {
            Some(version) => format!("interrupted: {reason}; resuming after {version}"),
            None => format!("interrupted: {reason}; watching again"),
        },
    }
}

fn datasets_text(datasets: &[DatasetState]) -> String {
    datasets
        .iter()
        .map(|d| {
            format!(
                "; {} latest edition {} (content {})",
                d.dataset,
                llmarket_client::editions::edition_id(&d.latest_edition),
                d.content_version
            )
        })
        .collect()
}

fn changes_text(changes: &[ResourceChange]) -> String {
    if changes.is_empty() {
        return String::new();
    }
    let named: Vec<String> = changes
        .iter()
        .take(NAMED_CHANGES)
        .map(|c| format!("{} {}", c.change, c.name))
        .collect();
    let more = changes.len().saturating_sub(NAMED_CHANGES);
    let rest = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("; {}{rest}", named.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_lines_name_versions_and_changes() {
        let changes: Vec<ResourceChange> = (0..7)
            .map(|i| ResourceChange {
                name: format!("datasets/d/series/s{i}"),
                change: "changed".to_owned(),
            })
            .collect();
        let line = readable(&WatchEvent::Change {
            data_version: "b".to_owned(),
            previous_data_version: "a".to_owned(),
            datasets: vec![DatasetState {
                dataset: "datasets/d".to_owned(),
                content_version: "c".to_owned(),
                latest_edition: "datasets/d/editions/2027".to_owned(),
            }],
            changes,
        });
        assert!(line.starts_with("change: data version a → b; changed datasets/d/series/s0"));
        assert!(line.contains(" and 2 more; datasets/d latest edition 2027 (content c)"));
        let line = readable(&WatchEvent::Interrupted {
            reason: "gone".to_owned(),
            resume_from: Some("b".to_owned()),
        });
        assert_eq!(line, "interrupted: gone; resuming after b");
    }
}
