//! What the flags of both binaries (`llmarket-server` and `llmarket`) share, so one syntax holds
//! for both: the durations they take (`--shutdown-grace`, `--deadline`, …).
//!
//! A crate of its own because the two binaries share no other crate but the contract
//! (`llmarket-proto`), which holds the contract only, and the client library, which the server
//! does not use. Exit codes come from the `sysexits` crate in each crate that names one.

pub mod duration;
