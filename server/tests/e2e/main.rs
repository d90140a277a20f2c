//! The tests of the `llmarket-server` crate from outside as one test binary: the binary as a
//! process (`cli`), the flags against their documentation (`docs`), property-based fuzzing of
//! what the servers take from outside (`fuzz`), and the direction between the workspace's crates
//! (`crates`).

mod cli;
mod crates;
mod docs;
mod fuzz;
