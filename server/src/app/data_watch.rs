//! Watching the `--data` directories: a mounted ConfigMap changes by swapping its `..data`
//! symlink, with no signal, so every change there (after a quiet moment, to take a burst of
//! writes as one) asks for the same reload as SIGHUP.

use std::{path::PathBuf, time::Duration};

use notify::{
    EventKind, RecommendedWatcher, RecursiveMode, Watcher as _,
    event::{AccessKind, AccessMode},
};
use tokio::sync::mpsc;

/// How long a directory must stay quiet after a change before it is reloaded.
pub const QUIET: Duration = Duration::from_millis(300);

/// Changes in the watched directories, as they happen.
pub struct DataWatch {
    // Dropping the watcher ends the watch.
    _watcher: RecommendedWatcher,
    changes: mpsc::Receiver<()>,
}

/// Starts watching `dirs` (recursively, symlinks followed).
pub fn watch(dirs: &[PathBuf]) -> Result<DataWatch, notify::Error> {
    let (tx, changes) = mpsc::channel(1);
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        match event {
            // A full channel already holds a change not yet taken: nothing is lost.
            Ok(event) if is_change(event.kind) => drop(tx.try_send(())),
            Ok(_) => {}
            Err(e) => tracing::warn!("watching the data directories: {e}"),
        }
    })?;
    for dir in dirs {
        watcher.watch(dir, RecursiveMode::Recursive)?;
    }
    Ok(DataWatch {
        _watcher: watcher,
        changes,
    })
}

/// Whether an event may change what the directory holds (reads do not).
fn is_change(kind: EventKind) -> bool {
    match kind {
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) => true,
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Any | EventKind::Other => false,
    }
}

impl DataWatch {
    /// Completes once something changed and then nothing for [`QUIET`]; `None` if the watch
    /// ended.
    pub async fn changed(&mut self) -> Option<()> {
        self.changes.recv().await?;
        loop {
            match tokio::time::timeout(QUIET, self.changes.recv()).await {
                Err(_) => return Some(()),
                Ok(Some(())) => {}
                Ok(None) => return None,
            }
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_symlink_swap_is_one_change_after_a_quiet_moment() {
        let dir = std::env::temp_dir().join(format!("llmarket-watch-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("..v1")).unwrap();
        std::fs::create_dir_all(dir.join("..v2")).unwrap();
        std::os::unix::fs::symlink("..v1", dir.join("..data")).unwrap();
        let mut watch = watch(std::slice::from_ref(&dir)).unwrap();
        std::fs::read_dir(&dir).unwrap().for_each(drop);
        std::os::unix::fs::symlink("..v2", dir.join("..data_tmp")).unwrap();
        std::fs::rename(dir.join("..data_tmp"), dir.join("..data")).unwrap();
        assert_eq!(watch.changed().await, Some(()));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
