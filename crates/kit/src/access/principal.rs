//! Who is calling: a principal as the grant checks and the logs see it.

use std::sync::Arc;

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
    /// [`Grants::scope_key`] of its grants, made once: what the reply cache keys its calls on.
    pub scope_key: Arc<str>,
}

impl Principal {
    /// The principal `name`, reading what `grants` allow, at the rate of `quota` if any.
    pub fn new(name: String, grants: Grants, quota: Option<Quota>) -> Self {
        Self {
            scope_key: grants.scope_key().into(),
            name,
            grants,
            quota,
        }
    }
}
