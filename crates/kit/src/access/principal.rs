//! Who is calling: a principal as the grant checks and the logs see it.

use super::{grants::Grants, quota::Quota};

/// One caller declared in the principals file.
#[derive(Debug)]
pub struct Principal {
    /// The principal's name, as audit and access logs show it.
    pub name: String,
    /// What it may read.
    pub grants: Grants,
    /// Its call rate, if limited.
    pub quota: Option<Quota>,
}
