//! The `llmarket` command line.
