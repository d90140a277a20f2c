//! Process exit codes shared by both binaries (`llmarket-server` and `llmarket`), after BSD
//! `sysexits.h`, so scripts and supervisors can tell failures apart. docs/configuration.md has the table.

/// Everything went well.
pub const OK: u8 = 0;
/// The command line was wrong: unknown subcommand, bad flag, address or duration.
pub const USAGE: u8 = 64;
/// The data was malformed or inconsistent (a data file, or a server's answer).
pub const DATA_ERR: u8 = 65;
/// A service was unavailable, or a deadline passed before it answered.
pub const UNAVAILABLE: u8 = 69;
/// An I/O error: a port in use, a path that cannot be read or written.
pub const IO_ERR: u8 = 74;
/// Permission denied: missing or refused credentials.
pub const NO_PERM: u8 = 77;
