//! Who else may read or write a credential file. On Unix the server refuses an auth file every
//! user may write (anyone on the host could add a principal), warns about a TLS key every user
//! may read, and `token new --append-to` creates the auth file readable by its owner only.
//! Elsewhere there are no such checks.

use std::path::Path;

/// The permission bits of `path` (following symlinks, as a Kubernetes Secret's files are), or
/// `None` when they cannot be read or the platform has none.
pub fn mode(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// The mode of `path` when every user may write it.
pub fn world_writable(path: &Path) -> Option<u32> {
    mode(path).filter(|m| m & 0o002 != 0)
}

/// The mode of `path` when every user may read it.
pub fn world_readable(path: &Path) -> Option<u32> {
    mode(path).filter(|m| m & 0o004 != 0)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn modes_are_read_through_the_file() {
        let path = std::env::temp_dir().join(format!("llmarket-mode-{}", std::process::id()));
        std::fs::write(&path, "x").unwrap();
        let set = |mode| std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode));
        set(0o600).unwrap();
        assert_eq!(mode(&path), Some(0o600));
        assert_eq!((world_readable(&path), world_writable(&path)), (None, None));
        set(0o644).unwrap();
        assert_eq!(
            (world_readable(&path), world_writable(&path)),
            (Some(0o644), None)
        );
        set(0o666).unwrap();
        assert_eq!(world_writable(&path), Some(0o666));
        std::fs::remove_file(&path).unwrap();
        assert_eq!(mode(&path), None);
    }
}
