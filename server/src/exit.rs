//! Process exit codes, after BSD `sysexits.h`, so scripts and supervisors can tell failures apart.

/// Everything went well.
pub const OK: u8 = 0;
/// The command line was wrong: unknown subcommand, bad flag or address.
pub const USAGE: u8 = 64;
/// The input data was malformed or inconsistent.
pub const DATA_ERR: u8 = 65;
/// An I/O error: a port in use, a data path that cannot be read.
pub const IO_ERR: u8 = 74;
