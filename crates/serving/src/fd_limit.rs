//! The process's file-descriptor limit: raised from the soft to the hard limit at start, and the
//! bound it puts on how many connections may be open at once.

/// Descriptors kept free for everything that is not a client connection: stdio, the listeners,
/// the async runtime's own descriptors, data files read on reload, /proc reads.
pub const RESERVED_FDS: u64 = 64;

/// The descriptor limits after [`raise`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FdLimits {
    /// The soft limit before raising it.
    pub soft_before: u64,
    /// The soft limit now in force.
    pub soft: u64,
    /// The hard limit (the ceiling the soft limit can be raised to).
    pub hard: u64,
}

/// Raises the soft limit on open descriptors to the hard limit, and logs both. Returns `None`
/// (after a warning) where the limits cannot be read; nothing is then clamped.
pub fn raise() -> Option<FdLimits> {
    #[cfg(unix)]
    {
        use rlimit::Resource;
        let (soft_before, hard) = match Resource::NOFILE.get() {
            Ok(limits) => limits,
            Err(e) => {
                tracing::warn!("cannot read the open-file limit: {e}");
                return None;
            }
        };
        let soft = match rlimit::increase_nofile_limit(hard) {
            Ok(soft) => soft,
            Err(e) => {
                tracing::warn!(soft_before, hard, "cannot raise the open-file limit: {e}");
                soft_before
            }
        };
        tracing::info!(soft_before, soft, hard, "open-file limit");
        Some(FdLimits {
            soft_before,
            soft,
            hard,
        })
    }
    #[cfg(not(unix))]
    None
}

/// The connection cap in force: `wanted`, lowered so that open connections leave
/// [`RESERVED_FDS`] descriptors free under the soft limit (and at least one connection).
pub fn connection_cap(wanted: usize, limits: Option<FdLimits>) -> usize {
    let Some(limits) = limits else {
        return wanted;
    };
    let room = limits.soft.saturating_sub(RESERVED_FDS).max(1);
    let room = usize::try_from(room).unwrap_or(usize::MAX);
    wanted.min(room)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_room_under_the_soft_limit() {
        let limits = |soft| {
            Some(FdLimits {
                soft_before: soft,
                soft,
                hard: soft,
            })
        };
        assert_eq!(connection_cap(4096, limits(1_048_576)), 4096);
        assert_eq!(connection_cap(4096, limits(256)), 192);
        assert_eq!(connection_cap(4096, limits(10)), 1);
        assert_eq!(connection_cap(50, None), 50);
    }

    #[test]
    fn raising_reports_a_soft_limit_no_higher_than_the_hard_one() {
        if let Some(limits) = raise() {
            assert!(limits.soft <= limits.hard);
            assert!(limits.soft >= limits.soft_before);
        }
    }
}
