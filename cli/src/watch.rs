//! `llmarket watch`: each event of the watch stream printed as it comes, until Ctrl-C or
//! SIGTERM (exit 0): one JSON object per line with `--format json` (JSON Lines), else a
//! readable line.

use std::{
    io::Write as _,
    path::{Path, PathBuf},
};

use sysexits::ExitCode as Sysexit;

use crate::{
    failure::{Failure, stdout_error},
    render::words::{Msg, Words},
};
use llmarket_client::{
    Client,
    reports::Language,
    watch::{DatasetState, ResourceChange, WatchEvent},
};

/// How many changed resources a readable line names before it counts the rest.
const NAMED_CHANGES: usize = 5;

/// Watches `parent` and prints its events (`json`: JSON Lines, else readable lines in
/// `language`) on stdout or into `file`, until Ctrl-C or SIGTERM.
pub(super) async fn run(
    client: &Client,
    parent: String,
    json: bool,
    language: Language,
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
            readable(&event, Words(language))
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

/// One readable line of `event`, its fixed words and punctuation in `words`' language (data
/// versions, names and a server's reason are printed as they come).
fn readable(event: &WatchEvent, words: Words) -> String {
    // A label and a value (a version, an id) always have a space between them.
    let version = |v: &str| format!("{} {v}", words.t(Msg::DataVersion));
    let kind = |msg: Msg| [words.t(msg), words.colon()].concat();
    match event {
        WatchEvent::Snapshot {
            data_version,
            datasets,
        } => format!(
            "{}{}{}",
            kind(Msg::WatchSnapshot),
            version(data_version),
            datasets_text(datasets, words)
        ),
        WatchEvent::Change {
            data_version,
            previous_data_version,
            datasets,
            changes,
        } => format!(
            "{}{} → {data_version}{}{}",
            kind(Msg::WatchChange),
            version(previous_data_version),
            changes_text(changes, words),
            datasets_text(datasets, words)
        ),
        WatchEvent::Heartbeat { data_version } => format!(
            "{}{}{}{}",
            kind(Msg::WatchHeartbeat),
            version(data_version),
            words.comma(),
            words.t(Msg::NoChange)
        ),
        WatchEvent::Interrupted {
            reason,
            resume_from,
        } => {
            let then = match resume_from {
                Some(version) => [
                    words.t(Msg::ResumingBefore),
                    version,
                    words.t(Msg::ResumingAfter),
                ]
                .concat(),
                None => words.s(Msg::WatchingAgain),
            };
            format!(
                "{}{reason}{}{then}",
                kind(Msg::WatchInterrupted),
                words.semicolon()
            )
        }
    }
}

fn datasets_text(datasets: &[DatasetState], words: Words) -> String {
    datasets
        .iter()
        .map(|d| {
            let edition = llmarket_client::editions::edition_id(&d.latest_edition);
            let content = format!("{} {}", words.t(Msg::ContentVersion), d.content_version);
            format!(
                "{}{} {} {edition}{}",
                words.semicolon(),
                d.dataset,
                words.t(Msg::LatestEdition),
                words.paren(&content)
            )
        })
        .collect()
}

fn changes_text(changes: &[ResourceChange], words: Words) -> String {
    if changes.is_empty() {
        return String::new();
    }
    let named: Vec<String> = changes
        .iter()
        .take(NAMED_CHANGES)
        .map(|c| {
            let change = match c.change.as_str() {
                "added" => words.t(Msg::Added),
                "changed" => words.t(Msg::Changed),
                "removed" => words.t(Msg::Removed),
                other => other,
            };
            format!("{change} {}", c.name)
        })
        .collect();
    let more = changes.len().saturating_sub(NAMED_CHANGES);
    let rest = if more > 0 {
        format!(
            "{}{more}{}",
            words.t(Msg::AndMoreBefore),
            words.t(Msg::AndMoreAfter)
        )
    } else {
        String::new()
    };
    format!(
        "{}{}{rest}",
        words.semicolon(),
        named.join(words.list_sep())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(changes: usize) -> WatchEvent {
        WatchEvent::Change {
            data_version: "b".to_owned(),
            previous_data_version: "a".to_owned(),
            datasets: vec![DatasetState {
                dataset: "datasets/d".to_owned(),
                content_version: "c".to_owned(),
                latest_edition: "datasets/d/editions/2027".to_owned(),
            }],
            changes: (0..changes)
                .map(|i| ResourceChange {
                    name: format!("datasets/d/series/s{i}"),
                    change: ["changed", "added", "removed"][i % 3].to_owned(),
                })
                .collect(),
        }
    }

    fn interrupted(resume_from: Option<&str>) -> WatchEvent {
        WatchEvent::Interrupted {
            reason: "gone".to_owned(),
            resume_from: resume_from.map(str::to_owned),
        }
    }

    #[test]
    fn readable_lines_name_versions_and_changes() {
        let en = Words(Language::En);
        let line = readable(&change(7), en);
        assert!(line.starts_with(
            "change: data version a → b; changed datasets/d/series/s0, added datasets/d/series/s1"
        ));
        assert!(line.contains(" and 2 more; datasets/d latest edition 2027 (content c)"));
        let line = readable(&interrupted(Some("b")), en);
        assert_eq!(line, "interrupted: gone; resuming after b");
        let line = readable(
            &WatchEvent::Heartbeat {
                data_version: "b".to_owned(),
            },
            en,
        );
        assert_eq!(line, "heartbeat: data version b, no change");
    }

    #[test]
    fn readable_lines_follow_the_language_with_full_width_punctuation() {
        let zh = Words(Language::Zh);
        let line = readable(&change(7), zh);
        assert_eq!(
            line,
            "变更：数据版本 a → b；变更 datasets/d/series/s0、新增 datasets/d/series/s1、\
             移除 datasets/d/series/s2、变更 datasets/d/series/s3、新增 datasets/d/series/s4，\
             另有 2 项；datasets/d 最新年版 2027（内容版本 c）"
        );
        let line = readable(
            &WatchEvent::Snapshot {
                data_version: "a".to_owned(),
                datasets: Vec::new(),
            },
            zh,
        );
        assert_eq!(line, "快照：数据版本 a");
        let line = readable(&interrupted(None), zh);
        assert_eq!(line, "中断：gone；重新开始监视");
        let line = readable(&interrupted(Some("b")), zh);
        assert_eq!(line, "中断：gone；从 b 之后继续");
        // No English word or ASCII separator is left in a Chinese line.
        for word in [
            "change",
            "data version",
            "latest",
            "content",
            "; ",
            ": ",
            " (",
        ] {
            assert!(!readable(&change(7), zh).contains(word), "{word:?}");
        }
    }
}
