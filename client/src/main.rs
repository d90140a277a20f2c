//! `llmarket`: report queries over the llmarket services.

fn main() {}
